// Automated email to a customer (a form confirmation, a portal sign-in link), queued in the
// transactional outbox like every other outgoing message (docs/email.md, "Outbound").
import type { Tx } from '../../lib/context.js';
import { newMessageId } from '../email/outbound.js';

export type SendingMailbox = { id: string; address: string };

/** An active mailbox by id, or null when it is missing or switched off. */
export async function activeMailbox(trx: Tx, id: string | null): Promise<SendingMailbox | null> {
  if (!id) return null;
  const row = await trx
    .selectFrom('mailboxes')
    .select(['id', 'address'])
    .where('id', '=', id)
    .where('active', '=', true)
    .executeTakeFirst();
  return row ?? null;
}

/** The oldest active mailbox that can send (has SMTP settings): the portal's sender. */
export async function defaultSendingMailbox(trx: Tx): Promise<SendingMailbox | null> {
  const row = await trx
    .selectFrom('mailboxes')
    .select(['id', 'address'])
    .where('active', '=', true)
    .where('smtp_settings', 'is not', null)
    .orderBy('created_at')
    .executeTakeFirst();
  return row ?? null;
}

export async function queueCustomerEmail(
  trx: Tx,
  mail: { mailbox: SendingMailbox; to: string; subject: string; text: string; caseId: string | null; at: Date },
): Promise<string> {
  const row = await trx
    .insertInto('email_outbox')
    .values({
      kind: 'notification',
      case_id: mail.caseId,
      case_message_id: null,
      mailbox_id: mail.mailbox.id,
      from_address: mail.mailbox.address,
      to_address: mail.to,
      subject: mail.subject,
      body_text: mail.text,
      body_html: null,
      message_id: newMessageId(mail.mailbox.address),
      in_reply_to: null,
      reference_ids: [],
      next_attempt_at: mail.at,
      created_at: mail.at,
      updated_at: mail.at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
