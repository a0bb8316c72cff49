// Inbound email: a raw message posted by the mail relay becomes a customer message on the right
// case, exactly once. It joins the case it answers (threading.ts), or opens a new one for the
// mailbox's team. Automated mail (auto-replies, bounces, bulk) is recorded but changes nothing,
// and a sender who floods a mailbox with new threads is kept to one open case.
import type { EmailAutomatedKind, EmailThreadMatch } from '../../db/schema.js';
import type { ServiceContext, Tx } from '../../lib/context.js';
import { AppError, isUniqueViolation } from '../../lib/errors.js';
import { createDirectoryFileStore, type FileStore } from '../../lib/file-store.js';
import { systemActor } from '../auth/permissions.js';
import { putFiles, type AttachmentInput } from '../cases/attachments.js';
import { addAutomatedMessageTx, addMessageTx, createCaseTx, reloadLockedCase, type AddMessageResult } from '../cases/cases.service.js';
import { findOrCreateCustomer } from '../customers/customers.service.js';
import { parseInboundEmail, type InboundEmail } from './email-parse.js';
import {
  countNewCasesSince,
  findIgnoredEmail,
  findLatestOpenCaseOf,
  findMailboxIdByAddress,
  findStoredEmail,
  insertEmailMessage,
  insertIgnoredEmail,
  lockMessageId,
} from './email.queries.js';
import type { InboundMailbox } from './mailboxes.service.js';
import { trimQuotedHistory } from './quoted-history.js';
import { findThread, type ThreadMatch } from './threading.js';
import { recordInbound } from '../channels/channel-health.js';

/** More new cases than this from one sender into one mailbox within the window is a flood. */
export const floodMaxNewCases = 20;
export const floodWindowMinutes = 10;

export type IgnoredReason = 'automated_unmatched' | 'own_address';

export type InboundResult = {
  caseId: string | null;
  messageId: string | null;
  duplicate: boolean;
  threadedBy: EmailThreadMatch | null;
  automated: EmailAutomatedKind | null;
  ignored: IgnoredReason | null;
};

type StoredRaw = { key: string; size: number };
type Prepared = { email: InboundEmail; raw: StoredRaw; attachments: AttachmentInput[] | undefined };

const noSubject = '(no subject)';
const noText = '(no text)';
const maxSubjectLength = 500;

/** Receives one raw message for a mailbox; answers where it went, or that it was already here. */
export async function receiveInboundEmail(ctx: ServiceContext, mailbox: InboundMailbox, raw: Buffer): Promise<InboundResult> {
  const email = await parseInboundEmail(raw);
  const seen = await findDuplicate(ctx.db, email);
  if (seen) return seen;
  // Bytes go to the store before the transaction (as for uploads): a rollback leaves an
  // unreferenced, content-addressed file, which is harmless.
  const store = createDirectoryFileStore(ctx.config.filesDir);
  const prepared = await storeFiles(store, email, raw);
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      await lockMessageId(trx, email.messageId);
      const duplicate = await findDuplicate(trx, email);
      if (duplicate) return duplicate;
      const at = ctx.clock.now();
      const result = await recordEmail(trx, at, mailbox, prepared);
      await recordInbound(trx, 'mailbox', mailbox.id, at);
      return result;
    });
  } catch (err) {
    // The same Message-ID stored by another path at the same moment: the other one won.
    if (!isUniqueViolation(err)) throw err;
    const winner = await findDuplicate(ctx.db, email);
    if (!winner) throw err;
    return winner;
  }
}

async function findDuplicate(db: Tx, email: InboundEmail): Promise<InboundResult | null> {
  const stored = await findStoredEmail(db, email.messageId);
  if (stored) {
    return {
      caseId: stored.case_id,
      messageId: stored.id,
      duplicate: true,
      threadedBy: stored.thread_match,
      automated: stored.automated_kind,
      ignored: null,
    };
  }
  const ignored = await findIgnoredEmail(db, email.messageId);
  if (!ignored) return null;
  return { caseId: null, messageId: null, duplicate: true, threadedBy: null, automated: ignored.automated_kind, ignored: ignored.reason };
}

async function storeFiles(store: FileStore, email: InboundEmail, raw: Buffer): Promise<Prepared> {
  const stored = await store.put(raw);
  const attachments = await putFiles(
    store,
    email.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, data: a.data })),
  );
  return { email, raw: { key: stored.key, size: stored.size }, attachments };
}

async function recordEmail(trx: Tx, at: Date, mailbox: InboundMailbox, p: Prepared): Promise<InboundResult> {
  const { email } = p;
  if (email.from && (await findMailboxIdByAddress(trx, email.from.address))) {
    // Mail from one of our own addresses is a loop (a forward back to us, an echo of our reply).
    return ignoreEmail(trx, at, mailbox, p, 'own_address');
  }
  const thread = (await findThread(trx, email)) ?? (await floodTarget(trx, at, mailbox, email));
  if (!thread) {
    // Automated mail that answers nothing of ours would only open noise cases (and, once we send
    // acknowledgements, start a loop): it is kept aside for the mailbox's administrators.
    if (email.automated) return ignoreEmail(trx, at, mailbox, p, 'automated_unmatched');
    return openCase(trx, at, mailbox, p);
  }
  const result = await appendToCase(trx, at, thread.caseId, p);
  await recordHeaders(trx, at, mailbox, p, result.message, thread.by);
  return toResult(result.case.id, result.message.id, thread.by, email.automated);
}

/**
 * Flood control: once a sender has opened `floodMaxNewCases` cases in this mailbox within the
 * window, further new threads join their newest case that is still open, so a looping robot or
 * an impatient customer cannot bury the queue. With no open case left, a new one is opened.
 */
async function floodTarget(trx: Tx, at: Date, mailbox: InboundMailbox, email: InboundEmail): Promise<ThreadMatch | null> {
  if (!email.from || email.automated) return null;
  const since = new Date(at.getTime() - floodWindowMinutes * 60_000);
  const opened = await countNewCasesSince(trx, mailbox.id, email.from.address, since);
  if (opened < floodMaxNewCases) return null;
  const latest = await findLatestOpenCaseOf(trx, mailbox.id, email.from.address);
  return latest ? { caseId: latest.id, by: 'flood' } : null;
}

function messageBodyOf(p: Prepared) {
  const { text, html } = p.email;
  return { body: text ?? (html ? undefined : noText), html, attachments: p.attachments };
}

async function appendToCase(trx: Tx, at: Date, caseId: string, p: Prepared): Promise<AddMessageResult> {
  const current = await reloadLockedCase(trx, caseId);
  const body = messageBodyOf(p);
  if (p.email.automated) {
    return addAutomatedMessageTx(trx, at, current, {
      ...body,
      channel: 'email',
      externalId: p.email.messageId,
      // A bounce comes from a mail server, not from the customer.
      authorCustomerId: p.email.automated === 'bounce' ? null : current.requester_id,
      reason: p.email.automated,
    });
  }
  // A customer reply: the usual lifecycle applies (reopens a solved case, follows up a closed one).
  return addMessageTx(trx, at, current, { ...body, kind: 'customer', channel: 'email', externalId: p.email.messageId }, systemActor);
}

async function openCase(trx: Tx, at: Date, mailbox: InboundMailbox, p: Prepared): Promise<InboundResult> {
  const { email } = p;
  if (!email.from) {
    throw new AppError('validation_failed', 'the message has no usable From address, so it cannot open a case', { field: 'from' });
  }
  const requester = await findOrCreateCustomer(trx, { email: email.from.address, name: email.from.name || undefined }, at);
  const created = await createCaseTx(
    trx,
    at,
    {
      subject: (email.subject || noSubject).slice(0, maxSubjectLength),
      channel: 'email',
      requesterId: requester.id,
      teamId: mailbox.teamId,
      message: { ...messageBodyOf(p), externalId: email.messageId },
    },
    { kind: 'customer', customerId: requester.id },
  );
  const stored = await findStoredEmail(trx, email.messageId);
  if (!stored) throw new Error(`the message of new case ${created.case.id} was not stored`);
  await recordHeaders(trx, at, mailbox, p, { id: stored.id, bodyText: stored.body_text }, 'new_case');
  return toResult(created.case.id, stored.id, 'new_case', null);
}

async function recordHeaders(
  trx: Tx,
  at: Date,
  mailbox: InboundMailbox,
  p: Prepared,
  message: { id: string; bodyText: string },
  threadMatch: EmailThreadMatch,
): Promise<void> {
  const { email } = p;
  await insertEmailMessage(trx, {
    caseMessageId: message.id,
    mailboxId: mailbox.id,
    messageId: email.messageId,
    inReplyTo: email.inReplyTo,
    references: email.references,
    from: email.from,
    to: email.to,
    cc: email.cc,
    subject: email.subject,
    automated: email.automated,
    threadMatch,
    displayText: trimQuotedHistory(message.bodyText),
    raw: p.raw,
    at,
  });
}

async function ignoreEmail(trx: Tx, at: Date, mailbox: InboundMailbox, p: Prepared, reason: IgnoredReason): Promise<InboundResult> {
  const { email } = p;
  await insertIgnoredEmail(trx, {
    mailboxId: mailbox.id,
    messageId: email.messageId,
    fromAddress: email.from?.address ?? null,
    subject: email.subject,
    reason,
    automated: email.automated,
    raw: p.raw,
    at,
  });
  return { caseId: null, messageId: null, duplicate: false, threadedBy: null, automated: email.automated, ignored: reason };
}

function toResult(caseId: string, messageId: string, threadedBy: EmailThreadMatch, automated: EmailAutomatedKind | null): InboundResult {
  return { caseId, messageId, duplicate: false, threadedBy, automated, ignored: null };
}
