// POST /api/sla/preview: the exact request and answer shapes, hand-worked due times, and refusals.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers.js';

let t: TestApp;
let agent: Awaited<ReturnType<TestApp['userWithToken']>>;
beforeAll(async () => {
  t = await startTestApp();
  agent = await t.userWithToken('agent');
});
afterAll(() => t.close());

const nineToFive = [{ start: '09:00', end: '17:00' }];
const londonOffice = {
  timeZone: 'Europe/London',
  weekly: { monday: nineToFive, tuesday: nineToFive, wednesday: nineToFive, thursday: nineToFive, friday: nineToFive },
};

function preview(body: unknown) {
  return agent.as({ method: 'POST', url: '/api/sla/preview', body });
}

function issuePaths(res: Awaited<ReturnType<typeof preview>>): string[] {
  return (res.json() as { error: { details: { issues: { path: string }[] } } }).error.details.issues.map((i) => i.path);
}

describe('answers', () => {
  test('the example of the issue: holidays and a weekend', async () => {
    // Thu 24 Dec 15:00–17:00 uses 120; Fri 25 holiday; weekend; Mon 28 holiday; Tue 29 09:00 + 120 = 11:00Z.
    const res = await preview({
      calendar: { ...londonOffice, holidays: ['2026-12-25', '2026-12-28'] },
      start: '2026-12-24T15:00:00Z',
      targets: { firstReply: { minutes: 240, businessHours: true } },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ due: { firstReply: '2026-12-29T11:00:00.000Z' } });
  });

  test('business, calendar and zero targets with a pause, from an instant given with an offset', async () => {
    // Start Mon 6 Jul 10:00 BST (09:00Z); paused 10:30–11:00 BST.
    // Business 600: Monday 10:00–17:00 is 420 less the 30 paused = 390; Tue 09:00 BST + 210 = 12:30 BST = 11:30Z.
    // Calendar 600: 10 h + 30 min paused = 20:30 BST = 19:30Z. Zero: the start itself.
    const res = await preview({
      calendar: londonOffice,
      start: '2026-07-06T10:00:00+01:00',
      targets: {
        resolution: { minutes: 600, businessHours: true },
        callback: { minutes: 600, businessHours: false },
        acknowledge: { minutes: 0, businessHours: true },
      },
      pauses: [{ from: '2026-07-06T09:30:00Z', to: '2026-07-06T11:00:00+01:00' }],
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      due: { resolution: '2026-07-07T11:30:00.000Z', callback: '2026-07-06T19:30:00.000Z', acknowledge: '2026-07-06T09:00:00.000Z' },
    });
  });

  test('a start outside hours, across the spring-forward weekend in New York', async () => {
    // Sat 7 Mar: closed. Mon 9 Mar 09:00 EDT = 13:00Z + 90 = 14:30Z. businessHours defaults to true.
    const res = await preview({
      calendar: { ...londonOffice, timeZone: 'America/New_York' },
      start: '2026-03-07T12:00:00-05:00',
      targets: { firstReply: { minutes: 90 } },
    });
    expect(res.json()).toEqual({ due: { firstReply: '2026-03-09T14:30:00.000Z' } });
  });

  test('an overnight interval in Sydney across the April change back', async () => {
    // Saturday 22:00–06:00: 22:00 AEDT = 4 Apr 11:00Z; 06:00 AEST on the 5th = 4 Apr 20:00Z: 9 hours that night.
    // From Sat 23:00 AEDT (12:00Z), 480 minutes run to 20:00Z, the end of the interval (not a later opening).
    const res = await preview({
      calendar: { timeZone: 'Australia/Sydney', weekly: { saturday: [{ start: '22:00', end: '06:00' }] } },
      start: '2026-04-04T12:00:00Z',
      targets: { overnight: { minutes: 480, businessHours: true }, more: { minutes: 481, businessHours: true } },
    });
    // One minute more waits for the next Saturday, 11 Apr 22:00 AEST = 12:00Z, + 1.
    expect(res.json()).toEqual({ due: { overnight: '2026-04-04T20:00:00.000Z', more: '2026-04-11T12:01:00.000Z' } });
  });

  test('any signed-in role may preview; anonymous callers may not', async () => {
    const executive = await t.userWithToken('executive');
    const body = { calendar: londonOffice, start: '2026-01-05T10:00:00Z', targets: { x: { minutes: 60, businessHours: true } } };
    const res = await executive.as({ method: 'POST', url: '/api/sla/preview', body });
    expect(res.json()).toEqual({ due: { x: '2026-01-05T11:00:00.000Z' } });
    const anonymous = await t.app.inject({ method: 'POST', url: '/api/sla/preview', payload: body });
    expect(anonymous.statusCode).toBe(401);
  });
});

test('the endpoint is described in the OpenAPI document', async () => {
  const doc = (await agent.as({ url: '/api/openapi.json' })).json();
  expect(Object.keys(doc.paths['/api/sla/preview'])).toEqual(['post']);
});

describe('refusals', () => {
  const valid = { calendar: londonOffice, start: '2026-01-05T10:00:00Z', targets: { x: { minutes: 60, businessHours: true } } };

  test.each([
    ['an unknown time zone', { ...valid, calendar: { ...londonOffice, timeZone: 'Europe/Atlantis' } }, 'calendar.timeZone'],
    ['a fixed offset instead of a zone', { ...valid, calendar: { ...londonOffice, timeZone: '+01:00' } }, 'calendar.timeZone'],
    ['an abbreviated weekday', { ...valid, calendar: { ...londonOffice, weekly: { mon: nineToFive } } }, 'calendar.weekly'],
    [
      'a time without two-digit hours',
      { ...valid, calendar: { ...londonOffice, weekly: { monday: [{ start: '9:00', end: '17:00' }] } } },
      'calendar.weekly.monday.0.start',
    ],
    [
      'an interval starting at 24:00',
      { ...valid, calendar: { ...londonOffice, weekly: { monday: [{ start: '24:00', end: '06:00' }] } } },
      'calendar.weekly.monday.0.start',
    ],
    ['no opening hours at all', { ...valid, calendar: { timeZone: 'Europe/London', weekly: { monday: [] } } }, 'calendar.weekly'],
    ['an impossible holiday', { ...valid, calendar: { ...londonOffice, holidays: ['2026-02-30'] } }, 'calendar.holidays.0'],
    ['a start without an offset', { ...valid, start: '2026-01-05T10:00:00' }, 'start'],
    ['a fractional number of minutes', { ...valid, targets: { x: { minutes: 1.5, businessHours: true } } }, 'targets.x.minutes'],
    ['more than a year of minutes', { ...valid, targets: { x: { minutes: 525_601, businessHours: true } } }, 'targets.x.minutes'],
    [
      'more than 50 targets',
      { ...valid, targets: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`t${i}`, { minutes: 1 }])) },
      'targets',
    ],
    ['an unknown field', { ...valid, extra: true }, ''],
    [
      'a pause that ends before it starts',
      { ...valid, pauses: [{ from: '2026-01-05T12:00:00Z', to: '2026-01-05T11:00:00Z' }] },
      'pauses.0.to',
    ],
  ])('%s is a 400', async (_name, body, path) => {
    const res = await preview(body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
    expect(issuePaths(res)).toContain(path);
    if (path) expect(res.json().error.message).toContain(`body.${path}`);
  });

  test('a target the calendar cannot meet within 10 years is a 400 naming the target', async () => {
    const res = await preview({
      ...valid,
      calendar: { timeZone: 'Europe/London', weekly: { monday: [{ start: '09:00', end: '09:01' }] } },
      targets: { x: { minutes: 525_600, businessHours: true } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('targets.x') });
  });
});

test('a partial holiday closes part of a day in the preview too', async () => {
  // Thursday 24 December 2026, London 09:00–17:00, closed from 12:00: a 4-hour target from 10:00
  // uses 2 hours that morning and the rest on the next open day (the 25th is a holiday; the 28th
  // is the Monday after the weekend).
  const res = await preview({
    calendar: { ...londonOffice, holidays: ['2026-12-25', { date: '2026-12-24', start: '12:00', end: '24:00' }] },
    start: '2026-12-24T10:00:00Z',
    targets: { firstReply: { minutes: 240 } },
  });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json().due.firstReply).toBe('2026-12-28T11:00:00.000Z');
});
