// Two `frontline start` processes on one PostgreSQL both come up, and migrations run once.
import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { afterAll, expect, test } from 'vitest';
import { readMigrationFiles } from '../src/db/migrate.js';
import { createEmptyPostgresDatabase, testDatabaseUrl } from './helpers.js';

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

function startProcess(databaseUrl: string, worker: 'yes' | 'no'): Promise<{ url: string; child: ChildProcess }> {
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
