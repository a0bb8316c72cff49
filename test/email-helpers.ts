// Helpers for email channel tests: a mailbox with its inbound secret, posting raw RFC 822 text
// the way a mail relay does, and writing simple messages header by header.
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { Requester, TestApp } from './helpers.js';

/** RFC 822 lines end in CRLF. */
export function crlf(lines: string[]): string {
  return lines.join('\r\n');
}

export type SimpleMail = {
  from: string;
  to?: string;
  subject: string;
  messageId?: string | null;
  inReplyTo?: string;
  references?: string;
  extraHeaders?: string[];
  body?: string;
};

/** A text/plain UTF-8 message; `messageId: null` leaves the Message-ID header out. */
export function simpleMail(m: SimpleMail): string {
  const headers = [
    `From: ${m.from}`,
    `To: ${m.to ?? 'support@acme.test'}`,
    `Subject: ${m.subject}`,
    'Date: Mon, 23 Nov 2026 09:00:00 +0000',
    ...(m.messageId === null ? [] : [`Message-ID: ${m.messageId ?? `<${Math.random().toString(36).slice(2)}@mail.example.org>`}`]),
    ...(m.inReplyTo ? [`In-Reply-To: ${m.inReplyTo}`] : []),
    ...(m.references ? [`References: ${m.references}`] : []),
    ...(m.extraHeaders ?? []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
  ];
  return crlf([...headers, '', m.body ?? 'Hello, I need help.', '']);
}

export type TestMailbox = { id: string; secret: string; address: string };

let mailboxCounter = 0;

export async function createTestMailbox(as: Requester, body: Record<string, unknown> = {}): Promise<TestMailbox> {
  mailboxCounter += 1;
  const address = (body.address as string | undefined) ?? `support-${mailboxCounter}@acme.test`;
  const res = await as({ method: 'POST', url: '/api/mailboxes', body: { name: `Support ${mailboxCounter}`, address, ...body } });
  expect(res.statusCode, res.body).toBe(201);
  const json = res.json();
  return { id: json.mailbox.id, secret: json.inboundSecret, address };
}

/** Posts a raw message to the inbound endpoint as a relay would. */
export function postEmail(
  t: TestApp,
  mailbox: { id: string; secret: string },
  raw: string | Buffer,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: 'POST',
    url: `/api/inbound/email/${mailbox.id}`,
    headers: { authorization: `Bearer ${mailbox.secret}`, 'content-type': 'message/rfc822', ...headers },
    payload: typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw,
  });
}

export type InboundAnswer = {
  caseId: string | null;
  messageId: string | null;
  duplicate: boolean;
  threadedBy: string | null;
  automated: string | null;
  ignored: string | null;
};

/** Posts and expects the given status, answering the parsed body. */
export async function deliver(t: TestApp, mailbox: TestMailbox, raw: string | Buffer, status = 201): Promise<InboundAnswer> {
  const res = await postEmail(t, mailbox, raw);
  expect(res.statusCode, res.body).toBe(status);
  return res.json();
}
