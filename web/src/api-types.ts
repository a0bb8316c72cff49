// Shapes of the JSON the Frontline API returns; kept in one place so pages agree on them.

export type Role = 'admin' | 'manager' | 'team_leader' | 'agent' | 'qa_analyst' | 'wfm_planner' | 'back_office' | 'executive';

export const ROLES: readonly Role[] = ['admin', 'manager', 'team_leader', 'agent', 'qa_analyst', 'wfm_planner', 'back_office', 'executive'];

export type User = {
  id: string;
  email: string;
  name: string;
  role: Role;
  active: boolean;
  createdAt: string;
  lastLoginAt: string | null;
};

export type Me = {
  user: User;
  csrfToken: string | null;
  permissions: string[];
};

export type LoginResult = { user: User; csrfToken: string; expiresAt: string };
export type SetupResult = { user: User; csrfToken: string };

export type RoleInfo = {
  role: Role;
  label: string;
  description: string;
  permissions: string[];
};

/** Teams and departments share one shape; only the name of the "lead" membership differs. */
export type GroupKind = 'teams' | 'departments';
export type Membership = 'member' | 'leader' | 'head';

export type Group = {
  id: string;
  name: string;
  description: string | null;
  memberCount: number;
  createdAt: string;
  /** Departments only. */
  headUserId?: string | null;
};

export type GroupMember = {
  userId: string;
  name: string;
  email: string;
  role: Role;
  membership: Membership;
};

export type GroupDetail = Group & { members: GroupMember[] };

export type ApiToken = {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  userId: string;
  userName: string;
};

export type CreatedToken = { token: ApiToken; secret: string };

export type ItemList<T> = { items: T[] };

// --- case management ------------------------------------------------------------------------

export type CaseType = 'question' | 'complaint' | 'service_request' | 'incident';
export type CaseStatus = 'new' | 'open' | 'pending' | 'on_hold' | 'solved' | 'closed';
export type CasePriority = 'low' | 'normal' | 'high' | 'urgent';
export type Channel = 'email' | 'web' | 'portal' | 'chat' | 'phone' | 'sms' | 'messaging' | 'walk_in' | 'api' | 'internal';
export type CustomerTier = 'standard' | 'priority' | 'vip';

export const CASE_TYPES: readonly CaseType[] = ['question', 'complaint', 'service_request', 'incident'];
export const CASE_STATUSES: readonly CaseStatus[] = ['new', 'open', 'pending', 'on_hold', 'solved', 'closed'];
export const CASE_PRIORITIES: readonly CasePriority[] = ['low', 'normal', 'high', 'urgent'];
export const CHANNELS: readonly Channel[] = ['email', 'web', 'portal', 'chat', 'phone', 'sms', 'messaging', 'walk_in', 'api', 'internal'];
export const CUSTOMER_TIERS: readonly CustomerTier[] = ['standard', 'priority', 'vip'];

export type CustomFieldValue = string | number | boolean | null;

export type CaseView = {
  id: string;
  number: number;
  subject: string;
  type: CaseType;
  status: CaseStatus;
  priority: CasePriority;
  categoryId: string | null;
  categoryName: string | null;
  tags: string[];
  channel: Channel;
  requester: { id: string; name: string; email: string | null; tier: CustomerTier; organisationId: string | null };
  teamId: string | null;
  teamName: string | null;
  assigneeId: string | null;
  assigneeName: string | null;
  followerIds: string[];
  customFields: Record<string, unknown>;
  version: number;
  createdAt: string;
  updatedAt: string;
  firstPublicReplyAt: string | null;
  lastCustomerMessageAt: string | null;
  lastPublicReplyAt: string | null;
  solvedAt: string | null;
  closedAt: string | null;
  reopenCount: number;
  publicReplyCount: number;
  customerMessageCount: number;
  followUpOfId: string | null;
  mergedIntoId: string | null;
  /** Escalated to the managers (by hand or by an SLA escalation rule), and why. */
  escalatedAt: string | null;
  escalationReason: string | null;
};

export type CreatedCase = CaseView & { duplicate: boolean };

export type MessageAuthor = { type: 'user' | 'customer'; id: string; name: string | null } | { type: 'system' };

export type MessageView = {
  id: string;
  kind: 'customer' | 'reply' | 'note';
  channel: Channel;
  bodyText: string;
  bodyHtml: string | null;
  /** The channel's own id of the message (an email's Message-ID); null for messages typed here. */
  externalId?: string | null;
  createdAt: string;
  author: MessageAuthor;
};

export type AddedMessage = { case: CaseView; message: MessageView; duplicate: boolean; followUpCreated: boolean };

export type CaseEvent = {
  id: string;
  kind: string;
  actor: { type: 'user' | 'customer' | 'system'; id: string | null; name: string | null };
  before: unknown;
  after: unknown;
  at: string;
};

export type CaseListItem = {
  id: string;
  number: number;
  subject: string;
  status: CaseStatus;
  priority: CasePriority;
  type: CaseType;
  channel: Channel;
  tags: string[];
  requester: { id: string; name: string; email: string | null };
  teamId: string | null;
  teamName: string | null;
  assigneeId: string | null;
  assigneeName: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
  /** The soonest due unmet SLA target and whether one is breached; null without running targets. */
  sla: { nextDueAt: string | null; breached: boolean } | null;
  escalatedAt: string | null;
  rank?: number;
  /** Full-text matches only: the matching text with <b> marks and nothing else to trust. */
  snippet?: string | null;
};

export type CasePage = { items: CaseListItem[]; nextCursor: string | null; total?: number; totalCapped?: boolean };

export type BuiltInView = 'my_open' | 'unassigned' | 'all_open' | 'pending' | 'recently_solved';

export type SavedView = {
  id: string;
  name: string;
  ownerId: string | null;
  filters: Record<string, unknown>;
  sort: string | null;
  position: number;
  builtIn: BuiltInView | null;
  count: number | null;
  /** More cases than the server counts: shown as "10000+". */
  countCapped?: boolean;
};

/** The filter language of GET /api/cases and saved views (CaseFiltersSchema on the server). */
export type CaseFilters = {
  status?: CaseStatus[];
  priority?: CasePriority[];
  type?: CaseType[];
  channel?: Channel[];
  teamId?: string;
  assigneeId?: string;
  tags?: string[];
  categoryId?: string;
  requesterId?: string;
  organisationId?: string;
  q?: string;
  createdWithinDays?: number;
  updatedWithinDays?: number;
  sla?: 'breached' | 'at_risk';
  slaWithinMinutes?: number;
  escalated?: boolean;
};

export const CASE_SORTS = [
  'updated_desc',
  'updated_asc',
  'created_desc',
  'created_asc',
  'priority_desc',
  'number_desc',
  'relevance',
] as const;
export type CaseSort = (typeof CASE_SORTS)[number];

export type CaseLinkKind = 'related' | 'duplicate_of' | 'parent_of' | 'child_of' | 'follow_up_of' | 'merged_into' | 'merged_from';
export type CaseLink = { caseId: string; number: number; subject: string; status: CaseStatus; kind: CaseLinkKind; createdAt: string };

export type BulkChanges = {
  status?: CaseStatus;
  priority?: CasePriority;
  teamId?: string | null;
  assigneeId?: string | null;
  addTags?: string[];
  removeTags?: string[];
};

export type BulkResult = { results: { id: string; ok: boolean; version?: number; error?: { code?: string; message?: string } | string }[] };

export type Macro = {
  id: string;
  name: string;
  description: string | null;
  ownerId: string | null;
  actions: Record<string, unknown>;
  replyBody: string | null;
  replyKind: 'reply' | 'note' | null;
  active: boolean;
};

export type MacroPreview = { replyBody: string | null; replyKind?: 'reply' | 'note' | null; changes: Record<string, unknown> };
export type MacroApplied = { case: CaseView; message: MessageView | null };

export type Category = { id: string; parentId: string | null; name: string; path: string; active: boolean; depth: number };

export type CustomFieldKind = 'text' | 'number' | 'dropdown' | 'date' | 'checkbox';
export type CustomFieldOption = string | { value: string; label?: string };

export type CustomFieldDefinition = {
  id: string;
  key: string;
  label: string;
  kind: CustomFieldKind;
  options: CustomFieldOption[];
  required: boolean;
  active: boolean;
  position: number;
};

export type CustomerListItem = {
  id: string;
  name: string;
  tier: CustomerTier;
  organisationId: string | null;
  organisationName: string | null;
  emails: string[];
  phones: string[];
  openCaseCount: number;
  createdAt: string;
};

export type CustomerPage = { items: CustomerListItem[]; nextCursor: string | null };

export type CustomerIdentity = { id: string; kind: 'email' | 'phone' | 'chat' | 'external'; value: string };

export type CustomerDetail = {
  id: string;
  name: string;
  tier: CustomerTier;
  notes: string | null;
  organisationId: string | null;
  organisation?: { id: string; name: string; domain?: string | null } | null;
  identities: CustomerIdentity[];
  mergedIntoId: string | null;
  createdAt?: string;
  openCaseCount?: number;
  caseCount?: number;
};

export type TimelineItem =
  | { type: 'case'; caseId: string; number: number; subject: string; status: CaseStatus; channel: Channel; at: string }
  | {
      /** A message the customer sent ('contact'; the contract's first draft called it 'message'). */
      type: 'contact' | 'message';
      messageId?: string;
      caseId: string;
      number: number;
      subject?: string;
      channel: Channel;
      excerpt: string;
      at: string;
    };

export type TimelinePage = { items: TimelineItem[]; nextCursor: string | null };

/** What GET /api/stream sends as a `case` event. */
export type CaseChangeNotice = {
  caseId: string;
  number: number | string;
  version: number;
  teamId: string | null;
  assigneeId: string | null;
  kind: string;
};

// --- service standards (SLA) ----------------------------------------------------------------

export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Wall-clock "HH:MM" in the calendar's zone; an end not after the start runs overnight. */
export type OpeningInterval = { start: string; end: string };
/** A whole local date ("2026-12-25") or part of one. */
export type Holiday = string | { date: string; start: string; end: string };

export type SlaCalendar = {
  id: string;
  name: string;
  timeZone: string;
  weekly: Partial<Record<Weekday, OpeningInterval[]>>;
  holidays: Holiday[];
  createdAt: string;
  updatedAt: string;
};

export type HolidayImportResult = {
  calendar: SlaCalendar;
  added: number;
  holidays: unknown[];
  skipped: { uid: string | null; summary: string | null; reason: string }[];
};

export const SLA_TARGET_NAMES = ['firstReply', 'nextReply', 'periodicUpdate', 'resolution'] as const;
export type SlaTargetName = (typeof SLA_TARGET_NAMES)[number];
export type SlaTarget = { minutes: number; businessHours: boolean };
export type SlaTargets = Partial<Record<SlaTargetName, SlaTarget>>;
export type SlaWarning = { percentUsed: number } | { minutesLeft: number };

export type SlaConditions = {
  priorities?: CasePriority[];
  types?: CaseType[];
  channels?: Channel[];
  tiers?: CustomerTier[];
  organisationIds?: string[];
  teamIds?: string[];
  categoryIds?: string[];
  tags?: string[];
};

/** A policy's escalation rule: when a warning or the breach of a target (any if absent) is raised. */
export type SlaEscalationRule = {
  on: 'warning' | 'breach';
  target?: SlaTargetName;
  setPriority?: CasePriority;
  teamId?: string;
  addTags?: string[];
  notifyManagers?: boolean;
  markEscalated?: boolean;
};

export type SlaPolicy = {
  id: string;
  name: string;
  description: string | null;
  position: number;
  active: boolean;
  calendarId: string;
  conditions: SlaConditions;
  targets: SlaTargets;
  pauseOnHold: boolean;
  pauseOnDepartment: boolean;
  warnings: SlaWarning[];
  escalations: SlaEscalationRule[];
  createdAt: string;
  updatedAt: string;
};

export type SlaState = 'active' | 'paused' | 'achieved' | 'breached' | 'achieved_late';

export type SlaCycle = { startedAt: string; dueAt: string | null; achievedAt: string | null; state: SlaState };

export type SlaClock = SlaCycle & {
  targetMinutes: number;
  businessHours: boolean;
  elapsedMinutes: number;
  remainingMinutes: number;
  pausedIntervals: { from: string; to: string | null }[];
  cycles: SlaCycle[];
  alerts: { key: string; at: string | null; raised: boolean }[];
};

export type CaseSla = {
  policy: { id: string; name: string; calendarId: string } | null;
  targets: Record<SlaTargetName, SlaClock | null>;
};

// --- notifications --------------------------------------------------------------------------

export type AppNotification = {
  id: string;
  kind: string;
  caseId: string | null;
  title: string;
  data: Record<string, unknown>;
  createdAt: string;
  readAt: string | null;
};

export type NotificationList = { items: AppNotification[]; unread: number };
