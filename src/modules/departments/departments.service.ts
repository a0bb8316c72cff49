// Departments (billing, logistics, technical…) whose members answer requests from the front
// line; each has at most one head. The rules live in org/org-groups.ts, shared with teams.
import type { GroupDetail, GroupKind, GroupView } from '../org/org-groups.js';

export const departmentKind: GroupKind = {
  noun: 'department',
  table: 'departments',
  memberTable: 'department_members',
  fk: 'department_id',
  memberships: ['member', 'head'],
  single: 'head',
  read: 'departments.read',
  manage: 'departments.manage',
};

export function withHead<T extends GroupView | GroupDetail>(group: T): T & { headUserId: string | null } {
  return { ...group, headUserId: group.leaderUserIds[0] ?? null };
}
