// Client calls for scheduled reports (GET/POST /api/reports/schedules, PATCH/DELETE …/:id,
// POST …/:id/send-now, GET …/:id/preview.pdf; docs/metrics.md, "Scheduled reports").
import { apiRequest } from './api';

export const SCHEDULE_DASHBOARDS = ['operations', 'service_standards', 'team_performance', 'back_office'] as const;
export type ScheduleDashboard = (typeof SCHEDULE_DASHBOARDS)[number];
export const SCHEDULE_FREQUENCIES = ['daily', 'weekly', 'monthly'] as const;
export type ScheduleFrequency = (typeof SCHEDULE_FREQUENCIES)[number];

export type ScheduleFilters = { teamId?: string; channel?: string; categoryId?: string };

export type ReportSchedule = {
  id: string;
  name: string;
  ownerId: string | null;
  dashboard: ScheduleDashboard;
  filters: ScheduleFilters;
  frequency: ScheduleFrequency;
  hour: number;
  /** Weekly only: 1 = Monday … 7 = Sunday. */
  weekday: number | null;
  /** Monthly only: 1–28. */
  dayOfMonth: number | null;
  timeZone: string;
  recipients: string[];
  goalPercent: number;
  active: boolean;
  nextRunAt: string;
  lastRunAt: string | null;
  lastError: string | null;
};

export type ScheduleInput = Omit<ReportSchedule, 'id' | 'ownerId' | 'nextRunAt' | 'lastRunAt' | 'lastError'>;

const enc = encodeURIComponent;

export async function listSchedules(): Promise<ReportSchedule[]> {
  return (await apiRequest<{ items: ReportSchedule[] }>('/api/reports/schedules')).items;
}

export function createSchedule(input: ScheduleInput): Promise<ReportSchedule> {
  return apiRequest('/api/reports/schedules', { method: 'POST', body: input });
}

export function updateSchedule(id: string, input: ScheduleInput): Promise<ReportSchedule> {
  return apiRequest(`/api/reports/schedules/${enc(id)}`, { method: 'PATCH', body: input });
}

export function deleteSchedule(id: string): Promise<void> {
  return apiRequest(`/api/reports/schedules/${enc(id)}`, { method: 'DELETE' });
}

/** Queues the report for the latest period now; answers how many emails went to the outbox. */
export function sendScheduleNow(id: string): Promise<{ emails: number }> {
  return apiRequest(`/api/reports/schedules/${enc(id)}/send-now`, { method: 'POST' });
}

/** The PDF a run now would send, opened by the browser itself (the session cookie goes with it). */
export function schedulePreviewUrl(id: string): string {
  return `/api/reports/schedules/${enc(id)}/preview.pdf`;
}
