// The report metrics (docs/metrics.md): one definition each, a figure from the rollups (or, for
// backlog, from the event log), and a drill-down that lists exactly the cases the figure counts,
// computed directly from the cases so that the two check each other.
import { sql, type RawBuilder } from 'kysely';
import { DateTime } from 'luxon';
import type { ServiceContext } from '../../lib/context.js';
import { AppError } from '../../lib/errors.js';
import { assertPermission, hasPermission, type Actor } from '../auth/permissions.js';
import { quarterHourMs } from './metric-facts.js';

export const timeGroupings = ['hour', 'day', 'week', 'month'] as const;
/** Recurring local times: every day's 09:00 hour in one group, every Monday in another. */
export const cyclicGroupings = ['hour_of_day', 'weekday'] as const;
export const dimensionGroupings = ['team', 'agent', 'channel', 'category', 'priority', 'type'] as const;
export type GroupBy = (typeof timeGroupings)[number] | (typeof cyclicGroupings)[number] | (typeof dimensionGroupings)[number] | 'total';
/** ISO order (Monday first) of the `weekday` groups, as PostgreSQL's to_char 'Dy' writes them. */
export const weekdayGroups = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
export const slaTargets = ['firstReply', 'nextReply', 'periodicUpdate', 'resolution'] as const;

type Source =
  | { kind: 'count'; fact: string }
  | { kind: 'mean'; fact: string }
  | { kind: 'rate'; fact: string; of: string }
  | { kind: 'attainment' }
  | { kind: 'perAgent'; fact: string }
  | { kind: 'backlog' };

export type MetricDefinition = {
  id: string;
  name: string;
  unit: 'cases' | 'minutes' | 'percent' | 'replies';
  definition: string;
  /** The instant that puts a case in a period. */
  countedAt: string;
  source: Source;
};

export const metrics: MetricDefinition[] = [
  {
    id: 'created',
    name: 'Created',
    unit: 'cases',
    definition: 'Cases opened in the period.',
    countedAt: 'created_at',
    source: { kind: 'count', fact: 'created' },
  },
  {
    id: 'solved',
    name: 'Solved',
    unit: 'cases',
    definition: 'Cases whose final solve falls in the period (solved or closed now; a reopened case counts when solved again).',
    countedAt: 'solved_at',
    source: { kind: 'count', fact: 'solved' },
  },
  {
    id: 'backlog',
    name: 'Backlog',
    unit: 'cases',
    definition: 'Cases open (not solved or closed) at the end of the period, or of each time bucket.',
    countedAt: 'the moment',
    source: { kind: 'backlog' },
  },
  {
    id: 'first_reply_time',
    name: 'First reply time',
    unit: 'minutes',
    definition:
      'Mean minutes from creation to the first public reply, for cases first answered in the period; business minutes (pauses excluded) when the case has an SLA first-reply target, else calendar minutes.',
    countedAt: 'first_public_reply_at',
    source: { kind: 'mean', fact: 'first_reply_time' },
  },
  {
    id: 'resolution_time',
    name: 'Full resolution time',
    unit: 'minutes',
    definition:
      'Mean minutes from creation to the final solve, for cases solved in the period; business minutes when the case has an SLA resolution target, else calendar minutes.',
    countedAt: 'solved_at',
    source: { kind: 'mean', fact: 'resolution_time' },
  },
  {
    id: 'sla_attainment',
    name: 'SLA attainment',
    unit: 'percent',
    definition:
      'For one target (query `target`, default firstReply): cycles met on time / cycles judged (met on time, met late, or breached and unmet), by the due instant.',
    countedAt: 'the target due_at',
    source: { kind: 'attainment' },
  },
  {
    id: 'reopen_rate',
    name: 'Reopen rate',
    unit: 'percent',
    definition: 'Solved cases (as in Solved) reopened at least once / solved cases.',
    countedAt: 'solved_at',
    source: { kind: 'rate', fact: 'reopened', of: 'solved' },
  },
  {
    id: 'one_touch_rate',
    name: 'One-touch resolution',
    unit: 'percent',
    definition: 'Solved cases with exactly one public reply / solved cases.',
    countedAt: 'solved_at',
    source: { kind: 'rate', fact: 'one_touch', of: 'solved' },
  },
  {
    id: 'replies_per_case',
    name: 'Replies per solved case',
    unit: 'replies',
    definition: 'Mean public replies on the cases solved in the period.',
    countedAt: 'solved_at',
    source: { kind: 'mean', fact: 'replies_per_case' },
  },
  {
    id: 'escalation_rate',
    name: 'Escalation rate',
    unit: 'percent',
    definition:
      'Cases created in the period that have been escalated to the managers (by hand or by an SLA escalation rule), whenever that happened / cases created in the period.',
    countedAt: 'created_at',
    source: { kind: 'rate', fact: 'escalated', of: 'created' },
  },
  {
    id: 'solved_per_agent',
    name: 'Solved per agent',
    unit: 'cases',
    definition:
      'Solved cases (as in Solved) that have an assignee / the number of different assignees among them: by agent, each agent’s solved cases; otherwise the mean per agent who solved any. Unassigned solved cases are left out.',
    countedAt: 'solved_at',
    source: { kind: 'perAgent', fact: 'solved' },
  },
];

export type ReportQuery = {
  from: string;
  to: string;
  groupBy: GroupBy;
  timeZone?: string | undefined;
  target?: (typeof slaTargets)[number] | undefined;
  teamId?: string | undefined;
  assigneeId?: string | undefined;
  channel?: string | undefined;
  categoryId?: string | undefined;
  priority?: string | undefined;
  type?: string | undefined;
};

export type MetricRow = { group: string; value: number | null; cases: number };

function findMetric(id: string): MetricDefinition {
  const m = metrics.find((x) => x.id === id);
  if (!m) throw new AppError('not_found', `no metric ${id}; GET /api/reports/metrics lists them`);
  return m;
}

/** Periods are cut at quarter hours (the rollups' grain): both ends are rounded down to one. */
function period(q: ReportQuery): { from: Date; to: Date } {
  const snap = (iso: string) => new Date(Math.floor(Date.parse(iso) / quarterHourMs) * quarterHourMs);
  const from = snap(q.from);
  const to = snap(q.to);
  if (!(from < to)) throw new AppError('validation_failed', 'to must be at least a quarter hour after from', { field: 'to' });
  if (to.getTime() - from.getTime() > 3 * 366 * 86_400_000)
    throw new AppError('validation_failed', 'a period is at most three years', { field: 'to' });
  return { from, to };
}

const timeFormats: Record<(typeof timeGroupings)[number], { trunc: string; format: string }> = {
  hour: { trunc: 'hour', format: 'YYYY-MM-DD"T"HH24:00' },
  day: { trunc: 'day', format: 'YYYY-MM-DD' },
  week: { trunc: 'week', format: 'YYYY-MM-DD' },
  month: { trunc: 'month', format: 'YYYY-MM' },
};

const dimensionColumns: Record<(typeof dimensionGroupings)[number], string> = {
  team: 'team_id',
  agent: 'assignee_id',
  channel: 'channel',
  category: 'category_id',
  priority: 'priority',
  type: 'type',
};

const isTimeGrouping = (groupBy: GroupBy) => (timeGroupings as readonly string[]).includes(groupBy);
const isCyclicGrouping = (groupBy: GroupBy) => (cyclicGroupings as readonly string[]).includes(groupBy);

/**
 * The group of a row: a local time bucket of `ts`, its local hour of the day ('00'–'23') or
 * weekday ('Mon'–'Sun'), a dimension column of `alias`, or 'total'. Local times come from the
 * instant itself, so an hour keeps its name across a daylight-saving change; 'Dy' without the TM
 * prefix is English whatever the server's locale.
 */
function groupExpr(groupBy: GroupBy, tz: string, alias: string, ts: RawBuilder<unknown>): RawBuilder<string> {
  if (groupBy === 'total') return sql<string>`'total'`;
  if (groupBy === 'hour_of_day') return sql<string>`to_char(${ts} at time zone ${tz}, 'HH24')`;
  if (groupBy === 'weekday') return sql<string>`to_char(${ts} at time zone ${tz}, 'Dy')`;
  if (isTimeGrouping(groupBy)) {
    const f = timeFormats[groupBy as (typeof timeGroupings)[number]];
    return sql<string>`to_char(date_trunc(${f.trunc}, ${ts} at time zone ${tz}), ${f.format})`;
  }
  const column = dimensionColumns[groupBy as (typeof dimensionGroupings)[number]];
  return sql<string>`coalesce(${sql.ref(`${alias}.${column}`)}::text, 'none')`;
}

/** Filters on the case's current dimensions, the same for rollups and cases (same column names). */
function dimensionFilters(q: ReportQuery, alias: string, teamScope: string[] | null): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [sql`true`];
  const col = (c: string) => sql.ref(`${alias}.${c}`);
  const eqOrNone = (c: string, v: string | undefined) => {
    if (v === undefined) return;
    parts.push(v === 'none' ? sql`${col(c)} is null` : sql`${col(c)}::text = ${v}`);
  };
  eqOrNone('team_id', q.teamId);
  eqOrNone('assignee_id', q.assigneeId);
  // A category means it and everything below it, as in case lists.
  if (q.categoryId === 'none') parts.push(sql`${col('category_id')} is null`);
  else if (q.categoryId)
    parts.push(sql`${col('category_id')} in (
      with recursive below(id) as (select ${q.categoryId}::uuid union all select k.id from categories k join below on k.parent_id = below.id)
      select id from below)`);
  if (q.channel) parts.push(sql`${col('channel')} = ${q.channel}`);
  if (q.priority) parts.push(sql`${col('priority')} = ${q.priority}`);
  if (q.type) parts.push(sql`${col('type')} = ${q.type}`);
  if (teamScope) parts.push(teamScope.length ? sql`${col('team_id')} in (${sql.join(teamScope)})` : sql`false`);
  return sql.join(parts, sql` and `);
}

/** Readers without cases.read_all (team leaders) see the figures of their own teams only. */
async function reportScope(ctx: ServiceContext, actor: Actor): Promise<string[] | null> {
  assertPermission(actor, 'reports.read');
  if (hasPermission(actor, 'cases.read_all')) return null;
  const teams = await ctx.db.selectFrom('team_members').select('team_id').where('user_id', '=', actor.userId).execute();
  return teams.map((t) => t.team_id);
}

function zoneOf(ctx: ServiceContext, q: ReportQuery): string {
  return q.timeZone ?? ctx.config.timeZone;
}

async function rollupSums(ctx: ServiceContext, facts: string[], q: ReportQuery, scope: string[] | null) {
  const { from, to } = period(q);
  const g = groupExpr(q.groupBy, zoneOf(ctx, q), 'r', sql`r.bucket`);
  const rows = await sql<{ grp: string; metric: string; n: string; s: number }>`
    select ${g} as grp, r.metric, sum(r.count)::bigint as n, sum(r.sum)::float8 as s
    from metric_rollups r
    where r.metric in (${sql.join(facts)}) and r.bucket >= ${from} and r.bucket < ${to} and ${dimensionFilters(q, 'r', scope)}
    group by 1, 2`.execute(ctx.db);
  const out = new Map<string, Map<string, { n: number; s: number }>>();
  for (const r of rows.rows) {
    const m = out.get(r.grp) ?? new Map<string, { n: number; s: number }>();
    m.set(r.metric, { n: Number(r.n), s: Number(r.s) });
    out.set(r.grp, m);
  }
  return out;
}

/**
 * Solved cases per assignee, per group: the rollups keep the assignee as a dimension, so the
 * different agents of a group are the assignees whose solved count there is above zero (a row
 * can net to zero after a case moved away).
 */
async function perAgentSums(ctx: ServiceContext, fact: string, q: ReportQuery, scope: string[] | null) {
  const { from, to } = period(q);
  const g = groupExpr(q.groupBy, zoneOf(ctx, q), 'r', sql`r.bucket`);
  const rows = await sql<{ grp: string; n: string; agents: string }>`
    select grp, sum(n)::bigint as n, count(*)::bigint as agents from (
      select ${g} as grp, r.assignee_id, sum(r.count) as n
      from metric_rollups r
      where r.metric = ${fact} and r.assignee_id is not null and r.bucket >= ${from} and r.bucket < ${to}
        and ${dimensionFilters(q, 'r', scope)}
      group by 1, 2
      having sum(r.count) > 0) per_agent
    group by grp`.execute(ctx.db);
  return rows.rows.map((r) => ({ group: r.grp, n: Number(r.n), agents: Number(r.agents) }));
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Rows in the order of their groups: weekdays Monday first, everything else by its label. */
function compareRows(groupBy: GroupBy): (a: MetricRow, b: MetricRow) => number {
  const byLabel = (a: MetricRow, b: MetricRow) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0);
  if (groupBy !== 'weekday') return byLabel;
  const rank = (g: string) => (weekdayGroups as readonly string[]).indexOf(g);
  return (a, b) => rank(a.group) - rank(b.group);
}

export async function computeMetric(
  ctx: ServiceContext,
  id: string,
  q: ReportQuery,
  actor: Actor,
): Promise<{ metric: string; unit: string; rows: MetricRow[] }> {
  const m = findMetric(id);
  const scope = await reportScope(ctx, actor);
  let rows: MetricRow[];
  const src = m.source;
  if (src.kind === 'backlog') rows = await backlogRows(ctx, q, scope);
  else if (src.kind === 'perAgent')
    rows = (await perAgentSums(ctx, src.fact, q, scope)).map((r) => ({ group: r.group, value: round2(r.n / r.agents), cases: r.n }));
  else {
    const facts = src.kind === 'rate' ? [src.fact, src.of] : src.kind === 'attainment' ? [`sla_${q.target ?? 'firstReply'}`] : [src.fact];
    const sums = await rollupSums(ctx, facts, q, scope);
    rows = [...sums.entries()].map(([group, byFact]) => {
      const get = (f: string) => byFact.get(f) ?? { n: 0, s: 0 };
      if (src.kind === 'count') return { group, value: get(src.fact).n, cases: get(src.fact).n };
      if (src.kind === 'mean') {
        const { n, s } = get(src.fact);
        return { group, value: n ? round2(s / n) : null, cases: n };
      }
      if (src.kind === 'rate') {
        const base = get(src.of).n;
        return { group, value: base ? round2((100 * get(src.fact).n) / base) : null, cases: base };
      }
      const { n, s } = get(facts[0]!);
      return { group, value: n ? round2((100 * s) / n) : null, cases: n };
    });
    rows = rows.filter((r) => r.cases !== 0);
  }
  rows.sort(compareRows(q.groupBy));
  return { metric: m.id, unit: m.unit, rows };
}

// ---------------------------------------------------------------------------------------------
// Backlog: open at a moment, from the event log

/** The moments a backlog is measured at: the end of each local time bucket in the period, or its end. */
function backlogMoments(q: ReportQuery, tz: string): { group: string; at: Date }[] {
  const { from, to } = period(q);
  if (!isTimeGrouping(q.groupBy)) return [{ group: 'total', at: to }];
  const unit = q.groupBy as 'hour' | 'day' | 'week' | 'month';
  const formats = { hour: "yyyy-MM-dd'T'HH:00", day: 'yyyy-MM-dd', week: 'yyyy-MM-dd', month: 'yyyy-MM' };
  const out: { group: string; at: Date }[] = [];
  let start = DateTime.fromJSDate(from, { zone: tz }).startOf(unit);
  for (let i = 0; i < 2000 && start.toJSDate() < to; i++) {
    const end = start.plus({ [`${unit}s`]: 1 });
    out.push({ group: start.toFormat(formats[unit]), at: new Date(Math.min(end.toMillis(), to.getTime())) });
    start = end;
  }
  return out;
}

/**
 * Cases (as `c`) open at `at`: created by then, and their last status by then is not solved or
 * closed. The event lookup is the definition; the first condition only narrows the cases it runs
 * on, by what the lifecycle guarantees: a solved or closed case has been so without a break since
 * its `solved_at` (a reopen clears it, closing keeps it, and a closed case never changes), so one
 * solved by `at` cannot count. What is left is today's open cases and those solved since `at`,
 * both read from an index, instead of every case ever created.
 */
function openAt(at: Date, now: Date): RawBuilder<unknown> {
  // Nothing has happened after now: at a moment not yet past, a case's status is its status.
  if (at.getTime() >= now.getTime())
    return sql`c.status in ('new', 'open', 'pending', 'on_hold') and c.created_at <= ${at} and c.merged_into_id is null`;
  return sql`(c.status in ('new', 'open', 'pending', 'on_hold') or (c.status in ('solved', 'closed') and c.solved_at > ${at}))
    and c.created_at <= ${at} and c.merged_into_id is null
    and coalesce(
      (select e.after->>'status' from case_events e where e.case_id = c.id and e.kind = 'status_changed' and e.at <= ${at} order by e.at desc, e.id desc limit 1),
      (select e.after->>'status' from case_events e where e.case_id = c.id and e.kind = 'created' limit 1),
      'new'
    ) not in ('solved', 'closed')`;
}

/** A backlog is a count at a moment; summing moments by hour of the day or weekday would count cases many times. */
function assertBacklogGrouping(groupBy: GroupBy): void {
  if (isCyclicGrouping(groupBy))
    throw new AppError('validation_failed', `backlog cannot be grouped by ${groupBy}: it is measured at moments, not over them`, {
      field: 'groupBy',
    });
}

async function backlogRows(ctx: ServiceContext, q: ReportQuery, scope: string[] | null): Promise<MetricRow[]> {
  assertBacklogGrouping(q.groupBy);
  const tz = zoneOf(ctx, q);
  const isTime = isTimeGrouping(q.groupBy);
  const rows: MetricRow[] = [];
  for (const moment of backlogMoments(q, tz)) {
    const g = isTime ? sql<string>`${moment.group}` : groupExpr(q.groupBy, tz, 'c', sql`c.created_at`);
    const res = await sql<{ grp: string; n: string }>`
      select ${g} as grp, count(*)::bigint as n from cases c
      where ${openAt(moment.at, ctx.clock.now())} and ${dimensionFilters(q, 'c', scope)}
      group by 1`.execute(ctx.db);
    for (const r of res.rows) rows.push({ group: r.grp, value: Number(r.n), cases: Number(r.n) });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Drill-down: the cases behind a figure, straight from the cases

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
  /** The case's own value where the metric has one: minutes, replies, or 1/0 for rates and attainment. */
  value: number | null;
};

export async function drillMetric(
  ctx: ServiceContext,
  id: string,
  q: ReportQuery & { group: string; limit: number; offset: number },
  actor: Actor,
): Promise<{ total: number; items: DrillItem[] }> {
  const m = findMetric(id);
  const scope = await reportScope(ctx, actor);
  const tz = zoneOf(ctx, q);
  const { from, to } = period(q);
  const target = q.target ?? 'firstReply';
  let ts: RawBuilder<unknown>;
  let where: RawBuilder<unknown>;
  let value: RawBuilder<unknown> = sql`null::float8`;
  const metMinutes = (t: string, end: RawBuilder<unknown>) =>
    sql`coalesce((select s.target_minutes - s.remaining_minutes from case_sla_targets s where s.case_id = c.id and s.target = ${t} and s.state in ('achieved', 'achieved_late')),
                 extract(epoch from (${end} - c.created_at)) / 60)::float8`;
  const solvedIn = sql`c.status in ('solved', 'closed') and c.solved_at >= ${from} and c.solved_at < ${to}`;
  switch (m.id) {
    case 'created':
      ts = sql`c.created_at`;
      where = sql`c.created_at >= ${from} and c.created_at < ${to}`;
      break;
    case 'first_reply_time':
      ts = sql`c.first_public_reply_at`;
      where = sql`c.first_public_reply_at >= ${from} and c.first_public_reply_at < ${to}`;
      value = metMinutes('firstReply', sql`c.first_public_reply_at`);
      break;
    case 'escalation_rate':
      ts = sql`c.created_at`;
      where = sql`c.created_at >= ${from} and c.created_at < ${to}`;
      value = sql`case when c.escalated_at is not null then 1 else 0 end::float8`;
      break;
    case 'sla_attainment':
      ts = sql`t.due_at`;
      where = sql`t.due_at >= ${from} and t.due_at < ${to}`;
      value = sql`case when t.state = 'achieved' then 1 else 0 end::float8`;
      break;
    case 'backlog':
      break;
    default:
      ts = sql`c.solved_at`;
      where = solvedIn;
      if (m.id === 'resolution_time') value = metMinutes('resolution', sql`c.solved_at`);
      if (m.id === 'replies_per_case') value = sql`c.public_reply_count::float8`;
      if (m.id === 'reopen_rate') value = sql`case when c.reopen_count > 0 then 1 else 0 end::float8`;
      if (m.id === 'one_touch_rate') value = sql`case when c.public_reply_count = 1 then 1 else 0 end::float8`;
      if (m.id === 'solved_per_agent') where = sql`${solvedIn} and c.assignee_id is not null`;
  }
  if (m.id === 'backlog') {
    assertBacklogGrouping(q.groupBy);
    const isTime = isTimeGrouping(q.groupBy);
    const moment = backlogMoments(q, tz).find((x) => (isTime ? x.group === q.group : true));
    if (!moment) return { total: 0, items: [] };
    ts = sql`${moment.at}::timestamptz`;
    where = openAt(moment.at, ctx.clock.now());
    if (!isTime && q.groupBy !== 'total') where = sql`${where} and ${groupExpr(q.groupBy, tz, 'c', sql`c.created_at`)} = ${q.group}`;
  } else {
    where = sql`${where!} and ${groupExpr(q.groupBy, tz, 'c', ts!)} = ${q.group} and c.merged_into_id is null`;
  }
  const join =
    m.id === 'sla_attainment'
      ? sql`join case_sla_targets t on t.case_id = c.id and t.target = ${target} and t.state in ('achieved', 'achieved_late', 'breached')`
      : sql``;
  const base = sql`from cases c ${join} where ${where!} and ${dimensionFilters(q, 'c', scope)}`;
  const total = await sql<{ n: string }>`select count(*)::bigint as n ${base}`.execute(ctx.db);
  const rows = await sql<{
    id: string;
    number: string;
    subject: string;
    status: string;
    priority: string;
    channel: string;
    team_id: string | null;
    assignee_id: string | null;
    created_at: Date;
    counted_at: Date;
    value: number | null;
  }>`select c.id, c.number, c.subject, c.status, c.priority, c.channel, c.team_id, c.assignee_id, c.created_at, ${ts!} as counted_at, ${value} as value
     ${base} order by ${ts!}, c.number limit ${q.limit} offset ${q.offset}`.execute(ctx.db);
  return {
    total: Number(total.rows[0]?.n ?? 0),
    items: rows.rows.map((r) => ({
      id: r.id,
      number: Number(r.number),
      subject: r.subject,
      status: r.status,
      priority: r.priority,
      channel: r.channel,
      teamId: r.team_id,
      assigneeId: r.assignee_id,
      createdAt: r.created_at.toISOString(),
      countedAt: new Date(r.counted_at).toISOString(),
      value: r.value === null ? null : round2(Number(r.value)),
    })),
  };
}
