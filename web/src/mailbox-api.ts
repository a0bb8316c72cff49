// Client calls and shapes for the email channel (docs/email.md): mailboxes, their inbound secret
// (in the answer to create and rotate only), the mail a mailbox recorded without a case, and the
// original of an email case message. Same client as api.ts (CSRF, errors).
import { apiRequest } from './api';
import type { ItemList } from './api-types';

const enc = encodeURIComponent;

/** Outgoing (SMTP) or polling (IMAP) server settings: stored for later work, not used yet. */
export type MailServerSettings = {
  host: string;
  port: number;
  secure: boolean;
  username?: string;
  folder?: string;
  hasPassword: boolean;
};

export type Mailbox = {
  id: string;
  name: string;
  address: string;
  teamId: string | null;
  teamName: string | null;
  active: boolean;
  /** "/api/inbound/email/<id>": where the relay posts each raw message. */
  inboundPath: string;
  /** The first ten characters of the current secret, to tell secrets apart. */
  inboundSecretPrefix: string;
  smtp: MailServerSettings | null;
  imap: MailServerSettings | null;
  createdAt: string;
  updatedAt: string;
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

export type MailboxInput = { name: string; address: string; teamId: string | null; active: boolean };

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
