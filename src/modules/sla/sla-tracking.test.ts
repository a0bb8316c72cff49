// Live service standards over the API and the SLA scan: policies matched to cases, targets stored
// and re-evaluated, warnings and breaches raised exactly once with notifications, pauses, the
// at-risk list, and configuration errors. The clock starts Monday 23 November 2026 09:00 UTC, which
// is 09:00 in London (GMT); the calendar is London, weekdays 09:00–17:00.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type Requester, type TestApp } from '../../../test/helpers.js';
import { scanSla } from './sla-tracking.js';

let t: TestApp;
let admin: { as: Requester; user: { id: string } };
let agent: { as: Requester; user: { id: string } };
let otherAgent: { as: Requester; user: { id: string } };
let leader: { as: Requester; user: { id: string } };
let teamId: string;
let calendarId: string;
let standardId: string;
let urgentId: string;

const nineToFive = [{ start: '09:00', end: '17:00' }];
const weekdays = { monday: nineToFive, tuesday: nineToFive, wednesday: nineToFive, thursday: nineToFive, friday: nineToFive };
const at = (hhmm: string, day = '2026-11-23') => `${day}T${hhmm}:00.000Z`;

beforeAll(async () => {
  t = await startTestApp({ start: at('08:00') });
  admin = await t.userWithToken('admin');
  agent = await t.userWithToken('agent');
  otherAgent = await t.userWithToken('agent');
  leader = await t.userWithToken('team_leader');
  const team = await t.database.db.insertInto('teams').values({ name: 'Billing desk' }).returning('id').executeTakeFirstOrThrow();
  teamId = team.id;
  await t.database.db
    .insertInto('team_members')
    .values([
      { team_id: teamId, user_id: agent.user.id, membership: 'member' },
      { team_id: teamId, user_id: leader.user.id, membership: 'leader' },
    ])
    .execute();

  const cal = await admin.as({
    method: 'POST',
    url: '/api/sla/calendars',
    body: { name: 'London office', timeZone: 'Europe/London', weekly: weekdays },
  });
  expect(cal.statusCode, cal.body).toBe(201);
  calendarId = cal.json().id;
  const urgent = await admin.as({
    method: 'POST',
    url: '/api/sla/policies',
    body: {
      name: 'Urgent',
      calendarId,
      conditions: { priorities: ['urgent'] },
      targets: { firstReply: { minutes: 30 }, resolution: { minutes: 240 } },
    },
  });
  expect(urgent.statusCode, urgent.body).toBe(201);
  urgentId = urgent.json().id;
  const standard = await admin.as({
    method: 'POST',
    url: '/api/sla/policies',
    body: { name: 'Standard', calendarId, targets: { firstReply: { minutes: 120 }, resolution: { minutes: 960 } } },
  });
  expect(standard.statusCode, standard.body).toBe(201);
  standardId = standard.json().id;
  // Configuring queued every open case (none yet); drain it so later counts start clean.
  await scanSla(t.ctx);
});
afterAll(() => t.close());

async function openCase(extra: Record<string, unknown> = {}) {
  const res = await agent.as({
    method: 'POST',
    url: '/api/cases',
    body: {
      subject: 'Refund not received',
      requester: { email: 'carol@example.com', name: 'Carol' },
      message: { body: 'Still waiting' },
      teamId,
      ...extra,
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; number: number; version: number };
}

async function sla(caseId: string) {
  const res = await admin.as({ url: `/api/cases/${caseId}/sla` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

async function eventsOf(caseId: string, kinds: string[]) {
  const items = (await admin.as({ url: `/api/cases/${caseId}/events` })).json().items as { kind: string; after: Record<string, unknown> }[];
  return items.filter((e) => kinds.includes(e.kind));
}

async function stored(caseId: string) {
  return t.database.db.selectFrom('case_sla_targets').selectAll().where('case_id', '=', caseId).orderBy('target').execute();
}

describe('matching and live targets', () => {
  test('a new case gets the first matching policy, its due times, and stored targets with the next alert', async () => {
    t.clock.set(at('09:00'));
    const c = await openCase();
    const s = await sla(c.id);
    expect(s.policy).toMatchObject({ id: standardId, name: 'Standard', calendarId });
    expect(s.targets.firstReply).toMatchObject({ state: 'active', dueAt: at('11:00'), targetMinutes: 120, elapsedMinutes: 0 });
    // 960 business minutes = Monday 480 + Tuesday 480.
    expect(s.targets.resolution).toMatchObject({ state: 'active', dueAt: at('17:00', '2026-11-24') });
    expect(s.targets.firstReply.alerts).toEqual([
      { key: 'percent_used:75', at: at('10:30'), raised: false },
      { key: 'minutes_left:15', at: at('10:45'), raised: false },
      { key: 'breach', at: at('11:00'), raised: false },
    ]);
    const rows = await stored(c.id);
    expect(rows.map((r) => [r.target, r.state, r.due_at?.toISOString(), r.next_alert_at?.toISOString()])).toEqual([
      ['firstReply', 'active', at('11:00'), at('10:30')],
      // 75 % of 960 = 720 = Monday 480 + Tuesday 240 → Tuesday 13:00.
      ['resolution', 'active', at('17:00', '2026-11-24'), at('13:00', '2026-11-24')],
    ]);
    const applied = await eventsOf(c.id, ['sla_policy_changed']);
    expect(applied).toHaveLength(1);
    expect(applied[0]!.after).toMatchObject({ policyId: standardId, name: 'Standard' });
  });

  test('raising the priority switches policy and keeps the time already used', async () => {
    t.clock.set(at('09:00'));
    const c = await openCase();
    t.clock.set(at('09:20'));
    const res = await agent.as({ method: 'PATCH', url: `/api/cases/${c.id}`, body: { version: c.version, priority: 'urgent' } });
    expect(res.statusCode, res.body).toBe(200);
    const s = await sla(c.id);
    expect(s.policy.id).toBe(urgentId);
    // 20 of the urgent 30 minutes are used: due 09:30; resolution 240 → 13:00.
    expect(s.targets.firstReply).toMatchObject({ state: 'active', dueAt: at('09:30'), elapsedMinutes: 20, targetMinutes: 30 });
    expect(s.targets.resolution).toMatchObject({ dueAt: at('13:00') });
    expect((await eventsOf(c.id, ['sla_policy_changed'])).map((e) => e.after.name)).toEqual(['Standard', 'Urgent']);
  });

  test('a case no policy matches has no clocks', async () => {
    await admin.as({ method: 'PATCH', url: `/api/sla/policies/${standardId}`, body: { conditions: { channels: ['phone'] } } });
    t.clock.set(at('09:00'));
    const c = await openCase();
    const s = await sla(c.id);
    expect(s).toEqual({ policy: null, targets: { firstReply: null, nextReply: null, periodicUpdate: null, resolution: null } });
    expect(await stored(c.id)).toEqual([]);
    await admin.as({ method: 'PATCH', url: `/api/sla/policies/${standardId}`, body: { conditions: {} } });
    await scanSla(t.ctx, { batch: 10_000 });
    // The policy change queued the open case; the scan matched it, counting from creation.
    expect((await sla(c.id)).policy?.name).toBe('Standard');
  });
});

describe('warnings and breaches', () => {
  test('the scan raises each warning and the breach once, notifying the assignee and the team leader', async () => {
    t.clock.set(at('09:00'));
    const c = await openCase({ assigneeId: agent.user.id });
    t.clock.set(at('10:31'));
    await scanSla(t.ctx, { batch: 10_000 });
    await scanSla(t.ctx, { batch: 10_000 });
    let alerts = await eventsOf(c.id, ['sla_warning', 'sla_breached']);
    expect(alerts.map((e) => [e.kind, e.after.alert, e.after.target])).toEqual([['sla_warning', 'percent_used:75', 'firstReply']]);

    t.clock.set(at('11:00'));
    t.clock.advance({ seconds: 30 });
    await scanSla(t.ctx, { batch: 10_000 });
    await scanSla(t.ctx, { batch: 10_000 });
    alerts = await eventsOf(c.id, ['sla_warning', 'sla_breached']);
    expect(alerts.map((e) => e.after.alert)).toEqual(['percent_used:75', 'minutes_left:15', 'breach']);
    expect(alerts[2]!.after).toMatchObject({ dueAt: at('11:00'), target: 'firstReply' });
    expect((await stored(c.id)).find((r) => r.target === 'firstReply')).toMatchObject({ state: 'breached', next_alert_at: null });

    // A late reply achieves the target late and raises nothing more.
    t.clock.set(at('11:10'));
    const reply = await agent.as({
      method: 'POST',
      url: `/api/cases/${c.id}/messages`,
      body: { kind: 'reply', body: 'Sorry for the wait' },
    });
    expect(reply.statusCode, reply.body).toBe(201);
    await scanSla(t.ctx, { batch: 10_000 });
    expect((await sla(c.id)).targets.firstReply).toMatchObject({ state: 'achieved_late', achievedAt: at('11:10') });
    expect(await eventsOf(c.id, ['sla_breached'])).toHaveLength(1);

    for (const who of [agent, leader]) {
      const mine = (await who.as({ url: '/api/notifications?limit=200' })).json();
      const forCase = mine.items.filter((n: { caseId: string }) => n.caseId === c.id);
      expect(forCase.map((n: { kind: string }) => n.kind).sort()).toEqual(['sla_breached', 'sla_warning', 'sla_warning']);
      expect(forCase.find((n: { kind: string }) => n.kind === 'sla_breached').title).toBe(`Case #${c.number}: first reply target breached`);
    }
    const others = (await otherAgent.as({ url: '/api/notifications' })).json();
    expect(others.items.filter((n: { caseId: string }) => n.caseId === c.id)).toEqual([]);
  });

  test('a reply after the due instant that no scan saw still records the breach once', async () => {
    t.clock.set(at('09:00'));
    const c = await openCase();
    t.clock.set(at('11:30'));
    await agent.as({ method: 'POST', url: `/api/cases/${c.id}/messages`, body: { kind: 'reply', body: 'Here you go' } });
    const breaches = await eventsOf(c.id, ['sla_breached']);
    expect(breaches.map((e) => [e.after.target, e.after.dueAt])).toEqual([['firstReply', at('11:00')]]);
    await scanSla(t.ctx, { batch: 10_000 });
    expect(await eventsOf(c.id, ['sla_breached'])).toHaveLength(1);
  });

  test('concurrent scans raise a breach exactly once', async () => {
    t.clock.set(at('09:00'));
    const c = await openCase();
    t.clock.set(at('12:00'));
    const results = await Promise.all([
      scanSla(t.ctx, { batch: 10_000 }),
      scanSla(t.ctx, { batch: 10_000 }),
      scanSla(t.ctx, { batch: 10_000 }),
    ]);
    expect(results.reduce((n, r) => n + r.casesChecked, 0)).toBeGreaterThan(0);
    const breaches = await eventsOf(c.id, ['sla_breached']);
    expect(breaches.map((e) => e.after.target)).toEqual(['firstReply']);
    const rows = await t.database.db.selectFrom('sla_alerts').selectAll().where('case_id', '=', c.id).execute();
    expect(rows.map((r) => r.alert).sort()).toEqual(['breach', 'minutes_left:15', 'percent_used:75']);
  });

  test('pending pauses every clock: no breach while waiting on the customer, and the due time moves on', async () => {
    t.clock.set(at('09:00'));
    const c = await openCase();
    t.clock.set(at('09:30'));
    const pending = await agent.as({ method: 'PATCH', url: `/api/cases/${c.id}`, body: { version: c.version, status: 'pending' } });
    expect(pending.statusCode, pending.body).toBe(200);
    t.clock.set(at('15:00'));
    await scanSla(t.ctx, { batch: 10_000 });
    expect(await eventsOf(c.id, ['sla_warning', 'sla_breached'])).toEqual([]);
    const s = await sla(c.id);
    expect(s.targets.firstReply).toMatchObject({ state: 'paused', dueAt: null, elapsedMinutes: 30, remainingMinutes: 90 });
    expect(s.targets.firstReply.pausedIntervals).toEqual([{ from: at('09:30'), to: null }]);
    // The customer answers at 15:00: the case reopens and 90 minutes remain → 16:30.
    const back = await agent.as({
      method: 'POST',
      url: `/api/cases/${c.id}/messages`,
      body: { kind: 'customer', body: 'Here is the receipt' },
    });
    expect(back.statusCode, back.body).toBe(201);
    expect((await sla(c.id)).targets.firstReply).toMatchObject({ state: 'active', dueAt: at('16:30') });
  });
});

describe('the at-risk list', () => {
  test('lists breached and soon-due targets soonest first, only for cases the reader can see', async () => {
    t.clock.set(at('09:00', '2026-11-25'));
    const mine = await openCase({ assigneeId: agent.user.id, priority: 'urgent' });
    const elsewhere = await openCase({ teamId: undefined, priority: 'urgent' });
    const otherTeam = await t.database.db.insertInto('teams').values({ name: 'Logistics desk' }).returning('id').executeTakeFirstOrThrow();
    const hidden = await admin.as({
      method: 'POST',
      url: '/api/cases',
      body: { subject: 'Hidden', requester: { email: 'dan@example.com' }, teamId: otherTeam.id, priority: 'urgent' },
    });
    t.clock.set(at('09:20', '2026-11-25'));
    const res = await agent.as({ url: '/api/sla/at-risk?withinMinutes=15' });
    expect(res.statusCode, res.body).toBe(200);
    const ids = res.json().items.map((i: { caseId: string; target: string }) => `${i.caseId}:${i.target}`);
    expect(ids).toContain(`${mine.id}:firstReply`);
    expect(ids).toContain(`${elsewhere.id}:firstReply`);
    expect(ids).not.toContain(`${hidden.json().id}:firstReply`);
    const first = res.json().items.find((i: { caseId: string }) => i.caseId === mine.id);
    expect(first).toMatchObject({ state: 'active', dueAt: at('09:30', '2026-11-25'), minutesUntilDue: 10 });
    const all = (await admin.as({ url: '/api/sla/at-risk?withinMinutes=15' })).json().items.map((i: { caseId: string }) => i.caseId);
    expect(all).toContain(hidden.json().id);
  });
});

describe('configuration', () => {
  test('bad calendars and policies are refused with the field named', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ name: 'X', timeZone: '+01:00', weekly: weekdays }, '/api/sla/calendars', 'timeZone'],
      [{ name: 'X', timeZone: 'Europe/Paris', weekly: {} }, '/api/sla/calendars', 'weekly'],
      [{ name: 'X', timeZone: 'Europe/Paris', weekly: { someday: nineToFive } }, '/api/sla/calendars', 'weekly'],
      [{ name: 'X', timeZone: 'Europe/Paris', weekly: weekdays, holidays: ['2026-02-30'] }, '/api/sla/calendars', 'holidays.0'],
      [{ name: 'X', calendarId, targets: {} }, '/api/sla/policies', 'targets'],
      [
        { name: 'X', calendarId: '00000000-0000-4000-8000-000000000000', targets: { firstReply: { minutes: 5 } } },
        '/api/sla/policies',
        'calendarId',
      ],
      [{ name: 'X', calendarId, targets: { firstReply: { minutes: -1 } } }, '/api/sla/policies', 'targets.firstReply.minutes'],
      [
        { name: 'X', calendarId, targets: { firstReply: { minutes: 5 } }, conditions: { priorities: ['asap'] } },
        '/api/sla/policies',
        'conditions.priorities.0',
      ],
    ];
    for (const [body, url, field] of cases) {
      const res = await admin.as({ method: 'POST', url, body });
      expect(res.statusCode, `${url} ${JSON.stringify(body)}`).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
      expect(JSON.stringify(res.json().error.details), JSON.stringify(body)).toContain(field);
    }
  });

  test('names are unique, a calendar in use cannot go, the order must list every policy, agents cannot configure', async () => {
    const dup = await admin.as({
      method: 'POST',
      url: '/api/sla/calendars',
      body: { name: 'london OFFICE', timeZone: 'Europe/London', weekly: weekdays },
    });
    expect(dup.statusCode).toBe(409);
    expect((await admin.as({ method: 'DELETE', url: `/api/sla/calendars/${calendarId}` })).statusCode).toBe(409);
    const order = await admin.as({ method: 'PUT', url: '/api/sla/policies/order', body: { ids: [standardId] } });
    expect(order.statusCode).toBe(400);
    const reordered = await admin.as({ method: 'PUT', url: '/api/sla/policies/order', body: { ids: [standardId, urgentId] } });
    expect(reordered.json().items.map((p: { name: string }) => p.name)).toEqual(['Standard', 'Urgent']);
    await admin.as({ method: 'PUT', url: '/api/sla/policies/order', body: { ids: [urgentId, standardId] } });
    const denied = await agent.as({
      method: 'POST',
      url: '/api/sla/calendars',
      body: { name: 'Mine', timeZone: 'Europe/London', weekly: weekdays },
    });
    expect(denied.statusCode).toBe(403);
    expect((await agent.as({ url: '/api/sla/policies' })).statusCode).toBe(200);
  });

  test('whole and partial holidays are stored in date order', async () => {
    const res = await admin.as({
      method: 'POST',
      url: '/api/sla/calendars',
      body: {
        name: 'Christmas',
        timeZone: 'Europe/London',
        weekly: weekdays,
        holidays: ['2026-12-25', { date: '2026-12-24', start: '12:00', end: '24:00' }],
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().holidays).toEqual([{ date: '2026-12-24', start: '12:00', end: '24:00' }, '2026-12-25']);
  });
});

describe('escalation', () => {
  test('a breach runs the policy rules: tag, move to the escalation team, escalate and tell the managers', async () => {
    const manager = await t.userWithToken('manager');
    const escalationTeam = await t.database.db
      .insertInto('teams')
      .values({ name: 'Escalations' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const patched = await admin.as({
      method: 'PATCH',
      url: `/api/sla/policies/${urgentId}`,
      body: {
        escalations: [{ on: 'breach', target: 'firstReply', addTags: ['sla_breach'], teamId: escalationTeam.id, notifyManagers: true }],
      },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    t.clock.set(at('09:00', '2026-11-26'));
    const c = await openCase({ priority: 'urgent' });
    t.clock.set(at('09:31', '2026-11-26'));
    await scanSla(t.ctx, { batch: 10_000 });
    const after = (await admin.as({ url: `/api/cases/${c.id}` })).json();
    expect(after).toMatchObject({
      teamId: escalationTeam.id,
      tags: ['sla_breach'],
      escalatedAt: at('09:31', '2026-11-26'),
      escalationReason: 'first reply target breached',
    });
    const kinds = (await eventsOf(c.id, ['sla_breached', 'tags_changed', 'assignment_changed', 'escalated'])).map((e) => e.kind);
    expect(kinds).toEqual(['sla_breached', 'tags_changed', 'assignment_changed', 'escalated']);
    const notes = (await manager.as({ url: '/api/notifications' })).json().items.filter((n: { caseId: string }) => n.caseId === c.id);
    expect(notes.map((n: { kind: string }) => n.kind)).toEqual(['case_escalated']);
    // Scanning again changes nothing.
    await scanSla(t.ctx, { batch: 10_000 });
    expect(await eventsOf(c.id, ['escalated'])).toHaveLength(1);
    const escalatedList = (await admin.as({ url: '/api/cases?escalated=true&sla=breached' })).json();
    expect(escalatedList.items.map((i: { id: string }) => i.id)).toContain(c.id);
    expect(escalatedList.items.find((i: { id: string }) => i.id === c.id).sla).toMatchObject({ breached: true });
    await admin.as({ method: 'PATCH', url: `/api/sla/policies/${urgentId}`, body: { escalations: [] } });
  });

  test('escalate to manager by hand, with a reason; the list filters find it', async () => {
    t.clock.set(at('09:00', '2026-11-27'));
    const c = await openCase();
    const res = await agent.as({ method: 'POST', url: `/api/cases/${c.id}/escalate`, body: { reason: 'Customer threatens to cancel' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ escalatedAt: at('09:00', '2026-11-27'), escalationReason: 'Customer threatens to cancel' });
    expect((await eventsOf(c.id, ['escalated']))[0]!.after).toEqual({ reason: 'Customer threatens to cancel', by: 'manual' });
    const ids = (await admin.as({ url: '/api/cases?escalated=true' })).json().items.map((i: { id: string }) => i.id);
    expect(ids).toContain(c.id);
    const notEscalated = (await admin.as({ url: '/api/cases?escalated=false&limit=200' })).json().items.map((i: { id: string }) => i.id);
    expect(notEscalated).not.toContain(c.id);
    // Standard first reply is due at 11:00: at risk within 120 minutes, not within 60.
    const within = (w: number) => admin.as({ url: `/api/cases?sla=at_risk&slaWithinMinutes=${w}&limit=200` });
    expect((await within(120)).json().items.map((i: { id: string }) => i.id)).toContain(c.id);
    expect((await within(60)).json().items.map((i: { id: string }) => i.id)).not.toContain(c.id);
    expect((await agent.as({ method: 'POST', url: `/api/cases/${c.id}/escalate`, body: { reason: '' } })).statusCode).toBe(400);
  });
});

describe('a target due the moment the case opens', () => {
  test('is stored as breached by the next scan, not left active', async () => {
    const instant = await admin.as({
      method: 'POST',
      url: '/api/sla/policies',
      body: { name: 'Instant', calendarId, conditions: { types: ['incident'] }, targets: { firstReply: { minutes: 0 } } },
    });
    expect(instant.statusCode, instant.body).toBe(201);
    await admin.as({ method: 'PUT', url: '/api/sla/policies/order', body: { ids: [instant.json().id, urgentId, standardId] } });
    t.clock.set(at('10:00', '2026-12-01'));
    const c = await openCase({ type: 'incident' });
    // Due exactly now is not yet breached; the scan is asked to look again a second later.
    expect((await stored(c.id))[0]).toMatchObject({
      state: 'active',
      next_alert_at: new Date(Date.parse(at('10:00', '2026-12-01')) + 1000),
    });
    t.clock.advance({ seconds: 2 });
    await scanSla(t.ctx, { batch: 10_000 });
    expect((await stored(c.id))[0]).toMatchObject({ target: 'firstReply', state: 'breached', next_alert_at: null });
    const ids = (await admin.as({ url: '/api/cases?sla=breached&limit=200' })).json().items.map((i: { id: string }) => i.id);
    expect(ids).toContain(c.id);
    expect((await admin.as({ method: 'DELETE', url: `/api/sla/policies/${instant.json().id}` })).statusCode).toBe(204);
    await scanSla(t.ctx, { batch: 10_000 });
  });
});

describe('iCalendar holiday import', () => {
  const ics = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//test//holidays//EN',
    'BEGIN:VEVENT',
    'UID:boxing-day',
    'DTSTART;VALUE=DATE:20261228',
    'DTEND;VALUE=DATE:20261229',
    'SUMMARY:Boxing Day (substitute day)',
    'END:VEVENT',
    'BEGIN:VEVENT',
    'UID:xmas-eve',
    'DTSTART;TZID=Europe/London:20261224T120000',
    'DTEND;TZID=Europe/London:20261224T170000',
    'SUMMARY:Christmas Eve afternoon',
    'END:VEVENT',
    'BEGIN:VEVENT',
    'UID:cancelled',
    'STATUS:CANCELLED',
    'DTSTART;VALUE=DATE:20261231',
    'SUMMARY:Cancelled',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');

  test('a text/calendar upload adds whole and partial holidays and lists what it skipped; they then count', async () => {
    const cal = await admin.as({
      method: 'POST',
      url: '/api/sla/calendars',
      body: { name: 'Import target', timeZone: 'Europe/London', weekly: weekdays },
    });
    const id = cal.json().id;
    const res = await admin.as({
      method: 'POST',
      url: `/api/sla/calendars/${id}/holidays/import`,
      body: ics,
      headers: { 'content-type': 'text/calendar' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().added).toBe(2);
    expect(res.json().calendar.holidays).toEqual([{ date: '2026-12-24', start: '12:00', end: '17:00' }, '2026-12-28']);
    expect(res.json().skipped).toEqual([expect.objectContaining({ uid: 'cancelled' })]);
    // The same file again adds nothing; JSON { ical } works too.
    const again = await admin.as({ method: 'POST', url: `/api/sla/calendars/${id}/holidays/import`, body: { ical: ics } });
    expect(again.json().added).toBe(0);
    const bad = await admin.as({
      method: 'POST',
      url: `/api/sla/calendars/${id}/holidays/import`,
      body: 'hello',
      headers: { 'content-type': 'text/calendar' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'validation_failed', details: { field: 'ical' } });
  });
});

describe('notifications', () => {
  test('read one, read all; someone else’s is not found', async () => {
    const list = (await agent.as({ url: '/api/notifications?unread=true' })).json();
    expect(list.unread).toBeGreaterThan(0);
    const one = list.items[0];
    expect((await otherAgent.as({ method: 'POST', url: `/api/notifications/${one.id}/read` })).statusCode).toBe(404);
    expect((await agent.as({ method: 'POST', url: `/api/notifications/${one.id}/read` })).json()).toEqual({ updated: 1 });
    expect((await agent.as({ url: '/api/notifications' })).json().unread).toBe(list.unread - 1);
    await agent.as({ method: 'POST', url: '/api/notifications/read-all' });
    expect((await agent.as({ url: '/api/notifications' })).json().unread).toBe(0);
  });
});
