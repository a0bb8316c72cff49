// The bulk path (`frontline demo --bulk`) against the services: the same seed and end on two fresh
// databases, one played through the services (simulation.ts), one replayed in memory and stored
// in batches (demo-bulk.ts). Ids differ between databases, so rows are compared by what names
// them: case and request numbers, emails, team, category and policy names. Everything the reports
// and the case pages read must match exactly; the instants of SLA alerts (and of what their
// escalation rules do) may differ by the scan's latency, as docs/demo.md says.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createManualClock } from '../../lib/clock.js';
import { createTestDatabase, testConfig, type TestDatabase } from '../../../test/helpers.js';
import { systemActor } from '../auth/permissions.js';
import { rebuildRollups } from '../reports/metric-facts.js';
import { computeMetric, metrics, type GroupBy } from '../reports/metrics.js';
import { scanSla } from '../sla/sla-tracking.js';
import { generateDemo, type DemoResult } from './demo.js';

const config = testConfig({ timeZone: 'Europe/London' });
// Ten days back from a Wednesday afternoon: weekends, auto-closed cases, late department answers.
const end = new Date('2026-03-04T15:00:00Z');
const options = { days: 10, cases: 260, seed: 11, password: 'demo-password-1', end };
/** Kinds raised by the scan (and what an escalation rule does then), stamped at a slightly different instant. */
const alertKinds = new Set(['sla_warning', 'sla_breached']);

type Db = TestDatabase['db'];

/** Ids of this database to names both databases share. */
async function namesOf(db: Db): Promise<(id: string | null) => string | null> {
  const rows = await sql<{ id: string; name: string }>`
    select id::text, 'user:' || email as name from users
    union all select id::text, 'team:' || name from teams
    union all select id::text, 'department:' || name from departments
    union all select id::text, 'category:' || name from categories
    union all select id::text, 'policy:' || name from sla_policies
    union all select id::text, 'calendar:' || name from business_calendars
    union all select id::text, 'organisation:' || name from organisations
    union all select c.id::text, 'customer:' || c.name || ' <' || (select string_agg(i.value, ',' order by i.value) from customer_identities i where i.customer_id = c.id) || '>'
      from customers c`.execute(db);
  const names = new Map(rows.rows.map((r) => [r.id, r.name]));
  return (id) => (id === null ? null : (names.get(id) ?? `unknown:${id}`));
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

async function casesOf(db: Db) {
  const name = await namesOf(db);
  const rows = await db.selectFrom('cases').selectAll().orderBy('number').execute();
  return rows.map((c) => ({
    number: c.number,
    subject: c.subject,
    status: c.status,
    priority: c.priority,
    type: c.type,
    channel: c.channel,
    tags: c.tags,
    team: name(c.team_id),
    assignee: name(c.assignee_id),
    category: name(c.category_id),
    requester: name(c.requester_id),
    policy: name(c.sla_policy_id),
    created: iso(c.created_at),
    firstReply: iso(c.first_public_reply_at),
    lastReply: iso(c.last_public_reply_at),
    lastCustomer: iso(c.last_customer_message_at),
    solved: iso(c.solved_at),
    closed: iso(c.closed_at),
    reopens: c.reopen_count,
    replies: c.public_reply_count,
    customerMessages: c.customer_message_count,
    escalated: c.escalated_at !== null,
    escalationReason: c.escalation_reason,
    version: c.version,
  }));
}

async function eventsOf(db: Db) {
  const name = await namesOf(db);
  const rows = await db
    .selectFrom('case_events as e')
    .innerJoin('cases as c', 'c.id', 'e.case_id')
    .select(['c.number', 'e.kind', 'e.at', 'e.actor_kind', 'e.actor_user_id', 'e.actor_customer_id', 'e.before', 'e.after'])
    .orderBy('c.number')
    .orderBy('e.id')
    .execute();
  // Ids inside payloads (message, request, user ids) differ by database; what they say must not.
  const payload = (v: unknown) =>
    JSON.stringify(v, (k, x: unknown) =>
      typeof x === 'string' && /Id$/.test(k) ? (/^(messageId|requestId)$/.test(k) ? 'id' : name(x)) : x,
    );
  return rows.map((e) => ({
    number: e.number,
    kind: e.kind,
    at: e.at.toISOString(),
    actor: e.actor_kind === 'user' ? name(e.actor_user_id) : e.actor_kind === 'customer' ? name(e.actor_customer_id) : 'system',
    before: payload(e.before),
    after: payload(e.after),
  }));
}

async function messagesOf(db: Db) {
  const name = await namesOf(db);
  const rows = await db
    .selectFrom('case_messages as m')
    .innerJoin('cases as c', 'c.id', 'm.case_id')
    .select(['c.number', 'm.kind', 'm.channel', 'm.author_user_id', 'm.author_customer_id', 'm.body_text', 'm.created_at'])
    .orderBy('c.number')
    .orderBy('m.created_at')
    .orderBy('m.seq')
    .execute();
  return rows.map((m) => ({ ...m, author_user_id: name(m.author_user_id), author_customer_id: name(m.author_customer_id) }));
}

async function targetsOf(db: Db) {
  const name = await namesOf(db);
  const rows = await db
    .selectFrom('case_sla_targets as t')
    .innerJoin('cases as c', 'c.id', 't.case_id')
    .select(['c.number', 't.target', 't.policy_id', 't.state', 't.cycle_started_at', 't.due_at', 't.achieved_at', 't.target_minutes'])
    .select(['t.business_hours', 't.remaining_minutes', 't.next_alert_at'])
    .orderBy('c.number')
    .orderBy('t.target')
    .execute();
  return rows.map((t) => ({
    number: t.number,
    target: t.target,
    policy: name(t.policy_id),
    state: t.state,
    cycleStarted: iso(t.cycle_started_at),
    due: iso(t.due_at),
    achieved: iso(t.achieved_at),
    targetMinutes: t.target_minutes,
    businessHours: t.business_hours,
    // Counted minutes matter once met (they are the figure); a running clock's are "as of its last look".
    remaining: t.state.startsWith('achieved') ? Math.round(t.remaining_minutes * 1e6) / 1e6 : null,
  }));
}

async function requestsOf(db: Db) {
  const name = await namesOf(db);
  const rows = await db
    .selectFrom('department_requests as r')
    .innerJoin('cases as c', 'c.id', 'r.case_id')
    .selectAll('r')
    .select('c.number as case_number')
    .orderBy('r.number')
    .execute();
  return rows.map((r) => ({
    number: r.number,
    case: r.case_number,
    department: name(r.department_id),
    type: r.request_type,
    question: r.question,
    status: r.status,
    assignee: name(r.assignee_id),
    requestedBy: name(r.requested_by_id),
    created: iso(r.created_at),
    due: iso(r.due_at),
    remind: iso(r.remind_at),
    completed: iso(r.completed_at),
    answer: r.answer,
    reminded: r.reminded_at !== null,
    escalated: r.escalated_at !== null,
    version: r.version,
  }));
}

async function rowsOf(db: Db, query: ReturnType<typeof sql>) {
  const name = await namesOf(db);
  const { rows } = await query.execute(db);
  return (rows as Record<string, unknown>[]).map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k.endsWith('_id') ? name(v as string | null) : v])),
  );
}

const sorted = <T>(xs: T[]) => xs.map((x) => JSON.stringify(x)).sort();

async function figures(db: Db) {
  const ctx = { db, config, clock: createManualClock(end) };
  const name = await namesOf(db);
  const groupings: GroupBy[] = ['total', 'day', 'hour_of_day', 'team', 'agent', 'priority', 'channel', 'category'];
  const out: Record<string, unknown> = {};
  const q = { from: new Date(end.getTime() - 11 * 86_400_000).toISOString(), to: end.toISOString() };
  for (const m of metrics)
    for (const groupBy of groupings) {
      if (m.id === 'backlog' && groupBy === 'hour_of_day') continue;
      const r = await computeMetric(ctx, m.id, { ...q, groupBy }, systemActor);
      const named = ['team', 'agent', 'category'].includes(groupBy);
      out[`${m.id}/${groupBy}`] = sorted(
        r.rows.map((row) => ({ ...row, group: named && row.group !== 'none' ? name(row.group) : row.group })),
      );
    }
  return out;
}

describe('the bulk demo equals the demo played through the services', () => {
  let services: TestDatabase;
  let bulk: TestDatabase;
  let played: DemoResult;
  let replayed: DemoResult;

  beforeAll(async () => {
    services = await createTestDatabase();
    bulk = await createTestDatabase();
    played = await generateDemo({ db: services.db, config }, options);
    replayed = await generateDemo({ db: bulk.db, config }, { ...options, bulk: true });
  }, 600_000);

  afterAll(async () => {
    await services?.drop();
    await bulk?.drop();
  });

  test('the same counts: cases by status, requests, reopens, escalations, SLA targets and outcomes', async () => {
    expect(played.stats.skipped).toBe(0);
    expect(replayed.stats.skipped).toBe(0);
    // The services leave rollup rows a case's facts moved out of at zero; the bulk path never writes them.
    const { rollupRows, ...summary } = played.summary;
    expect({ ...replayed.summary, rollupRows: undefined }).toEqual({ ...summary, rollupRows: undefined });
    const live = await sql<{ n: number }>`select count(*)::int as n from metric_rollups where count <> 0 or abs(sum) > 1e-9`.execute(
      services.db,
    );
    expect(replayed.summary.rollupRows).toBe(live.rows[0]!.n);
    expect(rollupRows).toBeGreaterThanOrEqual(live.rows[0]!.n);
    expect(replayed.stats.cases).toBe(played.stats.cases);
    expect(replayed.stats.steps).toBe(played.stats.steps);
    expect(replayed.stats.autoClosed).toBe(played.stats.autoClosed);
    expect(replayed.stats.alertsRaised).toBe(played.stats.alertsRaised);
    // A history worth comparing: each rule the replay mirrors comes up at least once.
    const s = played.summary;
    expect(s.cases).toBeGreaterThan(200);
    expect(s.byStatus.closed).toBeGreaterThan(0);
    expect(s.reopened).toBeGreaterThan(0);
    expect(s.lateDepartmentRequests).toBeGreaterThan(0);
    expect(s.escalated).toBeGreaterThan(0);
    expect(s.firstRepliesMissed).toBeGreaterThan(0);
    expect(replayed.bulk).toBe(true);
  });

  test('the same cases, field by field', async () => {
    const a = await casesOf(services.db);
    expect(await casesOf(bulk.db)).toEqual(a);
    // Last changed: the same instant, or later in the services by the scan's latency when the last
    // change was an alert's escalation rule.
    const updated = async (db: Db) =>
      (await db.selectFrom('cases').select(['number', 'updated_at']).orderBy('number').execute()).map((c) => c.updated_at.getTime());
    const [played, replayed] = [await updated(services.db), await updated(bulk.db)];
    expect(replayed).toHaveLength(played.length);
    const lags = played.map((at, i) => at - replayed[i]!);
    expect(Math.min(...lags)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...lags)).toBeLessThanOrEqual(config.slaScanSeconds * 1000 * 2);
    expect(lags.filter((l) => l === 0).length).toBeGreaterThan(lags.length * 0.9);
    expect(a.some((c) => c.tags.includes('vip-breach') || c.tags.includes('urgent-overdue'))).toBe(true);
  });

  test('the same customers, identities and first contacts', async () => {
    const q = sql`select c.name, c.tier, c.organisation_id, c.created_at,
        (select string_agg(i.kind || ':' || i.value, ',' order by i.kind, i.value) from customer_identities i where i.customer_id = c.id) as identities,
        (select count(*)::int from customer_events e where e.customer_id = c.id) as events
      from customers c order by c.created_at, 5`;
    expect(await rowsOf(bulk.db, q)).toEqual(await rowsOf(services.db, q));
  });

  test('the same messages per case, in order', async () => {
    expect(await messagesOf(bulk.db)).toEqual(await messagesOf(services.db));
  });

  test('the same events per case: every change in order, alerts of the same kinds within the scan latency', async () => {
    const a = await eventsOf(services.db);
    const b = await eventsOf(bulk.db);
    const exact = (xs: typeof a) =>
      xs.filter((e) => !alertKinds.has(e.kind) && !(e.actor === 'system' && /^(priority|tags)_changed$|^escalated$/.test(e.kind)));
    expect(exact(b)).toEqual(exact(a));
    const timed = (xs: typeof a) => xs.filter((e) => !exact(xs).includes(e));
    const ta = timed(a);
    const tb = timed(b);
    // A warning's due instant is as the clock saw it when the warning was raised (a later pause moves
    // it), and the minutes left are as of the raise: the bulk path writes the final due and the exact
    // remainder. Which alerts, of which cycle, and whatever else they say must agree.
    const unTimed = (xs: typeof a) =>
      sorted(
        xs.map(({ at: _at, after, ...e }) => {
          const { remainingMinutes: _r, dueAt, ...rest } = JSON.parse(after) as Record<string, unknown>;
          return { ...e, after: { ...rest, dueAt: e.kind === 'sla_warning' ? null : dueAt } };
        }),
      );
    expect(unTimed(tb)).toEqual(unTimed(ta));
    // The bulk path stamps the instant an alert fell due; the scan found it then or, busy, a little later.
    const key = (e: (typeof a)[number]) => {
      const { target, alert, cycleStartedAt, reason } = JSON.parse(e.after) as Record<string, unknown>;
      return JSON.stringify([e.number, e.kind, target, alert, cycleStartedAt, reason]);
    };
    const playedAt = new Map(ta.map((e) => [key(e), Date.parse(e.at)]));
    for (const e of tb) {
      const lag = (playedAt.get(key(e)) ?? NaN) - Date.parse(e.at);
      if (!alertKinds.has(e.kind)) continue;
      expect(lag).toBeGreaterThanOrEqual(0);
      expect(lag).toBeLessThanOrEqual(config.slaScanSeconds * 1000 * 2);
    }
  });

  test('the same SLA targets and alerts', async () => {
    expect(await targetsOf(bulk.db)).toEqual(await targetsOf(services.db));
    const q = sql`select c.number, a.target, a.cycle_started_at, a.alert, a.due_at from sla_alerts a join cases c on c.id = a.case_id
      order by 1, 2, 3, 4`;
    const alerts = (rows: Record<string, unknown>[]) => rows.map((r) => ({ ...r, due_at: r.alert === 'breach' ? r.due_at : null }));
    expect(alerts(await rowsOf(bulk.db, q))).toEqual(alerts(await rowsOf(services.db, q)));
  });

  test('the same department requests and their events', async () => {
    expect(await requestsOf(bulk.db)).toEqual(await requestsOf(services.db));
    const q = sql`select r.number, e.kind, e.actor_user_id, e.body from department_request_events e
      join department_requests r on r.id = e.request_id order by r.number, e.id`;
    expect(await rowsOf(bulk.db, q)).toEqual(await rowsOf(services.db, q));
  });

  test('the same notifications, user by user', async () => {
    const q = sql`select u.email, n.kind, n.title from notifications n join users u on u.id = n.user_id`;
    const a = sorted(await rowsOf(services.db, q));
    expect(a.length).toBeGreaterThan(0);
    expect(sorted(await rowsOf(bulk.db, q))).toEqual(a);
  });

  test('the same search documents', async () => {
    const q = sql`select number, search::text as search from cases order by number`;
    expect(await rowsOf(bulk.db, q)).toEqual(await rowsOf(services.db, q));
  });

  test('the same report rollups, equal to a rebuild from scratch, and the same figure for every metric and grouping', async () => {
    const q = sql`select metric, bucket, team_id, assignee_id, channel, category_id, priority, type, count::int, round(sum::numeric, 6)::float8 as sum
      from metric_rollups where count <> 0 or abs(sum) > 1e-9 order by 1, 2, 3, 4, 5, 6, 7, 8`;
    const kept = await rowsOf(services.db, q);
    expect(sorted(await rowsOf(bulk.db, q))).toEqual(sorted(kept));
    const facts = sql`select c.number, f.facts from case_metric_facts f join cases c on c.id = f.case_id order by 1`;
    const factRows = async (db: Db) => (await rowsOf(db, facts)).map((r) => ({ ...r, facts: sorted(r.facts as object[]).length }));
    expect(await factRows(bulk.db)).toEqual(await factRows(services.db));
    expect(await figures(bulk.db)).toEqual(await figures(services.db));
    await rebuildRollups({ db: bulk.db, config, clock: createManualClock(end) });
    expect(sorted(await rowsOf(bulk.db, q))).toEqual(sorted(kept));
  });

  test('nothing is left for the live scan to raise at the end of the history', async () => {
    const ctx = { db: bulk.db, config, clock: createManualClock(end) };
    const scan = await scanSla(ctx, { batch: 1000 });
    expect(scan.alertsRaised).toBe(0);
    expect((await sql<{ n: number }>`select count(*)::int as n from sla_refresh_queue`.execute(bulk.db)).rows[0]!.n).toBe(0);
  });
});
