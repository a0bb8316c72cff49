// Bulk changes: the same field changes applied to many cases, each case in its own transaction
// through updateCaseTx, so each gets its own events and live notice, and one case that cannot
// change (gone, closed, out of scope) does not stop the others. Retrying is safe: the changes
// set values, so a case already changed is left as it is.
import type { CasePriority, CaseStatus } from '../../db/schema.js';
import type { ServiceContext } from '../../lib/context.js';
import { AppError } from '../../lib/errors.js';
import type { Actor } from '../auth/permissions.js';
import { assertPermission } from '../auth/permissions.js';
import { updateCaseTx } from './cases.service.js';

export const maxBulkCases = 500;

export type BulkChanges = {
  status?: CaseStatus | undefined;
  priority?: CasePriority | undefined;
  teamId?: string | null | undefined;
  assigneeId?: string | null | undefined;
  addTags?: string[] | undefined;
  removeTags?: string[] | undefined;
};

export type BulkResult = { id: string; ok: boolean; version?: number; error?: { code: string; message: string } };

export async function bulkUpdateCases(
  ctx: ServiceContext,
  input: { caseIds: string[]; changes: BulkChanges },
  actor: Actor,
): Promise<{ results: BulkResult[] }> {
  assertPermission(actor, 'cases.work');
  const ids = [...new Set(input.caseIds)];
  if (ids.length === 0 || ids.length > maxBulkCases) {
    throw new AppError('validation_failed', `give between 1 and ${maxBulkCases} cases`, { field: 'caseIds' });
  }
  if (!hasAnyChange(input.changes)) throw new AppError('validation_failed', 'say what to change', { field: 'changes' });
  const at = ctx.clock.now();
  const results: BulkResult[] = [];
  for (const id of ids) results.push(await changeOne(ctx, at, id, input.changes, actor));
  return { results };
}

function hasAnyChange(c: BulkChanges): boolean {
  return (
    c.status !== undefined ||
    c.priority !== undefined ||
    c.teamId !== undefined ||
    c.assigneeId !== undefined ||
    (c.addTags?.length ?? 0) > 0 ||
    (c.removeTags?.length ?? 0) > 0
  );
}

async function changeOne(ctx: ServiceContext, at: Date, id: string, changes: BulkChanges, actor: Actor): Promise<BulkResult> {
  try {
    const view = await ctx.db.transaction().execute(async (trx) => {
      // The version read under the row lock is the one updateCaseTx checks, so no concurrent
      // change can be overwritten unseen.
      const row = await trx.selectFrom('cases').select('version').where('id', '=', id).forUpdate().executeTakeFirst();
      if (!row) throw new AppError('not_found', `case ${id} does not exist`);
      return updateCaseTx(trx, at, id, { version: row.version, ...changes }, actor);
    });
    return { id, ok: true, version: view.version };
  } catch (err) {
    if (err instanceof AppError) return { id, ok: false, error: { code: err.code, message: err.message } };
    throw err;
  }
}
