-- Threading looks up our own Message-IDs in the outbox too: an answer to a web form's
-- confirmation joins the case it confirmed (email/email.queries.ts, findCasesByMessageIds).
create index email_outbox_message_id_idx on email_outbox (message_id);
