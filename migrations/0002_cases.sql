-- Case management: customers and organisations, cases, conversation, event log, categories,
-- custom fields, links, followers, saved views, macros, idempotent POSTs, agent availability.

alter table users add column available boolean not null default true;

create table organisations (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  domain text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index organisations_name_key on organisations (lower(name));

create table customers (
  id uuid primary key default gen_random_uuid(),
  name text not null default '',
  organisation_id uuid references organisations (id) on delete set null,
  tier text not null default 'standard' check (tier in ('standard', 'priority', 'vip')),
  notes text,
  merged_into_id uuid references customers (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index customers_organisation_idx on customers (organisation_id);
create index customers_name_idx on customers (lower(name));

-- How a customer is recognised on each channel. Values are stored normalised (emails lower-case).
create table customer_identities (
  id uuid primary key default gen_random_uuid(),
  customer_id uuid not null references customers (id) on delete cascade,
  kind text not null check (kind in ('email', 'phone', 'chat', 'external')),
  value text not null,
  created_at timestamptz not null default now()
);
create unique index customer_identities_value_key on customer_identities (kind, value);
create index customer_identities_customer_idx on customer_identities (customer_id);

create table customer_events (
  id bigint generated always as identity primary key,
  customer_id uuid not null references customers (id) on delete cascade,
  actor_user_id uuid references users (id) on delete set null,
  kind text not null,
  before jsonb,
  after jsonb,
  at timestamptz not null
);
create index customer_events_customer_idx on customer_events (customer_id, id);

create table categories (
  id uuid primary key default gen_random_uuid(),
  parent_id uuid references categories (id) on delete restrict,
  name text not null,
  active boolean not null default true,
  created_at timestamptz not null default now()
);
create unique index categories_sibling_name_key on categories (coalesce(parent_id, '00000000-0000-0000-0000-000000000000'::uuid), lower(name));

create table custom_fields (
  id uuid primary key default gen_random_uuid(),
  key text not null unique check (key ~ '^[a-z][a-z0-9_]{0,62}$'),
  label text not null,
  kind text not null check (kind in ('text', 'number', 'dropdown', 'date', 'checkbox')),
  options jsonb not null default '[]',
  required boolean not null default false,
  active boolean not null default true,
  position int not null default 0,
  created_at timestamptz not null default now()
);

create sequence case_number_seq start with 1001;

create table cases (
  id uuid primary key default gen_random_uuid(),
  number bigint not null unique default nextval('case_number_seq'),
  subject text not null,
  type text not null default 'question' check (type in ('question', 'complaint', 'service_request', 'incident')),
  status text not null default 'new' check (status in ('new', 'open', 'pending', 'on_hold', 'solved', 'closed')),
  priority text not null default 'normal' check (priority in ('low', 'normal', 'high', 'urgent')),
  category_id uuid references categories (id) on delete set null,
  tags text[] not null default '{}',
  channel text not null default 'api' check (channel in ('email', 'web', 'portal', 'chat', 'phone', 'sms', 'messaging', 'walk_in', 'api', 'internal')),
  requester_id uuid not null references customers (id),
  team_id uuid references teams (id) on delete set null,
  assignee_id uuid references users (id) on delete set null,
  custom_fields jsonb not null default '{}',
  version int not null default 1,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  -- Timestamps and counters the metrics need (docs/metrics.md).
  first_public_reply_at timestamptz,
  last_customer_message_at timestamptz,
  last_public_reply_at timestamptz,
  solved_at timestamptz,
  closed_at timestamptz,
  reopen_count int not null default 0,
  public_reply_count int not null default 0,
  customer_message_count int not null default 0,
  follow_up_of_id uuid references cases (id),
  merged_into_id uuid references cases (id),
  search tsvector not null default ''::tsvector
);
create index cases_status_updated_idx on cases (status, updated_at desc, id desc);
create index cases_updated_idx on cases (updated_at desc, id desc);
create index cases_created_idx on cases (created_at desc, id desc);
create index cases_assignee_status_idx on cases (assignee_id, status);
create index cases_team_status_idx on cases (team_id, status);
create index cases_requester_idx on cases (requester_id, created_at desc);
create index cases_tags_idx on cases using gin (tags);
create index cases_search_idx on cases using gin (search);
create index cases_solved_idx on cases (solved_at) where status = 'solved';

create table case_followers (
  case_id uuid not null references cases (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (case_id, user_id)
);
create index case_followers_user_idx on case_followers (user_id);

create table case_messages (
  id uuid primary key default gen_random_uuid(),
  -- Insertion order, to order messages written in the same instant.
  seq bigint generated always as identity,
  case_id uuid not null references cases (id) on delete cascade,
  kind text not null check (kind in ('customer', 'reply', 'note')),
  author_user_id uuid references users (id) on delete set null,
  author_customer_id uuid references customers (id) on delete set null,
  channel text not null,
  body_text text not null,
  body_html text,
  -- The identity of the message in the outside world (email Message-ID, chat message id…).
  external_id text,
  created_at timestamptz not null
);
create index case_messages_case_idx on case_messages (case_id, created_at, seq);
create unique index case_messages_external_key on case_messages (channel, external_id) where external_id is not null;

create table attachments (
  id uuid primary key default gen_random_uuid(),
  seq bigint generated always as identity,
  message_id uuid not null references case_messages (id) on delete cascade,
  filename text not null,
  content_type text not null,
  size_bytes bigint not null,
  sha256 text not null,
  storage_key text not null,
  created_at timestamptz not null default now()
);
create index attachments_message_idx on attachments (message_id);

-- The audit trail of every case change, written in the change's transaction; metrics read it.
create table case_events (
  id bigint generated always as identity primary key,
  case_id uuid not null references cases (id) on delete cascade,
  actor_kind text not null check (actor_kind in ('user', 'customer', 'system')),
  actor_user_id uuid references users (id) on delete set null,
  actor_customer_id uuid references customers (id) on delete set null,
  kind text not null,
  before jsonb,
  after jsonb,
  at timestamptz not null
);
create index case_events_case_idx on case_events (case_id, id);
create index case_events_at_idx on case_events (at, id);
create index case_events_kind_at_idx on case_events (kind, at);

create table case_links (
  case_id uuid not null references cases (id) on delete cascade,
  other_case_id uuid not null references cases (id) on delete cascade,
  kind text not null check (kind in ('related', 'duplicate_of', 'parent_of', 'child_of', 'follow_up_of', 'merged_into', 'merged_from')),
  created_at timestamptz not null default now(),
  primary key (case_id, other_case_id, kind),
  check (case_id <> other_case_id)
);

create table views (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  -- null: shared with everyone; otherwise personal to this user.
  owner_id uuid references users (id) on delete cascade,
  filters jsonb not null default '{}',
  sort text not null default 'updated_desc',
  position int not null default 0,
  built_in text unique,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index views_owner_idx on views (owner_id);

create table macros (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  description text,
  owner_id uuid references users (id) on delete cascade,
  -- Field changes: { status?, priority?, type?, teamId?, assigneeId?, addTags?, removeTags? }.
  actions jsonb not null default '{}',
  reply_body text,
  reply_kind text not null default 'reply' check (reply_kind in ('reply', 'note')),
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Remembered answers of POSTs sent with an Idempotency-Key, so a retry gets the same answer.
create table idempotency_keys (
  actor_id uuid not null,
  route text not null,
  key text not null,
  request_hash text not null,
  status_code int,
  response jsonb,
  created_at timestamptz not null,
  primary key (actor_id, route, key)
);
create index idempotency_keys_created_idx on idempotency_keys (created_at);

create table team_assignment_cursor (
  team_id uuid primary key references teams (id) on delete cascade,
  last_user_id uuid,
  updated_at timestamptz not null default now()
);
