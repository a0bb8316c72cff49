// Mailboxes: the addresses customers write to. Each has a team for its new cases and an inbound
// secret with which the mail relay proves itself to the inbound endpoint. Like API tokens, the
// secret is shown once (at creation or rotation) and only its SHA-256 is stored.
import type { MailboxSettings } from '../../db/schema.js';
import type { ServiceContext, Tx } from '../../lib/context.js';
import { AppError, isUniqueViolation } from '../../lib/errors.js';
import { equalSecrets, generateSecret, hashSecret } from '../../lib/secrets.js';
import { recordAudit } from '../audit/audit.service.js';
import { assertPermission, type Actor } from '../auth/permissions.js';
import { assertTeam } from '../cases/case-fields.js';
import {
  findMailboxCredentials,
  findMailboxIdByAddress,
  findMailboxRow,
  insertMailboxRow,
  listIgnoredRows,
  listMailboxRows,
  lockMailboxRow,
  updateMailboxRow,
  type MailboxRow,
} from './email.queries.js';

export const inboundSecretPrefix = 'flm_';

/** Server settings for SMTP sending and IMAP polling; the password is never shown again. */
export type ServerSettingsInput = {
  host: string;
  port: number;
  secure: boolean;
  username?: string | undefined;
  password?: string | undefined;
};

/** IMAP polling (imap-poller.ts): which folder, and what happens to a message once stored. */
export type ImapSettingsInput = ServerSettingsInput & {
  username: string;
  folder: string;
  enabled: boolean;
  afterProcessing: 'mark_seen' | 'move';
  moveToFolder?: string | undefined;
};

export type ServerSettingsView = Omit<ServerSettingsInput, 'password'> & { hasPassword: boolean };
export type ImapSettingsView = Omit<ImapSettingsInput, 'password'> & { hasPassword: boolean };

export type MailboxView = {
  id: string;
  name: string;
  address: string;
  teamId: string | null;
  teamName: string | null;
  active: boolean;
  /** Staff notifications (SLA warnings, escalations…) are emailed from this mailbox. */
  notifyStaff: boolean;
  /** Where the relay posts this mailbox's mail. */
  inboundPath: string;
  /** The first characters of the current inbound secret, to tell secrets apart. */
  inboundSecretPrefix: string;
  smtp: ServerSettingsView | null;
  imap: ImapSettingsView | null;
  createdAt: string;
  updatedAt: string;
};

export type MailboxWithSecret = { mailbox: MailboxView; inboundSecret: string };

export function inboundPathOf(id: string): string {
  return `/api/inbound/email/${id}`;
}

function redactSettings<T extends ServerSettingsInput>(
  settings: MailboxSettings | null,
): (Omit<T, 'password'> & { hasPassword: boolean }) | null {
  if (!settings) return null;
  const { password, ...rest } = settings as T;
  return { ...rest, hasPassword: typeof password === 'string' && password.length > 0 };
}

/**
 * IMAP settings stored before polling existed had no folder, switch or action: they read as
 * switched off, so that an upgrade never starts polling a server nobody asked us to poll.
 */
function imapView(settings: MailboxSettings | null): ImapSettingsView | null {
  const view = redactSettings<ImapSettingsInput>(settings);
  if (!view) return null;
  return {
    ...view,
    username: view.username ?? '',
    folder: view.folder ?? 'INBOX',
    enabled: view.enabled === true,
    afterProcessing: view.afterProcessing === 'move' ? 'move' : 'mark_seen',
  };
}

function toMailboxView(r: MailboxRow): MailboxView {
  return {
    id: r.id,
    name: r.name,
    address: r.address,
    teamId: r.team_id,
    teamName: r.team_name,
    active: r.active,
    notifyStaff: r.notify_staff,
    inboundPath: inboundPathOf(r.id),
    inboundSecretPrefix: r.inbound_secret_prefix,
    smtp: redactSettings<ServerSettingsInput>(r.smtp_settings),
    imap: imapView(r.imap_settings),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

function newInboundSecret(): { secret: string; hash: string; prefix: string } {
  const secret = `${inboundSecretPrefix}${generateSecret()}`;
  return { secret, hash: hashSecret(secret), prefix: secret.slice(0, inboundSecretPrefix.length + 6) };
}

async function loadMailboxView(db: Tx, id: string): Promise<MailboxView> {
  const row = await findMailboxRow(db, id);
  if (!row) throw new AppError('not_found', `mailbox ${id} does not exist`);
  return toMailboxView(row);
}

async function assertAddressFree(db: Tx, address: string, exceptId?: string): Promise<void> {
  const taken = await findMailboxIdByAddress(db, address);
  if (taken && taken.id !== exceptId) throw addressTaken(address);
}

function addressTaken(address: string): AppError {
  return new AppError('conflict', `another mailbox already receives mail for ${address}`, { field: 'address' });
}

/** A unique-index race (two creates of one address at once) still answers a clear 409. */
async function withAddressConflict<T>(address: string | undefined, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (address !== undefined && isUniqueViolation(err)) throw addressTaken(address);
    throw err;
  }
}

/**
 * Stored settings for an update. A password left out keeps the stored one, so that a form can
 * change the port without asking for the password again, but only while host and user stay the
 * same: the old password is never handed to a different server.
 */
export function nextSettings<T extends ServerSettingsInput>(input: T | null, stored: MailboxSettings | null): MailboxSettings | null {
  if (!input) return null;
  const previous = stored as ServerSettingsInput | null;
  const sameServer = previous !== null && previous.host === input.host && previous.username === input.username;
  if (input.password === undefined && sameServer && previous.password) return { ...input, password: previous.password };
  return { ...input };
}

export type CreateMailboxInput = {
  name: string;
  address: string;
  teamId?: string | null | undefined;
  active?: boolean | undefined;
  notifyStaff?: boolean | undefined;
  smtp?: ServerSettingsInput | null | undefined;
  imap?: ImapSettingsInput | null | undefined;
};

export async function createMailbox(ctx: ServiceContext, input: CreateMailboxInput, actor: Actor): Promise<MailboxWithSecret> {
  assertPermission(actor, 'channels.manage');
  const at = ctx.clock.now();
  const address = input.address.trim().toLowerCase();
  return withAddressConflict(address, () =>
    ctx.db.transaction().execute(async (trx) => {
      await assertTeam(trx, input.teamId);
      await assertAddressFree(trx, address);
      const secret = newInboundSecret();
      const { id } = await insertMailboxRow(trx, {
        name: input.name.trim(),
        address,
        teamId: input.teamId ?? null,
        active: input.active ?? true,
        notifyStaff: input.notifyStaff ?? false,
        secretHash: secret.hash,
        secretPrefix: secret.prefix,
        smtp: nextSettings(input.smtp ?? null, null),
        imap: nextSettings(input.imap ?? null, null),
        at,
      });
      const mailbox = await loadMailboxView(trx, id);
      await recordAudit(trx, actor, at, { action: 'mailbox.created', subjectType: 'mailbox', subjectId: id, after: mailbox });
      return { mailbox, inboundSecret: secret.secret };
    }),
  );
}

export async function listMailboxes(ctx: ServiceContext, actor: Actor): Promise<MailboxView[]> {
  assertPermission(actor, 'channels.manage');
  return (await listMailboxRows(ctx.db)).map(toMailboxView);
}

export async function getMailbox(ctx: ServiceContext, id: string, actor: Actor): Promise<MailboxView> {
  assertPermission(actor, 'channels.manage');
  return loadMailboxView(ctx.db, id);
}

export type UpdateMailboxInput = Partial<CreateMailboxInput>;

export async function updateMailbox(ctx: ServiceContext, id: string, input: UpdateMailboxInput, actor: Actor): Promise<MailboxView> {
  assertPermission(actor, 'channels.manage');
  const at = ctx.clock.now();
  const address = input.address?.trim().toLowerCase();
  return withAddressConflict(address, () =>
    ctx.db.transaction().execute(async (trx) => {
      const stored = await lockMailboxRow(trx, id);
      if (!stored) throw new AppError('not_found', `mailbox ${id} does not exist`);
      const before = await loadMailboxView(trx, id);
      if (input.teamId !== undefined) await assertTeam(trx, input.teamId);
      if (address !== undefined) await assertAddressFree(trx, address, id);
      await updateMailboxRow(trx, id, {
        ...(input.name !== undefined ? { name: input.name.trim() } : {}),
        ...(address !== undefined ? { address } : {}),
        ...(input.teamId !== undefined ? { team_id: input.teamId } : {}),
        ...(input.active !== undefined ? { active: input.active } : {}),
        ...(input.notifyStaff !== undefined ? { notify_staff: input.notifyStaff } : {}),
        ...(input.smtp !== undefined ? { smtp_settings: jsonOrNull(nextSettings(input.smtp, stored.smtp_settings)) } : {}),
        ...(input.imap !== undefined ? { imap_settings: jsonOrNull(nextSettings(input.imap, stored.imap_settings)) } : {}),
        updated_at: at,
      });
      const after = await loadMailboxView(trx, id);
      await recordAudit(trx, actor, at, { action: 'mailbox.updated', subjectType: 'mailbox', subjectId: id, before, after });
      return after;
    }),
  );
}

function jsonOrNull(value: MailboxSettings | null): string | null {
  return value ? JSON.stringify(value) : null;
}

/** A new inbound secret; the old one stops working at once. */
export async function rotateMailboxSecret(ctx: ServiceContext, id: string, actor: Actor): Promise<MailboxWithSecret> {
  assertPermission(actor, 'channels.manage');
  const at = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    if (!(await lockMailboxRow(trx, id))) throw new AppError('not_found', `mailbox ${id} does not exist`);
    const secret = newInboundSecret();
    await updateMailboxRow(trx, id, { inbound_secret_hash: secret.hash, inbound_secret_prefix: secret.prefix, updated_at: at });
    const mailbox = await loadMailboxView(trx, id);
    await recordAudit(trx, actor, at, {
      action: 'mailbox.secret_rotated',
      subjectType: 'mailbox',
      subjectId: id,
      after: { inboundSecretPrefix: secret.prefix },
    });
    return { mailbox, inboundSecret: secret.secret };
  });
}

export type InboundMailbox = { id: string; address: string; teamId: string | null };

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Compared against when the mailbox does not exist, so that the answer takes as long either way.
const absentSecretHash = hashSecret('no mailbox has this secret');

/**
 * The mailbox a relay posts to, after checking its `Authorization: Bearer <inbound secret>` in
 * constant time. An unknown mailbox and a wrong secret get the same answer, so that mailbox ids
 * cannot be probed.
 */
export async function authenticateMailbox(
  ctx: ServiceContext,
  mailboxId: string,
  authorization: string | undefined,
): Promise<InboundMailbox> {
  const given = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (given === undefined) {
    throw new AppError('unauthenticated', 'send the mailbox inbound secret as "Authorization: Bearer <secret>"');
  }
  const row = uuidPattern.test(mailboxId) ? await findMailboxCredentials(ctx.db, mailboxId) : undefined;
  const matches = equalSecrets(hashSecret(given), row?.inbound_secret_hash ?? absentSecretHash);
  if (!row || !matches) throw new AppError('unauthenticated', 'unknown mailbox or wrong inbound secret');
  if (!row.active) throw new AppError('forbidden', `mailbox ${mailboxId} is not active and accepts no mail`);
  return { id: row.id, address: row.address, teamId: row.team_id };
}

export type IgnoredMailView = {
  id: string;
  messageId: string;
  fromAddress: string | null;
  subject: string;
  reason: 'automated_unmatched' | 'own_address';
  automatedKind: string | null;
  sizeBytes: number;
  receivedAt: string;
};

/** The newest mail this mailbox recorded without a case (automated mail, loops). */
export async function listIgnoredMail(ctx: ServiceContext, mailboxId: string, actor: Actor): Promise<IgnoredMailView[]> {
  assertPermission(actor, 'channels.manage');
  await loadMailboxView(ctx.db, mailboxId);
  const rows = await listIgnoredRows(ctx.db, mailboxId, 200);
  return rows.map((r) => ({
    id: r.id,
    messageId: r.message_id,
    fromAddress: r.from_address,
    subject: r.subject,
    reason: r.reason,
    automatedKind: r.automated_kind,
    sizeBytes: Number(r.raw_size_bytes),
    receivedAt: r.received_at.toISOString(),
  }));
}
