// Client calls for the manager dashboards (docs/metrics.md, "Report metrics"): a metric over a
// period, grouped by time or a dimension, and the drill-down to the exact cases behind any figure;
// plus the live counts the dashboards show beside them (open unassigned cases). Same client as
// api.ts (CSRF, errors).
import { apiRequest } from './api';
import type { CasePage } from './api-types';

const enc = encodeURIComponent;

export const METRIC_IDS = [
  'created',
  'solved',
  'backlog',
  'first_reply_time',
  'resolution_time',
  'sla_attainment',
  'reopen_rate',
  'one_touch_rate',
  'replies_per_case',
  'escalation_rate',
  'solved_per_agent',
] as const;
export type MetricId = (typeof METRIC_IDS)[number];
export type MetricUnit = 'cases' | 'minutes' | 'percent' | 'replies';

/** Each metric's unit and name as the server defines them (GET /api/reports/metrics). */
export const METRICS: Record<MetricId, { name: string; unit: MetricUnit }> = {
  created: { name: 'Created', unit: 'cases' },
  solved: { name: 'Solved', unit: 'cases' },
  backlog: { name: 'Backlog', unit: 'cases' },
  first_reply_time: { name: 'First reply time', unit: 'minutes' },
  resolution_time: { name: 'Full resolution time', unit: 'minutes' },
  sla_attainment: { name: 'SLA attainment', unit: 'percent' },
  reopen_rate: { name: 'Reopen rate', unit: 'percent' },
  one_touch_rate: { name: 'One-touch resolution', unit: 'percent' },
  replies_per_case: { name: 'Replies per solved case', unit: 'replies' },
  escalation_rate: { name: 'Escalation rate', unit: 'percent' },
  solved_per_agent: { name: 'Solved per agent', unit: 'cases' },
};

export const SLA_TARGETS = ['firstReply', 'nextReply', 'periodicUpdate', 'resolution'] as const;
export type SlaTarget = (typeof SLA_TARGETS)[number];

export const TIME_GROUPINGS = ['hour', 'day', 'week', 'month'] as const;
/** Local hour of the day ("00"–"23") and weekday ("Mon"–"Sun") over the whole period. */
export const CYCLIC_GROUPINGS = ['hour_of_day', 'weekday'] as const;
export const DIMENSION_GROUPINGS = ['team', 'agent', 'channel', 'category', 'priority', 'type'] as const;
export type TimeGrouping = (typeof TIME_GROUPINGS)[number];
export type CyclicGrouping = (typeof CYCLIC_GROUPINGS)[number];
export type DimensionGrouping = (typeof DIMENSION_GROUPINGS)[number];
export type GroupBy = TimeGrouping | CyclicGrouping | DimensionGrouping | 'total';

/** The query of one figure: the period [from, to), how to group, and the case filters. */
export type MetricQuery = {
  from: string;
  to: string;
  groupBy: GroupBy;
  /** For hour/day/week/month buckets, hour_of_day and weekday; the server's zone when absent. */
  timeZone?: string;
  /** sla_attainment only. */
  target?: SlaTarget;
  teamId?: string;
  assigneeId?: string;
  categoryId?: string;
  channel?: string;
  priority?: string;
  type?: string;
};

/** `cases`: how many cases the value counts (what the drill-down lists). */
export type MetricRow = { group: string; value: number | null; cases: number };
export type MetricResult = { metric: MetricId; unit: MetricUnit; rows: MetricRow[] };

export type MetricDefinition = { id: MetricId; name: string; unit: MetricUnit; definition: string; countedAt: string };

export type DrillItem = {
  id: string;
  number: number;
  subject: string;
  status: string;
  priority: string;
  channel: string;
  teamId: string | null;
  assigneeId: string | null;
  createdAt: string;
  /** The instant that put the case in the figure (for backlog, the moment measured). */
  countedAt: string;
  /** The case's own value: minutes, replies, or 1/0 for rates and attainment; null for counts. */
  value: number | null;
};

export type DrillPage = { total: number; items: DrillItem[] };

function asQuery(query: MetricQuery): Record<string, string | undefined> {
  return { ...query };
}

export async function listMetricDefinitions(): Promise<MetricDefinition[]> {
  return (await apiRequest<{ items: MetricDefinition[] }>('/api/reports/metrics')).items;
}

export function fetchMetric(metric: MetricId, query: MetricQuery): Promise<MetricResult> {
  return apiRequest(`/api/reports/metrics/${enc(metric)}`, { query: asQuery(query) });
}

export function fetchMetricCases(
  metric: MetricId,
  query: MetricQuery,
  group: string,
  page: { limit: number; offset: number },
): Promise<DrillPage> {
  return apiRequest(`/api/reports/metrics/${enc(metric)}/cases`, {
    query: { ...asQuery(query), group, limit: String(page.limit), offset: String(page.offset) },
  });
}

/** One figure's cases: a metric's query and the group of the row. */
export type DrillPart = { metric: MetricId; query: MetricQuery; group: string };

/**
 * One page of the cases behind several figures added up (an hour of the day over many days, the
 * same weekday over several weeks), in the order of the parts: each part's total first, then only
 * the slices of the parts that fall on the page.
 */
export async function fetchCombinedCases(parts: readonly DrillPart[], page: { limit: number; offset: number }): Promise<DrillPage> {
  if (parts.length === 1) {
    const [part] = parts as [DrillPart];
    return fetchMetricCases(part.metric, part.query, part.group, page);
  }
  const totals = await Promise.all(
    parts.map(async (p) => (await fetchMetricCases(p.metric, p.query, p.group, { limit: 1, offset: 0 })).total),
  );
  const slices: Promise<DrillPage>[] = [];
  let start = 0;
  parts.forEach((part, index) => {
    const total = totals[index] ?? 0;
    const low = Math.max(page.offset - start, 0);
    const high = Math.min(page.offset + page.limit - start, total);
    if (low < high) slices.push(fetchMetricCases(part.metric, part.query, part.group, { limit: high - low, offset: low }));
    start += total;
  });
  const pages = await Promise.all(slices);
  return { total: start, items: pages.flatMap((p) => p.items) };
}

// --- live counts beside the metrics ---------------------------------------------------------

/** The case filters the dashboards share with the case list. */
export type CaseDimensionFilters = { teamId?: string; channel?: string; categoryId?: string };

const UNASSIGNED_OPEN = { assigneeId: 'none', status: 'new,open' };

/** Open (new or open) cases nobody is assigned to: one page, with the exact total. */
export function listUnassignedOpen(filters: CaseDimensionFilters, cursor?: string, limit = 25): Promise<CasePage> {
  return apiRequest('/api/cases', { query: { ...UNASSIGNED_OPEN, ...filters, sort: 'created_asc', cursor, limit: String(limit) } });
}
