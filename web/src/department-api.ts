// Client calls and shapes for cross-department requests (docs/departments.md): asked from a case,
// worked from a department's queue, the managers' coordination view and turnaround report, and
// each department's calendar and internal targets (OLAs). Same client as api.ts (CSRF, errors).
import { apiRequest } from './api';
import type { ItemList } from './api-types';

const enc = encodeURIComponent;

// --- shapes ---------------------------------------------------------------------------------

export const REQUEST_STATUSES = ['open', 'clarification_requested', 'answered', 'declined', 'cancelled'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];
/** Still waiting on someone: the department (open) or the case side (clarification_requested). */
export const OPEN_REQUEST_STATUSES: readonly RequestStatus[] = ['open', 'clarification_requested'];

export type DepartmentRequest = {
  id: string;
  number: number;
  caseId: string;
  departmentId: string;
  departmentName: string;
  requestType: string;
  question: string;
  expectedAnswer: string | null;
  sharedMessageIds: string[];
  status: RequestStatus;
  assigneeId: string | null;
  requestedById: string | null;
  olaMinutes: number;
  olaBusinessHours: boolean;
  createdAt: string;
  dueAt: string;
  firstResponseAt: string | null;
  completedAt: string | null;
  answer: string | null;
  declineReason: string | null;
  escalatedAt: string | null;
  /** Wall-clock minutes past due: now while open, at completion otherwise; 0 when on time. */
  lateMinutes: number;
  version: number;
};

/** What the request shares of its case: never more than this reaches the department. */
export type SharedCaseContext = {
  caseId: string;
  number: number;
  subject: string;
  status: string;
  requesterName: string;
  messages: { id: string; kind: string; bodyText: string; createdAt: string }[];
};

export type RequestEvent = {
  kind: string;
  actorId: string | null;
  body: string | null;
  data: Record<string, unknown>;
  at: string;
};

export type DepartmentRequestDetail = DepartmentRequest & { case: SharedCaseContext; events: RequestEvent[] };

export type CoordinationView = {
  casesWaitingOnSeveral: {
    caseId: string;
    number: number;
    subject: string;
    requests: { requestId: string; departmentName: string; status: RequestStatus; dueAt: string; lateMinutes: number }[];
  }[];
  overdueByDepartment: { departmentId: string; departmentName: string; overdue: DepartmentRequest[] }[];
};

export type TurnaroundFigures = {
  requests: number;
  /** How many requests the first-response times are taken over. */
  responded: number;
  completed: number;
  answered: number;
  declined: number;
  firstResponseMinutes: { median: number | null; p90: number | null };
  completionMinutes: { median: number | null; p90: number | null };
  /** Completed, or still open and past due: what withinOlaPercent is out of. */
  judged: number;
  /** Completed by the due time. */
  withinOla: number;
  /** Completed after the due time, or still open and past due. */
  late: number;
  withinOlaPercent: number | null;
  openNow: number;
  overdueNow: number;
};

/** The counts of the turnaround report that drill down to their requests, and the figure each is. */
export const TURNAROUND_OUTCOMES = {
  requests: 'requests',
  responded: 'responded',
  completed: 'completed',
  answered: 'answered',
  declined: 'declined',
  judged: 'judged',
  within_ola: 'withinOla',
  late: 'late',
  open_now: 'openNow',
  overdue_now: 'overdueNow',
} as const satisfies Record<string, keyof TurnaroundFigures>;
export type TurnaroundOutcome = keyof typeof TURNAROUND_OUTCOMES;

/** One figure's requests: the report's period and department (and member), and which count. */
export type TurnaroundDrillQuery = { from: string; to: string; departmentId?: string; memberId?: string; outcome: TurnaroundOutcome };

export type TurnaroundDrillItem = {
  id: string;
  number: number;
  requestType: string;
  status: RequestStatus;
  departmentId: string;
  departmentName: string;
  assigneeId: string | null;
  assigneeName: string | null;
  /** Null (with caseNumber and caseSubject) when the case is outside what the reader may see. */
  caseId: string | null;
  caseNumber: number | null;
  caseSubject: string | null;
  createdAt: string;
  dueAt: string;
  firstResponseAt: string | null;
  completedAt: string | null;
  olaMinutes: number;
  olaBusinessHours: boolean;
  /** Created → first response, and → answered or declined, in the request's OLA time. */
  firstResponseMinutes: number | null;
  completionMinutes: number | null;
  /** Completed by the due time; false: completed late or open past due; null: not yet judged. */
  withinOla: boolean | null;
};

export type DepartmentTurnaround = TurnaroundFigures & {
  departmentId: string;
  departmentName: string;
  members: (TurnaroundFigures & { userId: string; name: string })[];
};

export type TurnaroundReport = { from: string; to: string; departments: DepartmentTurnaround[] };

export type Ola = { requestType: string; minutes: number; businessHours: boolean };
export type DepartmentService = { calendarId: string | null; olas: Ola[] };

// --- the queue and one request --------------------------------------------------------------

export type RequestFilters = {
  departmentId?: string;
  /** Comma-separated statuses. */
  status?: string;
  mine?: boolean;
  overdue?: boolean;
};

export async function listDepartmentRequests(filters: RequestFilters): Promise<DepartmentRequest[]> {
  const query = {
    departmentId: filters.departmentId,
    status: filters.status,
    mine: filters.mine ? 'true' : undefined,
    overdue: filters.overdue ? 'true' : undefined,
    limit: '200',
  };
  return (await apiRequest<ItemList<DepartmentRequest>>('/api/department-requests', { query })).items;
}

export function fetchDepartmentRequest(id: string): Promise<DepartmentRequestDetail> {
  return apiRequest(`/api/department-requests/${enc(id)}`);
}

function act<B extends object>(id: string, action: string, body: B): Promise<DepartmentRequest> {
  return apiRequest(`/api/department-requests/${enc(id)}/${action}`, { method: 'POST', body });
}

// Every action carries the version the person saw; a stale one is refused with 409 conflict.
export const answerRequest = (id: string, version: number, answer: string) => act(id, 'answer', { answer, version });
export const askClarification = (id: string, version: number, question: string) => act(id, 'clarification', { question, version });
export const clarifyRequest = (id: string, version: number, body: string) => act(id, 'clarify', { body, version });
export const assignRequest = (id: string, version: number, assigneeId: string | null) => act(id, 'assign', { assigneeId, version });
export const declineRequest = (id: string, version: number, reason: string) => act(id, 'decline', { reason, version });
export const cancelRequest = (id: string, version: number) => act(id, 'cancel', { version });

// --- the case side --------------------------------------------------------------------------

export type NewDepartmentRequest = {
  departmentId: string;
  requestType?: string;
  question: string;
  expectedAnswer?: string | null;
  sharedMessageIds?: string[];
};

export async function listCaseDepartmentRequests(caseId: string): Promise<DepartmentRequest[]> {
  return (await apiRequest<ItemList<DepartmentRequest>>(`/api/cases/${enc(caseId)}/department-requests`)).items;
}

export function createDepartmentRequest(caseId: string, input: NewDepartmentRequest): Promise<DepartmentRequest> {
  return apiRequest(`/api/cases/${enc(caseId)}/department-requests`, { method: 'POST', body: input });
}

// --- managers -------------------------------------------------------------------------------

export function fetchCoordination(): Promise<CoordinationView> {
  return apiRequest('/api/department-requests/coordination');
}

export function fetchTurnaround(input: { from: string; to: string; departmentId?: string }): Promise<TurnaroundReport> {
  return apiRequest('/api/reports/departments/turnaround', { query: input });
}

/** The exact requests one count of the turnaround report counts, a page at a time (total = the figure). */
export function fetchTurnaroundRequests(
  input: TurnaroundDrillQuery,
  page: { limit: number; offset: number },
): Promise<{ total: number; items: TurnaroundDrillItem[] }> {
  return apiRequest('/api/reports/departments/turnaround/requests', {
    query: { ...input, limit: String(page.limit), offset: String(page.offset) },
  });
}

// --- a department's service terms -----------------------------------------------------------

export function fetchDepartmentService(departmentId: string): Promise<DepartmentService> {
  return apiRequest(`/api/departments/${enc(departmentId)}/service`);
}

export function saveDepartmentService(departmentId: string, service: DepartmentService): Promise<DepartmentService> {
  return apiRequest(`/api/departments/${enc(departmentId)}/service`, { method: 'PUT', body: service });
}
