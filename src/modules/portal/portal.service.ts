// The customer portal: a customer signs in with a one-time link emailed to an address of theirs,
// then sees their own cases (and those of customers merged into them), the public conversation
// (their messages and public replies, never internal notes), and writes to a case as the
// customer, with the usual lifecycle (a solved case reopens, a closed one gets a follow-up).
import type { CaseStatus } from '../../db/schema.js';
import type { ServiceContext, Tx } from '../../lib/context.js';
import { AppError } from '../../lib/errors.js';
import { generateSecret, hashSecret } from '../../lib/secrets.js';
import { inTransaction } from '../../lib/transaction.js';
import { systemActor } from '../auth/permissions.js';
import { addMessageTx } from '../cases/cases.service.js';
import { lockCase } from '../cases/cases.queries.js';
import { normaliseIdentity } from '../customers/customer-identity.js';
import { defaultSendingMailbox, queueCustomerEmail } from '../forms/customer-email.js';
import { consumeRateLimit, portalLoginLimit } from '../forms/public-rate-limit.js';

export const portalCookieName = 'frontline_portal';
export const loginLinkMinutes = 30;
export const portalSessionDays = 7;

const invalidLink = () =>
  new AppError('unauthenticated', 'this sign-in link is not valid: it was used already, has expired or never existed');

// ---------------------------------------------------------------------------------------------
// Signing in

/** The customer an address belongs to, following a merge to the surviving customer. */
async function customerByEmail(db: Tx, email: string): Promise<string | null> {
  const row = await db
    .selectFrom('customer_identities as i')
    .innerJoin('customers as c', 'c.id', 'i.customer_id')
    .select(['c.id', 'c.merged_into_id'])
    .where('i.kind', '=', 'email')
    .where('i.value', '=', normaliseIdentity('email', email))
    .executeTakeFirst();
  return row ? (row.merged_into_id ?? row.id) : null;
}

function loginMailText(link: string): string {
  return (
    `Hello,\n\nUse this link to sign in and follow your requests:\n\n${link}\n\n` +
    `It works once, for ${loginLinkMinutes} minutes. If you did not ask for it, ignore this email.\n`
  );
}

/**
 * Emails a one-time sign-in link when the address belongs to a customer. The caller answers the
 * same whatever happens here, so nobody learns which addresses are customers.
 */
export async function requestLoginLink(ctx: ServiceContext, input: { email: string; ip: string }): Promise<void> {
  const at = ctx.clock.now();
  const email = input.email.trim().toLowerCase();
  await inTransaction(ctx.db, async (trx) => {
    await consumeRateLimit(trx, portalLoginLimit, [`ip:${input.ip}`, `email:${email}`], at);
    const customerId = await customerByEmail(trx, email);
    const mailbox = await defaultSendingMailbox(trx);
    if (!customerId || !mailbox) return;
    const token = generateSecret();
    await trx
      .insertInto('portal_login_tokens')
      .values({
        customer_id: customerId,
        token_hash: hashSecret(token),
        expires_at: new Date(at.getTime() + loginLinkMinutes * 60_000),
        used_at: null,
        created_at: at,
      })
      .execute();
    const link = `${ctx.config.publicUrl}/portal/login?token=${encodeURIComponent(token)}`;
    await queueCustomerEmail(trx, { mailbox, to: email, subject: 'Your sign-in link', text: loginMailText(link), caseId: null, at });
  });
}

export type PortalSession = { secret: string; expiresAt: Date };

/** Spends a sign-in token (once, before it expires) for a new portal session. */
export async function startPortalSession(ctx: ServiceContext, token: string): Promise<PortalSession> {
  const at = ctx.clock.now();
  return inTransaction(ctx.db, async (trx) => {
    const row = await trx
      .selectFrom('portal_login_tokens')
      .select(['id', 'customer_id', 'expires_at', 'used_at'])
      .where('token_hash', '=', hashSecret(token))
      .forUpdate()
      .executeTakeFirst();
    if (!row || row.used_at || row.expires_at <= at) throw invalidLink();
    await trx.updateTable('portal_login_tokens').set({ used_at: at }).where('id', '=', row.id).execute();
    const secret = generateSecret();
    const expiresAt = new Date(at.getTime() + portalSessionDays * 86_400_000);
    await trx
      .insertInto('portal_sessions')
      .values({ customer_id: row.customer_id, secret_hash: hashSecret(secret), expires_at: expiresAt, created_at: at })
      .execute();
    return { secret, expiresAt };
  });
}

/** The customer behind a portal session cookie (following merges), or 401. */
export async function authenticatePortal(ctx: ServiceContext, secret: string | undefined): Promise<string> {
  if (!secret) throw new AppError('unauthenticated', 'sign in to the portal first');
  const row = await ctx.db
    .selectFrom('portal_sessions as s')
    .innerJoin('customers as c', 'c.id', 's.customer_id')
    .select(['c.id', 'c.merged_into_id', 's.expires_at'])
    .where('s.secret_hash', '=', hashSecret(secret))
    .executeTakeFirst();
  if (!row || row.expires_at <= ctx.clock.now()) throw new AppError('session_expired', 'your portal session has ended; sign in again');
  return row.merged_into_id ?? row.id;
}

export async function endPortalSession(ctx: ServiceContext, secret: string | undefined): Promise<void> {
  if (secret) await ctx.db.deleteFrom('portal_sessions').where('secret_hash', '=', hashSecret(secret)).execute();
}

// ---------------------------------------------------------------------------------------------
// Cases

export type PortalCase = { id: string; number: number; subject: string; status: CaseStatus; createdAt: string; updatedAt: string };
export type PortalMessage = { id: string; from: 'you' | 'agent'; authorName: string | null; body: string; createdAt: string };

/** The customer and every customer merged into them. */
function requesterIds(db: Tx, customerId: string) {
  return db
    .selectFrom('customers')
    .select('id')
    .where((eb) => eb.or([eb('id', '=', customerId), eb('merged_into_id', '=', customerId)]));
}

function toPortalCase(r: { id: string; number: number | string; subject: string; status: CaseStatus; created_at: Date; updated_at: Date }) {
  return {
    id: r.id,
    number: Number(r.number),
    subject: r.subject,
    status: r.status,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

const caseColumns = ['id', 'number', 'subject', 'status', 'created_at', 'updated_at'] as const;

export async function listPortalCases(ctx: ServiceContext, customerId: string): Promise<PortalCase[]> {
  const rows = await ctx.db
    .selectFrom('cases')
    .select([...caseColumns])
    .where('requester_id', 'in', requesterIds(ctx.db, customerId))
    .orderBy('updated_at', 'desc')
    .orderBy('id')
    .limit(200)
    .execute();
  return rows.map(toPortalCase);
}

/** One of the customer's cases; another customer's case does not exist as far as they can tell. */
async function ownCase(db: Tx, customerId: string, caseId: string) {
  const row = await db
    .selectFrom('cases')
    .select([...caseColumns])
    .where('id', '=', caseId)
    .where('requester_id', 'in', requesterIds(db, customerId))
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', `case ${caseId} does not exist`);
  return row;
}

async function publicMessages(db: Tx, caseId: string): Promise<PortalMessage[]> {
  const rows = await db
    .selectFrom('case_messages as m')
    .leftJoin('users as u', 'u.id', 'm.author_user_id')
    .select(['m.id', 'm.kind', 'm.body_text', 'm.created_at', 'u.name as user_name'])
    .where('m.case_id', '=', caseId)
    .where((eb) => eb.or([eb('m.kind', '=', 'reply'), eb.and([eb('m.kind', '=', 'customer'), eb('m.author_customer_id', 'is not', null)])]))
    .orderBy('m.seq')
    .execute();
  return rows.map((m) => ({
    id: m.id,
    from: m.kind === 'reply' ? 'agent' : 'you',
    authorName: m.kind === 'reply' ? m.user_name : null,
    body: m.body_text,
    createdAt: m.created_at.toISOString(),
  }));
}

export async function getPortalCase(
  ctx: ServiceContext,
  customerId: string,
  caseId: string,
): Promise<PortalCase & { messages: PortalMessage[] }> {
  const c = await ownCase(ctx.db, customerId, caseId);
  return { ...toPortalCase(c), messages: await publicMessages(ctx.db, caseId) };
}

/**
 * The customer writes to their case, through the case lifecycle: a solved case reopens; a
 * closed one gets a follow-up case, whose id is answered.
 */
export async function addPortalMessage(
  ctx: ServiceContext,
  customerId: string,
  caseId: string,
  body: string,
): Promise<{ caseId: string; followUpCreated: boolean }> {
  return inTransaction(ctx.db, async (trx) => {
    await ownCase(trx, customerId, caseId);
    const current = await lockCase(trx, caseId);
    if (!current) throw new AppError('not_found', `case ${caseId} does not exist`);
    const result = await addMessageTx(trx, ctx.clock.now(), current, { kind: 'customer', channel: 'portal', body }, systemActor);
    return { caseId: result.case.id, followUpCreated: result.followUpCreated };
  });
}
