-- Cross-department requests: a case asks a department (billing, logistics…) for what it needs;
-- each request has a due time from the department's internal target (OLA) on its calendar.

alter table departments add column calendar_id uuid references business_calendars (id) on delete set null;

-- Internal targets per request type; request_type '*' is the department's default.
create table department_olas (
  department_id uuid not null references departments (id) on delete cascade,
  request_type text not null check (request_type ~ '^(\*|[a-z][a-z0-9_]{0,49})$'),
  answer_minutes int not null check (answer_minutes between 1 and 525600),
  business_hours boolean not null default true,
  primary key (department_id, request_type)
);

-- Whether an open department request pauses the case's SLA clocks ("waiting on department").
alter table sla_policies add column pause_on_department boolean not null default false;

create sequence department_request_number_seq start with 1;

create table department_requests (
  id uuid primary key default gen_random_uuid(),
  number bigint not null unique default nextval('department_request_number_seq'),
  case_id uuid not null references cases (id) on delete cascade,
  department_id uuid not null references departments (id) on delete restrict,
  request_type text not null,
  question text not null,
  expected_answer text,
  -- What the department may see of the case: the subject and requester name always, these
  -- messages only.
  shared_message_ids uuid[] not null default '{}',
  status text not null check (status in ('open', 'clarification_requested', 'answered', 'declined', 'cancelled')),
  assignee_id uuid references users (id) on delete set null,
  requested_by_id uuid references users (id) on delete set null,
  ola_minutes int not null,
  ola_business_hours boolean not null,
  created_at timestamptz not null,
  due_at timestamptz not null,
  -- First time the department responded at all (an answer, a clarification question or a decline).
  first_response_at timestamptz,
  -- Answered, declined or cancelled.
  completed_at timestamptz,
  answer text,
  decline_reason text,
  -- When the assignee (or the department) is reminded: 75 % of the OLA used.
  remind_at timestamptz not null,
  reminded_at timestamptz,
  escalated_at timestamptz,
  version int not null default 1,
  updated_at timestamptz not null
);
create index department_requests_case_idx on department_requests (case_id);
create index department_requests_queue_idx on department_requests (department_id, status, due_at);
create index department_requests_open_due_idx on department_requests (due_at) where status in ('open', 'clarification_requested');
create index department_requests_remind_idx on department_requests (remind_at) where reminded_at is null and status in ('open', 'clarification_requested');

create table department_request_events (
  id bigint generated always as identity primary key,
  request_id uuid not null references department_requests (id) on delete cascade,
  actor_user_id uuid references users (id) on delete set null,
  kind text not null,
  body text,
  data jsonb not null default '{}',
  at timestamptz not null
);
create index department_request_events_request_idx on department_request_events (request_id, id);
