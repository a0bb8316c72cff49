// What is derived from a case and kept beside it: its live SLA targets, then its contributions to
// the report rollups (which read those targets). Every change to a case ends here, inside its
// transaction, so both are always as current as the case itself.
import type { Tx } from '../../lib/context.js';
import { refreshCaseMetrics } from '../reports/metric-facts.js';
import { refreshCaseSla, type RefreshResult } from '../sla/sla-tracking.js';

export async function refreshCaseDerived(trx: Tx, caseId: string, at: Date, options: { isNew?: boolean } = {}): Promise<RefreshResult> {
  const result = await refreshCaseSla(trx, caseId, at, options);
  await refreshCaseMetrics(trx, caseId, at);
  return result;
}
