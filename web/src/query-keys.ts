// Every TanStack Query key in one place, so invalidations name exactly what they mean.
import type { GroupKind } from './api-types';
import type { UserFilters } from './api';
import type { CaseSearch } from './case-api';
import type { RequestFilters } from './department-api';
import type { CaseDimensionFilters, MetricId, MetricQuery } from './report-api';

export const queryKeys = {
  me: ['me'] as const,
  setupStatus: ['setup-status'] as const,
  roles: ['roles'] as const,
  users: ['users'] as const,
  userList: (filters: UserFilters) => ['users', filters] as const,
  groups: (kind: GroupKind) => [kind] as const,
  groupList: (kind: GroupKind) => [kind, 'list'] as const,
  group: (kind: GroupKind, id: string) => [kind, 'detail', id] as const,
  tokens: ['tokens'] as const,
  tokenList: (all: boolean) => ['tokens', { all }] as const,

  // Cases: everything about one case sits under ['cases', 'detail', id] and every list under
  // ['cases', 'list'], so a live "case changed" notice can refresh exactly those.
  cases: ['cases'] as const,
  caseLists: ['cases', 'list'] as const,
  viewCases: (viewId: string) => ['cases', 'list', 'view', viewId] as const,
  caseSearch: (search: CaseSearch) => ['cases', 'list', 'search', search] as const,
  case: (id: string) => ['cases', 'detail', id] as const,
  caseMessages: (id: string) => ['cases', 'detail', id, 'messages'] as const,
  caseEvents: (id: string) => ['cases', 'detail', id, 'events'] as const,
  caseSla: (id: string) => ['cases', 'detail', id, 'sla'] as const,
  caseExpectedHandling: (id: string) => ['cases', 'detail', id, 'expected-handling'] as const,
  caseLinks: (id: string) => ['cases', 'detail', id, 'links'] as const,
  /** A view editor's live count of its filters, before they are saved. */
  caseCount: (filters: object) => ['cases', 'list', 'count', filters] as const,
  /** A view narrowed by an inbox quick filter (breached, at risk, escalated). */
  viewQuickCases: (viewId: string, quick: string) => ['cases', 'list', 'view', viewId, quick] as const,
  views: ['views'] as const,
  macros: ['macros'] as const,
  macroPreview: (caseId: string, macroId: string) => ['macros', 'preview', caseId, macroId] as const,
  categories: ['categories'] as const,
  customFields: ['custom-fields'] as const,
  activeUsers: ['users', { active: 'true' }] as const,
  customers: ['customers'] as const,
  customerList: (q: string) => ['customers', 'list', q] as const,
  customer: (id: string) => ['customers', 'detail', id] as const,
  customerTimeline: (id: string) => ['customers', 'detail', id, 'timeline'] as const,

  // Service standards: configuration under ['sla'], so one invalidation covers both lists.
  sla: ['sla'] as const,
  slaCalendars: ['sla', 'calendars'] as const,
  slaPolicies: ['sla', 'policies'] as const,
  notifications: ['notifications'] as const,
  slaAtRisk: (withinMinutes: number, teamId: string) => ['sla-report', 'at-risk', withinMinutes, teamId] as const,
  slaOutliers: (teamId: string) => ['sla-report', 'outliers', teamId] as const,

  // Dashboards: report metrics and their drill-downs; the open unassigned count sits under the
  // case lists so that a live "case changed" notice refreshes it.
  reportMetric: (metric: MetricId, query: MetricQuery) => ['reports', 'metric', metric, query] as const,
  reportDrill: (source: object, page: number) => ['reports', 'drill', source, page] as const,
  unassignedOpen: (filters: CaseDimensionFilters) => ['cases', 'list', 'unassigned-open', filters] as const,
  reportSchedules: ['reports', 'schedules'] as const,

  // Channels: mailboxes and the mail each recorded without a case, web forms, and every
  // channel's health (the Channels page and the mailboxes' poll health).
  mailboxes: ['mailboxes'] as const,
  mailboxIgnored: (id: string) => ['mailboxes', id, 'ignored'] as const,
  forms: ['forms'] as const,
  channelHealth: ['channel-health'] as const,

  // Department requests: the queue, one request and the managers' views under one prefix; a
  // case's own requests under the case, so whatever refreshes the case refreshes them.
  departmentRequests: ['department-requests'] as const,
  departmentRequestList: (filters: RequestFilters) => ['department-requests', 'list', filters] as const,
  departmentRequest: (id: string) => ['department-requests', 'detail', id] as const,
  departmentCoordination: ['department-requests', 'coordination'] as const,
  departmentTurnaround: (from: string, to: string) => ['department-requests', 'turnaround', from, to] as const,
  caseDepartmentRequests: (caseId: string) => ['cases', 'detail', caseId, 'department-requests'] as const,
  departmentService: (id: string) => ['departments', 'service', id] as const,
};
