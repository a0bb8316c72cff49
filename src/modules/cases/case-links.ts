// Relations between cases: related, duplicate, parent/child links (stored in both directions),
// and merging a case into another (its conversation moves; it is closed and points there).
import type { CaseLinkKind } from '../../db/schema.js';
import type { ServiceContext, Tx } from '../../lib/context.js';
import { AppError } from '../../lib/errors.js';
import { inTransaction } from '../../lib/transaction.js';
import type { Actor } from '../auth/permissions.js';
import { assertPermission } from '../auth/permissions.js';
import { assertCanSeeCase, assertCanWorkCase } from './case-access.js';
import { appendCaseEvent, eventActorOf, notifyCaseChange } from './case-events.js';
import { lockCase, rebuildSearch } from './cases.queries.js';
import { loadCaseView, type CaseView } from './cases.service.js';
import { refreshCaseDerived } from './case-derived.js';

export type LinkKind = 'related' | 'duplicate_of' | 'parent_of' | 'child_of';

const inverse: Record<CaseLinkKind, CaseLinkKind> = {
  related: 'related',
  duplicate_of: 'related',
  parent_of: 'child_of',
  child_of: 'parent_of',
  follow_up_of: 'related',
  merged_into: 'merged_from',
  merged_from: 'merged_into',
};

export type CaseLinkView = { caseId: string; number: number; subject: string; status: string; kind: CaseLinkKind; createdAt: string };

/** Locks both cases in id order, so two opposite links never deadlock. */
async function lockPair(trx: Tx, actor: Actor, aId: string, bId: string) {
  if (aId === bId) throw new AppError('validation_failed', 'a case cannot be linked or merged with itself');
  const [first, second] = aId < bId ? [aId, bId] : [bId, aId];
  const rows = new Map<string, NonNullable<Awaited<ReturnType<typeof lockCase>>>>();
  for (const id of [first, second]) {
    const row = await lockCase(trx, id);
    if (!row) throw new AppError('not_found', `case ${id} does not exist`);
    await assertCanWorkCase(trx, actor, row);
    rows.set(id, row);
  }
  return { a: rows.get(aId)!, b: rows.get(bId)! };
}

async function bumpAndAnnounce(trx: Tx, id: string, at: Date, kind: string): Promise<CaseView> {
  await trx
    .updateTable('cases')
    .set((eb) => ({ version: eb('version', '+', 1), updated_at: at }))
    .where('id', '=', id)
    .execute();
  const view = await loadCaseView(trx, id);
  await refreshCaseDerived(trx, id, at);
  await notifyCaseChange(trx, {
    caseId: id,
    number: String(view.number),
    version: view.version,
    teamId: view.teamId,
    assigneeId: view.assigneeId,
    kind,
  });
  return view;
}

export async function listCaseLinks(ctx: ServiceContext, caseId: string, actor: Actor): Promise<CaseLinkView[]> {
  const c = await ctx.db.selectFrom('cases').select(['id', 'team_id', 'assignee_id']).where('id', '=', caseId).executeTakeFirst();
  if (!c) throw new AppError('not_found', `case ${caseId} does not exist`);
  await assertCanSeeCase(ctx.db, actor, c);
  const rows = await ctx.db
    .selectFrom('case_links as l')
    .innerJoin('cases as o', 'o.id', 'l.other_case_id')
    .select(['l.other_case_id', 'l.kind', 'l.created_at', 'o.number', 'o.subject', 'o.status'])
    .where('l.case_id', '=', caseId)
    .orderBy('l.created_at')
    .execute();
  return rows.map((r) => ({
    caseId: r.other_case_id,
    number: Number(r.number),
    subject: r.subject,
    status: r.status,
    kind: r.kind,
    createdAt: r.created_at.toISOString(),
  }));
}

export async function linkCases(
  ctx: ServiceContext,
  input: { caseId: string; otherCaseId: string; kind: LinkKind },
  actor: Actor,
): Promise<CaseLinkView[]> {
  assertPermission(actor, 'cases.work');
  const at = ctx.clock.now();
  await inTransaction(ctx.db, async (trx) => {
    const pair = await lockPair(trx, actor, input.caseId, input.otherCaseId);
    const inserted = await trx
      .insertInto('case_links')
      .values([
        { case_id: input.caseId, other_case_id: input.otherCaseId, kind: input.kind, created_at: at },
        { case_id: input.otherCaseId, other_case_id: input.caseId, kind: inverse[input.kind], created_at: at },
      ])
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return;
    const ev = eventActorOf(actor);
    await appendCaseEvent(trx, {
      caseId: input.caseId,
      actor: ev,
      kind: 'linked',
      after: { otherCaseId: input.otherCaseId, otherCaseNumber: Number(pair.b.number), kind: input.kind },
      at,
    });
    await appendCaseEvent(trx, {
      caseId: input.otherCaseId,
      actor: ev,
      kind: 'linked',
      after: { otherCaseId: input.caseId, otherCaseNumber: Number(pair.a.number), kind: inverse[input.kind] },
      at,
    });
    await bumpAndAnnounce(trx, input.caseId, at, 'updated');
    await bumpAndAnnounce(trx, input.otherCaseId, at, 'updated');
  });
  return listCaseLinks(ctx, input.caseId, actor);
}

export async function unlinkCases(ctx: ServiceContext, input: { caseId: string; otherCaseId: string }, actor: Actor): Promise<void> {
  assertPermission(actor, 'cases.work');
  const at = ctx.clock.now();
  await inTransaction(ctx.db, async (trx) => {
    const pair = await lockPair(trx, actor, input.caseId, input.otherCaseId);
    const removed = await trx
      .deleteFrom('case_links')
      .where((eb) =>
        eb.or([
          eb.and([eb('case_id', '=', input.caseId), eb('other_case_id', '=', input.otherCaseId)]),
          eb.and([eb('case_id', '=', input.otherCaseId), eb('other_case_id', '=', input.caseId)]),
        ]),
      )
      .where('kind', 'in', ['related', 'duplicate_of', 'parent_of', 'child_of'])
      .executeTakeFirst();
    if (Number(removed.numDeletedRows) === 0) throw new AppError('not_found', 'these cases are not linked');
    const ev = eventActorOf(actor);
    await appendCaseEvent(trx, {
      caseId: input.caseId,
      actor: ev,
      kind: 'unlinked',
      after: { otherCaseId: input.otherCaseId, otherCaseNumber: Number(pair.b.number) },
      at,
    });
    await appendCaseEvent(trx, {
      caseId: input.otherCaseId,
      actor: ev,
      kind: 'unlinked',
      after: { otherCaseId: input.caseId, otherCaseNumber: Number(pair.a.number) },
      at,
    });
    await bumpAndAnnounce(trx, input.caseId, at, 'updated');
    await bumpAndAnnounce(trx, input.otherCaseId, at, 'updated');
  });
}

/**
 * Merges `sourceId` into `targetId`: the source's conversation moves to the target (so the
 * customer's history reads in one place), the source is closed and points at the target.
 */
export async function mergeCases(ctx: ServiceContext, input: { sourceId: string; targetId: string }, actor: Actor): Promise<CaseView> {
  assertPermission(actor, 'cases.work');
  const at = ctx.clock.now();
  return inTransaction(ctx.db, async (trx) => {
    const { a: source, b: target } = await lockPair(trx, actor, input.sourceId, input.targetId);
    if (source.merged_into_id) throw new AppError('conflict', `case #${source.number} was already merged`);
    if (target.status === 'closed' || target.merged_into_id)
      throw new AppError('conflict', `case #${target.number} is closed; merge into an open case`);
    if (source.status === 'closed') throw new AppError('conflict', `case #${source.number} is closed and cannot be merged`);
    const moved = await trx.updateTable('case_messages').set({ case_id: target.id }).where('case_id', '=', source.id).executeTakeFirst();
    await trx
      .updateTable('cases')
      .set({
        status: 'closed',
        closed_at: at,
        merged_into_id: target.id,
        customer_message_count: 0,
        public_reply_count: 0,
      })
      .where('id', '=', source.id)
      .execute();
    await trx
      .updateTable('cases')
      .set({
        customer_message_count: target.customer_message_count + source.customer_message_count,
        public_reply_count: target.public_reply_count + source.public_reply_count,
      })
      .where('id', '=', target.id)
      .execute();
    await trx
      .insertInto('case_links')
      .values([
        { case_id: source.id, other_case_id: target.id, kind: 'merged_into', created_at: at },
        { case_id: target.id, other_case_id: source.id, kind: 'merged_from', created_at: at },
      ])
      .onConflict((oc) => oc.doNothing())
      .execute();
    const ev = eventActorOf(actor);
    const movedMessages = Number(moved.numUpdatedRows);
    await appendCaseEvent(trx, {
      caseId: source.id,
      actor: ev,
      kind: 'merged_into',
      before: { status: source.status },
      after: { targetId: target.id, number: Number(target.number), movedMessages },
      at,
    });
    await appendCaseEvent(trx, {
      caseId: source.id,
      actor: ev,
      kind: 'status_changed',
      before: { status: source.status },
      after: { status: 'closed' },
      at,
    });
    await appendCaseEvent(trx, {
      caseId: target.id,
      actor: ev,
      kind: 'merged',
      after: { sourceId: source.id, number: Number(source.number), movedMessages },
      at,
    });
    await rebuildSearch(trx, source.id);
    await rebuildSearch(trx, target.id);
    await bumpAndAnnounce(trx, source.id, at, 'updated');
    return bumpAndAnnounce(trx, target.id, at, 'updated');
  });
}
