// Client calls and shapes for the email channel (docs/email.md): mailboxes with their sending
// (SMTP) and polling (IMAP) servers, their inbound secret (in the answer to create and rotate
// only), the health of their polling and sending, the mail a mailbox recorded without a case, and
// the original of an email case message. Same client as api.ts (CSRF, errors).
import { apiRequest } from './api';
import type { ItemList } from './api-types';

const enc = encodeURIComponent;

/** The SMTP server replies and notifications go out through (outbound.ts). The password is never shown. */
export type SmtpSettings = {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); false: STARTTLS when the server offers it. */
  secure: boolean;
  username?: string;
  hasPassword: boolean;
};

/** The IMAP folder polled for new mail (imap-poller.ts). The password is never shown. */
export type ImapSettings = {
  host: string;
  port: number;
  /** TLS from the first byte (port 993); false: STARTTLS when the server offers it. */
  secure: boolean;
  username: string;
  hasPassword: boolean;
  folder: string;
  /** Poll this mailbox (while the mailbox is active). */
  enabled: boolean;
  /** What is done to a message once stored: flag it \Seen, or move it to moveToFolder. */
  afterProcessing: 'mark_seen' | 'move';
  moveToFolder?: string;
};

export type Mailbox = {
  id: string;
  name: string;
  address: string;
  teamId: string | null;
  teamName: string | null;
  active: boolean;
  /** Staff notifications (SLA warnings, escalations…) are emailed from this mailbox. */
  notifyStaff: boolean;
  /** "/api/inbound/email/<id>": where the relay posts each raw message. */
  inboundPath: string;
  /** The first ten characters of the current secret, to tell secrets apart. */
  inboundSecretPrefix: string;
  smtp: SmtpSettings | null;
  imap: ImapSettings | null;
  createdAt: string;
  updatedAt: string;
};

/**
 * Server settings as sent: a password left out keeps the stored one while host and user stay
 * the same (the server never hands an old password to another server).
 */
export type SmtpSettingsInput = { host: string; port: number; secure: boolean; username?: string; password?: string };
export type ImapSettingsInput = SmtpSettingsInput & {
  username: string;
  folder: string;
  enabled: boolean;
  afterProcessing: 'mark_seen' | 'move';
  moveToFolder?: string;
};

export type MailboxWithSecret = { mailbox: Mailbox; inboundSecret: string };

export type IgnoredMail = {
  id: string;
  messageId: string;
  fromAddress: string | null;
  subject: string;
  reason: 'automated_unmatched' | 'own_address';
  automatedKind: string | null;
  sizeBytes: number;
  receivedAt: string;
};

export type MailboxInput = {
  name: string;
  address: string;
  teamId: string | null;
  active: boolean;
  notifyStaff?: boolean;
  /** null: no server (the mailbox does not send, or is not polled). */
  smtp?: SmtpSettingsInput | null;
  imap?: ImapSettingsInput | null;
};

/** A channel's health (GET /api/channels/health): for a mailbox, its sends and IMAP polls. */
export type ChannelHealth = {
  kind: 'mailbox' | 'form';
  id: string;
  name: string;
  address: string | null;
  state: 'ok' | 'degraded' | 'down' | 'silent';
  stateSince: string;
  reason: string | null;
  lastInboundAt: string | null;
  lastSendOkAt: string | null;
  lastErrorAt: string | null;
  lastError: string | null;
  consecutiveErrors: number;
  lastPollOkAt: string | null;
  lastPollErrorAt: string | null;
  lastPollError: string | null;
  consecutivePollErrors: number;
  checkedAt: string | null;
  /** Mean inbound messages per hour for each hour of the week, Monday 00:00 first (168 values). */
  usualPerHour: number[];
};

export async function listChannelHealth(): Promise<ChannelHealth[]> {
  return (await apiRequest<ItemList<ChannelHealth>>('/api/channels/health')).items;
}

export async function listMailboxes(): Promise<Mailbox[]> {
  return (await apiRequest<ItemList<Mailbox>>('/api/mailboxes')).items;
}

export function createMailbox(input: MailboxInput): Promise<MailboxWithSecret> {
  return apiRequest('/api/mailboxes', { method: 'POST', body: input });
}

export function updateMailbox(id: string, input: Partial<MailboxInput>): Promise<Mailbox> {
  return apiRequest(`/api/mailboxes/${enc(id)}`, { method: 'PATCH', body: input });
}

export function rotateMailboxSecret(id: string): Promise<MailboxWithSecret> {
  return apiRequest(`/api/mailboxes/${enc(id)}/rotate-secret`, { method: 'POST' });
}

export async function listIgnoredMail(id: string): Promise<IgnoredMail[]> {
  return (await apiRequest<ItemList<IgnoredMail>>(`/api/mailboxes/${enc(id)}/ignored`)).items;
}

/** The address a relay posts raw mail to, on this server. */
export function inboundUrl(mailbox: Pick<Mailbox, 'id' | 'inboundPath'>, origin: string = window.location.origin): string {
  return `${origin}${mailbox.inboundPath || `/api/inbound/email/${enc(mailbox.id)}`}`;
}

/** The download link of an email case message's original (.eml), as received. */
export function rawEmailUrl(caseId: string, messageId: string): string {
  return `/api/cases/${enc(caseId)}/messages/${enc(messageId)}/raw`;
}
