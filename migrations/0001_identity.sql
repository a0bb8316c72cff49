-- Identity and access: staff users, teams, departments, sessions, API tokens, first-run setup,
-- login throttling and the administrative audit trail.

create table users (
  id uuid primary key default gen_random_uuid(),
  email text not null,
  name text not null,
  role text not null check (role in ('admin', 'manager', 'team_leader', 'agent', 'qa_analyst', 'wfm_planner', 'back_office', 'executive')),
  password_hash text,
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  last_login_at timestamptz
);
create unique index users_email_key on users (lower(email));

create table teams (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  description text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index teams_name_key on teams (lower(name));

create table team_members (
  team_id uuid not null references teams (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  membership text not null default 'member' check (membership in ('member', 'leader')),
  created_at timestamptz not null default now(),
  primary key (team_id, user_id)
);
create index team_members_user_idx on team_members (user_id);

create table departments (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  description text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index departments_name_key on departments (lower(name));

create table department_members (
  department_id uuid not null references departments (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  membership text not null default 'member' check (membership in ('member', 'head')),
  created_at timestamptz not null default now(),
  primary key (department_id, user_id)
);
create index department_members_user_idx on department_members (user_id);
-- A department has at most one head.
create unique index department_members_one_head on department_members (department_id) where membership = 'head';

create table sessions (
  id_hash text primary key,
  user_id uuid not null references users (id) on delete cascade,
  csrf_token text not null,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  last_seen_at timestamptz not null,
  ip text,
  user_agent text
);
create index sessions_user_idx on sessions (user_id);
create index sessions_expires_idx on sessions (expires_at);

create table api_tokens (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  name text not null,
  prefix text not null,
  token_hash text not null unique,
  created_at timestamptz not null,
  last_used_at timestamptz,
  expires_at timestamptz,
  revoked_at timestamptz
);
create index api_tokens_user_idx on api_tokens (user_id);

create table setup_tokens (
  token_hash text primary key,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at timestamptz
);

create table login_attempts (
  id bigint generated always as identity primary key,
  email text not null,
  ip text not null,
  succeeded boolean not null,
  attempted_at timestamptz not null
);
create index login_attempts_email_idx on login_attempts (lower(email), attempted_at);
create index login_attempts_ip_idx on login_attempts (ip, attempted_at);

create table audit_events (
  id bigint generated always as identity primary key,
  actor_id uuid references users (id) on delete set null,
  action text not null,
  subject_type text not null,
  subject_id text not null,
  before jsonb,
  after jsonb,
  at timestamptz not null
);
create index audit_events_subject_idx on audit_events (subject_type, subject_id, id);
create index audit_events_at_idx on audit_events (at, id);
