// Reading a raw RFC 822 message into what the email channel needs: identities for threading,
// addresses, decoded text and HTML, attachments, and the signals of automated mail. MIME and
// character sets are mailparser's job; this file only picks and normalises its results.
import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject, type Attachment, type ParsedMail, type StructuredHeader } from 'mailparser';
import type { EmailAddressJson, EmailAutomatedKind } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { detectAutomatedMail } from './automated-mail.js';

export type InboundAttachment = { filename: string; contentType: string; data: Buffer; contentId: string | null };

export type InboundEmail = {
  /** Message-ID without brackets; synthetic when the sender gave none (see syntheticMessageId). */
  messageId: string;
  inReplyTo: string[];
  references: string[];
  from: EmailAddressJson | null;
  to: EmailAddressJson[];
  cc: EmailAddressJson[];
  subject: string;
  /** The text/plain part, if the message had one with any text. */
  text: string | undefined;
  /** The text/html part as sent (sanitised later, where it is stored). */
  html: string | undefined;
  attachments: InboundAttachment[];
  /** Message-IDs named inside a delivery report (the mail that bounced). */
  reportedMessageIds: string[];
  automated: EmailAutomatedKind | null;
};

// Longer ids are hashed: they still match themselves, and the unique index stays small.
const maxIdLength = 500;

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** PostgreSQL text cannot hold NUL; a hostile or broken message may contain it anywhere. */
function stripNul(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '') : text;
}

function capId(id: string): string {
  const clean = stripNul(id).replace(/\s+/g, '');
  return clean.length > maxIdLength ? `sha256-${sha256(clean)}` : clean;
}

/** The ids in a Message-ID, In-Reply-To or References value, without angle brackets, in order. */
export function parseMessageIds(value: string | string[] | undefined): string[] {
  const text = [value ?? []].flat().join(' ');
  const bracketed = [...text.matchAll(/<([^<>]+)>/g)].map((m) => m[1]!);
  // Some senders leave the brackets out; then every word with an @ is taken as an id.
  const ids = bracketed.length > 0 ? bracketed : text.split(/[\s,]+/).filter((w) => w.includes('@'));
  return [...new Set(ids.map(capId).filter((id) => id.length > 0))];
}

/** A stable id for a message that has none: the same bytes posted twice are one message. */
export function syntheticMessageId(raw: Buffer): string {
  return `${sha256(raw)}@synthetic.frontline.invalid`;
}

function addressesOf(field: AddressObject | AddressObject[] | undefined): EmailAddressJson[] {
  const out: EmailAddressJson[] = [];
  const visit = (entries: AddressObject['value']) => {
    for (const e of entries) {
      if (e.group) visit(e.group);
      else if (e.address) out.push({ address: stripNul(e.address).trim().toLowerCase(), name: stripNul(e.name ?? '').trim() });
    }
  };
  for (const obj of [field ?? []].flat()) visit(obj.value);
  return out;
}

/** Raw header values by lower-case name (first occurrence, unfolded, not MIME-decoded). */
function rawHeaders(parsed: ParsedMail): Map<string, string> {
  const map = new Map<string, string>();
  for (const { key, line } of parsed.headerLines) {
    if (map.has(key)) continue;
    const colon = line.indexOf(':');
    map.set(
      key,
      line
        .slice(colon + 1)
        .replace(/\r?\n[ \t]+/g, ' ')
        .trim(),
    );
  }
  return map;
}

// Parts that arrive without a file name still download as something a desktop can open: the
// parts of a delivery report are text, and a bare MIME subtype ("attachment.plain") is not an
// extension any program knows.
const namesByType: Record<string, string> = {
  'message/rfc822': 'message.eml',
  'message/delivery-status': 'delivery-status.txt',
  'message/disposition-notification': 'disposition-notification.txt',
  'text/rfc822-headers': 'original-headers.txt',
};
const extensionsByType: Record<string, string> = {
  'text/plain': 'txt',
  'text/html': 'html',
  'text/calendar': 'ics',
  'image/jpeg': 'jpg',
  'image/svg+xml': 'svg',
  'application/octet-stream': 'bin',
};

function defaultFilename(a: Attachment): string {
  const type = a.contentType.toLowerCase();
  const named = namesByType[type];
  if (named) return named;
  const subtype = type.split('/')[1]?.replace(/[^a-z0-9.+-]/g, '') ?? '';
  return `${a.cid ? 'inline' : 'attachment'}.${extensionsByType[type] ?? (subtype || 'bin')}`;
}

function toAttachment(a: Attachment): InboundAttachment {
  return {
    filename: stripNul(a.filename ?? defaultFilename(a)),
    contentType: a.contentType || 'application/octet-stream',
    data: a.content,
    contentId: a.cid ?? null,
  };
}

/**
 * The Message-IDs a delivery report quotes from the mail that failed: its original (or just the
 * original's headers) travels as a message/rfc822 or text/rfc822-headers part.
 */
function reportedIdsOf(attachments: Attachment[]): string[] {
  const ids: string[] = [];
  for (const a of attachments) {
    if (a.contentType !== 'message/rfc822' && a.contentType !== 'text/rfc822-headers') continue;
    const head = a.content.toString('utf8').split(/\r?\n\r?\n/)[0] ?? '';
    const match = /^message-id:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(head);
    if (match) ids.push(...parseMessageIds(match[1]));
  }
  return ids;
}

function contentTypeOf(parsed: ParsedMail): { mimeType: string; reportType: string | null } {
  const header = parsed.headers.get('content-type') as StructuredHeader | undefined;
  const mimeType = (header?.value ?? 'text/plain').toLowerCase();
  const reportType = header?.params?.['report-type']?.toLowerCase() ?? null;
  return { mimeType, reportType };
}

async function runParser(raw: Buffer): Promise<ParsedMail> {
  try {
    // Inline images keep their cid: links (they are stored as attachments); no text is invented
    // from HTML here, because the stored plain text is rendered by our own helper.
    return await simpleParser(raw, { keepCidLinks: true, skipHtmlToText: true, skipTextToHtml: true, keepDeliveryStatus: true });
  } catch (err) {
    throw new AppError('bad_request', `the body is not a readable email message: ${(err as Error).message}`);
  }
}

export async function parseInboundEmail(raw: Buffer): Promise<InboundEmail> {
  if (raw.length === 0) throw new AppError('bad_request', 'the body is empty; send the raw message as message/rfc822');
  const parsed = await runParser(raw);
  const from = addressesOf(parsed.from)[0] ?? null;
  const text = parsed.text ? stripNul(parsed.text).trim() : '';
  const html = parsed.html ? stripNul(parsed.html) : '';
  return {
    messageId: parseMessageIds(parsed.messageId)[0] ?? syntheticMessageId(raw),
    inReplyTo: parseMessageIds(parsed.inReplyTo),
    references: parseMessageIds(parsed.references),
    from,
    to: addressesOf(parsed.to),
    cc: addressesOf(parsed.cc),
    subject: stripNul(parsed.subject ?? '').trim(),
    text: text || undefined,
    html: html.trim() ? html : undefined,
    attachments: parsed.attachments.map(toAttachment),
    reportedMessageIds: reportedIdsOf(parsed.attachments),
    automated: detectAutomatedMail({ headers: rawHeaders(parsed), ...contentTypeOf(parsed), fromAddress: from?.address ?? null }),
  };
}
