// Client calls for case management: cases, conversation, views, bulk changes, macros, the case
// configuration (categories, custom fields) and customers. Same client as api.ts (CSRF, errors).
import { apiRequest } from './api';
import type {
  AddedMessage,
  BulkChanges,
  BulkResult,
  CaseEvent,
  CaseFilters,
  CaseLink,
  CasePage,
  CaseSort,
  CasePriority,
  CaseStatus,
  CaseType,
  CaseView,
  Category,
  Channel,
  CreatedCase,
  CustomerDetail,
  CustomerPage,
  CustomerTier,
  CustomFieldDefinition,
  CustomFieldValue,
  ItemList,
  Macro,
  MacroApplied,
  MacroPreview,
  MessageView,
  SavedView,
  TimelinePage,
} from './api-types';

const enc = encodeURIComponent;

// --- cases ----------------------------------------------------------------------------------

export type NewCaseInput = {
  subject: string;
  requester: { email?: string; phone?: string; name?: string };
  message?: { body: string };
  type?: CaseType;
  priority?: CasePriority;
  channel?: Channel;
};

export function createCase(input: NewCaseInput): Promise<CreatedCase> {
  return apiRequest('/api/cases', { method: 'POST', body: input });
}

export function fetchCase(id: string): Promise<CaseView> {
  return apiRequest(`/api/cases/${enc(id)}`);
}

export type CaseChanges = {
  subject?: string;
  type?: CaseType;
  status?: CaseStatus;
  priority?: CasePriority;
  categoryId?: string | null;
  tags?: string[];
  teamId?: string | null;
  assigneeId?: string | null;
  customFields?: Record<string, CustomFieldValue>;
};

/** Every change carries the version the person saw; a stale one is refused with 409 conflict. */
export function updateCase(id: string, version: number, changes: CaseChanges): Promise<CaseView> {
  return apiRequest(`/api/cases/${enc(id)}`, { method: 'PATCH', body: { version, ...changes } });
}

export async function fetchCaseMessages(id: string): Promise<MessageView[]> {
  return (await apiRequest<ItemList<MessageView>>(`/api/cases/${enc(id)}/messages`)).items;
}

export function addCaseMessage(id: string, input: { kind: 'reply' | 'note'; body: string; status?: CaseStatus }): Promise<AddedMessage> {
  return apiRequest(`/api/cases/${enc(id)}/messages`, { method: 'POST', body: input });
}

export async function fetchCaseEvents(id: string): Promise<CaseEvent[]> {
  return (await apiRequest<ItemList<CaseEvent>>(`/api/cases/${enc(id)}/events`)).items;
}

export function setFollowing(caseId: string, userId: string, follow: boolean): Promise<CaseView> {
  return apiRequest(`/api/cases/${enc(caseId)}/followers/${enc(userId)}`, { method: follow ? 'PUT' : 'DELETE' });
}

export type CaseSearch = {
  q?: string;
  status?: string;
  priority?: string;
  sort?: string;
  cursor?: string;
  limit?: string;
  /** The case with this number. */
  number?: string;
};

export function listCases(search: CaseSearch): Promise<CasePage> {
  return apiRequest('/api/cases', { query: search });
}

export function bulkUpdateCases(caseIds: string[], changes: BulkChanges): Promise<BulkResult> {
  return apiRequest('/api/cases/bulk', { method: 'POST', body: { caseIds, changes } });
}

// --- views ----------------------------------------------------------------------------------

export async function listViews(): Promise<SavedView[]> {
  const views = (await apiRequest<ItemList<SavedView>>('/api/views')).items;
  return [...views].sort((a, b) => a.position - b.position);
}

export type ViewInput = { name: string; filters: CaseFilters; sort: CaseSort; shared?: boolean };

export function createView(input: ViewInput): Promise<SavedView> {
  return apiRequest('/api/views', { method: 'POST', body: input });
}

/** Whether a view is shared is fixed at creation; name, filters and sort can change. */
export function updateView(id: string, input: Omit<ViewInput, 'shared'>): Promise<SavedView> {
  return apiRequest(`/api/views/${enc(id)}`, { method: 'PATCH', body: input });
}

export function deleteView(id: string): Promise<void> {
  return apiRequest(`/api/views/${enc(id)}`, { method: 'DELETE' });
}

/** Filters as GET /api/cases reads them: lists comma-separated, everything else as text. */
export function filtersToQuery(filters: CaseFilters): Record<string, string | undefined> {
  const query: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(filters) as [string, unknown][]) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) {
      if (value.length > 0) query[key] = value.join(',');
    } else query[key] = String(value);
  }
  return query;
}

/** How many cases the filters select for whoever asks, now. */
export async function countCases(filters: CaseFilters): Promise<string> {
  const page = await apiRequest<CasePage>('/api/cases', { query: { ...filtersToQuery(filters), limit: '1' } });
  return formatCount(page.total ?? page.items.length, page.totalCapped);
}

/** A count as shown: the server stops counting at its cap, which reads "10000+". */
export function formatCount(n: number, capped: boolean | undefined): string {
  return capped ? `${n}+` : String(n);
}

export function listViewCases(viewId: string, cursor?: string): Promise<CasePage> {
  return apiRequest(`/api/views/${enc(viewId)}/cases`, { query: { cursor, limit: '50' } });
}

// --- links and merging ----------------------------------------------------------------------

export async function listCaseLinks(caseId: string): Promise<CaseLink[]> {
  return (await apiRequest<ItemList<CaseLink>>(`/api/cases/${enc(caseId)}/links`)).items;
}

export type NewLinkKind = 'related' | 'duplicate_of' | 'parent_of' | 'child_of';

export async function linkCase(caseId: string, otherCaseId: string, kind: NewLinkKind): Promise<CaseLink[]> {
  return (await apiRequest<ItemList<CaseLink>>(`/api/cases/${enc(caseId)}/links`, { method: 'POST', body: { otherCaseId, kind } })).items;
}

export function unlinkCase(caseId: string, otherCaseId: string): Promise<void> {
  return apiRequest(`/api/cases/${enc(caseId)}/links/${enc(otherCaseId)}`, { method: 'DELETE' });
}

/** Merges the case into the target (its conversation moves, it closes); answers the target. */
export function mergeCase(caseId: string, targetId: string): Promise<CaseView> {
  return apiRequest(`/api/cases/${enc(caseId)}/merge`, { method: 'POST', body: { targetId } });
}

// --- macros and configuration ---------------------------------------------------------------

export async function listMacros(): Promise<Macro[]> {
  return (await apiRequest<ItemList<Macro>>('/api/macros')).items;
}

export function previewMacro(caseId: string, macroId: string): Promise<MacroPreview> {
  return apiRequest(`/api/cases/${enc(caseId)}/macros/${enc(macroId)}/preview`);
}

export function applyMacro(caseId: string, macroId: string, version: number): Promise<MacroApplied> {
  return apiRequest(`/api/cases/${enc(caseId)}/macros/${enc(macroId)}/apply`, { method: 'POST', body: { version } });
}

export async function listCategories(): Promise<Category[]> {
  return (await apiRequest<ItemList<Category>>('/api/categories')).items;
}

export async function listCustomFields(): Promise<CustomFieldDefinition[]> {
  const fields = (await apiRequest<ItemList<CustomFieldDefinition>>('/api/custom-fields')).items;
  return [...fields].sort((a, b) => a.position - b.position);
}

// --- customers ------------------------------------------------------------------------------

export function listCustomers(input: { q?: string; cursor?: string }): Promise<CustomerPage> {
  return apiRequest('/api/customers', { query: { ...input, limit: '50' } });
}

export function fetchCustomer(id: string): Promise<CustomerDetail> {
  return apiRequest(`/api/customers/${enc(id)}`);
}

export type CustomerChanges = { name?: string; tier?: CustomerTier; notes?: string | null };

export function updateCustomer(id: string, changes: CustomerChanges): Promise<CustomerDetail> {
  return apiRequest(`/api/customers/${enc(id)}`, { method: 'PATCH', body: changes });
}

export function fetchCustomerTimeline(id: string, cursor?: string): Promise<TimelinePage> {
  return apiRequest(`/api/customers/${enc(id)}/timeline`, { query: { cursor, limit: '50' } });
}
