// Back-office turnaround (docs/metrics.md, "Department turnaround"): per department and member,
// time to first response and to completion (median, p90) in the request's OLA time (business
// minutes on the department calendar, or calendar minutes), share completed within the OLA, and
// the open and overdue backlog now; and the drill-down to the exact requests behind each count.
//
// Every count is an *outcome*: a scope (requests created in the period, or the backlog now) and
// one SQL condition on `department_requests as r`. The report selects each condition as a flag
// and counts the flagged rows; the drill-down uses the same condition as its WHERE clause. There
// is no second definition, so a figure and its list cannot disagree.
import { DateTime } from 'luxon';
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { DepartmentRequestStatus } from '../../db/schema.js';
import type { ServiceContext } from '../../lib/context.js';
import { businessMinutesBetween, calendarMinutesBetween, type BusinessCalendar } from '../../lib/business-time.js';
import { AppError } from '../../lib/errors.js';
import { assertPermission, type Actor } from '../auth/permissions.js';
import { caseScopeFilter, loadCaseScope } from '../cases/case-access.js';
import { calendarOf } from '../sla/sla-config.service.js';

export type TurnaroundFigures = {
  requests: number;
  /** How many requests the first-response median and p90 are taken over. */
  responded: number;
  completed: number;
  answered: number;
  declined: number;
  firstResponseMinutes: { median: number | null; p90: number | null };
  completionMinutes: { median: number | null; p90: number | null };
  /** The denominator of withinOlaPercent: completed, or still open and past due. */
  judged: number;
  /** The numerator of withinOlaPercent: completed at or before the due time. */
  withinOla: number;
  /** judged − withinOla: completed after the due time, or still open and past due. */
  late: number;
  withinOlaPercent: number | null;
  openNow: number;
  overdueNow: number;
};

/** Median: the middle value, or the mean of the two middle values. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest-rank percentile: the smallest value with at least p % of the values at or below it. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)]!;
}

const round1 = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);

// ---------------------------------------------------------------------------------------------
// The outcomes: the one definition of every count

export const turnaroundOutcomes = [
  'requests',
  'responded',
  'completed',
  'answered',
  'declined',
  'judged',
  'within_ola',
  'late',
  'open_now',
  'overdue_now',
] as const;
export type TurnaroundOutcome = (typeof turnaroundOutcomes)[number];

/** Which figure of the report each outcome is the count of. */
export const outcomeFigure = {
  requests: 'requests',
  responded: 'responded',
  completed: 'completed',
  answered: 'answered',
  declined: 'declined',
  judged: 'judged',
  within_ola: 'withinOla',
  late: 'late',
  open_now: 'openNow',
  overdue_now: 'overdueNow',
} as const satisfies Record<TurnaroundOutcome, keyof TurnaroundFigures>;

type Scope = 'period' | 'now';
const outcomeScope: Record<TurnaroundOutcome, Scope> = {
  requests: 'period',
  responded: 'period',
  completed: 'period',
  answered: 'period',
  declined: 'period',
  judged: 'period',
  within_ola: 'period',
  late: 'period',
  open_now: 'now',
  overdue_now: 'now',
};
const periodOutcomes = turnaroundOutcomes.filter((o) => outcomeScope[o] === 'period');
const nowOutcomes = turnaroundOutcomes.filter((o) => outcomeScope[o] === 'now');

type Condition = RawBuilder<SqlBool>;
const isOpen = sql<SqlBool>`r.status in ('open', 'clarification_requested')`;
const isDone = sql<SqlBool>`r.status in ('answered', 'declined')`;

/** The population of a scope: created in [from, to) and not cancelled; or open (either way) now. */
function scopeCondition(scope: Scope, period: { from: Date; to: Date }): Condition {
  return scope === 'period'
    ? sql<SqlBool>`(r.created_at >= ${period.from} and r.created_at < ${period.to} and r.status <> 'cancelled')`
    : isOpen;
}

/** What an outcome asks of a request within its scope; `now` judges what is past due. */
function outcomeCondition(outcome: TurnaroundOutcome, now: Date): Condition {
  const overdue = sql<SqlBool>`(${isOpen} and r.due_at < ${now})`;
  const onTime = sql<SqlBool>`(${isDone} and r.completed_at <= r.due_at)`;
  switch (outcome) {
    case 'requests':
    case 'open_now':
      return sql<SqlBool>`true`;
    case 'responded':
      return sql<SqlBool>`r.first_response_at is not null`;
    case 'completed':
      return isDone;
    case 'answered':
      return sql<SqlBool>`r.status = 'answered'`;
    case 'declined':
      return sql<SqlBool>`r.status = 'declined'`;
    case 'judged':
      return sql<SqlBool>`(${isDone} or ${overdue})`;
    case 'within_ola':
      return onTime;
    case 'late':
      return sql<SqlBool>`((${isDone} and r.completed_at > r.due_at) or ${overdue})`;
    case 'overdue_now':
      return sql<SqlBool>`r.due_at < ${now}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Shared by the report and the drill-down

type Period = { from: Date; to: Date };

function parsePeriod(query: { from: string; to: string }): Period {
  const from = new Date(query.from);
  const to = new Date(query.to);
  if (!(from < to)) throw new AppError('validation_failed', 'to must be after from', { field: 'to' });
  return { from, to };
}

type Calendars = Map<string, BusinessCalendar | null>;

async function loadDepartments(ctx: ServiceContext, departmentId: string | undefined) {
  let q = ctx.db
    .selectFrom('departments as d')
    .leftJoin('business_calendars as bc', 'bc.id', 'd.calendar_id')
    .select(['d.id', 'd.name', 'bc.time_zone', 'bc.weekly', 'bc.holidays'])
    .orderBy('d.name');
  if (departmentId) q = q.where('d.id', '=', departmentId);
  const rows = await q.execute();
  const calendars: Calendars = new Map(
    rows.map((d) => [d.id, d.time_zone ? calendarOf({ timeZone: d.time_zone, weekly: d.weekly!, holidays: d.holidays ?? [] }) : null]),
  );
  return { departments: rows.map((d) => ({ id: d.id, name: d.name })), calendars };
}

type Timing = { ola_business_hours: boolean; created_at: Date };

/** Minutes from creation to `end` the way the request's OLA counts them. */
function spanMinutes(r: Timing, end: Date, calendar: BusinessCalendar | null): number {
  return r.ola_business_hours && calendar ? businessMinutesBetween(calendar, r.created_at, end) : calendarMinutesBetween(r.created_at, end);
}

// ---------------------------------------------------------------------------------------------
// The report

type Flags = Record<TurnaroundOutcome, boolean>;
type Row = Timing & {
  department_id: string;
  assignee_id: string | null;
  first_response_at: Date | null;
  completed_at: Date | null;
} & Partial<Flags>;

const columns = [
  'r.department_id',
  'r.assignee_id',
  'r.created_at',
  'r.first_response_at',
  'r.completed_at',
  'r.ola_business_hours',
] as const;

/** The rows of a scope, each with the flags of that scope's outcomes. */
async function scopeRows(ctx: ServiceContext, scope: Scope, period: Period, now: Date, departmentId?: string): Promise<Row[]> {
  const outcomes = scope === 'period' ? periodOutcomes : nowOutcomes;
  let q = ctx.db
    .selectFrom('department_requests as r')
    .select(columns)
    .select(outcomes.map((o) => outcomeCondition(o, now).as(o)))
    .where(scopeCondition(scope, period));
  if (departmentId) q = q.where('r.department_id', '=', departmentId);
  return (await q.execute()) as Row[];
}

function figures(period: Row[], backlog: Row[], calendar: BusinessCalendar | null): TurnaroundFigures {
  const count = (rows: Row[], outcome: TurnaroundOutcome) => rows.filter((r) => r[outcome]).length;
  const first = period.filter((r) => r.responded).map((r) => spanMinutes(r, r.first_response_at!, calendar));
  const completion = period.filter((r) => r.completed).map((r) => spanMinutes(r, r.completed_at!, calendar));
  const judged = count(period, 'judged');
  const withinOla = count(period, 'within_ola');
  return {
    requests: count(period, 'requests'),
    responded: count(period, 'responded'),
    completed: count(period, 'completed'),
    answered: count(period, 'answered'),
    declined: count(period, 'declined'),
    firstResponseMinutes: { median: round1(median(first)), p90: round1(percentile(first, 90)) },
    completionMinutes: { median: round1(median(completion)), p90: round1(percentile(completion, 90)) },
    judged,
    withinOla,
    late: count(period, 'late'),
    withinOlaPercent: judged === 0 ? null : round1((withinOla / judged) * 100),
    openNow: count(backlog, 'open_now'),
    overdueNow: count(backlog, 'overdue_now'),
  };
}

/** Week by week (local weeks from Monday, by creation): requests, completion median and % within OLA. */
function weeklyTrend(period: Row[], calendar: BusinessCalendar | null, timeZone: string) {
  const byWeek = new Map<string, Row[]>();
  for (const r of period) {
    const week = DateTime.fromJSDate(r.created_at, { zone: timeZone }).startOf('week').toISODate()!;
    byWeek.set(week, [...(byWeek.get(week) ?? []), r]);
  }
  return [...byWeek.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([week, rows]) => {
      const f = figures(rows, [], calendar);
      return {
        week,
        requests: f.requests,
        completed: f.completed,
        completionMedianMinutes: f.completionMinutes.median,
        withinOlaPercent: f.withinOlaPercent,
      };
    });
}

export async function departmentTurnaround(ctx: ServiceContext, query: { from: string; to: string; departmentId?: string }, actor: Actor) {
  assertPermission(actor, 'reports.read');
  const period = parsePeriod(query);
  const now = ctx.clock.now();
  const { departments, calendars } = await loadDepartments(ctx, query.departmentId);
  const inPeriod = await scopeRows(ctx, 'period', period, now, query.departmentId);
  const backlog = await scopeRows(ctx, 'now', period, now, query.departmentId);
  const members = await ctx.db
    .selectFrom('department_members as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['m.department_id', 'm.user_id', 'u.name'])
    .orderBy('u.name')
    .execute();
  return {
    from: period.from.toISOString(),
    to: period.to.toISOString(),
    departments: departments.map((d) => {
      const calendar = calendars.get(d.id) ?? null;
      const mine = (rows: Row[]) => rows.filter((r) => r.department_id === d.id);
      return {
        departmentId: d.id,
        departmentName: d.name,
        ...figures(mine(inPeriod), mine(backlog), calendar),
        trend: weeklyTrend(mine(inPeriod), calendar, ctx.config.timeZone),
        members: members
          .filter((m) => m.department_id === d.id)
          .map((m) => {
            const theirs = (rows: Row[]) => mine(rows).filter((r) => r.assignee_id === m.user_id);
            return { userId: m.user_id, name: m.name, ...figures(theirs(inPeriod), theirs(backlog), calendar) };
          }),
      };
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// The drill-down

export type TurnaroundDrillQuery = {
  from: string;
  to: string;
  departmentId?: string | undefined;
  memberId?: string | undefined;
  outcome: TurnaroundOutcome;
  limit: number;
  offset: number;
};

export type TurnaroundDrillItem = {
  id: string;
  number: number;
  requestType: string;
  status: DepartmentRequestStatus;
  departmentId: string;
  departmentName: string;
  assigneeId: string | null;
  assigneeName: string | null;
  /** Null when the case is outside what the reader may see (a team leader's teams, say). */
  caseId: string | null;
  caseNumber: number | null;
  caseSubject: string | null;
  createdAt: string;
  dueAt: string;
  firstResponseAt: string | null;
  completedAt: string | null;
  olaMinutes: number;
  olaBusinessHours: boolean;
  firstResponseMinutes: number | null;
  completionMinutes: number | null;
  /** Completed by the due time (true), completed late or open past due (false), not yet judged (null). */
  withinOla: boolean | null;
};

/** The exact requests one count of the turnaround report counts, oldest first, a page at a time. */
export async function drillDepartmentTurnaround(
  ctx: ServiceContext,
  query: TurnaroundDrillQuery,
  actor: Actor,
): Promise<{ total: number; items: TurnaroundDrillItem[] }> {
  assertPermission(actor, 'reports.read');
  const period = parsePeriod(query);
  const now = ctx.clock.now();
  const { departments, calendars } = await loadDepartments(ctx, query.departmentId);
  if (query.departmentId && departments.length === 0)
    throw new AppError('not_found', `department ${query.departmentId} does not exist`, { field: 'departmentId' });
  const scope = await loadCaseScope(ctx.db, actor);

  let base = ctx.db
    .selectFrom('department_requests as r')
    .where(scopeCondition(outcomeScope[query.outcome], period))
    .where(outcomeCondition(query.outcome, now));
  if (query.departmentId) base = base.where('r.department_id', '=', query.departmentId);
  if (query.memberId) base = base.where('r.assignee_id', '=', query.memberId);

  const total = await base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  const rows = await base
    .innerJoin('departments as d', 'd.id', 'r.department_id')
    .innerJoin('cases as k', 'k.id', 'r.case_id')
    .leftJoin('users as u', 'u.id', 'r.assignee_id')
    .select([
      'r.id',
      'r.number',
      'r.request_type',
      'r.status',
      'r.department_id',
      'd.name as department_name',
      'r.assignee_id',
      'u.name as assignee_name',
      'r.case_id',
      'k.number as case_number',
      'k.subject as case_subject',
      'r.created_at',
      'r.due_at',
      'r.first_response_at',
      'r.completed_at',
      'r.ola_minutes',
      'r.ola_business_hours',
      outcomeCondition('within_ola', now).as('within_ola'),
      outcomeCondition('late', now).as('late'),
    ])
    .select((eb) =>
      (scope.all
        ? eb.lit(true)
        : eb.exists(eb.selectFrom('cases as c').select('c.id').whereRef('c.id', '=', 'r.case_id').where(caseScopeFilter(scope)))
      ).as('case_visible'),
    )
    .orderBy('r.created_at')
    .orderBy('r.number')
    .limit(query.limit)
    .offset(query.offset)
    .execute();

  return {
    total: Number(total.n),
    items: rows.map((r) => {
      const calendar = calendars.get(r.department_id) ?? null;
      const visible = Boolean(r.case_visible);
      return {
        id: r.id,
        number: Number(r.number),
        requestType: r.request_type,
        status: r.status,
        departmentId: r.department_id,
        departmentName: r.department_name,
        assigneeId: r.assignee_id,
        assigneeName: r.assignee_name,
        caseId: visible ? r.case_id : null,
        caseNumber: visible ? Number(r.case_number) : null,
        caseSubject: visible ? r.case_subject : null,
        createdAt: r.created_at.toISOString(),
        dueAt: r.due_at.toISOString(),
        firstResponseAt: r.first_response_at?.toISOString() ?? null,
        completedAt: r.completed_at?.toISOString() ?? null,
        olaMinutes: r.ola_minutes,
        olaBusinessHours: r.ola_business_hours,
        firstResponseMinutes: r.first_response_at ? round1(spanMinutes(r, r.first_response_at, calendar)) : null,
        completionMinutes: r.completed_at ? round1(spanMinutes(r, r.completed_at, calendar)) : null,
        withinOla: r.within_ola ? true : r.late ? false : null,
      };
    }),
  };
}
