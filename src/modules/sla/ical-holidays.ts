// Imports holidays from an iCalendar (RFC 5545) file, such as a government's bank-holiday feed or an
// exported "office closed" calendar, as the holidays of a business calendar (src/lib/business-time.ts).
// Pure: no clock, no I/O, no library beyond luxon's time-zone database. The rules:
//   - Each VEVENT becomes holidays of options.timeZone. An all-day event (DTSTART;VALUE=DATE) closes
//     every date from DTSTART up to but excluding DTEND (one date without DTEND; DURATION P1D, P1W…).
//     A timed event closes its instants: per local date it touches, the whole date when it covers it,
//     otherwise a partial holiday { date, start, end } ("24:00" when it runs to local midnight).
//     Seconds round outwards to whole minutes, so the holidays always cover the event.
//   - Times ending in Z are UTC. TZID must be an IANA zone name; any other (Windows names, custom
//     VTIMEZONE ids) skips the event as "unknown time zone X": VTIMEZONE definitions are not read. A
//     time with neither is floating and read in options.timeZone, except that EXDATE, RDATE, UNTIL and
//     RECURRENCE-ID without TZID are read in their event's DTSTART zone. A wall time that does not
//     exist uses the offset from before the gap; one that occurs twice means its first occurrence.
//   - Recurrence: RRULE with FREQ=YEARLY, MONTHLY, WEEKLY or DAILY and INTERVAL, COUNT, UNTIL;
//     BYMONTH and BYMONTHDAY only when they repeat DTSTART's month and day (YEARLY, MONTHLY); BYDAY
//     only as plain weekdays with WEEKLY (which it expands, WKST honoured) or DAILY (which it
//     filters). DTSTART is always the first occurrence. RDATE (dates and date-times) adds
//     occurrences, EXDATE removes them, and an event with RECURRENCE-ID replaces the occurrence of the
//     event with the same UID that it names. Anything else in a recurrence skips the event.
//   - Window: only dates from options.from to options.to (inclusive) are produced. Without them, each
//     event's window runs from 1 January of its DTSTART year to 31 December five years later; with
//     only `from`, to 31 December five years after `from`'s year; with only `to`, from 1 January of
//     the DTSTART year. A fixed default keeps the function pure (no "today"). One import expands at
//     most 100,000 recurrence occurrences (those before the window included); a recurring event met
//     after that budget is spent is skipped, never cut short.
//   - Every VEVENT either yields at least one holiday or is listed in `skipped` with a reason:
//     cancelled (STATUS:CANCELLED) or free (TRANSP:TRANSPARENT) events, which are skipped before their
//     dates are read, unknown time zones, unsupported recurrence parts, events that close no time, and
//     events with no date in the window. VTODO, VJOURNAL, VALARM, VTIMEZONE… are ignored.
//   - Text that cannot be read (no BEGIN:VCALENDAR, unbalanced BEGIN/END, malformed lines, unreal
//     dates, malformed DURATION or RRULE, DTEND of another type than DTSTART) throws validation_failed
//     with details { field: 'ical', line } naming the (first physical) line.
//   - Output is sorted by date and merged per date: overlapping or touching ranges join, a whole date
//     absorbs any range on it, and ranges that add up to the whole date become the date.
import { IANAZone } from 'luxon';
import { compileCalendar, isValidTimeZone, parseLocalDate } from '../../lib/business-time.js';
import { AppError } from '../../lib/errors.js';

/** The same shapes as business-time's `Holiday`: a whole local date, or a wall-clock range of one. */
export type ImportedHoliday = string | { date: string; start: string; end: string };
export type IcalSkippedEvent = { uid: string | null; summary: string | null; reason: string };
export type IcalImportResult = { holidays: ImportedHoliday[]; skipped: IcalSkippedEvent[] };
/** `timeZone`: the IANA zone of the business calendar; `from`/`to`: "YYYY-MM-DD", inclusive. */
export type IcalImportOptions = { timeZone: string; from?: string; to?: string };

const MINUTE = 60_000;
const DAY = 86_400_000;
/**
 * Recurrence occurrences one import may generate, counting those before the window (which cost
 * little); recurring events met after the budget is spent are skipped.
 */
const MAX_OCCURRENCES = 100_000;
const LAST_DAY = Date.UTC(9999, 11, 31) / DAY;

type Prop = { name: string; params: Map<string, string[]>; value: string; line: number };
type RawEvent = { line: number; props: Prop[] };

/**
 * A DATE, or a DATE-TIME: `day` and `clock` (ms since midnight) as written, in `zone`, which is the
 * instant `at`.
 */
type Moment = { kind: 'date'; day: number } | { kind: 'time'; day: number; clock: number; zone: IANAZone; at: number };

type Freq = 'YEARLY' | 'MONTHLY' | 'WEEKLY' | 'DAILY';
type Rule = { freq: Freq; interval: number; count: number | null; until: Moment | null; byDay: Set<number> | null; wkst: number };

/** One date's closure: the whole date, or [start, end) minutes of it. */
type Entry = { day: number; start: number; end: number };

type Context = {
  timeZone: string;
  zone: IANAZone;
  from: number | null;
  to: number | null;
  dayBounds: Map<number, Span>;
  /** Occurrences generated so far, against MAX_OCCURRENCES. */
  generated: number;
};
type Span = { from: number; to: number };

/** An event that is readable but not imported; caught per event and reported in `skipped`. */
class Skip extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

function fail(line: number, message: string): never {
  throw new AppError('validation_failed', `iCalendar line ${line}: ${message}`, { field: 'ical', line });
}

function clip(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}

/** Converts iCalendar text into holidays of `options.timeZone`; see the rules at the top of this file. */
export function parseIcalHolidays(text: string, options: IcalImportOptions): IcalImportResult {
  const ctx = readOptions(options);
  const events = readEvents(text);
  const replaced = replacedOccurrences(events, ctx);
  const entries: Entry[] = [];
  const skipped: IcalSkippedEvent[] = [];
  for (const event of events) {
    const uid = first(event, 'UID')?.value.trim() ?? null;
    const summaryProp = first(event, 'SUMMARY');
    const summary = summaryProp ? unescapeText(summaryProp.value) : null;
    try {
      const isOverride = first(event, 'RECURRENCE-ID') !== undefined;
      entries.push(...importEvent(event, ctx, isOverride || uid === null ? [] : (replaced.get(uid) ?? [])));
    } catch (err) {
      if (!(err instanceof Skip)) throw err;
      skipped.push({ uid, summary, reason: err.reason });
    }
  }
  return { holidays: toHolidays(entries), skipped };
}

function readOptions(options: IcalImportOptions): Context {
  const { timeZone } = options;
  if (typeof timeZone !== 'string' || !isValidTimeZone(timeZone))
    throw new AppError('validation_failed', `"${String(timeZone)}" is not an IANA time zone such as Europe/London`, {
      field: 'timeZone',
    });
  const day = (field: 'from' | 'to'): number | null => {
    const value = options[field];
    if (value === undefined) return null;
    const parsed = typeof value === 'string' ? parseLocalDate(value) : null;
    if (parsed === null) throw new AppError('validation_failed', `${field} must be a real date "YYYY-MM-DD"`, { field });
    return parsed;
  };
  const from = day('from');
  const to = day('to');
  if (from !== null && to !== null && from > to) throw new AppError('validation_failed', 'from must not be after to', { field: 'to' });
  return { timeZone, zone: IANAZone.create(timeZone), from, to, dayBounds: new Map(), generated: 0 };
}

// ---- Lines and components ----

/** Logical lines: physical lines (CRLF, LF or CR) with folded continuations (leading space or tab) joined. */
function unfold(text: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\n|\r/)
    .forEach((raw, i) => {
      const last = out[out.length - 1];
      if (last && (raw.startsWith(' ') || raw.startsWith('\t'))) last.text += raw.slice(1);
      else out.push({ text: raw, line: i + 1 });
    });
  return out;
}

const namePattern = /[A-Za-z0-9-]+/y;
const paramValuePattern = /"([^"]*)"|([^";:,]*)/y;

/** NAME *(;PARAM=VALUE[,VALUE]) : VALUE, with quoted parameter values and RFC 6868 ^-escapes. */
function parseLine(text: string, line: number): Prop {
  function bad(): never {
    fail(line, `cannot read ${clip(text)}: expected NAME:VALUE or NAME;PARAM=VALUE:VALUE`);
  }
  namePattern.lastIndex = 0;
  const name = namePattern.exec(text)?.[0];
  if (!name) bad();
  let i = name.length;
  const params = new Map<string, string[]>();
  while (text[i] === ';') {
    namePattern.lastIndex = i + 1;
    const param = namePattern.exec(text)?.[0];
    if (!param || text[i + 1 + param.length] !== '=') bad();
    i += param.length + 2;
    const values: string[] = [];
    for (;;) {
      paramValuePattern.lastIndex = i;
      const m = paramValuePattern.exec(text)!;
      values.push((m[1] ?? m[2] ?? '').replace(/\^([n^'])/g, (_, c: string) => (c === 'n' ? '\n' : c === "'" ? '"' : '^')));
      i += m[0].length;
      if (text[i] !== ',') break;
      i++;
    }
    params.set(param.toUpperCase(), values);
  }
  if (text[i] !== ':') bad();
  return { name: name.toUpperCase(), params, value: text.slice(i + 1), line };
}

/** The VEVENTs directly inside VCALENDARs, with their own properties (not those of nested VALARMs). */
function readEvents(text: string): RawEvent[] {
  const events: RawEvent[] = [];
  const stack: { name: string; line: number }[] = [];
  let current: RawEvent | null = null;
  let sawCalendar = false;
  for (const { text: raw, line } of unfold(text)) {
    if (raw.trim() === '') continue;
    if (stack.length === 0) {
      if (!/^BEGIN:VCALENDAR[ \t]*$/i.test(raw))
        fail(
          line,
          sawCalendar
            ? `unexpected ${clip(raw)} after END:VCALENDAR`
            : `not an iCalendar file: expected BEGIN:VCALENDAR, found ${clip(raw)}`,
        );
      stack.push({ name: 'VCALENDAR', line });
      sawCalendar = true;
      continue;
    }
    const prop = parseLine(raw, line);
    if (prop.name === 'BEGIN' || prop.name === 'END') {
      const name = prop.value.trim().toUpperCase();
      if (!/^[A-Z0-9-]+$/.test(name)) fail(line, `${prop.name}:${clip(prop.value)} does not name a component`);
      if (prop.name === 'BEGIN') {
        if (name === 'VCALENDAR') fail(line, 'BEGIN:VCALENDAR inside another VCALENDAR');
        if (name === 'VEVENT' && stack.length === 1) events.push((current = { line, props: [] }));
        stack.push({ name, line });
      } else {
        const open = stack[stack.length - 1]!;
        if (name !== open.name) fail(line, `END:${name} does not close BEGIN:${open.name} of line ${open.line}`);
        stack.pop();
        if (stack.length === 1) current = null;
      }
    } else if (current && stack.length === 2) {
      current.props.push(prop);
    }
  }
  if (!sawCalendar) fail(1, 'not an iCalendar file: there is no BEGIN:VCALENDAR');
  const open = stack[stack.length - 1];
  if (open) fail(open.line, `BEGIN:${open.name} is never closed by END:${open.name}`);
  return events;
}

function first(event: RawEvent, name: string): Prop | undefined {
  return event.props.find((p) => p.name === name);
}

function all(event: RawEvent, name: string): Prop[] {
  return event.props.filter((p) => p.name === name);
}

function param(prop: Prop, name: string): string | undefined {
  return prop.params.get(name)?.[0];
}

function unescapeText(value: string): string {
  return value.replace(/\\([\\;,nN])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

// ---- Dates and times ----

/** Days since 1970-01-01 of a real date, or null. */
function dayOf(y: number, m: number, d: number): number | null {
  if (m < 1 || m > 12 || d < 1 || d > 31) return null;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return date.getTime() / DAY;
}

function civil(day: number): { y: number; m: number; d: number } {
  const date = new Date(day * DAY);
  return { y: date.getUTCFullYear(), m: date.getUTCMonth() + 1, d: date.getUTCDate() };
}

function formatDay(day: number): string {
  return new Date(day * DAY).toISOString().slice(0, 10);
}

function formatMinutes(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** 0 = Monday. 1970-01-01 was a Thursday. */
function weekdayIndex(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

const probes = new Map<string, Map<number, number>>();

/** The zone's offset in minutes at `t`, asking the time-zone database only near offset changes. */
function offsetAt(zone: IANAZone, t: number): number {
  const day = Math.floor(t / DAY);
  const before = probe(zone, day - 2);
  return before === probe(zone, day + 2) ? before : zone.offset(t);
}

/** The zone's offset at 00:00 UTC of `day`, memoised (the memo is dropped when it grows large). */
function probe(zone: IANAZone, day: number): number {
  let byDay = probes.get(zone.name);
  if (!byDay || byDay.size > 100_000) {
    byDay = new Map();
    probes.set(zone.name, byDay);
  }
  let offset = byDay.get(day);
  if (offset === undefined) {
    offset = zone.offset(day * DAY);
    byDay.set(day, offset);
  }
  return offset;
}

/**
 * The instant at which `zone` shows `wall` (a wall time written as if it were UTC), per RFC 5545
 * §3.3.5: a time that occurs twice is its first occurrence; one skipped by a gap uses the offset from
 * before the gap (London 01:30 on 2026-03-29 is 02:30 BST).
 */
function wallToInstant(zone: IANAZone, wall: number): number {
  const before = offsetAt(zone, wall - DAY);
  const after = offsetAt(zone, wall + DAY);
  let best = Infinity;
  for (const offset of [before, after]) {
    const t = wall - offset * MINUTE;
    if (offsetAt(zone, t) === offset) best = Math.min(best, t);
  }
  return best === Infinity ? wall - before * MINUTE : best;
}

const utc = IANAZone.create('UTC');
const datePattern = /^(\d{4})(\d{2})(\d{2})$/;
const dateTimePattern = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)$/i;

/**
 * The values of a date or date-time property (comma-separated lists allowed). A time without Z or
 * TZID is read in `floating`. An unknown TZID skips the event; anything unreadable throws.
 */
function readMoments(prop: Prop, floating: IANAZone): Moment[] {
  const type = param(prop, 'VALUE')?.toUpperCase();
  if (type !== undefined && type !== 'DATE' && type !== 'DATE-TIME')
    fail(prop.line, `${prop.name};VALUE=${type} is not supported here: use DATE or DATE-TIME`);
  const tzid = param(prop, 'TZID');
  return prop.value.split(',').map((raw) => readMoment(raw.trim(), type, tzid, floating, prop.name, prop.line));
}

function readMoment(
  raw: string,
  type: string | undefined,
  tzid: string | undefined,
  floating: IANAZone,
  name: string,
  line: number,
): Moment {
  const date = datePattern.exec(raw);
  const time = date ? null : dateTimePattern.exec(raw);
  const m = date ?? time;
  if (!m || (date && type === 'DATE-TIME') || (time && type === 'DATE'))
    fail(
      line,
      `${name} value ${clip(raw)} is not a ${type === 'DATE' ? 'date YYYYMMDD' : type === 'DATE-TIME' ? 'date-time YYYYMMDDTHHMMSS[Z]' : 'date (YYYYMMDD) or date-time (YYYYMMDDTHHMMSS[Z])'}`,
    );
  const day = dayOf(Number(m[1]), Number(m[2]), Number(m[3]));
  if (day === null) fail(line, `${name} value ${clip(raw)} is not a real date`);
  if (!time) return { kind: 'date', day };
  const [hour, minute, second] = [Number(time[4]), Number(time[5]), Number(time[6])];
  if (hour > 23 || minute > 59 || second > 60) fail(line, `${name} value ${clip(raw)} is not a real time of day`);
  let zone = floating;
  if (time[7]) zone = utc;
  else if (tzid !== undefined) {
    if (!isValidTimeZone(tzid)) throw new Skip(`unknown time zone ${tzid}`);
    zone = IANAZone.create(tzid);
  }
  // A leap second (:60) is read as :59.
  const clock = ((hour * 60 + minute) * 60 + Math.min(second, 59)) * 1000;
  return { kind: 'time', day, clock, zone, at: wallToInstant(zone, day * DAY + clock) };
}

function readSingleMoment(prop: Prop, floating: IANAZone): Moment {
  const moments = readMoments(prop, floating);
  if (moments.length !== 1) fail(prop.line, `${prop.name} must have exactly one value`);
  return moments[0]!;
}

/** A DURATION as nominal days (weeks count 7) plus exact milliseconds; negative when signed "-". */
function readDuration(prop: Prop): { days: number; ms: number } {
  const raw = prop.value.trim().toUpperCase();
  const m = /^([+-]?)P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(raw);
  const hasTime = raw.includes('T');
  if (!m || (!m[2] && !m[3] && !hasTime) || (hasTime && !m[4] && !m[5] && !m[6]))
    fail(prop.line, `DURATION ${clip(prop.value)} is not a duration such as P1D, P1W or PT4H30M`);
  const sign = m[1] === '-' ? -1 : 1;
  const n = (i: number) => Number(m[i] ?? 0);
  return { days: sign * (n(2) * 7 + n(3)), ms: sign * ((n(4) * 60 + n(5)) * 60 + n(6)) * 1000 };
}

// ---- Recurrence ----

const weekdayCodes = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
const supportedRuleParts = new Set(['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'BYMONTH', 'BYMONTHDAY', 'BYDAY', 'WKST']);

function readRule(prop: Prop, start: Moment, floating: IANAZone): Rule {
  function bad(message: string): never {
    fail(prop.line, `RRULE ${clip(prop.value)}: ${message}`);
  }
  const parts = new Map<string, string>();
  for (const piece of prop.value.trim().split(';')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    if (eq <= 0) bad(`${clip(piece)} is not NAME=VALUE`);
    const key = piece.slice(0, eq).toUpperCase();
    if (parts.has(key)) bad(`${key} appears twice`);
    parts.set(key, piece.slice(eq + 1).toUpperCase());
  }
  const freq = parts.get('FREQ');
  if (freq === undefined) bad('FREQ is missing');
  if (!['SECONDLY', 'MINUTELY', 'HOURLY', 'DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'].includes(freq)) bad(`FREQ=${freq} is not a frequency`);
  const positive = (key: string): number | null => {
    const value = parts.get(key);
    if (value === undefined) return null;
    if (!/^\d{1,9}$/.test(value) || Number(value) < 1) bad(`${key}=${value} is not a positive whole number`);
    return Number(value);
  };
  const interval = positive('INTERVAL') ?? 1;
  const count = positive('COUNT');
  const untilText = parts.get('UNTIL');
  if (count !== null && untilText !== undefined) bad('COUNT and UNTIL must not both be given');
  const until = untilText === undefined ? null : readMoment(untilText, undefined, undefined, floating, 'UNTIL', prop.line);
  const numbers = (key: string, min: number, max: number): number[] | null => {
    const value = parts.get(key);
    if (value === undefined) return null;
    return value.split(',').map((v) => {
      const n = Number(v);
      if (!/^[+-]?\d{1,2}$/.test(v) || Math.abs(n) < min || Math.abs(n) > max) bad(`${key}=${value} is not a list of ${min} to ${max}`);
      return n;
    });
  };
  const byMonth = numbers('BYMONTH', 1, 12);
  const byMonthDay = numbers('BYMONTHDAY', 1, 31);
  const byDayText = parts.get('BYDAY');
  const byDayItems = byDayText
    ?.split(',')
    .map((v) => /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/.exec(v) ?? bad(`BYDAY=${byDayText} is not a list of weekdays`));
  const wkstText = parts.get('WKST');
  if (wkstText !== undefined && !weekdayCodes.includes(wkstText)) bad(`WKST=${wkstText} is not a weekday`);

  // Readable; now what this importer cannot expand.
  const unsupported = [...parts.keys()].filter((k) => !supportedRuleParts.has(k));
  if (unsupported.length > 0) throw new Skip(`unsupported RRULE part ${unsupported.map((k) => `${k}=${parts.get(k)}`).join(';')}`);
  if (freq !== 'YEARLY' && freq !== 'MONTHLY' && freq !== 'WEEKLY' && freq !== 'DAILY') throw new Skip(`unsupported RRULE FREQ=${freq}`);
  let byDay: Set<number> | null = null;
  if (byDayItems) {
    if (byDayItems.some((m) => m[1] !== undefined))
      throw new Skip(`unsupported RRULE BYDAY=${byDayText}: weekdays with an ordinal (such as 4TH or -1MO) are not supported`);
    if (freq !== 'WEEKLY' && freq !== 'DAILY') throw new Skip(`unsupported RRULE BYDAY=${byDayText} with FREQ=${freq}`);
    byDay = new Set(byDayItems.map((m) => weekdayCodes.indexOf(m[2]!)));
  }
  const { m: startMonth, d: startDate } = civil(start.day);
  if (byMonth && (freq !== 'YEARLY' || byMonth.length !== 1 || byMonth[0] !== startMonth))
    throw new Skip(`unsupported RRULE BYMONTH=${parts.get('BYMONTH')} with FREQ=${freq}: only YEARLY with DTSTART's month is supported`);
  if (byMonthDay && (byMonthDay.length !== 1 || byMonthDay[0] !== startDate || !(freq === 'MONTHLY' || (freq === 'YEARLY' && byMonth))))
    throw new Skip(
      `unsupported RRULE BYMONTHDAY=${parts.get('BYMONTHDAY')} with FREQ=${freq}: only DTSTART's day with MONTHLY, or with YEARLY and BYMONTH, is supported`,
    );
  return { freq, interval, count, until, byDay, wkst: wkstText === undefined ? 0 : weekdayCodes.indexOf(wkstText) };
}

/**
 * The dates of a rule's occurrences in order, DTSTART's first, stopping after `lastDay`. Dates that
 * do not exist (29 February in other years, the 31st in shorter months) are not occurrences.
 */
function* ruleDates(rule: Rule, startDay: number, lastDay: number): Generator<number> {
  yield startDay;
  const { y, m, d } = civil(startDay);
  const step = rule.interval;
  if (rule.freq === 'DAILY' || (rule.freq === 'WEEKLY' && !rule.byDay)) {
    const days = rule.freq === 'DAILY' ? step : 7 * step;
    for (let day = startDay + days; day <= lastDay; day += days) if (!rule.byDay || rule.byDay.has(weekdayIndex(day))) yield day;
  } else if (rule.freq === 'WEEKLY') {
    const weekStart = startDay - ((weekdayIndex(startDay) - rule.wkst + 7) % 7);
    for (let week = weekStart; week <= lastDay; week += 7 * step)
      for (let day = week; day < week + 7 && day <= lastDay; day++) if (day > startDay && rule.byDay!.has(weekdayIndex(day))) yield day;
  } else {
    const months = rule.freq === 'YEARLY' ? 12 * step : step;
    for (let k = months; ; k += months) {
      const year = y + Math.floor((m - 1 + k) / 12);
      const month = ((m - 1 + k) % 12) + 1;
      if (year > 9999 || dayOf(year, month, 1)! > lastDay) return;
      const day = dayOf(year, month, d);
      if (day !== null) yield day;
    }
  }
}

// ---- Events ----

/** For each UID, the occurrences that an event with RECURRENCE-ID replaces. */
function replacedOccurrences(events: RawEvent[], ctx: Context): Map<string, Moment[]> {
  const out = new Map<string, Moment[]>();
  for (const event of events) {
    const uid = first(event, 'UID')?.value.trim();
    const rid = first(event, 'RECURRENCE-ID');
    if (!uid || !rid || param(rid, 'RANGE')?.toUpperCase() === 'THISANDFUTURE') continue;
    try {
      const moment = readSingleMoment(rid, eventZone(event, ctx));
      out.set(uid, [...(out.get(uid) ?? []), moment]);
    } catch (err) {
      if (!(err instanceof Skip)) throw err; // the override itself is skipped with this reason later
    }
  }
  return out;
}

/** The zone of DTSTART's TZID when it is a known zone, else options.timeZone: where floating values are read. */
function eventZone(event: RawEvent, ctx: Context): IANAZone {
  const dtstart = first(event, 'DTSTART');
  const tzid = dtstart && param(dtstart, 'TZID');
  return tzid !== undefined && isValidTimeZone(tzid) ? IANAZone.create(tzid) : ctx.zone;
}

/** The event's closures inside its window; throws Skip when it yields none or cannot be imported. */
function importEvent(event: RawEvent, ctx: Context, replaced: Moment[]): Entry[] {
  const status = first(event, 'STATUS')?.value.trim().toUpperCase();
  if (status === 'CANCELLED') throw new Skip('cancelled (STATUS:CANCELLED)');
  if (first(event, 'TRANSP')?.value.trim().toUpperCase() === 'TRANSPARENT') throw new Skip('marked free (TRANSP:TRANSPARENT)');

  const floating = eventZone(event, ctx);
  const dtstarts = all(event, 'DTSTART');
  if (dtstarts.length === 0) fail(event.line, 'this VEVENT has no DTSTART');
  if (dtstarts.length > 1) fail(dtstarts[1]!.line, 'a VEVENT must have only one DTSTART');
  const start = readSingleMoment(dtstarts[0]!, ctx.zone);
  const rid = first(event, 'RECURRENCE-ID');
  if (rid && param(rid, 'RANGE')?.toUpperCase() === 'THISANDFUTURE')
    throw new Skip('RECURRENCE-ID;RANGE=THISANDFUTURE (changing all later occurrences) is not supported');

  // How long each occurrence lasts: whole days, or for timed events exact ms (DTEND) or a nominal
  // duration applied to each occurrence's wall time (DURATION, RFC 5545 §3.8.5.3).
  const dtend = first(event, 'DTEND');
  const durationProp = first(event, 'DURATION');
  if (dtend && durationProp) fail(durationProp.line, 'a VEVENT must not have both DTEND and DURATION');
  const duration = durationProp ? readDuration(durationProp) : null;
  let days = 1;
  let exactMs: number | null = null;
  if (start.kind === 'date') {
    if (dtend) {
      const end = readSingleMoment(dtend, floating);
      if (end.kind !== 'date') fail(dtend.line, 'DTEND must be a date (VALUE=DATE) when DTSTART is a date');
      days = end.day - start.day;
      if (days <= 0) throw new Skip('DTEND is not after DTSTART');
    } else if (duration) {
      if (duration.ms !== 0) fail(durationProp!.line, "an all-day event's DURATION must be whole days or weeks, such as P1D");
      days = duration.days;
      if (days <= 0) throw new Skip('DURATION is not positive');
    }
  } else if (dtend) {
    const end = readSingleMoment(dtend, floating);
    if (end.kind !== 'time') fail(dtend.line, 'DTEND must be a date-time when DTSTART is a date-time');
    exactMs = end.at - start.at;
    if (exactMs <= 0) throw new Skip('DTEND is not after DTSTART');
  } else if (!duration) {
    throw new Skip('no DTEND or DURATION: a timed event without them lasts no time and closes nothing');
  } else if (duration.days < 0 || duration.ms < 0 || duration.days + duration.ms === 0) {
    throw new Skip('DURATION is not positive');
  }

  const rules = all(event, 'RRULE');
  if (rules.length > 1) throw new Skip('more than one RRULE is not supported');
  if (all(event, 'EXRULE').length > 0) throw new Skip('EXRULE is not supported');
  const rule = rules[0] ? readRule(rules[0], start, start.kind === 'time' ? start.zone : floating) : null;
  const extra: Moment[] = [];
  for (const prop of all(event, 'RDATE')) {
    if (param(prop, 'VALUE')?.toUpperCase() === 'PERIOD') throw new Skip('RDATE periods (VALUE=PERIOD) are not supported');
    for (const moment of readMoments(prop, floating)) {
      if (moment.kind !== start.kind)
        throw new Skip(`RDATE ${clip(prop.value)} is not a ${start.kind === 'date' ? 'date' : 'date-time'} like DTSTART`);
      extra.push(moment);
    }
  }
  // EXDATE and replaced occurrences: a date excludes that date (for timed events, the date in their
  // own zone); a date-time excludes that instant (for all-day events, the date it is written on).
  const excluded = [...all(event, 'EXDATE').flatMap((p) => readMoments(p, floating)), ...replaced];
  const excludedDays = new Set(excluded.filter((x) => x.kind === 'date' || start.kind === 'date').map((x) => x.day));
  const excludedInstants = new Set(excluded.flatMap((x) => (x.kind === 'time' ? [x.at] : [])));
  const isExcluded = (o: Moment) => excludedDays.has(o.day) || (o.kind === 'time' && excludedInstants.has(o.at));

  // The window, in local dates of options.timeZone.
  const from = ctx.from ?? dayOf(civil(start.day).y, 1, 1)!;
  const to = ctx.to ?? dayOf(Math.min(9999, civil(ctx.from ?? start.day).y + 5), 12, 31)!;
  const window = `${formatDay(from)} and ${formatDay(to)}`;

  const occurrences: Moment[] = [];
  let early = 0;
  if (rule) {
    // A timed occurrence's date in its own zone may differ from options.timeZone's by a day, so
    // generation runs two days past the window, and an occurrence is known to end before the window
    // only when its date plus its length plus that slack is.
    const lastDay = Math.min(LAST_DAY, to + 2);
    const reach = start.kind === 'date' ? days - 1 : Math.ceil((exactMs ?? duration!.days * DAY + duration!.ms) / DAY) + 2;
    const until = rule.until;
    let count = 0;
    for (const day of ruleDates(rule, start.day, lastDay)) {
      if (++ctx.generated > MAX_OCCURRENCES)
        throw new Skip(`this import expands more than ${MAX_OCCURRENCES} occurrences: narrow options.from and options.to`);
      count++;
      if (day + reach < from) {
        // Before the window: it only counts (COUNT), and UNTIL is checked by date, loosely.
        if (until && day > until.day + 1) break;
        early++;
      } else {
        const o: Moment =
          start.kind === 'date' ? { kind: 'date', day } : { ...start, day, at: wallToInstant(start.zone, day * DAY + start.clock) };
        if (until && (o.kind === 'date' || until.kind === 'date' ? o.day > until.day : o.at > until.at)) break;
        occurrences.push(o);
      }
      if (rule.count !== null && count >= rule.count) break;
    }
  } else {
    occurrences.push(start);
  }
  occurrences.push(...extra);

  const entries: Entry[] = [];
  let excludedCount = 0;
  for (const o of occurrences) {
    if (isExcluded(o)) {
      excludedCount++;
      continue;
    }
    if (o.kind === 'date') {
      for (let day = Math.max(o.day, from); day < o.day + days && day <= to; day++) entries.push({ day, start: 0, end: 1440 });
    } else {
      const end = exactMs !== null ? o.at + exactMs : wallToInstant(o.zone, (o.day + duration!.days) * DAY + o.clock) + duration!.ms;
      entries.push(...timedEntries(ctx, o.at, end, from, to));
    }
  }
  if (entries.length === 0)
    throw new Skip(
      early === 0 && excludedCount > 0 && excludedCount === occurrences.length
        ? 'every occurrence is excluded by EXDATE or RECURRENCE-ID'
        : `no occurrence between ${window}`,
    );
  return entries;
}

/** The local-date pieces of [at, end) in options.timeZone, for dates from `from` to `to`. */
function timedEntries(ctx: Context, at: number, end: number, from: number, to: number): Entry[] {
  const out: Entry[] = [];
  if (localDay(ctx.zone, end) < from) return out;
  for (let day = Math.max(localDay(ctx.zone, at), from); day <= to; day++) {
    const bounds = dayBounds(ctx, day);
    if (bounds.from >= end) break;
    const pieceFrom = Math.max(at, bounds.from);
    const pieceTo = Math.min(end, bounds.to);
    if (pieceTo <= pieceFrom) continue;
    const start = pieceFrom === bounds.from ? 0 : Math.floor(wallMinutes(ctx.zone, pieceFrom, day));
    let stop = pieceTo === bounds.to ? 1440 : Math.ceil(wallMinutes(ctx.zone, pieceTo, day));
    // A wall time in the repeated hour of a fall-back day names its first pass (business-time's
    // rule), which is earlier than the instant read: move the end on until the range covers it.
    const steady = offsetAt(ctx.zone, pieceTo - DAY) === offsetAt(ctx.zone, pieceTo + DAY);
    while (
      stop < 1440 &&
      (stop <= start ||
        (!steady && closedSpan(ctx, { date: formatDay(day), start: formatMinutes(start), end: formatMinutes(stop) }).to < pieceTo))
    )
      stop++;
    out.push({ day, start, end: stop });
  }
  return out;
}

function localDay(zone: IANAZone, at: number): number {
  return Math.floor((at + offsetAt(zone, at) * MINUTE) / DAY);
}

function wallMinutes(zone: IANAZone, at: number, day: number): number {
  return Math.min(1440, Math.max(0, (at + offsetAt(zone, at) * MINUTE - day * DAY) / MINUTE));
}

/** Local midnight to midnight of `day`, exactly as business-time closes a whole-date holiday. */
function dayBounds(ctx: Context, day: number): Span {
  let span = ctx.dayBounds.get(day);
  if (!span) {
    // Fast path: no offset change from a day before to a day after, so midnight is plain arithmetic.
    const offset = offsetAt(ctx.zone, (day - 1) * DAY);
    span =
      offset === offsetAt(ctx.zone, (day + 2) * DAY)
        ? { from: day * DAY - offset * MINUTE, to: (day + 1) * DAY - offset * MINUTE }
        : closedSpan(ctx, formatDay(day));
    ctx.dayBounds.set(day, span);
  }
  return span;
}

/** The instants business-time closes for one holiday of options.timeZone (empty at -Infinity). */
function closedSpan(ctx: Context, holiday: ImportedHoliday): Span {
  const calendar = compileCalendar({ timeZone: ctx.timeZone, weekly: { monday: [{ start: '00:00', end: '24:00' }] }, holidays: [holiday] });
  return calendar.closed[0] ?? { from: -Infinity, to: -Infinity };
}

// ---- Output ----

/** Sorted by date; per date the whole date, or its merged ranges (a full day of ranges is the date). */
function toHolidays(entries: Entry[]): ImportedHoliday[] {
  const byDay = new Map<number, [number, number][]>();
  for (const e of entries) {
    const ranges = byDay.get(e.day);
    if (ranges) ranges.push([e.start, e.end]);
    else byDay.set(e.day, [[e.start, e.end]]);
  }
  const out: ImportedHoliday[] = [];
  for (const day of [...byDay.keys()].sort((a, b) => a - b)) {
    const merged: [number, number][] = [];
    for (const [s, e] of byDay.get(day)!.sort((a, b) => a[0] - b[0])) {
      const last = merged[merged.length - 1];
      if (last && s <= last[1]) last[1] = Math.max(last[1], e);
      else merged.push([s, e]);
    }
    const date = formatDay(day);
    if (merged.length === 1 && merged[0]![0] === 0 && merged[0]![1] === 1440) out.push(date);
    else for (const [s, e] of merged) out.push({ date, start: formatMinutes(s), end: formatMinutes(e) });
  }
  return out;
}
