// Cross-department requests. An agent working a case asks a department (billing, logistics…) for
// what the case needs; the request is due by the department's internal target (OLA) counted on its
// calendar. Department members work their queue — answer, ask for clarification, reassign within
// the department, decline with a reason — and see only what the request shares of the case (its
// subject, the requester's name and the messages the agent chose). Answers land on the case as
// internal notes. Every step is a request event, and a case event on the case it belongs to.
import { sql, type Selectable } from 'kysely';
import type { DepartmentRequestsTable, DepartmentRequestStatus } from '../../db/schema.js';
import type { ServiceContext, Tx } from '../../lib/context.js';
import { addBusinessMinutes, addCalendarMinutes, type BusinessCalendar } from '../../lib/business-time.js';
import { AppError } from '../../lib/errors.js';
import { inTransaction } from '../../lib/transaction.js';
import { assertPermission, hasPermission, type Actor } from '../auth/permissions.js';
import { assertCanSeeCase, assertCanWorkCase, caseScopeFilter, loadCaseScope } from '../cases/case-access.js';
import { appendCaseEvent, eventActorOf, notifyCaseChange, type CaseEventKind } from '../cases/case-events.js';
import { addMessageTx, reloadLockedCase } from '../cases/cases.service.js';
import { notifyUsers } from '../notifications/notifications.service.js';
import { calendarOf } from '../sla/sla-config.service.js';
import { refreshCaseDerived } from '../cases/case-derived.js';

type RequestRow = Selectable<DepartmentRequestsTable>;

export const openRequestStatuses: DepartmentRequestStatus[] = ['open', 'clarification_requested'];

/** Without an OLA for the type or a default one, a request is due in one business day (8 hours). */
export const fallbackOla = { minutes: 480, businessHours: true };

export type DepartmentRequestView = {
  id: string;
  number: number;
  caseId: string;
  departmentId: string;
  departmentName: string;
  requestType: string;
  question: string;
  expectedAnswer: string | null;
  sharedMessageIds: string[];
  status: DepartmentRequestStatus;
  assigneeId: string | null;
  requestedById: string | null;
  olaMinutes: number;
  olaBusinessHours: boolean;
  createdAt: string;
  dueAt: string;
  firstResponseAt: string | null;
  completedAt: string | null;
  answer: string | null;
  declineReason: string | null;
  escalatedAt: string | null;
  /** Wall-clock minutes past the due instant (now for open requests, at completion otherwise); 0 if on time. */
  lateMinutes: number;
  version: number;
};

const iso = (d: Date | null) => d?.toISOString() ?? null;

function toView(r: RequestRow & { department_name: string }, now: Date): DepartmentRequestView {
  const end = r.completed_at ?? now;
  return {
    id: r.id,
    number: Number(r.number),
    caseId: r.case_id,
    departmentId: r.department_id,
    departmentName: r.department_name,
    requestType: r.request_type,
    question: r.question,
    expectedAnswer: r.expected_answer,
    sharedMessageIds: r.shared_message_ids,
    status: r.status,
    assigneeId: r.assignee_id,
    requestedById: r.requested_by_id,
    olaMinutes: r.ola_minutes,
    olaBusinessHours: r.ola_business_hours,
    createdAt: r.created_at.toISOString(),
    dueAt: r.due_at.toISOString(),
    firstResponseAt: iso(r.first_response_at),
    completedAt: iso(r.completed_at),
    answer: r.answer,
    declineReason: r.decline_reason,
    escalatedAt: iso(r.escalated_at),
    lateMinutes: Math.max(0, Math.floor((end.getTime() - r.due_at.getTime()) / 60_000)),
    version: r.version,
  };
}

function selectRequests(db: Tx) {
  return db
    .selectFrom('department_requests as r')
    .innerJoin('departments as d', 'd.id', 'r.department_id')
    .selectAll('r')
    .select('d.name as department_name');
}

// ---------------------------------------------------------------------------------------------
// Who may do what

async function departmentIdsOf(db: Tx, userId: string): Promise<string[]> {
  const rows = await db.selectFrom('department_members').select('department_id').where('user_id', '=', userId).execute();
  return rows.map((r) => r.department_id);
}

/** Department members work their departments' requests; managers and admins any. */
async function assertCanWorkRequest(db: Tx, actor: Actor, r: RequestRow): Promise<void> {
  if (hasPermission(actor, 'departments.manage')) return;
  if (hasPermission(actor, 'department_requests.work') && (await departmentIdsOf(db, actor.userId)).includes(r.department_id)) return;
  // The front line sees requests of cases it can see, but works them from the case side only.
  throw new AppError('not_found', `department request ${r.id} does not exist`);
}

/** Reading: the request's department, or anyone who can see its case. */
async function assertCanReadRequest(db: Tx, actor: Actor, r: RequestRow): Promise<'department' | 'case'> {
  if (hasPermission(actor, 'departments.manage')) return 'department';
  if (hasPermission(actor, 'department_requests.work') && (await departmentIdsOf(db, actor.userId)).includes(r.department_id))
    return 'department';
  const c = await db.selectFrom('cases').select(['id', 'team_id', 'assignee_id']).where('id', '=', r.case_id).executeTakeFirstOrThrow();
  try {
    await assertCanSeeCase(db, actor, c);
  } catch {
    throw new AppError('not_found', `department request ${r.id} does not exist`);
  }
  return 'case';
}

async function lockRequest(trx: Tx, id: string): Promise<RequestRow> {
  const r = await trx.selectFrom('department_requests').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  if (!r) throw new AppError('not_found', `department request ${id} does not exist`);
  return r;
}

function assertVersion(r: RequestRow, version: number | undefined): void {
  if (version !== undefined && version !== r.version)
    throw new AppError('conflict', 'the request changed since you loaded it; reload and try again', {
      currentVersion: r.version,
      yourVersion: version,
    });
}

function assertStatus(r: RequestRow, allowed: DepartmentRequestStatus[], action: string): void {
  if (!allowed.includes(r.status))
    throw new AppError('conflict', `a request that is ${r.status} cannot be ${action}`, { status: r.status });
}

// ---------------------------------------------------------------------------------------------
// Due times

type Ola = { minutes: number; businessHours: boolean; calendar: BusinessCalendar | null };

async function olaFor(db: Tx, departmentId: string, requestType: string): Promise<Ola> {
  const rows = await db
    .selectFrom('department_olas')
    .select(['request_type', 'answer_minutes', 'business_hours'])
    .where('department_id', '=', departmentId)
    .where('request_type', 'in', [requestType, '*'])
    .execute();
  const row = rows.find((r) => r.request_type === requestType) ?? rows.find((r) => r.request_type === '*');
  const cal = await db
    .selectFrom('departments as d')
    .leftJoin('business_calendars as bc', 'bc.id', 'd.calendar_id')
    .select(['bc.time_zone', 'bc.weekly', 'bc.holidays'])
    .where('d.id', '=', departmentId)
    .executeTakeFirst();
  const calendar = cal?.time_zone ? calendarOf({ timeZone: cal.time_zone, weekly: cal.weekly!, holidays: cal.holidays ?? [] }) : null;
  const base = row ? { minutes: row.answer_minutes, businessHours: row.business_hours } : fallbackOla;
  // Business hours need a calendar; a department without one counts calendar time.
  return { ...base, businessHours: base.businessHours && calendar !== null, calendar };
}

function instantAfter(ola: Ola, start: Date, minutes: number): Date {
  return ola.businessHours && ola.calendar ? addBusinessMinutes(ola.calendar, start, minutes) : addCalendarMinutes(start, minutes);
}

// ---------------------------------------------------------------------------------------------
// Events and notifications

async function recordRequestEvent(
  trx: Tx,
  r: { id: string },
  actor: Actor | null,
  kind: string,
  at: Date,
  body: string | null = null,
  data: Record<string, unknown> = {},
): Promise<void> {
  await trx
    .insertInto('department_request_events')
    .values({
      request_id: r.id,
      actor_user_id: actor && actor.via !== 'system' ? actor.userId : null,
      kind,
      body,
      data: JSON.stringify(data),
      at,
    })
    .execute();
}

async function caseEvent(
  trx: Tx,
  r: RequestRow,
  actor: Actor | null,
  kind: Extract<CaseEventKind, `department_request_${string}`>,
  at: Date,
  after: Record<string, unknown>,
): Promise<void> {
  // The department's name travels with every event: readers of the case log may not be able to list departments.
  const dept = await trx.selectFrom('departments').select('name').where('id', '=', r.department_id).executeTakeFirst();
  await appendCaseEvent(trx, {
    caseId: r.case_id,
    actor: actor ? eventActorOf(actor) : { kind: 'system' },
    kind,
    after: { requestId: r.id, requestNumber: Number(r.number), departmentId: r.department_id, department: dept?.name ?? null, ...after },
    at,
  });
}

async function announceCase(trx: Tx, caseId: string, at: Date, kind: string): Promise<void> {
  // Open requests can pause the case's SLA clocks; its targets follow every change of them.
  await refreshCaseDerived(trx, caseId, at);
  const c = await trx
    .selectFrom('cases')
    .select(['number', 'version', 'team_id', 'assignee_id'])
    .where('id', '=', caseId)
    .executeTakeFirstOrThrow();
  await notifyCaseChange(trx, { caseId, number: String(c.number), version: c.version, teamId: c.team_id, assigneeId: c.assignee_id, kind });
}

async function departmentMemberIds(trx: Tx, departmentId: string, membership?: 'head'): Promise<string[]> {
  let q = trx
    .selectFrom('department_members as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select('m.user_id')
    .where('m.department_id', '=', departmentId)
    .where('u.active', '=', true);
  if (membership) q = q.where('m.membership', '=', membership);
  return (await q.execute()).map((r) => r.user_id);
}

/** Who waits on the department: whoever asked and the case's assignee. */
async function caseSideIds(trx: Tx, r: RequestRow): Promise<string[]> {
  const c = await trx.selectFrom('cases').select('assignee_id').where('id', '=', r.case_id).executeTakeFirstOrThrow();
  return [r.requested_by_id, c.assignee_id].filter((id): id is string => id !== null);
}

async function caseNumber(trx: Tx, caseId: string): Promise<string> {
  const c = await trx.selectFrom('cases').select('number').where('id', '=', caseId).executeTakeFirstOrThrow();
  return String(c.number);
}

// ---------------------------------------------------------------------------------------------
// The case side: ask, clarify, cancel, list

export type CreateRequestInput = {
  departmentId: string;
  requestType?: string;
  question: string;
  expectedAnswer?: string | null;
  sharedMessageIds?: string[];
};

export async function createDepartmentRequest(
  ctx: ServiceContext,
  caseId: string,
  input: CreateRequestInput,
  actor: Actor,
): Promise<DepartmentRequestView> {
  assertPermission(actor, 'cases.work');
  const at = ctx.clock.now();
  return inTransaction(ctx.db, async (trx) => {
    const c = await trx
      .selectFrom('cases')
      .select(['id', 'team_id', 'assignee_id', 'status', 'number'])
      .where('id', '=', caseId)
      .forUpdate()
      .executeTakeFirst();
    if (!c) throw new AppError('not_found', `case ${caseId} does not exist`);
    await assertCanWorkCase(trx, actor, c);
    if (c.status === 'closed') throw new AppError('conflict', 'a closed case cannot ask a department');
    const dept = await trx.selectFrom('departments').select(['id', 'name']).where('id', '=', input.departmentId).executeTakeFirst();
    if (!dept)
      throw new AppError('validation_failed', `departmentId: department ${input.departmentId} does not exist`, { field: 'departmentId' });
    const shared = [...new Set(input.sharedMessageIds ?? [])];
    if (shared.length > 0) {
      const found = await trx.selectFrom('case_messages').select('id').where('case_id', '=', caseId).where('id', 'in', shared).execute();
      const missing = shared.filter((id) => !found.some((f) => f.id === id));
      if (missing.length > 0)
        throw new AppError('validation_failed', `sharedMessageIds: not messages of this case: ${missing.join(', ')}`, {
          field: 'sharedMessageIds',
        });
    }
    const requestType = input.requestType ?? 'general';
    const ola = await olaFor(trx, dept.id, requestType);
    const row = await trx
      .insertInto('department_requests')
      .values({
        case_id: caseId,
        department_id: dept.id,
        request_type: requestType,
        question: input.question.trim(),
        expected_answer: input.expectedAnswer?.trim() || null,
        shared_message_ids: shared,
        status: 'open',
        requested_by_id: actor.via === 'system' ? null : actor.userId,
        ola_minutes: ola.minutes,
        ola_business_hours: ola.businessHours,
        created_at: at,
        due_at: instantAfter(ola, at, ola.minutes),
        remind_at: instantAfter(ola, at, Math.round(ola.minutes * 0.75)),
        updated_at: at,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordRequestEvent(trx, row, actor, 'created', at, row.question);
    await caseEvent(trx, row, actor, 'department_request_created', at, {
      department: dept.name,
      requestType,
      dueAt: row.due_at.toISOString(),
    });
    await notifyUsers(trx, await departmentMemberIds(trx, dept.id), {
      kind: 'department_request',
      caseId: null,
      title: `${dept.name}: request #${row.number} from case #${c.number}: ${row.question.slice(0, 80)}`,
      data: { requestId: row.id, departmentId: dept.id },
      at,
    });
    await announceCase(trx, caseId, at, 'department_request');
    return toView({ ...row, department_name: dept.name }, at);
  });
}

export async function listCaseDepartmentRequests(ctx: ServiceContext, caseId: string, actor: Actor): Promise<DepartmentRequestView[]> {
  const c = await ctx.db.selectFrom('cases').select(['id', 'team_id', 'assignee_id']).where('id', '=', caseId).executeTakeFirst();
  if (!c) throw new AppError('not_found', `case ${caseId} does not exist`);
  await assertCanSeeCase(ctx.db, actor, c);
  const rows = await selectRequests(ctx.db).where('r.case_id', '=', caseId).orderBy('r.created_at').orderBy('r.number').execute();
  const now = ctx.clock.now();
  return rows.map((r) => toView(r, now));
}

/** The case side answers a department's clarification question; the request is open again. */
export async function clarifyDepartmentRequest(
  ctx: ServiceContext,
  id: string,
  input: { body: string; version?: number },
  actor: Actor,
): Promise<DepartmentRequestView> {
  assertPermission(actor, 'cases.work');
  return changeFromCaseSide(ctx, id, actor, input.version, async (trx, r, at) => {
    assertStatus(r, ['clarification_requested'], 'clarified');
    await trx
      .updateTable('department_requests')
      .set({ status: 'open', updated_at: at, version: r.version + 1 })
      .where('id', '=', id)
      .execute();
    await recordRequestEvent(trx, r, actor, 'clarified', at, input.body.trim());
    await caseEvent(trx, r, actor, 'department_request_clarified', at, {});
    const recipients = r.assignee_id ? [r.assignee_id] : await departmentMemberIds(trx, r.department_id);
    await notifyUsers(trx, recipients, {
      kind: 'department_request',
      caseId: null,
      title: `Request #${r.number}: the front line answered your question`,
      data: { requestId: r.id },
      at,
    });
  });
}

export async function cancelDepartmentRequest(
  ctx: ServiceContext,
  id: string,
  input: { version?: number },
  actor: Actor,
): Promise<DepartmentRequestView> {
  assertPermission(actor, 'cases.work');
  return changeFromCaseSide(ctx, id, actor, input.version, async (trx, r, at) => {
    assertStatus(r, openRequestStatuses, 'cancelled');
    await trx
      .updateTable('department_requests')
      .set({ status: 'cancelled', completed_at: at, updated_at: at, version: r.version + 1 })
      .where('id', '=', id)
      .execute();
    await recordRequestEvent(trx, r, actor, 'cancelled', at);
    await caseEvent(trx, r, actor, 'department_request_cancelled', at, {});
  });
}

async function changeFromCaseSide(
  ctx: ServiceContext,
  id: string,
  actor: Actor,
  version: number | undefined,
  change: (trx: Tx, r: RequestRow, at: Date) => Promise<void>,
): Promise<DepartmentRequestView> {
  const at = ctx.clock.now();
  return inTransaction(ctx.db, async (trx) => {
    const r = await lockRequest(trx, id);
    const c = await trx.selectFrom('cases').select(['id', 'team_id', 'assignee_id']).where('id', '=', r.case_id).executeTakeFirstOrThrow();
    try {
      await assertCanWorkCase(trx, actor, c);
    } catch (err) {
      if (err instanceof AppError && err.code === 'not_found') throw new AppError('not_found', `department request ${id} does not exist`);
      throw err;
    }
    assertVersion(r, version);
    await change(trx, r, at);
    await announceCase(trx, r.case_id, at, 'department_request');
    return toView(await selectRequests(trx).where('r.id', '=', id).executeTakeFirstOrThrow(), at);
  });
}

// ---------------------------------------------------------------------------------------------
// The department side: queue, detail, answer, ask, reassign, decline

export type QueueQuery = {
  departmentId?: string;
  status?: DepartmentRequestStatus[];
  mine?: boolean;
  overdue?: boolean;
  limit: number;
};

/** A department's queue: open first by due time. Members see their departments; managers all; agents the requests of cases they see. */
export async function listDepartmentRequests(ctx: ServiceContext, query: QueueQuery, actor: Actor): Promise<DepartmentRequestView[]> {
  const now = ctx.clock.now();
  let q = selectRequests(ctx.db);
  if (!hasPermission(actor, 'departments.manage')) {
    const mine = hasPermission(actor, 'department_requests.work') ? await departmentIdsOf(ctx.db, actor.userId) : [];
    if (hasPermission(actor, 'cases.work') || hasPermission(actor, 'cases.read_all')) {
      const scope = await loadCaseScope(ctx.db, actor);
      q = q.where((eb) =>
        eb.or([
          ...(mine.length > 0 ? [eb('r.department_id', 'in', mine)] : []),
          eb.exists(eb.selectFrom('cases as c').select('c.id').whereRef('c.id', '=', 'r.case_id').where(caseScopeFilter(scope))),
        ]),
      );
    } else if (mine.length > 0) q = q.where('r.department_id', 'in', mine);
    else return [];
  }
  if (query.departmentId) q = q.where('r.department_id', '=', query.departmentId);
  if (query.status?.length) q = q.where('r.status', 'in', query.status);
  if (query.mine) q = q.where('r.assignee_id', '=', actor.userId);
  if (query.overdue) q = q.where('r.status', 'in', openRequestStatuses).where('r.due_at', '<', now);
  const rows = await q
    .orderBy(sql`case when r.status in ('open', 'clarification_requested') then 0 else 1 end`)
    .orderBy('r.due_at')
    .orderBy('r.number')
    .limit(query.limit)
    .execute();
  return rows.map((r) => toView(r, now));
}

export type SharedCaseContext = {
  caseId: string;
  number: number;
  subject: string;
  status: string;
  requesterName: string;
  messages: {
    id: string;
    kind: string;
    bodyText: string;
    createdAt: string;
    attachments: { id: string; filename: string; contentType: string; sizeBytes: number }[];
  }[];
};

export type RequestDetail = DepartmentRequestView & {
  case: SharedCaseContext;
  events: { kind: string; actorId: string | null; body: string | null; data: Record<string, unknown>; at: string }[];
};

/** One request with the case context it shares (department side) or the whole link (case side). */
export async function getDepartmentRequest(ctx: ServiceContext, id: string, actor: Actor): Promise<RequestDetail> {
  const row = await selectRequests(ctx.db).where('r.id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('not_found', `department request ${id} does not exist`);
  await assertCanReadRequest(ctx.db, actor, row);
  const c = await ctx.db
    .selectFrom('cases as c')
    .innerJoin('customers as cu', 'cu.id', 'c.requester_id')
    .select(['c.id', 'c.number', 'c.subject', 'c.status', 'cu.name'])
    .where('c.id', '=', row.case_id)
    .executeTakeFirstOrThrow();
  const messages =
    row.shared_message_ids.length === 0
      ? []
      : await ctx.db
          .selectFrom('case_messages')
          .select(['id', 'kind', 'body_text', 'created_at'])
          .where('case_id', '=', row.case_id)
          .where('id', 'in', row.shared_message_ids)
          .orderBy('created_at')
          .orderBy('seq')
          .execute();
  const events = await ctx.db.selectFrom('department_request_events').selectAll().where('request_id', '=', id).orderBy('id').execute();
  const files =
    messages.length === 0
      ? []
      : await ctx.db
          .selectFrom('attachments')
          .select(['id', 'message_id', 'filename', 'content_type', 'size_bytes'])
          .where(
            'message_id',
            'in',
            messages.map((m) => m.id),
          )
          .orderBy('seq')
          .execute();
  return {
    ...toView(row, ctx.clock.now()),
    case: {
      caseId: c.id,
      number: Number(c.number),
      subject: c.subject,
      status: c.status,
      requesterName: c.name,
      // Attachments of shared messages download through GET /api/attachments/:id, which lets the
      // department's members in for exactly these.
      messages: messages.map((m) => ({
        id: m.id,
        kind: m.kind,
        bodyText: m.body_text,
        createdAt: m.created_at.toISOString(),
        attachments: files
          .filter((f) => f.message_id === m.id)
          .map((f) => ({ id: f.id, filename: f.filename, contentType: f.content_type, sizeBytes: Number(f.size_bytes) })),
      })),
    },
    events: events.map((e) => ({ kind: e.kind, actorId: e.actor_user_id, body: e.body, data: e.data, at: e.at.toISOString() })),
  };
}

async function changeFromDepartmentSide(
  ctx: ServiceContext,
  id: string,
  actor: Actor,
  version: number | undefined,
  change: (trx: Tx, r: RequestRow, at: Date) => Promise<void>,
): Promise<DepartmentRequestView> {
  const at = ctx.clock.now();
  return inTransaction(ctx.db, async (trx) => {
    const r = await lockRequest(trx, id);
    await assertCanWorkRequest(trx, actor, r);
    assertVersion(r, version);
    await change(trx, r, at);
    await announceCase(trx, r.case_id, at, 'department_request');
    return toView(await selectRequests(trx).where('r.id', '=', id).executeTakeFirstOrThrow(), at);
  });
}

/** The department's answer completes the request and lands on the case as an internal note. */
export async function answerDepartmentRequest(
  ctx: ServiceContext,
  id: string,
  input: { answer: string; version?: number },
  actor: Actor,
): Promise<DepartmentRequestView> {
  return changeFromDepartmentSide(ctx, id, actor, input.version, async (trx, r, at) => {
    assertStatus(r, openRequestStatuses, 'answered');
    const answer = input.answer.trim();
    await trx
      .updateTable('department_requests')
      .set({
        status: 'answered',
        answer,
        first_response_at: r.first_response_at ?? at,
        completed_at: at,
        assignee_id: r.assignee_id ?? (actor.via === 'system' ? null : actor.userId),
        updated_at: at,
        version: r.version + 1,
      })
      .where('id', '=', id)
      .execute();
    await recordRequestEvent(trx, r, actor, 'answered', at, answer);
    const dept = await trx.selectFrom('departments').select('name').where('id', '=', r.department_id).executeTakeFirstOrThrow();
    const locked = await reloadLockedCase(trx, r.case_id);
    if (locked.status !== 'closed')
      await addMessageTx(trx, at, locked, { kind: 'note', body: `Answer from ${dept.name} (request #${r.number}):\n\n${answer}` }, actor);
    await caseEvent(trx, r, actor, 'department_request_answered', at, { department: dept.name, late: at > r.due_at });
    await notifyUsers(trx, await caseSideIds(trx, r), {
      kind: 'department_answer',
      caseId: r.case_id,
      title: `Case #${await caseNumber(trx, r.case_id)}: ${dept.name} answered request #${r.number}`,
      data: { requestId: r.id },
      at,
    });
  });
}

export async function requestClarification(
  ctx: ServiceContext,
  id: string,
  input: { question: string; version?: number },
  actor: Actor,
): Promise<DepartmentRequestView> {
  return changeFromDepartmentSide(ctx, id, actor, input.version, async (trx, r, at) => {
    assertStatus(r, ['open'], 'asked for clarification');
    await trx
      .updateTable('department_requests')
      .set({ status: 'clarification_requested', first_response_at: r.first_response_at ?? at, updated_at: at, version: r.version + 1 })
      .where('id', '=', id)
      .execute();
    const question = input.question.trim();
    await recordRequestEvent(trx, r, actor, 'clarification_requested', at, question);
    await caseEvent(trx, r, actor, 'department_request_clarification', at, { question });
    await notifyUsers(trx, await caseSideIds(trx, r), {
      kind: 'department_question',
      caseId: r.case_id,
      title: `Case #${await caseNumber(trx, r.case_id)}: request #${r.number} needs clarification`,
      data: { requestId: r.id },
      at,
    });
  });
}

export async function assignDepartmentRequest(
  ctx: ServiceContext,
  id: string,
  input: { assigneeId: string | null; version?: number },
  actor: Actor,
): Promise<DepartmentRequestView> {
  return changeFromDepartmentSide(ctx, id, actor, input.version, async (trx, r, at) => {
    assertStatus(r, openRequestStatuses, 'reassigned');
    if (input.assigneeId && !(await departmentMemberIds(trx, r.department_id)).includes(input.assigneeId))
      throw new AppError('validation_failed', 'assigneeId: not an active member of the department', { field: 'assigneeId' });
    await trx
      .updateTable('department_requests')
      .set({ assignee_id: input.assigneeId, updated_at: at, version: r.version + 1 })
      .where('id', '=', id)
      .execute();
    await recordRequestEvent(trx, r, actor, 'assigned', at, null, { from: r.assignee_id, to: input.assigneeId });
    await caseEvent(trx, r, actor, 'department_request_assigned', at, { assigneeId: input.assigneeId });
    if (input.assigneeId && input.assigneeId !== actor.userId)
      await notifyUsers(trx, [input.assigneeId], {
        kind: 'department_request',
        caseId: null,
        title: `Request #${r.number} was assigned to you`,
        data: { requestId: r.id },
        at,
      });
  });
}

export async function declineDepartmentRequest(
  ctx: ServiceContext,
  id: string,
  input: { reason: string; version?: number },
  actor: Actor,
): Promise<DepartmentRequestView> {
  return changeFromDepartmentSide(ctx, id, actor, input.version, async (trx, r, at) => {
    assertStatus(r, openRequestStatuses, 'declined');
    const reason = input.reason.trim();
    await trx
      .updateTable('department_requests')
      .set({
        status: 'declined',
        decline_reason: reason,
        first_response_at: r.first_response_at ?? at,
        completed_at: at,
        updated_at: at,
        version: r.version + 1,
      })
      .where('id', '=', id)
      .execute();
    await recordRequestEvent(trx, r, actor, 'declined', at, reason);
    await caseEvent(trx, r, actor, 'department_request_declined', at, { reason });
    await notifyUsers(trx, await caseSideIds(trx, r), {
      kind: 'department_declined',
      caseId: r.case_id,
      title: `Case #${await caseNumber(trx, r.case_id)}: request #${r.number} was declined`,
      data: { requestId: r.id, reason },
      at,
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Reminders and escalation (run by the SLA scan)

/**
 * Reminds the assignee (or the whole department) once 75 % of the OLA is used, and escalates to
 * the department head once it is breached. Each happens once: the update that sets the timestamp
 * only matches while it is still null.
 */
export async function remindAndEscalate(
  ctx: ServiceContext,
  options: { batch?: number } = {},
): Promise<{ reminded: number; escalated: number }> {
  const now = ctx.clock.now();
  const batch = options.batch ?? 200;
  return inTransaction(ctx.db, async (trx) => {
    const reminded = await trx
      .updateTable('department_requests')
      .set({ reminded_at: now })
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('department_requests')
          .select('id')
          .where('reminded_at', 'is', null)
          .where('remind_at', '<=', now)
          .where('status', 'in', openRequestStatuses)
          .limit(batch)
          .forUpdate()
          .skipLocked(),
      )
      .returningAll()
      .execute();
    for (const r of reminded) {
      const to = r.assignee_id ? [r.assignee_id] : await departmentMemberIds(trx, r.department_id);
      await recordRequestEvent(trx, r, null, 'reminded', now, null, { dueAt: r.due_at.toISOString() });
      await notifyUsers(trx, to, {
        kind: 'department_reminder',
        caseId: null,
        title: `Request #${r.number}: 75% of its internal target used`,
        data: { requestId: r.id, dueAt: r.due_at.toISOString() },
        at: now,
      });
    }
    const escalated = await trx
      .updateTable('department_requests')
      .set({ escalated_at: now })
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('department_requests')
          .select('id')
          .where('escalated_at', 'is', null)
          .where('due_at', '<', now)
          .where('status', 'in', openRequestStatuses)
          .limit(batch)
          .forUpdate()
          .skipLocked(),
      )
      .returningAll()
      .execute();
    for (const r of escalated) {
      await recordRequestEvent(trx, r, null, 'escalated', now, null, { dueAt: r.due_at.toISOString() });
      await caseEvent(trx, r, null, 'department_request_escalated', now, { dueAt: r.due_at.toISOString() });
      const heads = await departmentMemberIds(trx, r.department_id, 'head');
      await notifyUsers(trx, [...heads, ...(await caseSideIds(trx, r))], {
        kind: 'department_escalation',
        caseId: null,
        title: `Request #${r.number} missed its internal target`,
        data: { requestId: r.id, caseId: r.case_id },
        at: now,
      });
    }
    return { reminded: reminded.length, escalated: escalated.length };
  });
}

// ---------------------------------------------------------------------------------------------
// Coordination view

export type CoordinationView = {
  /** Cases waiting on two or more departments at once, the longest-waiting first. */
  casesWaitingOnSeveral: {
    caseId: string;
    number: number;
    subject: string;
    requests: { requestId: string; departmentName: string; status: DepartmentRequestStatus; dueAt: string; lateMinutes: number }[];
  }[];
  /** Per department, its overdue open requests, oldest due first. */
  overdueByDepartment: { departmentId: string; departmentName: string; overdue: DepartmentRequestView[] }[];
};

export async function coordinationView(ctx: ServiceContext, actor: Actor): Promise<CoordinationView> {
  assertPermission(actor, 'reports.read');
  const now = ctx.clock.now();
  const scope = await loadCaseScope(ctx.db, actor);
  const open = await selectRequests(ctx.db)
    .innerJoin('cases as c', 'c.id', 'r.case_id')
    .select(['c.number as case_number', 'c.subject as case_subject'])
    .where('r.status', 'in', openRequestStatuses)
    .where(caseScopeFilter(scope))
    .orderBy('r.due_at')
    .execute();
  const byCase = new Map<string, typeof open>();
  for (const r of open) byCase.set(r.case_id, [...(byCase.get(r.case_id) ?? []), r]);
  const casesWaitingOnSeveral = [...byCase.values()]
    .filter((rs) => new Set(rs.map((r) => r.department_id)).size >= 2)
    .map((rs) => ({
      caseId: rs[0]!.case_id,
      number: Number(rs[0]!.case_number),
      subject: rs[0]!.case_subject,
      waitingSince: Math.min(...rs.map((r) => r.created_at.getTime())),
      requests: rs.map((r) => ({
        requestId: r.id,
        departmentName: r.department_name,
        status: r.status,
        dueAt: r.due_at.toISOString(),
        lateMinutes: toView(r, now).lateMinutes,
      })),
    }))
    .sort((a, b) => a.waitingSince - b.waitingSince)
    .map(({ waitingSince: _w, ...rest }) => rest);
  const overdue = new Map<string, { departmentId: string; departmentName: string; overdue: DepartmentRequestView[] }>();
  for (const r of open.filter((r) => r.due_at < now)) {
    const entry = overdue.get(r.department_id) ?? { departmentId: r.department_id, departmentName: r.department_name, overdue: [] };
    entry.overdue.push(toView(r, now));
    overdue.set(r.department_id, entry);
  }
  const overdueByDepartment = [...overdue.values()].sort(
    (a, b) => b.overdue.length - a.overdue.length || a.departmentName.localeCompare(b.departmentName),
  );
  return { casesWaitingOnSeveral, overdueByDepartment };
}
