// Escalation: a case that needs a manager's attention. By hand ("escalate to manager" with a
// reason) or by a policy's rules when an SLA warning or breach is raised: raise the priority, move
// to another team (an escalation group), add tags, notify the managers, mark the case escalated.
// Every change is a case event; escalated cases have their own filter (`escalated=true`).
import type { CasePriority } from '../../db/schema.js';
import type { ServiceContext, Tx } from '../../lib/context.js';
import { AppError } from '../../lib/errors.js';
import { inTransaction } from '../../lib/transaction.js';
import { assertPermission, systemActor, type Actor } from '../auth/permissions.js';
import { assertCanWorkCase } from '../cases/case-access.js';
import { appendCaseEvent, eventActorOf, notifyCaseChange, type EventActor } from '../cases/case-events.js';
import { loadCaseView, updateCaseTx, type CaseView } from '../cases/cases.service.js';
import { notifyUsers } from '../notifications/notifications.service.js';
import type { SlaTargetName } from './sla-clock.js';
import { refreshCaseMetrics } from '../reports/metric-facts.js';

/** A policy's rule: when a warning or the breach of a target (any, if absent) is raised, do this. */
export type EscalationRule = {
  on: 'warning' | 'breach';
  target?: SlaTargetName;
  setPriority?: CasePriority;
  teamId?: string;
  addTags?: string[];
  notifyManagers?: boolean;
  markEscalated?: boolean;
};

const priorityRank: Record<CasePriority, number> = { low: 1, normal: 2, high: 3, urgent: 4 };

export function rulesFor(rules: readonly EscalationRule[], target: SlaTargetName, alert: string): EscalationRule[] {
  const on = alert === 'breach' ? 'breach' : 'warning';
  return rules.filter((r) => r.on === on && (r.target === undefined || r.target === target));
}

/** Managers, and the leaders of the case's team. */
async function escalationRecipients(trx: Tx, teamId: string | null): Promise<string[]> {
  const managers = await trx.selectFrom('users').select('id').where('role', '=', 'manager').where('active', '=', true).execute();
  const leaders = teamId
    ? await trx
        .selectFrom('team_members')
        .select('user_id as id')
        .where('team_id', '=', teamId)
        .where('membership', '=', 'leader')
        .execute()
    : [];
  return [...managers, ...leaders].map((u) => u.id);
}

async function markEscalated(
  trx: Tx,
  caseId: string,
  reason: string,
  actor: EventActor,
  by: 'manual' | 'rule',
  at: Date,
): Promise<boolean> {
  const row = await trx
    .updateTable('cases')
    .set((eb) => ({ escalated_at: at, escalation_reason: reason, version: eb('version', '+', 1), updated_at: at }))
    .where('id', '=', caseId)
    .returning(['number', 'team_id'])
    .executeTakeFirst();
  if (!row) return false;
  await appendCaseEvent(trx, { caseId, actor, kind: 'escalated', after: { reason, by }, at });
  // The escalation rate counts escalated cases: the case's report facts follow at once.
  await refreshCaseMetrics(trx, caseId, at);
  await notifyUsers(trx, await escalationRecipients(trx, row.team_id), {
    kind: 'case_escalated',
    caseId,
    title: `Case #${row.number} escalated: ${reason}`,
    data: { reason, by },
    at,
  });
  return true;
}

/** "Escalate to manager": marks the case escalated with the reason and tells the managers. */
export async function escalateCase(ctx: ServiceContext, caseId: string, input: { reason: string }, actor: Actor): Promise<CaseView> {
  assertPermission(actor, 'cases.work');
  const at = ctx.clock.now();
  return inTransaction(ctx.db, async (trx) => {
    const c = await trx
      .selectFrom('cases')
      .select(['id', 'team_id', 'assignee_id', 'status'])
      .where('id', '=', caseId)
      .forUpdate()
      .executeTakeFirst();
    if (!c) throw new AppError('not_found', `case ${caseId} does not exist`);
    await assertCanWorkCase(trx, actor, c);
    if (c.status === 'closed') throw new AppError('conflict', 'a closed case cannot be escalated');
    await markEscalated(trx, caseId, input.reason.trim(), eventActorOf(actor), 'manual', at);
    const view = await loadCaseView(trx, caseId);
    await notifyCaseChange(trx, {
      caseId,
      number: String(view.number),
      version: view.version,
      teamId: view.teamId,
      assigneeId: view.assigneeId,
      kind: 'escalated',
    });
    return view;
  });
}

/**
 * Applies a policy's rules for an alert just raised, as the system. Field changes go through the
 * normal case update (events, search, live notice, SLA re-evaluation); a priority is only ever
 * raised, never lowered.
 */
export async function applyEscalationRules(
  trx: Tx,
  caseId: string,
  rules: readonly EscalationRule[],
  why: string,
  at: Date,
): Promise<void> {
  if (rules.length === 0) return;
  const c = await trx.selectFrom('cases').select(['version', 'priority', 'team_id', 'status']).where('id', '=', caseId).executeTakeFirst();
  if (!c || c.status === 'closed') return;
  let priority: CasePriority | undefined;
  let teamId: string | undefined;
  const addTags: string[] = [];
  for (const r of rules) {
    if (r.setPriority && priorityRank[r.setPriority] > priorityRank[priority ?? c.priority]) priority = r.setPriority;
    if (r.teamId) teamId = r.teamId;
    addTags.push(...(r.addTags ?? []));
  }
  if (priority !== undefined || (teamId !== undefined && teamId !== c.team_id) || addTags.length > 0) {
    const team = teamId ? await trx.selectFrom('teams').select('id').where('id', '=', teamId).executeTakeFirst() : undefined;
    await updateCaseTx(trx, at, caseId, { version: c.version, priority, teamId: team?.id, addTags }, systemActor);
  }
  if (rules.some((r) => r.markEscalated || r.notifyManagers)) await markEscalated(trx, caseId, why, { kind: 'system' }, 'rule', at);
}
