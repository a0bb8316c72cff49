-- The case list's counts and walks for agents and team leaders test their case scope (team,
-- assignee, followed case ids: case-access.ts) on every candidate. With those columns in the
-- indexes the test runs on the index entry and an index-only scan never visits the table; before,
-- every candidate cost a heap page (an agent's five view counts read ~30,000 pages at 1,000,000
-- cases). Every case update already changes updated_at, so no update that was HOT becomes non-HOT.
drop index cases_status_updated_idx;
create index cases_status_updated_idx on cases (status, updated_at desc, id desc) include (team_id, assignee_id);
drop index cases_updated_idx;
create index cases_updated_idx on cases (updated_at desc, id desc) include (team_id, assignee_id);
drop index cases_assignee_status_idx;
create index cases_assignee_status_idx on cases (assignee_id, status) include (team_id, id);
