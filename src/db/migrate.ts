// Forward-only migrations from plain SQL files in migrations/, each applied in its own
// transaction and recorded. An advisory lock makes concurrent starts on one PostgreSQL safe:
// the second waits, then finds nothing left to do.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { migrationsDir as defaultDir } from '../lib/paths.js';
import type { Db } from './open.js';

// Any constant works; it only has to be unique to Frontline's migration runner.
const migrationLockKey = 727_001;

export type MigrationFile = { name: string; sql: string; checksum: string };

export function readMigrationFiles(dir = defaultDir): MigrationFile[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((name) => {
      const text = fs.readFileSync(path.join(dir, name), 'utf8');
      return { name, sql: text, checksum: createHash('sha256').update(text).digest('hex') };
    });
}

async function ensureMigrationsTable(db: Db): Promise<void> {
  await sql`create table if not exists schema_migrations (
    name text primary key,
    checksum text not null,
    applied_at timestamptz not null default now()
  )`.execute(db);
}

export type MigrationResult = { applied: string[]; alreadyApplied: number };

export async function migrate(db: Db, dir = defaultDir): Promise<MigrationResult> {
  const files = readMigrationFiles(dir);
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${migrationLockKey})`.execute(conn);
    try {
      await ensureMigrationsTable(conn);
      const done = await conn.selectFrom('schema_migrations').select(['name', 'checksum']).execute();
      const doneByName = new Map(done.map((r) => [r.name, r.checksum]));
      for (const f of files) {
        const seen = doneByName.get(f.name);
        if (seen !== undefined && seen !== f.checksum) {
          throw new Error(`migration ${f.name} was changed after it was applied; add a new migration instead`);
        }
      }
      const applied: string[] = [];
      for (const f of files.filter((file) => !doneByName.has(file.name))) {
        await conn.transaction().execute(async (trx) => {
          await sql.raw(f.sql).execute(trx);
          await trx.insertInto('schema_migrations').values({ name: f.name, checksum: f.checksum }).execute();
        });
        applied.push(f.name);
      }
      return { applied, alreadyApplied: done.length };
    } finally {
      await sql`select pg_advisory_unlock(${migrationLockKey})`.execute(conn);
    }
  });
}

export type MigrationStatus = { applied: number; pending: string[] };

export async function migrationStatus(db: Db, dir = defaultDir): Promise<MigrationStatus> {
  const files = readMigrationFiles(dir);
  const exists = await sql<{ t: string | null }>`select to_regclass('schema_migrations')::text as t`.execute(db);
  if (!exists.rows[0]?.t) return { applied: 0, pending: files.map((f) => f.name) };
  const done = new Set((await db.selectFrom('schema_migrations').select('name').execute()).map((r) => r.name));
  return { applied: done.size, pending: files.filter((f) => !done.has(f.name)).map((f) => f.name) };
}
