// Email: how many raw RFC 822 messages per second the whole inbound pipeline takes
// (POST /api/inbound/email/:id: mailbox secret, MIME parsing, automated-mail detection, duplicate
// check, threading, the case or the reply on it, attachments and the raw original in the file
// store, the email headers, channel health), next to POST /api/cases for the same texts and the
// bare one-INSERT route of the ingest bench, in the same run and the same server process,
// alternating in short rounds so that noise on a shared machine falls on all three.
//
// The mix is shaped like the corpus in test/fixtures/email: new threads from Gmail, Thunderbird
// and webmail (some HTML only, some ISO-8859-1), replies from Gmail and Apple Mail threading by
// In-Reply-To and from Outlook by References, with their quoted history, an attachment now and
// then, and some automated mail (auto-replies on a thread, bulk mail that opens nothing).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ServiceContext } from '../src/lib/context.js';
import { systemActor } from '../src/modules/auth/permissions.js';
import { createMailbox } from '../src/modules/email/mailboxes.service.js';
import { createScratchDatabase } from './databases.js';
import { prepareIngest, watchBackends, type BackendWatch, type IngestSetup } from './ingest.js';
import { createTarget, percentile, round2, send, type RequestSpec, type Target } from './load.js';
import { cpuMsOfAll, startBenchServer, type BenchServer, type ServerSpec } from './server.js';
import { firstNames, lastNames, makeBody, makeSubject, pick, seededRandom } from './text.js';

const connections = 10;
const mailboxAddress = 'support@bench-shop.example';

export type EmailSetup = IngestSetup & { mailboxId: string; inboundSecret: string };

// ---------------------------------------------------------------------------------------------
// Server side (runs in the child process)

/** The ingest fixtures (token, teams, returning customers, SLA policies) and one mailbox. */
export async function prepareEmail(ctx: ServiceContext): Promise<EmailSetup> {
  const ingest = await prepareIngest(ctx);
  const { mailbox, inboundSecret } = await createMailbox(
    ctx,
    { name: 'Bench support', address: mailboxAddress, teamId: ingest.teamIds[0] ?? null },
    systemActor,
  );
  return { ...ingest, mailboxId: mailbox.id, inboundSecret };
}

// ---------------------------------------------------------------------------------------------
// The mix (runs in the benchmark process)

type MailKind =
  'gmail_new' | 'plain_new' | 'html_only' | 'latin1_new' | 'gmail_reply' | 'apple_reply' | 'outlook_reply' | 'auto_reply' | 'bulk';

/** Cumulative shares of the mix; the rest of each message (attachment or not) is drawn apart. */
const kindShares: [MailKind, number][] = [
  ['gmail_new', 0.2],
  ['plain_new', 0.12],
  ['html_only', 0.07],
  ['latin1_new', 0.06],
  ['gmail_reply', 0.17],
  ['apple_reply', 0.1],
  ['outlook_reply', 0.11],
  ['auto_reply', 0.1],
  ['bulk', 0.07],
];
const attachmentShare = 0.08;
/** Share of new threads from a first-time customer. */
const newCustomerShare = 0.25;
/**
 * Replies answer a message sent at least this many messages earlier: with 10 connections it has
 * long been answered, so the reply finds it stored rather than racing it.
 */
const replyDistance = 40;

type Sent = { messageId: string; subject: string; from: { name: string; email: string }; text: string };
export type Mail = { kind: MailKind; raw: string; subject: string; text: string; from: { name: string; email: string } };

const crlf = (lines: string[]) => `${lines.join('\r\n')}\r\n`;

function wrap76(s: string): string {
  return s.replace(/.{1,76}/g, (m) => `${m}\r\n`);
}

/** Quoted-printable of Latin-1 text (enough for the bench's European senders). */
function latin1QuotedPrintable(text: string): string {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    let cur = '';
    for (const byte of Buffer.from(line, 'latin1')) {
      const tok = byte === 0x3d || byte > 126 ? `=${byte.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(byte);
      if (cur.length + tok.length > 75) {
        out.push(`${cur}=`);
        cur = '';
      }
      cur += tok;
    }
    out.push(cur);
  }
  return out.join('\r\n');
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const paragraphsHtml = (text: string) =>
  text
    .split('\n')
    .map((l) => `<div>${l ? escapeHtml(l) : '<br>'}</div>`)
    .join('');

/** A small PDF-shaped file of 4–24 KB: headers and filler bytes, as a scan or an invoice weighs. */
function attachmentBytes(rnd: () => number): Buffer {
  const size = 4096 + Math.floor(rnd() * 20_480);
  const body = Buffer.alloc(size);
  for (let i = 0; i < size; i++) body[i] = Math.floor(rnd() * 256);
  return Buffer.concat([Buffer.from('%PDF-1.4\n'), body, Buffer.from('\n%%EOF\n')]);
}

export function createMix(setup: Pick<IngestSetup, 'customers'>, seed: number, runTag: string) {
  const rnd = seededRandom(seed);
  const sent: Sent[] = [];
  let n = 0;

  const someone = () => {
    if (rnd() >= newCustomerShare) return pick(setup.customers, rnd);
    return { name: `${pick(firstNames, rnd)} ${pick(lastNames, rnd)}`, email: `first-${runTag}-${n}@mail-bench.example` };
  };
  const kindOf = (): MailKind => {
    const x = rnd();
    let acc = 0;
    for (const [kind, share] of kindShares) if (x < (acc += share)) return kind;
    return 'gmail_new';
  };
  const date = () => new Date(Date.UTC(2026, 10, 23, 9, 0, 0) + n * 1000).toUTCString().replace('GMT', '+0000');
  const parentOf = () => (sent.length > replyDistance ? sent[Math.floor(rnd() * (sent.length - replyDistance))]! : null);
  const quoted = (p: Sent) =>
    p.text
      .split('\n')
      .map((l) => `> ${l}`)
      .join('\n');

  function head(kind: string, from: { name: string; email: string }, subject: string, messageId: string, extra: string[]): string[] {
    return [
      `Received: from mx.${kind.replace('_', '-')}.example by mx1.bench-shop.example with ESMTPS; ${date()}`,
      `From: ${from.name} <${from.email}>`,
      `To: ${mailboxAddress}`,
      `Subject: ${subject}`,
      `Date: ${date()}`,
      `Message-ID: <${messageId}>`,
      ...extra,
      'MIME-Version: 1.0',
    ];
  }

  /** The body part(s) of a message: alternative text and HTML, HTML only, or plain text. */
  function bodyParts(kind: MailKind, text: string, history: { attribution: string; quote: string; html: string } | null): string[] {
    const fullText = history ? `${text}\n\n${history.attribution}\n${history.quote}` : text;
    const t = fullText.replace(/\n/g, '\r\n');
    if (kind === 'html_only') return ['Content-Type: text/html; charset=utf-8', '', `<html><body>${paragraphsHtml(text)}</body></html>`];
    if (kind === 'latin1_new')
      return [
        'Content-Type: text/plain; charset=ISO-8859-1',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        latin1QuotedPrintable(fullText),
      ];
    if (kind === 'plain_new' || kind === 'auto_reply') return ['Content-Type: text/plain; charset=utf-8; format=flowed', '', t];
    const boundary = `alt-${runTag}-${n}`;
    const quoteHtml = history
      ? `<div class="gmail_quote">${escapeHtml(history.attribution)}<blockquote>${history.html}</blockquote></div>`
      : '';
    return [
      `Content-Type: multipart/alternative; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      t,
      `--${boundary}`,
      'Content-Type: text/html; charset=utf-8',
      '',
      `<div dir="ltr">${paragraphsHtml(text)}</div>${quoteHtml}`,
      `--${boundary}--`,
    ];
  }

  function withAttachment(parts: string[], data: Buffer): string[] {
    const boundary = `mixed-${runTag}-${n}`;
    return [
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      ...parts,
      `--${boundary}`,
      `Content-Type: application/pdf; name="document-${n}.pdf"`,
      'Content-Transfer-Encoding: base64',
      `Content-Disposition: attachment; filename="document-${n}.pdf"`,
      '',
      wrap76(data.toString('base64')),
      `--${boundary}--`,
    ];
  }

  function next(): Mail {
    n += 1;
    let kind = kindOf();
    const parent = ['gmail_reply', 'apple_reply', 'outlook_reply', 'auto_reply'].includes(kind) ? parentOf() : null;
    if (!parent && kind !== 'bulk' && kind.endsWith('reply')) kind = 'gmail_new';
    const messageId = `${runTag}.${n}.${kind}@mail-bench.example`;
    if (kind === 'bulk') {
      const from = { name: 'Offers', email: `news@list-${n % 7}.bench-news.example` };
      const subject = `This week: ${makeSubject(rnd)}`;
      const raw = crlf([
        ...head(kind, from, subject, messageId, ['Precedence: bulk', `List-Unsubscribe: <https://bench-news.example/u/${n}>`]),
        'Content-Type: text/html; charset=utf-8',
        '',
        `<table><tr><td><h1>${escapeHtml(subject)}</h1><p>${escapeHtml(makeBody(rnd, 2))}</p></td></tr></table>`,
      ]);
      return { kind, raw, subject, text: makeBody(rnd, 1), from };
    }
    const from = parent ? parent.from : someone();
    let text =
      kind === 'auto_reply' ? 'I am out of the office this week and will answer when I am back.' : makeBody(rnd, 2 + Math.floor(rnd() * 3));
    // Accented letters, so that Latin-1 mail really goes through a charset conversion.
    if (kind === 'latin1_new') text += '\n\nMit freundlichen Grüßen, Françoise Müller';
    const subject = parent
      ? `${kind === 'outlook_reply' ? 'RE' : kind === 'auto_reply' ? 'Automatic reply' : 'Re'}: ${parent.subject}`
      : makeSubject(rnd);
    const extra: string[] = [];
    let history: { attribution: string; quote: string; html: string } | null = null;
    if (parent) {
      if (kind === 'outlook_reply') extra.push(`References: <${parent.messageId}>`, 'Thread-Index: AdldmC8N0t1lKp3hQ8mJc2sWb4rXzQ==');
      else extra.push(`In-Reply-To: <${parent.messageId}>`, `References: <${parent.messageId}>`);
      if (kind === 'auto_reply') extra.push('Auto-Submitted: auto-replied');
      else
        history = {
          attribution:
            kind === 'outlook_reply'
              ? `________________________________\nFrom: ${parent.from.name} <${parent.from.email}>\nSent: Monday, 23 November 2026 09:00\nTo: ${mailboxAddress}\nSubject: ${parent.subject}\n`
              : `On Mon, 23 Nov 2026 at 09:00, ${parent.from.name} <${parent.from.email}> wrote:`,
          quote: kind === 'outlook_reply' ? parent.text : quoted(parent),
          html: paragraphsHtml(parent.text),
        };
    }
    let parts = bodyParts(kind, text, history);
    if (kind !== 'auto_reply' && rnd() < attachmentShare) parts = withAttachment(parts, attachmentBytes(rnd));
    const raw = crlf([...head(kind, from, subject, messageId, extra), ...parts]);
    if (kind !== 'auto_reply') sent.push({ messageId, subject: subject.replace(/^(re|aw):\s*/i, ''), from, text });
    return { kind, raw, subject, text, from };
  }

  return { next };
}

// ---------------------------------------------------------------------------------------------
// Load side

type Route = 'email' | 'cases' | 'bare';
type RoundFigures = {
  requests: number;
  errors: number;
  errorKinds: Record<string, number>;
  firstError: string | null;
  elapsedMs: number;
  latenciesMs: number[];
  cpuMs: number;
  postgresCpuMs: number | null;
  /** How the email answers said each message went (threadedBy, ignored, duplicate). */
  outcomes: Record<string, number>;
};

function emptyFigures(): RoundFigures {
  return {
    requests: 0,
    errors: 0,
    errorKinds: {},
    firstError: null,
    elapsedMs: 0,
    latenciesMs: [],
    cpuMs: 0,
    postgresCpuMs: null,
    outcomes: {},
  };
}

function outcomeOf(body: string): string {
  try {
    const a = JSON.parse(body) as { duplicate?: boolean; threadedBy?: string | null; ignored?: string | null; automated?: string | null };
    if (a.duplicate) return 'duplicate';
    if (a.ignored) return `ignored_${a.ignored}`;
    return `${a.threadedBy ?? 'unknown'}${a.automated ? `_${a.automated}` : ''}`;
  } catch {
    return 'unreadable';
  }
}

/** `connections` closed loops for `durationMs`, every answer timed and, for email, classified. */
async function runRound(target: Target, next: () => RequestSpec, durationMs: number, classify: boolean): Promise<RoundFigures> {
  const f = emptyFigures();
  const started = performance.now();
  const deadline = started + durationMs;
  const loop = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        const answer = await send(target, next());
        f.latenciesMs.push(performance.now() - t0);
        f.requests += 1;
        if (answer.status < 200 || answer.status > 299) {
          f.errors += 1;
          f.errorKinds[String(answer.status)] = (f.errorKinds[String(answer.status)] ?? 0) + 1;
          f.firstError ??= `${answer.status} ${answer.body}`.slice(0, 500);
        } else if (classify) {
          const o = outcomeOf(answer.body);
          f.outcomes[o] = (f.outcomes[o] ?? 0) + 1;
        }
      } catch (err) {
        f.requests += 1;
        f.errors += 1;
        f.errorKinds.socket = (f.errorKinds.socket ?? 0) + 1;
        f.firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  f.elapsedMs = performance.now() - started;
  return f;
}

async function measured(
  server: BenchServer<EmailSetup>,
  backends: BackendWatch | null,
  run: () => Promise<RoundFigures>,
): Promise<RoundFigures> {
  const cpuBefore = server.cpuMs();
  const pids = backends ? await backends.pids() : [];
  const pgBefore = cpuMsOfAll(pids);
  const f = await run();
  f.cpuMs = server.cpuMs() - cpuBefore;
  if (backends) {
    const pgAfter = cpuMsOfAll(pids);
    f.postgresCpuMs = 0;
    for (const [pid, before] of pgBefore) f.postgresCpuMs += (pgAfter.get(pid) ?? before) - before;
  }
  return f;
}

function summariseRounds(parts: RoundFigures[]): Record<string, unknown> {
  const all = emptyFigures();
  let pg: number | null = 0;
  for (const p of parts) {
    all.requests += p.requests;
    all.errors += p.errors;
    all.elapsedMs += p.elapsedMs;
    all.cpuMs += p.cpuMs;
    all.latenciesMs.push(...p.latenciesMs);
    all.firstError ??= p.firstError;
    for (const [k, v] of Object.entries(p.errorKinds)) all.errorKinds[k] = (all.errorKinds[k] ?? 0) + v;
    for (const [k, v] of Object.entries(p.outcomes)) all.outcomes[k] = (all.outcomes[k] ?? 0) + v;
    pg = pg === null || p.postgresCpuMs === null ? null : pg + p.postgresCpuMs;
  }
  const perRequest = (ms: number) => (all.requests > 0 ? round2(ms / all.requests) : null);
  return {
    requests: all.requests,
    perSec: all.elapsedMs > 0 ? Math.round((all.requests / all.elapsedMs) * 10_000) / 10 : null,
    p50Ms: percentile(all.latenciesMs, 50),
    p99Ms: percentile(all.latenciesMs, 99),
    errors: all.errors,
    ...(all.errors > 0 ? { errorKinds: all.errorKinds, firstError: all.firstError } : {}),
    serverCpuMsPerRequest: perRequest(all.cpuMs),
    ...(pg !== null ? { postgresCpuMsPerRequest: perRequest(pg) } : {}),
    ...(Object.keys(all.outcomes).length > 0 ? { outcomes: all.outcomes } : {}),
  };
}

const priorities = ['low', 'normal', 'normal', 'normal', 'high', 'urgent'] as const;

/** The three request streams; email and cases draw the same texts from the same seed. */
function streams(setup: EmailSetup, runTag: string): Record<Route, () => RequestSpec> {
  const emailMix = createMix(setup, 21, `${runTag}e`);
  const casesMix = createMix(setup, 21, `${runTag}c`);
  const bareMix = createMix(setup, 21, `${runTag}b`);
  const rnd = seededRandom(5);
  return {
    email: () => {
      const raw = emailMix.next().raw;
      return {
        method: 'POST',
        path: `/api/inbound/email/${setup.mailboxId}`,
        headers: { authorization: `Bearer ${setup.inboundSecret}` },
        contentType: 'message/rfc822',
        body: () => raw,
      };
    },
    cases: () => {
      const m = casesMix.next();
      const json = JSON.stringify({
        subject: m.subject.slice(0, 500),
        requester: { email: m.from.email, name: m.from.name },
        message: { body: m.text },
        channel: 'email',
        teamId: setup.teamIds[0],
      });
      return { method: 'POST', path: '/api/cases', headers: { authorization: `Bearer ${setup.token}` }, body: () => json };
    },
    bare: () => {
      const m = bareMix.next();
      const json = JSON.stringify({
        subject: m.subject.slice(0, 500),
        requesterId: pick(setup.customers, rnd).id,
        teamId: setup.teamIds[0],
        priority: pick(priorities, rnd),
      });
      return { method: 'POST', path: '/bare/cases', body: () => json };
    },
  };
}

export type EmailBenchOptions = {
  database: 'embedded' | 'postgres';
  serverUrl?: string | undefined;
  quick: boolean;
  log: (line: string) => void;
};

type Scratch = { database: ServerSpec['database']; cleanup(): Promise<void> };

async function scratchDatabase(options: EmailBenchOptions): Promise<Scratch> {
  if (options.database === 'postgres') {
    if (!options.serverUrl) throw new Error('DATABASE_URL is not set');
    const scratch = await createScratchDatabase(options.serverUrl, 'frontline_bench_email');
    return { database: { kind: 'postgres', url: scratch.url }, cleanup: scratch.drop };
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'frontline-bench-email-'));
  return { database: { kind: 'embedded', dataDir }, cleanup: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
}

export async function benchEmail(options: EmailBenchOptions): Promise<Record<string, unknown>> {
  const plan = options.quick ? { rounds: 2, roundMs: 2500, warmUpMs: 1500 } : { rounds: 6, roundMs: 5000, warmUpMs: 5000 };
  const scratch = await scratchDatabase(options);
  try {
    const server = await startBenchServer<EmailSetup>({ database: scratch.database, bare: true, setup: 'email', logLevel: 'info' });
    const backends = scratch.database.kind === 'postgres' ? await watchBackends(scratch.database.url) : null;
    const targets: Record<Route, Target> = {
      email: createTarget(server.appPort, connections),
      cases: createTarget(server.appPort, connections),
      bare: createTarget(server.barePort!, connections),
    };
    try {
      const next = streams(server.setup, Date.now().toString(36));
      const routes: Route[] = ['email', 'cases', 'bare'];
      options.log(`email on ${options.database}: warm-up, then ${plan.rounds} rounds of ${plan.roundMs / 1000} s per route`);
      for (const r of routes) await runRound(targets[r], next[r], plan.warmUpMs, false);
      const parts: Record<Route, RoundFigures[]> = { email: [], cases: [], bare: [] };
      for (let round = 0; round < plan.rounds; round++)
        for (const r of routes)
          parts[r].push(await measured(server, backends, () => runRound(targets[r], next[r], plan.roundMs, r === 'email')));
      const email = summariseRounds(parts.email);
      const cases = summariseRounds(parts.cases);
      const bare = summariseRounds(parts.bare);
      const ratio = (a: unknown, b: unknown) => (typeof a === 'number' && typeof b === 'number' && b > 0 ? round2(a / b) : null);
      return {
        bench: 'email',
        database: options.database,
        databaseVersion: server.databaseVersion,
        connections,
        secondsPerRoute: (plan.rounds * plan.roundMs) / 1000,
        mix: Object.fromEntries(kindShares.map(([k, s]) => [k, s])),
        attachmentShare,
        email: { route: 'POST /api/inbound/email/:mailboxId, raw RFC 822 (the whole inbound pipeline)', ...email },
        cases: { route: 'POST /api/cases with the same subjects, senders and texts', ...cases },
        bare: { route: 'bare Fastify route, one INSERT into cases, same process and pool', ...bare },
        ratioEmailToCases: ratio(email.perSec, cases.perSec),
        ratioEmailToBare: ratio(email.perSec, bare.perSec),
      };
    } finally {
      for (const t of Object.values(targets)) t.agent.destroy();
      await backends?.close();
      await server.stop();
    }
  } finally {
    await scratch.cleanup();
  }
}
