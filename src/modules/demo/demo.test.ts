// A small demo on a fresh database: the operation's shape (staff, teams, departments, categories,
// policies), a history of cases with events, some solved, some with department requests, SLA
// targets stored, report rollups equal to a rebuild from scratch; the same again for the same seed
// on another fresh database; refused on a database that already has cases; flags checked.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createManualClock } from '../../lib/clock.js';
import { createTestDatabase, testConfig, type TestDatabase } from '../../../test/helpers.js';
import { rebuildRollups } from '../reports/metric-facts.js';
import { verifyPassword } from '../auth/passwords.js';
import { formatDemoReport, formatProgress, progressPrinter } from './demo-report.js';
import { generateDemo, parseDemoSettings, type DemoResult } from './demo.js';

const config = testConfig({ timeZone: 'Europe/London' });
// Wednesday 4 March 2026, mid-afternoon: three days back reaches into the weekend.
const end = new Date('2026-03-04T15:00:00Z');
const options = { days: 3, cases: 60, seed: 7, password: 'demo-password-1', end };

type Snapshot = { cases: unknown[]; events: unknown[]; requests: unknown[]; alerts: number };

async function snapshot(db: TestDatabase['db']): Promise<Snapshot> {
  const cases = await db
    .selectFrom('cases')
    .select(['number', 'subject', 'status', 'priority', 'channel', 'created_at', 'updated_at', 'solved_at', 'first_public_reply_at'])
    .orderBy('number')
    .execute();
  const events = await db
    .selectFrom('case_events as e')
    .innerJoin('cases as c', 'c.id', 'e.case_id')
    .select(['c.number', 'e.kind', 'e.at'])
    .orderBy('c.number')
    .orderBy('e.at')
    .orderBy('e.kind')
    .execute();
  const requests = await db
    .selectFrom('department_requests')
    .select(['number', 'status', 'created_at', 'due_at', 'completed_at'])
    .orderBy('number')
    .execute();
  const alerts = await db
    .selectFrom('sla_alerts')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return { cases, events, requests, alerts: Number(alerts.n) };
}

async function rollups(db: TestDatabase['db']) {
  const { rows } = await sql<{ key: string; count: string; sum: number }>`
    select concat_ws('|', metric, bucket, team_id, assignee_id, channel, category_id, priority, type) as key, count, sum
    from metric_rollups where count <> 0 or abs(sum) > 1e-9 order by 1`.execute(db);
  return rows.map((r) => ({ key: r.key, count: Number(r.count), sum: Math.round(r.sum * 1e6) / 1e6 }));
}

describe('a small demo', () => {
  let first: TestDatabase;
  let result: DemoResult;
  let progress: string[];

  beforeAll(async () => {
    first = await createTestDatabase();
    progress = [];
    result = await generateDemo(
      { db: first.db, config },
      { ...options, onProgress: (p) => progress.push(`${p.phase} ${p.fraction.toFixed(2)}`) },
    );
  }, 300_000);

  afterAll(async () => {
    await first?.drop();
  });

  test('builds the operation: staff, teams with leaders, departments with OLAs, categories, policies, clients', async () => {
    const count = async (table: 'users' | 'teams' | 'departments' | 'categories' | 'sla_policies' | 'organisations' | 'department_olas') =>
      Number(
        (
          await first.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await count('users')).toBe(62);
    expect(await count('teams')).toBe(5);
    expect(await count('departments')).toBe(4);
    expect(await count('categories')).toBe(21);
    expect(await count('sla_policies')).toBe(4);
    expect(await count('organisations')).toBe(12);
    expect(await count('department_olas')).toBe(11);
    const roles = await first.db
      .selectFrom('users')
      .select(['role', (eb) => eb.fn.countAll<string>().as('n')])
      .groupBy('role')
      .execute();
    expect(Object.fromEntries(roles.map((r) => [r.role, Number(r.n)]))).toEqual({
      admin: 1,
      manager: 1,
      qa_analyst: 1,
      wfm_planner: 1,
      executive: 1,
      team_leader: 5,
      agent: 40,
      back_office: 12,
    });
    const leaders = await first.db.selectFrom('team_members').select('team_id').where('membership', '=', 'leader').execute();
    expect(new Set(leaders.map((l) => l.team_id)).size).toBe(5);
    const manager = await first.db
      .selectFrom('users')
      .select('password_hash')
      .where('email', '=', 'manager@demo.test')
      .executeTakeFirstOrThrow();
    expect(await verifyPassword(manager.password_hash, 'demo-password-1')).toBe(true);
    const tiers = await first.db.selectFrom('customers').select('tier').distinct().execute();
    expect(tiers.map((t) => t.tier).sort()).toEqual(['priority', 'standard', 'vip']);
  });

  test('plays a history through the services: events, solved and open cases, department requests', async () => {
    const s = result.summary;
    expect(result.stats.skipped).toBe(0);
    expect(s.cases).toBe(result.stats.cases);
    expect(s.cases).toBeGreaterThan(35);
    expect(s.cases).toBeLessThan(90);
    expect((s.byStatus.solved ?? 0) + (s.byStatus.closed ?? 0)).toBeGreaterThan(0);
    expect((s.byStatus.new ?? 0) + (s.byStatus.open ?? 0) + (s.byStatus.pending ?? 0)).toBeGreaterThan(0);
    expect(s.departmentRequests).toBeGreaterThan(0);
    const created = await first.db.selectFrom('case_events').select('case_id').where('kind', '=', 'created').execute();
    expect(created).toHaveLength(s.cases);
    // Every case lies in the history, and nothing happened after its end.
    const span = await sql<{ first: Date; last: Date; latest: Date }>`
      select min(created_at) as first, max(created_at) as last, (select max(at) from case_events) as latest from cases`.execute(first.db);
    expect(span.rows[0]!.first.getTime()).toBeGreaterThanOrEqual(end.getTime() - 3 * 86_400_000);
    expect(span.rows[0]!.latest.getTime()).toBeLessThanOrEqual(end.getTime());
    // Replies were written by agents, customers' messages by customers.
    const authors = await sql<{ kind: string; users: number; customers: number }>`
      select kind, count(author_user_id)::int as users, count(author_customer_id)::int as customers from case_messages group by kind`.execute(
      first.db,
    );
    const byKind = Object.fromEntries(authors.rows.map((r) => [r.kind, r]));
    expect(byKind.reply!.users).toBeGreaterThan(0);
    expect(byKind.reply!.customers).toBe(0);
    expect(byKind.customer!.users).toBe(0);
    expect(progress[0]).toBe('setup 0.00');
    expect(progress.at(-1)).toBe('history 1.00');
  });

  test('stores SLA targets, and the rollups kept on every change equal a rebuild from scratch', async () => {
    expect(result.summary.slaTargets).toBeGreaterThan(result.summary.cases);
    expect(result.summary.firstRepliesMet).toBeGreaterThan(0);
    const kept = await rollups(first.db);
    expect(kept.length).toBeGreaterThan(0);
    const created = kept.filter((r) => r.key.startsWith('created|')).reduce((a, r) => a + r.count, 0);
    expect(created).toBe(result.summary.cases);
    await rebuildRollups({ db: first.db, config, clock: createManualClock(end) });
    expect(await rollups(first.db)).toEqual(kept);
  });

  test('the same seed on another fresh database gives the same history', async () => {
    const second = await createTestDatabase();
    try {
      const again = await generateDemo({ db: second.db, config }, { ...options, password: 'another-password' });
      expect(again.summary).toEqual(result.summary);
      const a = await snapshot(first.db);
      const b = await snapshot(second.db);
      expect(b.cases).toEqual(a.cases);
      expect(b.events).toEqual(a.events);
      expect(b.requests).toEqual(a.requests);
      expect(b.alerts).toBe(a.alerts);
    } finally {
      await second.drop();
    }
  }, 300_000);

  test('refuses a database that already has cases', async () => {
    await expect(generateDemo({ db: first.db, config }, options)).rejects.toThrow(/already has cases/);
  });

  test('the report names the sign-in and the rate', () => {
    const lines = formatDemoReport(result, 'demo-password-1').join('\n');
    expect(lines).toContain('manager@demo.test');
    expect(lines).toContain('admin@demo.test');
    expect(lines).toContain('password: demo-password-1');
    expect(lines).toMatch(/\d+\.\d cases\/s/);
  });
});

describe('settings and progress', () => {
  test('flags are whole numbers within bounds, with defaults', () => {
    expect(parseDemoSettings({})).toEqual({ days: 180, cases: undefined, seed: 1, end: undefined });
    expect(parseDemoSettings({ days: '3', cases: '60', seed: '0', end: '2026-03-04T15:00:00Z' }, end)).toEqual({
      days: 3,
      cases: 60,
      seed: 0,
      end,
    });
    expect(parseDemoSettings({ end: '2026-03-04T16:00+01:00' }, end).end).toEqual(end);
    expect(() => parseDemoSettings({ end: '2026-03-04T15:00:01Z' }, end)).toThrow(/--end must be an instant .* up to now/);
    expect(() => parseDemoSettings({ end: '2026-03-04' }, end)).toThrow(/--end/);
    expect(() => parseDemoSettings({ end: '2026-02-30T10:00:00Z' }, end)).toThrow(/--end/);
    expect(() => parseDemoSettings({ end: '1999-12-31T10:00:00Z' }, end)).toThrow(/--end/);
    expect(() => parseDemoSettings({ days: '0' })).toThrow('--days must be a whole number from 1 to 730 (got "0")');
    expect(() => parseDemoSettings({ days: '1.5' })).toThrow(/--days/);
    expect(() => parseDemoSettings({ days: '731' })).toThrow(/--days/);
    expect(() => parseDemoSettings({ cases: 'many' })).toThrow(/--cases must be a whole number from 1 to 1000000/);
    expect(() => parseDemoSettings({ cases: '-5' })).toThrow(/--cases/);
    expect(() => parseDemoSettings({ seed: '4294967296' })).toThrow(/--seed/);
    expect(() => parseDemoSettings({ seed: '' })).toThrow(/--seed/);
  });

  test('the progress bar fills with the simulated time; off a terminal it prints a line a tenth', () => {
    const p = { phase: 'history' as const, fraction: 0.5, cases: 120, simulatedAt: new Date('2026-03-02T10:00:00Z') };
    expect(formatProgress(p, 10, 10)).toBe('[#####.....]  50% 2026-03-02 · 120 cases · 12.0 cases/s');
    const written: string[] = [];
    let t = 0;
    const printer = progressPrinter({ isTTY: false, write: (s) => written.push(s) }, () => (t += 100));
    printer.update({ ...p, phase: 'setup', fraction: 0 });
    for (let i = 0; i <= 100; i++) printer.update({ ...p, fraction: i / 100 });
    printer.done();
    expect(written).toHaveLength(1 + 11);
    expect(written.at(-1)).toMatch(/^\[#+\] 100%/);
  });
});
