// What the manager configures about service standards: business calendars (a zone, weekly hours,
// holidays) and the ordered list of SLA policies (conditions → targets, on a calendar). Anyone who
// works or reads cases may read them; changing them needs `sla.manage` and is audited. A change
// queues every open case for re-evaluation, so live targets follow the new standard.
import type { Selectable } from 'kysely';
import type { BusinessCalendarsTable, CasePriority, CaseType, Channel, CustomerTier, SlaPoliciesTable } from '../../db/schema.js';
import type { ServiceContext, Tx } from '../../lib/context.js';
import { compileCalendar, type BusinessCalendar, type Holiday } from '../../lib/business-time.js';
import { AppError, isUniqueViolation } from '../../lib/errors.js';
import { inTransaction } from '../../lib/transaction.js';
import { recordAudit } from '../audit/audit.service.js';
import { assertPermission, hasPermission, type Actor } from '../auth/permissions.js';
import { parseIcalHolidays, type IcalImportResult } from './ical-holidays.js';
import type { SlaTargetName, SlaTargets, SlaWarning } from './sla-clock.js';
import type { EscalationRule } from './escalation.js';

function assertCanRead(actor: Actor): void {
  if (!hasPermission(actor, 'cases.work') && !hasPermission(actor, 'reports.read')) assertPermission(actor, 'cases.read_all');
}

// ---------------------------------------------------------------------------------------------
// Calendars

type WeeklyHours = Record<string, { start: string; end: string }[]>;

export type CalendarView = {
  id: string;
  name: string;
  timeZone: string;
  weekly: WeeklyHours;
  holidays: Holiday[];
  createdAt: string;
  updatedAt: string;
};

export type CalendarInput = { name: string; timeZone: string; weekly: WeeklyHours; holidays?: Holiday[] };

function toCalendarView(r: Selectable<BusinessCalendarsTable>): CalendarView {
  return {
    id: r.id,
    name: r.name,
    timeZone: r.time_zone,
    weekly: r.weekly,
    holidays: r.holidays,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export function calendarOf(view: Pick<CalendarView, 'timeZone' | 'weekly' | 'holidays'>): BusinessCalendar {
  return { timeZone: view.timeZone, weekly: view.weekly as BusinessCalendar['weekly'], holidays: view.holidays };
}

/** Holidays sorted by date, whole days before partial ones, without repeats. */
function normaliseHolidays(holidays: readonly Holiday[]): Holiday[] {
  const key = (h: Holiday) => (typeof h === 'string' ? `${h} ` : `${h.date} ${h.start}-${h.end}`);
  const unique = new Map(holidays.map((h) => [key(h), h]));
  return [...unique.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, h]) => h);
}

function uniqueName<T>(what: string, name: string) {
  return (err: unknown): T => {
    if (isUniqueViolation(err)) throw new AppError('conflict', `a ${what} named "${name}" already exists`, { field: 'name' });
    throw err;
  };
}

async function findCalendar(db: Tx, id: string): Promise<Selectable<BusinessCalendarsTable>> {
  const row = await db.selectFrom('business_calendars').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('not_found', `calendar ${id} does not exist`);
  return row;
}

export async function listCalendars(ctx: ServiceContext, actor: Actor): Promise<CalendarView[]> {
  assertCanRead(actor);
  const rows = await ctx.db.selectFrom('business_calendars').selectAll().orderBy('name').execute();
  return rows.map(toCalendarView);
}

export async function getCalendar(ctx: ServiceContext, id: string, actor: Actor): Promise<CalendarView> {
  assertCanRead(actor);
  return toCalendarView(await findCalendar(ctx.db, id));
}

export async function createCalendar(ctx: ServiceContext, input: CalendarInput, actor: Actor): Promise<CalendarView> {
  assertPermission(actor, 'sla.manage');
  const holidays = normaliseHolidays(input.holidays ?? []);
  compileCalendar(calendarOf({ timeZone: input.timeZone, weekly: input.weekly, holidays }));
  const at = ctx.clock.now();
  return inTransaction(ctx.db, async (trx) => {
    const row = await trx
      .insertInto('business_calendars')
      .values({
        name: input.name.trim(),
        time_zone: input.timeZone,
        weekly: JSON.stringify(input.weekly),
        holidays: JSON.stringify(holidays),
        created_at: at,
        updated_at: at,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch(uniqueName<never>('calendar', input.name));
    const view = toCalendarView(row);
    await recordAudit(trx, actor, at, { action: 'sla.calendar_created', subjectType: 'calendar', subjectId: row.id, after: view });
    return view;
  });
}

export async function updateCalendar(ctx: ServiceContext, id: string, input: Partial<CalendarInput>, actor: Actor): Promise<CalendarView> {
  assertPermission(actor, 'sla.manage');
  const at = ctx.clock.now();
  return inTransaction(ctx.db, async (trx) => {
    const before = toCalendarView(await findCalendar(trx, id));
    const next = {
      name: input.name?.trim() ?? before.name,
      timeZone: input.timeZone ?? before.timeZone,
      weekly: input.weekly ?? before.weekly,
      holidays: normaliseHolidays(input.holidays ?? before.holidays),
    };
    compileCalendar(calendarOf(next));
    const row = await trx
      .updateTable('business_calendars')
      .set({
        name: next.name,
        time_zone: next.timeZone,
        weekly: JSON.stringify(next.weekly),
        holidays: JSON.stringify(next.holidays),
        updated_at: at,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch(uniqueName<never>('calendar', next.name));
    const view = toCalendarView(row);
    await recordAudit(trx, actor, at, { action: 'sla.calendar_updated', subjectType: 'calendar', subjectId: id, before, after: view });
    await queueOpenCasesForRefresh(trx, at);
    return view;
  });
}

export async function deleteCalendar(ctx: ServiceContext, id: string, actor: Actor): Promise<void> {
  assertPermission(actor, 'sla.manage');
  const at = ctx.clock.now();
  await inTransaction(ctx.db, async (trx) => {
    const before = toCalendarView(await findCalendar(trx, id));
    const user = await trx.selectFrom('sla_policies').select('name').where('calendar_id', '=', id).executeTakeFirst();
    if (user) throw new AppError('conflict', `the calendar is used by the policy "${user.name}"`, { policy: user.name });
    await trx.deleteFrom('business_calendars').where('id', '=', id).execute();
    await recordAudit(trx, actor, at, { action: 'sla.calendar_deleted', subjectType: 'calendar', subjectId: id, before });
  });
}

export type HolidayImportResult = IcalImportResult & { calendar: CalendarView; added: number };

/** Adds the holidays of an iCalendar file (e.g. a public-holiday feed) to a calendar. */
export async function importCalendarHolidays(
  ctx: ServiceContext,
  id: string,
  ical: string,
  range: { from?: string; to?: string },
  actor: Actor,
): Promise<HolidayImportResult> {
  assertPermission(actor, 'sla.manage');
  const current = toCalendarView(await findCalendar(ctx.db, id));
  const parsed = parseIcalHolidays(ical, { timeZone: current.timeZone, ...range });
  const holidays = normaliseHolidays([...current.holidays, ...parsed.holidays]);
  const calendar = await updateCalendar(ctx, id, { holidays }, actor);
  return { ...parsed, calendar, added: holidays.length - current.holidays.length };
}

// ---------------------------------------------------------------------------------------------
// Policies

/** Every listed condition must hold; within one condition any listed value matches. */
export type PolicyConditions = {
  priorities?: CasePriority[];
  types?: CaseType[];
  /** A category matches itself and everything below it. */
  categoryIds?: string[];
  channels?: Channel[];
  tiers?: CustomerTier[];
  organisationIds?: string[];
  teamIds?: string[];
  /** The case carries at least one of these tags. */
  tags?: string[];
};

export type PolicyView = {
  id: string;
  name: string;
  description: string | null;
  position: number;
  active: boolean;
  calendarId: string;
  conditions: PolicyConditions;
  targets: SlaTargets;
  pauseOnHold: boolean;
  /** Pause while the case waits on a department (an open department request). */
  pauseOnDepartment: boolean;
  warnings: SlaWarning[];
  escalations: EscalationRule[];
  createdAt: string;
  updatedAt: string;
};

export type PolicyInput = {
  name: string;
  description?: string | null;
  active?: boolean;
  calendarId: string;
  conditions?: PolicyConditions;
  targets: SlaTargets;
  pauseOnHold?: boolean;
  pauseOnDepartment?: boolean;
  warnings?: SlaWarning[];
  escalations?: EscalationRule[];
};

export function toPolicyView(r: Selectable<SlaPoliciesTable>): PolicyView {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    position: r.position,
    active: r.active,
    calendarId: r.calendar_id,
    conditions: r.conditions as PolicyConditions,
    targets: r.targets as SlaTargets,
    pauseOnHold: r.pause_on_hold,
    pauseOnDepartment: r.pause_on_department,
    warnings: r.warnings,
    escalations: r.escalations as EscalationRule[],
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

const defaultWarnings: SlaWarning[] = [{ percentUsed: 75 }, { minutesLeft: 15 }];

function assertTargets(targets: SlaTargets): void {
  if (Object.keys(targets).length === 0)
    throw new AppError('validation_failed', 'a policy needs at least one target', { field: 'targets' });
}

/** Ids in conditions must exist now; a deleted team or category later simply stops matching. */
async function assertConditionRefs(trx: Tx, c: PolicyConditions): Promise<void> {
  const check = async (table: 'categories' | 'organisations' | 'teams', ids: string[] | undefined, field: string) => {
    if (!ids || ids.length === 0) return;
    const found = await trx.selectFrom(table).select('id').where('id', 'in', ids).execute();
    const missing = ids.filter((id) => !found.some((f) => f.id === id));
    if (missing.length > 0)
      throw new AppError('validation_failed', `conditions.${field}: unknown ${missing.join(', ')}`, { field: `conditions.${field}` });
  };
  await check('categories', c.categoryIds, 'categoryIds');
  await check('organisations', c.organisationIds, 'organisationIds');
  await check('teams', c.teamIds, 'teamIds');
}

async function assertEscalationTeams(trx: Tx, rules: EscalationRule[] | undefined): Promise<void> {
  const ids = [...new Set((rules ?? []).flatMap((r) => (r.teamId ? [r.teamId] : [])))];
  if (ids.length === 0) return;
  const found = await trx.selectFrom('teams').select('id').where('id', 'in', ids).execute();
  const missing = ids.filter((id) => !found.some((f) => f.id === id));
  if (missing.length > 0)
    throw new AppError('validation_failed', `escalations: unknown team ${missing.join(', ')}`, { field: 'escalations' });
}

async function assertCalendarExists(trx: Tx, id: string): Promise<void> {
  const row = await trx.selectFrom('business_calendars').select('id').where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('validation_failed', `calendarId: calendar ${id} does not exist`, { field: 'calendarId' });
}

async function findPolicy(db: Tx, id: string): Promise<Selectable<SlaPoliciesTable>> {
  const row = await db.selectFrom('sla_policies').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('not_found', `policy ${id} does not exist`);
  return row;
}

export async function listPolicies(ctx: ServiceContext, actor: Actor): Promise<PolicyView[]> {
  assertCanRead(actor);
  const rows = await ctx.db.selectFrom('sla_policies').selectAll().orderBy('position').orderBy('created_at').execute();
  return rows.map(toPolicyView);
}

export async function getPolicy(ctx: ServiceContext, id: string, actor: Actor): Promise<PolicyView> {
  assertCanRead(actor);
  return toPolicyView(await findPolicy(ctx.db, id));
}

export async function createPolicy(ctx: ServiceContext, input: PolicyInput, actor: Actor): Promise<PolicyView> {
  assertPermission(actor, 'sla.manage');
  assertTargets(input.targets);
  const at = ctx.clock.now();
  return inTransaction(ctx.db, async (trx) => {
    await assertCalendarExists(trx, input.calendarId);
    await assertConditionRefs(trx, input.conditions ?? {});
    await assertEscalationTeams(trx, input.escalations);
    const last = await trx
      .selectFrom('sla_policies')
      .select((eb) => eb.fn.max('position').as('p'))
      .executeTakeFirst();
    const row = await trx
      .insertInto('sla_policies')
      .values({
        name: input.name.trim(),
        description: input.description ?? null,
        position: (last?.p ?? 0) + 1,
        active: input.active ?? true,
        calendar_id: input.calendarId,
        conditions: JSON.stringify(input.conditions ?? {}),
        targets: JSON.stringify(input.targets),
        pause_on_hold: input.pauseOnHold ?? false,
        pause_on_department: input.pauseOnDepartment ?? false,
        escalations: JSON.stringify(input.escalations ?? []),
        warnings: JSON.stringify(input.warnings ?? defaultWarnings),
        created_at: at,
        updated_at: at,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch(uniqueName<never>('policy', input.name));
    const view = toPolicyView(row);
    await recordAudit(trx, actor, at, { action: 'sla.policy_created', subjectType: 'sla_policy', subjectId: row.id, after: view });
    await queueOpenCasesForRefresh(trx, at);
    return view;
  });
}

export async function updatePolicy(ctx: ServiceContext, id: string, input: Partial<PolicyInput>, actor: Actor): Promise<PolicyView> {
  assertPermission(actor, 'sla.manage');
  if (input.targets) assertTargets(input.targets);
  const at = ctx.clock.now();
  return inTransaction(ctx.db, async (trx) => {
    const before = toPolicyView(await findPolicy(trx, id));
    if (input.calendarId) await assertCalendarExists(trx, input.calendarId);
    if (input.conditions) await assertConditionRefs(trx, input.conditions);
    await assertEscalationTeams(trx, input.escalations);
    const row = await trx
      .updateTable('sla_policies')
      .set({
        ...(input.name !== undefined && { name: input.name.trim() }),
        ...(input.description !== undefined && { description: input.description }),
        ...(input.active !== undefined && { active: input.active }),
        ...(input.calendarId !== undefined && { calendar_id: input.calendarId }),
        ...(input.conditions !== undefined && { conditions: JSON.stringify(input.conditions) }),
        ...(input.targets !== undefined && { targets: JSON.stringify(input.targets) }),
        ...(input.pauseOnHold !== undefined && { pause_on_hold: input.pauseOnHold }),
        ...(input.pauseOnDepartment !== undefined && { pause_on_department: input.pauseOnDepartment }),
        ...(input.escalations !== undefined && { escalations: JSON.stringify(input.escalations) }),
        ...(input.warnings !== undefined && { warnings: JSON.stringify(input.warnings) }),
        updated_at: at,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch(uniqueName<never>('policy', input.name ?? before.name));
    const view = toPolicyView(row);
    await recordAudit(trx, actor, at, { action: 'sla.policy_updated', subjectType: 'sla_policy', subjectId: id, before, after: view });
    await queueOpenCasesForRefresh(trx, at);
    return view;
  });
}

export async function deletePolicy(ctx: ServiceContext, id: string, actor: Actor): Promise<void> {
  assertPermission(actor, 'sla.manage');
  const at = ctx.clock.now();
  await inTransaction(ctx.db, async (trx) => {
    const before = toPolicyView(await findPolicy(trx, id));
    // Queue first: the foreign key clears cases.sla_policy_id, and those cases need a new match.
    await queueOpenCasesForRefresh(trx, at);
    await trx.deleteFrom('sla_policies').where('id', '=', id).execute();
    await recordAudit(trx, actor, at, { action: 'sla.policy_deleted', subjectType: 'sla_policy', subjectId: id, before });
  });
}

/** Sets the evaluation order: `ids` must list every policy exactly once. */
export async function reorderPolicies(ctx: ServiceContext, ids: string[], actor: Actor): Promise<PolicyView[]> {
  assertPermission(actor, 'sla.manage');
  const at = ctx.clock.now();
  await inTransaction(ctx.db, async (trx) => {
    const existing = await trx.selectFrom('sla_policies').select(['id', 'position']).orderBy('position').execute();
    const known = new Set(existing.map((p) => p.id));
    if (new Set(ids).size !== ids.length || ids.length !== known.size || ids.some((id) => !known.has(id)))
      throw new AppError('validation_failed', 'ids must list every policy exactly once', { field: 'ids', expected: known.size });
    for (const [i, id] of ids.entries())
      await trx
        .updateTable('sla_policies')
        .set({ position: i + 1, updated_at: at })
        .where('id', '=', id)
        .execute();
    await recordAudit(trx, actor, at, {
      action: 'sla.policies_reordered',
      subjectType: 'sla_policy',
      subjectId: ids[0] ?? '00000000-0000-0000-0000-000000000000',
      before: existing.map((p) => p.id),
      after: ids,
    });
    await queueOpenCasesForRefresh(trx, at);
  });
  return listPolicies(ctx, actor);
}

/** Every case that is not solved or closed gets its targets recomputed by the SLA scan. */
async function queueOpenCasesForRefresh(trx: Tx, at: Date): Promise<void> {
  await trx
    .insertInto('sla_refresh_queue')
    .columns(['case_id', 'queued_at'])
    .expression((eb) =>
      eb
        .selectFrom('cases')
        .select((e) => ['id', e.val(at).as('queued_at')])
        .where('status', 'in', ['new', 'open', 'pending', 'on_hold'])
        .where('merged_into_id', 'is', null),
    )
    .onConflict((oc) => oc.column('case_id').doNothing())
    .execute();
}

export const slaTargetLabels: Record<SlaTargetName, string> = {
  firstReply: 'first reply',
  nextReply: 'next reply',
  periodicUpdate: 'periodic update',
  resolution: 'resolution',
};
