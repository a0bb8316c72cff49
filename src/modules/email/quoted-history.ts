// Quoted history in email replies: most mail programs repeat the whole earlier conversation under
// a reply. The case already shows that conversation, so the text shown for an email message is cut
// where the quote starts. The full body is always stored; only the display text is trimmed.

/** "On Mon, 2 Mar 2026 at 10:00, Ann <ann@example.com> wrote:" and its common translations. */
const attributionPattern =
  /^\s*(?:On\b.*\bwrote|Le\b.*\ba écrit|Am\b.*\bschrieb.*|El\b.*\bescribió|Il\b.*\bha scritto|Op\b.*\bschreef.*)\s?:\s*$/i;

/**
 * Gmail's Japanese and Chinese attributions: "2026年11月20日(金) 14:03 Ann <ann@example.jp>:" and
 * "Ann <ann@example.cn> 于2026年11月20日周五 14:03写道：". Either colon may be full width.
 */
const cjkAttributionPattern = /^\s*(?:\d{4}年\d{1,2}月\d{1,2}日.*|.*写道)\s?[:：]\s*$/;

/**
 * Separators above a forwarded message. What follows them is what the customer wants us to read,
 * not history we already have, so the search for quoted history stops there.
 */
const forwardPattern =
  /^\s*(?:-{2,}\s*(?:Forwarded message|Forwarded Message|Weitergeleitete Nachricht|Message transféré|Mensaje reenviado|Messaggio inoltrato|Doorgestuurd bericht)\s*-{2,}|Begin forwarded message:|Début du message réexpédié :|Anfang der weitergeleiteten Nachricht:)\s*$/i;

/** Outlook's and others' separators above a copied original. */
const originalMessagePattern = /^\s*-{2,}\s*(?:Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original)\s*-{2,}\s*$/i;

const outlookFromPattern = /^\s*\*?(?:From|Von|De)\*?:\s*\S/;
const outlookDatePattern = /^\s*\*?(?:Sent|Date|Gesendet|Envoyé|Enviado)\*?:\s*\S/;
const quotedLinePattern = /^\s*>/;
const rulePattern = /^\s*_{5,}\s*$/;

function isBlank(line: string | undefined): boolean {
  return line === undefined || line.trim() === '';
}

/** The next line after `from` that is not blank, or undefined at the end. */
function nextFilledLine(lines: string[], from: number): string | undefined {
  for (let i = from; i < lines.length; i++) if (!isBlank(lines[i])) return lines[i];
  return undefined;
}

/**
 * How many lines, starting at `i`, form an "On … wrote:" attribution (clients wrap long ones
 * over two lines), or 0. It only counts when quoted lines (or nothing) follow, so a sentence that
 * happens to end in "wrote:" is kept.
 */
function attributionLength(lines: string[], i: number): number {
  for (const span of [1, 2]) {
    const text = lines.slice(i, i + span).join(' ');
    if (i + span > lines.length || !(attributionPattern.test(text) || cjkAttributionPattern.test(text))) continue;
    const after = nextFilledLine(lines, i + span);
    if (after === undefined || quotedLinePattern.test(after)) return span;
  }
  return 0;
}

/** An Outlook header block: "From: …" followed within three lines by "Sent: …" or "Date: …". */
function startsOutlookHeader(lines: string[], i: number): boolean {
  if (!outlookFromPattern.test(lines[i]!)) return false;
  return lines.slice(i + 1, i + 4).some((l) => outlookDatePattern.test(l));
}

/** Index of the first line of the quoted history, or the number of lines when there is none. */
function findHistoryStart(lines: string[]): number {
  for (let i = 0; i < lines.length; i++) {
    if (forwardPattern.test(lines[i]!)) return lines.length;
    // A header block at the very top is the customer forwarding something: that is content.
    if (originalMessagePattern.test(lines[i]!) || (i > 0 && startsOutlookHeader(lines, i))) return i;
    if (attributionLength(lines, i) > 0) return i;
  }
  return lines.length;
}

/**
 * The reply without the history it quotes: everything from an "On … wrote:" attribution, an
 * "-----Original Message-----" separator or an Outlook "From:/Sent:" block on is dropped, and so
 * are lines quoted with ">". A message that is nothing but quotation is returned as it was, since
 * showing nothing would hide what the sender did send.
 */
export function trimQuotedHistory(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const kept = lines.slice(0, findHistoryStart(lines)).filter((l) => !quotedLinePattern.test(l));
  while (kept.length > 0 && (isBlank(kept[kept.length - 1]) || rulePattern.test(kept[kept.length - 1]!))) kept.pop();
  const trimmed = kept
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return trimmed === '' ? text.trim() : trimmed;
}
