// The SLA clock as pure functions: from a case's timeline (simplified events), its business
// calendar and its policy's targets, the state of each target at `now`. No I/O, no clock reads.
// The rules (docs/sla.md):
//   - firstReply runs from creation to the first public reply.
//   - nextReply runs from a customer message that arrives while no reply is owed (no first or next
//     reply clock running) to the next public reply. A message on a solved/closed case starts it
//     from that message if the case is reopened before anyone replies.
//   - periodicUpdate runs from creation, and again from each public reply, to the next public reply;
//     after a reopen it starts again from the reopen.
//   - resolution runs from creation until solved (or closed); a reopen restarts it keeping the time
//     already used: the solved stretch simply does not count.
//   - Solving ends every running reply/update clock: the solve counts as meeting it.
//   - Every clock pauses while the case is `pending` (and `on_hold` when configured) and during
//     extra pauses (e.g. waiting on a department).
//   - A policy change applies new targets to running clocks and to later ones, keeping the time
//     already counted (in the old mode, business or calendar, for the time before the change).
//   - States: `achieved` when met at or before the due instant, `achieved_late` when met after it,
//     `breached` when unmet and now > due, `paused` when unmet and paused now, otherwise `active`.
import type { CaseStatus } from '../../db/schema.js';
import {
  advanceMs,
  compiled,
  countMs,
  mergeSpans,
  pauseSpans,
  type BusinessCalendar,
  type CompiledCalendar,
  type Pause,
  type Span,
} from '../../lib/business-time.js';
import { AppError } from '../../lib/errors.js';

export const slaTargetNames = ['firstReply', 'nextReply', 'periodicUpdate', 'resolution'] as const;
export type SlaTargetName = (typeof slaTargetNames)[number];
export type SlaTarget = { minutes: number; businessHours: boolean };
export type SlaTargets = Partial<Record<SlaTargetName, SlaTarget>>;

export type SlaEvent =
  | { at: Date; kind: 'created'; status?: CaseStatus }
  | { at: Date; kind: 'status'; to: CaseStatus }
  | { at: Date; kind: 'customer_message' }
  | { at: Date; kind: 'public_reply' }
  | { at: Date; kind: 'policy_changed'; targets: SlaTargets };

/** When to warn before a breach: once a share of the target is used, or when little time is left. */
export type SlaWarning = { percentUsed: number } | { minutesLeft: number };

export type SlaClockInput = {
  /** Warnings to place on each running clock (see `alerts` in the result). */
  warnings?: readonly SlaWarning[];
  /** The policy's targets when the case was created; `policy_changed` events replace them. */
  targets: SlaTargets;
  calendar: BusinessCalendar;
  /** `pending` always pauses the clocks; `on_hold` only when this is true. */
  pauseOnHold?: boolean;
  /** Other stretches when every clock stops (e.g. waiting on a department); `to: null` is ongoing. */
  extraPauses?: readonly Pause[];
  events: readonly SlaEvent[];
  now: Date;
};

export type SlaState = 'active' | 'paused' | 'achieved' | 'breached' | 'achieved_late';

export type SlaCycle = { startedAt: Date; dueAt: Date | null; achievedAt: Date | null; state: SlaState };

export type SlaTargetClock = SlaCycle & {
  targetMinutes: number;
  businessHours: boolean;
  /** Counted minutes from the start to the achievement (or now); fractional for odd seconds. */
  elapsedMinutes: number;
  /** Target minus elapsed; negative once the target is exceeded. */
  remainingMinutes: number;
  /** Pauses within this cycle; `to: null` while still paused. */
  pausedIntervals: { from: Date; to: Date | null }[];
  /** Every cycle of this target (several for nextReply and periodicUpdate), oldest first. */
  cycles: SlaCycle[];
  /**
   * For a running clock: each warning and the breach with the instant it falls due (null while a
   * pause hides it). Empty once the target is met.
   */
  alerts: SlaAlert[];
};

/** `percent_used:75`, `minutes_left:15` or `breach`. */
export type SlaAlert = { key: string; at: Date | null };

/** Per target: its latest cycle, or null when the policy has no such target or it never started. */
export type SlaClockResult = Record<SlaTargetName, SlaTargetClock | null>;

const MINUTE = 60_000;

type Cycle = { start: number; end: number | null };
type Policy = { from: number; targets: SlaTargets };
type Timeline = {
  cycles: Record<SlaTargetName, Cycle[]>;
  /** Stretches while the case was solved or closed, which the resolution clock does not count. */
  solvedGaps: Span[];
  /** Stretches in a pausing status; the last may be endless (still paused). */
  statusPauses: Span[];
  policies: Policy[];
};

const isDone = (s: CaseStatus) => s === 'solved' || s === 'closed';

function running(cycles: Cycle[]): Cycle | undefined {
  const last = cycles[cycles.length - 1];
  return last && last.end === null ? last : undefined;
}

function endRunning(cycles: Cycle[], at: number): void {
  const c = running(cycles);
  if (c) c.end = at;
}

/** Walks the events in time order (ties keep their given order) and derives every clock's cycles. */
function readTimeline(input: SlaClockInput, now: number): Timeline {
  const events = input.events
    .map((event, i) => ({ event, at: event.at.getTime(), i }))
    .filter((e) => e.at <= now)
    .sort((a, b) => a.at - b.at || a.i - b.i);
  const creation = events.find((e) => e.event.kind === 'created');
  if (!creation || creation.event.kind !== 'created') throw new AppError('validation_failed', 'the case timeline has no created event');
  const created = creation.at;
  const pausing = (s: CaseStatus) => s === 'pending' || (input.pauseOnHold === true && s === 'on_hold');

  const cycles: Timeline['cycles'] = {
    firstReply: [{ start: created, end: null }],
    nextReply: [],
    periodicUpdate: [{ start: created, end: null }],
    resolution: [{ start: created, end: null }],
  };
  const solvedGaps: Span[] = [];
  const statusPauses: Span[] = [];
  const policies: Policy[] = [{ from: created, targets: input.targets }];
  let status: CaseStatus = 'new';
  let pausedSince: number | null = null;
  let solvedAt: number | null = null;
  let unansweredWhileSolved: number | null = null;

  const changeStatus = (to: CaseStatus, at: number) => {
    if (!pausing(status) && pausing(to)) pausedSince = at;
    if (pausing(status) && !pausing(to) && pausedSince !== null) {
      statusPauses.push({ from: pausedSince, to: at });
      pausedSince = null;
    }
    if (!isDone(status) && isDone(to)) {
      for (const name of ['firstReply', 'nextReply', 'periodicUpdate', 'resolution'] as const) endRunning(cycles[name], at);
      solvedAt = at;
    }
    if (isDone(status) && !isDone(to)) {
      if (solvedAt !== null) solvedGaps.push({ from: solvedAt, to: at });
      cycles.resolution[0]!.end = null;
      cycles.periodicUpdate.push({ start: at, end: null });
      if (unansweredWhileSolved !== null) cycles.nextReply.push({ start: unansweredWhileSolved, end: null });
      unansweredWhileSolved = null;
      solvedAt = null;
    }
    status = to;
  };

  changeStatus(creation.event.status ?? 'new', created);
  for (const { event, at: rawAt } of events) {
    if (event.kind === 'created') continue;
    const at = Math.max(rawAt, created);
    switch (event.kind) {
      case 'status':
        changeStatus(event.to, at);
        break;
      case 'customer_message':
        if (isDone(status)) unansweredWhileSolved ??= at;
        else if (!running(cycles.firstReply) && !running(cycles.nextReply)) cycles.nextReply.push({ start: at, end: null });
        break;
      case 'public_reply':
        unansweredWhileSolved = null;
        endRunning(cycles.firstReply, at);
        endRunning(cycles.nextReply, at);
        if (running(cycles.periodicUpdate)) {
          endRunning(cycles.periodicUpdate, at);
          cycles.periodicUpdate.push({ start: at, end: null });
        }
        break;
      case 'policy_changed':
        policies.push({ from: at, targets: event.targets });
        break;
    }
  }
  if (pausedSince !== null) statusPauses.push({ from: pausedSince, to: Infinity });
  return { cycles, solvedGaps, statusPauses, policies };
}

type Segment = { from: number; to: number; business: boolean };

/** Periods of one policy each, counted in that policy's mode for the target (or the final mode if it had none). */
function policySegments(policies: Policy[], upTo: number, name: SlaTargetName, target: SlaTarget): Segment[] {
  const inForce = policies.filter((p) => p.from <= upTo);
  return inForce.map((p, i) => ({
    from: i === 0 ? -Infinity : p.from,
    to: inForce[i + 1]?.from ?? Infinity,
    business: (p.targets[name] ?? target).businessHours,
  }));
}

function countAcross(cal: CompiledCalendar, segments: Segment[], from: number, to: number, stops: Span[]): number {
  let total = 0;
  for (const s of segments) total += countMs(s.business ? cal : null, Math.max(from, s.from), Math.min(to, s.to), stops);
  return total;
}

/** The first instant at which the counted time from `start` reaches `amount`; null if a stop never ends first. */
function locateDue(cal: CompiledCalendar, segments: Segment[], start: number, amount: number, stops: Span[]): number | null {
  if (amount <= 0) return start;
  let left = amount;
  for (const s of segments) {
    const from = Math.max(start, s.from);
    if (s.to <= from) continue;
    const result = advanceMs(s.business ? cal : null, from, left, stops, s.to);
    if ('reachedAt' in result) return result.reachedAt;
    left -= result.counted;
  }
  return null;
}

function clipSpans(spans: Span[], from: number, to: number): Span[] {
  return spans.filter((s) => s.to > from && s.from < to).map((s) => ({ from: Math.max(s.from, from), to: Math.min(s.to, to) }));
}

function measureCycle(
  name: SlaTargetName,
  cycle: Cycle,
  tl: Timeline,
  pauses: Span[],
  cal: CompiledCalendar,
  now: number,
  warnings: readonly SlaWarning[],
): (SlaCycle & Omit<SlaTargetClock, keyof SlaCycle | 'cycles'>) | null {
  const upTo = cycle.end ?? now;
  // Running clocks follow the policy in force now; met ones keep the policy they were met under.
  const target = tl.policies.filter((p) => p.from <= upTo).at(-1)?.targets[name];
  if (!target) return null;
  const segments = policySegments(tl.policies, upTo, name, target);
  const allStops = mergeSpans(name === 'resolution' ? [...pauses, ...tl.solvedGaps] : pauses);
  // A met target's due instant is where it would have fallen had the clock run on without pauses.
  const stops = cycle.end === null ? allStops : clipSpans(allStops, -Infinity, cycle.end);
  const targetMs = Math.round(target.minutes * MINUTE);
  const due = locateDue(cal, segments, cycle.start, targetMs, stops);
  const elapsed = countAcross(cal, segments, cycle.start, upTo, stops);
  const pausedNow = cycle.end === null && pauses.some((p) => p.from <= now && now < p.to);
  let state: SlaState;
  if (cycle.end !== null) state = due !== null && cycle.end > due ? 'achieved_late' : 'achieved';
  else if (due !== null && now > due) state = 'breached';
  else state = pausedNow ? 'paused' : 'active';
  const alerts: SlaAlert[] =
    cycle.end !== null
      ? []
      : [
          ...warnings.map((w) => {
            const amount = warningAmountMs(w, targetMs);
            const at = locateDue(cal, segments, cycle.start, amount, stops);
            return { key: warningKey(w), at: at === null ? null : new Date(at) };
          }),
          { key: 'breach', at: due === null ? null : new Date(due) },
        ];
  return {
    alerts,
    startedAt: new Date(cycle.start),
    dueAt: due === null ? null : new Date(due),
    achievedAt: cycle.end === null ? null : new Date(cycle.end),
    state,
    targetMinutes: target.minutes,
    businessHours: target.businessHours,
    elapsedMinutes: elapsed / MINUTE,
    remainingMinutes: (targetMs - elapsed) / MINUTE,
    pausedIntervals: clipSpans(pauses, cycle.start, cycle.end ?? Infinity)
      .filter((p) => p.from <= now)
      .map((p) => ({ from: new Date(p.from), to: p.to === Infinity ? null : new Date(p.to) })),
  };
}

export function warningKey(w: SlaWarning): string {
  return 'percentUsed' in w ? `percent_used:${w.percentUsed}` : `minutes_left:${w.minutesLeft}`;
}

function warningAmountMs(w: SlaWarning, targetMs: number): number {
  const amount = 'percentUsed' in w ? (targetMs * w.percentUsed) / 100 : targetMs - w.minutesLeft * MINUTE;
  return Math.max(0, Math.min(targetMs, Math.round(amount)));
}

/** Every target's clock for a case at `now`. Throws `validation_failed` for a bad calendar or a timeline without creation. */
export function computeSlaClocks(input: SlaClockInput): SlaClockResult {
  const now = input.now.getTime();
  const cal = compiled(input.calendar);
  const tl = readTimeline(input, now);
  const pauses = mergeSpans([...tl.statusPauses, ...pauseSpans(input.extraPauses ?? [])]);
  const result = {} as SlaClockResult;
  for (const name of slaTargetNames) {
    const measured = tl.cycles[name].map((c) => measureCycle(name, c, tl, pauses, cal, now, input.warnings ?? []));
    const latest = measured.at(-1);
    if (!latest) {
      result[name] = null;
      continue;
    }
    const cycles = measured
      .filter((m) => m !== null)
      .map(({ startedAt, dueAt, achievedAt, state }) => ({ startedAt, dueAt, achievedAt, state }));
    result[name] = { ...latest, cycles };
  }
  return result;
}
