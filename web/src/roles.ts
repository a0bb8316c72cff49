// Human labels for roles. The server's /api/roles is the source; the fallback keeps badges and
// selects readable while it loads or when the viewer may not read it.
import { useQuery } from '@tanstack/react-query';
import { listRoles } from './api';
import { ROLES, type Role } from './api-types';
import { queryKeys } from './query-keys';

const FALLBACK_LABELS: Record<Role, string> = {
  admin: 'Administrator',
  manager: 'Customer service manager',
  team_leader: 'Team leader',
  agent: 'Agent',
  qa_analyst: 'QA analyst',
  wfm_planner: 'Workforce planner',
  back_office: 'Back office',
  executive: 'Executive',
};

export function useRoles() {
  return useQuery({ queryKey: queryKeys.roles, queryFn: listRoles, staleTime: Infinity });
}

export function useRoleLabel(): (role: Role) => string {
  const { data } = useRoles();
  return (role) => data?.items.find((item) => item.role === role)?.label ?? FALLBACK_LABELS[role] ?? role;
}

export function useRoleOptions(): { value: Role; label: string }[] {
  const labelOf = useRoleLabel();
  return ROLES.map((role) => ({ value: role, label: labelOf(role) }));
}
