-- Escalation: automatic rules on SLA policies and the manual "escalate to manager" action;
-- expected handling time per category, type and channel.

alter table sla_policies add column escalations jsonb not null default '[]';

alter table cases add column escalated_at timestamptz;
alter table cases add column escalation_reason text;
create index cases_escalated_idx on cases (escalated_at) where escalated_at is not null;

-- The usual business time to resolve, recomputed nightly from solved cases (docs/metrics.md).
create table handling_time_norms (
  category_id uuid references categories (id) on delete cascade,
  type text not null,
  channel text not null,
  sample_size int not null,
  median_minutes double precision not null,
  p80_minutes double precision not null,
  p90_minutes double precision not null,
  computed_at timestamptz not null
);
create unique index handling_time_norms_key on handling_time_norms (coalesce(category_id, '00000000-0000-0000-0000-000000000000'::uuid), type, channel);
