// When a customer record changes under its cases (a merge moves them to another customer; a
// rename or new identity changes what search should find), the cases follow here, with events.
import type { Tx } from '../../lib/context.js';
import type { Actor } from '../auth/permissions.js';
import { appendCaseEvent, eventActorOf, notifyCaseChange } from './case-events.js';
import { rebuildSearchForRequester } from './cases.queries.js';
import { refreshCaseDerived } from './case-derived.js';

export { rebuildSearchForRequester };

/** Moves every case of one requester to another, each with a `requester_changed` event. */
export async function moveCasesToRequesterTx(
  trx: Tx,
  at: Date,
  input: { fromCustomerId: string; toCustomerId: string; reason: string },
  actor: Actor,
): Promise<{ id: string; number: string }[]> {
  const moved = await trx
    .updateTable('cases')
    .set((eb) => ({ requester_id: input.toCustomerId, version: eb('version', '+', 1), updated_at: at }))
    .where('requester_id', '=', input.fromCustomerId)
    .returning(['id', 'number', 'version', 'team_id', 'assignee_id'])
    .execute();
  const ev = eventActorOf(actor);
  for (const c of moved) {
    await appendCaseEvent(trx, {
      caseId: c.id,
      actor: ev,
      kind: 'requester_changed',
      before: { requesterId: input.fromCustomerId },
      after: { requesterId: input.toCustomerId, reason: input.reason },
      at,
    });
    // The requester's tier and organisation can change which standard applies.
    await refreshCaseDerived(trx, c.id, at);
    await notifyCaseChange(trx, {
      caseId: c.id,
      number: String(c.number),
      version: c.version,
      teamId: c.team_id,
      assigneeId: c.assignee_id,
      kind: 'updated',
    });
  }
  if (moved.length > 0) await rebuildSearchForRequester(trx, input.toCustomerId);
  return moved.map((c) => ({ id: c.id, number: c.number }));
}
