// The sections of the main navigation. Sections whose backend has not landed yet carry an honest
// sentence about what will live there, shown on their placeholder page.
import type { Role } from './api-types';

export type Section = {
  path: string;
  label: string;
  /** Present while the section is not built yet. */
  comingSoon?: string;
  /** Listed only for these roles (the page itself still opens for anyone the server lets in). */
  roles?: readonly Role[];
};

export const SECTIONS: readonly Section[] = [
  { path: '/inbox', label: 'Inbox' },
  { path: '/customers', label: 'Customers' },
  { path: '/requests', label: 'Requests', roles: ['back_office', 'manager', 'admin'] },
  // Operations today, service standards, team performance and back office, for roles that read reports.
  { path: '/dashboards', label: 'Dashboards', roles: ['admin', 'manager', 'team_leader', 'qa_analyst', 'wfm_planner', 'executive'] },
  {
    path: '/team',
    label: 'Team',
    comingSoon:
      "A live wallboard of queues and agent states, with each representative's activity, will appear here once contact-centre activity tracking lands.",
  },
  {
    path: '/quality',
    label: 'Quality',
    comingSoon: 'Scorecards, sampled reviews, calibration sessions, disputes and coaching will live here once quality assurance lands.',
  },
  {
    path: '/workforce',
    label: 'Workforce',
    comingSoon: 'Volume forecasts, Erlang staffing, shift schedules and adherence will live here once workforce management lands.',
  },
  // Channel health, for those who run channels or read reports.
  { path: '/channels', label: 'Channels', roles: ['admin', 'manager', 'team_leader', 'qa_analyst', 'wfm_planner', 'executive'] },
  { path: '/settings', label: 'Settings' },
];

/** Where a signed-in person lands: the back office works from its request queue, everyone else from the inbox. */
export function homePath(role: Role | undefined): string {
  return role === 'back_office' ? '/requests' : '/inbox';
}

export type SettingsTab = {
  path: string;
  label: string;
  /** Shown only to people holding this permission (the page itself still opens read-only). */
  permission?: string;
};

export const SETTINGS_TABS: readonly SettingsTab[] = [
  { path: 'users', label: 'Users' },
  { path: 'roles', label: 'Roles' },
  { path: 'teams', label: 'Teams' },
  { path: 'departments', label: 'Departments' },
  { path: 'sla', label: 'Service standards', permission: 'sla.manage' },
  { path: 'channels', label: 'Channels', permission: 'channels.manage' },
  { path: 'tokens', label: 'API tokens' },
];
