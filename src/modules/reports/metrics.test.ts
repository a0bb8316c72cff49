// Report metrics: exact figures on a hand-built operation, the drill-down returning exactly the
// cases each figure counts, rollups kept incrementally equal to a rebuild from scratch, and random
// periods and groupings where the figure (from rollups) and the drill-down (from cases) agree.
// Organisation zone Europe/London; November, so London = UTC (March for the daylight-saving change).
import fs from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type Requester, type TestApp } from '../../../test/helpers.js';
import { scanSla } from '../sla/sla-tracking.js';
import { rebuildRollups } from './metric-facts.js';

let t: TestApp;
let manager: { as: Requester };
let agent: { as: Requester; user: { id: string } };
let agent2: { as: Requester; user: { id: string } };
let teamA: string;
let teamB: string;

const at = (day: number, hhmm: string) => `2026-11-${String(day).padStart(2, '0')}T${hhmm}:00.000Z`;
const period = `from=${encodeURIComponent(at(23, '00:00'))}&to=${encodeURIComponent(at(25, '00:00'))}`;

async function metric(name: string, query: string, within = period) {
  const res = await manager.as({ url: `/api/reports/metrics/${name}?${within}&${query}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().rows as { group: string; value: number | null; cases: number }[];
}

async function drill(name: string, query: string, group: string, within = period) {
  const res = await manager.as({
    url: `/api/reports/metrics/${name}/cases?${within}&${query}&group=${encodeURIComponent(group)}&limit=500`,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { total: number; items: { id: string; number: number; value: number | null }[] };
}

async function newCase(day: number, hhmm: string, extra: Record<string, unknown>) {
  return newCaseAt(at(day, hhmm), extra);
}

async function newCaseAt(iso: string, extra: Record<string, unknown>) {
  t.clock.set(iso);
  const res = await agent.as({
    method: 'POST',
    url: '/api/cases',
    body: { subject: 'Case', requester: { email: 'm@example.com' }, message: { body: 'hi' }, ...extra },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; number: number };
}

async function reply(id: string, day: number, hhmm: string, status?: string) {
  t.clock.set(at(day, hhmm));
  const res = await agent.as({
    method: 'POST',
    url: `/api/cases/${id}/messages`,
    body: { kind: 'reply', body: 'ok', ...(status ? { status } : {}) },
  });
  expect(res.statusCode, res.body).toBe(201);
}

async function escalate(id: string) {
  const res = await agent.as({ method: 'POST', url: `/api/cases/${id}/escalate`, body: { reason: 'the customer asked for a manager' } });
  expect(res.statusCode, res.body).toBe(200);
}

async function customerWrites(id: string, day: number, hhmm: string) {
  t.clock.set(at(day, hhmm));
  const res = await agent.as({ method: 'POST', url: `/api/cases/${id}/messages`, body: { kind: 'customer', body: 'again' } });
  expect(res.statusCode, res.body).toBe(201);
}

beforeAll(async () => {
  t = await startTestApp({ start: at(22, '12:00'), config: { timeZone: 'Europe/London' } });
  manager = await t.userWithToken('manager');
  agent = await t.userWithToken('agent');
  agent2 = await t.userWithToken('agent');
  teamA = (await t.database.db.insertInto('teams').values({ name: 'A' }).returning('id').executeTakeFirstOrThrow()).id;
  teamB = (await t.database.db.insertInto('teams').values({ name: 'B' }).returning('id').executeTakeFirstOrThrow()).id;
  await t.database.db
    .insertInto('team_members')
    .values(
      [teamA, teamB].flatMap((team_id) => [agent, agent2].map((a) => ({ team_id, user_id: a.user.id, membership: 'member' as const }))),
    )
    .execute();
  const all = [{ start: '00:00', end: '24:00' }];
  const cal = (
    await manager.as({
      method: 'POST',
      url: '/api/sla/calendars',
      body: {
        name: 'Always',
        timeZone: 'Europe/London',
        weekly: Object.fromEntries(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((d) => [d, all])),
      },
    })
  ).json();
  await manager.as({
    method: 'POST',
    url: '/api/sla/policies',
    body: {
      name: 'Urgent',
      calendarId: cal.id,
      conditions: { priorities: ['urgent'] },
      targets: { firstReply: { minutes: 45, businessHours: false } },
    },
  });

  // Case 1: Mon 09:00, team A, urgent; replies 09:30 (first reply 30 min, met by 09:45) and 10:00
  // with the solve (resolution 60 min, two replies).
  const c1 = await newCase(23, '09:00', { teamId: teamA, priority: 'urgent' });
  await reply(c1.id, 23, '09:30');
  await reply(c1.id, 23, '10:00', 'solved');
  // Case 2: Mon 10:00, team B, urgent; reply 11:00 (60 min, late: due 10:45), solved 12:00; the
  // customer writes 13:00 (reopens it); reply and solve 14:00: final solve 240 min, two replies.
  const c2 = await newCase(23, '10:00', { teamId: teamB, priority: 'urgent' });
  await reply(c2.id, 23, '11:00');
  t.clock.set(at(23, '12:00'));
  const v2 = (await agent.as({ url: `/api/cases/${c2.id}` })).json().version;
  const solved2 = await agent.as({ method: 'PATCH', url: `/api/cases/${c2.id}`, body: { version: v2, status: 'solved' } });
  expect(solved2.statusCode, solved2.body).toBe(200);
  await customerWrites(c2.id, 23, '13:00');
  await reply(c2.id, 23, '14:00', 'solved');
  // Case 3: Mon 23:30, team A, by phone: open throughout.
  await newCase(23, '23:30', { teamId: teamA, channel: 'phone' });
  // Case 4: Tue 08:00, team A; reply 08:20 (20 min) and pending.
  const c4 = await newCase(24, '08:00', { teamId: teamA });
  await reply(c4.id, 24, '08:20', 'pending');
  t.clock.set(at(25, '09:00'));
});
afterAll(() => t.close());

describe('exact figures on a constructed operation', () => {
  test('created by day, by team and by channel', async () => {
    expect(await metric('created', 'groupBy=day')).toEqual([
      { group: '2026-11-23', value: 3, cases: 3 },
      { group: '2026-11-24', value: 1, cases: 1 },
    ]);
    expect(await metric('created', 'groupBy=team')).toEqual(
      [
        { group: teamA, value: 3, cases: 3 },
        { group: teamB, value: 1, cases: 1 },
      ].sort((a, b) => (a.group < b.group ? -1 : 1)),
    );
    expect(await metric('created', 'groupBy=channel')).toEqual([
      { group: 'api', value: 3, cases: 3 },
      { group: 'phone', value: 1, cases: 1 },
    ]);
    expect(await metric('created', `groupBy=total&teamId=${teamA}&channel=phone`)).toEqual([{ group: 'total', value: 1, cases: 1 }]);
  });

  test('solved, resolution time, replies, reopen and one-touch rates', async () => {
    expect(await metric('solved', 'groupBy=total')).toEqual([{ group: 'total', value: 2, cases: 2 }]);
    // Case 1: 09:00 → 10:00 = 60; case 2: 10:00 → final solve 14:00 = 240.
    expect(await metric('resolution_time', 'groupBy=total')).toEqual([{ group: 'total', value: 150, cases: 2 }]);
    // Case 1: replies at 09:30 and 10:00 (2); case 2: 11:00 and 14:00 (2).
    expect(await metric('replies_per_case', 'groupBy=total')).toEqual([{ group: 'total', value: 2, cases: 2 }]);
    expect(await metric('reopen_rate', 'groupBy=total')).toEqual([{ group: 'total', value: 50, cases: 2 }]);
    expect(await metric('one_touch_rate', 'groupBy=total')).toEqual([{ group: 'total', value: 0, cases: 2 }]);
  });

  test('first reply time and SLA attainment', async () => {
    // 30 (case 1), 60 (case 2), 20 (case 4): 110 / 3.
    expect(await metric('first_reply_time', 'groupBy=total')).toEqual([{ group: 'total', value: 36.67, cases: 3 }]);
    // Urgent first replies: case 1 met by 09:45, case 2 late (due 10:45).
    expect(await metric('sla_attainment', 'groupBy=total&target=firstReply')).toEqual([{ group: 'total', value: 50, cases: 2 }]);
    expect(await metric('sla_attainment', 'groupBy=team&target=firstReply')).toEqual(
      [
        { group: teamA, value: 100, cases: 1 },
        { group: teamB, value: 0, cases: 1 },
      ].sort((a, b) => (a.group < b.group ? -1 : 1)),
    );
  });

  test('backlog at the end of each day and of the period', async () => {
    // End of Monday: case 3 open (case 1 and 2 solved). End of Tuesday: cases 3 and 4 (pending is open).
    expect(await metric('backlog', 'groupBy=day')).toEqual([
      { group: '2026-11-23', value: 1, cases: 1 },
      { group: '2026-11-24', value: 2, cases: 2 },
    ]);
    expect(await metric('backlog', 'groupBy=total')).toEqual([{ group: 'total', value: 2, cases: 2 }]);
    expect((await drill('backlog', 'groupBy=day', '2026-11-23')).total).toBe(1);
  });

  test('days are local days, cut in the zone asked for', async () => {
    // New York is UTC−5 in November: Mon 09:00 UTC = Mon 04:00, Mon 23:30 UTC = Mon 18:30, Tue 08:00 UTC = Tue 03:00.
    expect(await metric('created', 'groupBy=day&timeZone=America/New_York')).toEqual([
      { group: '2026-11-23', value: 3, cases: 3 },
      { group: '2026-11-24', value: 1, cases: 1 },
    ]);
    // Tokyo is UTC+9: Mon 23:30 UTC is Tuesday 08:30 there.
    expect(await metric('created', 'groupBy=day&timeZone=Asia/Tokyo')).toEqual([
      { group: '2026-11-23', value: 2, cases: 2 },
      { group: '2026-11-24', value: 2, cases: 2 },
    ]);
  });

  test('every figure drills down to exactly the cases it counts, with their values', async () => {
    for (const [name, query] of [
      ['created', 'groupBy=team'],
      ['solved', 'groupBy=day'],
      ['resolution_time', 'groupBy=total'],
      ['first_reply_time', 'groupBy=day'],
      ['reopen_rate', 'groupBy=team'],
      ['sla_attainment', 'groupBy=total&target=firstReply'],
      ['backlog', 'groupBy=channel'],
    ] as const) {
      for (const row of await metric(name, query)) {
        const d = await drill(name, query, row.group);
        expect(d.total, `${name} ${query} ${row.group}`).toBe(row.cases);
        const values = d.items.map((i) => i.value).filter((v): v is number => v !== null);
        if (values.length > 0 && row.value !== null) {
          const mean = values.reduce((a, b) => a + b, 0) / values.length;
          const expected = name === 'reopen_rate' || name === 'sla_attainment' ? mean * 100 : mean;
          expect(Math.round(expected * 100) / 100, `${name} ${row.group}`).toBe(row.value);
        }
      }
    }
  });

  test('only report readers; a team leader sees their own teams', async () => {
    expect((await agent.as({ url: `/api/reports/metrics/created?${period}` })).statusCode).toBe(403);
    const leader = await t.userWithToken('team_leader');
    await t.database.db.insertInto('team_members').values({ team_id: teamB, user_id: leader.user.id, membership: 'leader' }).execute();
    const rows = (await leader.as({ url: `/api/reports/metrics/created?${period}&groupBy=team` })).json().rows;
    expect(rows).toEqual([{ group: teamB, value: 1, cases: 1 }]);
    expect((await manager.as({ url: `/api/reports/metrics/nope?${period}` })).statusCode).toBe(404);
    expect((await manager.as({ url: `/api/reports/metrics/created?from=${at(24, '00:00')}&to=${at(23, '00:00')}` })).statusCode).toBe(400);
  });
});

describe('escalation rate and solved per agent', () => {
  // Thursday 26 November, its own day so the operation above keeps its figures.
  const day = `from=${encodeURIComponent(at(26, '00:00'))}&to=${encodeURIComponent(at(27, '00:00'))}`;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const cal = (await manager.as({ url: '/api/sla/calendars' })).json().items[0].id as string;
    const policy = await manager.as({
      method: 'POST',
      url: '/api/sla/policies',
      body: {
        name: 'Escalate when the first reply is late',
        calendarId: cal,
        conditions: { tags: ['watch'] },
        targets: { firstReply: { minutes: 10, businessHours: false } },
        warnings: [],
        escalations: [{ on: 'breach', target: 'firstReply', markEscalated: true }],
      },
    });
    expect(policy.statusCode, policy.body).toBe(201);
    const mine = { assigneeId: agent.user.id };
    const theirs = { assigneeId: agent2.user.id };
    // E1 (team A, agent) escalated by hand half an hour after it opened.
    ids.e1 = (await newCase(26, '09:10', { teamId: teamA, ...mine })).id;
    t.clock.set(at(26, '09:40'));
    await escalate(ids.e1);
    // E2 (team B) escalated by its policy when the 10-minute first reply is breached at 10:15.
    ids.e2 = (await newCase(26, '10:05', { teamId: teamB, tags: ['watch'] })).id;
    t.clock.set(at(26, '10:30'));
    expect((await scanSla(t.ctx)).alertsRaised).toBeGreaterThanOrEqual(1);
    // Solved: E3 by agent 2; E4, E5 and E8 by agent 1; E6 nobody's (left out of per agent).
    ids.e3 = (await newCase(26, '11:00', { teamId: teamA, ...theirs })).id;
    await reply(ids.e3, 26, '11:30', 'solved');
    ids.e4 = (await newCase(26, '12:00', { teamId: teamA, ...mine })).id;
    await reply(ids.e4, 26, '12:20', 'solved');
    ids.e5 = (await newCase(26, '13:00', { teamId: teamB, ...mine })).id;
    await reply(ids.e5, 26, '13:30', 'solved');
    ids.e6 = (await newCase(26, '14:00', {})).id;
    await reply(ids.e6, 26, '14:10', 'solved');
    ids.e8 = (await newCase(26, '15:00', { teamId: teamA, ...mine })).id;
    await reply(ids.e8, 26, '15:20', 'solved');
    // E7 opened the evening before and escalated on the day: it counts on the day it opened.
    ids.e7 = (await newCase(25, '23:50', { teamId: teamA })).id;
    t.clock.set(at(26, '16:00'));
    await escalate(ids.e7);
    t.clock.set(at(27, '09:00'));
  });

  test('escalation rate: escalated cases among those created, by the day they were created', async () => {
    const escalated = await t.database.db.selectFrom('cases').select('id').where('escalated_at', 'is not', null).execute();
    expect(escalated.map((c) => c.id).sort()).toEqual([ids.e1, ids.e2, ids.e7].sort());
    // Created on the 26th: E1–E6 and E8 (7), of which E1 and E2 escalated: 2 / 7.
    expect(await metric('escalation_rate', 'groupBy=total', day)).toEqual([{ group: 'total', value: 28.57, cases: 7 }]);
    // Team A: E1, E3, E4, E8 (1 of 4); team B: E2, E5 (1 of 2); no team: E6 (0 of 1).
    expect(await metric('escalation_rate', 'groupBy=team', day)).toEqual(
      [
        { group: teamA, value: 25, cases: 4 },
        { group: teamB, value: 50, cases: 2 },
        { group: 'none', value: 0, cases: 1 },
      ].sort((a, b) => (a.group < b.group ? -1 : 1)),
    );
    // E7 counts on the 25th, where it is the only case: 100 %.
    const evening = `from=${encodeURIComponent(at(25, '12:00'))}&to=${encodeURIComponent(at(26, '00:00'))}`;
    expect(await metric('escalation_rate', 'groupBy=total', evening)).toEqual([{ group: 'total', value: 100, cases: 1 }]);
    const d = await drill('escalation_rate', 'groupBy=total', 'total', day);
    expect(d.total).toBe(7);
    expect(
      d.items
        .filter((i) => i.value === 1)
        .map((i) => i.id)
        .sort(),
    ).toEqual([ids.e1, ids.e2].sort());
  });

  test('solved per agent: each agent’s solved cases, or the mean over the agents who solved any', async () => {
    // E3 (agent 2), E4, E5, E8 (agent 1): 4 cases, 2 agents; unassigned E6 left out.
    expect(await metric('solved_per_agent', 'groupBy=total', day)).toEqual([{ group: 'total', value: 2, cases: 4 }]);
    expect(await metric('solved_per_agent', 'groupBy=agent', day)).toEqual(
      [
        { group: agent.user.id, value: 3, cases: 3 },
        { group: agent2.user.id, value: 1, cases: 1 },
      ].sort((a, b) => (a.group < b.group ? -1 : 1)),
    );
    // Team A: E3 (agent 2), E4, E8 (agent 1): 3 / 2; team B: E5 (agent 1): 1.
    expect(await metric('solved_per_agent', 'groupBy=team', day)).toEqual(
      [
        { group: teamA, value: 1.5, cases: 3 },
        { group: teamB, value: 1, cases: 1 },
      ].sort((a, b) => (a.group < b.group ? -1 : 1)),
    );
    expect((await drill('solved_per_agent', 'groupBy=agent', agent.user.id, day)).items.map((i) => i.id).sort()).toEqual(
      [ids.e4, ids.e5, ids.e8].sort(),
    );
    expect((await drill('solved_per_agent', 'groupBy=total', 'total', day)).total).toBe(4);
    expect(await metric('solved_per_agent', 'groupBy=agent&assigneeId=none', day)).toEqual([]);
  });

  test('both are in the catalogue with their definitions', async () => {
    const res = await manager.as({ url: '/api/reports/metrics' });
    const items = res.json().items as { id: string; unit: string; countedAt: string; definition: string }[];
    expect(items.find((m) => m.id === 'escalation_rate')).toMatchObject({ unit: 'percent', countedAt: 'created_at' });
    expect(items.find((m) => m.id === 'solved_per_agent')).toMatchObject({ unit: 'cases', countedAt: 'solved_at' });
    expect(res.json().groupBy).toEqual(expect.arrayContaining(['hour_of_day', 'weekday']));
  });
});

describe('hour of the day and weekday, across the clocks going forward', () => {
  // London moves to summer time at 01:00 UTC on Sunday 29 March 2026.
  const week = `from=${encodeURIComponent('2026-03-27T00:00:00Z')}&to=${encodeURIComponent('2026-04-01T00:00:00Z')}`;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    ids.fri = (await newCaseAt('2026-03-27T09:30:00Z', { teamId: teamA })).id; // Fri 09:30 GMT
    ids.sat = (await newCaseAt('2026-03-28T23:30:00Z', { teamId: teamA })).id; // Sat 23:30 GMT
    ids.monNight = (await newCaseAt('2026-03-29T23:30:00Z', { teamId: teamA })).id; // Mon 00:30 BST
    ids.mon = (await newCaseAt('2026-03-30T08:30:00Z', { teamId: teamA })).id; // Mon 09:30 BST
    // Solved at 10:00 GMT (30 min) and 10:45 BST (75 min): both in the local 10 o'clock hour.
    t.clock.set('2026-03-27T10:00:00Z');
    await solve(ids.fri);
    t.clock.set('2026-03-30T09:45:00Z');
    await solve(ids.mon);
    t.clock.set('2026-04-02T09:00:00Z');
  });

  async function solve(id: string) {
    const v = (await agent.as({ url: `/api/cases/${id}` })).json().version;
    const res = await agent.as({ method: 'PATCH', url: `/api/cases/${id}`, body: { version: v, status: 'solved' } });
    expect(res.statusCode, res.body).toBe(200);
  }

  test('hours of the day are local hours, the same hour before and after the change', async () => {
    expect(await metric('created', 'groupBy=hour_of_day', week)).toEqual([
      { group: '00', value: 1, cases: 1 },
      { group: '09', value: 2, cases: 2 },
      { group: '23', value: 1, cases: 1 },
    ]);
    // In UTC the same cases fall in three other hours.
    expect(await metric('created', 'groupBy=hour_of_day&timeZone=UTC', week)).toEqual([
      { group: '08', value: 1, cases: 1 },
      { group: '09', value: 1, cases: 1 },
      { group: '23', value: 2, cases: 2 },
    ]);
    expect(await metric('resolution_time', 'groupBy=hour_of_day', week)).toEqual([{ group: '10', value: 52.5, cases: 2 }]);
    const nine = await drill('created', 'groupBy=hour_of_day', '09', week);
    expect(nine.items.map((i) => i.id).sort()).toEqual([ids.fri, ids.mon].sort());
    expect(nine.total).toBe(2);
  });

  test('weekdays are local days, Monday first', async () => {
    expect(await metric('created', 'groupBy=weekday', week)).toEqual([
      { group: 'Mon', value: 2, cases: 2 },
      { group: 'Fri', value: 1, cases: 1 },
      { group: 'Sat', value: 1, cases: 1 },
    ]);
    expect(await metric('created', 'groupBy=weekday&timeZone=UTC', week)).toEqual([
      { group: 'Mon', value: 1, cases: 1 },
      { group: 'Fri', value: 1, cases: 1 },
      { group: 'Sat', value: 1, cases: 1 },
      { group: 'Sun', value: 1, cases: 1 },
    ]);
    const monday = await drill('created', 'groupBy=weekday', 'Mon', week);
    expect(monday.items.map((i) => i.id).sort()).toEqual([ids.monNight, ids.mon].sort());
  });

  test('a backlog is not summed over hours of the day or weekdays', async () => {
    for (const groupBy of ['hour_of_day', 'weekday']) {
      const res = await manager.as({ url: `/api/reports/metrics/backlog?${week}&groupBy=${groupBy}` });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.details).toMatchObject({ field: 'groupBy' });
    }
  });
});

describe('backlog over a case solved, reopened and solved again', () => {
  test('open between the solves, not before or after, whatever the case says today', async () => {
    const c = await newCase(27, '09:00', { subject: 'Backlog reopen' });
    await reply(c.id, 27, '10:00', 'solved');
    t.clock.set(at(27, '12:00'));
    const res = await agent.as({ method: 'POST', url: `/api/cases/${c.id}/messages`, body: { kind: 'customer', body: 'still broken' } });
    expect(res.statusCode, res.body).toBe(201);
    await reply(c.id, 27, '15:00', 'solved');
    const day = `from=${encodeURIComponent(at(27, '00:00'))}&to=${encodeURIComponent(at(28, '00:00'))}`;
    const rows = await metric('backlog', 'groupBy=hour', day);
    expect(rows).toHaveLength(24);
    const openHours: string[] = [];
    for (const row of rows) {
      const drilled = await drill('backlog', 'groupBy=hour', row.group, day);
      expect(drilled.total, row.group).toBe(row.cases);
      if (drilled.items.some((i) => i.number === c.number)) openHours.push(row.group.slice(11, 13));
    }
    // An hour's backlog is measured at its end: 09:00 (just created) is open, 10:00 (just solved) is
    // not; reopened at 12:00 and solved at 15:00, so the ends 12:00, 13:00 and 14:00 are open.
    expect(openHours).toEqual(['08', '11', '12', '13']);
    // The clock stands at 15:00: later moments read today's statuses, earlier ones the event log;
    // nothing else changed after 14:00, so the two agree but for this case.
    const valueAt = (hh: string) => rows.find((r) => r.group.endsWith(`T${hh}:00`))!.value;
    expect(valueAt('23')).toBe(valueAt('13')! - 1);
  });
});

describe('rollups', () => {
  test('kept incrementally, they equal a rebuild from scratch; random figures match their drill-downs', async () => {
    // A noisier history: cases moved between teams, reprioritised, solved, reopened.
    let seed = 42;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 25; i++) {
      const day = 23 + Math.floor(rnd() * 2);
      const hh = String(Math.floor(rnd() * 24)).padStart(2, '0');
      const c = await newCase(day, `${hh}:${rnd() < 0.5 ? '07' : '52'}`, {
        teamId: rnd() < 0.5 ? teamA : teamB,
        priority: rnd() < 0.3 ? 'urgent' : 'normal',
        ...(rnd() < 0.7 ? { assigneeId: rnd() < 0.5 ? agent.user.id : agent2.user.id } : {}),
      });
      // Escalated by hand straight away, with nothing else changing the case afterwards.
      if (rnd() < 0.25) await escalate(c.id);
      t.clock.advance({ minutes: 5 + Math.floor(rnd() * 300) });
      if (rnd() < 0.7)
        await reply(
          c.id,
          Number(t.clock.now().toISOString().slice(8, 10)),
          t.clock.now().toISOString().slice(11, 16),
          rnd() < 0.6 ? 'solved' : undefined,
        );
      if (rnd() < 0.3) {
        const v = (await agent.as({ url: `/api/cases/${c.id}` })).json().version;
        t.clock.advance({ minutes: 20 });
        const moved = await agent.as({
          method: 'PATCH',
          url: `/api/cases/${c.id}`,
          body: { version: v, teamId: rnd() < 0.5 ? teamA : teamB, priority: 'high', assigneeId: rnd() < 0.5 ? agent2.user.id : null },
        });
        expect(moved.statusCode, moved.body).toBe(200);
      }
    }
    const snapshot = async () =>
      (await t.database.db.selectFrom('metric_rollups').selectAll().where('count', '!=', '0').execute())
        .map((r) =>
          JSON.stringify([
            r.bucket.toISOString(),
            r.metric,
            r.team_id,
            r.assignee_id,
            r.channel,
            r.category_id,
            r.priority,
            r.type,
            Number(r.count),
            Math.round(r.sum * 1000) / 1000,
          ]),
        )
        .sort();
    const incremental = await snapshot();
    expect(incremental.length).toBeGreaterThan(20);
    expect(incremental.filter((r) => r.includes('"escalated"')).length).toBeGreaterThan(2);
    await rebuildRollups(t.ctx);
    expect(await snapshot()).toEqual(incremental);

    const names = [
      'created',
      'solved',
      'resolution_time',
      'first_reply_time',
      'reopen_rate',
      'one_touch_rate',
      'replies_per_case',
      'sla_attainment',
      'escalation_rate',
      'solved_per_agent',
    ];
    const groupings = ['hour', 'day', 'hour_of_day', 'weekday', 'team', 'agent', 'priority', 'channel', 'total'];
    let checked = 0;
    // Every metric, each under a few random groupings.
    for (const name of names)
      for (let i = 0; i < 3; i++) {
        const groupBy = groupings[Math.floor(rnd() * groupings.length)]!;
        const rows = await metric(name, `groupBy=${groupBy}`);
        const row = rows[Math.floor(rnd() * rows.length)];
        if (!row) continue;
        expect((await drill(name, `groupBy=${groupBy}`, row.group)).total, `${name} by ${groupBy}: ${row.group}`).toBe(row.cases);
        checked++;
      }
    expect(checked).toBeGreaterThan(25);
  });

  test('the migration gives cases escalated before the release the facts a rebuild would', async () => {
    await rebuildRollups(t.ctx);
    const facts = async () =>
      (await t.database.db.selectFrom('case_metric_facts').select(['case_id', 'facts']).orderBy('case_id').execute()).map((r) => ({
        id: r.case_id,
        facts: (r.facts as { metric: string }[]).map((f) => JSON.stringify(Object.entries(f).sort())).sort(),
      }));
    const rollups = async () =>
      (
        await sql<{
          k: string;
        }>`select concat_ws('|', bucket, metric, team_id, assignee_id, channel, category_id, priority, type, count) as k
        from metric_rollups where count <> 0 order by 1`.execute(t.database.db)
      ).rows.map((r) => r.k);
    const [factsBefore, rollupsBefore] = [await facts(), await rollups()];
    expect(rollupsBefore.filter((k) => k.includes('|escalated|')).length).toBeGreaterThan(2);
    // As stored before the release: no 'escalated' fact anywhere.
    await sql`update case_metric_facts set facts = (select coalesce(jsonb_agg(x), '[]') from jsonb_array_elements(facts) x where x->>'metric' <> 'escalated')`.execute(
      t.database.db,
    );
    await t.database.db.deleteFrom('metric_rollups').where('metric', '=', 'escalated').execute();
    expect(await rollups()).not.toEqual(rollupsBefore);
    await sql.raw(fs.readFileSync(new URL('../../../migrations/0016_reports.sql', import.meta.url), 'utf8')).execute(t.database.db);
    expect(await rollups()).toEqual(rollupsBefore);
    expect(await facts()).toEqual(factsBefore);
  });
});
