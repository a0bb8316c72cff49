// Report metrics: exact figures on a hand-built operation, the drill-down returning exactly the
// cases each figure counts, rollups kept incrementally equal to a rebuild from scratch, and random
// periods and groupings where the figure (from rollups) and the drill-down (from cases) agree.
// Organisation zone Europe/London; November, so London = UTC.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type Requester, type TestApp } from '../../../test/helpers.js';
import { rebuildRollups } from './metric-facts.js';

let t: TestApp;
let manager: { as: Requester };
let agent: { as: Requester; user: { id: string } };
let teamA: string;
let teamB: string;

const at = (day: number, hhmm: string) => `2026-11-${String(day).padStart(2, '0')}T${hhmm}:00.000Z`;
const period = `from=${encodeURIComponent(at(23, '00:00'))}&to=${encodeURIComponent(at(25, '00:00'))}`;

async function metric(name: string, query: string) {
  const res = await manager.as({ url: `/api/reports/metrics/${name}?${period}&${query}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().rows as { group: string; value: number | null; cases: number }[];
}

async function drill(name: string, query: string, group: string) {
  const res = await manager.as({
    url: `/api/reports/metrics/${name}/cases?${period}&${query}&group=${encodeURIComponent(group)}&limit=500`,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { total: number; items: { number: number; value: number | null }[] };
}

async function newCase(day: number, hhmm: string, extra: Record<string, unknown>) {
  t.clock.set(at(day, hhmm));
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

async function customerWrites(id: string, day: number, hhmm: string) {
  t.clock.set(at(day, hhmm));
  const res = await agent.as({ method: 'POST', url: `/api/cases/${id}/messages`, body: { kind: 'customer', body: 'again' } });
  expect(res.statusCode, res.body).toBe(201);
}

beforeAll(async () => {
  t = await startTestApp({ start: at(22, '12:00'), config: { timeZone: 'Europe/London' } });
  manager = await t.userWithToken('manager');
  agent = await t.userWithToken('agent');
  teamA = (await t.database.db.insertInto('teams').values({ name: 'A' }).returning('id').executeTakeFirstOrThrow()).id;
  teamB = (await t.database.db.insertInto('teams').values({ name: 'B' }).returning('id').executeTakeFirstOrThrow()).id;
  await t.database.db
    .insertInto('team_members')
    .values([teamA, teamB].map((team_id) => ({ team_id, user_id: agent.user.id, membership: 'member' as const })))
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
      });
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
        await agent.as({
          method: 'PATCH',
          url: `/api/cases/${c.id}`,
          body: { version: v, teamId: rnd() < 0.5 ? teamA : teamB, priority: 'high' },
        });
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
    ];
    const groupings = ['hour', 'day', 'team', 'priority', 'channel', 'total'];
    for (let i = 0; i < 12; i++) {
      const name = names[Math.floor(rnd() * names.length)]!;
      const groupBy = groupings[Math.floor(rnd() * groupings.length)]!;
      const rows = await metric(name, `groupBy=${groupBy}`);
      const row = rows[Math.floor(rnd() * rows.length)];
      if (!row) continue;
      expect((await drill(name, `groupBy=${groupBy}`, row.group)).total, `${name} by ${groupBy}: ${row.group}`).toBe(row.cases);
    }
  });
});
