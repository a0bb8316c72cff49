import { Badge } from '@mantine/core';
import type { Role } from '../api-types';
import { useRoleLabel } from '../roles';

const ROLE_COLORS: Record<Role, string> = {
  admin: 'red',
  manager: 'grape',
  team_leader: 'violet',
  agent: 'blue',
  qa_analyst: 'cyan',
  wfm_planner: 'teal',
  back_office: 'orange',
  executive: 'yellow',
};

export function RoleBadge({ role }: { role: Role }) {
  const labelOf = useRoleLabel();
  return (
    <Badge variant="light" color={ROLE_COLORS[role] ?? 'gray'}>
      {labelOf(role)}
    </Badge>
  );
}
