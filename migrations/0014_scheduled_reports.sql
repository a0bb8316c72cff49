-- Scheduled reports: a manager sends a dashboard, with its filters, every day, week or month to
-- recipients, as a PDF with a written summary and CSV attachments, through the email outbox.

alter table email_outbox add column attachments jsonb not null default '[]';
alter table email_outbox drop constraint email_outbox_kind_check;
alter table email_outbox add constraint email_outbox_kind_check check (kind in ('reply', 'notification', 'report'));

create table report_schedules (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  owner_id uuid references users (id) on delete set null,
  dashboard text not null check (dashboard in ('operations', 'service_standards', 'team_performance', 'back_office')),
  filters jsonb not null default '{}',
  frequency text not null check (frequency in ('daily', 'weekly', 'monthly')),
  -- Local hour (in time_zone) the report goes out; weekly on weekday (1 = Monday), monthly on day_of_month.
  hour int not null check (hour between 0 and 23),
  weekday int check (weekday between 1 and 7),
  day_of_month int check (day_of_month between 1 and 28),
  time_zone text not null,
  recipients text[] not null,
  goal_percent int not null default 90 check (goal_percent between 1 and 100),
  active boolean not null default true,
  next_run_at timestamptz not null,
  last_run_at timestamptz,
  last_error text,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index report_schedules_due_idx on report_schedules (next_run_at) where active;
