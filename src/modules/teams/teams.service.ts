// Teams of agents with their leaders. The rules live in org/org-groups.ts, shared with departments.
import type { GroupKind } from '../org/org-groups.js';

export const teamKind: GroupKind = {
  noun: 'team',
  table: 'teams',
  memberTable: 'team_members',
  fk: 'team_id',
  memberships: ['member', 'leader'],
  read: 'teams.read',
  manage: 'teams.manage',
};
