// What `frontline demo` shows: a progress bar on stderr while the history plays, then what was
// made, how fast, and how to sign in. Text only; the CLI decides where it goes.
import type { DemoProgress, DemoResult } from './demo.js';

const thousands = (n: number) => Math.round(n).toLocaleString('en-GB');

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return m < 60 ? `${m} min ${s} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** `[#########...........]  45% 2026-03-04 · 1,234 cases · 12.3 cases/s`. */
export function formatProgress(p: DemoProgress, elapsedSeconds: number, width = 30): string {
  if (p.phase === 'setup') return 'Setting up the operation: users, teams, departments, calendars, policies, customers…';
  const fraction = Math.min(1, Math.max(0, p.fraction));
  const filled = Math.round(fraction * width);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  const day = p.simulatedAt ? p.simulatedAt.toISOString().slice(0, 10) : '';
  const rate = elapsedSeconds > 0 ? ` · ${(p.cases / elapsedSeconds).toFixed(1)} cases/s` : '';
  return `${bar} ${String(Math.floor(fraction * 100)).padStart(3)}% ${day} · ${thousands(p.cases)} cases${rate}`;
}

/**
 * Progress to a stream: redrawn in place on a terminal (at most every 200 ms), otherwise a line
 * per tenth of the way, so logs stay readable.
 */
export function progressPrinter(stream: { isTTY?: boolean; write(text: string): unknown }, now: () => number = Date.now) {
  const started = now();
  let lastDraw = 0;
  let lastTenth = -1;
  let phase: DemoProgress['phase'] | null = null;
  /** The rate counts the history phase only. */
  let setupSeconds = 0;
  return {
    update(p: DemoProgress): void {
      const elapsed = (now() - started) / 1000;
      const line = formatProgress(p, p.phase === 'history' ? elapsed - setupSeconds : elapsed);
      if (p.phase !== phase) {
        if (phase !== null && stream.isTTY) stream.write('\n');
        if (p.phase === 'history') setupSeconds = elapsed;
        phase = p.phase;
        lastDraw = 0;
        lastTenth = -1;
      }
      if (stream.isTTY) {
        if (now() - lastDraw < 200 && p.fraction < 1) return;
        lastDraw = now();
        stream.write(`\r${line}`);
        return;
      }
      const tenth = Math.floor(p.fraction * 10);
      if (p.phase === 'history' && tenth === lastTenth) return;
      lastTenth = tenth;
      stream.write(`${line}\n`);
    },
    done(): void {
      if (stream.isTTY && phase !== null) stream.write('\n');
    },
  };
}

const percent = (part: number, whole: number) => (whole > 0 ? `${((100 * part) / whole).toFixed(1)} %` : '–');

/** The closing report: what the demo holds, the generation rate, and the sign-in. */
export function formatDemoReport(result: DemoResult, password: string): string[] {
  const s = result.summary;
  const status = Object.entries(s.byStatus)
    .map(([k, n]) => `${k} ${thousands(n)}`)
    .join(', ');
  return [
    `Demo operation: ${s.users} users in ${s.teams} teams and ${s.departments} departments, ${thousands(s.customers)} customers.`,
    `History ${result.from.toISOString().slice(0, 16)}Z → ${result.to.toISOString().slice(0, 16)}Z: ${thousands(s.cases)} cases (${status}).`,
    `  department requests on ${percent(s.withDepartmentRequests, s.cases)} of cases (${thousands(s.departmentRequests)} requests, ${thousands(s.lateDepartmentRequests)} late); reopened ${percent(s.reopened, s.cases)}; escalated ${percent(s.escalated, s.cases)}`,
    `  first replies within target ${percent(s.firstRepliesMet, s.firstRepliesMet + s.firstRepliesMissed)}; ${thousands(result.stats.alertsRaised)} SLA alerts raised; ${thousands(s.rollupRows)} report rollup rows`,
    `Generated in ${formatDuration(result.setupSeconds + result.historySeconds)} (set-up ${formatDuration(result.setupSeconds)}, history ${formatDuration(result.historySeconds)}): ${result.casesPerSecond.toFixed(1)} cases/s ${result.bulk ? 'replayed in bulk' : 'through the services'}.`,
    ...(result.stats.skipped > 0
      ? [`  ${result.stats.skipped} steps were refused by the services: ${result.stats.problems.slice(0, 3).join('; ')}`]
      : []),
    '',
    'Sign in with any of these (every demo account, agents included, uses the same password):',
    ...result.accounts.map((a) => `  ${a.email.padEnd(22)} ${a.role}`),
    `  password: ${password}`,
  ];
}
