-- The backlog at a moment looks only at cases open now or solved since that moment
-- (reports/metrics.ts, openAt): this index finds the second kind, solved or closed after an instant.
create index cases_done_solved_idx on cases (solved_at) where status in ('solved', 'closed');
