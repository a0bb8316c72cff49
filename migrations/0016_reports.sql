-- Escalation rate (docs/metrics.md) reads a new rollup fact, 'escalated', counted in the quarter
-- hour each escalated case was created. Cases escalated before this release get theirs here,
-- written as `frontline rollups rebuild` would write them (the same JSON as
-- src/modules/reports/metric-facts.ts, bucket in toISOString form), so that later changes to those
-- cases move the rollups by the right difference and the rollups keep equal to a rebuild.

with escalated as (
  select c.id as case_id, c.team_id, c.assignee_id, c.channel, c.category_id, c.priority, c.type,
         to_char(to_timestamp(floor(extract(epoch from c.created_at) / 900) * 900) at time zone 'UTC',
                 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as bucket
  from cases c
  where c.escalated_at is not null and c.merged_into_id is null
), stored as (
  update case_metric_facts f
  set facts = f.facts || jsonb_build_array(jsonb_build_object(
    'teamId', e.team_id, 'assigneeId', e.assignee_id, 'channel', e.channel, 'categoryId', e.category_id,
    'priority', e.priority, 'type', e.type, 'metric', 'escalated', 'bucket', e.bucket, 'count', 1, 'sum', 0))
  from escalated e
  where f.case_id = e.case_id
    and not exists (select 1 from jsonb_array_elements(f.facts) x where x->>'metric' = 'escalated')
  returning e.*
)
insert into metric_rollups as r (bucket, metric, team_id, assignee_id, channel, category_id, priority, type, count, sum)
select bucket::timestamptz, 'escalated', team_id, assignee_id, channel, category_id, priority, type, count(*), 0
from stored
group by bucket, team_id, assignee_id, channel, category_id, priority, type
on conflict (metric, bucket, coalesce(team_id, '00000000-0000-0000-0000-000000000000'::uuid),
             coalesce(assignee_id, '00000000-0000-0000-0000-000000000000'::uuid), channel,
             coalesce(category_id, '00000000-0000-0000-0000-000000000000'::uuid), priority, type)
do update set count = r.count + excluded.count;
