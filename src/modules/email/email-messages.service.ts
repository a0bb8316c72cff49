// Reading the email side of a case message: its headers, the text without quoted history, and
// the raw original as received. Whoever may read the case may read these.
import type { EmailAddressJson, EmailAutomatedKind, EmailThreadMatch } from '../../db/schema.js';
import type { ServiceContext } from '../../lib/context.js';
import { AppError } from '../../lib/errors.js';
import { createDirectoryFileStore } from '../../lib/file-store.js';
import type { Actor } from '../auth/permissions.js';
import { getCase } from '../cases/cases.service.js';
import { findEmailOfMessage } from './email.queries.js';

export type EmailDetailsView = {
  caseMessageId: string;
  caseId: string;
  mailboxId: string | null;
  direction: 'inbound' | 'outbound';
  messageId: string;
  inReplyTo: string[];
  references: string[];
  from: EmailAddressJson | null;
  to: EmailAddressJson[];
  cc: EmailAddressJson[];
  subject: string;
  autoSubmitted: boolean;
  automatedKind: EmailAutomatedKind | null;
  threadMatch: EmailThreadMatch | null;
  /** The text without the quoted history of earlier mail. */
  displayText: string;
  rawSizeBytes: number | null;
  receivedAt: string;
};

/** The email row of a message of a case the actor may read; not found otherwise, so ids do not leak. */
async function loadEmailRow(ctx: ServiceContext, caseId: string, messageId: string, actor: Actor) {
  await getCase(ctx, caseId, actor);
  const row = await findEmailOfMessage(ctx.db, messageId);
  if (!row || row.case_id !== caseId) throw new AppError('not_found', `message ${messageId} of case ${caseId} did not travel by email`);
  return row;
}

export async function getEmailDetails(ctx: ServiceContext, caseId: string, messageId: string, actor: Actor): Promise<EmailDetailsView> {
  const r = await loadEmailRow(ctx, caseId, messageId, actor);
  return {
    caseMessageId: r.case_message_id,
    caseId: r.case_id,
    mailboxId: r.mailbox_id,
    direction: r.direction,
    messageId: r.message_id,
    inReplyTo: r.in_reply_to,
    references: r.reference_ids,
    from: r.from_address ? { address: r.from_address, name: r.from_name ?? '' } : null,
    to: r.to_addresses,
    cc: r.cc_addresses,
    subject: r.subject,
    autoSubmitted: r.auto_submitted,
    automatedKind: r.automated_kind,
    threadMatch: r.thread_match,
    displayText: r.display_text,
    rawSizeBytes: r.raw_size_bytes === null ? null : Number(r.raw_size_bytes),
    receivedAt: r.received_at.toISOString(),
  };
}

/** The message exactly as it was received, for download. */
export async function readRawEmail(
  ctx: ServiceContext,
  caseId: string,
  messageId: string,
  actor: Actor,
): Promise<{ data: Buffer; filename: string }> {
  const row = await loadEmailRow(ctx, caseId, messageId, actor);
  if (!row.raw_storage_key) throw new AppError('not_found', `message ${messageId} has no stored original`);
  const data = await createDirectoryFileStore(ctx.config.filesDir).get(row.raw_storage_key);
  if (!data) throw new AppError('gone', `the stored original of message ${messageId} is missing from storage`);
  return { data, filename: `message-${messageId}.eml` };
}
