// PostgreSQL databases of the benchmarks: scratch ones created on DATABASE_URL's server for one
// run and dropped after, named ones that persist (the 1M dataset), and the server's version.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function onServer<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export type ScratchDatabase = { url: string; drop(): Promise<void> };

/** An empty database of its own on the server of `url`; drop() removes it even with clients left. */
export async function createScratchDatabase(url: string, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  await onServer(url, (c) => c.query(`create database ${pg.escapeIdentifier(name)}`));
  return {
    url: withDatabaseName(url, name),
    drop: () => onServer(url, (c) => c.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`)).then(() => {}),
  };
}

export async function databaseExists(url: string, name: string): Promise<boolean> {
  return onServer(url, async (c) => (await c.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1);
}

export async function createDatabase(url: string, name: string): Promise<void> {
  await onServer(url, (c) => c.query(`create database ${pg.escapeIdentifier(name)}`));
}

export async function dropDatabase(url: string, name: string): Promise<void> {
  await onServer(url, (c) => c.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`));
}

export async function postgresVersion(url: string): Promise<string> {
  return onServer(url, async (c) =>
    String((await c.query<{ server_version: string }>('show server_version')).rows[0]?.server_version ?? 'unknown'),
  );
}
