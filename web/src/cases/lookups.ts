// Reference data the case pages pick from: people who can take cases, teams, categories, fields.
import { useQuery } from '@tanstack/react-query';
import { listGroups, listUsers } from '../api';
import type { Role, User } from '../api-types';
import { listCategories, listCustomFields, listMacros } from '../case-api';
import { queryKeys } from '../query-keys';

/** Only these roles work cases, so only they appear as assignees. */
export const CASE_WORKER_ROLES: readonly Role[] = ['admin', 'manager', 'team_leader', 'agent'];

const REFERENCE_STALE_MS = 5 * 60_000;

export function useActiveUsers() {
  return useQuery({
    queryKey: queryKeys.activeUsers,
    queryFn: () => listUsers({ active: 'true' }),
    staleTime: REFERENCE_STALE_MS,
    select: (data) => data.items,
  });
}

export function useAssignableUsers(): User[] {
  const users = useActiveUsers();
  return (users.data ?? []).filter((user) => CASE_WORKER_ROLES.includes(user.role));
}

export function useTeams() {
  return useQuery({
    queryKey: queryKeys.groupList('teams'),
    queryFn: () => listGroups('teams'),
    staleTime: REFERENCE_STALE_MS,
    select: (data) => data.items,
  });
}

export function useCategories() {
  return useQuery({ queryKey: queryKeys.categories, queryFn: listCategories, staleTime: REFERENCE_STALE_MS });
}

export function useCustomFields() {
  return useQuery({ queryKey: queryKeys.customFields, queryFn: listCustomFields, staleTime: REFERENCE_STALE_MS });
}

export function useMacros() {
  return useQuery({ queryKey: queryKeys.macros, queryFn: listMacros, staleTime: 60_000 });
}
