// The database layer: migrations, the embedded data-directory lock, data surviving a restart,
// and the single shared connection of embedded mode.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, describe, expect, test } from 'vitest';
import { lockDataDir, DataDirInUseError } from '../src/db/data-dir-lock.js';
import { migrate, migrationStatus, readMigrationFiles } from '../src/db/migrate.js';
import { openDatabase } from '../src/db/open.js';
import { startJobs } from '../src/jobs/jobs.js';
import { createManualClock } from '../src/lib/clock.js';
import { createTestDatabase, testConfig, testDatabaseUrl } from './helpers.js';

const run = promisify(execFile);
const tmpDirs: string[] = [];
function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'frontline-db-test-'));
  tmpDirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('migrations', () => {
  test('a fresh database gets every migration, recorded; a re-run applies nothing', async () => {
    const database = await createTestDatabase();
    try {
      const status = await migrationStatus(database.db);
      expect(status.pending).toEqual([]);
      expect(status.applied).toBe(readMigrationFiles().length);
      const again = await migrate(database.db);
      expect(again.applied).toEqual([]);
      const tables = await sql<{
        n: number;
      }>`select count(*)::int as n from information_schema.tables where table_name in ('users','sessions','api_tokens','teams','departments')`.execute(
        database.db,
      );
      expect(tables.rows[0]!.n).toBe(5);
    } finally {
      await database.drop();
    }
  });

  test('a migration that fails leaves nothing half-applied', async () => {
    const database = await createTestDatabase();
    const dir = tmpDir();
    try {
      for (const f of readMigrationFiles()) fs.writeFileSync(path.join(dir, f.name), f.sql);
      fs.writeFileSync(path.join(dir, '9998_ok_part.sql'), 'create table half_applied (id int);\ninsert into nowhere values (1);');
      await expect(migrate(database.db, dir)).rejects.toThrow();
      const exists = await sql<{ t: string | null }>`select to_regclass('half_applied')::text as t`.execute(database.db);
      expect(exists.rows[0]!.t).toBeNull();
      expect((await migrationStatus(database.db, dir)).pending).toEqual(['9998_ok_part.sql']);
    } finally {
      await database.drop();
    }
  });

  test('an applied migration that was edited afterwards is refused', async () => {
    const database = await createTestDatabase();
    const dir = tmpDir();
    try {
      const [first] = readMigrationFiles();
      fs.writeFileSync(path.join(dir, first!.name), `${first!.sql}\n-- edited`);
      await expect(migrate(database.db, dir)).rejects.toThrow(/changed after it was applied/);
    } finally {
      await database.drop();
    }
  });

  test.runIf(testDatabaseUrl)('concurrent starts on PostgreSQL apply each migration once', async () => {
    const base = await createTestDatabase();
    try {
      await sql`drop schema public cascade`.execute(base.db);
      await sql`create schema public`.execute(base.db);
      const others = await Promise.all([0, 1, 2].map(() => openDatabase({ databaseUrl: base.url, poolSize: 2 })));
      const results = await Promise.all(others.map((o) => migrate(o.db)));
      await Promise.all(others.map((o) => o.close()));
      const appliedCounts = results.map((r) => r.applied.length).sort();
      expect(appliedCounts).toEqual([0, 0, readMigrationFiles().length]);
      const rows = await sql<{ n: number }>`select count(*)::int as n from schema_migrations`.execute(base.db);
      expect(rows.rows[0]!.n).toBe(readMigrationFiles().length);
    } finally {
      await base.drop();
    }
  });
});

describe('embedded data directory', () => {
  test('data survives closing and reopening the directory', async () => {
    const dir = tmpDir();
    const first = await openDatabase({ dataDir: dir });
    await migrate(first.db);
    await first.db.insertInto('teams').values({ name: 'Survivors' }).execute();
    await first.close();
    const second = await openDatabase({ dataDir: dir });
    const rows = await second.db.selectFrom('teams').select('name').execute();
    await second.close();
    expect(rows.map((r) => r.name)).toEqual(['Survivors']);
  }, 60_000);

  test('a second process is refused with a clear message while the first holds the directory', async () => {
    const dir = tmpDir();
    const release = lockDataDir(dir, 'test holder');
    try {
      const child = run(process.execPath, ['--import', 'tsx', 'src/cli/frontline.ts', 'migrate', '--data-dir', dir], {
        env: { ...process.env, DATABASE_URL: '' },
      });
      await expect(child).rejects.toMatchObject({
        code: 1,
        stderr: expect.stringContaining(`is in use by another Frontline process (pid ${process.pid}, test holder`),
      });
      expect(fs.readdirSync(dir)).toEqual(['frontline.lock']);
    } finally {
      release();
    }
    expect(fs.existsSync(path.join(dir, 'frontline.lock'))).toBe(false);
  }, 60_000);

  test('the same process cannot open a directory twice, and a dead owner’s lock is taken over', () => {
    const dir = tmpDir();
    const release = lockDataDir(dir, 'first');
    expect(() => lockDataDir(dir, 'second')).toThrow(DataDirInUseError);
    release();
    fs.writeFileSync(
      path.join(dir, 'frontline.lock'),
      JSON.stringify({ pid: 2 ** 22 + 12345, host: os.hostname(), startedAt: 'then', purpose: 'crashed' }),
    );
    const again = lockDataDir(dir, 'after crash');
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'frontline.lock'), 'utf8')).pid).toBe(process.pid);
    again();
  });
});

describe.runIf(!testDatabaseUrl)('embedded single connection', () => {
  test('the app and the job queue share one pool of size 1, so a job never sees an open app transaction', async () => {
    const database = await createTestDatabase();
    const clock = createManualClock();
    const config = testConfig();
    const seen: number[] = [];
    const jobs = await startJobs({
      database,
      ctx: { db: database.db, clock, config },
      logger: { info: () => {}, error: () => {} },
      work: false,
    });
    try {
      expect(database.pool.options.max).toBe(1);
      await jobs.boss.createQueue('probe-count-teams');
      await jobs.boss.work('probe-count-teams', { pollingIntervalSeconds: 0.5 }, async () => {
        const r = await sql<{ n: number }>`select count(*)::int as n from teams`.execute(database.db);
        seen.push(r.rows[0]!.n);
      });
      await jobs.boss.send('probe-count-teams', {});
      // Hold the only connection in a transaction that inserts and then rolls back. If the job's
      // query could run on the same PGlite session meanwhile, it would count the uncommitted row.
      await database.db
        .transaction()
        .execute(async (trx) => {
          await trx.insertInto('teams').values({ name: 'Uncommitted' }).execute();
          await new Promise((r) => setTimeout(r, 1500));
          throw new Error('roll back');
        })
        .catch(() => {});
      const deadline = Date.now() + 15_000;
      while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(seen).toEqual([0]);
      expect(database.pool.totalCount).toBeLessThanOrEqual(1);
    } finally {
      await jobs.stop();
      await database.drop();
    }
  }, 60_000);
});

describe('jobs', () => {
  test('the housekeeping job runs through pg-boss and removes expired sessions', async () => {
    const database = await createTestDatabase();
    const clock = createManualClock('2026-11-23T09:00:00Z');
    const config = testConfig();
    const u = await database.db
      .insertInto('users')
      .values({ email: 'j@example.test', name: 'J', role: 'agent' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await database.db
      .insertInto('sessions')
      .values([
        {
          id_hash: 'old',
          user_id: u.id,
          csrf_token: 'c',
          created_at: '2026-11-22T00:00:00Z',
          expires_at: '2026-11-22T12:00:00Z',
          last_seen_at: '2026-11-22T00:00:00Z',
        },
        {
          id_hash: 'live',
          user_id: u.id,
          csrf_token: 'c',
          created_at: '2026-11-23T08:00:00Z',
          expires_at: '2026-11-23T20:00:00Z',
          last_seen_at: '2026-11-23T08:00:00Z',
        },
      ])
      .execute();
    const jobs = await startJobs({
      database,
      ctx: { db: database.db, clock, config },
      logger: { info: () => {}, error: () => {} },
      work: true,
      pollingIntervalSeconds: 0.5,
    });
    try {
      const id = await jobs.boss.send('housekeeping-purge-credentials', {});
      expect(id).toBeTruthy();
      const deadline = Date.now() + 20_000;
      let state = '';
      while (Date.now() < deadline) {
        state = (await jobs.boss.getJobById('housekeeping-purge-credentials', id!))?.state ?? '';
        if (state === 'completed' || state === 'failed') break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(state).toBe('completed');
      const left = await database.db.selectFrom('sessions').select('id_hash').execute();
      expect(left.map((r) => r.id_hash)).toEqual(['live']);
    } finally {
      await jobs.stop();
      await database.drop();
    }
  }, 60_000);
});
