-- IMAP polling: each mailbox's poller records its last good poll and its run of failed ones
-- beside the send figures, so that channel health can call a mailbox whose polling fails
-- degraded, then down (docs/email.md, "IMAP polling").

alter table channel_health
  add column last_poll_ok_at timestamptz,
  add column last_poll_error_at timestamptz,
  add column last_poll_error text,
  add column consecutive_poll_errors int not null default 0;
