-- Report rollups: each case's contributions to the metrics (docs/metrics.md), kept per case and
-- summed into quarter-hour buckets per dimension. Quarter hours, not hours, so that days, weeks and
-- months can be cut in any IANA zone, including those a quarter or half hour off UTC.

create table case_metric_facts (
  case_id uuid primary key references cases (id) on delete cascade,
  facts jsonb not null,
  updated_at timestamptz not null
);

create table metric_rollups (
  bucket timestamptz not null,
  metric text not null,
  team_id uuid,
  assignee_id uuid,
  channel text not null,
  category_id uuid,
  priority text not null,
  type text not null,
  count bigint not null,
  sum double precision not null
);
create unique index metric_rollups_key on metric_rollups (
  metric, bucket,
  coalesce(team_id, '00000000-0000-0000-0000-000000000000'::uuid),
  coalesce(assignee_id, '00000000-0000-0000-0000-000000000000'::uuid),
  channel,
  coalesce(category_id, '00000000-0000-0000-0000-000000000000'::uuid),
  priority, type
);
