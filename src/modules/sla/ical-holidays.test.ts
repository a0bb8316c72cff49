// The iCalendar holiday importer against hand-written files and hand-worked expectations. Handy
// facts: London is GMT (UTC+0) until 2026-03-29 01:00 UTC, then BST (UTC+1) until 2026-10-25
// 01:00 UTC. New York is EST (UTC−5) until 2026-03-08 07:00 UTC, then EDT (UTC−4).
// 2026-01-01 is a Thursday, so 2026-01-05 is a Monday.
import { describe, expect, test } from 'vitest';
import { compileCalendar } from '../../lib/business-time.js';
import { AppError } from '../../lib/errors.js';
import { parseIcalHolidays, type IcalImportOptions } from './ical-holidays.js';

const london: IcalImportOptions = { timeZone: 'Europe/London' };
const newYork: IcalImportOptions = { timeZone: 'America/New_York' };

/** A calendar file (LF line ends); line 1 BEGIN:VCALENDAR, 2 VERSION, 3 PRODID, then `lines` from line 4. */
const cal = (...lines: string[]) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Frontline//Test//EN', ...lines, 'END:VCALENDAR'].join('\n');
const event = (...lines: string[]) => ['BEGIN:VEVENT', ...lines, 'END:VEVENT'];
const allDay = (uid: string, date: string, summary: string) => event(`UID:${uid}`, `DTSTART;VALUE=DATE:${date}`, `SUMMARY:${summary}`);

function importFailure(text: string, options: IcalImportOptions = london): AppError {
  try {
    parseIcalHolidays(text, options);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected the import to fail');
}

describe('all-day events', () => {
  test('a bank-holiday feed: one date each, sorted whatever the file order', () => {
    // gov.uk style: VALUE=DATE, DTEND the next day, DTSTAMP/SEQUENCE that do not matter.
    const bankHoliday = (uid: string, start: string, end: string, summary: string) =>
      event(
        `DTEND;VALUE=DATE:${end}`,
        `DTSTART;VALUE=DATE:${start}`,
        `SUMMARY:${summary}`,
        `UID:${uid}`,
        'SEQUENCE:0',
        'DTSTAMP:20260101T000000Z',
      );
    const text = cal(
      'METHOD:PUBLISH',
      'X-WR-CALNAME:England and Wales',
      ...bankHoliday('bh-8', '20261228', '20261229', 'Boxing Day (substitute day)'),
      ...bankHoliday('bh-1', '20260101', '20260102', "New Year's Day"),
      ...bankHoliday('bh-2', '20260403', '20260404', 'Good Friday'),
      ...bankHoliday('bh-3', '20260406', '20260407', 'Easter Monday'),
      ...bankHoliday('bh-4', '20260504', '20260505', 'Early May bank holiday'),
      ...bankHoliday('bh-5', '20260525', '20260526', 'Spring bank holiday'),
      ...bankHoliday('bh-6', '20260831', '20260901', 'Summer bank holiday'),
      ...bankHoliday('bh-7', '20261225', '20261226', 'Christmas Day'),
    );
    expect(parseIcalHolidays(text, london)).toEqual({
      holidays: ['2026-01-01', '2026-04-03', '2026-04-06', '2026-05-04', '2026-05-25', '2026-08-31', '2026-12-25', '2026-12-28'],
      skipped: [],
    });
  });

  test('a multi-day event covers DTSTART up to but excluding DTEND; no DTEND means one day', () => {
    const text = cal(
      ...event('UID:shutdown', 'DTSTART;VALUE=DATE:20261224', 'DTEND;VALUE=DATE:20261229'),
      ...allDay('ny', '20270101', 'New Year'),
    );
    expect(parseIcalHolidays(text, london).holidays).toEqual([
      '2026-12-24',
      '2026-12-25',
      '2026-12-26',
      '2026-12-27',
      '2026-12-28',
      '2027-01-01',
    ]);
  });

  test('DURATION P3D and P1W on all-day events', () => {
    const text = cal(
      ...event('UID:a', 'DTSTART;VALUE=DATE:20260406', 'DURATION:P3D'),
      ...event('UID:b', 'DTSTART;VALUE=DATE:20260803', 'DURATION:P1W'),
    );
    expect(parseIcalHolidays(text, london).holidays).toEqual([
      '2026-04-06',
      '2026-04-07',
      '2026-04-08',
      ...['03', '04', '05', '06', '07', '08', '09'].map((d) => `2026-08-${d}`),
    ]);
  });

  test('all-day dates are local dates of the calendar, whatever its zone', () => {
    const text = cal(...allDay('x', '20261225', 'Christmas Day'));
    expect(parseIcalHolidays(text, { timeZone: 'Pacific/Auckland' }).holidays).toEqual(['2026-12-25']);
    expect(parseIcalHolidays(text, { timeZone: 'Pacific/Honolulu' }).holidays).toEqual(['2026-12-25']);
  });
});

describe('reading the text', () => {
  test('CRLF, LF and folded lines (space or tab, even inside a parameter) read the same', () => {
    const lf = cal(...allDay('x', '20261225', 'Christmas Day'), ...event('UID:y', 'DTSTART;VALUE=DATE:20261228'));
    const crlf = lf.replace(/\n/g, '\r\n') + '\r\n';
    const folded = crlf.replace('DTSTART;VALUE=DATE:20261228', 'DTSTART;VALUE=DA\r\n TE:2026\r\n\t1228');
    const expected = { holidays: ['2026-12-25', '2026-12-28'], skipped: [] };
    expect(parseIcalHolidays(lf, london)).toEqual(expected);
    expect(parseIcalHolidays(crlf, london)).toEqual(expected);
    expect(parseIcalHolidays(folded, london)).toEqual(expected);
  });

  test('a folded SUMMARY is joined and unescaped (shown here by skipping the event)', () => {
    const text = cal(
      'BEGIN:VEVENT',
      'UID:party',
      'DTSTART;VALUE=DATE:20261218',
      'SUMMARY:Office closed for the staff party\\, the raffle\\; and a very long description',
      '  that an exporter folded at 75 octets\\nSecond line \\\\ done',
      'STATUS:CANCELLED',
      'END:VEVENT',
    );
    expect(parseIcalHolidays(text, london)).toEqual({
      holidays: [],
      skipped: [
        {
          uid: 'party',
          summary:
            'Office closed for the staff party, the raffle; and a very long description that an exporter folded at 75 octets\nSecond line \\ done',
          reason: 'cancelled (STATUS:CANCELLED)',
        },
      ],
    });
  });

  test('VTODO, VTIMEZONE and an alarm inside an event are ignored', () => {
    const text = cal(
      'BEGIN:VTIMEZONE',
      'TZID:Europe/London',
      'BEGIN:STANDARD',
      'DTSTART:19701025T020000',
      'TZOFFSETFROM:+0100',
      'TZOFFSETTO:+0000',
      'END:STANDARD',
      'END:VTIMEZONE',
      'BEGIN:VTODO',
      'UID:todo',
      'DTSTART;VALUE=DATE:20260601',
      'END:VTODO',
      'BEGIN:VEVENT',
      'UID:x',
      'DTSTART;VALUE=DATE:20261225',
      'BEGIN:VALARM',
      'ACTION:DISPLAY',
      'TRIGGER:-PT15M',
      'STATUS:CANCELLED', // not the event's status: it belongs to the alarm
      'END:VALARM',
      'END:VEVENT',
    );
    expect(parseIcalHolidays(text, london)).toEqual({ holidays: ['2026-12-25'], skipped: [] });
  });
});

describe('timed events', () => {
  const halfDay = event(
    'UID:xmas-eve',
    'SUMMARY:Christmas Eve (half day)',
    'DTSTART;TZID=Europe/London:20261224T120000',
    'DTEND;TZID=Europe/London:20261224T170000',
  );

  test('Christmas Eve 12:00–17:00 London is a partial holiday; in New York (GMT−5) it is 07:00–12:00', () => {
    expect(parseIcalHolidays(cal(...halfDay), london)).toEqual({
      holidays: [{ date: '2026-12-24', start: '12:00', end: '17:00' }],
      skipped: [],
    });
    expect(parseIcalHolidays(cal(...halfDay), newYork).holidays).toEqual([{ date: '2026-12-24', start: '07:00', end: '12:00' }]);
  });

  test('a floating time is read in the calendar zone; DURATION PT5H gives the same end', () => {
    const text = cal(...event('UID:f', 'DTSTART:20261224T120000', 'DURATION:PT5H'));
    expect(parseIcalHolidays(text, newYork).holidays).toEqual([{ date: '2026-12-24', start: '12:00', end: '17:00' }]);
  });

  test('UTC events in New York: 15:00Z is 10:00 before the DST change and 11:00 after it', () => {
    // Weekly, so the second occurrence (12 March) falls after the 8 March change; and an event
    // across the change itself: 05:00Z–08:00Z is 00:00 EST to 04:00 EDT (3 real hours).
    const text = cal(
      ...event('UID:w', 'DTSTART:20260305T150000Z', 'DTEND:20260305T170000Z', 'RRULE:FREQ=WEEKLY;COUNT=2'),
      ...event('UID:dst', 'DTSTART:20260308T050000Z', 'DTEND:20260308T080000Z'),
    );
    expect(parseIcalHolidays(text, newYork).holidays).toEqual([
      { date: '2026-03-05', start: '10:00', end: '12:00' },
      { date: '2026-03-08', start: '00:00', end: '04:00' },
      { date: '2026-03-12', start: '11:00', end: '13:00' },
    ]);
  });

  test('a zoned recurrence keeps its wall time: 12:00 London is 12:00Z in March and 11:00Z in April', () => {
    const text = cal(
      ...event(
        'UID:r',
        'DTSTART;TZID=Europe/London:20260325T120000',
        'DTEND;TZID=Europe/London:20260325T130000',
        'RRULE:FREQ=WEEKLY;COUNT=2',
      ),
    );
    expect(parseIcalHolidays(text, { timeZone: 'UTC' }).holidays).toEqual([
      { date: '2026-03-25', start: '12:00', end: '13:00' },
      { date: '2026-04-01', start: '11:00', end: '12:00' },
    ]);
  });

  test('an event across local midnight gives two entries, the first ending at 24:00', () => {
    const text = cal(...event('UID:nye', 'DTSTART;TZID=Europe/London:20261231T200000', 'DTEND;TZID=Europe/London:20270101T020000'));
    expect(parseIcalHolidays(text, london).holidays).toEqual([
      { date: '2026-12-31', start: '20:00', end: '24:00' },
      { date: '2027-01-01', start: '00:00', end: '02:00' },
    ]);
  });

  test('a part that covers a whole local date becomes the plain date', () => {
    const text = cal(
      ...event('UID:a', 'DTSTART;TZID=Europe/London:20261226T180000', 'DTEND;TZID=Europe/London:20261228T090000'),
      ...event('UID:b', 'DTSTART:20260601T230000Z', 'DTEND:20260602T230000Z'), // 00:00–24:00 BST on 2 June
    );
    expect(parseIcalHolidays(text, london).holidays).toEqual([
      '2026-06-02',
      { date: '2026-12-26', start: '18:00', end: '24:00' },
      '2026-12-27',
      { date: '2026-12-28', start: '00:00', end: '09:00' },
    ]);
  });

  test('clock changes: a skipped wall time uses the offset before the gap; an end in the repeated hour rounds to its end', () => {
    const text = cal(
      // 01:30 does not exist in London on 29 March: read as 01:30 GMT = 02:30 BST (RFC 5545).
      ...event('UID:gap', 'DTSTART;TZID=Europe/London:20260329T013000', 'DTEND;TZID=Europe/London:20260329T040000'),
      // 00:30Z–01:30Z is 01:30 BST to 01:30 GMT; "01:30" would name the BST pass, so the end is 02:00.
      ...event('UID:fold', 'DTSTART:20261025T003000Z', 'DTEND:20261025T013000Z'),
    );
    expect(parseIcalHolidays(text, london).holidays).toEqual([
      { date: '2026-03-29', start: '02:30', end: '04:00' },
      { date: '2026-10-25', start: '01:30', end: '02:00' },
    ]);
  });

  test('seconds round outwards to whole minutes', () => {
    const text = cal(...event('UID:s', 'DTSTART:20260610T093015', 'DTEND:20260610T100001'));
    expect(parseIcalHolidays(text, { timeZone: 'UTC' }).holidays).toEqual([{ date: '2026-06-10', start: '09:30', end: '10:01' }]);
  });
});

describe('recurrence', () => {
  test('yearly with COUNT', () => {
    const text = cal(...event('UID:x', 'DTSTART;VALUE=DATE:20261225', 'RRULE:FREQ=YEARLY;COUNT=3'));
    expect(parseIcalHolidays(text, london).holidays).toEqual(['2026-12-25', '2027-12-25', '2028-12-25']);
  });

  test('yearly with UNTIL (inclusive) and EXDATE', () => {
    const text = cal(...event('UID:ny', 'DTSTART;VALUE=DATE:20260101', 'RRULE:FREQ=YEARLY;UNTIL=20290101', 'EXDATE;VALUE=DATE:20270101'));
    expect(parseIcalHolidays(text, london).holidays).toEqual(['2026-01-01', '2028-01-01', '2029-01-01']);
  });

  test('EXDATE on a timed series removes the occurrence at that instant', () => {
    const text = cal(
      ...event(
        'UID:t',
        'DTSTART;TZID=Europe/London:20261224T120000',
        'DTEND;TZID=Europe/London:20261224T170000',
        'RRULE:FREQ=YEARLY;COUNT=3',
        'EXDATE;TZID=Europe/London:20271224T120000',
      ),
    );
    expect(parseIcalHolidays(text, london).holidays).toEqual([
      { date: '2026-12-24', start: '12:00', end: '17:00' },
      { date: '2028-12-24', start: '12:00', end: '17:00' },
    ]);
  });

  test('yearly INTERVAL=2 with BYMONTH/BYMONTHDAY repeating DTSTART', () => {
    const text = cal(...event('UID:x', 'DTSTART;VALUE=DATE:20260704', 'RRULE:FREQ=YEARLY;INTERVAL=2;BYMONTH=7;BYMONTHDAY=4'));
    expect(parseIcalHolidays(text, { ...london, from: '2026-01-01', to: '2031-12-31' }).holidays).toEqual([
      '2026-07-04',
      '2028-07-04',
      '2030-07-04',
    ]);
  });

  test('without COUNT or UNTIL: the DTSTART year and five more, or the window asked for', () => {
    const text = cal(...event('UID:x', 'DTSTART;VALUE=DATE:20260501', 'RRULE:FREQ=YEARLY'));
    expect(parseIcalHolidays(text, london).holidays).toEqual(['2026', '2027', '2028', '2029', '2030', '2031'].map((y) => `${y}-05-01`));
    expect(parseIcalHolidays(text, { ...london, from: '2030-01-01', to: '2030-12-31' }).holidays).toEqual(['2030-05-01']);
    expect(parseIcalHolidays(text, { ...london, from: '2028-06-01' }).holidays).toEqual(
      ['2029', '2030', '2031', '2032', '2033'].map((y) => `${y}-05-01`),
    );
  });

  test('RDATE adds dates to an event, with or without an RRULE', () => {
    const text = cal(...event('UID:spring', 'DTSTART;VALUE=DATE:20260525', 'RDATE;VALUE=DATE:20270531,20280529'));
    expect(parseIcalHolidays(text, london).holidays).toEqual(['2026-05-25', '2027-05-31', '2028-05-29']);
  });

  test('occurrences before the window still count towards COUNT', () => {
    const text = cal(...event('UID:x', 'DTSTART;VALUE=DATE:20200101', 'RRULE:FREQ=YEARLY;COUNT=8'));
    expect(parseIcalHolidays(text, { ...london, from: '2026-01-01', to: '2030-12-31' }).holidays).toEqual(['2026-01-01', '2027-01-01']);
  });

  test('an expansion too large for one import is skipped, not cut short', () => {
    const text = cal(...event('UID:daily', 'DTSTART;VALUE=DATE:17000101', 'RRULE:FREQ=DAILY'), ...allDay('x', '20261225', 'Christmas'));
    expect(parseIcalHolidays(text, { ...london, from: '2026-01-01', to: '2026-12-31' })).toEqual({
      holidays: ['2026-12-25'],
      skipped: [
        { uid: 'daily', summary: null, reason: 'this import expands more than 100000 occurrences: narrow options.from and options.to' },
      ],
    });
  });

  test('29 February and the 31st recur only where they exist', () => {
    const text = cal(
      ...event('UID:leap', 'DTSTART;VALUE=DATE:20240229', 'RRULE:FREQ=YEARLY;COUNT=2'),
      ...event('UID:eom', 'DTSTART;VALUE=DATE:20260131', 'RRULE:FREQ=MONTHLY;COUNT=3'),
    );
    expect(parseIcalHolidays(text, { ...london, from: '2024-01-01', to: '2030-12-31' }).holidays).toEqual([
      '2024-02-29',
      '2026-01-31',
      '2026-03-31',
      '2026-05-31',
      '2028-02-29',
    ]);
  });

  test('daily with INTERVAL, weekly with plain BYDAY and with INTERVAL', () => {
    const text = cal(
      ...event('UID:d', 'DTSTART;VALUE=DATE:20260101', 'RRULE:FREQ=DAILY;INTERVAL=2;COUNT=3'),
      ...event('UID:w', 'DTSTART;VALUE=DATE:20260105', 'RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4'),
      ...event('UID:w2', 'DTSTART;VALUE=DATE:20260203', 'RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;WKST=MO;UNTIL=20260220'),
    );
    expect(parseIcalHolidays(text, london).holidays).toEqual([
      '2026-01-01',
      '2026-01-03',
      '2026-01-05',
      '2026-01-07',
      '2026-01-12',
      '2026-01-14',
      '2026-02-03',
      '2026-02-05',
      '2026-02-17',
      '2026-02-19',
    ]);
  });

  test('an event with RECURRENCE-ID replaces that occurrence; a cancelled one removes it', () => {
    const text = cal(
      ...event('UID:xmas', 'SUMMARY:Christmas', 'DTSTART;VALUE=DATE:20261225', 'RRULE:FREQ=YEARLY;COUNT=4'),
      ...event('UID:xmas', 'SUMMARY:Christmas (moved)', 'RECURRENCE-ID;VALUE=DATE:20271225', 'DTSTART;VALUE=DATE:20271227'),
      ...event(
        'UID:xmas',
        'SUMMARY:Christmas (cancelled)',
        'RECURRENCE-ID;VALUE=DATE:20281225',
        'DTSTART;VALUE=DATE:20281225',
        'STATUS:CANCELLED',
      ),
    );
    expect(parseIcalHolidays(text, london)).toEqual({
      holidays: ['2026-12-25', '2027-12-27', '2029-12-25'],
      skipped: [{ uid: 'xmas', summary: 'Christmas (cancelled)', reason: 'cancelled (STATUS:CANCELLED)' }],
    });
  });
});

describe('skipped events', () => {
  test('cancelled and transparent events are skipped with their uid, summary and reason', () => {
    const text = cal(
      ...event('UID:c', 'SUMMARY:Founders day', 'DTSTART;VALUE=DATE:20260310', 'STATUS:CANCELLED'),
      ...event('UID:t', 'SUMMARY:Birthday', 'DTSTART;VALUE=DATE:20260311', 'TRANSP:TRANSPARENT'),
      ...event('UID:k', 'DTSTART;VALUE=DATE:20260312', 'STATUS:CONFIRMED', 'TRANSP:OPAQUE'),
    );
    expect(parseIcalHolidays(text, london)).toEqual({
      holidays: ['2026-03-12'],
      skipped: [
        { uid: 'c', summary: 'Founders day', reason: 'cancelled (STATUS:CANCELLED)' },
        { uid: 't', summary: 'Birthday', reason: 'marked free (TRANSP:TRANSPARENT)' },
      ],
    });
  });

  test('unsupported recurrences are skipped with the reason, never dropped', () => {
    const text = cal(
      ...event('UID:thanksgiving', 'SUMMARY:Thanksgiving', 'DTSTART;VALUE=DATE:20261126', 'RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=4TH'),
      ...event('UID:lastfri', 'DTSTART;VALUE=DATE:20260130', 'RRULE:FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-1'),
      ...event('UID:hourly', 'DTSTART:20260101T090000Z', 'DTEND:20260101T091500Z', 'RRULE:FREQ=HOURLY;COUNT=3'),
      ...event('UID:otherday', 'DTSTART;VALUE=DATE:20260101', 'RRULE:FREQ=MONTHLY;BYMONTHDAY=15'),
      ...event('UID:exrule', 'DTSTART;VALUE=DATE:20260101', 'RRULE:FREQ=DAILY;COUNT=5', 'EXRULE:FREQ=DAILY;COUNT=1'),
    );
    const result = parseIcalHolidays(text, london);
    expect(result.holidays).toEqual([]);
    expect(result.skipped.map((s) => [s.uid, s.reason])).toEqual([
      ['thanksgiving', 'unsupported RRULE BYDAY=4TH: weekdays with an ordinal (such as 4TH or -1MO) are not supported'],
      ['lastfri', 'unsupported RRULE part BYSETPOS=-1'],
      ['hourly', 'unsupported RRULE FREQ=HOURLY'],
      [
        'otherday',
        "unsupported RRULE BYMONTHDAY=15 with FREQ=MONTHLY: only DTSTART's day with MONTHLY, or with YEARLY and BYMONTH, is supported",
      ],
      ['exrule', 'EXRULE is not supported'],
    ]);
  });

  test('a TZID that is not an IANA name is skipped as an unknown time zone, even with a VTIMEZONE', () => {
    const text = cal(
      'BEGIN:VTIMEZONE',
      'TZID:GMT Standard Time',
      'END:VTIMEZONE',
      ...event('UID:w', 'DTSTART;TZID=GMT Standard Time:20261224T120000', 'DTEND;TZID=GMT Standard Time:20261224T170000'),
      ...event('UID:q', 'DTSTART;TZID="Europe/London":20261231T120000', 'DTEND;TZID="Europe/London":20261231T170000'),
    );
    expect(parseIcalHolidays(text, london)).toEqual({
      holidays: [{ date: '2026-12-31', start: '12:00', end: '17:00' }],
      skipped: [{ uid: 'w', summary: null, reason: 'unknown time zone GMT Standard Time' }],
    });
  });

  test('events that close no time, or none inside the window, are reported', () => {
    const text = cal(
      ...event('UID:instant', 'DTSTART:20260601T090000Z'),
      ...event('UID:backwards', 'DTSTART;VALUE=DATE:20260605', 'DTEND;VALUE=DATE:20260604'),
      ...allDay('old', '20250101', 'Last year'),
      ...allDay('kept', '20260101', 'This year'),
      ...event('UID:gone', 'DTSTART;VALUE=DATE:20260201', 'RRULE:FREQ=YEARLY;COUNT=1', 'EXDATE;VALUE=DATE:20260201'),
    );
    expect(parseIcalHolidays(text, { ...london, from: '2026-01-01', to: '2026-12-31' })).toEqual({
      holidays: ['2026-01-01'],
      skipped: [
        { uid: 'instant', summary: null, reason: 'no DTEND or DURATION: a timed event without them lasts no time and closes nothing' },
        { uid: 'backwards', summary: null, reason: 'DTEND is not after DTSTART' },
        { uid: 'old', summary: 'Last year', reason: 'no occurrence between 2026-01-01 and 2026-12-31' },
        { uid: 'gone', summary: null, reason: 'every occurrence is excluded by EXDATE or RECURRENCE-ID' },
      ],
    });
  });
});

describe('output', () => {
  test('sorted and de-duplicated: a whole date absorbs ranges, overlapping ranges merge, a full day of ranges is the date', () => {
    const timed = (uid: string, start: string, end: string) => event(`UID:${uid}`, `DTSTART:${start}`, `DTEND:${end}`);
    const text = cal(
      ...timed('p1', '20260410T110000', '20260410T130000'),
      ...timed('p2', '20260410T090000', '20260410T120000'),
      ...timed('p3', '20260410T150000', '20260410T160000'),
      ...allDay('w1', '20260403', 'Good Friday'),
      ...allDay('w2', '20260403', 'Good Friday again'),
      ...timed('p4', '20260403T120000', '20260403T170000'),
      ...timed('am', '20260501T000000', '20260501T120000'),
      ...timed('pm', '20260501T120000', '20260502T000000'),
    );
    const { holidays } = parseIcalHolidays(text, { timeZone: 'UTC' });
    expect(holidays).toEqual([
      '2026-04-03',
      { date: '2026-04-10', start: '09:00', end: '13:00' },
      { date: '2026-04-10', start: '15:00', end: '16:00' },
      '2026-05-01',
    ]);
    // And the result is a valid set of business-calendar holidays.
    expect(() => compileCalendar({ timeZone: 'UTC', weekly: { monday: [{ start: '09:00', end: '17:00' }] }, holidays })).not.toThrow();
  });
});

describe('invalid input', () => {
  test('text that is not an iCalendar file names line 1', () => {
    for (const text of ['hello world\nsecond line', '', 'BEGIN:VCARD\nEND:VCARD']) {
      const err = importFailure(text);
      expect(err.code).toBe('validation_failed');
      expect(err.details).toEqual({ field: 'ical', line: 1 });
      expect(err.message).toMatch(/^iCalendar line 1: not an iCalendar file/);
    }
  });

  test('an unreal date names its line', () => {
    const err = importFailure(cal(...event('UID:x', 'DTSTART;VALUE=DATE:20261345')));
    expect(err.details).toEqual({ field: 'ical', line: 6 });
    expect(err.message).toBe('iCalendar line 6: DTSTART value "20261345" is not a real date');
  });

  test('a malformed line, a date-time given for VALUE=DATE and a bad RRULE each name their line', () => {
    const noColon = importFailure(cal(...event('UID:x', 'SUMMARY Christmas', 'DTSTART;VALUE=DATE:20261225')));
    expect(noColon.details).toEqual({ field: 'ical', line: 6 });
    expect(noColon.message).toContain('cannot read "SUMMARY Christmas"');

    const mixed = importFailure(cal(...event('UID:x', 'DTSTART;VALUE=DATE:20261225T120000')));
    expect(mixed.details).toEqual({ field: 'ical', line: 6 });

    const rule = importFailure(cal(...event('UID:x', 'DTSTART;VALUE=DATE:20261225', 'RRULE:FREQ=YEARLY;COUNT=many')));
    expect(rule.details).toEqual({ field: 'ical', line: 7 });
    expect(rule.message).toContain('COUNT=MANY is not a positive whole number');
  });

  test('unbalanced components name the line of the unclosed or mismatched one', () => {
    const mismatch = importFailure('BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20261225\nEND:VCALENDAR');
    expect(mismatch.details).toEqual({ field: 'ical', line: 4 });
    expect(mismatch.message).toBe('iCalendar line 4: END:VCALENDAR does not close BEGIN:VEVENT of line 2');

    const unclosed = importFailure('BEGIN:VCALENDAR\r\nVERSION:2.0\r\n');
    expect(unclosed.details).toEqual({ field: 'ical', line: 1 });
  });

  test('a line number counts physical lines, so a folded line is named by its first one', () => {
    const text = 'BEGIN:VCALENDAR\nX-NOTE:folded\n over two lines\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:2026\n 0230\nEND:VEVENT\nEND:VCALENDAR';
    expect(importFailure(text).details).toEqual({ field: 'ical', line: 5 });
  });

  test('bad options are refused', () => {
    const text = cal(...allDay('x', '20261225', 'Christmas Day'));
    expect(importFailure(text, { timeZone: '+01:00' }).details).toEqual({ field: 'timeZone' });
    expect(importFailure(text, { ...london, from: '2026-02-30' }).details).toEqual({ field: 'from' });
    expect(importFailure(text, { ...london, from: '2027-01-01', to: '2026-01-01' }).details).toEqual({ field: 'to' });
  });
});
