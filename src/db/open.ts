// Opens the database: embedded PGlite on a data directory, or a PostgreSQL server. Both are
// reached through Kysely's PostgresDialect over a node-postgres Pool, so the rest of the code
// sees one SQL dialect and one driver.
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { lockDataDir } from './data-dir-lock.js';
import type { DB } from './schema.js';

export type Db = Kysely<DB>;

export type SqlExecutor = (text: string, values?: unknown[]) => Promise<{ rows: unknown[] }>;

export type Database = {
  db: Db;
  kind: 'embedded' | 'postgres';
  /** The pool behind Kysely. Embedded: size 1, shared by the app and the job queue. */
  pool: pg.Pool;
  /** Raw SQL through the same pool (what pg-boss needs). */
  executeSql: SqlExecutor;
  /** A human description for logs: the data directory or the server address without password. */
  location: string;
  /**
   * LISTEN on a channel; `onNotice` gets each payload committed by any connection (or, with
   * PostgreSQL, any instance). Returns the function that stops listening.
   */
  listen(channel: string, onNotice: (payload: string) => void): Promise<() => Promise<void>>;
  /** Embedded only: the whole database as a tarball (tests load a migrated template from it). */
  dumpDataDir?: () => Promise<Blob>;
  close(): Promise<void>;
};

export type OpenDatabaseOptions = {
  databaseUrl?: string | undefined;
  dataDir?: string;
  /** What the lock file says this process is doing ("server", "migrate"…). */
  purpose?: string;
  /** Load an embedded database from a dump instead of a directory (tests). */
  loadDataDir?: Blob;
  /** Embedded only: skip the lock file (in-memory databases have nothing to lock). */
  inMemory?: boolean;
  poolSize?: number;
};

// timestamptz comes back as Date (pg's default); bigint (int8) as string to keep precision;
// numeric as string. Counts are cast in SQL where a number is wanted.
function makeExecutor(pool: pg.Pool): SqlExecutor {
  return async (text, values) => {
    const result = await pool.query(text, values as unknown[] | undefined);
    return { rows: result.rows };
  };
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.poolSize ?? 10);
  return openEmbedded(options);
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres';
  }
}

async function openPostgres(databaseUrl: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
  // An idle client that errors (server restart) must not crash the process.
  pool.on('error', () => {});
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  try {
    await pool.query('select 1');
  } catch (err) {
    await db.destroy();
    throw new Error(`Cannot reach PostgreSQL at ${redact(databaseUrl)}: ${(err as Error).message}`);
  }
  return {
    db,
    kind: 'postgres',
    pool,
    executeSql: makeExecutor(pool),
    location: redact(databaseUrl),
    listen: (channel, onNotice) => listenOnPostgres(databaseUrl, channel, onNotice),
    close: () => db.destroy(),
  };
}

/** A dedicated connection for LISTEN that reconnects after the server drops it. */
async function listenOnPostgres(databaseUrl: string, channel: string, onNotice: (payload: string) => void): Promise<() => Promise<void>> {
  let client: pg.Client | null = null;
  let stopped = false;
  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: databaseUrl });
    c.on('notification', (msg) => {
      if (msg.channel === channel && msg.payload !== undefined) onNotice(msg.payload);
    });
    c.on('error', () => {
      if (stopped) return;
      client = null;
      setTimeout(() => void connect().catch(() => {}), 1000);
    });
    await c.connect();
    await c.query(`listen ${pg.escapeIdentifier(channel)}`);
    client = c;
  };
  await connect();
  return async () => {
    stopped = true;
    await client?.end().catch(() => {});
  };
}

async function openEmbedded(options: OpenDatabaseOptions): Promise<Database> {
  const inMemory = options.inMemory ?? false;
  const dataDir = options.dataDir ?? './data';
  const release = inMemory ? () => {} : lockDataDir(dataDir, options.purpose ?? 'server');
  let pglite: PGlite;
  try {
    pglite = await PGlite.create({
      // PGlite's own files live in a subdirectory, beside the lock file and stored attachments.
      ...(inMemory ? {} : { dataDir: path.join(dataDir, 'pgdata') }),
      ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
    });
  } catch (err) {
    release();
    throw err;
  }
  // One connection: the app and the job queue queue up on this pool instead of interleaving
  // statements of different transactions on PGlite's single session.
  const pool = new pg.Pool({ ...createPgConfig(pglite), max: 1 });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    db,
    kind: 'embedded',
    pool,
    executeSql: makeExecutor(pool),
    location: inMemory ? 'memory' : dataDir,
    dumpDataDir: () => pglite.dumpDataDir('none'),
    listen: async (channel, onNotice) => {
      const unsubscribe = await pglite.listen(channel, onNotice);
      return async () => {
        if (!closed) await unsubscribe();
      };
    },
    close: async () => {
      if (closed) return;
      closed = true;
      try {
        await db.destroy();
        await pglite.close();
      } finally {
        release();
      }
    },
  };
}
