-- Which form opened which case: a form's usual traffic by hour of week (channel health) is counted
-- from here, and a reply on the case goes out through the form's mailbox.
create table form_submissions (
  case_id uuid primary key references cases (id) on delete cascade,
  form_id uuid not null references forms (id) on delete cascade,
  submitted_at timestamptz not null
);
create index form_submissions_form_idx on form_submissions (form_id, submitted_at);
