// `frontline demo`: a realistic operation with months of history in an empty database, the same
// for the same seed. The operation is built and its history played through the real services on
// a manual clock (operation.ts, simulation.ts), so everything derived — events, SLA targets and
// alerts, department turnaround, report rollups — is what real use would have produced. With
// `bulk` the same history is replayed in memory and stored in batches (demo-bulk.ts): the same
// cases, events and figures (demo-bulk.test.ts), thousands of cases a second.
import { sql, type RawBuilder } from 'kysely';
import { performance } from 'node:perf_hooks';
import type { Config } from '../../config.js';
import type { Db } from '../../db/open.js';
import { createManualClock } from '../../lib/clock.js';
import { AppError } from '../../lib/errors.js';
import { intensitySlots, sampleArrivals } from './arrivals.js';
import { namedAccounts } from './catalogue.js';
import { buildOperation } from './operation.js';
import { customerPool } from './people.js';
import { deriveRng } from './random.js';
import { bulkHistory } from './demo-bulk.js';
import { simulate, type SimulationProgress, type SimulationStats } from './simulation.js';

const DAY = 86_400_000;

export const demoDefaults = { days: 180, casesPerDay: 120, seed: 1 } as const;
export const demoLimits = { maxDays: 730, maxCases: 1_000_000, maxSeed: 2 ** 32 - 1 } as const;

/** What the command line chooses; `end` undefined means now. */
export type DemoSettings = { days: number; cases: number | undefined; seed: number; end: Date | undefined };

/** A whole number within bounds, from a flag's text or a number; the error names the flag. */
export function wholeNumber(value: unknown, flag: string, min: number, max: number): number {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max)
    throw new AppError('validation_failed', `${flag} must be a whole number from ${min} to ${max} (got "${String(value)}")`, {
      field: flag,
    });
  return Number(text);
}

/** "YYYY-MM-DD" names a day that exists (Date would roll 30 February over into March). */
function realDate(ymd: string): boolean {
  const [y, m, d] = ymd.split('-').map(Number) as [number, number, number];
  const probe = new Date(Date.UTC(y, m - 1, d));
  return probe.getUTCMonth() === m - 1 && probe.getUTCDate() === d;
}

const isoInstant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * An instant written in full ISO 8601 with its offset, not after `now`: the history is the past.
 * Pinning it (with the seed) reproduces a run to the millisecond; "now" moves every run's hours.
 */
export function pastInstant(value: unknown, flag: string, now: Date): Date {
  const text = typeof value === 'string' ? value.trim() : '';
  const at = isoInstant.test(text) && realDate(text.slice(0, 10)) ? new Date(text) : null;
  if (!at || Number.isNaN(at.getTime()) || at.getTime() > now.getTime() || at.getUTCFullYear() < 2000)
    throw new AppError(
      'validation_failed',
      `${flag} must be an instant such as 2026-03-04T15:00:00Z, from the year 2000 up to now (got "${String(value)}")`,
      { field: flag },
    );
  return at;
}

/** Checks `--days`, `--cases`, `--seed` and `--end` as given on the command line. */
export function parseDemoSettings(
  raw: { days?: unknown; cases?: unknown; seed?: unknown; end?: unknown },
  now: Date = new Date(),
): DemoSettings {
  return {
    days: raw.days === undefined ? demoDefaults.days : wholeNumber(raw.days, '--days', 1, demoLimits.maxDays),
    cases: raw.cases === undefined ? undefined : wholeNumber(raw.cases, '--cases', 1, demoLimits.maxCases),
    seed: raw.seed === undefined ? demoDefaults.seed : wholeNumber(raw.seed, '--seed', 0, demoLimits.maxSeed),
    end: raw.end === undefined ? undefined : pastInstant(raw.end, '--end', now),
  };
}

export type DemoProgress = { phase: 'setup' | 'history'; fraction: number; cases: number; simulatedAt: Date | null };

export type DemoOptions = Omit<DemoSettings, 'end'> & {
  /** Every demo account signs in with this password. */
  password: string;
  /** The history ends here: now, or a pinned instant so that two runs compare. */
  end: Date;
  /** Replay the history in memory and store it in batches instead of playing it through the services. */
  bulk?: boolean | undefined;
  onProgress?: ((p: DemoProgress) => void) | undefined;
};

export type DemoSummary = {
  users: number;
  teams: number;
  departments: number;
  customers: number;
  cases: number;
  byStatus: Record<string, number>;
  withDepartmentRequests: number;
  departmentRequests: number;
  lateDepartmentRequests: number;
  reopened: number;
  escalated: number;
  slaTargets: number;
  firstRepliesMet: number;
  firstRepliesMissed: number;
  rollupRows: number;
};

export type DemoResult = {
  from: Date;
  to: Date;
  expectedCases: number;
  accounts: { email: string; role: string }[];
  stats: SimulationStats;
  summary: DemoSummary;
  setupSeconds: number;
  historySeconds: number;
  /** Cases generated per second of the history phase. */
  casesPerSecond: number;
  bulk: boolean;
};

export async function databaseHasCases(db: Db): Promise<boolean> {
  return (await db.selectFrom('cases').select('id').limit(1).executeTakeFirst()) !== undefined;
}

/** The demo fills an empty operation; it never mixes its people and history into real data. */
export async function assertReadyForDemo(db: Db): Promise<void> {
  if (await databaseHasCases(db))
    throw new AppError(
      'conflict',
      'the database already has cases; the demo needs one without (use a new --data-dir or an empty DATABASE_URL)',
    );
  const demoUser = await db.selectFrom('users').select('email').where('email', 'like', '%@demo.test').executeTakeFirst();
  if (demoUser) throw new AppError('conflict', `the database already has demo users (${demoUser.email}); use a new --data-dir`);
}

function yearsBetween(from: number, to: number): number[] {
  const years: number[] = [];
  for (let y = new Date(from).getUTCFullYear(); y <= new Date(to).getUTCFullYear() + 1; y++) years.push(y);
  return years;
}

async function count(db: Db, query: RawBuilder<{ n: string }>): Promise<number> {
  return Number((await query.execute(db)).rows[0]?.n ?? 0);
}

/** What the demo holds, as of `at` (a request still open past its due instant then counts as late). */
export async function summarise(db: Db, at: Date): Promise<DemoSummary> {
  const statuses = await db
    .selectFrom('cases')
    .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy('status')
    .orderBy('status')
    .execute();
  const byStatus = Object.fromEntries(statuses.map((s) => [s.status, Number(s.n)]));
  return {
    users: await count(db, sql`select count(*) as n from users`),
    teams: await count(db, sql`select count(*) as n from teams`),
    departments: await count(db, sql`select count(*) as n from departments`),
    customers: await count(db, sql`select count(*) as n from customers`),
    cases: Object.values(byStatus).reduce((a, b) => a + b, 0),
    byStatus,
    withDepartmentRequests: await count(db, sql`select count(distinct case_id) as n from department_requests`),
    departmentRequests: await count(db, sql`select count(*) as n from department_requests`),
    lateDepartmentRequests: await count(
      db,
      sql`select count(*) as n from department_requests where coalesce(completed_at, ${at}) > due_at and status <> 'cancelled'`,
    ),
    reopened: await count(db, sql`select count(*) as n from cases where reopen_count > 0`),
    escalated: await count(db, sql`select count(*) as n from cases where escalated_at is not null`),
    slaTargets: await count(db, sql`select count(*) as n from case_sla_targets`),
    firstRepliesMet: await count(db, sql`select count(*) as n from case_sla_targets where target = 'firstReply' and state = 'achieved'`),
    firstRepliesMissed: await count(
      db,
      sql`select count(*) as n from case_sla_targets where target = 'firstReply' and state in ('breached', 'achieved_late')`,
    ),
    rollupRows: await count(db, sql`select count(*) as n from metric_rollups`),
  };
}

export async function generateDemo(database: { db: Db; config: Config }, options: DemoOptions): Promise<DemoResult> {
  const end = options.end.getTime();
  const start = end - options.days * DAY;
  const expectedCases = options.cases ?? options.days * demoDefaults.casesPerDay;
  await assertReadyForDemo(database.db);
  // The operation exists a day before its first customer writes.
  const clock = createManualClock(new Date(start - DAY));
  const ctx = { db: database.db, config: database.config, clock };

  const setupStarted = performance.now();
  options.onProgress?.({ phase: 'setup', fraction: 0, cases: 0, simulatedAt: null });
  const operation = await buildOperation(ctx, {
    seed: options.seed,
    password: options.password,
    timeZone: database.config.timeZone,
    customers: customerPool(options.seed, expectedCases),
    years: yearsBetween(start - DAY, end),
  });
  const setupSeconds = (performance.now() - setupStarted) / 1000;

  const arrivals = sampleArrivals(deriveRng(options.seed, 'arrivals'), intensitySlots(start, end, database.config.timeZone), expectedCases);
  const historyStarted = performance.now();
  const history = {
    ctx,
    operation,
    arrivals,
    start,
    end,
    onProgress: (p: SimulationProgress) => options.onProgress?.({ phase: 'history', ...p }),
  };
  const stats = options.bulk ? await bulkHistory(history) : await simulate(history);
  const historySeconds = (performance.now() - historyStarted) / 1000;
  return {
    from: new Date(start),
    to: new Date(end),
    expectedCases,
    accounts: namedAccounts.map((a) => ({ email: a.email, role: a.role })),
    stats,
    summary: await summarise(database.db, options.end),
    setupSeconds,
    historySeconds,
    casesPerSecond: historySeconds > 0 ? stats.cases / historySeconds : 0,
    bulk: options.bulk === true,
  };
}
