// Client calls for service standards (business calendars, SLA policies, a case's live clocks) and
// the signed-in user's in-app notifications. Same client as api.ts (CSRF, errors).
import { apiRequest } from './api';
import type {
  CaseSla,
  Holiday,
  HolidayImportResult,
  ItemList,
  NotificationList,
  OpeningInterval,
  SlaCalendar,
  SlaConditions,
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
  warnings: SlaWarning[];
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
