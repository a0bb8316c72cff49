// Which case an inbound email belongs to. In order: a Message-ID it answers (In-Reply-To, then
// References from the newest), then a case token such as "[#1234]" in the subject, but only from
// the case's requester (anyone can type a number into a subject), then, for a bounce, the
// Message-ID of the mail that bounced. A subject alone never joins a case: "Invoice" from two
// customers is two cases.
import type { EmailThreadMatch } from '../../db/schema.js';
import type { Tx } from '../../lib/context.js';
import type { InboundEmail } from './email-parse.js';
import { findCaseRef, findCasesByMessageIds, isIdentityOf } from './email.queries.js';

export type ThreadMatch = { caseId: string; by: EmailThreadMatch };

// Long threads carry long References; the newest ones are the ones that matter.
const maxReferences = 50;
// A merge chain longer than this is a data error, not a thread to follow for ever.
const maxMergeHops = 10;

const caseTokenPattern = /\[#(\d{1,18})\]/g;

/** The case numbers named by "[#1234]" tokens in a subject, in order. */
export function caseTokensOf(subject: string): string[] {
  return [...new Set([...subject.matchAll(caseTokenPattern)].map((m) => m[1]!.replace(/^0+(?=\d)/, '')))];
}

/** A case merged into another lives on in the target: mail to it goes there. */
async function followMerges(db: Tx, caseId: string): Promise<string> {
  let id = caseId;
  for (let hop = 0; hop < maxMergeHops; hop++) {
    const ref = await findCaseRef(db, { id });
    if (!ref?.merged_into_id) return id;
    id = ref.merged_into_id;
  }
  return id;
}

async function matchByMessageIds(db: Tx, candidates: [string, EmailThreadMatch][]): Promise<ThreadMatch | null> {
  if (candidates.length === 0) return null;
  const rows = await findCasesByMessageIds(db, [...new Set(candidates.map(([id]) => id))]);
  const caseOf = new Map(rows.map((r) => [r.message_id, r.case_id]));
  for (const [id, by] of candidates) {
    const caseId = caseOf.get(id);
    if (caseId) return { caseId: await followMerges(db, caseId), by };
  }
  return null;
}

function headerCandidates(email: InboundEmail): [string, EmailThreadMatch][] {
  const references = email.references.slice(-maxReferences).reverse();
  return [
    ...email.inReplyTo.map((id): [string, EmailThreadMatch] => [id, 'in_reply_to']),
    ...references.map((id): [string, EmailThreadMatch] => [id, 'references']),
  ];
}

async function matchBySubjectToken(db: Tx, email: InboundEmail): Promise<ThreadMatch | null> {
  if (!email.from) return null;
  for (const number of caseTokensOf(email.subject)) {
    const named = await findCaseRef(db, { number });
    if (named && (await isIdentityOf(db, named.requester_id, email.from.address))) {
      return { caseId: await followMerges(db, named.id), by: 'subject_token' };
    }
  }
  return null;
}

export async function findThread(db: Tx, email: InboundEmail): Promise<ThreadMatch | null> {
  const byHeaders = await matchByMessageIds(db, headerCandidates(email));
  if (byHeaders) return byHeaders;
  const byToken = await matchBySubjectToken(db, email);
  if (byToken) return byToken;
  if (email.automated !== 'bounce') return null;
  return matchByMessageIds(
    db,
    email.reportedMessageIds.map((id): [string, EmailThreadMatch] => [id, 'report']),
  );
}
