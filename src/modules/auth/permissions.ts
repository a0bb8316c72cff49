// Roles and what each may do. Services ask `assertPermission(actor, …)`; the HTTP layer only
// finds out who the actor is.
import type { Role } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';

export const roles = [
  'admin',
  'manager',
  'team_leader',
  'agent',
  'qa_analyst',
  'wfm_planner',
  'back_office',
  'executive',
] as const satisfies readonly Role[];

export const permissions = [
  'users.read',
  'users.manage',
  'teams.read',
  'teams.manage',
  'departments.read',
  'departments.manage',
  'tokens.manage_own',
  'tokens.manage_all',
  'audit.read',
  'reports.read',
  'cases.read_all',
  'cases.work',
  'cases.configure',
  'sla.manage',
  'channels.manage',
  'department_requests.work',
] as const;

export type Permission = (typeof permissions)[number];

const everyone: Permission[] = ['tokens.manage_own'];
const staffDirectory: Permission[] = ['users.read', 'teams.read', 'departments.read'];

export const roleInfo: Record<Role, { label: string; description: string; permissions: Permission[] }> = {
  admin: {
    label: 'Administrator',
    description: 'Configures Frontline: users, roles, teams, departments, tokens and every setting.',
    permissions: [...permissions],
  },
  manager: {
    label: 'Customer service manager',
    description: 'Runs the operation: teams, departments, standards, reports; works cases.',
    permissions: [
      ...everyone,
      ...staffDirectory,
      'teams.manage',
      'departments.manage',
      'audit.read',
      'reports.read',
      'cases.read_all',
      'cases.work',
      'cases.configure',
      'sla.manage',
      'channels.manage',
      'department_requests.work',
    ],
  },
  team_leader: {
    label: 'Team leader',
    description: 'Supervises a team: its queues, agents, quality and reports; works cases.',
    permissions: [...everyone, ...staffDirectory, 'reports.read', 'cases.work'],
  },
  agent: {
    label: 'Agent',
    description: 'Answers customers on every channel and works the cases assigned to them.',
    permissions: [...everyone, ...staffDirectory, 'cases.work'],
  },
  qa_analyst: {
    label: 'QA analyst',
    description: 'Reviews interactions against scorecards, calibrates and coaches.',
    permissions: [...everyone, ...staffDirectory, 'reports.read', 'cases.read_all'],
  },
  wfm_planner: {
    label: 'Workforce planner',
    description: 'Forecasts contact volume, plans staffing and schedules.',
    permissions: [...everyone, ...staffDirectory, 'reports.read', 'cases.read_all'],
  },
  back_office: {
    label: 'Back office',
    description: 'Member of another department who answers requests from the front line.',
    permissions: [...everyone, 'departments.read', 'department_requests.work'],
  },
  executive: {
    label: 'Executive',
    description: 'Senior management: reads reports, dashboards and cases, changes nothing.',
    permissions: [...everyone, 'reports.read', 'cases.read_all'],
  },
};

export type Actor = {
  userId: string;
  name: string;
  email: string;
  role: Role;
  /** How the request proved who it is. */
  via: 'session' | 'token' | 'system';
  sessionHash?: string;
  csrfToken?: string;
  tokenId?: string;
};

export const systemActor: Actor = {
  userId: '00000000-0000-0000-0000-000000000000',
  name: 'Frontline',
  email: 'system@frontline.invalid',
  role: 'admin',
  via: 'system',
};

export function hasPermission(actor: Actor, permission: Permission): boolean {
  return roleInfo[actor.role].permissions.includes(permission);
}

export function assertPermission(actor: Actor | null | undefined, permission: Permission): asserts actor is Actor {
  if (!actor) throw new AppError('unauthenticated', 'sign in or send an API token');
  if (!hasPermission(actor, permission)) {
    throw new AppError('forbidden', `your role (${actor.role}) does not allow ${permission}`, { permission });
  }
}

export function requireActor(actor: Actor | null | undefined): Actor {
  if (!actor) throw new AppError('unauthenticated', 'sign in or send an API token');
  return actor;
}
