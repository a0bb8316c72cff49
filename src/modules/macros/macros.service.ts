// Macros and canned replies: saved field changes (status, priority, type, team, assignee, tags)
// and/or a reply or note template, applied to a case in one action. A canned reply is a macro
// with only a reply. Shared macros (no owner) are configured with `cases.configure`; personal
// ones belong to one agent and are invisible to everyone else. Applying goes through the cases
// service, so every change keeps its own event, plus one `macro_applied` event naming the macro.
// Changes to shared macros go to the administrative audit trail; personal ones stay private.
import type { CasePriority, CaseStatus, CaseType } from '../../db/schema.js';
import type { ServiceContext, Tx } from '../../lib/context.js';
import { AppError } from '../../lib/errors.js';
import { inTransaction } from '../../lib/transaction.js';
import { recordAudit } from '../audit/audit.service.js';
import { assertPermission, hasPermission, type Actor } from '../auth/permissions.js';
import { appendCaseEvent, eventActorOf } from '../cases/case-events.js';
import { assertAssignee, assertTeam, normaliseTags } from '../cases/case-fields.js';
import {
  addMessageTx,
  getCase,
  loadCaseView,
  loadLockedCase,
  reloadLockedCase,
  updateCaseTx,
  type CaseView,
  type MessageView,
} from '../cases/cases.service.js';
import { describeTemplateProblem, renderTemplate, templateProblem, templateValues } from './macro-template.js';

/** Statuses a macro may set: a case never goes back to new, and only solved cases close. */
export type MacroStatus = Extract<CaseStatus, 'open' | 'pending' | 'on_hold' | 'solved'>;
export const macroStatuses = ['open', 'pending', 'on_hold', 'solved'] as const satisfies readonly MacroStatus[];

export type MacroActions = {
  status?: MacroStatus;
  priority?: CasePriority;
  type?: CaseType;
  /** null takes the case out of its team. */
  teamId?: string | null;
  /** "me" is whoever applies the macro; null unassigns. */
  assigneeId?: string | null;
  addTags?: string[];
  removeTags?: string[];
};

export type ReplyKind = 'reply' | 'note';

export type MacroView = {
  id: string;
  name: string;
  description: string | null;
  /** null: shared with everyone. */
  ownerId: string | null;
  actions: MacroActions;
  replyBody: string | null;
  replyKind: ReplyKind;
  active: boolean;
  createdAt: string;
  updatedAt: string;
};

type OptionalFields<T> = { [K in keyof T]?: T[K] | undefined };
export type MacroActionsInput = OptionalFields<MacroActions>;

export type CreateMacroInput = {
  name: string;
  description?: string | null | undefined;
  shared?: boolean | undefined;
  actions?: MacroActionsInput | undefined;
  replyBody?: string | null | undefined;
  replyKind?: ReplyKind | undefined;
};

export type UpdateMacroInput = Partial<CreateMacroInput> & { active?: boolean | undefined };

type MacroRow = {
  id: string;
  name: string;
  description: string | null;
  owner_id: string | null;
  actions: Record<string, unknown>;
  reply_body: string | null;
  reply_kind: ReplyKind;
  active: boolean;
  created_at: Date;
  updated_at: Date;
};

// ---------------------------------------------------------------------------------------------
// Reading

function assertCanReadMacros(actor: Actor): void {
  if (!hasPermission(actor, 'cases.work')) assertPermission(actor, 'cases.read_all');
}

const actionKeys = ['status', 'priority', 'type', 'teamId', 'assigneeId', 'addTags', 'removeTags'] as const;

/** Only the keys a macro may hold; anything else in stored JSON is ignored. */
function storedActions(json: Record<string, unknown>): MacroActions {
  const out: Record<string, unknown> = {};
  for (const k of actionKeys) if (json[k] !== undefined) out[k] = json[k];
  return out as MacroActions;
}

function toView(r: MacroRow): MacroView {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    ownerId: r.owner_id,
    actions: storedActions(r.actions),
    replyBody: r.reply_body,
    replyKind: r.reply_kind,
    active: r.active,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

function macroQuery(db: Tx, actor: Actor) {
  return db
    .selectFrom('macros')
    .selectAll()
    .where((eb) => eb.or([eb('owner_id', 'is', null), eb('owner_id', '=', actor.userId)]));
}

/** Someone else's personal macro is reported as missing, so its existence does not leak. */
async function loadVisibleMacro(db: Tx, id: string, actor: Actor, lock = false): Promise<MacroRow> {
  let q = macroQuery(db, actor).where('id', '=', id);
  if (lock) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw new AppError('not_found', `macro ${id} does not exist`);
  return row;
}

export async function listMacros(ctx: ServiceContext, input: { active?: boolean | undefined }, actor: Actor): Promise<MacroView[]> {
  assertCanReadMacros(actor);
  let q = macroQuery(ctx.db, actor);
  if (input.active !== undefined) q = q.where('active', '=', input.active);
  const rows = await q
    .orderBy((eb) => eb.fn('lower', ['name']))
    .orderBy('id')
    .execute();
  return rows.map(toView);
}

// ---------------------------------------------------------------------------------------------
// Saving

function normaliseName(name: string): string {
  const n = name.trim();
  if (n.length === 0 || n.length > 200) throw new AppError('validation_failed', 'name: 1 to 200 characters', { field: 'name' });
  return n;
}

function normaliseDescription(d: string | null | undefined): string | null {
  const t = d?.trim();
  return t ? t : null;
}

/** Blank means no reply; otherwise every placeholder must be one Frontline can fill. */
function checkReplyBody(body: string | null | undefined): string | null {
  if (body === null || body === undefined || body.trim() === '') return null;
  const problem = templateProblem(body);
  if (problem)
    throw new AppError('validation_failed', `replyBody: ${describeTemplateProblem(problem)}`, { field: 'replyBody', ...problem });
  return body;
}

/** Drops absent keys, normalises tags, and checks that the team and assignee exist now. */
async function checkActions(db: Tx, input: MacroActionsInput | undefined): Promise<MacroActions> {
  const out: MacroActions = {};
  if (!input) return out;
  if (input.status !== undefined) out.status = input.status;
  if (input.priority !== undefined) out.priority = input.priority;
  if (input.type !== undefined) out.type = input.type;
  if (input.teamId !== undefined) {
    await assertTeam(db, input.teamId);
    out.teamId = input.teamId;
  }
  if (input.assigneeId !== undefined) {
    if (input.assigneeId !== 'me') await assertAssignee(db, input.assigneeId);
    out.assigneeId = input.assigneeId;
  }
  const add = normaliseTags(input.addTags ?? []);
  const remove = normaliseTags(input.removeTags ?? []);
  const both = add.filter((t) => remove.includes(t));
  if (both.length > 0)
    throw new AppError('validation_failed', `a macro cannot both add and remove ${both.join(', ')}`, {
      field: 'actions.addTags',
      tags: both,
    });
  if (add.length > 0) out.addTags = add;
  if (remove.length > 0) out.removeTags = remove;
  return out;
}

function assertHasEffect(actions: MacroActions, replyBody: string | null): void {
  if (Object.keys(actions).length === 0 && replyBody === null)
    throw new AppError('validation_failed', 'a macro needs at least one action or a reply', { field: 'actions' });
}

/** Shared macros are configuration; personal ones only need the right to work cases. */
function assertCanManage(actor: Actor, shared: boolean): void {
  assertPermission(actor, shared ? 'cases.configure' : 'cases.work');
}

export async function createMacro(ctx: ServiceContext, input: CreateMacroInput, actor: Actor): Promise<MacroView> {
  const shared = input.shared ?? false;
  assertCanManage(actor, shared);
  const name = normaliseName(input.name);
  const replyBody = checkReplyBody(input.replyBody);
  const at = ctx.clock.now();
  return inTransaction(ctx.db, async (trx) => {
    const actions = await checkActions(trx, input.actions);
    assertHasEffect(actions, replyBody);
    const row = await trx
      .insertInto('macros')
      .values({
        name,
        description: normaliseDescription(input.description),
        owner_id: shared ? null : actor.userId,
        actions: JSON.stringify(actions),
        reply_body: replyBody,
        reply_kind: input.replyKind ?? 'reply',
        created_at: at,
        updated_at: at,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const view = toView(row);
    if (shared) await recordAudit(trx, actor, at, { action: 'macro.created', subjectType: 'macro', subjectId: view.id, after: view });
    return view;
  });
}

/**
 * `actions` replaces the whole set; `shared` moves a macro between personal and shared (which
 * needs `cases.configure` either way; a macro made personal becomes the editor's own).
 */
export async function updateMacro(ctx: ServiceContext, id: string, input: UpdateMacroInput, actor: Actor): Promise<MacroView> {
  assertCanReadMacros(actor);
  const at = ctx.clock.now();
  return inTransaction(ctx.db, async (trx) => {
    const current = await loadVisibleMacro(trx, id, actor, true);
    const wasShared = current.owner_id === null;
    const shared = input.shared ?? wasShared;
    assertCanManage(actor, wasShared || shared);
    const actions = input.actions !== undefined ? await checkActions(trx, input.actions) : storedActions(current.actions);
    const replyBody = input.replyBody !== undefined ? checkReplyBody(input.replyBody) : current.reply_body;
    assertHasEffect(actions, replyBody);
    const row = await trx
      .updateTable('macros')
      .set({
        ...(input.name !== undefined ? { name: normaliseName(input.name) } : {}),
        ...(input.description !== undefined ? { description: normaliseDescription(input.description) } : {}),
        ...(shared !== wasShared ? { owner_id: shared ? null : actor.userId } : {}),
        ...(input.actions !== undefined ? { actions: JSON.stringify(actions) } : {}),
        ...(input.replyBody !== undefined ? { reply_body: replyBody } : {}),
        ...(input.replyKind !== undefined ? { reply_kind: input.replyKind } : {}),
        ...(input.active !== undefined ? { active: input.active } : {}),
        updated_at: at,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const view = toView(row);
    if (wasShared || shared)
      await recordAudit(trx, actor, at, {
        action: 'macro.updated',
        subjectType: 'macro',
        subjectId: id,
        before: toView(current),
        after: view,
      });
    return view;
  });
}

export async function deleteMacro(ctx: ServiceContext, id: string, actor: Actor): Promise<void> {
  assertCanReadMacros(actor);
  const at = ctx.clock.now();
  await inTransaction(ctx.db, async (trx) => {
    const current = await loadVisibleMacro(trx, id, actor, true);
    const shared = current.owner_id === null;
    assertCanManage(actor, shared);
    await trx.deleteFrom('macros').where('id', '=', id).execute();
    if (shared)
      await recordAudit(trx, actor, at, { action: 'macro.deleted', subjectType: 'macro', subjectId: id, before: toView(current) });
  });
}

// ---------------------------------------------------------------------------------------------
// Previewing and applying

/** The actions with "me" resolved to the person applying the macro. */
function resolveActions(actions: MacroActions, actor: Actor): MacroActions {
  return actions.assigneeId === 'me' ? { ...actions, assigneeId: actor.userId } : actions;
}

/** What the macro would change on this case: only the fields that differ, only the tags that move. */
export function changesFor(
  c: Pick<CaseView, 'status' | 'priority' | 'type' | 'teamId' | 'assigneeId' | 'tags'>,
  a: MacroActions,
): MacroActions {
  const out: MacroActions = {};
  if (a.status !== undefined && a.status !== c.status) out.status = a.status;
  if (a.priority !== undefined && a.priority !== c.priority) out.priority = a.priority;
  if (a.type !== undefined && a.type !== c.type) out.type = a.type;
  if (a.teamId !== undefined && a.teamId !== c.teamId) out.teamId = a.teamId;
  if (a.assigneeId !== undefined && a.assigneeId !== c.assigneeId) out.assigneeId = a.assigneeId;
  const add = (a.addTags ?? []).filter((t) => !c.tags.includes(t));
  const remove = (a.removeTags ?? []).filter((t) => c.tags.includes(t));
  if (add.length > 0) out.addTags = add;
  if (remove.length > 0) out.removeTags = remove;
  return out;
}

/**
 * The status the case will have once the macro is applied, for {{case.status}}: the macro's own,
 * or "open" when a public reply answers a new case (the cases service does that), or unchanged.
 */
function statusAfter(c: CaseView, macroStatus: MacroStatus | undefined, replyKind: ReplyKind | null): CaseStatus {
  if (macroStatus !== undefined) return macroStatus;
  return replyKind === 'reply' && c.status === 'new' ? 'open' : c.status;
}

function renderReply(body: string, c: CaseView, status: CaseStatus, actor: Actor): string {
  return renderTemplate(
    body,
    templateValues({
      customer: { name: c.requester.name, email: c.requester.email },
      case: { number: c.number, subject: c.subject, status },
      agent: { name: actor.name, email: actor.email },
    }),
  );
}

export type MacroPreview = { replyBody: string | null; replyKind: ReplyKind | null; changes: MacroActions };

/** What applying would do to the case, without changing anything. */
export async function previewMacro(ctx: ServiceContext, input: { caseId: string; macroId: string }, actor: Actor): Promise<MacroPreview> {
  assertCanReadMacros(actor);
  const macro = toView(await loadVisibleMacro(ctx.db, input.macroId, actor));
  const c = await getCase(ctx, input.caseId, actor);
  const actions = resolveActions(macro.actions, actor);
  const replyKind = macro.replyBody === null ? null : macro.replyKind;
  return {
    replyBody: macro.replyBody === null ? null : renderReply(macro.replyBody, c, statusAfter(c, actions.status, replyKind), actor),
    replyKind,
    changes: changesFor(c, actions),
  };
}

export type ApplyMacroResult = { case: CaseView; message: MessageView | null };

/**
 * Applies the field changes and adds the rendered reply or note in one transaction: either all
 * of it happens or none. A status set together with a reply travels with the message, so
 * "reply and set pending" is a single change, as when an agent does it by hand.
 */
export async function applyMacro(
  ctx: ServiceContext,
  input: { caseId: string; macroId: string; version?: number | undefined },
  actor: Actor,
): Promise<ApplyMacroResult> {
  assertPermission(actor, 'cases.work');
  const at = ctx.clock.now();
  return inTransaction(ctx.db, async (trx) => {
    const macro = toView(await loadVisibleMacro(trx, input.macroId, actor));
    if (!macro.active) throw new AppError('conflict', `macro "${macro.name}" is inactive`);
    const locked = await loadLockedCase(trx, input.caseId, actor);
    if (input.version !== undefined && input.version !== locked.version)
      throw new AppError('conflict', 'the case changed since you loaded it; reload and try again', {
        currentVersion: locked.version,
        yourVersion: input.version,
      });
    if (locked.status === 'closed') throw new AppError('conflict', 'a closed case cannot change; a customer reply opens a follow-up case');

    await appendCaseEvent(trx, {
      caseId: locked.id,
      actor: eventActorOf(actor),
      kind: 'macro_applied',
      after: { macroId: macro.id, name: macro.name },
      at,
    });
    const { status, ...fields } = resolveActions(macro.actions, actor);
    const withReply = macro.replyBody !== null;
    const fieldChanges = withReply ? fields : { ...fields, status };
    const view = Object.values(fieldChanges).some((v) => v !== undefined)
      ? await updateCaseTx(trx, at, locked.id, { version: locked.version, ...fieldChanges }, actor)
      : await loadCaseView(trx, locked.id);
    if (!withReply) return { case: view, message: null };

    const body = renderReply(macro.replyBody!, view, statusAfter(view, status, macro.replyKind), actor);
    // Still locked by this transaction; re-read for the version the field changes left. No second
    // access check: a macro that hands the case to another team must still add its note.
    const current = await reloadLockedCase(trx, locked.id);
    const added = await addMessageTx(trx, at, current, { kind: macro.replyKind, body, status }, actor);
    return { case: added.case, message: added.message };
  });
}
