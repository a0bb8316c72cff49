// Business-hours calendar arithmetic: which instants a calendar is open, how much open (and
// unpaused) time lies between two instants, and when a number of open minutes is used up.
// Pure functions over instants; the calendar's IANA zone is the only place wall-clock time
// exists. docs/sla.md states the rules; in short:
//   - Opening intervals are wall-clock times of the calendar's zone ("HH:MM", end may be "24:00").
//     An interval whose end is not after its start is overnight (Mon 22:00–06:00 ends on Tuesday);
//     several intervals a day are allowed and overlapping ones merge.
//   - Intervals last what the clock says on daylight-saving days (London 2026-03-29 00:00–03:00 is
//     2 h). A wall time inside a spring-forward gap means the first instant after the gap; a wall
//     time that occurs twice (fall-back fold) means its first occurrence.
//   - A holiday closes its whole local date, 00:00–24:00, including the part of an overnight
//     interval that falls on it; a partial holiday closes a wall-clock range of one date.
//   - Counting starts at `start` or at the next opening; a target used up exactly at the end of an
//     interval is due at that end, not at the next opening. A zero-minute target is due at `start`,
//     open or not. Pauses stop both business and calendar time.
//   - The search for a due time gives up about 10 years after the start (or after the last pause).
import { IANAZone } from 'luxon';
import { AppError } from './errors.js';

export const weekdays = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof weekdays)[number];

/** Wall-clock "HH:MM" times in the calendar's zone; `end` may be "24:00"; end <= start is overnight. */
export type OpeningInterval = { start: string; end: string };
/** A local date "YYYY-MM-DD" closed all day, or a wall-clock range of that date (start < end). */
export type Holiday = string | { date: string; start: string; end: string };

export type BusinessCalendar = {
  timeZone: string;
  weekly: Partial<Record<Weekday, readonly OpeningInterval[]>>;
  holidays?: readonly Holiday[];
};

/** A stretch of time when a clock does not run; `to: null` means it has not ended. */
export type Pause = { from: Date; to: Date | null };

/** Instants as epoch milliseconds; `to` may be Infinity. */
export type Span = { from: number; to: number };

export type CompiledCalendar = {
  zone: IANAZone;
  /** Per weekday (0 = Monday), intervals as [start, end) minutes of the day, sorted by start. */
  weekly: readonly (readonly { start: number; end: number }[])[];
  /** Holiday closures as sorted, merged instants. */
  closed: readonly Span[];
};

export type ValidationIssue = { path: string; message: string };

const MINUTE = 60_000;
const DAY = 86_400_000;
/** How far a due-time search looks before declaring a target unreachable. */
const HORIZON_MS = 3653 * DAY;

const timePattern = /^(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$/;
const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a zone name the runtime's time-zone database knows (fixed offsets and "local" are not). */
export function isValidTimeZone(name: string): boolean {
  // Node 22's Intl also accepts offset zones such as "+01:00"; those are not IANA names and
  // would silently ignore daylight saving, so they are refused by shape first.
  return ianaNamePattern.test(name) && IANAZone.isValidZone(name);
}

const ianaNamePattern = /^[A-Za-z][A-Za-z_]*(?:\/[A-Za-z0-9_+-]+)*$/;

/** Minutes since midnight of an "HH:MM" time ("24:00" → 1440), or null if malformed. */
export function parseWallTime(text: string): number | null {
  const m = timePattern.exec(text);
  if (!m) return null;
  return m[3] ? 1440 : Number(m[1]) * 60 + Number(m[2]);
}

/** Days since 1970-01-01 of a "YYYY-MM-DD" date, or null if it is not a real date. */
export function parseLocalDate(text: string): number | null {
  const m = datePattern.exec(text);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  return ms / DAY;
}

function weekdayIndex(dayNumber: number): number {
  // 1970-01-01 was a Thursday, index 3 when Monday is 0.
  return (((dayNumber + 3) % 7) + 7) % 7;
}

const probes = new Map<string, Map<number, number>>();

/** The zone's offset 14 h before `day` begins in UTC: before any zone's local `day` begins. Memoised. */
function probeOffset(zone: IANAZone, day: number): number {
  let byDay = probes.get(zone.name);
  if (!byDay || byDay.size > 100_000) {
    byDay = new Map();
    probes.set(zone.name, byDay);
  }
  let offset = byDay.get(day);
  if (offset === undefined) {
    offset = zone.offset(day * DAY - 14 * 3_600_000);
    byDay.set(day, offset);
  }
  return offset;
}

/**
 * The instant at which the zone's clocks show `wallMs` (a wall time written as if it were UTC).
 * In a spring-forward gap: the first instant after the gap. In a fall-back fold: the first occurrence.
 */
function wallToInstant(zone: IANAZone, wallMs: number): number {
  // Fast path: the same offset four days apart means no transition near this wall time (no zone
  // changes its offset and back within days), so the wall time maps with that offset.
  const day = Math.floor(wallMs / DAY);
  const steady = probeOffset(zone, day - 1);
  if (steady === probeOffset(zone, day + 3)) return wallMs - steady * MINUTE;
  const before = zone.offset(wallMs - DAY);
  const after = zone.offset(wallMs + DAY);
  let best = Infinity;
  for (const offset of before === after ? [before] : [before, after]) {
    const t = wallMs - offset * MINUTE;
    if (zone.offset(t) === offset) best = Math.min(best, t);
  }
  if (best !== Infinity) return best;
  // No instant shows this wall time: find the transition that skipped it, to the millisecond.
  let lo = wallMs - after * MINUTE;
  let hi = wallMs - before * MINUTE;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (zone.offset(mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

function localDayNumber(zone: IANAZone, ms: number): number {
  return Math.floor((ms + offsetAt(zone, ms) * MINUTE) / DAY);
}

/**
 * The zone's offset at an instant. Asking the zone costs an Intl formatting each time (a third of
 * an SLA evaluation's time); the memoised probes answer instead when the offset is the same from
 * before this UTC day begins to after it ends, as it is on all but transition days.
 */
function offsetAt(zone: IANAZone, ms: number): number {
  const day = Math.floor(ms / DAY);
  const steady = probeOffset(zone, day - 1);
  return steady === probeOffset(zone, day + 2) ? steady : zone.offset(ms);
}

function instantAt(zone: IANAZone, dayNumber: number, minuteOfDay: number): number {
  return wallToInstant(zone, dayNumber * DAY + minuteOfDay * MINUTE);
}

/** Sorts and merges spans that overlap or touch. */
export function mergeSpans(spans: readonly Span[]): Span[] {
  const sorted = spans.filter((s) => s.to > s.from).sort((a, b) => a.from - b.from);
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.from <= last.to) last.to = Math.max(last.to, s.to);
    else out.push({ ...s });
  }
  return out;
}

function fail(issues: ValidationIssue[]): never {
  const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
  throw new AppError('validation_failed', summary, { issues });
}

function compileWeekly(weekly: BusinessCalendar['weekly'], issues: ValidationIssue[]): { start: number; end: number }[][] {
  const out: { start: number; end: number }[][] = weekdays.map(() => []);
  for (const key of Object.keys(weekly ?? {})) {
    const day = weekdays.indexOf(key as Weekday);
    if (day < 0) {
      issues.push({ path: `weekly.${key}`, message: `not a weekday; use ${weekdays.join(', ')}` });
      continue;
    }
    (weekly[key as Weekday] ?? []).forEach((interval, i) => {
      const start = parseWallTime(interval.start);
      const end = parseWallTime(interval.end);
      if (start === null || start === 1440)
        issues.push({ path: `weekly.${key}.${i}.start`, message: 'must be "HH:MM" from 00:00 to 23:59' });
      if (end === null) issues.push({ path: `weekly.${key}.${i}.end`, message: 'must be "HH:MM" from 00:00 to 24:00' });
      if (start === null || start === 1440 || end === null) return;
      out[day]!.push({ start, end: end <= start ? end + 1440 : end });
    });
    out[day]!.sort((a, b) => a.start - b.start);
  }
  if (issues.length === 0 && out.every((d) => d.length === 0))
    issues.push({ path: 'weekly', message: 'the calendar has no opening hours' });
  return out;
}

function compileHolidays(zone: IANAZone | null, holidays: readonly Holiday[], issues: ValidationIssue[]): Span[] {
  const spans: Span[] = [];
  holidays.forEach((h, i) => {
    const whole = typeof h === 'string';
    const day = parseLocalDate(whole ? h : h.date);
    if (day === null) {
      issues.push({ path: whole ? `holidays.${i}` : `holidays.${i}.date`, message: 'must be a real date "YYYY-MM-DD"' });
      return;
    }
    const start = whole ? 0 : parseWallTime(h.start);
    const end = whole ? 1440 : parseWallTime(h.end);
    if (start === null || end === null || start >= end) {
      issues.push({ path: `holidays.${i}`, message: 'a partial holiday needs "HH:MM" start before end (end may be 24:00)' });
      return;
    }
    if (zone) spans.push({ from: instantAt(zone, day, start), to: instantAt(zone, day, end) });
  });
  return mergeSpans(spans);
}

/** Checks a calendar and turns it into instants-ready form; throws `validation_failed` listing every problem. */
export function compileCalendar(calendar: BusinessCalendar): CompiledCalendar {
  const issues: ValidationIssue[] = [];
  const zone = typeof calendar.timeZone === 'string' && isValidTimeZone(calendar.timeZone) ? IANAZone.create(calendar.timeZone) : null;
  if (!zone) issues.push({ path: 'timeZone', message: `"${String(calendar.timeZone)}" is not an IANA time zone such as Europe/London` });
  const weekly = compileWeekly(calendar.weekly, issues);
  const closed = compileHolidays(zone, calendar.holidays ?? [], issues);
  if (issues.length > 0 || !zone) fail(issues);
  return { zone, weekly, closed };
}

const compiledCache = new WeakMap<BusinessCalendar, CompiledCalendar>();

/** compileCalendar, memoised per calendar object. */
export function compiled(calendar: BusinessCalendar): CompiledCalendar {
  let c = compiledCache.get(calendar);
  if (!c) {
    c = compileCalendar(calendar);
    compiledCache.set(calendar, c);
  }
  return c;
}

/** The weekly opening intervals as instants, sorted by start, possibly overlapping, before holidays. */
function* weeklySpans(cal: CompiledCalendar, from: number, until: number): Generator<Span> {
  // Start a day early: an overnight interval of the previous day may still be open at `from`.
  const last = localDayNumber(cal.zone, until) + 1;
  for (let day = localDayNumber(cal.zone, from) - 1; day <= last; day++) {
    for (const iv of cal.weekly[weekdayIndex(day)]!) {
      const span = { from: instantAt(cal.zone, day, iv.start), to: instantAt(cal.zone, day, iv.end) };
      if (span.to > span.from) yield span;
    }
  }
}

/** Spans sorted by start → non-overlapping spans (they may touch), clipped to [from, until). */
function* disjoint(spans: Iterable<Span>, from: number, until: number): Generator<Span> {
  let cursor = from;
  for (const s of spans) {
    if (s.from >= until) return;
    const start = Math.max(s.from, cursor);
    const end = Math.min(s.to, until);
    if (end > start) {
      yield { from: start, to: end };
      cursor = end;
    }
  }
}

/** Removes sorted, merged `closed` spans from a sorted stream of disjoint spans. */
function* subtract(spans: Iterable<Span>, closed: readonly Span[]): Generator<Span> {
  let k = 0;
  for (const s of spans) {
    let start = s.from;
    while (k < closed.length && closed[k]!.to <= start) k++;
    let j = k;
    while (j < closed.length && closed[j]!.from < s.to) {
      const c = closed[j]!;
      if (c.from > start) yield { from: start, to: c.from };
      start = Math.max(start, c.to);
      if (start >= s.to) break;
      j++;
    }
    if (start < s.to) yield { from: start, to: s.to };
  }
}

/**
 * The time a clock counts from `from` on: the calendar's open time (or all time when `calendar` is
 * null, for calendar-time targets) minus `stops`, as disjoint sorted spans ending before `until`.
 * The stream ends where an endless stop begins and, for a calendar, at the search horizon.
 */
function countedSpans(calendar: CompiledCalendar | null, from: number, until: number, stops: readonly Span[]): Iterable<Span> {
  const endless = stops.find((s) => s.to === Infinity && s.from < until);
  let end = endless ? Math.max(from, endless.from) : until;
  if (!calendar) return subtract(disjoint([{ from, to: end }], from, end), stops);
  if (end === Infinity) {
    const lastStopEnd = stops.reduce((m, s) => (s.to === Infinity ? m : Math.max(m, s.to)), from);
    end = lastStopEnd + HORIZON_MS;
  }
  const closed = stops.length === 0 ? calendar.closed : mergeSpans([...calendar.closed, ...stops]);
  return subtract(disjoint(weeklySpans(calendar, from, end), from, end), closed);
}

/** Milliseconds the clock counts in [from, to): open (or all, with no calendar) and not stopped. */
export function countMs(calendar: CompiledCalendar | null, from: number, to: number, stops: readonly Span[] = []): number {
  if (!(to > from)) return 0;
  let total = 0;
  for (const s of countedSpans(calendar, from, to, stops)) total += s.to - s.from;
  return total;
}

/**
 * Moves the clock forward from `from` by `amount` counted milliseconds, stopping at `until`.
 * Returns the instant the amount is used up, or how much was counted before `until` (or before an
 * endless stop or the search horizon, when `until` is Infinity).
 */
export function advanceMs(
  calendar: CompiledCalendar | null,
  from: number,
  amount: number,
  stops: readonly Span[] = [],
  until = Infinity,
): { reachedAt: number } | { counted: number } {
  if (amount <= 0) return { reachedAt: from };
  let left = amount;
  for (const s of countedSpans(calendar, from, until, stops)) {
    const length = s.to - s.from;
    // `<=`: a target used up exactly at the end of an interval is due at that end.
    if (left <= length) return { reachedAt: s.from + left };
    left -= length;
  }
  return { counted: amount - left };
}

function toMs(instant: Date, what: string): number {
  const ms = instant instanceof Date ? instant.getTime() : NaN;
  if (!Number.isFinite(ms)) fail([{ path: what, message: 'is not a valid instant' }]);
  return ms;
}

function minutesToMs(minutes: number): number {
  if (!Number.isFinite(minutes) || minutes < 0) fail([{ path: 'minutes', message: 'must be a number of minutes, 0 or more' }]);
  return Math.round(minutes * MINUTE);
}

/** Pauses as sorted, merged spans; a pause without an end stops the clock for good. */
export function pauseSpans(pauses: readonly Pause[]): Span[] {
  return mergeSpans(
    pauses.map((p, i) => {
      const from = toMs(p.from, `pauses.${i}.from`);
      const to = p.to === null ? Infinity : toMs(p.to, `pauses.${i}.to`);
      if (to < from) fail([{ path: `pauses.${i}`, message: 'ends before it starts' }]);
      return { from, to };
    }),
  );
}

/** The calendar's open intervals within [from, to), holidays removed, overlapping and touching ones merged. */
export function openIntervalsBetween(calendar: BusinessCalendar, from: Date, to: Date): { from: Date; to: Date }[] {
  const a = toMs(from, 'from');
  const b = toMs(to, 'to');
  if (!(b > a)) return [];
  const cal = compiled(calendar);
  return mergeSpans([...subtract(disjoint(weeklySpans(cal, a, b), a, b), cal.closed)]).map((s) => ({
    from: new Date(s.from),
    to: new Date(s.to),
  }));
}

/** Open, unpaused minutes in [from, to) (fractional when the instants are not whole minutes apart). */
export function businessMinutesBetween(calendar: BusinessCalendar, from: Date, to: Date, pauses: readonly Pause[] = []): number {
  return countMs(compiled(calendar), toMs(from, 'from'), toMs(to, 'to'), pauseSpans(pauses)) / MINUTE;
}

/** Unpaused minutes in [from, to). */
export function calendarMinutesBetween(from: Date, to: Date, pauses: readonly Pause[] = []): number {
  return countMs(null, toMs(from, 'from'), toMs(to, 'to'), pauseSpans(pauses)) / MINUTE;
}

function due(calendar: CompiledCalendar | null, start: Date, minutes: number, pauses: readonly Pause[]): Date {
  const from = toMs(start, 'start');
  const result = advanceMs(calendar, from, minutesToMs(minutes), pauseSpans(pauses));
  if ('reachedAt' in result) return new Date(result.reachedAt);
  const why = pauses.some((p) => p.to === null)
    ? 'a pause without an end stops the clock first'
    : 'the calendar is not open long enough within 10 years';
  fail([{ path: 'minutes', message: `the target is never reached: ${why}` }]);
}

/** The instant at which `minutes` of open, unpaused time counted from `start` are used up. */
export function addBusinessMinutes(calendar: BusinessCalendar, start: Date, minutes: number, pauses: readonly Pause[] = []): Date {
  return due(compiled(calendar), start, minutes, pauses);
}

/** The instant at which `minutes` of unpaused time counted from `start` are used up. */
export function addCalendarMinutes(start: Date, minutes: number, pauses: readonly Pause[] = []): Date {
  return due(null, start, minutes, pauses);
}

export type TimeTarget = { minutes: number; businessHours: boolean };

/** Due instants of several named targets started together, as the SLA preview shows them. */
export function dueTimes(
  calendar: BusinessCalendar,
  start: Date,
  targets: Readonly<Record<string, TimeTarget>>,
  pauses: readonly Pause[] = [],
): Record<string, Date> {
  const cal = compiled(calendar);
  return Object.fromEntries(
    Object.entries(targets).map(([name, t]) => {
      try {
        return [name, due(t.businessHours ? cal : null, start, t.minutes, pauses)];
      } catch (err) {
        if (err instanceof AppError) throw new AppError(err.code, `targets.${name}: ${err.message}`, err.details);
        throw err;
      }
    }),
  );
}
