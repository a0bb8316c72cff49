// The inbound email corpus: real-world-shaped messages (test/fixtures/email/*.eml) posted one by
// one, in the manifest's order, to the inbound endpoint of one mailbox, each checked against what
// the manifest says must happen: new case or which earlier message's case it joins, duplicate,
// automated kind, decoded subject, sender and text, the display text without quoted history, the
// raw original, attachments, and HTML that is safe to show.
//
// Observing and judging are kept apart (observe() then judge()), so the last tests can feed the
// judge wrong expectations and prove that each kind of check does fail.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { createTestMailbox, postEmail, type InboundAnswer, type TestMailbox } from './email-helpers.js';
import { startTestApp, type Requester, type TestApp } from './helpers.js';

const fixturesDir = path.join(import.meta.dirname, 'fixtures', 'email');

const TextExpect = z.strictObject({
  equals: z.string().optional(),
  contains: z.array(z.string()).optional(),
  excludes: z.array(z.string()).optional(),
});
const Address = z.strictObject({ address: z.string(), name: z.string() });
// sha256 is left out only where the file holds a placeholder, so its bytes are known at run time.
const AttachmentExpect = z.strictObject({
  filename: z.string(),
  contentType: z.string(),
  sizeBytes: z.number().int(),
  sha256: z.string().optional(),
});

const Expectation = z.strictObject({
  status: z.union([z.literal(200), z.literal(201), z.literal(202)]),
  /** 'new': a case no earlier message went to; sameAs: the case of that earlier message; null: none. */
  case: z.union([z.literal('new'), z.strictObject({ sameAs: z.string() }), z.null()]).optional(),
  duplicateOf: z.string().optional(),
  threadedBy: z.enum(['new_case', 'in_reply_to', 'references', 'subject_token', 'report', 'flood']).nullable(),
  automated: z.enum(['auto_reply', 'bounce', 'bulk']).nullable(),
  ignored: z.enum(['automated_unmatched', 'own_address']).nullable().optional(),
  /** Automated mail on a case must not move it: status and customer-message count stay. */
  caseUnchanged: z.boolean().optional(),
  /** The stored Message-ID, or 'synthetic' for the SHA-256 of the raw bytes. */
  messageId: z.string().optional(),
  subject: z.string().optional(),
  from: Address.optional(),
  text: TextExpect.optional(),
  html: TextExpect.extend({ safe: z.boolean().optional() }).nullable().optional(),
  display: TextExpect.optional(),
  attachments: z.array(AttachmentExpect).optional(),
});
type Expectation = z.infer<typeof Expectation>;

const MessageEntry = z.strictObject({ file: z.string(), id: z.string(), shape: z.string(), expect: Expectation });
const ReplyEntry = z.strictObject({ agentReply: z.strictObject({ case: z.string(), body: z.string() }) });
const Manifest = z.strictObject({
  description: z.string(),
  mailbox: z.string(),
  entries: z.array(z.union([MessageEntry, ReplyEntry])),
});
type MessageEntry = z.infer<typeof MessageEntry>;

const manifest = Manifest.parse(JSON.parse(fs.readFileSync(path.join(fixturesDir, 'manifest.json'), 'utf8')));
const messageEntries = manifest.entries.filter((e): e is MessageEntry => 'file' in e);

type CaseFacts = {
  id: string;
  number: number;
  subject: string;
  status: string;
  customerMessageCount: number;
  requester: { name: string; email: string | null };
};
type Observed = {
  status: number;
  answer: InboundAnswer;
  raw: Buffer;
  caseBefore: CaseFacts | null;
  caseAfter: CaseFacts | null;
  message: { bodyText: string; bodyHtml: string | null } | null;
  attachments: { filename: string; contentType: string; sizeBytes: number; sha256: string }[];
  email: { messageId: string; subject: string; from: { address: string; name: string } | null; displayText: string } | null;
  rawDownload: Buffer | null;
  ignoredListed: { messageId: string; reason: string; automatedKind: string | null; subject: string } | null;
};
/** What earlier entries left behind, for sameAs, duplicateOf and the placeholders. */
type Known = { caseId: string | null; messageId: string | null; replyMessageIds: string[] };

let t: TestApp;
let admin: Requester;
let box: TestMailbox;
const known = new Map<string, Known>();
const observedById = new Map<string, Observed>();
const earlierCaseIds = new Set<string>();

beforeAll(async () => {
  t = await startTestApp();
  admin = (await t.userWithToken('admin')).as;
  box = await createTestMailbox(admin, { address: manifest.mailbox });
});
afterAll(() => t.close());

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function knownOf(id: string): Known {
  const k = known.get(id);
  if (!k) throw new Error(`the manifest refers to "${id}" before it was posted`);
  return k;
}

async function getJson(url: string) {
  const res = await admin({ url });
  if (res.statusCode !== 200) throw new Error(`GET ${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}

async function caseFacts(caseId: string | null): Promise<CaseFacts | null> {
  return caseId ? ((await getJson(`/api/cases/${caseId}`)) as CaseFacts) : null;
}

/** Fills {{number:<id>}} and {{reply:<id>}} (see the manifest's description). */
async function fillPlaceholders(text: string): Promise<string> {
  let out = text;
  for (const [token, kind, id] of [...text.matchAll(/\{\{(number|reply):([a-z0-9-]+)\}\}/g)].map((m) => [m[0], m[1]!, m[2]!])) {
    const k = knownOf(id!);
    let value: string;
    if (kind === 'number') value = String((await caseFacts(k.caseId))!.number);
    else {
      const replyId = k.replyMessageIds.at(-1);
      if (!replyId) throw new Error(`no agent reply on the case of "${id}" yet`);
      value = (await getJson(`/api/cases/${k.caseId}/messages/${replyId}/email`)).messageId;
    }
    out = out.replaceAll(token!, value);
  }
  return out;
}

async function filledExpectation(e: Expectation): Promise<Expectation> {
  return Expectation.parse(JSON.parse(await fillPlaceholders(JSON.stringify(e))));
}

async function observe(entry: MessageEntry): Promise<Observed> {
  // Every fixture is 7-bit or 8-bit bytes; latin1 keeps each byte as it is around the placeholders.
  const raw = Buffer.from(await fillPlaceholders(fs.readFileSync(path.join(fixturesDir, entry.file)).toString('latin1')), 'latin1');
  const threadsInto = entry.expect.case && entry.expect.case !== 'new' ? knownOf(entry.expect.case.sameAs).caseId : null;
  const caseBefore = await caseFacts(threadsInto);
  const res = await postEmail(t, box, raw);
  const answer = res.json() as InboundAnswer;
  const o: Observed = {
    status: res.statusCode,
    answer,
    raw,
    caseBefore,
    caseAfter: null,
    message: null,
    attachments: [],
    email: null,
    rawDownload: null,
    ignoredListed: null,
  };
  if (answer.caseId && answer.messageId) {
    o.caseAfter = await caseFacts(answer.caseId);
    const items = (await getJson(`/api/cases/${answer.caseId}/messages`)).items as {
      id: string;
      bodyText: string;
      bodyHtml: string | null;
      attachments: { id: string; filename: string; contentType: string; sizeBytes: number }[];
    }[];
    const m = items.find((i) => i.id === answer.messageId);
    if (m) {
      o.message = { bodyText: m.bodyText, bodyHtml: m.bodyHtml };
      for (const a of m.attachments) {
        const file = await admin({ url: `/api/attachments/${a.id}` });
        o.attachments.push({ filename: a.filename, contentType: a.contentType, sizeBytes: a.sizeBytes, sha256: sha256(file.rawPayload) });
      }
    }
    o.email = await getJson(`/api/cases/${answer.caseId}/messages/${answer.messageId}/email`);
    const download = await admin({ url: `/api/cases/${answer.caseId}/messages/${answer.messageId}/raw` });
    o.rawDownload = download.statusCode === 200 ? download.rawPayload : null;
  }
  if (answer.ignored) {
    const ignored = (await getJson(`/api/mailboxes/${box.id}/ignored`)).items as NonNullable<Observed['ignoredListed']>[];
    o.ignoredListed = ignored.find((i) => i.subject === (entry.expect.subject ?? '')) ?? ignored[0] ?? null;
  }
  return o;
}

function judgeText(failures: string[], what: string, actual: string | null | undefined, e: z.infer<typeof TextExpect> | undefined): void {
  if (!e) return;
  if (actual === null || actual === undefined) {
    failures.push(`${what}: expected text, found none`);
    return;
  }
  if (e.equals !== undefined && actual !== e.equals)
    failures.push(`${what}: expected exactly ${JSON.stringify(e.equals)}, got ${JSON.stringify(actual)}`);
  for (const s of e.contains ?? [])
    if (!actual.includes(s)) failures.push(`${what}: missing ${JSON.stringify(s)} in ${JSON.stringify(actual)}`);
  for (const s of e.excludes ?? [])
    if (actual.toLowerCase().includes(s.toLowerCase())) failures.push(`${what}: must not contain ${JSON.stringify(s)}`);
}

/** What no stored HTML may ever contain, whatever the sender sent. */
function unsafeHtmlFindings(html: string): string[] {
  const findings: string[] = [];
  const tags = html.match(/<[^>]*>/g) ?? [];
  if (tags.some((tag) => /^<\s*(script|style|iframe|object|embed|form|svg|math|meta|base|link)\b/i.test(tag)))
    findings.push('a dangerous element');
  if (tags.some((tag) => /[\s"'/]on[a-z]+\s*=/i.test(tag))) findings.push('an on* event handler');
  // Browsers ignore tabs, newlines and entity-encoded whitespace inside a URL scheme.
  if (/(java|vb)script:/i.test(html.replace(/&#0*9;|&#x0*9;|&#0*10;|&#x0*a;|\s/gi, ''))) findings.push('a script: URL');
  if (tags.some((tag) => /\bhref\s*=\s*["']?\s*data:/i.test(tag))) findings.push('a data: link');
  return findings;
}

/** Every way the observation differs from the expectation; empty when it matches. */
function judge(e: Expectation, o: Observed, ctx: { known: Map<string, Known>; earlierCaseIds: Set<string> }): string[] {
  const f: string[] = [];
  const a = o.answer;
  if (o.status !== e.status) f.push(`status: expected ${e.status}, got ${o.status}`);
  if (a.threadedBy !== e.threadedBy) f.push(`threadedBy: expected ${e.threadedBy}, got ${a.threadedBy}`);
  if (a.automated !== e.automated) f.push(`automated: expected ${e.automated}, got ${a.automated}`);
  if (a.ignored !== (e.ignored ?? null)) f.push(`ignored: expected ${e.ignored ?? null}, got ${a.ignored}`);
  if (e.duplicateOf !== undefined) {
    const first = ctx.known.get(e.duplicateOf);
    if (!a.duplicate) f.push('duplicate: expected true');
    if (!first || a.caseId !== first.caseId || a.messageId !== first.messageId)
      f.push(`duplicate: expected the case and message of ${e.duplicateOf}`);
    return f;
  }
  if (a.duplicate) f.push('duplicate: expected false');
  if (e.case === 'new') {
    if (!a.caseId || ctx.earlierCaseIds.has(a.caseId)) f.push('case: expected a new case');
  } else if (e.case === null) {
    if (a.caseId !== null) f.push(`case: expected none, got ${a.caseId}`);
  } else if (e.case) {
    const into = ctx.known.get(e.case.sameAs)?.caseId;
    if (!into || a.caseId !== into) f.push(`case: expected the case of ${e.case.sameAs} (${into}), got ${a.caseId}`);
  }
  if (a.ignored) {
    const listed = o.ignoredListed;
    if (!listed || listed.reason !== a.ignored || listed.automatedKind !== e.automated)
      f.push('ignored: not listed for the mailbox as such');
    if (e.messageId !== undefined && listed?.messageId !== e.messageId)
      f.push(`messageId: expected ${e.messageId}, got ${listed?.messageId}`);
    return f;
  }
  const email = o.email;
  if (!email || !o.message) return [...f, 'stored: the message or its email details are missing'];
  const expectedId = e.messageId === 'synthetic' ? `${sha256(o.raw)}@synthetic.frontline.invalid` : e.messageId;
  if (expectedId !== undefined && email.messageId !== expectedId) f.push(`messageId: expected ${expectedId}, got ${email.messageId}`);
  if (e.subject !== undefined) {
    if (email.subject !== e.subject) f.push(`subject: expected ${JSON.stringify(e.subject)}, got ${JSON.stringify(email.subject)}`);
    if (e.case === 'new' && o.caseAfter?.subject !== e.subject)
      f.push(`case subject: expected ${JSON.stringify(e.subject)}, got ${JSON.stringify(o.caseAfter?.subject)}`);
  }
  if (e.from) {
    if (email.from?.address !== e.from.address || email.from.name !== e.from.name)
      f.push(`from: expected ${JSON.stringify(e.from)}, got ${JSON.stringify(email.from)}`);
    const r = o.caseAfter?.requester;
    if (e.case === 'new' && (r?.email !== e.from.address || r.name !== e.from.name))
      f.push(`requester: expected ${JSON.stringify(e.from)}, got ${JSON.stringify(r)}`);
  }
  judgeText(f, 'text', o.message.bodyText, e.text);
  judgeText(f, 'display', email.displayText, e.display);
  if (e.html === null && o.message.bodyHtml !== null) f.push('html: expected none');
  if (e.html) judgeText(f, 'html', o.message.bodyHtml, e.html);
  if (o.message.bodyHtml !== null) for (const finding of unsafeHtmlFindings(o.message.bodyHtml)) f.push(`html: unsafe, ${finding}`);
  if (e.attachments !== undefined) {
    const key = (x: z.infer<typeof AttachmentExpect>, sha?: string) => `${x.filename} | ${x.contentType} | ${x.sizeBytes} | ${sha ?? '*'}`;
    const got = o.attachments.map((x, i) => key(x, e.attachments![i]?.sha256 === undefined ? undefined : x.sha256)).join('\n');
    const want = e.attachments.map((x) => key(x, x.sha256)).join('\n');
    if (got !== want) f.push(`attachments: expected\n${want}\ngot\n${got}`);
  }
  if (!o.rawDownload || !o.rawDownload.equals(o.raw)) f.push('raw: the original does not download byte for byte');
  if (e.caseUnchanged) {
    const before = o.caseBefore;
    const after = o.caseAfter;
    if (!before || !after || before.status !== after.status || before.customerMessageCount !== after.customerMessageCount)
      f.push(`caseUnchanged: ${before?.status}/${before?.customerMessageCount} became ${after?.status}/${after?.customerMessageCount}`);
  }
  return f;
}

describe('the corpus and its manifest', () => {
  test('every fixture file is in the manifest and every manifest file exists, ids unique', () => {
    const files = fs.readdirSync(fixturesDir).filter((n) => n.endsWith('.eml'));
    const used = new Set(messageEntries.map((e) => e.file));
    expect([...used].sort()).toEqual(files.sort());
    const ids = messageEntries.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    // A stored message without content checks would pass on an empty body.
    for (const e of messageEntries.filter((m) => m.expect.status === 201)) expect(e.expect.text?.contains?.length, e.id).toBeGreaterThan(0);
  });
});

describe('each message through POST /api/inbound/email/:mailboxId, in order', () => {
  for (const entry of manifest.entries) {
    if ('agentReply' in entry) {
      test(`an agent replies on the case of ${entry.agentReply.case}`, async () => {
        const k = knownOf(entry.agentReply.case);
        const res = await admin({
          method: 'POST',
          url: `/api/cases/${k.caseId}/messages`,
          body: { kind: 'reply', body: entry.agentReply.body },
        });
        expect(res.statusCode, res.body).toBe(201);
        k.replyMessageIds.push(res.json().message.id);
      });
      continue;
    }
    test(`${entry.file}: ${entry.shape}`, async () => {
      const expectation = await filledExpectation(entry.expect);
      const o = await observe(entry);
      observedById.set(entry.id, o);
      const failures = judge(expectation, o, { known, earlierCaseIds });
      known.set(entry.id, { caseId: o.answer.caseId, messageId: o.answer.messageId, replyMessageIds: [] });
      if (o.answer.caseId) earlierCaseIds.add(o.answer.caseId);
      expect(failures).toEqual([]);
    });
  }
});

describe('the checks bite', () => {
  function failuresWith(id: string, change: (e: Expectation) => Expectation): string[] {
    const entry = messageEntries.find((e) => e.id === id)!;
    const o = observedById.get(id);
    if (!o) throw new Error(`${id} was not observed`);
    const others = new Set([...earlierCaseIds].filter((c) => c !== o.answer.caseId));
    // Judge against the state just before the message (its own case was not "earlier" then).
    return judge(change(structuredClone(entry.expect)), o, {
      known,
      earlierCaseIds: entry.expect.case === 'new' ? others : earlierCaseIds,
    });
  }

  test('the expectations as written pass on the stored observations', () => {
    expect(failuresWith('gmail-reply', (e) => e)).toEqual([]);
    expect(failuresWith('apple-attachments', (e) => e)).toEqual([]);
    expect(failuresWith('dangerous-html', (e) => e)).toEqual([]);
  });

  test.each<[string, string, (e: Expectation) => Expectation]>([
    ['gmail-reply', 'the wrong case', (e) => ({ ...e, case: { sameAs: 'outlook-new' } })],
    ['gmail-reply', 'a new case', (e) => ({ ...e, case: 'new' })],
    ['subject-only-match', 'threaded by subject', (e) => ({ ...e, case: { sameAs: 'gmail-new' }, threadedBy: 'subject_token' })],
    ['outlook-reply-references', 'threaded by In-Reply-To', (e) => ({ ...e, threadedBy: 'in_reply_to' })],
    ['gmail-new-redelivered', 'not a duplicate', (e) => ({ ...e, duplicateOf: 'outlook-new' })],
    ['auto-submitted-auto-replied', 'not automated', (e) => ({ ...e, automated: null })],
    ['gmail-reply', 'the case moved though it should not', (e) => ({ ...e, caseUnchanged: true })],
    ['x-autoreply', 'ignored for another reason', (e) => ({ ...e, ignored: 'own_address' })],
    ['shift-jis', 'another subject', (e) => ({ ...e, subject: '注文番号7730の商品について' })],
    ['iso-2022-jp', 'another sender name', (e) => ({ ...e, from: { address: 'hanako.suzuki@example.jp', name: 'Suzuki Hanako' } })],
    ['iso-2022-jp', 'text that is not there', (e) => ({ ...e, text: { contains: ['返品できません'] } })],
    ['gmail-reply', 'quoted history left in the display text', (e) => ({ ...e, display: { contains: ['lamp shade is cracked'] } })],
    ['gmail-reply', 'the quote absent from the stored text', (e) => ({ ...e, text: { excludes: ['lamp shade is cracked'] } })],
    ['apple-attachments', 'one attachment fewer', (e) => ({ ...e, attachments: e.attachments!.slice(1) })],
    [
      'apple-attachments',
      'another size',
      (e) => ({ ...e, attachments: e.attachments!.map((a) => ({ ...a, sizeBytes: a.sizeBytes + 1 })) }),
    ],
    ['gmail-new', 'no HTML', (e) => ({ ...e, html: null })],
    ['no-message-id', 'a Message-ID of its own', (e) => ({ ...e, messageId: 'scanner@office.example' })],
    ['dangerous-html', 'a handler that must be gone', (e) => ({ ...e, html: { contains: ['onerror'] } })],
  ])('%s with %s fails', (id, _what, change) => {
    expect(failuresWith(id, change)).not.toEqual([]);
  });

  test('unsafe HTML is found, however it is written', () => {
    for (const html of [
      '<p>ok</p><script>x</script>',
      '<img src=x onerror=alert(1)>',
      '<a href="javascript:alert(1)">x</a>',
      '<a href="JAVA\tSCRIPT:alert(1)">x</a>',
      '<a href="jav&#x09;ascript:alert(1)">x</a>',
      '<a href="data:text/html,x">x</a>',
      '<style>p{}</style>',
    ])
      expect(unsafeHtmlFindings(html), html).not.toEqual([]);
    expect(unsafeHtmlFindings('<p style="color:red">Online = good, <a href="https://x.example/">link</a></p>')).toEqual([]);
  });

  test('a raw original that differs is caught', () => {
    const o = observedById.get('gmail-new')!;
    const entry = messageEntries.find((e) => e.id === 'gmail-new')!;
    const others = new Set([...earlierCaseIds].filter((c) => c !== o.answer.caseId));
    const tampered = { ...o, rawDownload: Buffer.concat([o.rawDownload!, Buffer.from(' ')]) };
    expect(judge(entry.expect, tampered, { known, earlierCaseIds: others })).toContain('raw: the original does not download byte for byte');
  });
});
