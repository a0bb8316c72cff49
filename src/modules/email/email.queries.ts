// All SQL of the email module. Case tables are only read here (to thread mail into cases);
// every change to a case goes through the cases service.
import { sql } from 'kysely';
import type { EmailAddressJson, EmailAutomatedKind, EmailThreadMatch, MailboxSettings } from '../../db/schema.js';
import type { Tx } from '../../lib/context.js';

// ---------------------------------------------------------------------------------------------
// Mailboxes

function mailboxQuery(db: Tx) {
  return db
    .selectFrom('mailboxes as mb')
    .leftJoin('teams as t', 't.id', 'mb.team_id')
    .select([
      'mb.id',
      'mb.name',
      'mb.address',
      'mb.team_id',
      't.name as team_name',
      'mb.active',
      'mb.notify_staff',
      'mb.inbound_secret_prefix',
      'mb.smtp_settings',
      'mb.imap_settings',
      'mb.created_at',
      'mb.updated_at',
    ]);
}

export type MailboxRow = Awaited<ReturnType<ReturnType<typeof mailboxQuery>['executeTakeFirstOrThrow']>>;

export function findMailboxRow(db: Tx, id: string) {
  return mailboxQuery(db).where('mb.id', '=', id).executeTakeFirst();
}

export function lockMailboxRow(db: Tx, id: string) {
  return db.selectFrom('mailboxes').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export function listMailboxRows(db: Tx) {
  return mailboxQuery(db).orderBy('mb.name').orderBy('mb.id').execute();
}

export function findMailboxIdByAddress(db: Tx, address: string) {
  return db
    .selectFrom('mailboxes')
    .select('id')
    .where(sql`lower(address)`, '=', address.toLowerCase())
    .executeTakeFirst();
}

export function insertMailboxRow(
  db: Tx,
  m: {
    name: string;
    address: string;
    teamId: string | null;
    active: boolean;
    notifyStaff: boolean;
    secretHash: string;
    secretPrefix: string;
    smtp: MailboxSettings | null;
    imap: MailboxSettings | null;
    at: Date;
  },
) {
  return db
    .insertInto('mailboxes')
    .values({
      name: m.name,
      address: m.address,
      team_id: m.teamId,
      active: m.active,
      notify_staff: m.notifyStaff,
      inbound_secret_hash: m.secretHash,
      inbound_secret_prefix: m.secretPrefix,
      smtp_settings: m.smtp ? JSON.stringify(m.smtp) : null,
      imap_settings: m.imap ? JSON.stringify(m.imap) : null,
      created_at: m.at,
      updated_at: m.at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

export function updateMailboxRow(
  db: Tx,
  id: string,
  set: {
    name?: string;
    address?: string;
    team_id?: string | null;
    active?: boolean;
    notify_staff?: boolean;
    inbound_secret_hash?: string;
    inbound_secret_prefix?: string;
    smtp_settings?: string | null;
    imap_settings?: string | null;
    updated_at: Date;
  },
) {
  return db.updateTable('mailboxes').set(set).where('id', '=', id).execute();
}

/** What the inbound endpoint needs to authenticate a post and route its mail. */
export function findMailboxCredentials(db: Tx, id: string) {
  return db
    .selectFrom('mailboxes')
    .select(['id', 'address', 'team_id', 'active', 'inbound_secret_hash'])
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Active mailboxes whose IMAP polling is switched on, with their settings (password included). */
export function listPolledMailboxRows(db: Tx) {
  return db
    .selectFrom('mailboxes')
    .select(['id', 'address', 'team_id', 'imap_settings'])
    .where('active', '=', true)
    .where(sql<boolean>`imap_settings -> 'enabled' = 'true'::jsonb`)
    .orderBy('id')
    .execute();
}

// ---------------------------------------------------------------------------------------------
// Stored mail

/** The case message already stored under this Message-ID, if any. */
export function findStoredEmail(db: Tx, messageId: string) {
  return db
    .selectFrom('case_messages as m')
    .leftJoin('email_messages as e', 'e.case_message_id', 'm.id')
    .select(['m.id', 'm.case_id', 'm.body_text', 'e.thread_match', 'e.automated_kind'])
    .where('m.channel', '=', 'email')
    .where('m.external_id', '=', messageId)
    .executeTakeFirst();
}

export function findIgnoredEmail(db: Tx, messageId: string) {
  return db.selectFrom('email_ignored').select(['id', 'reason', 'automated_kind']).where('message_id', '=', messageId).executeTakeFirst();
}

/** Serialises concurrent deliveries of one Message-ID until the first one commits. */
export async function lockMessageId(db: Tx, messageId: string): Promise<void> {
  // Two-key advisory locks live apart from the one-key lock the migration runner takes.
  await sql`select pg_advisory_xact_lock(727002, hashtext(${messageId}))`.execute(db);
}

export function insertEmailMessage(
  db: Tx,
  e: {
    caseMessageId: string;
    mailboxId: string;
    messageId: string;
    inReplyTo: string[];
    references: string[];
    from: EmailAddressJson | null;
    to: EmailAddressJson[];
    cc: EmailAddressJson[];
    subject: string;
    automated: EmailAutomatedKind | null;
    threadMatch: EmailThreadMatch;
    displayText: string;
    raw: { key: string; size: number };
    at: Date;
  },
) {
  return db
    .insertInto('email_messages')
    .values({
      case_message_id: e.caseMessageId,
      mailbox_id: e.mailboxId,
      direction: 'inbound',
      message_id: e.messageId,
      in_reply_to: e.inReplyTo,
      reference_ids: e.references,
      from_address: e.from?.address ?? null,
      from_name: e.from?.name || null,
      to_addresses: JSON.stringify(e.to),
      cc_addresses: JSON.stringify(e.cc),
      subject: e.subject,
      auto_submitted: e.automated !== null,
      automated_kind: e.automated,
      thread_match: e.threadMatch,
      display_text: e.displayText,
      raw_storage_key: e.raw.key,
      raw_size_bytes: e.raw.size,
      received_at: e.at,
    })
    .execute();
}

export function insertIgnoredEmail(
  db: Tx,
  e: {
    mailboxId: string;
    messageId: string;
    fromAddress: string | null;
    subject: string;
    reason: 'automated_unmatched' | 'own_address';
    automated: EmailAutomatedKind | null;
    raw: { key: string; size: number };
    at: Date;
  },
) {
  return db
    .insertInto('email_ignored')
    .values({
      mailbox_id: e.mailboxId,
      message_id: e.messageId,
      from_address: e.fromAddress,
      subject: e.subject,
      reason: e.reason,
      automated_kind: e.automated,
      raw_storage_key: e.raw.key,
      raw_size_bytes: e.raw.size,
      received_at: e.at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

export function listIgnoredRows(db: Tx, mailboxId: string, limit: number) {
  return db
    .selectFrom('email_ignored')
    .select(['id', 'message_id', 'from_address', 'subject', 'reason', 'automated_kind', 'raw_size_bytes', 'received_at'])
    .where('mailbox_id', '=', mailboxId)
    .orderBy('received_at', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** The email side of one case message, with the case it belongs to. */
export function findEmailOfMessage(db: Tx, caseMessageId: string) {
  return db
    .selectFrom('email_messages as e')
    .innerJoin('case_messages as m', 'm.id', 'e.case_message_id')
    .selectAll('e')
    .select('m.case_id')
    .where('e.case_message_id', '=', caseMessageId)
    .executeTakeFirst();
}

// ---------------------------------------------------------------------------------------------
// Threading

/** Cases holding a message (ours or the customer's) with one of these Message-IDs. */
export function findCasesByMessageIds(db: Tx, ids: string[]) {
  return db
    .selectFrom('email_messages as e')
    .innerJoin('case_messages as m', 'm.id', 'e.case_message_id')
    .select(['e.message_id', 'm.case_id'])
    .where('e.message_id', 'in', ids)
    .union(
      db
        .selectFrom('case_messages as m')
        .select(['m.external_id as message_id', 'm.case_id'])
        .where('m.channel', '=', 'email')
        .where('m.external_id', 'in', ids)
        .$narrowType<{ message_id: string }>(),
    )
    .union(
      // Automated mail we sent a case's requester (a web form's confirmation): answering it is
      // answering that case. Staff notifications about a case are not: their recipient is no
      // identity of the requester.
      db
        .selectFrom('email_outbox as o')
        .innerJoin('cases as c', 'c.id', 'o.case_id')
        .select(['o.message_id', 'o.case_id'])
        .where('o.kind', '=', 'notification')
        .where('o.message_id', 'in', ids)
        .where(({ exists, selectFrom }) =>
          exists(
            selectFrom('customer_identities as i')
              .select('i.customer_id')
              .whereRef('i.customer_id', '=', 'c.requester_id')
              .where('i.kind', '=', 'email')
              .whereRef('i.value', '=', sql<string>`lower(o.to_address)`),
          ),
        )
        .$narrowType<{ case_id: string }>(),
    )
    .execute();
}

export function findCaseRef(db: Tx, by: { id: string } | { number: string }) {
  let q = db.selectFrom('cases').select(['id', 'number', 'requester_id', 'merged_into_id', 'status']);
  q = 'id' in by ? q.where('id', '=', by.id) : q.where('number', '=', by.number);
  return q.executeTakeFirst();
}

/** Whether this address is one of the customer's known email identities. */
export async function isIdentityOf(db: Tx, customerId: string, address: string): Promise<boolean> {
  const row = await db
    .selectFrom('customer_identities as i')
    .innerJoin('customers as c', 'c.id', 'i.customer_id')
    .select('i.id')
    .where('i.kind', '=', 'email')
    .where('i.value', '=', address.toLowerCase())
    .where((eb) => eb.or([eb('c.id', '=', customerId), eb('c.merged_into_id', '=', customerId)]))
    .executeTakeFirst();
  return row !== undefined;
}

/** New cases this sender opened through this mailbox since the given instant. */
export async function countNewCasesSince(db: Tx, mailboxId: string, fromAddress: string, since: Date): Promise<number> {
  const row = await db
    .selectFrom('email_messages')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('mailbox_id', '=', mailboxId)
    .where('from_address', '=', fromAddress)
    .where('thread_match', '=', 'new_case')
    .where('received_at', '>', since)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The newest case this sender opened through this mailbox that is still being worked. */
export function findLatestOpenCaseOf(db: Tx, mailboxId: string, fromAddress: string) {
  return db
    .selectFrom('email_messages as e')
    .innerJoin('case_messages as m', 'm.id', 'e.case_message_id')
    .innerJoin('cases as c', 'c.id', 'm.case_id')
    .select('c.id')
    .where('e.mailbox_id', '=', mailboxId)
    .where('e.from_address', '=', fromAddress)
    .where('e.thread_match', '=', 'new_case')
    .where('c.status', 'in', ['new', 'open', 'pending', 'on_hold'])
    .orderBy('e.received_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}
