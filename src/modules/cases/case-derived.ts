// What is derived from a case and kept beside it: its live SLA targets, then its contributions to
// the report rollups (which read those targets). Every change to a case ends here, inside its
// transaction, so both are always as current as the case itself.
import type { Tx } from '../../lib/context.js';
import { refreshCasesMetrics } from '../reports/metric-facts.js';
import { refreshCasesSla, type RefreshResult } from '../sla/sla-tracking.js';

export async function refreshCaseDerived(trx: Tx, caseId: string, at: Date, options: { isNew?: boolean } = {}): Promise<RefreshResult> {
  return refreshCasesDerived(trx, [caseId], at, options);
}

/** The same for cases changed together (a batch of new cases): a few statements for all of them. */
export async function refreshCasesDerived(
  trx: Tx,
  caseIds: readonly string[],
  at: Date,
  options: { isNew?: boolean } = {},
): Promise<RefreshResult> {
  const result = await refreshCasesSla(trx, caseIds, at, options);
  await refreshCasesMetrics(trx, caseIds, at);
  return result;
}
