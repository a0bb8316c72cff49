// Cold start and idle memory of the built server: time from process spawn to the first 200 from
// /healthz on a brand-new database (embedded: PGlite's initdb; PostgreSQL: an empty database, so
// every migration runs) and again on the existing one, and the resident memory once idle.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createScratchDatabase } from './databases.js';
import { rssMiBOf } from './server.js';

type StartFigures = { msToHealthy: number; rssIdleMiB: number };

type Where = { kind: 'embedded'; dataDir: string } | { kind: 'postgres'; url: string };

async function startOnce(where: Where, port: number): Promise<StartFigures> {
  const started = performance.now();
  const args = ['dist/cli/frontline.js', 'start', '--port', String(port), '--log-level', 'warn'];
  if (where.kind === 'embedded') args.push('--data-dir', where.dataDir);
  const child = spawn(process.execPath, args, {
    stdio: 'ignore',
    env: { ...process.env, DATABASE_URL: where.kind === 'postgres' ? where.url : '' },
  });
  try {
    let msToHealthy = -1;
    while (performance.now() - started < 60_000) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        if (res.status === 200) {
          msToHealthy = Math.round(performance.now() - started);
          break;
        }
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    if (msToHealthy < 0) throw new Error('server did not become healthy within 60 s');
    await new Promise((r) => setTimeout(r, 3000));
    return { msToHealthy, rssIdleMiB: rssMiBOf(child.pid!) };
  } finally {
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null) resolve();
      child.on('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}

/** The startup figures describe the built server: say so when it is older than the sources. */
function distIsStale(): boolean {
  const newest = (dir: string): number =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .reduce((m, e) => Math.max(m, e.isDirectory() ? newest(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).mtimeMs), 0);
  return fs.statSync('dist/cli/frontline.js').mtimeMs < newest('src');
}

export async function benchStartup(options: {
  database: 'embedded' | 'postgres';
  serverUrl?: string | undefined;
}): Promise<Record<string, unknown>> {
  if (!fs.existsSync('dist/cli/frontline.js')) throw new Error('run `npm run build` first: the startup bench starts the built server');
  const base = {
    bench: 'startup',
    database: options.database,
    ...(distIsStale() ? { warning: 'dist/ is older than src/: these figures are of the last build (npm run build)' } : {}),
  };
  if (options.database === 'postgres') {
    if (!options.serverUrl) throw new Error('DATABASE_URL is not set');
    const scratch = await createScratchDatabase(options.serverUrl, 'frontline_bench_start');
    try {
      const fresh = await startOnce({ kind: 'postgres', url: scratch.url }, 39_103);
      const existing = await startOnce({ kind: 'postgres', url: scratch.url }, 39_104);
      return {
        ...base,
        newDatabaseMsToHealthy: fresh.msToHealthy,
        existingDatabaseMsToHealthy: existing.msToHealthy,
        rssIdleMiB: existing.rssIdleMiB,
      };
    } finally {
      await scratch.drop();
    }
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'frontline-bench-start-'));
  try {
    const fresh = await startOnce({ kind: 'embedded', dataDir: dir }, 39_101);
    const existing = await startOnce({ kind: 'embedded', dataDir: dir }, 39_102);
    return {
      ...base,
      newDataDirMsToHealthy: fresh.msToHealthy,
      existingDataDirMsToHealthy: existing.msToHealthy,
      rssIdleMiB: existing.rssIdleMiB,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
