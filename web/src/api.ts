// The one HTTP client of the web UI: JSON in and out, API errors as ApiError, and the CSRF token
// kept in memory and attached to every write (the session cookie itself is httpOnly).
import type {
  ApiToken,
  CreatedToken,
  Group,
  GroupDetail,
  GroupKind,
  ItemList,
  LoginResult,
  Me,
  Membership,
  Role,
  RoleInfo,
  SetupResult,
  User,
} from './api-types';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(input: { status: number; code: string; message: string; details?: unknown }) {
    super(input.message);
    this.name = 'ApiError';
    this.status = input.status;
    this.code = input.code;
    this.details = input.details;
  }
}

/** A message fit to show a person, whatever was thrown. */
export function describeError(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong. Please try again.';
}

// In memory only: a token in localStorage would be readable by any injected script for longer
// than the page lives; on reload we get a fresh one from /api/auth/me.
let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type Query = Record<string, string | undefined>;

type RequestOptions = {
  method?: Method;
  body?: unknown;
  /** A body sent as is instead of JSON (a file's text, say), with its media type. */
  text?: { content: string; contentType: string };
  query?: Query;
};

function buildUrl(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(key, value);
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

async function sendRequest(path: string, options: RequestOptions): Promise<Response> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.text) headers['content-type'] = options.text.contentType;
  else if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (WRITE_METHODS.has(method) && csrfToken) headers['x-csrf-token'] = csrfToken;
  return fetch(buildUrl(path, options.query), {
    method,
    headers,
    credentials: 'same-origin',
    body: options.text ? options.text.content : options.body === undefined ? undefined : JSON.stringify(options.body),
  });
}

async function readError(response: Response): Promise<ApiError> {
  const fallback = {
    status: response.status,
    code: 'http_error',
    message: `The server answered ${response.status} ${response.statusText}`.trim(),
  };
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string; details?: unknown } };
    if (body.error?.message) {
      return new ApiError({
        status: response.status,
        code: body.error.code ?? fallback.code,
        message: body.error.message,
        details: body.error.details,
      });
    }
  } catch {
    // Not JSON (a proxy error page, say): fall back to the status line.
  }
  return new ApiError(fallback);
}

async function readBody<T>(response: Response): Promise<T> {
  if (!response.ok) throw await readError(response);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

// Several writes can fail on a stale token at once; they share one refresh.
let csrfRefresh: Promise<void> | null = null;

function refreshCsrfToken(): Promise<void> {
  csrfRefresh ??= fetchMe()
    .then(() => undefined)
    .finally(() => {
      csrfRefresh = null;
    });
  return csrfRefresh;
}

export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  let response: Response;
  try {
    response = await sendRequest(path, options);
  } catch {
    throw new ApiError({ status: 0, code: 'network_error', message: 'Cannot reach the Frontline server.' });
  }
  const isWrite = WRITE_METHODS.has(options.method ?? 'GET');
  if (isWrite && response.status === 403) {
    const error = await readError(response);
    if (error.code !== 'csrf_failed') throw error;
    // The token went stale (new session, server restart): fetch a fresh one and retry once.
    await refreshCsrfToken();
    return readBody<T>(await sendRequest(path, options));
  }
  return readBody<T>(response);
}

// --- auth and setup -------------------------------------------------------------------------

/** The signed-in session, or null when there is none (401). Also refreshes the CSRF token. */
export async function fetchMe(): Promise<Me | null> {
  try {
    const me = await apiRequest<Me>('/api/auth/me');
    setCsrfToken(me.csrfToken);
    return me;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      setCsrfToken(null);
      return null;
    }
    throw error;
  }
}

export async function login(input: { email: string; password: string }): Promise<LoginResult> {
  const result = await apiRequest<LoginResult>('/api/auth/login', { method: 'POST', body: input });
  setCsrfToken(result.csrfToken);
  return result;
}

export async function logout(): Promise<void> {
  try {
    await apiRequest<void>('/api/auth/logout', { method: 'POST' });
  } finally {
    setCsrfToken(null);
  }
}

export function fetchSetupStatus(): Promise<{ needsSetup: boolean }> {
  return apiRequest('/api/setup/status');
}

export async function completeSetup(input: { token: string; email: string; password: string; name: string }): Promise<SetupResult> {
  const result = await apiRequest<SetupResult>('/api/setup', { method: 'POST', body: input });
  setCsrfToken(result.csrfToken);
  return result;
}

// --- roles and users ------------------------------------------------------------------------

export function listRoles(): Promise<ItemList<RoleInfo>> {
  return apiRequest('/api/roles');
}

export type UserFilters = { q?: string; role?: Role; active?: 'true' | 'false' };

export function listUsers(filters: UserFilters = {}): Promise<ItemList<User>> {
  return apiRequest('/api/users', { query: filters });
}

export function createUser(input: { email: string; name: string; role: Role; password: string }): Promise<User> {
  return apiRequest('/api/users', { method: 'POST', body: input });
}

export type UserChanges = { name?: string; role?: Role; active?: boolean; password?: string };

export function updateUser(id: string, changes: UserChanges): Promise<User> {
  return apiRequest(`/api/users/${encodeURIComponent(id)}`, { method: 'PATCH', body: changes });
}

// --- teams and departments (same shape, different path) ------------------------------------

function groupPath(kind: GroupKind, id?: string): string {
  return id ? `/api/${kind}/${encodeURIComponent(id)}` : `/api/${kind}`;
}

export function listGroups(kind: GroupKind): Promise<ItemList<Group>> {
  return apiRequest(groupPath(kind));
}

export function fetchGroup(kind: GroupKind, id: string): Promise<GroupDetail> {
  return apiRequest(groupPath(kind, id));
}

export type GroupInput = { name: string; description?: string | null };

export function createGroup(kind: GroupKind, input: GroupInput): Promise<Group> {
  return apiRequest(groupPath(kind), { method: 'POST', body: input });
}

export function updateGroup(kind: GroupKind, id: string, input: Partial<GroupInput>): Promise<Group> {
  return apiRequest(groupPath(kind, id), { method: 'PATCH', body: input });
}

export function deleteGroup(kind: GroupKind, id: string): Promise<void> {
  return apiRequest(groupPath(kind, id), { method: 'DELETE' });
}

export function setGroupMember(input: { kind: GroupKind; groupId: string; userId: string; membership: Membership }): Promise<GroupDetail> {
  const path = `${groupPath(input.kind, input.groupId)}/members/${encodeURIComponent(input.userId)}`;
  return apiRequest(path, { method: 'PUT', body: { membership: input.membership } });
}

export function removeGroupMember(input: { kind: GroupKind; groupId: string; userId: string }): Promise<void> {
  const path = `${groupPath(input.kind, input.groupId)}/members/${encodeURIComponent(input.userId)}`;
  return apiRequest(path, { method: 'DELETE' });
}

// --- API tokens -----------------------------------------------------------------------------

/** Own tokens; with `all` (tokens.manage_all) everyone's. */
export function listTokens(input: { all?: boolean } = {}): Promise<ItemList<ApiToken>> {
  return apiRequest('/api/tokens', { query: { all: input.all ? 'true' : undefined } });
}

export function createToken(input: { name: string; expiresInDays?: number }): Promise<CreatedToken> {
  return apiRequest('/api/tokens', { method: 'POST', body: input });
}

export function revokeToken(id: string): Promise<void> {
  return apiRequest(`/api/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' });
}
