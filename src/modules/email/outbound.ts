// Outbound email through a transactional outbox. A public reply on a case the customer can be
// emailed on (it came by email, a web form or the portal, and a mailbox can send it: see
// `replyRoute`), and a staff notification when a mailbox is set to send them, is written to
// email_outbox in the transaction of what it carries; the worker sends what is due over the mailbox's SMTP server, retrying with
// exponential backoff, and a send that keeps failing is marked failed on the case, where it can be
// retried. Replies carry our own Message-ID, In-Reply-To and References, and the case token in the
// subject, so the customer's answer threads back to the case (docs/email.md).
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import nodemailer from 'nodemailer';
import type { Channel } from '../../db/schema.js';
import { createDirectoryFileStore } from '../../lib/file-store.js';
import type { ServiceContext, Tx } from '../../lib/context.js';
import { AppError } from '../../lib/errors.js';
import { inTransaction } from '../../lib/transaction.js';
import type { Actor } from '../auth/permissions.js';
import { assertCanSeeCase, assertCanWorkCase } from '../cases/case-access.js';
import { appendCaseEvent, eventActorOf } from '../cases/case-events.js';
import { recordSend } from '../channels/channel-health.js';

/** Attempts before a send is given up as failed. */
export const maxSendAttempts = 5;
/** First retry after this many seconds, doubling each time. */
export const firstRetrySeconds = 30;
/** A send claimed longer ago than this was interrupted (the process died): try it again. */
const staleSendingMinutes = 10;

function domainOf(address: string): string {
  return address.split('@')[1]?.toLowerCase() || 'frontline.invalid';
}

export function newMessageId(fromAddress: string): string {
  return `${randomUUID()}@${domainOf(fromAddress)}`;
}

/** `Re: <subject> [#1234]`, without piling up "Re:" or repeating the token. */
export function replySubject(subject: string, caseNumber: number | string): string {
  const bare = subject
    .replace(/^\s*((re|aw|sv|fwd?)\s*:\s*)+/i, '')
    .replace(/\s*\[#\d+\]\s*/g, ' ')
    .trim();
  return `Re: ${bare} [#${caseNumber}]`;
}

type ThreadContext = {
  mailboxId: string;
  fromAddress: string;
  inReplyTo: string | null;
  references: string[];
  /** Why this mailbox: the case's email thread, the form that opened it, or the case's team. */
  via: 'thread' | 'form' | 'team';
};

/** Channels whose customers are answered by email even before any email is on the case. */
const emailedChannels: readonly Channel[] = ['email', 'web', 'portal'];

type CaseForReply = { id: string; channel: Channel; team_id: string | null };

/** A case's latest email message (ours or the customer's, not automated) from an active mailbox. */
async function emailThread(trx: Tx, caseId: string): Promise<ThreadContext | null> {
  const last = await trx
    .selectFrom('email_messages as e')
    .innerJoin('case_messages as m', 'm.id', 'e.case_message_id')
    .innerJoin('mailboxes as mb', 'mb.id', 'e.mailbox_id')
    .select(['e.mailbox_id', 'mb.address', 'e.message_id', 'e.reference_ids'])
    .where('m.case_id', '=', caseId)
    .where('e.auto_submitted', '=', false)
    .where('mb.active', '=', true)
    .orderBy('e.received_at', 'desc')
    .orderBy('m.seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!last?.mailbox_id) return null;
  return {
    mailboxId: last.mailbox_id,
    fromAddress: last.address,
    inReplyTo: last.message_id,
    // References: the thread so far, ending with the message we answer (RFC 5322 3.6.4).
    references: [...last.reference_ids.filter((r) => r !== last.message_id), last.message_id].slice(-20),
    via: 'thread',
  };
}

/** The mailbox of the form that opened the case (when it has one, active), else one of the case's team. */
async function startingMailbox(trx: Tx, c: CaseForReply): Promise<{ id: string; address: string; via: 'form' | 'team' } | null> {
  const ofForm = await trx
    .selectFrom('form_submissions as s')
    .innerJoin('forms as f', 'f.id', 's.form_id')
    .innerJoin('mailboxes as mb', 'mb.id', 'f.mailbox_id')
    .select(['mb.id', 'mb.address'])
    .where('s.case_id', '=', c.id)
    .where('mb.active', '=', true)
    .executeTakeFirst();
  if (ofForm) return { ...ofForm, via: 'form' };
  if (!c.team_id) return null;
  const ofTeam = await trx
    .selectFrom('mailboxes')
    .select(['id', 'address'])
    .where('team_id', '=', c.team_id)
    .where('active', '=', true)
    // One that can send first.
    .orderBy(sql`smtp_settings is null`)
    .orderBy('created_at')
    .executeTakeFirst();
  return ofTeam ? { ...ofTeam, via: 'team' } : null;
}

/**
 * The mailbox a case's email goes out through and what our reply answers: the case's latest
 * email message; or, on a case that came by email, a web form or the portal and has no email yet,
 * the form's mailbox, else a mailbox of the case's team, answering the mail we already sent the
 * customer from it (a form's confirmation) so that their mail program shows one thread.
 */
async function threadContext(trx: Tx, c: CaseForReply, customerEmail: string): Promise<ThreadContext | null> {
  const thread = await emailThread(trx, c.id);
  if (thread) return thread;
  if (!emailedChannels.includes(c.channel)) return null;
  const mailbox = await startingMailbox(trx, c);
  if (!mailbox) return null;
  const earlier = await trx
    .selectFrom('email_outbox')
    .select('message_id')
    .where('case_id', '=', c.id)
    .where('mailbox_id', '=', mailbox.id)
    .where('to_address', '=', customerEmail)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return {
    mailboxId: mailbox.id,
    fromAddress: mailbox.address,
    inReplyTo: earlier?.message_id ?? null,
    references: earlier ? [earlier.message_id] : [],
    via: mailbox.via,
  };
}

async function caseForReply(trx: Tx, caseId: string) {
  return trx
    .selectFrom('cases as c')
    .select(['c.id', 'c.number', 'c.subject', 'c.channel', 'c.team_id', 'c.requester_id'])
    .where('c.id', '=', caseId)
    .executeTakeFirstOrThrow();
}

async function requesterEmail(trx: Tx, customerId: string): Promise<string | null> {
  const row = await trx
    .selectFrom('customer_identities')
    .select('value')
    .where('customer_id', '=', customerId)
    .where('kind', '=', 'email')
    .orderBy('created_at')
    .executeTakeFirst();
  return row?.value ?? null;
}

/** Where a public reply on the case goes now: by email (from which mailbox, to whom), or nowhere but the case and the portal. */
export type ReplyRoute =
  { by: 'email'; mailboxId: string; from: string; to: string; via: ThreadContext['via'] } | { by: 'not_emailed'; reason: string };

async function routeOf(
  trx: Tx,
  c: Awaited<ReturnType<typeof caseForReply>>,
): Promise<{ route: ReplyRoute; thread: ThreadContext | null; to: string | null }> {
  const to = await requesterEmail(trx, c.requester_id);
  if (!to) return { route: { by: 'not_emailed', reason: 'the requester has no email address' }, thread: null, to };
  const thread = await threadContext(trx, c, to);
  if (thread) return { route: { by: 'email', mailboxId: thread.mailboxId, from: thread.fromAddress, to, via: thread.via }, thread, to };
  const reason = emailedChannels.includes(c.channel)
    ? c.channel === 'web'
      ? 'no mailbox can send it (the form has none, nor has the case’s team); the customer reads replies in the portal'
      : 'no mailbox can send it (the case’s team has none); the customer reads replies in the portal'
    : `the case came by ${c.channel.replace('_', ' ')}, not by email, web form or portal; the customer reads replies in the portal`;
  return { route: { by: 'not_emailed', reason }, thread: null, to };
}

/**
 * Queues a public reply as email when the case's customer can be emailed on it (see
 * `threadContext`). Returns the outbox id, or null when the reply does not go out by email.
 */
export async function queueReplyEmail(
  trx: Tx,
  reply: { caseId: string; messageId: string; bodyText: string; bodyHtml: string | null },
  at: Date,
): Promise<string | null> {
  const c = await caseForReply(trx, reply.caseId);
  const { thread, to } = await routeOf(trx, c);
  if (!thread || !to) return null;
  const messageId = newMessageId(thread.fromAddress);
  const subject = replySubject(c.subject, c.number);
  const row = await trx
    .insertInto('email_outbox')
    .values({
      kind: 'reply',
      case_id: reply.caseId,
      case_message_id: reply.messageId,
      mailbox_id: thread.mailboxId,
      from_address: thread.fromAddress,
      to_address: to,
      subject,
      body_text: reply.bodyText,
      body_html: reply.bodyHtml,
      message_id: messageId,
      in_reply_to: thread.inReplyTo,
      reference_ids: thread.references,
      next_attempt_at: at,
      created_at: at,
      updated_at: at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  // Recorded as an email of the case at once, so a customer answering it threads back even
  // before it is sent.
  await trx
    .insertInto('email_messages')
    .values({
      case_message_id: reply.messageId,
      mailbox_id: thread.mailboxId,
      direction: 'outbound',
      message_id: messageId,
      in_reply_to: thread.inReplyTo ? [thread.inReplyTo] : [],
      reference_ids: thread.references,
      from_address: thread.fromAddress,
      from_name: null,
      to_addresses: JSON.stringify([{ address: to, name: '' }]),
      cc_addresses: '[]',
      subject,
      display_text: reply.bodyText,
      received_at: at,
    })
    .execute();
  return row.id;
}

/** Staff notifications by email, through the mailbox marked to send them (if any). */
export async function queueStaffEmails(
  trx: Tx,
  userIds: readonly string[],
  n: { title: string; caseId: string | null; link: string | null; at: Date },
): Promise<number> {
  if (userIds.length === 0) return 0;
  const mailbox = await trx
    .selectFrom('mailboxes')
    .select(['id', 'address'])
    .where('notify_staff', '=', true)
    .where('active', '=', true)
    .orderBy('created_at')
    .executeTakeFirst();
  if (!mailbox) return 0;
  const users = await trx
    .selectFrom('users')
    .select(['email'])
    .where('id', 'in', [...userIds])
    .where('active', '=', true)
    .execute();
  if (users.length === 0) return 0;
  await trx
    .insertInto('email_outbox')
    .values(
      users.map((u) => ({
        kind: 'notification' as const,
        case_id: n.caseId,
        case_message_id: null,
        mailbox_id: mailbox.id,
        from_address: mailbox.address,
        to_address: u.email,
        subject: `[Frontline] ${n.title}`,
        body_text: `${n.title}\n${n.link ? `\n${n.link}\n` : ''}\n-- \nFrontline notifications. Change what you receive in Frontline.`,
        body_html: null,
        message_id: newMessageId(mailbox.address),
        in_reply_to: null,
        reference_ids: [],
        next_attempt_at: n.at,
        created_at: n.at,
        updated_at: n.at,
      })),
    )
    .execute();
  return users.length;
}

// ---------------------------------------------------------------------------------------------
// Sending

export type OutgoingMail = {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  messageId: string;
  inReplyTo: string | null;
  references: string[];
  attachments?: { filename: string; contentType: string; content: Buffer }[];
};

type SmtpSettings = { host: string; port: number; secure: boolean; username?: string; password?: string };

/** The edge we do not own: an SMTP relay. Tests use a real local SMTP server. */
export type MailTransport = (settings: SmtpSettings, mail: OutgoingMail) => Promise<void>;

export const smtpTransport: MailTransport = async (settings, mail) => {
  const transport = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    auth: settings.username ? { user: settings.username, pass: settings.password ?? '' } : undefined,
    // A relay on the same network may use a private certificate; refuse nothing but plain failure.
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
  });
  try {
    await transport.sendMail({
      from: mail.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      ...(mail.html ? { html: mail.html } : {}),
      messageId: `<${mail.messageId}>`,
      ...(mail.inReplyTo ? { inReplyTo: `<${mail.inReplyTo}>` } : {}),
      ...(mail.references.length ? { references: mail.references.map((r) => `<${r}>`) } : {}),
      ...(mail.attachments?.length ? { attachments: mail.attachments } : {}),
      headers: { 'Auto-Submitted': mail.inReplyTo === null && mail.references.length === 0 ? 'auto-generated' : 'no' },
    });
  } finally {
    transport.close();
  }
};

function smtpSettingsOf(raw: Record<string, unknown> | null): SmtpSettings | null {
  if (!raw || typeof raw.host !== 'string' || typeof raw.port !== 'number') return null;
  return {
    host: raw.host,
    port: raw.port,
    secure: raw.secure === true,
    ...(typeof raw.username === 'string' ? { username: raw.username } : {}),
    ...(typeof raw.password === 'string' ? { password: raw.password } : {}),
  };
}

/** Files an outgoing message carries (a report's PDF and CSVs), from the file store. */
async function loadAttachments(ctx: ServiceContext, files: readonly { filename: string; contentType: string; storageKey: string }[]) {
  if (files.length === 0) return [];
  const store = createDirectoryFileStore(ctx.config.filesDir);
  const out: { filename: string; contentType: string; content: Buffer }[] = [];
  for (const f of files) {
    const content = await store.get(f.storageKey);
    if (!content) throw new Error(`attachment ${f.filename} is missing from the file store`);
    out.push({ filename: f.filename, contentType: f.contentType, content });
  }
  return out;
}

export type SendResult = { sent: number; retried: number; failed: number };

/**
 * One pass of the sender: claims due messages (SKIP LOCKED, so workers share them), sends each,
 * and records the outcome. Sending happens outside any transaction; a process that dies mid-send
 * leaves the row `sending`, and it is tried again after a while (at least once, same Message-ID).
 */
export async function sendDueEmails(ctx: ServiceContext, transport: MailTransport = smtpTransport, batch = 20): Promise<SendResult> {
  const now = ctx.clock.now();
  const staleBefore = new Date(now.getTime() - staleSendingMinutes * 60_000);
  await ctx.db
    .updateTable('email_outbox')
    .set({ status: 'queued' })
    .where('status', '=', 'sending')
    .where('updated_at', '<', staleBefore)
    .execute();
  const claimed = await ctx.db
    .updateTable('email_outbox')
    .set((eb) => ({ status: 'sending', attempts: eb('attempts', '+', 1), updated_at: now }))
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('email_outbox')
        .select('id')
        .where('status', '=', 'queued')
        .where('next_attempt_at', '<=', now)
        .orderBy('next_attempt_at')
        .limit(batch)
        .forUpdate()
        .skipLocked(),
    )
    .returningAll()
    .execute();
  const result: SendResult = { sent: 0, retried: 0, failed: 0 };
  for (const row of claimed) {
    const mailbox = row.mailbox_id
      ? await ctx.db.selectFrom('mailboxes').select('smtp_settings').where('id', '=', row.mailbox_id).executeTakeFirst()
      : undefined;
    const settings = smtpSettingsOf(mailbox?.smtp_settings ?? null);
    let error: string | null = null;
    let permanent = false;
    if (!settings) {
      error = 'the mailbox has no SMTP settings';
      permanent = true;
    } else {
      try {
        await transport(settings, {
          from: row.from_address,
          to: row.to_address,
          subject: row.subject,
          text: row.body_text,
          html: row.body_html,
          messageId: row.message_id,
          inReplyTo: row.in_reply_to,
          references: row.reference_ids,
          attachments: await loadAttachments(ctx, row.attachments),
        });
      } catch (err) {
        error = (err as Error).message || String(err);
        // 5xx answers are the server refusing this message; retrying will not change its mind.
        const code = (err as { responseCode?: number }).responseCode;
        permanent = typeof code === 'number' && code >= 500 && code < 600;
      }
    }
    const at = ctx.clock.now();
    // A mailbox whose sends keep failing is degraded, then down (channel health).
    if (row.mailbox_id) await recordSend(ctx.db, 'mailbox', row.mailbox_id, at, error);
    if (error === null) {
      await ctx.db
        .updateTable('email_outbox')
        .set({ status: 'sent', sent_at: at, last_error: null, updated_at: at })
        .where('id', '=', row.id)
        .execute();
      result.sent++;
    } else if (!permanent && row.attempts < maxSendAttempts) {
      const delay = firstRetrySeconds * 2 ** (row.attempts - 1);
      await ctx.db
        .updateTable('email_outbox')
        .set({ status: 'queued', last_error: error, next_attempt_at: new Date(at.getTime() + delay * 1000), updated_at: at })
        .where('id', '=', row.id)
        .execute();
      result.retried++;
    } else {
      await inTransaction(ctx.db, async (trx) => {
        await trx
          .updateTable('email_outbox')
          .set({ status: 'failed', last_error: error, updated_at: at })
          .where('id', '=', row.id)
          .execute();
        if (row.case_id && row.kind === 'reply')
          await appendCaseEvent(trx, {
            caseId: row.case_id,
            actor: { kind: 'system' },
            kind: 'email_send_failed',
            after: { deliveryId: row.id, messageId: row.case_message_id, to: row.to_address, attempts: row.attempts, error },
            at,
          });
      });
      result.failed++;
    }
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// On the case

export type DeliveryView = {
  id: string;
  messageId: string | null;
  to: string;
  subject: string;
  status: 'queued' | 'sending' | 'sent' | 'failed';
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  sentAt: string | null;
  createdAt: string;
};

async function caseRef(db: Tx, caseId: string) {
  const c = await db.selectFrom('cases').select(['id', 'team_id', 'assignee_id']).where('id', '=', caseId).executeTakeFirst();
  if (!c) throw new AppError('not_found', `case ${caseId} does not exist`);
  return c;
}

/** Where the next public reply on the case goes: by email from which mailbox, or why not. */
export async function caseReplyRoute(ctx: ServiceContext, caseId: string, actor: Actor): Promise<ReplyRoute> {
  await assertCanSeeCase(ctx.db, actor, await caseRef(ctx.db, caseId));
  return (await routeOf(ctx.db, await caseForReply(ctx.db, caseId))).route;
}

export async function listCaseDeliveries(ctx: ServiceContext, caseId: string, actor: Actor): Promise<DeliveryView[]> {
  await assertCanSeeCase(ctx.db, actor, await caseRef(ctx.db, caseId));
  const rows = await ctx.db
    .selectFrom('email_outbox')
    .selectAll()
    .where('case_id', '=', caseId)
    .where('kind', '=', 'reply')
    .orderBy('created_at')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    messageId: r.case_message_id,
    to: r.to_address,
    subject: r.subject,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.status === 'queued' ? r.next_attempt_at.toISOString() : null,
    lastError: r.last_error,
    sentAt: r.sent_at?.toISOString() ?? null,
    createdAt: r.created_at.toISOString(),
  }));
}

/** Puts a failed send back in the queue, now, with a fresh set of attempts. */
export async function retryDelivery(ctx: ServiceContext, caseId: string, deliveryId: string, actor: Actor): Promise<DeliveryView[]> {
  const at = ctx.clock.now();
  await inTransaction(ctx.db, async (trx) => {
    await assertCanWorkCase(trx, actor, await caseRef(trx, caseId));
    const row = await trx
      .selectFrom('email_outbox')
      .select(['status'])
      .where('id', '=', deliveryId)
      .where('case_id', '=', caseId)
      .forUpdate()
      .executeTakeFirst();
    if (!row) throw new AppError('not_found', `delivery ${deliveryId} does not exist on this case`);
    if (row.status !== 'failed')
      throw new AppError('conflict', `only a failed send can be retried (this one is ${row.status})`, { status: row.status });
    await trx
      .updateTable('email_outbox')
      .set({ status: 'queued', attempts: 0, next_attempt_at: at, updated_at: at })
      .where('id', '=', deliveryId)
      .execute();
    await appendCaseEvent(trx, { caseId, actor: eventActorOf(actor), kind: 'email_send_retried', after: { deliveryId }, at });
  });
  return listCaseDeliveries(ctx, caseId, actor);
}
