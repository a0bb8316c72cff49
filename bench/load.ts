// The load generator of the benchmarks: keep-alive HTTP from this process to a server running in
// a child process (so the two never share an event loop), with every request timed on its own.
// No dependency: node:http with a keep-alive agent holds exactly `connections` sockets open.
import http from 'node:http';

export type RequestSpec = {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  /** Called per request so that bodies can vary (unique subjects, rotating requesters). */
  body?: () => string;
  /** The body's type; JSON unless said otherwise (the inbound email route takes message/rfc822). */
  contentType?: string;
};

export type LoadFigures = {
  requests: number;
  errors: number;
  /** Status codes other than 2xx (and socket errors as "socket") with how often they came. */
  errorKinds: Record<string, number>;
  firstError: string | null;
  elapsedMs: number;
  latenciesMs: number[];
};

export type Target = { port: number; agent: http.Agent };

export function createTarget(port: number, connections: number): Target {
  return { port, agent: new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections }) };
}

type Answer = { status: number; body: string };

export function send(target: Target, spec: RequestSpec): Promise<Answer> {
  const body = spec.body?.();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: target.port,
        method: spec.method,
        path: spec.path,
        agent: target.agent,
        headers: {
          ...spec.headers,
          ...(body !== undefined
            ? { 'content-type': spec.contentType ?? 'application/json', 'content-length': Buffer.byteLength(body) }
            : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function emptyFigures(): LoadFigures {
  return { requests: 0, errors: 0, errorKinds: {}, firstError: null, elapsedMs: 0, latenciesMs: [] };
}

function noteError(f: LoadFigures, kind: string, detail: string): void {
  f.errors += 1;
  f.errorKinds[kind] = (f.errorKinds[kind] ?? 0) + 1;
  f.firstError ??= detail.slice(0, 500);
}

/** One timed request; a non-2xx answer or a socket error counts as an error. */
async function timedRequest(target: Target, spec: RequestSpec, f: LoadFigures): Promise<Answer | null> {
  const started = performance.now();
  try {
    const answer = await send(target, spec);
    f.latenciesMs.push(performance.now() - started);
    f.requests += 1;
    if (answer.status < 200 || answer.status > 299) {
      noteError(f, String(answer.status), `${answer.status} ${answer.body}`);
      return null;
    }
    return answer;
  } catch (err) {
    f.requests += 1;
    noteError(f, 'socket', (err as Error).message);
    return null;
  }
}

/**
 * `connections` loops each sending one request after another until `durationMs` has passed;
 * requests in flight at the deadline finish and count, and the elapsed time runs until the last.
 */
export async function runClosedLoop(
  target: Target,
  spec: RequestSpec,
  options: { connections: number; durationMs: number },
): Promise<LoadFigures> {
  const f = emptyFigures();
  const started = performance.now();
  const deadline = started + options.durationMs;
  const loop = async () => {
    while (performance.now() < deadline) await timedRequest(target, spec, f);
  };
  await Promise.all(Array.from({ length: options.connections }, loop));
  f.elapsedMs = performance.now() - started;
  return f;
}

/** `count` requests one after another (latency without queueing), stopping early at `maxMs`. */
export async function runSequential(
  target: Target,
  spec: () => RequestSpec,
  options: { count: number; maxMs: number },
): Promise<LoadFigures & { answers: Answer[] }> {
  const f = emptyFigures();
  const answers: Answer[] = [];
  const started = performance.now();
  for (let i = 0; i < options.count && performance.now() - started < options.maxMs; i++) {
    const answer = await timedRequest(target, spec(), f);
    if (answer && answers.length < 3) answers.push(answer);
  }
  f.elapsedMs = performance.now() - started;
  return { ...f, answers };
}

export function mergeFigures(parts: LoadFigures[]): LoadFigures {
  const all = emptyFigures();
  for (const p of parts) {
    all.requests += p.requests;
    all.errors += p.errors;
    for (const [k, n] of Object.entries(p.errorKinds)) all.errorKinds[k] = (all.errorKinds[k] ?? 0) + n;
    all.firstError ??= p.firstError;
    all.elapsedMs += p.elapsedMs;
    all.latenciesMs.push(...p.latenciesMs);
  }
  return all;
}

/** Nearest-rank percentile of unsorted values, in milliseconds rounded to 0.1. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return round1(sorted[rank]!);
}

export function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** The figures a report shows for one series of requests. */
export function summarise(f: LoadFigures): Record<string, unknown> {
  return {
    requests: f.requests,
    reqPerSec: f.elapsedMs > 0 ? Math.round((f.requests / f.elapsedMs) * 1000) : null,
    p50Ms: percentile(f.latenciesMs, 50),
    p99Ms: percentile(f.latenciesMs, 99),
    errors: f.errors,
    ...(f.errors > 0 ? { errorKinds: f.errorKinds, firstError: f.firstError } : {}),
  };
}
