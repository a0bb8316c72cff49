-- Email channel: the mailboxes customers write to, the email side of case messages (headers for
-- threading and loop detection, the raw original), and automated mail that matched no case.

create table mailboxes (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  -- The address customers write to and our replies come from.
  address text not null,
  -- New cases from this mailbox go to this team.
  team_id uuid references teams (id) on delete set null,
  active boolean not null default true,
  -- The relay that posts inbound mail proves itself with this secret; only its SHA-256 is kept.
  inbound_secret_hash text not null,
  inbound_secret_prefix text not null,
  -- Outbound (SMTP) and polling (IMAP) settings, used by later channel work.
  smtp_settings jsonb,
  imap_settings jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index mailboxes_address_key on mailboxes (lower(address));

-- One row per case message that travelled by email, inbound or (later) outbound.
create table email_messages (
  case_message_id uuid primary key references case_messages (id) on delete cascade,
  mailbox_id uuid references mailboxes (id) on delete set null,
  direction text not null check (direction in ('inbound', 'outbound')),
  -- Message-ID without angle brackets; synthetic (hash of the raw bytes) when the sender gave none.
  message_id text not null,
  in_reply_to text[] not null default '{}',
  reference_ids text[] not null default '{}',
  from_address text,
  from_name text,
  to_addresses jsonb not null default '[]',
  cc_addresses jsonb not null default '[]',
  subject text not null default '',
  -- Auto-replies, bounces and bulk mail: kept on the case, but they change nothing.
  auto_submitted boolean not null default false,
  automated_kind text check (automated_kind in ('auto_reply', 'bounce', 'bulk')),
  -- How an inbound message found its case (or that it opened one).
  thread_match text check (thread_match in ('new_case', 'in_reply_to', 'references', 'subject_token', 'report', 'flood')),
  -- The text without quoted history, for display; case_messages keeps the full body.
  display_text text not null default '',
  raw_storage_key text,
  raw_size_bytes bigint,
  received_at timestamptz not null
);
create index email_messages_message_id_idx on email_messages (message_id);
-- Flood control counts the new cases one sender opened in one mailbox recently.
create index email_messages_new_case_idx on email_messages (mailbox_id, from_address, received_at desc) where thread_match = 'new_case';

-- Mail that is recorded but opens no case: automated mail that matched none, and mail from one
-- of our own addresses (a loop). Kept for diagnosis and for duplicate detection.
create table email_ignored (
  id uuid primary key default gen_random_uuid(),
  mailbox_id uuid not null references mailboxes (id) on delete cascade,
  message_id text not null,
  from_address text,
  subject text not null default '',
  reason text not null check (reason in ('automated_unmatched', 'own_address')),
  automated_kind text check (automated_kind in ('auto_reply', 'bounce', 'bulk')),
  raw_storage_key text not null,
  raw_size_bytes bigint not null,
  received_at timestamptz not null
);
create unique index email_ignored_message_key on email_ignored (message_id);
create index email_ignored_mailbox_idx on email_ignored (mailbox_id, received_at desc);
