// Dashboards on a large demo operation (issue #7): each dashboard page's full set of API calls,
// made in parallel as the browser makes them, timed cold (the first load after the server
// starts) and warm (p50/p99 over repeated loads); what keeping the report rollups costs per case
// update; and how fast the demo is generated, in bulk (the dataset) and through the services.
// The operation is `frontline demo --bulk` (1,000,000 cases on PostgreSQL in a full run), kept
// in its own database and reused while its marker says the same size and generator.
import fs from 'node:fs';
import path from 'node:path';
import { sql, type Transaction } from 'kysely';
import { loadConfig, type Config } from '../src/config.js';
import { migrate } from '../src/db/migrate.js';
import { openDatabase, type Database } from '../src/db/open.js';
import type { DB } from '../src/db/schema.js';
import type { ServiceContext } from '../src/lib/context.js';
import { systemActor } from '../src/modules/auth/permissions.js';
import { updateCaseTx } from '../src/modules/cases/cases.service.js';
import { generateDemo, type DemoResult } from '../src/modules/demo/demo.js';
import { refreshCaseMetrics } from '../src/modules/reports/metric-facts.js';
import { insertToken } from '../src/modules/tokens/tokens.service.js';
import { createDatabase, createScratchDatabase, databaseExists, dropDatabase, withDatabaseName } from './databases.js';
import { createTarget, percentile, round1, send, type Target } from './load.js';
import { startBenchServer } from './server.js';

/** Bumped when the demo generator changes what it writes: a kept database is then rebuilt. */
const generatorVersion = 2;
const demoSeed = 1;
const demoDays = 180;

export type DashboardsSetup = { token: string; end: string; timeZone: string };

type Location = { kind: 'postgres'; url: string; name: string } | { kind: 'embedded'; dataDir: string };

function locationOf(kind: 'embedded' | 'postgres', cases: number, serverUrl?: string): Location {
  const label = cases >= 1_000_000 ? `${cases / 1_000_000}m` : `${cases / 1000}k`;
  if (kind === 'embedded') return { kind, dataDir: path.resolve('bench/data', `embedded-demo-${label}`) };
  if (!serverUrl) throw new Error('DATABASE_URL is not set');
  const name = `frontline_bench_demo_${label}`;
  return { kind, url: withDatabaseName(serverUrl, name), name };
}

const configOf = (loc: Location): Config => loadConfig(loc.kind === 'postgres' ? { databaseUrl: loc.url } : { dataDir: loc.dataDir }, {});

async function open(loc: Location): Promise<Database> {
  const database =
    loc.kind === 'postgres'
      ? await openDatabase({ databaseUrl: loc.url, poolSize: 2 })
      : await openDatabase({ dataDir: loc.dataDir, purpose: 'bench demo' });
  await migrate(database.db);
  return database;
}

type Marker = { cases: number; generator: number; end: Date; seconds: number; rate: number; made: number };

async function readMarker(database: Database): Promise<Marker | null> {
  const { rows } = await sql<Marker>`select cases, generator, end_at as "end", seconds, rate, made from bench_demo
    where to_regclass('bench_demo') is not null`
    .execute(database.db)
    .catch(() => ({ rows: [] as Marker[] }));
  return rows[0] ?? null;
}

async function reset(loc: Location): Promise<void> {
  if (loc.kind === 'embedded') return fs.rmSync(loc.dataDir, { recursive: true, force: true });
  const server = withDatabaseName(loc.url, 'postgres');
  await dropDatabase(server, loc.name);
  await createDatabase(server, loc.name);
}

/** The kept demo database: reused when its marker matches, otherwise built by the bulk path. */
async function ensureDemo(loc: Location, cases: number, log: (line: string) => void) {
  if (loc.kind === 'postgres' && !(await databaseExists(withDatabaseName(loc.url, 'postgres'), loc.name)))
    await createDatabase(withDatabaseName(loc.url, 'postgres'), loc.name);
  let database = await open(loc);
  try {
    const marker = await readMarker(database);
    if (marker && marker.cases === cases && marker.generator === generatorVersion) return { reused: true, ...marker };
    await database.close();
    await reset(loc);
    database = await open(loc);
    const end = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    log(`building the demo (${cases} cases over ${demoDays} days, --bulk) in ${loc.kind === 'postgres' ? loc.name : loc.dataDir}`);
    let lastTenth = -1;
    const result = await generateDemo(
      { db: database.db, config: configOf(loc) },
      {
        days: demoDays,
        cases,
        seed: demoSeed,
        end,
        password: 'bench-demo-password',
        bulk: true,
        onProgress: (p) => {
          const tenth = Math.floor(p.fraction * 10);
          if (p.phase === 'history' && tenth !== lastTenth) log(`demo: ${tenth * 10}% (${p.cases} cases)`);
          lastTenth = tenth;
        },
      },
    );
    const seconds = result.setupSeconds + result.historySeconds;
    await sql`create table bench_demo (cases int, generator int, end_at timestamptz, seconds float8, rate float8, made int)`.execute(
      database.db,
    );
    await sql`insert into bench_demo values (${cases}, ${generatorVersion}, ${end}, ${seconds}, ${result.casesPerSecond}, ${result.stats.cases})`.execute(
      database.db,
    );
    log(`demo built: ${result.stats.cases} cases in ${round1(seconds)} s (${round1(result.casesPerSecond)} cases/s in the history phase)`);
    return { reused: false, cases, generator: generatorVersion, end, seconds, rate: result.casesPerSecond, made: result.stats.cases };
  } finally {
    await database.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Server side (runs in the child process)

export async function prepareDashboards(ctx: ServiceContext): Promise<DashboardsSetup> {
  const manager = await ctx.db.selectFrom('users').select('id').where('email', '=', 'manager@demo.test').executeTakeFirstOrThrow();
  const token = (
    await ctx.db
      .transaction()
      .execute((trx) => insertToken(trx, { name: 'dashboards bench', userId: manager.id }, systemActor, ctx.clock.now()))
  ).secret;
  const { rows } = await sql<{ end_at: Date }>`select end_at from bench_demo`.execute(ctx.db);
  return { token, end: rows[0]!.end_at.toISOString(), timeZone: ctx.config.timeZone };
}

// ---------------------------------------------------------------------------------------------
// The pages' calls (web/src/pages/dashboards/*.tsx with their default filters: the last 7 days,
// no comparison, no team), at the instant the demo ends, for a manager

const DAY = 86_400_000;
const QUARTER = 15 * 60_000;

function metric(id: string, q: Record<string, string>): string {
  return `/api/reports/metrics/${id}?${new URLSearchParams(q).toString()}`;
}

/** Local midnight (UTC here: the bench server runs in UTC) of the day `at` falls in. */
const dayStart = (at: number) => Math.floor(at / DAY) * DAY;
const isoOf = (ms: number) => new Date(ms).toISOString();

export function dashboardCalls(end: Date): Record<string, string[]> {
  const now = end.getTime();
  const today = { from: isoOf(dayStart(now)), to: isoOf(now) };
  const week = { from: isoOf(dayStart(now) - 6 * DAY), to: isoOf(now) };
  const quarterEnd = Math.ceil(now / QUARTER) * QUARTER;
  const names = ['/api/users', '/api/teams', '/api/categories'];
  const targets = ['firstReply', 'nextReply', 'periodicUpdate', 'resolution'];
  const columns = ['solved', 'first_reply_time', 'resolution_time', 'reopen_rate', 'one_touch_rate', 'replies_per_case'];
  return {
    operations_today: [
      metric('created', { ...today, groupBy: 'total' }),
      metric('solved', { ...today, groupBy: 'total' }),
      metric('backlog', { from: isoOf(quarterEnd - QUARTER), to: isoOf(quarterEnd), groupBy: 'total' }),
      '/api/sla/at-risk?withinMinutes=60&limit=200',
      '/api/cases?assigneeId=none&status=new%2Copen&sort=created_asc&limit=1',
      metric('created', { ...today, groupBy: 'hour' }),
      ...[1, 2, 3, 4].map((w) => {
        const d = dayStart(now) - 7 * w * DAY;
        return metric('created', { from: isoOf(d), to: isoOf(d + DAY), groupBy: 'hour' });
      }),
    ],
    service_standards: [
      ...['total', 'day', 'team', 'category', 'channel', 'hour_of_day'].flatMap((groupBy) =>
        targets.map((target) => metric('sla_attainment', { ...week, groupBy, target })),
      ),
      '/api/sla/at-risk?withinMinutes=60&limit=200',
      '/api/sla/outliers?limit=200',
      ...names,
    ],
    team_performance: [...['total', 'team', 'agent'].flatMap((groupBy) => columns.map((m) => metric(m, { ...week, groupBy }))), ...names],
    back_office: [`/api/reports/departments/turnaround?${new URLSearchParams(week).toString()}`],
  };
}

/** One page load: every call at once, as the browser sends them; the load ends with the last answer. */
async function loadPage(target: Target, token: string, paths: string[]): Promise<{ ms: number; slowest: string }> {
  const started = performance.now();
  const timed = await Promise.all(
    paths.map(async (p) => {
      const t0 = performance.now();
      const answer = await send(target, { method: 'GET', path: p, headers: { authorization: `Bearer ${token}` } });
      if (answer.status !== 200) throw new Error(`GET ${p}: ${answer.status} ${answer.body.slice(0, 200)}`);
      return { p, ms: performance.now() - t0 };
    }),
  );
  const slowest = timed.reduce((a, b) => (b.ms > a.ms ? b : a));
  return { ms: performance.now() - started, slowest: `${slowest.p.split('?')[0]} ${round1(slowest.ms)} ms` };
}

// ---------------------------------------------------------------------------------------------
// Rollup maintenance: the same change with and without its rollup step, rolled back

class RolledBack extends Error {}

/** Runs `fn` in a transaction that is rolled back; the time is what `fn` says, or all of it. */
async function timeRolledBack(db: Database['db'], fn: (trx: Transaction<DB>) => Promise<number | void>): Promise<number> {
  let ms = 0;
  await db
    .transaction()
    .execute(async (trx) => {
      const t0 = performance.now();
      ms = (await fn(trx)) ?? performance.now() - t0;
      throw new RolledBack();
    })
    .catch((e: unknown) => {
      if (!(e instanceof RolledBack)) throw e;
    });
  return ms;
}

/**
 * On open cases of the demo: a priority change through updateCaseTx (events, SLA, report facts:
 * what PATCH /api/cases/:id does inside its transaction) against refreshCaseMetrics alone after
 * the same change written directly, each in a transaction that is rolled back.
 */
async function rollupOverhead(loc: Location, samples: number) {
  const database = await open(loc);
  try {
    const db = database.db;
    const { rows } = await sql<{ id: string; version: number; priority: string }>`
      select id, version, priority from cases where status in ('open', 'pending') order by number desc limit ${samples}`.execute(db);
    const at = new Date();
    const flip = (p: string) => (p === 'high' ? 'normal' : 'high');
    const update: number[] = [];
    const rollup: number[] = [];
    for (const c of rows) {
      update.push(
        await timeRolledBack(db, async (trx) => {
          await updateCaseTx(trx, at, c.id, { version: c.version, priority: flip(c.priority) as 'high' }, systemActor);
        }),
      );
      rollup.push(
        await timeRolledBack(db, async (trx) => {
          await trx
            .updateTable('cases')
            .set({ priority: flip(c.priority) as 'high' })
            .where('id', '=', c.id)
            .execute();
          const t0 = performance.now();
          await refreshCaseMetrics(trx, c.id, at);
          return performance.now() - t0;
        }),
      );
    }
    const p50 = (xs: number[]) => round1(percentile(xs, 50) ?? 0);
    return {
      samples: rows.length,
      updateP50Ms: p50(update),
      updateP99Ms: round1(percentile(update, 99) ?? 0),
      rollupStepP50Ms: p50(rollup),
      rollupStepP99Ms: round1(percentile(rollup, 99) ?? 0),
      shareOfUpdate: p50(update) > 0 ? Math.round((100 * (percentile(rollup, 50) ?? 0)) / (percentile(update, 50) ?? 1)) / 100 : null,
    };
  } finally {
    await database.close();
  }
}

/** The demo through the services at a small size on a scratch database, for the ratio. */
async function serviceRate(kind: 'embedded' | 'postgres', serverUrl: string | undefined, cases: number): Promise<DemoResult> {
  const end = new Date(Math.floor(Date.now() / 60_000) * 60_000);
  const options = { days: 7, cases, seed: demoSeed, end, password: 'bench-demo-password' };
  if (kind === 'postgres') {
    const scratch = await createScratchDatabase(serverUrl!, 'frontline_bench_demo_services');
    const database = await openDatabase({ databaseUrl: scratch.url, poolSize: 2 });
    try {
      await migrate(database.db);
      return await generateDemo({ db: database.db, config: loadConfig({ databaseUrl: scratch.url }, {}) }, options);
    } finally {
      await database.close();
      await scratch.drop();
    }
  }
  const dataDir = fs.mkdtempSync(path.resolve('bench/data', 'demo-services-'));
  const database = await openDatabase({ dataDir, purpose: 'bench demo' });
  try {
    await migrate(database.db);
    return await generateDemo({ db: database.db, config: loadConfig({ dataDir }, {}) }, options);
  } finally {
    await database.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export type DashboardsOptions = {
  database: 'embedded' | 'postgres';
  serverUrl?: string | undefined;
  quick: boolean;
  log: (line: string) => void;
};

export async function benchDashboards(options: DashboardsOptions): Promise<Record<string, unknown>> {
  const cases = options.quick || options.database === 'embedded' ? 20_000 : 1_000_000;
  fs.mkdirSync('bench/data', { recursive: true });
  const loc = locationOf(options.database, cases, options.serverUrl);
  const demo = await ensureDemo(loc, cases, options.log);
  const loads = options.quick ? 10 : 30;
  const server = await startBenchServer<DashboardsSetup>(
    {
      database: loc.kind === 'postgres' ? { kind: 'postgres', url: loc.url } : { kind: 'embedded', dataDir: loc.dataDir },
      bare: false,
      setup: 'dashboards',
      logLevel: 'warn',
    },
    { timeoutMs: 600_000 },
  );
  const dashboards: Record<string, unknown>[] = [];
  try {
    const target = createTarget(server.appPort, 6);
    for (const [name, paths] of Object.entries(dashboardCalls(new Date(server.setup.end)))) {
      const cold = await loadPage(target, server.setup.token, paths);
      const warm: number[] = [];
      let slowest = cold.slowest;
      for (let i = 0; i < loads; i++) {
        const load = await loadPage(target, server.setup.token, paths);
        warm.push(load.ms);
        slowest = load.slowest;
      }
      dashboards.push({
        dashboard: name,
        calls: paths.length,
        coldMs: round1(cold.ms),
        p50Ms: round1(percentile(warm, 50)!),
        p99Ms: round1(percentile(warm, 99)!),
        loads,
        slowestCallLastLoad: slowest,
        targetMs: 500,
      });
      options.log(`dashboards: ${name} cold ${round1(cold.ms)} ms, p50 ${round1(percentile(warm, 50)!)} ms`);
    }
    target.agent.destroy();
  } finally {
    await server.stop();
  }
  options.log('dashboards: rollup maintenance per case update…');
  const rollups = await rollupOverhead(loc, options.quick ? 50 : 200);
  const smallN = options.quick ? 60 : 300;
  options.log(`dashboards: the demo through the services, ${smallN} cases…`);
  const services = await serviceRate(options.database, options.serverUrl, smallN);
  return {
    bench: 'dashboards',
    database: options.database,
    databaseVersion: server.databaseVersion,
    demo: {
      cases: demo.made,
      days: demoDays,
      location: loc.kind === 'postgres' ? loc.name : loc.dataDir,
      reused: demo.reused,
      bulkSeconds: round1(demo.seconds),
      bulkCasesPerSecond: round1(demo.rate),
      servicesCases: services.stats.cases,
      servicesCasesPerSecond: round1(services.casesPerSecond),
      ratioBulkToServices: services.casesPerSecond > 0 ? round1(demo.rate / services.casesPerSecond) : null,
    },
    dashboards,
    rollupMaintenance: rollups,
  };
}
