// What is derived from a case and kept beside it: its live SLA targets, then its contributions to
// the report rollups (which read those targets). Every change to a case ends here, inside its
// transaction, so both are always as current as the case itself.
import type { Tx } from '../../lib/context.js';
import { refreshCasesMetrics, type CaseForFacts } from '../reports/metric-facts.js';
import { refreshCasesSla, type ActivePolicy, type CreatedCaseSla, type RefreshResult } from '../sla/sla-tracking.js';

/** A case the intake has just written, as it wrote it (see refreshCasesDerived). */
export type CreatedCase = CreatedCaseSla & { forFacts: Omit<CaseForFacts, 'targets'> };

export async function refreshCaseDerived(trx: Tx, caseId: string, at: Date, options: { isNew?: boolean } = {}): Promise<RefreshResult> {
  return refreshCasesDerived(trx, [caseId], at, options);
}

/**
 * The same for cases changed together (a batch of new cases): a few statements for all of them.
 * With `created` (cases written in this transaction, with what was written) nothing is read back:
 * the intake path saves seven statements per batch. tests (case-intake.test.ts) check that the
 * general refresh run afterwards finds nothing to change.
 */
export async function refreshCasesDerived(
  trx: Tx,
  caseIds: readonly string[],
  at: Date,
  options: { isNew?: boolean; created?: ReadonlyMap<string, CreatedCase>; policies?: ActivePolicy[] } = {},
): Promise<RefreshResult> {
  const { created } = options;
  const result = await refreshCasesSla(trx, caseIds, at, options);
  // An alert due at once may have escalated a case (changed it): then read the cases back.
  await refreshCasesMetrics(trx, caseIds, at, created && result.alertsRaised === 0 ? factsOfCreated(created, result) : undefined);
  return result;
}

function factsOfCreated(created: ReadonlyMap<string, CreatedCase>, sla: RefreshResult): Map<string, CaseForFacts> {
  const targets = new Map<string, CaseForFacts['targets']>();
  for (const { caseId, ...t } of sla.targets) targets.set(caseId, [...(targets.get(caseId) ?? []), t]);
  return new Map([...created].map(([id, c]) => [id, { ...c.forFacts, targets: targets.get(id) ?? [] }]));
}
