// The dashboards' shared filters, kept in the URL (so a view can be bookmarked, shared and survives
// a reload): the period, team, channel and category, and whether to compare with the previous
// period. Periods are computed in the viewer's time zone, which is also sent to the server for the
// hour and day buckets, so "today" and its hours mean the same on both sides.
import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import type { CaseDimensionFilters, MetricQuery } from '../report-api';

export const PERIOD_PRESETS = [
  { value: 'today', label: 'Today' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
  { value: 'custom', label: 'Custom' },
] as const;
export type PeriodPreset = (typeof PERIOD_PRESETS)[number]['value'];

export type DashboardFilters = {
  preset: PeriodPreset;
  /** Custom period: first and last local day, "2030-01-31". */
  fromDay: string;
  toDay: string;
  teamId: string | null;
  channel: string | null;
  categoryId: string | null;
  compare: boolean;
};

/** A period as instants, [from, to), and how long it is in local days. */
export type Period = { from: string; to: string; days: number };

const QUARTER_HOUR_MS = 15 * 60_000;

export const viewerTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** "2030-01-31" in the viewer's own calendar. */
export function localDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function startOfLocalDay(day: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return null;
  const date = new Date(`${day}T00:00:00`);
  return Number.isNaN(date.getTime()) ? null : date;
}

function addDays(date: Date, days: number): Date {
  const next = new Date(date);
  next.setDate(next.getDate() + days);
  return next;
}

/**
 * The next quarter hour after now: the server cuts periods at quarter hours, so ending a period
 * "now" there keeps the cases of the current quarter hour in (nothing later exists yet).
 */
export function endOfNow(now = Date.now()): Date {
  return new Date(Math.floor(now / QUARTER_HOUR_MS) * QUARTER_HOUR_MS + QUARTER_HOUR_MS);
}

/** The local day `days` days from `from`. */
export function shiftDay(day: string, days: number): string {
  const start = startOfLocalDay(day);
  return start ? localDay(addDays(start, days)) : day;
}

/** The period of whole local days [fromDay, toDay], cut at now; null when it is empty or malformed. */
export function periodOfDays(fromDay: string, toDay: string, now = Date.now()): Period | null {
  const start = startOfLocalDay(fromDay);
  const last = startOfLocalDay(toDay);
  if (!start || !last || last < start) return null;
  const end = new Date(Math.min(addDays(last, 1).getTime(), endOfNow(now).getTime()));
  if (!(start < end)) return null;
  const days = Math.round((addDays(last, 1).getTime() - start.getTime()) / 86_400_000);
  return { from: start.toISOString(), to: end.toISOString(), days };
}

/** The days a filter selects: today, the last 7 or 30 days including today, or the custom ones. */
export function daysOf(filters: Pick<DashboardFilters, 'preset' | 'fromDay' | 'toDay'>, now = Date.now()): [string, string] {
  const today = localDay(new Date(now));
  if (filters.preset === 'today') return [today, today];
  if (filters.preset === '7d') return [shiftDay(today, -6), today];
  if (filters.preset === '30d') return [shiftDay(today, -29), today];
  return [filters.fromDay, filters.toDay];
}

/**
 * The previous period of equal length: the same local days and times moved back by the period's
 * length in days (today until now → yesterday until the same time).
 */
export function previousPeriod(period: Period): Period {
  const back = (iso: string) => addDays(new Date(iso), -period.days).toISOString();
  return { from: back(period.from), to: back(period.to), days: period.days };
}

export function describePeriod(filters: DashboardFilters): string {
  if (filters.preset !== 'custom') return PERIOD_PRESETS.find((p) => p.value === filters.preset)?.label ?? '';
  return filters.fromDay === filters.toDay ? filters.fromDay : `${filters.fromDay} – ${filters.toDay}`;
}

const PRESET_VALUES = new Set<string>(PERIOD_PRESETS.map((p) => p.value));

/** The filters in the URL, and a way to change some of them (replacing the history entry). */
export function useDashboardFilters(): [DashboardFilters, (changes: Partial<DashboardFilters>) => void] {
  const [params, setParams] = useSearchParams();
  const preset = params.get('period') ?? '7d';
  const today = localDay(new Date());
  const filters: DashboardFilters = {
    preset: (PRESET_VALUES.has(preset) ? preset : '7d') as PeriodPreset,
    fromDay: params.get('from') ?? shiftDay(today, -6),
    toDay: params.get('to') ?? today,
    teamId: params.get('team'),
    channel: params.get('channel'),
    categoryId: params.get('category'),
    compare: params.get('compare') === '1',
  };
  const setFilters = (changes: Partial<DashboardFilters>) => {
    const next = { ...filters, ...changes };
    setParams(
      (old) => {
        const out = new URLSearchParams(old);
        const put = (key: string, value: string | null) => (value ? out.set(key, value) : out.delete(key));
        put('period', next.preset === '7d' ? null : next.preset);
        put('from', next.preset === 'custom' ? next.fromDay : null);
        put('to', next.preset === 'custom' ? next.toDay : null);
        put('team', next.teamId);
        put('channel', next.channel);
        put('category', next.categoryId);
        put('compare', next.compare ? '1' : null);
        return out;
      },
      { replace: true },
    );
  };
  return [filters, setFilters];
}

/** The filters as the metric endpoints take them. */
export function metricFilters(filters: DashboardFilters): Pick<MetricQuery, 'teamId' | 'channel' | 'categoryId' | 'timeZone'> {
  return {
    teamId: filters.teamId ?? undefined,
    channel: filters.channel ?? undefined,
    categoryId: filters.categoryId ?? undefined,
    timeZone: viewerTimeZone(),
  };
}

/** The filters as the case list takes them. */
export function caseFilters(filters: DashboardFilters): CaseDimensionFilters {
  return { teamId: filters.teamId ?? undefined, channel: filters.channel ?? undefined, categoryId: filters.categoryId ?? undefined };
}

/** The time now, moving on every minute, so periods that end "now" move on with it. */
export function useNow(intervalMs = 60_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

export type DashboardPeriod = {
  filters: DashboardFilters;
  /** Null when the custom days make no period (the last before the first, or in the future). */
  period: Period | null;
  /** The period before, of equal length, when comparing. */
  previous: Period | null;
  /** The metric endpoints' filters. */
  dims: ReturnType<typeof metricFilters>;
  now: number;
};

/** The period the filters select (or today, for the operations view), and the one before it. */
export function useDashboardPeriod(options: { today?: boolean } = {}): DashboardPeriod {
  const [filters] = useDashboardFilters();
  const now = useNow();
  const today = localDay(new Date(now));
  const [fromDay, toDay] = options.today ? [today, today] : daysOf(filters, now);
  const period = periodOfDays(fromDay, toDay, now);
  const previous = period && filters.compare ? previousPeriod(period) : null;
  return { filters, period, previous, dims: metricFilters(filters), now };
}

/**
 * The labels of the local hour or day buckets of a period, as the server names its groups
 * ("2030-01-31T09:00", "2030-01-31"), so empty buckets still get their place on a chart.
 */
export function timeBuckets(period: Period, unit: 'hour' | 'day'): string[] {
  const out: string[] = [];
  const end = new Date(period.to);
  const cursor = new Date(period.from);
  if (unit === 'hour') cursor.setMinutes(0, 0, 0);
  else cursor.setHours(0, 0, 0, 0);
  for (let i = 0; i < 2000 && cursor < end; i++) {
    const day = localDay(cursor);
    out.push(unit === 'hour' ? `${day}T${String(cursor.getHours()).padStart(2, '0')}:00` : day);
    if (unit === 'hour') cursor.setHours(cursor.getHours() + 1);
    else cursor.setDate(cursor.getDate() + 1);
  }
  return [...new Set(out)];
}
