// Back-office turnaround (docs/metrics.md, "Department turnaround"): per department and member,
// time to first response and to completion (median, p90) in the request's OLA time (business
// minutes on the department calendar, or calendar minutes), share completed within the OLA, and
// the open and overdue backlog now.
import { DateTime } from 'luxon';
import type { ServiceContext } from '../../lib/context.js';
import { businessMinutesBetween, calendarMinutesBetween, type BusinessCalendar } from '../../lib/business-time.js';
import { AppError } from '../../lib/errors.js';
import { assertPermission, type Actor } from '../auth/permissions.js';
import { calendarOf } from '../sla/sla-config.service.js';

export type TurnaroundFigures = {
  requests: number;
  completed: number;
  answered: number;
  declined: number;
  firstResponseMinutes: { median: number | null; p90: number | null };
  completionMinutes: { median: number | null; p90: number | null };
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

type Row = {
  department_id: string;
  assignee_id: string | null;
  status: string;
  created_at: Date;
  due_at: Date;
  first_response_at: Date | null;
  completed_at: Date | null;
  ola_business_hours: boolean;
};

function figures(period: Row[], backlog: Row[], calendar: BusinessCalendar | null, now: Date): TurnaroundFigures {
  const span = (r: Row, end: Date) =>
    r.ola_business_hours && calendar ? businessMinutesBetween(calendar, r.created_at, end) : calendarMinutesBetween(r.created_at, end);
  const done = period.filter((r) => r.status === 'answered' || r.status === 'declined');
  const first = period.filter((r) => r.first_response_at).map((r) => span(r, r.first_response_at!));
  const completion = done.map((r) => span(r, r.completed_at!));
  const onTime = done.filter((r) => r.completed_at! <= r.due_at).length;
  const openLate = period.filter((r) => (r.status === 'open' || r.status === 'clarification_requested') && r.due_at < now).length;
  const judged = done.length + openLate;
  return {
    requests: period.length,
    completed: done.length,
    answered: done.filter((r) => r.status === 'answered').length,
    declined: done.filter((r) => r.status === 'declined').length,
    firstResponseMinutes: { median: round1(median(first)), p90: round1(percentile(first, 90)) },
    completionMinutes: { median: round1(median(completion)), p90: round1(percentile(completion, 90)) },
    withinOlaPercent: judged === 0 ? null : round1((onTime / judged) * 100),
    openNow: backlog.length,
    overdueNow: backlog.filter((r) => r.due_at < now).length,
  };
}

/** Week by week (local weeks from Monday, by creation): requests, completion median and % within OLA. */
function weeklyTrend(period: Row[], calendar: BusinessCalendar | null, now: Date, timeZone: string) {
  const byWeek = new Map<string, Row[]>();
  for (const r of period) {
    const week = DateTime.fromJSDate(r.created_at, { zone: timeZone }).startOf('week').toISODate()!;
    byWeek.set(week, [...(byWeek.get(week) ?? []), r]);
  }
  return [...byWeek.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([week, rows]) => {
      const f = figures(rows, [], calendar, now);
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
  const from = new Date(query.from);
  const to = new Date(query.to);
  if (!(from < to)) throw new AppError('validation_failed', 'to must be after from', { field: 'to' });
  const now = ctx.clock.now();
  let depts = ctx.db
    .selectFrom('departments as d')
    .leftJoin('business_calendars as bc', 'bc.id', 'd.calendar_id')
    .select(['d.id', 'd.name', 'bc.time_zone', 'bc.weekly', 'bc.holidays'])
    .orderBy('d.name');
  if (query.departmentId) depts = depts.where('d.id', '=', query.departmentId);
  const departments = await depts.execute();
  const columns = [
    'department_id',
    'assignee_id',
    'status',
    'created_at',
    'due_at',
    'first_response_at',
    'completed_at',
    'ola_business_hours',
  ] as const;
  const period = await ctx.db
    .selectFrom('department_requests')
    .select(columns)
    .where('created_at', '>=', from)
    .where('created_at', '<', to)
    .where('status', '!=', 'cancelled')
    .execute();
  const backlog = await ctx.db
    .selectFrom('department_requests')
    .select(columns)
    .where('status', 'in', ['open', 'clarification_requested'])
    .execute();
  const members = await ctx.db
    .selectFrom('department_members as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['m.department_id', 'm.user_id', 'u.name'])
    .orderBy('u.name')
    .execute();
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    departments: departments.map((d) => {
      const calendar = d.time_zone ? calendarOf({ timeZone: d.time_zone, weekly: d.weekly!, holidays: d.holidays ?? [] }) : null;
      const mine = (rows: Row[]) => rows.filter((r) => r.department_id === d.id);
      return {
        departmentId: d.id,
        departmentName: d.name,
        ...figures(mine(period), mine(backlog), calendar, now),
        trend: weeklyTrend(mine(period), calendar, now, ctx.config.timeZone),
        members: members
          .filter((m) => m.department_id === d.id)
          .map((m) => {
            const theirs = (rows: Row[]) => mine(rows).filter((r) => r.assignee_id === m.user_id);
            return { userId: m.user_id, name: m.name, ...figures(theirs(period), theirs(backlog), calendar, now) };
          }),
      };
    }),
  };
}
