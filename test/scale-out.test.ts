// Two `frontline start` processes on one PostgreSQL both come up, and migrations run once.
import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { afterAll, expect, test } from 'vitest';
import { migrate, readMigrationFiles } from '../src/db/migrate.js';
import { openDatabase } from '../src/db/open.js';
import { createManualClock } from '../src/lib/clock.js';
import { systemActor } from '../src/modules/auth/permissions.js';
import { createCase } from '../src/modules/cases/cases.service.js';
import { createCalendar, createPolicy } from '../src/modules/sla/sla-config.service.js';
import { createEmptyPostgresDatabase, testConfig, testDatabaseUrl } from './helpers.js';

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

function startProcess(databaseUrl: string, worker: 'yes' | 'no', extra: string[] = []): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/frontline.ts',
      'start',
      '--port',
      '0',
      '--database-url',
      databaseUrl,
      '--worker',
      worker,
      '--log-level',
      'warn',
      ...extra,
    ],
    {
      env: { ...process.env, FRONTLINE_DATA_DIR: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no start within 40 s\n${out}\n${err}`)), 40_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Frontline is running at (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, child });
      }
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => reject(new Error(`exited with ${code}\n${out}\n${err}`)));
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.on('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

test.runIf(testDatabaseUrl)(
  'two instances started at once on one PostgreSQL both serve, and each migration is applied once',
  async () => {
    const db = await createEmptyPostgresDatabase();
    try {
      const [a, b] = await Promise.all([startProcess(db.url, 'yes'), startProcess(db.url, 'no')]);
      for (const s of [a, b]) {
        const res = await fetch(`${s.url}/healthz`);
        expect(res.status).toBe(200);
        expect(((await res.json()) as { migrations: { pending: string[] } }).migrations.pending).toEqual([]);
      }
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      const rows = await client.query('select name, count(*)::int as n from schema_migrations group by name');
      await client.end();
      expect(rows.rows.map((r: { name: string }) => r.name).sort()).toEqual(readMigrationFiles().map((f) => f.name));
      expect(rows.rows.every((r: { n: number }) => r.n === 1)).toBe(true);
      expect(await Promise.all([stop(a.child), stop(b.child)])).toEqual([0, 0]);
    } finally {
      await db.drop();
    }
  },
  90_000,
);

test.runIf(testDatabaseUrl)(
  'two worker processes scanning one PostgreSQL raise each SLA breach exactly once',
  async () => {
    const db = await createEmptyPostgresDatabase();
    const database = await openDatabase({ databaseUrl: db.url, poolSize: 4 });
    try {
      await migrate(database.db);
      const scan = ['--sla-scan-seconds', '1'];
      const [a, b] = await Promise.all([startProcess(db.url, 'yes', scan), startProcess(db.url, 'yes', scan)]);
      // Cases opened ten minutes ago under a one-minute first-reply target: every alert is
      // already due, and both workers find them on their next pass.
      const clock = createManualClock(new Date(Date.now() - 10 * 60_000));
      const ctx = { db: database.db, clock, config: testConfig() };
      const calendar = await createCalendar(
        ctx,
        {
          name: 'Always',
          timeZone: 'UTC',
          weekly: Object.fromEntries(
            ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((d) => [
              d,
              [{ start: '00:00', end: '24:00' }],
            ]),
          ),
        },
        systemActor,
      );
      await createPolicy(
        ctx,
        { name: 'Fast', calendarId: calendar.id, targets: { firstReply: { minutes: 1, businessHours: false } } },
        systemActor,
      );
      const cases = 20;
      for (let i = 0; i < cases; i++)
        await createCase(ctx, { subject: `Race ${i}`, requester: { email: `race${i}@example.test` } }, systemActor);
      const breaches = async () =>
        (await database.db.selectFrom('case_events').select(['case_id']).where('kind', '=', 'sla_breached').execute()).map(
          (r) => r.case_id,
        );
      const deadline = Date.now() + 30_000;
      while ((await breaches()).length < cases && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
      // Two more passes of each worker: nothing may be raised twice.
      await new Promise((r) => setTimeout(r, 2500));
      const raised = await breaches();
      expect(raised).toHaveLength(cases);
      expect(new Set(raised).size).toBe(cases);
      const warnings = await database.db.selectFrom('case_events').select('case_id').where('kind', '=', 'sla_warning').execute();
      // 75 % used and 15 minutes left (at the start, for a one-minute target): two per case.
      expect(warnings).toHaveLength(cases * 2);
      expect(await Promise.all([stop(a.child), stop(b.child)])).toEqual([0, 0]);
    } finally {
      await database.close();
      await db.drop();
    }
  },
  120_000,
);
