// The customer portal's HTTP calls. Separate from the staff client: the portal cookie is its own,
// and every write carries `x-portal-request: 1` (the server refuses portal writes without it).
import { ApiError } from '../api';

export type PortalCase = { id: string; number: number; subject: string; status: string; createdAt: string; updatedAt: string };
export type PortalMessage = { id: string; from: 'you' | 'agent'; authorName: string | null; body: string; createdAt: string };
export type PortalCaseDetail = PortalCase & { messages: PortalMessage[] };

async function portalRequest<T>(path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    headers['x-portal-request'] = '1';
  }
  let response: Response;
  try {
    response = await fetch(path, {
      method: body === undefined ? 'GET' : 'POST',
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError({ status: 0, code: 'network_error', message: 'Cannot reach the server.' });
  }
  const text = await response.text();
  const json = text ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) {
    const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError({
      status: response.status,
      code: error?.code ?? 'http_error',
      message: error?.message ?? `Error ${response.status}`,
    });
  }
  return json as T;
}

export const portalApi = {
  requestLink: (email: string) => portalRequest<{ accepted: true }>('/api/portal/login', { email }),
  startSession: (token: string) => portalRequest<{ expiresAt: string }>('/api/portal/session', { token }),
  logout: () => portalRequest<void>('/api/portal/logout', {}),
  cases: () => portalRequest<{ items: PortalCase[] }>('/api/portal/cases'),
  case: (id: string) => portalRequest<PortalCaseDetail>(`/api/portal/cases/${encodeURIComponent(id)}`),
  reply: (id: string, body: string) =>
    portalRequest<{ caseId: string; followUpCreated: boolean }>(`/api/portal/cases/${encodeURIComponent(id)}/messages`, { body }),
};

export const portalKeys = {
  cases: ['portal', 'cases'] as const,
  case: (id: string) => ['portal', 'case', id] as const,
};
