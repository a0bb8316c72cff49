// Recognising mail that no person wrote: auto-replies (out of office, "we received your message"),
// bounces (delivery status reports) and bulk or list mail. Such mail must never reopen a case or
// open a new one, or two auto-responders would answer each other for ever (RFC 3834).
import type { EmailAutomatedKind } from '../../db/schema.js';

export type AutomatedSignals = {
  /** Header values by lower-case name. */
  headers: ReadonlyMap<string, string>;
  /** The top-level MIME type, lower-case, e.g. "multipart/report". */
  mimeType: string;
  /** The report-type parameter of a multipart/report, lower-case. */
  reportType: string | null;
  fromAddress: string | null;
};

const bounceSenders = /^(?:mailer-daemon|postmaster)(?:@|$)/i;
const bulkPrecedence = new Set(['bulk', 'junk', 'list']);

function headerValue(signals: AutomatedSignals, name: string): string | undefined {
  const v = signals.headers.get(name);
  return v === undefined ? undefined : v.trim().toLowerCase();
}

function isBounce(s: AutomatedSignals): boolean {
  if (s.mimeType === 'multipart/report' && s.reportType === 'delivery-status') return true;
  return s.fromAddress !== null && bounceSenders.test(s.fromAddress);
}

function isAutoReply(s: AutomatedSignals): boolean {
  const autoSubmitted = headerValue(s, 'auto-submitted');
  // RFC 3834: any value but "no" means a machine sent it; parameters may follow a semicolon.
  if (autoSubmitted !== undefined && autoSubmitted.split(';')[0]!.trim() !== 'no') return true;
  if (s.headers.has('x-autoreply') || s.headers.has('x-autorespond')) return true;
  if (headerValue(s, 'precedence') === 'auto_reply') return true;
  // Read receipts and other reports that are not about delivery.
  if (s.mimeType === 'multipart/report') return true;
  // The null sender is reserved for notifications that must not be answered (RFC 5321 4.5.5).
  return headerValue(s, 'return-path') === '<>';
}

/** What kind of automated mail this is, or null for mail a person wrote. */
export function detectAutomatedMail(signals: AutomatedSignals): EmailAutomatedKind | null {
  if (isBounce(signals)) return 'bounce';
  if (isAutoReply(signals)) return 'auto_reply';
  const precedence = headerValue(signals, 'precedence');
  if (precedence !== undefined && bulkPrecedence.has(precedence)) return 'bulk';
  return null;
}
