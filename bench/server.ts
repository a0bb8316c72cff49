// Starts the Frontline app for a benchmark in a child process (bench/server-child.ts, run from
// source through tsx) and watches it from here: the load generator stays in the parent, so the
// server has an event loop and a CPU budget of its own, and its memory and CPU time are read
// from /proc without disturbing it.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

export type ServerSpec = {
  database: { kind: 'embedded'; dataDir: string } | { kind: 'postgres'; url: string };
  /** Adds the bare insert route on a second Fastify instance in the same process (ingest). */
  bare: boolean;
  /** What to create before listening: users, tokens, teams, customers. */
  setup: 'ingest' | 'inbox' | 'email' | 'dashboards';
  /** The app's log level; `info` is the default of a real deployment and logs every request. */
  logLevel: 'info' | 'warn';
};

export type ServerReady<S> = {
  appPort: number;
  barePort: number | null;
  databaseVersion: string;
  setup: S;
};

export type BenchServer<S> = ServerReady<S> & {
  pid: number;
  /** Resident memory of the server process now, MiB. */
  rssMiB(): number;
  /** CPU time (user + system) the server process has used so far, ms. */
  cpuMs(): number;
  stop(): Promise<void>;
};

// Linux reports utime/stime in USER_HZ ticks, which is 100 on every architecture Node runs on.
const ticksPerSecond = 100;

export function rssMiBOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round((kb / 1024) * 10) / 10;
}

export function cpuMsOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may contain spaces; fields after it are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / ticksPerSecond;
}

/** CPU time of the given processes, ms; processes that ended count as zero. */
export function cpuMsOfAll(pids: number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    try {
      out.set(pid, cpuMsOf(pid));
    } catch {
      // the process ended
    }
  }
  return out;
}

function waitForExit(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

export async function startBenchServer<S>(spec: ServerSpec, options: { timeoutMs?: number } = {}): Promise<BenchServer<S>> {
  // BENCH_SERVER_PROFILE=<dir> writes a V8 CPU profile of the server there (open it in Chrome DevTools).
  const profile = process.env.BENCH_SERVER_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_SERVER_PROFILE}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', 'bench/server-child.ts', JSON.stringify(spec)], {
    // The app's request log goes to stdout: discarded (a real deployment ships it elsewhere),
    // or appended to the file BENCH_SERVER_LOG names when a benchmark needs explaining.
    stdio: ['ignore', process.env.BENCH_SERVER_LOG ? fs.openSync(process.env.BENCH_SERVER_LOG, 'a') : 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-4000);
  });
  const ready = await new Promise<ServerReady<S>>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bench server did not start within ${options.timeoutMs ?? 120_000} ms\n${stderr}`));
    }, options.timeoutMs ?? 120_000);
    child.once('message', (m) => {
      clearTimeout(timer);
      const msg = m as { ready?: ServerReady<S>; error?: string };
      if (msg.ready) resolve(msg.ready);
      else reject(new Error(`bench server failed: ${msg.error}\n${stderr}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bench server exited with ${code}\n${stderr}`));
    });
  });
  const pid = child.pid!;
  return {
    ...ready,
    pid,
    rssMiB: () => rssMiBOf(pid),
    cpuMs: () => cpuMsOf(pid),
    stop: async () => {
      const exited = waitForExit(child);
      if (child.connected) child.send({ stop: true });
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Samples a process's resident memory every `everyMs` until stopped; returns mean and max. */
export function sampleRss(pid: number, everyMs = 250): { stop(): { meanMiB: number; maxMiB: number } } {
  const samples: number[] = [];
  const timer = setInterval(() => samples.push(rssMiBOf(pid)), everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      if (samples.length === 0) samples.push(rssMiBOf(pid));
      const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
      return { meanMiB: Math.round(mean), maxMiB: Math.round(Math.max(...samples)) };
    },
  };
}
