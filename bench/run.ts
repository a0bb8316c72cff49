// `npm run bench [-- --quick] [-- --only ingest,inbox,sla,export,email,dashboards] [-- --database embedded|postgres]`: runs
// every benchmark on the embedded database and, when DATABASE_URL is set, on PostgreSQL; prints
// each result as one JSON line (progress goes to stderr) and writes them all, with the machine's
// facts, to bench/results/latest.json. A benchmark that fails reports its error, the others
// still run, and the exit code is 1.
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { postgresVersion } from './databases.js';
import { benchDashboards } from './dashboards.js';
import { benchEmail } from './email.js';
import { benchInbox } from './inbox.js';
import { benchIngest } from './ingest.js';
import { benchExport } from './export.js';
import { benchSla } from './sla.js';
import { benchStartup } from './startup.js';

type DatabaseKind = 'embedded' | 'postgres';
type Bench = { name: string; database: DatabaseKind; run: () => Promise<Record<string, unknown>> };

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : process.argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

const quick = process.argv.includes('--quick');
const only = argValue('--only')?.split(',');
const onlyDatabase = argValue('--database') as DatabaseKind | undefined;
const serverUrl = process.env.DATABASE_URL || undefined;
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

function plan(): Bench[] {
  const databases: DatabaseKind[] = serverUrl ? ['embedded', 'postgres'] : ['embedded'];
  const all: Bench[] = [];
  // Ingest first: its ratio is the headline figure and should print even if a later bench fails.
  for (const database of databases) all.push({ name: 'ingest', database, run: () => benchIngest({ database, serverUrl, quick, log }) });
  for (const database of databases) all.push({ name: 'startup', database, run: () => benchStartup({ database, serverUrl }) });
  for (const database of databases) all.push({ name: 'inbox', database, run: () => benchInbox({ database, serverUrl, quick, log }) });
  for (const database of databases) all.push({ name: 'sla', database, run: () => benchSla({ database, serverUrl, quick, log }) });
  for (const database of databases) all.push({ name: 'export', database, run: () => benchExport({ database, serverUrl, quick, log }) });
  for (const database of databases) all.push({ name: 'email', database, run: () => benchEmail({ database, serverUrl, quick, log }) });
  for (const database of databases)
    all.push({ name: 'dashboards', database, run: () => benchDashboards({ database, serverUrl, quick, log }) });
  return all.filter((b) => (!only || only.includes(b.name)) && (!onlyDatabase || b.database === onlyDatabase));
}

function git(command: string): string | null {
  try {
    return execSync(`git ${command}`, { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return null;
  }
}

async function machineFacts(): Promise<Record<string, unknown>> {
  // Its exports map hides package.json from require(); read the installed file.
  const pglite = (JSON.parse(fs.readFileSync('node_modules/@electric-sql/pglite/package.json', 'utf8')) as { version: string }).version;
  return {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    embeddedDatabase: `PGlite ${pglite}`,
    postgres: serverUrl ? await postgresVersion(serverUrl).catch((e: Error) => `unreachable: ${e.message}`) : null,
    commit: git('rev-parse --short HEAD'),
    uncommittedChanges: (git('status --porcelain') ?? '') !== '',
    quick,
    at: new Date().toISOString(),
  };
}

const machine = await machineFacts();
const results: Record<string, unknown>[] = [];
const started = performance.now();
let failed = false;
for (const b of plan()) {
  log(`${b.name} on ${b.database}…`);
  const t0 = performance.now();
  let result: Record<string, unknown>;
  try {
    result = await b.run();
  } catch (err) {
    failed = true;
    result = { bench: b.name, database: b.database, error: (err as Error).message };
  }
  result.seconds = Math.round((performance.now() - t0) / 100) / 10;
  results.push(result);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
for (const r of results.filter((x) => x.bench === 'ingest' && typeof x.ratio === 'number')) {
  log(`ingest ratio ours/bare on ${String(r.database)}: ${String(r.ratio)} (target ≥ ${String(r.target)})`);
}
log(`done in ${Math.round((performance.now() - started) / 1000)} s`);
fs.mkdirSync('bench/results', { recursive: true });
fs.writeFileSync(path.join('bench/results', 'latest.json'), `${JSON.stringify({ machine, results }, null, 2)}\n`);
if (failed) process.exitCode = 1;
