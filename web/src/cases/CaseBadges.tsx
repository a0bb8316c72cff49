import { Badge } from '@mantine/core';
import type { CasePriority, CaseStatus, CustomerTier } from '../api-types';
import { PRIORITY_COLORS, PRIORITY_LABELS, STATUS_COLORS, STATUS_LABELS, TIER_COLORS, TIER_LABELS, labelOf } from './labels';

export function StatusBadge({ status, testId }: { status: CaseStatus; testId?: string }) {
  return (
    <Badge
      color={STATUS_COLORS[status] ?? 'gray'}
      variant={status === 'closed' ? 'outline' : 'filled'}
      data-testid={testId}
      data-status={status}
    >
      {labelOf(STATUS_LABELS, status)}
    </Badge>
  );
}

export function PriorityBadge({ priority }: { priority: CasePriority }) {
  return (
    <Badge color={PRIORITY_COLORS[priority] ?? 'gray'} variant="light">
      {labelOf(PRIORITY_LABELS, priority)}
    </Badge>
  );
}

export function TierBadge({ tier }: { tier: CustomerTier }) {
  return (
    <Badge color={TIER_COLORS[tier] ?? 'gray'} variant="light">
      {labelOf(TIER_LABELS, tier)}
    </Badge>
  );
}
