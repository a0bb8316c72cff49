// Words, badges and reference data shared by every view of department requests: the queue, one
// request, the case's Departments section and the managers' coordination view.
import { Badge, Group, Text } from '@mantine/core';
import { useQueries, useQuery } from '@tanstack/react-query';
import { ApiError, fetchGroup, listGroups, listUsers } from '../api';
import type { GroupMember } from '../api-types';
import { RelativeTime } from '../components/RelativeTime';
import { OPEN_REQUEST_STATUSES, type DepartmentRequest, type RequestStatus } from '../department-api';
import { queryKeys } from '../query-keys';
import { useCan } from '../session';
import { formatMinutes } from '../sla/sla-format';

const REFERENCE_STALE_MS = 5 * 60_000;

export const REQUEST_STATUS_LABELS: Record<RequestStatus, string> = {
  open: 'Open',
  clarification_requested: 'Needs clarification',
  answered: 'Answered',
  declined: 'Declined',
  cancelled: 'Cancelled',
};

const REQUEST_STATUS_COLORS: Record<RequestStatus, string> = {
  open: 'blue',
  clarification_requested: 'orange',
  answered: 'teal',
  declined: 'red',
  cancelled: 'gray',
};

export function isOpenRequest(request: { status: RequestStatus }): boolean {
  return OPEN_REQUEST_STATUSES.includes(request.status);
}

export function RequestStatusBadge({ status }: { status: RequestStatus }) {
  return (
    <Badge color={REQUEST_STATUS_COLORS[status] ?? 'gray'} variant="light" data-testid="request-status" data-status={status}>
      {REQUEST_STATUS_LABELS[status] ?? status}
    </Badge>
  );
}

/** "general" → "General", "refund_approval" → "Refund approval". */
export function requestTypeLabel(type: string): string {
  if (type === '*') return 'Any other type';
  const words = type.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Is the 409 a stale version (or a status someone else changed)? Then reloading is the fix. */
export function isStale(error: unknown): boolean {
  return error instanceof ApiError && error.status === 409;
}

type DueProps = Pick<DepartmentRequest, 'status' | 'dueAt' | 'completedAt' | 'lateMinutes'> & { size?: 'xs' | 'sm' };

/**
 * When it is due (relative, exact on hover), red with how late once past due; for finished
 * requests when they were completed and whether that was late.
 */
export function RequestDue({ status, dueAt, completedAt, lateMinutes, size = 'sm' }: DueProps) {
  const open = OPEN_REQUEST_STATUSES.includes(status);
  const late = lateMinutes > 0;
  if (!open) {
    return (
      <Group gap={4} wrap="nowrap" data-testid="request-due" data-late={late ? 'true' : 'false'}>
        <Text size={size} c="dimmed">
          {status === 'cancelled' ? 'Cancelled' : 'Done'}
        </Text>
        <RelativeTime iso={completedAt} size={size} c="dimmed" />
        {late && status !== 'cancelled' && (
          <Text size={size} c="orange">
            ({formatMinutes(lateMinutes)} late)
          </Text>
        )}
      </Group>
    );
  }
  return (
    <Group gap={4} wrap="nowrap" data-testid="request-due" data-late={late ? 'true' : 'false'}>
      <Text size={size} c={late ? 'red' : 'dimmed'} fw={late ? 600 : undefined}>
        Due
      </Text>
      <RelativeTime iso={dueAt} size={size} c={late ? 'red' : 'dimmed'} fw={late ? 600 : undefined} />
      {late && (
        <Text size={size} c="red" fw={600} data-testid="request-late">
          · {formatMinutes(lateMinutes)} late
        </Text>
      )}
    </Group>
  );
}

// --- reference data -------------------------------------------------------------------------

export function useDepartments() {
  return useQuery({
    queryKey: queryKeys.groupList('departments'),
    queryFn: () => listGroups('departments'),
    staleTime: REFERENCE_STALE_MS,
    select: (data) => data.items,
  });
}

/** The members of each department named, by department id (back office may not list users). */
export function useDepartmentMembers(departmentIds: readonly string[]): Map<string, GroupMember[]> {
  const ids = [...new Set(departmentIds)].sort();
  const results = useQueries({
    queries: ids.map((id) => ({
      queryKey: queryKeys.group('departments', id),
      queryFn: () => fetchGroup('departments', id),
      staleTime: REFERENCE_STALE_MS,
    })),
  });
  const byDepartment = new Map<string, GroupMember[]>();
  ids.forEach((id, index) => byDepartment.set(id, results[index]?.data?.members ?? []));
  return byDepartment;
}

/**
 * A name for a person id: department members first (everyone who works requests can read those),
 * then the staff directory for those allowed to read it.
 */
export function usePersonNames(departmentIds: readonly string[]): (id: string | null | undefined) => string | undefined {
  const can = useCan();
  const members = useDepartmentMembers(departmentIds);
  const users = useQuery({
    queryKey: queryKeys.activeUsers,
    queryFn: () => listUsers({ active: 'true' }),
    staleTime: REFERENCE_STALE_MS,
    enabled: can('users.read'),
    select: (data) => data.items,
  });
  const names = new Map<string, string>();
  for (const user of users.data ?? []) names.set(user.id, user.name);
  for (const list of members.values()) for (const member of list) names.set(member.userId, member.name);
  return (id) => (id ? names.get(id) : undefined);
}
