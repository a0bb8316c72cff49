// SLA costs: recomputing the live targets of N open cases after a policy change (the scan draining
// the refresh queue), and what SLA evaluation adds to a case update — the same update on cases
// with no standard and on cases under a policy, measured in one run, reported as a ratio.
import { sql } from 'kysely';
import { loadConfig } from '../src/config.js';
import { migrate } from '../src/db/migrate.js';
import { openDatabase, type Database } from '../src/db/open.js';
import { systemClock } from '../src/lib/clock.js';
import type { ServiceContext } from '../src/lib/context.js';
import { systemActor } from '../src/modules/auth/permissions.js';
import { updateCase } from '../src/modules/cases/cases.service.js';
import { createCalendar, createPolicy } from '../src/modules/sla/sla-config.service.js';
import { scanSla } from '../src/modules/sla/sla-tracking.js';
import { createScratchDatabase } from './databases.js';

type Options = { database: 'embedded' | 'postgres'; serverUrl?: string | undefined; quick: boolean; log: (line: string) => void };

/** Open cases with a requester and a `created` event each, written in bulk by SQL. */
async function seedOpenCases(db: Database, count: number): Promise<void> {
  await sql`insert into customers (id, name) values ('00000000-0000-4000-8000-00000000c001', 'Bench customer')`.execute(db.db);
  await sql`
    insert into cases (subject, status, priority, requester_id, created_at, updated_at)
    select 'Bench case ' || g, (array['new', 'open', 'pending'])[1 + g % 3], (array['low', 'normal', 'high', 'urgent'])[1 + g % 4],
      '00000000-0000-4000-8000-00000000c001', now() - (g % 5000) * interval '1 minute', now()
    from generate_series(1, ${count}) g`.execute(db.db);
  await sql`
    insert into case_events (case_id, actor_kind, kind, after, at)
    select id, 'system', 'created', jsonb_build_object('status', status), created_at from cases`.execute(db.db);
}

function percentileMs(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return Math.round(s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)]! * 100) / 100;
}

async function timeUpdates(ctx: ServiceContext, ids: string[]): Promise<number[]> {
  const times: number[] = [];
  for (const id of ids) {
    const row = await ctx.db.selectFrom('cases').select(['version', 'priority']).where('id', '=', id).executeTakeFirstOrThrow();
    const t0 = performance.now();
    await updateCase(ctx, id, { version: row.version, priority: row.priority === 'high' ? 'normal' : 'high' }, systemActor);
    times.push(performance.now() - t0);
  }
  return times;
}

export async function benchSla(options: Options): Promise<Record<string, unknown>> {
  const openCases = options.database === 'postgres' ? (options.quick ? 20_000 : 100_000) : options.quick ? 5_000 : 20_000;
  const updates = options.quick ? 150 : 500;
  let scratch: { url: string; drop(): Promise<void> } | null = null;
  let database: Database;
  if (options.database === 'postgres') {
    if (!options.serverUrl) throw new Error('DATABASE_URL is not set');
    scratch = await createScratchDatabase(options.serverUrl, 'frontline_bench_sla');
    database = await openDatabase({ databaseUrl: scratch.url, poolSize: 4 });
  } else {
    database = await openDatabase({ inMemory: true });
  }
  try {
    await migrate(database.db);
    const ctx: ServiceContext = { db: database.db, clock: systemClock, config: loadConfig({ logLevel: 'silent' }, {}) };
    options.log(`sla: seeding ${openCases} open cases`);
    await seedOpenCases(database, openCases);
    const ids = (
      await database.db
        .selectFrom('cases')
        .select('id')
        .orderBy('number')
        .limit(updates * 2)
        .execute()
    ).map((r) => r.id);

    // Warm up, then the same updates without any standard…
    await timeUpdates(ctx, ids.slice(0, 20));
    const without = await timeUpdates(ctx, ids.slice(0, updates));

    // …a policy for every case: creating it queues every open case; the scan drains the queue.
    const nineToFive = [{ start: '09:00', end: '17:00' }];
    const calendar = await createCalendar(
      ctx,
      {
        name: 'Bench',
        timeZone: 'Europe/London',
        weekly: { monday: nineToFive, tuesday: nineToFive, wednesday: nineToFive, thursday: nineToFive, friday: nineToFive },
      },
      systemActor,
    );
    await createPolicy(
      ctx,
      {
        name: 'Bench',
        calendarId: calendar.id,
        targets: { firstReply: { minutes: 240, businessHours: true }, resolution: { minutes: 2400, businessHours: true } },
      },
      systemActor,
    );
    options.log('sla: recomputing every open case');
    const t0 = performance.now();
    let refreshed = 0;
    for (;;) {
      const r = await scanSla(ctx, { batch: 1000 });
      refreshed += r.refreshed;
      if (r.refreshed === 0) break;
    }
    const recomputeSeconds = (performance.now() - t0) / 1000;

    // …and the same updates on other cases, now under the policy.
    const withSla = await timeUpdates(ctx, ids.slice(updates, updates * 2));
    const p50Without = percentileMs(without, 50);
    const p50With = percentileMs(withSla, 50);
    return {
      bench: 'sla',
      database: options.database,
      openCases,
      recomputed: refreshed,
      recomputeSeconds: Math.round(recomputeSeconds * 10) / 10,
      recomputeCasesPerSecond: Math.round(refreshed / recomputeSeconds),
      updates,
      updateMsWithoutSla: { p50: p50Without, p99: percentileMs(without, 99) },
      updateMsWithSla: { p50: p50With, p99: percentileMs(withSla, 99) },
      addedMsPerUpdateP50: Math.round((p50With - p50Without) * 100) / 100,
      updateRatioWithOverWithout: Math.round((p50With / p50Without) * 100) / 100,
    };
  } finally {
    await database.close();
    await scratch?.drop();
  }
}
