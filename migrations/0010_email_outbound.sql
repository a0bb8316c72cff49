-- Outbound email: a transactional outbox. A reply (or a staff notification) is written here in
-- the same transaction as the message it carries, so an accepted reply is never lost; workers
-- send what is due, retry with backoff, and mark the result.

alter table mailboxes add column notify_staff boolean not null default false;

create table email_outbox (
  id uuid primary key default gen_random_uuid(),
  kind text not null check (kind in ('reply', 'notification')),
  case_id uuid references cases (id) on delete cascade,
  case_message_id uuid references case_messages (id) on delete cascade,
  mailbox_id uuid references mailboxes (id) on delete set null,
  from_address text not null,
  to_address text not null,
  subject text not null,
  body_text text not null,
  body_html text,
  message_id text not null,
  in_reply_to text,
  reference_ids text[] not null default '{}',
  status text not null default 'queued' check (status in ('queued', 'sending', 'sent', 'failed')),
  attempts int not null default 0,
  next_attempt_at timestamptz not null,
  last_error text,
  sent_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index email_outbox_due_idx on email_outbox (next_attempt_at) where status = 'queued';
create index email_outbox_sending_idx on email_outbox (updated_at) where status = 'sending';
create index email_outbox_case_idx on email_outbox (case_id, created_at);
