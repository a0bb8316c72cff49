-- Service standards: business calendars, SLA policies, each case's live targets, the alerts raised
-- for them (once each), and in-app notifications.

create table business_calendars (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  time_zone text not null,
  -- { "monday": [{ "start": "09:00", "end": "17:00" }], ... }; an absent day is closed.
  weekly jsonb not null,
  -- ["2026-12-25", { "date": "2026-12-24", "start": "12:00", "end": "24:00" }, ...]
  holidays jsonb not null default '[]',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index business_calendars_name_key on business_calendars (lower(name));

create table sla_policies (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  description text,
  -- Policies are tried in this order; the first whose conditions all hold applies.
  position int not null,
  active boolean not null default true,
  calendar_id uuid not null references business_calendars (id) on delete restrict,
  conditions jsonb not null default '{}',
  targets jsonb not null,
  pause_on_hold boolean not null default false,
  warnings jsonb not null default '[{"percentUsed": 75}, {"minutesLeft": 15}]',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index sla_policies_name_key on sla_policies (lower(name));

alter table cases add column sla_policy_id uuid references sla_policies (id) on delete set null;

-- The latest cycle of each target of each case, as the clock computed it at evaluated_at.
create table case_sla_targets (
  case_id uuid not null references cases (id) on delete cascade,
  target text not null check (target in ('firstReply', 'nextReply', 'periodicUpdate', 'resolution')),
  policy_id uuid references sla_policies (id) on delete set null,
  state text not null check (state in ('active', 'paused', 'achieved', 'breached', 'achieved_late')),
  cycle_started_at timestamptz not null,
  due_at timestamptz,
  achieved_at timestamptz,
  target_minutes int not null,
  business_hours boolean not null,
  remaining_minutes double precision not null,
  -- The earliest warning or breach of this cycle not yet raised; the SLA scan looks here.
  next_alert_at timestamptz,
  evaluated_at timestamptz not null,
  primary key (case_id, target)
);
create index case_sla_targets_next_alert_idx on case_sla_targets (next_alert_at) where next_alert_at is not null;
create index case_sla_targets_due_idx on case_sla_targets (due_at) where state in ('active', 'breached');

-- One row per alert ever raised: the key that makes each warning and breach happen exactly once,
-- however many workers scan at the same moment.
create table sla_alerts (
  case_id uuid not null references cases (id) on delete cascade,
  target text not null,
  cycle_started_at timestamptz not null,
  alert text not null,
  due_at timestamptz,
  raised_at timestamptz not null,
  primary key (case_id, target, cycle_started_at, alert)
);

create table notifications (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  kind text not null,
  case_id uuid references cases (id) on delete cascade,
  title text not null,
  data jsonb not null default '{}',
  created_at timestamptz not null,
  read_at timestamptz
);
create index notifications_user_idx on notifications (user_id, created_at desc);
create index notifications_unread_idx on notifications (user_id) where read_at is null;

-- Cases whose targets must be recomputed because a calendar or policy changed; the SLA scan
-- drains it in batches.
create table sla_refresh_queue (
  case_id uuid primary key references cases (id) on delete cascade,
  queued_at timestamptz not null
);
