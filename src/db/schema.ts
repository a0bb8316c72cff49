// Kysely table types, written by hand to match migrations/. Keep in step with every migration.
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

export type Role = 'admin' | 'manager' | 'team_leader' | 'agent' | 'qa_analyst' | 'wfm_planner' | 'back_office' | 'executive';

export type UsersTable = {
  id: Generated<string>;
  email: string;
  name: string;
  role: Role;
  password_hash: string | null;
  active: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  last_login_at: Timestamp | null;
  available: Generated<boolean>;
};

export type TeamsTable = {
  id: Generated<string>;
  name: string;
  description: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export type TeamMembersTable = {
  team_id: string;
  user_id: string;
  membership: ColumnType<'member' | 'leader', 'member' | 'leader' | undefined>;
  created_at: CreatedAt;
};

export type DepartmentsTable = TeamsTable & { calendar_id: ColumnType<string | null, string | null | undefined, string | null> };

export type DepartmentMembersTable = {
  department_id: string;
  user_id: string;
  membership: ColumnType<'member' | 'head', 'member' | 'head' | undefined>;
  created_at: CreatedAt;
};

export type SessionsTable = {
  id_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  last_seen_at: Timestamp;
  ip: string | null;
  user_agent: string | null;
};

export type ApiTokensTable = {
  id: Generated<string>;
  user_id: string;
  name: string;
  prefix: string;
  token_hash: string;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
};

export type SetupTokensTable = {
  token_hash: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
};

export type LoginAttemptsTable = {
  id: Generated<string>;
  email: string;
  ip: string;
  succeeded: boolean;
  attempted_at: Timestamp;
};

export type AuditEventsTable = {
  id: Generated<string>;
  actor_id: string | null;
  action: string;
  subject_type: string;
  subject_id: string;
  before: unknown;
  after: unknown;
  at: Timestamp;
};

export type CaseType = 'question' | 'complaint' | 'service_request' | 'incident';
export type CaseStatus = 'new' | 'open' | 'pending' | 'on_hold' | 'solved' | 'closed';
export type CasePriority = 'low' | 'normal' | 'high' | 'urgent';
export type Channel = 'email' | 'web' | 'portal' | 'chat' | 'phone' | 'sms' | 'messaging' | 'walk_in' | 'api' | 'internal';
export type CustomerTier = 'standard' | 'priority' | 'vip';
export type IdentityKind = 'email' | 'phone' | 'chat' | 'external';
export type MessageKind = 'customer' | 'reply' | 'note';

export type OrganisationsTable = {
  id: Generated<string>;
  name: string;
  domain: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export type CustomersTable = {
  id: Generated<string>;
  name: Generated<string>;
  organisation_id: string | null;
  tier: Generated<CustomerTier>;
  notes: string | null;
  merged_into_id: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export type CustomerIdentitiesTable = {
  id: Generated<string>;
  customer_id: string;
  kind: IdentityKind;
  value: string;
  created_at: CreatedAt;
};

export type CustomerEventsTable = {
  id: Generated<string>;
  customer_id: string;
  actor_user_id: string | null;
  kind: string;
  before: unknown;
  after: unknown;
  at: Timestamp;
};

export type CategoriesTable = {
  id: Generated<string>;
  parent_id: string | null;
  name: string;
  active: Generated<boolean>;
  created_at: CreatedAt;
};

export type CustomFieldKind = 'text' | 'number' | 'dropdown' | 'date' | 'checkbox';

export type CustomFieldsTable = {
  id: Generated<string>;
  key: string;
  label: string;
  kind: CustomFieldKind;
  options: ColumnType<string[], string | undefined, string>;
  required: Generated<boolean>;
  active: Generated<boolean>;
  position: Generated<number>;
  created_at: CreatedAt;
};

export type CasesTable = {
  id: Generated<string>;
  number: Generated<string>;
  subject: string;
  type: Generated<CaseType>;
  status: Generated<CaseStatus>;
  priority: Generated<CasePriority>;
  category_id: string | null;
  tags: Generated<string[]>;
  channel: Generated<Channel>;
  requester_id: string;
  team_id: string | null;
  assignee_id: string | null;
  custom_fields: ColumnType<Record<string, unknown>, string | undefined, string>;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
  first_public_reply_at: Timestamp | null;
  last_customer_message_at: Timestamp | null;
  last_public_reply_at: Timestamp | null;
  solved_at: Timestamp | null;
  closed_at: Timestamp | null;
  reopen_count: Generated<number>;
  public_reply_count: Generated<number>;
  customer_message_count: Generated<number>;
  follow_up_of_id: string | null;
  merged_into_id: string | null;
  search: Generated<string>;
  sla_policy_id: ColumnType<string | null, string | null | undefined, string | null>;
  escalated_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  escalation_reason: ColumnType<string | null, string | null | undefined, string | null>;
};

export type CaseFollowersTable = { case_id: string; user_id: string; created_at: CreatedAt };

export type CaseMessagesTable = {
  id: Generated<string>;
  seq: Generated<string>;
  case_id: string;
  kind: MessageKind;
  author_user_id: string | null;
  author_customer_id: string | null;
  channel: Channel;
  body_text: string;
  body_html: string | null;
  external_id: string | null;
  created_at: Timestamp;
};

export type AttachmentsTable = {
  id: Generated<string>;
  seq: Generated<string>;
  message_id: string;
  filename: string;
  content_type: string;
  size_bytes: string;
  sha256: string;
  storage_key: string;
  created_at: CreatedAt;
};

export type CaseEventsTable = {
  id: Generated<string>;
  case_id: string;
  actor_kind: 'user' | 'customer' | 'system';
  actor_user_id: string | null;
  actor_customer_id: string | null;
  kind: string;
  before: unknown;
  after: unknown;
  at: Timestamp;
};

export type CaseLinkKind = 'related' | 'duplicate_of' | 'parent_of' | 'child_of' | 'follow_up_of' | 'merged_into' | 'merged_from';

export type CaseLinksTable = { case_id: string; other_case_id: string; kind: CaseLinkKind; created_at: CreatedAt };

export type ViewsTable = {
  id: Generated<string>;
  name: string;
  owner_id: string | null;
  filters: ColumnType<Record<string, unknown>, string | undefined, string>;
  sort: Generated<string>;
  position: Generated<number>;
  built_in: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export type MacrosTable = {
  id: Generated<string>;
  name: string;
  description: string | null;
  owner_id: string | null;
  actions: ColumnType<Record<string, unknown>, string | undefined, string>;
  reply_body: string | null;
  reply_kind: Generated<'reply' | 'note'>;
  active: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export type IdempotencyKeysTable = {
  actor_id: string;
  route: string;
  key: string;
  request_hash: string;
  status_code: number | null;
  response: unknown;
  created_at: Timestamp;
};

export type TeamAssignmentCursorTable = { team_id: string; last_user_id: string | null; updated_at: UpdatedAt };

export type SchemaMigrationsTable = {
  name: string;
  checksum: string;
  applied_at: CreatedAt;
};

export type BusinessCalendarsTable = {
  id: Generated<string>;
  name: string;
  time_zone: string;
  weekly: ColumnType<Record<string, { start: string; end: string }[]>, string, string>;
  holidays: ColumnType<(string | { date: string; start: string; end: string })[], string | undefined, string>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export type SlaPoliciesTable = {
  id: Generated<string>;
  name: string;
  description: string | null;
  position: number;
  active: Generated<boolean>;
  calendar_id: string;
  conditions: ColumnType<Record<string, unknown>, string | undefined, string>;
  targets: ColumnType<Record<string, { minutes: number; businessHours: boolean }>, string, string>;
  pause_on_hold: Generated<boolean>;
  warnings: ColumnType<({ percentUsed: number } | { minutesLeft: number })[], string | undefined, string>;
  pause_on_department: Generated<boolean>;
  escalations: ColumnType<unknown[], string | undefined, string>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export type SlaTargetState = 'active' | 'paused' | 'achieved' | 'breached' | 'achieved_late';

export type CaseSlaTargetsTable = {
  case_id: string;
  target: 'firstReply' | 'nextReply' | 'periodicUpdate' | 'resolution';
  policy_id: string | null;
  state: SlaTargetState;
  cycle_started_at: Timestamp;
  due_at: Timestamp | null;
  achieved_at: Timestamp | null;
  target_minutes: number;
  business_hours: boolean;
  remaining_minutes: number;
  next_alert_at: Timestamp | null;
  evaluated_at: Timestamp;
};

export type SlaAlertsTable = {
  case_id: string;
  target: string;
  cycle_started_at: Timestamp;
  alert: string;
  due_at: Timestamp | null;
  raised_at: Timestamp;
};

export type SlaRefreshQueueTable = { case_id: string; queued_at: Timestamp };

export type DepartmentRequestStatus = 'open' | 'clarification_requested' | 'answered' | 'declined' | 'cancelled';

export type DepartmentOlasTable = {
  department_id: string;
  request_type: string;
  answer_minutes: number;
  business_hours: Generated<boolean>;
};

export type DepartmentRequestsTable = {
  id: Generated<string>;
  number: Generated<string>;
  case_id: string;
  department_id: string;
  request_type: string;
  question: string;
  expected_answer: string | null;
  shared_message_ids: ColumnType<string[], string[] | undefined, string[]>;
  status: DepartmentRequestStatus;
  assignee_id: string | null;
  requested_by_id: string | null;
  ola_minutes: number;
  ola_business_hours: boolean;
  created_at: Timestamp;
  due_at: Timestamp;
  first_response_at: Timestamp | null;
  completed_at: Timestamp | null;
  answer: string | null;
  decline_reason: string | null;
  remind_at: Timestamp;
  reminded_at: Timestamp | null;
  escalated_at: Timestamp | null;
  version: Generated<number>;
  updated_at: Timestamp;
};

export type DepartmentRequestEventsTable = {
  id: Generated<string>;
  request_id: string;
  actor_user_id: string | null;
  kind: string;
  body: string | null;
  data: ColumnType<Record<string, unknown>, string | undefined, string>;
  at: Timestamp;
};

export type HandlingTimeNormsTable = {
  category_id: string | null;
  type: string;
  channel: string;
  sample_size: number;
  median_minutes: number;
  p80_minutes: number;
  p90_minutes: number;
  computed_at: Timestamp;
};

export type EmailOutboxTable = {
  id: Generated<string>;
  kind: 'reply' | 'notification' | 'report';
  case_id: string | null;
  case_message_id: string | null;
  mailbox_id: string | null;
  from_address: string;
  to_address: string;
  subject: string;
  body_text: string;
  body_html: string | null;
  message_id: string;
  in_reply_to: string | null;
  reference_ids: ColumnType<string[], string[] | undefined, string[]>;
  status: Generated<'queued' | 'sending' | 'sent' | 'failed'>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  last_error: string | null;
  sent_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  attachments: ColumnType<{ filename: string; contentType: string; storageKey: string }[], string | undefined, string>;
};

export type ReportSchedulesTable = {
  id: Generated<string>;
  name: string;
  owner_id: string | null;
  dashboard: 'operations' | 'service_standards' | 'team_performance' | 'back_office';
  filters: ColumnType<Record<string, string>, string | undefined, string>;
  frequency: 'daily' | 'weekly' | 'monthly';
  hour: number;
  weekday: number | null;
  day_of_month: number | null;
  time_zone: string;
  recipients: string[];
  goal_percent: Generated<number>;
  active: Generated<boolean>;
  next_run_at: Timestamp;
  last_run_at: Timestamp | null;
  last_error: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
};

export type FormsTable = {
  id: Generated<string>;
  name: string;
  slug: string;
  active: Generated<boolean>;
  mailbox_id: string | null;
  team_id: string | null;
  fields: ColumnType<unknown[], string, string>;
  category_field: string | null;
  category_map: ColumnType<Record<string, string>, string | undefined, string>;
  confirmation_text: string;
  created_at: Timestamp;
  updated_at: Timestamp;
};

/** Which form opened which case (a form channel's traffic, and the mailbox its replies use). */
export type FormSubmissionsTable = { case_id: string; form_id: string; submitted_at: Timestamp };

export type PublicRateEventsTable = { id: Generated<string>; scope: string; key: string; at: Timestamp };

export type PortalLoginTokensTable = {
  id: Generated<string>;
  customer_id: string;
  token_hash: string;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: Timestamp;
};

export type PortalSessionsTable = {
  id: Generated<string>;
  customer_id: string;
  secret_hash: string;
  expires_at: Timestamp;
  created_at: Timestamp;
};

export type CaseMetricFactsTable = { case_id: string; facts: ColumnType<unknown[], string, string>; updated_at: Timestamp };

export type MetricRollupsTable = {
  bucket: Timestamp;
  metric: string;
  team_id: string | null;
  assignee_id: string | null;
  channel: string;
  category_id: string | null;
  priority: string;
  type: string;
  count: ColumnType<string, number | string, number | string>;
  sum: number;
};

export type ChannelKind = 'mailbox' | 'form';
export type ChannelState = 'ok' | 'degraded' | 'down' | 'silent';

export type ChannelHealthTable = {
  channel_kind: ChannelKind;
  channel_id: string;
  state: Generated<ChannelState>;
  state_since: Timestamp;
  reason: string | null;
  last_inbound_at: Timestamp | null;
  last_send_ok_at: Timestamp | null;
  last_error_at: Timestamp | null;
  last_error: string | null;
  consecutive_errors: Generated<number>;
  checked_at: Timestamp | null;
  last_poll_ok_at: Timestamp | null;
  last_poll_error_at: Timestamp | null;
  last_poll_error: string | null;
  consecutive_poll_errors: Generated<number>;
};

export type ChannelHealthEventsTable = {
  id: Generated<string>;
  channel_kind: ChannelKind;
  channel_id: string;
  from_state: ChannelState | null;
  to_state: ChannelState;
  reason: string | null;
  at: Timestamp;
};

export type NotificationsTable = {
  id: Generated<string>;
  user_id: string;
  kind: string;
  case_id: string | null;
  title: string;
  data: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: Timestamp;
  read_at: Timestamp | null;
};

export type MailboxSettings = Record<string, unknown>;

export type MailboxesTable = {
  id: Generated<string>;
  name: string;
  address: string;
  team_id: string | null;
  active: Generated<boolean>;
  inbound_secret_hash: string;
  inbound_secret_prefix: string;
  smtp_settings: ColumnType<MailboxSettings | null, string | null | undefined, string | null>;
  imap_settings: ColumnType<MailboxSettings | null, string | null | undefined, string | null>;
  notify_staff: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export type EmailAutomatedKind = 'auto_reply' | 'bounce' | 'bulk';
export type EmailThreadMatch = 'new_case' | 'in_reply_to' | 'references' | 'subject_token' | 'report' | 'flood';
export type EmailAddressJson = { address: string; name: string };

export type EmailMessagesTable = {
  case_message_id: string;
  mailbox_id: string | null;
  direction: 'inbound' | 'outbound';
  message_id: string;
  in_reply_to: ColumnType<string[], string[] | undefined, string[]>;
  reference_ids: ColumnType<string[], string[] | undefined, string[]>;
  from_address: string | null;
  from_name: string | null;
  to_addresses: ColumnType<EmailAddressJson[], string | undefined, string>;
  cc_addresses: ColumnType<EmailAddressJson[], string | undefined, string>;
  subject: Generated<string>;
  auto_submitted: Generated<boolean>;
  automated_kind: EmailAutomatedKind | null;
  thread_match: EmailThreadMatch | null;
  display_text: Generated<string>;
  raw_storage_key: string | null;
  raw_size_bytes: ColumnType<string | null, number | string | null | undefined, number | string | null>;
  received_at: Timestamp;
};

export type EmailIgnoredTable = {
  id: Generated<string>;
  mailbox_id: string;
  message_id: string;
  from_address: string | null;
  subject: Generated<string>;
  reason: 'automated_unmatched' | 'own_address';
  automated_kind: EmailAutomatedKind | null;
  raw_storage_key: string;
  raw_size_bytes: ColumnType<string, number | string, number | string>;
  received_at: Timestamp;
};

export type DB = {
  mailboxes: MailboxesTable;
  email_messages: EmailMessagesTable;
  email_ignored: EmailIgnoredTable;
  users: UsersTable;
  teams: TeamsTable;
  team_members: TeamMembersTable;
  departments: DepartmentsTable;
  department_members: DepartmentMembersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  setup_tokens: SetupTokensTable;
  login_attempts: LoginAttemptsTable;
  audit_events: AuditEventsTable;
  schema_migrations: SchemaMigrationsTable;
  organisations: OrganisationsTable;
  customers: CustomersTable;
  customer_identities: CustomerIdentitiesTable;
  customer_events: CustomerEventsTable;
  categories: CategoriesTable;
  custom_fields: CustomFieldsTable;
  cases: CasesTable;
  case_followers: CaseFollowersTable;
  case_messages: CaseMessagesTable;
  attachments: AttachmentsTable;
  case_events: CaseEventsTable;
  case_links: CaseLinksTable;
  views: ViewsTable;
  macros: MacrosTable;
  idempotency_keys: IdempotencyKeysTable;
  team_assignment_cursor: TeamAssignmentCursorTable;
  business_calendars: BusinessCalendarsTable;
  sla_policies: SlaPoliciesTable;
  case_sla_targets: CaseSlaTargetsTable;
  sla_alerts: SlaAlertsTable;
  notifications: NotificationsTable;
  sla_refresh_queue: SlaRefreshQueueTable;
  department_olas: DepartmentOlasTable;
  department_requests: DepartmentRequestsTable;
  department_request_events: DepartmentRequestEventsTable;
  handling_time_norms: HandlingTimeNormsTable;
  email_outbox: EmailOutboxTable;
  forms: FormsTable;
  form_submissions: FormSubmissionsTable;
  public_rate_events: PublicRateEventsTable;
  portal_login_tokens: PortalLoginTokensTable;
  portal_sessions: PortalSessionsTable;
  case_metric_facts: CaseMetricFactsTable;
  metric_rollups: MetricRollupsTable;
  channel_health: ChannelHealthTable;
  channel_health_events: ChannelHealthEventsTable;
  report_schedules: ReportSchedulesTable;
};

export type UserRow = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
