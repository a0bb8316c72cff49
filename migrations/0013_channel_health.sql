-- Channel health: for each channel (a mailbox now; forms, chat and phone lines as they come) its
-- last inbound, sends and errors, and a state (ok, degraded, down, silent) whose changes are kept.

create table channel_health (
  channel_kind text not null check (channel_kind in ('mailbox', 'form')),
  channel_id uuid not null,
  state text not null default 'ok' check (state in ('ok', 'degraded', 'down', 'silent')),
  state_since timestamptz not null,
  reason text,
  last_inbound_at timestamptz,
  last_send_ok_at timestamptz,
  last_error_at timestamptz,
  last_error text,
  consecutive_errors int not null default 0,
  checked_at timestamptz,
  primary key (channel_kind, channel_id)
);

create table channel_health_events (
  id bigint generated always as identity primary key,
  channel_kind text not null,
  channel_id uuid not null,
  from_state text,
  to_state text not null,
  reason text,
  at timestamptz not null
);
create index channel_health_events_channel_idx on channel_health_events (channel_kind, channel_id, id);

-- The usual traffic of a mailbox by hour of week is counted from here.
create index email_messages_mailbox_received_idx on email_messages (mailbox_id, received_at) where direction = 'inbound';
