// Business-hours arithmetic, checked against due times worked out by hand (the working is in the
// comments; "Z" times are UTC, other times are local to the calendar's zone).
// Time-zone facts used: London GMT (+0) → BST (+1) at 01:00Z on 2026-03-29 and back at 01:00Z on
// 2026-10-25; New York EST (−5) → EDT (−4) at 07:00Z on 2026-03-08 and back at 06:00Z on 2026-11-01;
// Sydney AEDT (+11) → AEST (+10) at 16:00Z on 2026-04-04 (03:00 → 02:00 on the 5th) and
// AEST → AEDT at 16:00Z on 2026-10-03 (02:00 → 03:00 on the 4th).
import { DateTime } from 'luxon';
import { describe, expect, test } from 'vitest';
import { AppError } from './errors.js';
import {
  addBusinessMinutes,
  addCalendarMinutes,
  businessMinutesBetween,
  calendarMinutesBetween,
  dueTimes,
  openIntervalsBetween,
  weekdays,
  type BusinessCalendar,
  type OpeningInterval,
  type Pause,
} from './business-time.js';

const at = (iso: string) => new Date(iso);
const pause = (from: string, to: string | null): Pause => ({ from: at(from), to: to === null ? null : at(to) });

function weekdaysOnly(timeZone: string, intervals: OpeningInterval[], holidays: BusinessCalendar['holidays'] = []): BusinessCalendar {
  return {
    timeZone,
    weekly: { monday: intervals, tuesday: intervals, wednesday: intervals, thursday: intervals, friday: intervals },
    holidays,
  };
}

function everyDay(timeZone: string, intervals: OpeningInterval[]): BusinessCalendar {
  return { timeZone, weekly: { ...weekdaysOnly(timeZone, intervals).weekly, saturday: intervals, sunday: intervals } };
}

const nineToFive = [{ start: '09:00', end: '17:00' }];
const london = weekdaysOnly('Europe/London', nineToFive);
const londonLunch = weekdaysOnly('Europe/London', [
  { start: '08:00', end: '12:00' },
  { start: '13:00', end: '17:00' },
]);
const londonNights = weekdaysOnly('Europe/London', [{ start: '22:00', end: '06:00' }]);
const london247 = everyDay('Europe/London', [{ start: '00:00', end: '24:00' }]);
const newYork = weekdaysOnly('America/New_York', nineToFive);
const newYork247 = everyDay('America/New_York', [{ start: '00:00', end: '24:00' }]);
const sydney = weekdaysOnly('Australia/Sydney', nineToFive);
const sydney247 = everyDay('Australia/Sydney', [{ start: '00:00', end: '24:00' }]);

function due(calendar: BusinessCalendar, start: string, minutes: number, pauses: Pause[] = []): string {
  return addBusinessMinutes(calendar, at(start), minutes, pauses).toISOString();
}

function expectValidationError(fn: () => unknown, path: string): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('validation_failed');
    expect(((err as AppError).details as { issues: { path: string }[] }).issues.map((i) => i.path)).toContain(path);
    return;
  }
  expect.fail('expected a validation error');
}

describe('a London 09:00–17:00 weekday calendar in winter (local time = UTC)', () => {
  test('a target inside one day', () => {
    // Mon 5 Jan 10:00 + 2 h = 12:00.
    expect(due(london, '2026-01-05T10:00:00Z', 120)).toBe('2026-01-05T12:00:00.000Z');
  });

  test('a target that spans the night', () => {
    // Mon 16:00–17:00 uses 60; Tue 09:00 + 60 = 10:00.
    expect(due(london, '2026-01-05T16:00:00Z', 120)).toBe('2026-01-06T10:00:00.000Z');
  });

  test('a target that spans the weekend', () => {
    // Fri 9 Jan 16:30–17:00 uses 30; Sat and Sun closed; Mon 12 Jan 09:00 + 30 = 09:30.
    expect(due(london, '2026-01-09T16:30:00Z', 60)).toBe('2026-01-12T09:30:00.000Z');
  });

  test('a start before opening counts from the opening', () => {
    expect(due(london, '2026-01-05T07:00:00Z', 30)).toBe('2026-01-05T09:30:00.000Z');
  });

  test('a start after closing counts from the next opening', () => {
    expect(due(london, '2026-01-05T18:00:00Z', 30)).toBe('2026-01-06T09:30:00.000Z');
  });

  test('a start on a closed day counts from the next opening day', () => {
    // Sat 10 Jan noon → Mon 12 Jan 09:00 + 60.
    expect(due(london, '2026-01-10T12:00:00Z', 60)).toBe('2026-01-12T10:00:00.000Z');
  });

  test('a target used up exactly at closing is due at closing, not at the next opening', () => {
    expect(due(london, '2026-01-05T09:00:00Z', 480)).toBe('2026-01-05T17:00:00.000Z');
  });

  test('a start exactly at closing counts from the next opening', () => {
    expect(due(london, '2026-01-05T17:00:00Z', 1)).toBe('2026-01-06T09:01:00.000Z');
  });

  test('five full days end on Friday at closing', () => {
    // 5 × 480 = 2400 from Mon 09:00 → Fri 9 Jan 17:00.
    expect(due(london, '2026-01-05T09:00:00Z', 2400)).toBe('2026-01-09T17:00:00.000Z');
  });

  test('summer hours follow British Summer Time', () => {
    // Mon 6 Jul 09:00 BST = 08:00Z; + 60 = 09:00Z.
    expect(due(london, '2026-07-06T08:00:00Z', 60)).toBe('2026-07-06T09:00:00.000Z');
    // 07:30Z is 08:30 BST, before opening: 09:00 BST (08:00Z) + 30.
    expect(due(london, '2026-07-06T07:30:00Z', 30)).toBe('2026-07-06T08:30:00.000Z');
  });

  test('business minutes between two instants', () => {
    // Mon 08:00 → Wed 10:00: Mon 480 + Tue 480 + Wed 09:00–10:00 60 = 1020.
    expect(businessMinutesBetween(london, at('2026-01-05T08:00:00Z'), at('2026-01-07T10:00:00Z'))).toBe(1020);
    // Fri 16:00 → Mon 10:00: 60 + 60 = 120; reversed bounds count nothing.
    expect(businessMinutesBetween(london, at('2026-01-09T16:00:00Z'), at('2026-01-12T10:00:00Z'))).toBe(120);
    expect(businessMinutesBetween(london, at('2026-01-12T10:00:00Z'), at('2026-01-09T16:00:00Z'))).toBe(0);
  });
});

describe('two intervals a day (a lunch break 12:00–13:00)', () => {
  test('a target that runs over lunch resumes after it', () => {
    // 11:00–12:00 uses 60; 13:00 + 60 = 14:00.
    expect(due(londonLunch, '2026-01-05T11:00:00Z', 120)).toBe('2026-01-05T14:00:00.000Z');
  });

  test('a start during lunch counts from 13:00', () => {
    expect(due(londonLunch, '2026-01-05T12:30:00Z', 30)).toBe('2026-01-05T13:30:00.000Z');
  });

  test('a target used up exactly at the start of lunch is due at 12:00', () => {
    expect(due(londonLunch, '2026-01-05T11:00:00Z', 60)).toBe('2026-01-05T12:00:00.000Z');
  });

  test('a full day is eight hours of the nine', () => {
    expect(due(londonLunch, '2026-01-05T08:00:00Z', 480)).toBe('2026-01-05T17:00:00.000Z');
    expect(businessMinutesBetween(londonLunch, at('2026-01-05T00:00:00Z'), at('2026-01-06T00:00:00Z'))).toBe(480);
  });

  test('overlapping intervals merge and 24:00 closes at midnight', () => {
    const cal: BusinessCalendar = {
      timeZone: 'Europe/London',
      weekly: {
        monday: [
          { start: '11:00', end: '14:00' },
          { start: '09:00', end: '12:00' },
          { start: '20:00', end: '24:00' },
        ],
      },
    };
    expect(openIntervalsBetween(cal, at('2026-01-05T00:00:00Z'), at('2026-01-07T00:00:00Z'))).toEqual([
      { from: at('2026-01-05T09:00:00Z'), to: at('2026-01-05T14:00:00Z') },
      { from: at('2026-01-05T20:00:00Z'), to: at('2026-01-06T00:00:00Z') },
    ]);
    // 09:00–14:00 counts 300 once, not 360.
    expect(due(cal, '2026-01-05T09:00:00Z', 330)).toBe('2026-01-05T20:30:00.000Z');
  });
});

describe('overnight intervals (weekdays 22:00–06:00 the next morning)', () => {
  test('a start in the evening shift ends after midnight', () => {
    // Mon 23:00 + 240 = Tue 03:00 (the interval runs to Tue 06:00).
    expect(due(londonNights, '2026-01-05T23:00:00Z', 240)).toBe('2026-01-06T03:00:00.000Z');
  });

  test('a start near the end of a night continues the next night', () => {
    // Tue 05:00–06:00 (Monday's interval) uses 60; Tue 22:00 + 60 = 23:00.
    expect(due(londonNights, '2026-01-06T05:00:00Z', 120)).toBe('2026-01-06T23:00:00.000Z');
  });

  test("Friday's night runs into Saturday morning; the next opening is Monday night", () => {
    // Sat 10 Jan 05:00–06:00 uses 60; no Saturday or Sunday interval; Mon 12 Jan 22:00 + 60.
    expect(due(londonNights, '2026-01-10T05:00:00Z', 120)).toBe('2026-01-12T23:00:00.000Z');
  });

  test('a holiday closes the part of an overnight interval on its date, and its own night', () => {
    // Holiday Tue 6 Jan. Mon 22:00–24:00 uses 120 (Monday is not a holiday); Tue 00:00–06:00 is closed;
    // Tue 22:00–24:00 is closed; Wed 00:00–06:00 (Tuesday's interval on Wednesday's date) is open: + 60.
    const cal = { ...londonNights, holidays: ['2026-01-06'] };
    expect(due(cal, '2026-01-05T21:00:00Z', 180)).toBe('2026-01-07T01:00:00.000Z');
  });

  test('a holiday on the evening date keeps the morning after open', () => {
    // Holiday Mon 5 Jan: Mon 22:00–24:00 closed, Tue 00:00–06:00 open: from noon Monday + 60 = Tue 01:00.
    const cal = { ...londonNights, holidays: ['2026-01-05'] };
    expect(due(cal, '2026-01-05T12:00:00Z', 60)).toBe('2026-01-06T01:00:00.000Z');
  });
});

describe('holidays', () => {
  test('whole holidays and a weekend between them (the example of the issue)', () => {
    // Thu 24 Dec 15:00–17:00 uses 120; Fri 25 holiday; weekend; Mon 28 holiday; Tue 29 09:00 + 120 = 11:00.
    const cal = weekdaysOnly('Europe/London', nineToFive, ['2026-12-25', '2026-12-28']);
    expect(due(cal, '2026-12-24T15:00:00Z', 240)).toBe('2026-12-29T11:00:00.000Z');
  });

  test('a start on a holiday counts from the next working day', () => {
    const cal = weekdaysOnly('Europe/London', nineToFive, ['2026-12-25']);
    expect(due(cal, '2026-12-25T10:00:00Z', 30)).toBe('2026-12-28T09:30:00.000Z');
  });

  test('a partial holiday closes only its hours', () => {
    // 24 Dec closes at 13:00: 10:00–13:00 uses 180; 25 Dec holiday; weekend; Mon 28 09:00 + 60.
    const cal = weekdaysOnly('Europe/London', nineToFive, [{ date: '2026-12-24', start: '13:00', end: '17:00' }, '2026-12-25']);
    expect(due(cal, '2026-12-24T10:00:00Z', 240)).toBe('2026-12-28T10:00:00.000Z');
    // Over 24–28 Dec: 24th 09:00–13:00 = 240, 25th to 27th nothing, 28th 480.
    expect(businessMinutesBetween(cal, at('2026-12-24T00:00:00Z'), at('2026-12-29T00:00:00Z'))).toBe(240 + 480);
  });

  test('a partial holiday in the middle of the day splits it', () => {
    // 11:00–12:30 closed on Mon 5 Jan: 10:00–11:00 uses 60, then 12:30 + 60 = 13:30.
    const cal = weekdaysOnly('Europe/London', nineToFive, [{ date: '2026-01-05', start: '11:00', end: '12:30' }]);
    expect(due(cal, '2026-01-05T10:00:00Z', 120)).toBe('2026-01-05T13:30:00.000Z');
  });

  test('holidays follow the calendar zone, not UTC', () => {
    // Sydney holiday Mon 5 Jan 2026 (AEDT, +11) runs from 4 Jan 13:00Z to 5 Jan 13:00Z.
    // Fri 2 Jan 16:00 AEDT = 05:00Z: 60 to closing; Tue 6 Jan 09:00 AEDT = 5 Jan 22:00Z + 60.
    const cal = weekdaysOnly('Australia/Sydney', nineToFive, ['2026-01-05']);
    expect(due(cal, '2026-01-02T05:00:00Z', 120)).toBe('2026-01-05T23:00:00.000Z');
  });
});

describe('daylight saving in Europe/London', () => {
  const earlySunday = { timeZone: 'Europe/London', weekly: { sunday: [{ start: '00:00', end: '03:00' }] } };

  test('00:00–03:00 lasts two hours on the spring-forward Sunday', () => {
    // 00:00 GMT = 00:00Z; 03:00 BST = 02:00Z.
    expect(openIntervalsBetween(earlySunday, at('2026-03-28T00:00:00Z'), at('2026-03-30T00:00:00Z'))).toEqual([
      { from: at('2026-03-29T00:00:00Z'), to: at('2026-03-29T02:00:00Z') },
    ]);
    expect(due(earlySunday, '2026-03-29T00:00:00Z', 120)).toBe('2026-03-29T02:00:00.000Z');
  });

  test('00:00–03:00 lasts four hours on the fall-back Sunday', () => {
    // 00:00 BST = 24 Oct 23:00Z; 03:00 GMT = 03:00Z.
    expect(businessMinutesBetween(earlySunday, at('2026-10-24T00:00:00Z'), at('2026-10-26T00:00:00Z'))).toBe(240);
    expect(due(earlySunday, '2026-10-24T12:00:00Z', 200)).toBe('2026-10-25T02:20:00.000Z');
  });

  test('an opening time inside the spring-forward gap opens at the first instant after it', () => {
    // 01:30 does not exist on 29 Mar: it opens at 02:00 BST = 01:00Z; 05:00 BST = 04:00Z: 180 minutes.
    const cal = { timeZone: 'Europe/London', weekly: { sunday: [{ start: '01:30', end: '05:00' }] } };
    expect(openIntervalsBetween(cal, at('2026-03-29T00:00:00Z'), at('2026-03-30T00:00:00Z'))).toEqual([
      { from: at('2026-03-29T01:00:00Z'), to: at('2026-03-29T04:00:00Z') },
    ]);
    // A closing time in the gap closes there too: 00:00 GMT (00:00Z) to 01:30 → 01:00Z is 60 minutes.
    const closesInGap = { timeZone: 'Europe/London', weekly: { sunday: [{ start: '00:00', end: '01:30' }] } };
    expect(businessMinutesBetween(closesInGap, at('2026-03-29T00:00:00Z'), at('2026-03-30T00:00:00Z'))).toBe(60);
  });

  test('an opening time inside the fall-back fold opens at its first occurrence', () => {
    // 01:30 occurs at 00:30Z (BST) and 01:30Z (GMT): first is 00:30Z; 02:30 GMT = 02:30Z: 120 minutes.
    const cal = { timeZone: 'Europe/London', weekly: { sunday: [{ start: '01:30', end: '02:30' }] } };
    expect(businessMinutesBetween(cal, at('2026-10-24T00:00:00Z'), at('2026-10-26T00:00:00Z'))).toBe(120);
    expect(due(cal, '2026-10-24T00:00:00Z', 1)).toBe('2026-10-25T00:31:00.000Z');
  });

  test('office hours across the spring-forward weekend', () => {
    // Fri 27 Mar 16:00 GMT = 16:00Z: 60; Mon 30 Mar 09:00 BST = 08:00Z + 60 = 09:00Z.
    expect(due(london, '2026-03-27T16:00:00Z', 120)).toBe('2026-03-30T09:00:00.000Z');
  });

  test('office hours across the fall-back weekend', () => {
    // Fri 23 Oct 15:00Z = 16:00 BST: 60; Mon 26 Oct 09:00 GMT = 09:00Z + 60 = 10:00Z.
    expect(due(london, '2026-10-23T15:00:00Z', 120)).toBe('2026-10-26T10:00:00.000Z');
  });

  test('a 24-hour target on a 24/7 calendar ends an hour later on the clock across spring-forward', () => {
    // Sat 28 Mar 12:00 GMT = 12:00Z; 24 real hours later = 29 Mar 12:00Z = 13:00 BST.
    expect(due(london247, '2026-03-28T12:00:00Z', 1440)).toBe('2026-03-29T12:00:00.000Z');
  });

  test('a 24-hour target on a 24/7 calendar ends an hour earlier on the clock across fall-back', () => {
    // Sat 24 Oct 12:00 BST = 11:00Z; 24 real hours later = 25 Oct 11:00Z = 11:00 GMT.
    expect(due(london247, '2026-10-24T11:00:00Z', 1440)).toBe('2026-10-25T11:00:00.000Z');
  });
});

test('a holiday whose midnight does not exist begins at the first instant after the gap (America/Santiago)', () => {
  // Santiago skips 00:00–01:00 on Sun 6 Sep 2026 (−04 → −03 at 04:00Z). The holiday runs from 04:00Z on the 6th
  // to Mon 00:00 −03 = 7 Sep 03:00Z (23 hours). From Sat 23:00 −04 (6 Sep 03:00Z): 60 minutes, the holiday, + 60.
  const cal = { ...everyDay('America/Santiago', [{ start: '00:00', end: '24:00' }]), holidays: ['2026-09-06'] };
  expect(due(cal, '2026-09-06T03:00:00Z', 120)).toBe('2026-09-07T04:00:00.000Z');
  expect(businessMinutesBetween(cal, at('2026-09-05T04:00:00Z'), at('2026-09-08T03:00:00Z'))).toBe(2 * 1440);
});

describe('daylight saving in America/New_York', () => {
  test('office hours across the spring-forward weekend', () => {
    // Fri 6 Mar 16:00 EST = 21:00Z: 60; Mon 9 Mar 09:00 EDT = 13:00Z + 60 = 14:00Z.
    expect(due(newYork, '2026-03-06T21:00:00Z', 120)).toBe('2026-03-09T14:00:00.000Z');
  });

  test('office hours across the fall-back weekend', () => {
    // Fri 30 Oct 16:00 EDT = 20:00Z: 60; Mon 2 Nov 09:00 EST = 14:00Z + 60 = 15:00Z.
    expect(due(newYork, '2026-10-30T20:00:00Z', 120)).toBe('2026-11-02T15:00:00.000Z');
  });

  test('a 24/7 calendar counts real hours across both changes', () => {
    // Sat 7 Mar 12:00 EST = 17:00Z + 24 h = 8 Mar 17:00Z = 13:00 EDT.
    expect(due(newYork247, '2026-03-07T17:00:00Z', 1440)).toBe('2026-03-08T17:00:00.000Z');
    // Sat 31 Oct 12:00 EDT = 16:00Z + 24 h = 1 Nov 16:00Z = 11:00 EST.
    expect(due(newYork247, '2026-10-31T16:00:00Z', 1440)).toBe('2026-11-01T16:00:00.000Z');
  });

  test('Sunday 00:00–04:00 lasts 3 hours in March and 5 hours in November', () => {
    const cal = { timeZone: 'America/New_York', weekly: { sunday: [{ start: '00:00', end: '04:00' }] } };
    // 00:00 EST = 05:00Z → 04:00 EDT = 08:00Z.
    expect(businessMinutesBetween(cal, at('2026-03-08T00:00:00Z'), at('2026-03-09T00:00:00Z'))).toBe(180);
    // 00:00 EDT = 04:00Z → 04:00 EST = 09:00Z.
    expect(businessMinutesBetween(cal, at('2026-11-01T00:00:00Z'), at('2026-11-02T00:00:00Z'))).toBe(300);
  });
});

describe('daylight saving in Australia/Sydney', () => {
  test('a 24/7 calendar across the April change back', () => {
    // Sat 4 Apr 12:00 AEDT = 01:00Z + 24 h = 5 Apr 01:00Z = 11:00 AEST.
    expect(due(sydney247, '2026-04-04T01:00:00Z', 1440)).toBe('2026-04-05T01:00:00.000Z');
  });

  test('office hours across the April change back', () => {
    // Fri 3 Apr 16:00 AEDT = 05:00Z: 60; Mon 6 Apr 09:00 AEST = 5 Apr 23:00Z + 60 = 6 Apr 00:00Z.
    expect(due(sydney, '2026-04-03T05:00:00Z', 120)).toBe('2026-04-06T00:00:00.000Z');
  });

  test('office hours across the October change forward', () => {
    // Fri 2 Oct 16:00 AEST = 06:00Z: 60; Mon 5 Oct 09:00 AEDT = 4 Oct 22:00Z + 60 = 23:00Z.
    expect(due(sydney, '2026-10-02T06:00:00Z', 120)).toBe('2026-10-04T23:00:00.000Z');
  });

  test('Sunday 00:00–06:00 lasts 7 hours in April and 5 hours in October', () => {
    const cal = { timeZone: 'Australia/Sydney', weekly: { sunday: [{ start: '00:00', end: '06:00' }] } };
    // 00:00 AEDT = 4 Apr 13:00Z → 06:00 AEST = 4 Apr 20:00Z.
    expect(openIntervalsBetween(cal, at('2026-04-04T00:00:00Z'), at('2026-04-05T12:00:00Z'))).toEqual([
      { from: at('2026-04-04T13:00:00Z'), to: at('2026-04-04T20:00:00Z') },
    ]);
    // 00:00 AEST = 3 Oct 14:00Z → 06:00 AEDT = 3 Oct 19:00Z.
    expect(businessMinutesBetween(cal, at('2026-10-03T00:00:00Z'), at('2026-10-04T12:00:00Z'))).toBe(300);
  });
});

describe('pauses', () => {
  test('a pause inside opening hours pushes the due time back by its length', () => {
    // 10:00–10:30 uses 30; paused 10:30–11:00; 11:00 + 90 = 12:30.
    expect(due(london, '2026-01-05T10:00:00Z', 120, [pause('2026-01-05T10:30:00Z', '2026-01-05T11:00:00Z')])).toBe(
      '2026-01-05T12:30:00.000Z',
    );
  });

  test('a pause over closed time only removes the open part', () => {
    // Mon 16:00–16:30 uses 30; paused until Tue 09:30; Tue 09:30 + 90 = 11:00.
    expect(due(london, '2026-01-05T16:00:00Z', 120, [pause('2026-01-05T16:30:00Z', '2026-01-06T09:30:00Z')])).toBe(
      '2026-01-06T11:00:00.000Z',
    );
  });

  test('overlapping pauses count once', () => {
    // Pauses 10:30–11:30 and 11:00–12:00 merge into 10:30–12:00. 10:00–10:30 uses 30; 12:00 + 90 = 13:30.
    const pauses = [pause('2026-01-05T10:30:00Z', '2026-01-05T11:30:00Z'), pause('2026-01-05T11:00:00Z', '2026-01-05T12:00:00Z')];
    expect(due(london, '2026-01-05T10:00:00Z', 120, pauses)).toBe('2026-01-05T13:30:00.000Z');
    expect(businessMinutesBetween(london, at('2026-01-05T09:00:00Z'), at('2026-01-05T17:00:00Z'), pauses)).toBe(390);
  });

  test('a pause already running at the start delays counting until it ends', () => {
    // Paused 09:00–10:30, start 10:00: counting begins at 10:30; + 120 = 12:30.
    expect(due(london, '2026-01-05T10:00:00Z', 120, [pause('2026-01-05T09:00:00Z', '2026-01-05T10:30:00Z')])).toBe(
      '2026-01-05T12:30:00.000Z',
    );
  });

  test('a pause of four weeks', () => {
    // Mon 5 Jan 09:00–10:00 uses 60; paused until Mon 2 Feb 10:00; + 60 = 11:00.
    expect(due(london, '2026-01-05T09:00:00Z', 120, [pause('2026-01-05T10:00:00Z', '2026-02-02T10:00:00Z')])).toBe(
      '2026-02-02T11:00:00.000Z',
    );
  });

  test('a pause after the due time changes nothing', () => {
    expect(due(london, '2026-01-05T10:00:00Z', 60, [pause('2026-01-05T15:00:00Z', '2026-01-05T16:00:00Z')])).toBe(
      '2026-01-05T11:00:00.000Z',
    );
  });

  test('a pause that never ends means the target is never reached', () => {
    expectValidationError(() => due(london, '2026-01-05T10:00:00Z', 120, [pause('2026-01-05T11:00:00Z', null)]), 'minutes');
  });
});

describe('calendar-time targets', () => {
  test('count every minute, night and weekend included', () => {
    // Fri 9 Jan 16:00 + 66 h (8 to midnight, 48 over the weekend, 10 on Monday) = Mon 12 Jan 10:00.
    expect(addCalendarMinutes(at('2026-01-09T16:00:00Z'), 66 * 60).toISOString()).toBe('2026-01-12T10:00:00.000Z');
  });

  test('pauses push the due time back; those after it do not', () => {
    // 10:00 + 120 with 10:30–11:00 paused = 12:30.
    const p = [pause('2026-01-05T10:30:00Z', '2026-01-05T11:00:00Z'), pause('2026-01-05T15:00:00Z', '2026-01-05T16:00:00Z')];
    expect(addCalendarMinutes(at('2026-01-05T10:00:00Z'), 120, p).toISOString()).toBe('2026-01-05T12:30:00.000Z');
    // Only the part of a pause after the start counts: paused 09:00–10:30, start 10:00 + 60 = 11:30.
    expect(addCalendarMinutes(at('2026-01-05T10:00:00Z'), 60, [pause('2026-01-05T09:00:00Z', '2026-01-05T10:30:00Z')]).toISOString()).toBe(
      '2026-01-05T11:30:00.000Z',
    );
    expect(calendarMinutesBetween(at('2026-01-05T10:00:00Z'), at('2026-01-05T17:00:00Z'), p)).toBe(420 - 30 - 60);
  });

  test('calendar time is real time across a clock change', () => {
    // 28 Mar 23:30Z (23:30 GMT) + 120 real minutes = 29 Mar 01:30Z (02:30 BST).
    expect(addCalendarMinutes(at('2026-03-28T23:30:00Z'), 120).toISOString()).toBe('2026-03-29T01:30:00.000Z');
  });

  test('several named targets at once, business and calendar', () => {
    const result = dueTimes(london, at('2026-01-09T16:00:00Z'), {
      firstReply: { minutes: 120, businessHours: true },
      callback: { minutes: 120, businessHours: false },
    });
    // Business: Fri 60 + Mon 09:00 + 60; calendar: Fri 18:00.
    expect(result).toEqual({ firstReply: at('2026-01-12T10:00:00Z'), callback: at('2026-01-09T18:00:00Z') });
  });
});

describe('zero-minute targets and input errors', () => {
  test('a zero-minute target is due at the start, even when closed', () => {
    expect(due(london, '2026-01-10T12:00:00Z', 0)).toBe('2026-01-10T12:00:00.000Z');
    expect(addCalendarMinutes(at('2026-01-10T12:00:00Z'), 0).toISOString()).toBe('2026-01-10T12:00:00.000Z');
  });

  test('an unknown time zone is refused', () => {
    expectValidationError(() => due({ ...london, timeZone: 'Mars/Olympus_Mons' }, '2026-01-05T10:00:00Z', 60), 'timeZone');
    expectValidationError(() => due({ ...london, timeZone: '+01:00' }, '2026-01-05T10:00:00Z', 60), 'timeZone');
  });

  test('a calendar without opening hours is refused rather than searched forever', () => {
    expectValidationError(() => due({ timeZone: 'Europe/London', weekly: {} }, '2026-01-05T10:00:00Z', 60), 'weekly');
    expectValidationError(() => due({ timeZone: 'Europe/London', weekly: { monday: [] } }, '2026-01-05T10:00:00Z', 60), 'weekly');
  });

  test('malformed times, weekdays and dates are refused', () => {
    expectValidationError(
      () => due(weekdaysOnly('Europe/London', [{ start: '9:00', end: '17:00' }]), '2026-01-05T10:00:00Z', 60),
      'weekly.monday.0.start',
    );
    expectValidationError(
      () => due(weekdaysOnly('Europe/London', [{ start: '24:00', end: '06:00' }]), '2026-01-05T10:00:00Z', 60),
      'weekly.monday.0.start',
    );
    expectValidationError(
      () => due(weekdaysOnly('Europe/London', [{ start: '09:00', end: '24:30' }]), '2026-01-05T10:00:00Z', 60),
      'weekly.monday.0.end',
    );
    const misnamed = { timeZone: 'Europe/London', weekly: { mon: nineToFive } } as unknown as BusinessCalendar;
    expectValidationError(() => due(misnamed, '2026-01-05T10:00:00Z', 60), 'weekly.mon');
    expectValidationError(() => due(weekdaysOnly('Europe/London', nineToFive, ['2026-02-30']), '2026-01-05T10:00:00Z', 60), 'holidays.0');
    const backwards = weekdaysOnly('Europe/London', nineToFive, [{ date: '2026-01-05', start: '15:00', end: '13:00' }]);
    expectValidationError(() => due(backwards, '2026-01-05T10:00:00Z', 60), 'holidays.0');
  });

  test('negative minutes, invalid instants and backwards pauses are refused', () => {
    expectValidationError(() => due(london, '2026-01-05T10:00:00Z', -1), 'minutes');
    expectValidationError(() => addCalendarMinutes(new Date('not a date'), 5), 'start');
    expectValidationError(
      () => due(london, '2026-01-05T10:00:00Z', 60, [pause('2026-01-05T12:00:00Z', '2026-01-05T11:00:00Z')]),
      'pauses.0',
    );
  });

  test('a target the calendar cannot meet within 10 years is refused', () => {
    // One minute a week: a year's worth of minutes would take about 10,000 years.
    const tiny = { timeZone: 'Europe/London', weekly: { monday: [{ start: '09:00', end: '09:01' }] } };
    expectValidationError(() => due(tiny, '2026-01-05T10:00:00Z', 60 * 24 * 365), 'minutes');
    // But a small target on it is found: Mon 12 Jan 09:00 + 1.
    expect(due(tiny, '2026-01-05T10:00:00Z', 1)).toBe('2026-01-12T09:01:00.000Z');
  });
});

describe('agreement with a minute-by-minute count', () => {
  // An independent, slow definition: an instant is open when its local reading falls in an interval of
  // its weekday (or in the morning part of yesterday's overnight one), its local date is no holiday and
  // no pause covers it. Interval ends are whole hours, or quarter hours from 04:00, which keeps them out
  // of the fall-back folds, where "first occurrence" is a choice the reading alone cannot express.
  let seed = 20260329;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const hhmm = (m: number) => (m === 1440 ? '24:00' : `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`);
  const minuteOf = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3));
  const randomTime = () => {
    const h = Math.floor(random() * 24);
    return h >= 4 && random() < 0.5 ? h * 60 + pick([15, 30, 45]) : h * 60;
  };
  const zones = [
    ['Europe/London', ['2026-03-29', '2026-10-25']],
    ['America/New_York', ['2026-03-08', '2026-11-01']],
    ['Australia/Sydney', ['2026-04-05', '2026-10-04']],
  ] as const;

  function isOpen(cal: BusinessCalendar, ms: number, pauses: Pause[]): boolean {
    if (pauses.some((p) => ms >= p.from.getTime() && ms < p.to!.getTime())) return false;
    const local = DateTime.fromMillis(ms, { zone: cal.timeZone });
    if ((cal.holidays ?? []).includes(local.toISODate()!)) return false;
    const minute = local.hour * 60 + local.minute;
    const today = cal.weekly[weekdays[local.weekday - 1]!] ?? [];
    const yesterday = cal.weekly[weekdays[(local.weekday + 5) % 7]!] ?? [];
    const bounds = (iv: OpeningInterval) => [minuteOf(iv.start), iv.end === '24:00' ? 1440 : minuteOf(iv.end)] as const;
    return (
      today.some((iv) => {
        const [s, e] = bounds(iv);
        return e > s ? minute >= s && minute < e : minute >= s;
      }) ||
      yesterday.some((iv) => {
        const [s, e] = bounds(iv);
        return e <= s && minute < e;
      })
    );
  }

  test('60 random calendars, starts, targets and pauses around daylight-saving changes', () => {
    let compared = 0;
    for (let n = 0; n < 60; n++) {
      const [timeZone, changes] = pick(zones);
      const weekly: BusinessCalendar['weekly'] = {};
      for (const day of weekdays) {
        if (random() < 0.3) continue;
        weekly[day] = Array.from({ length: 1 + Math.floor(random() * 2) }, () => ({
          start: hhmm(randomTime()),
          end: hhmm(random() < 0.15 ? 1440 : randomTime()),
        }));
      }
      const change = DateTime.fromISO(pick(changes), { zone: timeZone });
      const cal: BusinessCalendar = {
        timeZone,
        weekly: Object.keys(weekly).length > 0 ? weekly : { monday: nineToFive },
        holidays: random() < 0.5 ? [change.plus({ days: Math.floor(random() * 5) - 2 }).toISODate()!] : [],
      };
      const start = change
        .minus({ days: 3 })
        .plus({ minutes: Math.floor(random() * 6 * 1440) })
        .toMillis();
      const pauses = Array.from({ length: Math.floor(random() * 3) }, () => {
        const from = start + Math.floor((random() - 0.2) * 3000) * 60_000;
        return { from: new Date(from), to: new Date(from + Math.floor(random() * 900) * 60_000) };
      });
      const minutes = 1 + Math.floor(random() * 1500);
      let expected: number | null = null;
      for (let m = start, counted = 0; m < start + 30 * 86_400_000; m += 60_000) {
        if (isOpen(cal, m, pauses) && ++counted === minutes) {
          expected = m + 60_000;
          break;
        }
      }
      if (expected === null) continue;
      compared++;
      expect(addBusinessMinutes(cal, new Date(start), minutes, pauses).toISOString(), JSON.stringify({ cal, start, minutes, pauses })).toBe(
        new Date(expected).toISOString(),
      );
    }
    expect(compared).toBeGreaterThan(40);
  });
});
