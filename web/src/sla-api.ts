// Client calls for service standards (business calendars, SLA policies, a case's live clocks,
// escalation, expected handling time, the at-risk and outlier reports, the inbox's SLA quick
// filters) and the signed-in user's in-app notifications. Same client as api.ts (CSRF, errors).
import { apiRequest } from './api';
import type {
  CasePage,
  CaseSla,
  CaseView,
  Holiday,
  HolidayImportResult,
  ItemList,
  NotificationList,
  OpeningInterval,
  SlaCalendar,
  SlaConditions,
  SlaEscalationRule,
  SlaPolicy,
  SlaTargets,
  SlaWarning,
  Weekday,
} from './api-types';

const enc = encodeURIComponent;

// --- calendars ------------------------------------------------------------------------------

export type CalendarInput = {
  name: string;
  timeZone: string;
  weekly: Partial<Record<Weekday, OpeningInterval[]>>;
  holidays: Holiday[];
};

export async function listSlaCalendars(): Promise<SlaCalendar[]> {
  return (await apiRequest<ItemList<SlaCalendar>>('/api/sla/calendars')).items;
}

export function createSlaCalendar(input: CalendarInput): Promise<SlaCalendar> {
  return apiRequest('/api/sla/calendars', { method: 'POST', body: input });
}

export function updateSlaCalendar(id: string, input: Partial<CalendarInput>): Promise<SlaCalendar> {
  return apiRequest(`/api/sla/calendars/${enc(id)}`, { method: 'PATCH', body: input });
}

export function deleteSlaCalendar(id: string): Promise<void> {
  return apiRequest(`/api/sla/calendars/${enc(id)}`, { method: 'DELETE' });
}

/** Adds the holidays of an iCalendar file, sent as the file's text. */
export function importCalendarHolidays(id: string, ical: string): Promise<HolidayImportResult> {
  return apiRequest(`/api/sla/calendars/${enc(id)}/holidays/import`, {
    method: 'POST',
    text: { content: ical, contentType: 'text/calendar' },
  });
}

// --- policies -------------------------------------------------------------------------------

export type PolicyInput = {
  name: string;
  description?: string | null;
  calendarId: string;
  targets: SlaTargets;
  conditions: SlaConditions;
  pauseOnHold: boolean;
  pauseOnDepartment: boolean;
  warnings: SlaWarning[];
  escalations: SlaEscalationRule[];
  active: boolean;
};

/** In evaluation order: the first active policy whose conditions hold applies. */
export async function listSlaPolicies(): Promise<SlaPolicy[]> {
  const policies = (await apiRequest<ItemList<SlaPolicy>>('/api/sla/policies')).items;
  return [...policies].sort((a, b) => a.position - b.position);
}

export function createSlaPolicy(input: PolicyInput): Promise<SlaPolicy> {
  return apiRequest('/api/sla/policies', { method: 'POST', body: input });
}

export function updateSlaPolicy(id: string, input: Partial<PolicyInput>): Promise<SlaPolicy> {
  return apiRequest(`/api/sla/policies/${enc(id)}`, { method: 'PATCH', body: input });
}

export function deleteSlaPolicy(id: string): Promise<void> {
  return apiRequest(`/api/sla/policies/${enc(id)}`, { method: 'DELETE' });
}

export async function reorderSlaPolicies(ids: string[]): Promise<SlaPolicy[]> {
  return (await apiRequest<ItemList<SlaPolicy>>('/api/sla/policies/order', { method: 'PUT', body: { ids } })).items;
}

// --- a case's clocks ------------------------------------------------------------------------

export function fetchCaseSla(caseId: string): Promise<CaseSla> {
  return apiRequest(`/api/cases/${enc(caseId)}/sla`);
}

/** "Escalate to manager": marks the case escalated with the reason and notifies the managers. */
export function escalateCase(caseId: string, reason: string): Promise<CaseView> {
  return apiRequest(`/api/cases/${enc(caseId)}/escalate`, { method: 'POST', body: { reason } });
}

export type HandlingNorm = {
  categoryId: string | null;
  /** "*" when the norm covers every type. */
  type: string;
  /** "*" when the norm covers every channel. */
  channel: string;
  sampleSize: number;
  medianMinutes: number;
  p80Minutes: number;
  p90Minutes: number;
};

export type ExpectedHandling = {
  norm: HandlingNorm | null;
  /** "usually solved within 5 h" (the norm's p80), null without a norm. */
  usually: string | null;
  ageMinutes: number;
  /** Open and older than the norm's p90. */
  outlier: boolean;
};

export function fetchExpectedHandling(caseId: string): Promise<ExpectedHandling> {
  return apiRequest(`/api/cases/${enc(caseId)}/expected-handling`);
}

// --- the inbox's quick filters --------------------------------------------------------------

export const QUICK_FILTERS = ['at_risk', 'breached', 'escalated'] as const;
export type QuickFilter = (typeof QUICK_FILTERS)[number];

const QUICK_QUERY: Record<QuickFilter, Record<string, string>> = {
  at_risk: { sla: 'at_risk', slaWithinMinutes: '60' },
  breached: { sla: 'breached' },
  escalated: { escalated: 'true' },
};

/** A saved view's cases narrowed by a quick filter, in the view's sort. */
export function listQuickCases(viewId: string, quick: QuickFilter, cursor?: string): Promise<CasePage> {
  return apiRequest('/api/cases', { query: { viewId, ...QUICK_QUERY[quick], cursor, limit: '50' } });
}

// --- reports: at risk and outliers ----------------------------------------------------------

export type AtRiskItem = {
  caseId: string;
  number: number;
  subject: string;
  status: string;
  priority: string;
  teamId: string | null;
  assigneeId: string | null;
  target: string;
  state: string;
  dueAt: string | null;
  /** Wall-clock minutes to the due instant; negative once past. */
  minutesUntilDue: number | null;
};

export async function listSlaAtRisk(input: { withinMinutes: number; teamId?: string }): Promise<AtRiskItem[]> {
  const query = { withinMinutes: String(input.withinMinutes), teamId: input.teamId, limit: '200' };
  return (await apiRequest<ItemList<AtRiskItem>>('/api/sla/at-risk', { query })).items;
}

export type OutlierItem = {
  caseId: string;
  number: number;
  subject: string;
  status: string;
  teamId: string | null;
  assigneeId: string | null;
  ageMinutes: number;
  p90Minutes: number;
  norm: HandlingNorm;
};

export async function listSlaOutliers(input: { teamId?: string }): Promise<OutlierItem[]> {
  return (await apiRequest<ItemList<OutlierItem>>('/api/sla/outliers', { query: { teamId: input.teamId, limit: '200' } })).items;
}

// --- notifications --------------------------------------------------------------------------

export function listNotifications(): Promise<NotificationList> {
  return apiRequest('/api/notifications', { query: { limit: '30' } });
}

export function markNotificationRead(id: string): Promise<{ updated: number }> {
  return apiRequest(`/api/notifications/${enc(id)}/read`, { method: 'POST' });
}

export function markAllNotificationsRead(): Promise<{ updated: number }> {
  return apiRequest('/api/notifications/read-all', { method: 'POST' });
}
