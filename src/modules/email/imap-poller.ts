// IMAP polling: mail that waits in a mailbox's IMAP folder becomes case mail through exactly the
// pipeline of the inbound endpoint (receiveInboundEmail). For each active mailbox with polling on,
// one poller keeps a connection: it fetches the folder's unseen messages in UID order, hands each
// to the pipeline, and only once that message's transaction has committed flags it \Seen (or
// moves it). A crash in between leaves it unseen; the next poll fetches it again and the
// Message-ID dedupe records it once. With IDLE the poller hears of new mail at once; without, it
// asks every FRONTLINE_IMAP_POLL_SECONDS. On PostgreSQL each mailbox is polled by one worker at a
// time, the one holding its advisory lock; the embedded database has one process anyway.
import type pg from 'pg';
import { ImapFlow } from 'imapflow';
import type { MailboxSettings } from '../../db/schema.js';
import type { ServiceContext } from '../../lib/context.js';
import { AppError } from '../../lib/errors.js';
import { recordPoll } from '../channels/channel-health.js';
import { listPolledMailboxRows } from './email.queries.js';
import { inboundEmailMaxBytes } from './inbound.routes.js';
import { receiveInboundEmail, type InboundResult } from './inbound.service.js';
import type { InboundMailbox } from './mailboxes.service.js';

export type ImapSettings = {
  host: string;
  port: number;
  secure: boolean;
  username: string;
  password: string;
  folder: string;
  afterProcessing: 'mark_seen' | 'move';
  moveToFolder: string | null;
};

export type PolledMailbox = InboundMailbox & { settings: ImapSettings };

/** The pipeline a message goes through; tests wrap it to fail or crash at chosen points. */
export type ReceiveEmail = (ctx: ServiceContext, mailbox: InboundMailbox, raw: Buffer) => Promise<InboundResult>;

export type PollerLogger = { info(obj: object, msg?: string): void; error(obj: object, msg?: string): void };

export type PollerOptions = {
  ctx: ServiceContext;
  logger: PollerLogger;
  /** How often to check a folder without IDLE (and, with IDLE, to check anyway). */
  pollSeconds: number;
  receive?: ReceiveEmail;
};

/** Longest wait between two attempts after failures. */
const maxBackoffSeconds = 600;
/**
 * Servers log out a client that has said nothing for 30 minutes (RFC 9051 5.4), IDLE included:
 * a connection never stays quiet longer than this.
 */
const keepaliveMs = 20 * 60_000;
/** Advisory locks of pollers (two-key form; the key pair names the mailbox). */
const pollerLockKey = 727_003;

/** Stored IMAP settings that can be polled, or null (switched off, or incomplete). */
export function imapSettingsOf(raw: MailboxSettings | null): ImapSettings | null {
  if (!raw || raw.enabled !== true) return null;
  const { host, port, username, password, folder, afterProcessing, moveToFolder } = raw;
  if (typeof host !== 'string' || typeof port !== 'number' || typeof username !== 'string') return null;
  const move = afterProcessing === 'move' && typeof moveToFolder === 'string';
  return {
    host,
    port,
    secure: raw.secure === true,
    username,
    password: typeof password === 'string' ? password : '',
    folder: typeof folder === 'string' ? folder : 'INBOX',
    afterProcessing: move ? 'move' : 'mark_seen',
    moveToFolder: move ? moveToFolder : null,
  };
}

/** Seconds to wait after `failures` failed attempts in a row: doubling from the poll interval. */
export function backoffSeconds(failures: number, pollSeconds: number): number {
  if (failures <= 0) return pollSeconds;
  return Math.min(maxBackoffSeconds, pollSeconds * 2 ** (failures - 1));
}

/**
 * A refusal that retrying cannot change (no usable From address, too large): the message is left
 * where it is, unseen, and skipped for the rest of the connection, as a relay gives up on a 4xx.
 */
function isPermanentRejection(err: unknown): boolean {
  return err instanceof AppError && err.status < 500 && err.code !== 'conflict' && err.code !== 'rate_limited';
}

function messageOf(err: unknown): string {
  const e = err as { message?: string; responseText?: string; code?: string };
  return [e.message || String(err), e.responseText, e.code].filter(Boolean).join(' — ');
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function createClient(settings: ImapSettings): ImapFlow {
  return new ImapFlow({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    auth: { user: settings.username, pass: settings.password },
    logger: false,
    // The poller decides when to IDLE, so that IDLE starts right after a pass, not 15 s later.
    disableAutoIdle: true,
    // BINARY fetches decode transfer encodings; the pipeline wants the message byte for byte.
    disableBinary: true,
    connectionTimeout: 30_000,
    greetingTimeout: 16_000,
    socketTimeout: 5 * 60_000,
  });
}

// ---------------------------------------------------------------------------------------------
// One pass over a folder

export type PassResult = { stored: number; duplicates: number; ignored: number; failed: number; rejected: number; error: string | null };

type Session = {
  client: ImapFlow;
  mailbox: PolledMailbox;
  ctx: ServiceContext;
  receive: ReceiveEmail;
  logger: PollerLogger;
  /** UIDs refused for good on this connection. */
  rejected: Set<number>;
  isStopping(): boolean;
};

/** The folder's unseen messages, oldest UID first, with their sizes. */
async function unseenMessages(client: ImapFlow): Promise<{ uid: number; size: number }[]> {
  const found = await client.fetchAll({ seen: false }, { uid: true, size: true }, { uid: true });
  return found.map((m) => ({ uid: m.uid, size: m.size ?? 0 })).sort((a, b) => a.uid - b.uid);
}

async function fetchSource(client: ImapFlow, uid: number): Promise<Buffer | null> {
  // Fetched with BODY.PEEK (imapflow's way), so reading it does not set \Seen.
  const message = await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
  return message && message.source ? message.source : null;
}

async function ensureFolder(client: ImapFlow, folder: string): Promise<void> {
  const existing = await client.list();
  if (!existing.some((f) => f.path === folder)) await client.mailboxCreate(folder);
}

/** After the commit only: the message is done with on the server. */
async function markProcessed(client: ImapFlow, uid: number, settings: ImapSettings): Promise<void> {
  const range = String(uid);
  if (settings.afterProcessing === 'move' && settings.moveToFolder) {
    if (!(await client.messageMove(range, settings.moveToFolder, { uid: true })))
      throw new Error(`the server did not move message ${uid} to ${settings.moveToFolder}`);
    return;
  }
  if (!(await client.messageFlagsAdd(range, ['\\Seen'], { uid: true }))) throw new Error(`the server did not flag message ${uid} \\Seen`);
}

function countResult(result: PassResult, r: InboundResult): void {
  if (r.duplicate) result.duplicates++;
  else if (r.ignored) result.ignored++;
  else result.stored++;
}

/**
 * Hands every unseen message to the pipeline, in UID order, and marks each processed once its
 * transaction has committed. A message the pipeline fails on stays unseen for the next pass;
 * the others go on. IMAP errors end the pass (the connection is then reopened).
 */
async function processFolder(s: Session): Promise<PassResult> {
  const result: PassResult = { stored: 0, duplicates: 0, ignored: 0, failed: 0, rejected: 0, error: null };
  for (const { uid, size } of await unseenMessages(s.client)) {
    if (s.isStopping()) break;
    if (s.rejected.has(uid)) continue;
    if (size > inboundEmailMaxBytes) {
      rejectMessage(s, uid, new AppError('payload_too_large', `message of ${size} bytes is over the ${inboundEmailMaxBytes} byte limit`));
      result.rejected++;
      continue;
    }
    const raw = await fetchSource(s.client, uid);
    // Expunged by someone else since the search: nothing to do.
    if (!raw) continue;
    let received: InboundResult;
    try {
      received = await s.receive(s.ctx, s.mailbox, raw);
    } catch (err) {
      if (isPermanentRejection(err)) {
        rejectMessage(s, uid, err);
        result.rejected++;
        continue;
      }
      result.failed++;
      result.error ??= `message UID ${uid}: ${messageOf(err)}`;
      s.logger.error({ err, mailboxId: s.mailbox.id, uid }, 'imap message failed; it stays unseen and is tried again');
      continue;
    }
    await markProcessed(s.client, uid, s.mailbox.settings);
    countResult(result, received);
  }
  return result;
}

function rejectMessage(s: Session, uid: number, err: unknown): void {
  s.rejected.add(uid);
  s.logger.error({ mailboxId: s.mailbox.id, uid, reason: messageOf(err) }, 'imap message refused; left unseen in the folder');
}

async function openSession(
  mailbox: PolledMailbox,
  options: PollerOptions,
  hooks: { onNews(): void; onClose(): void },
  isStopping: () => boolean,
): Promise<Session> {
  const client = createClient(mailbox.settings);
  // Without a listener an 'error' event would end the process; the failed command reports it.
  client.on('error', () => {});
  client.on('exists', hooks.onNews);
  client.on('close', hooks.onClose);
  await client.connect();
  try {
    await client.mailboxOpen(mailbox.settings.folder);
    if (mailbox.settings.moveToFolder) await ensureFolder(client, mailbox.settings.moveToFolder);
  } catch (err) {
    client.close();
    throw err;
  }
  return {
    client,
    mailbox,
    ctx: options.ctx,
    receive: options.receive ?? receiveInboundEmail,
    logger: options.logger,
    rejected: new Set(),
    isStopping,
  };
}

async function closeSession(client: ImapFlow): Promise<void> {
  if (!client.usable) return client.close();
  await Promise.race([client.logout(), sleep(5000)]).catch(() => {});
  client.close();
}

/** One connection, one pass, logged out (tests drive the poller step by step with it). */
export async function pollMailboxOnce(mailbox: PolledMailbox, options: PollerOptions): Promise<PassResult> {
  const at = () => options.ctx.clock.now();
  let session: Session | null = null;
  try {
    session = await openSession(mailbox, options, { onNews() {}, onClose() {} }, () => false);
    const result = await processFolder(session);
    await recordPoll(options.ctx.db, 'mailbox', mailbox.id, at(), result.error);
    return result;
  } catch (err) {
    await recordPoll(options.ctx.db, 'mailbox', mailbox.id, at(), messageOf(err));
    throw err;
  } finally {
    if (session) await closeSession(session.client);
  }
}

// ---------------------------------------------------------------------------------------------
// A long-running poller for one mailbox

export type MailboxPoller = { mailboxId: string; stop(): Promise<void> };

/** Resolves after `ms`, or earlier when woken. */
function createWaker() {
  let wake: (() => void) | null = null;
  return {
    wait: (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          wake = null;
          resolve();
        }
        wake = done;
      }),
    wake: () => wake?.(),
  };
}

async function untilIdling(client: ImapFlow): Promise<void> {
  for (let i = 0; i < 100 && !client.idling && client.usable; i++) await sleep(10);
}

/**
 * Waits for `seconds`, or less: with IDLE, until the server announces new mail (when `onNews`),
 * without, until the time is up. Never stays silent past the keep-alive interval.
 */
async function waitForMail(s: Session, state: PollerState, seconds: number, onNews: boolean): Promise<void> {
  const until = Date.now() + seconds * 1000;
  const idle = s.client.capabilities.has('IDLE');
  state.waiting = true;
  state.wakeOnNews = onNews;
  const done = () => state.stopping || !s.client.usable || (onNews && state.news) || Date.now() >= until;
  while (!done()) {
    const chunk = Math.min(until - Date.now(), keepaliveMs);
    if (idle) {
      const idling = s.client.idle().catch(() => undefined);
      await state.waker.wait(chunk);
      if (!s.client.usable) break;
      // Any command ends IDLE first (imapflow sends DONE); NOOP then asks for nothing more.
      await untilIdling(s.client);
      await s.client.noop();
      await idling;
    } else {
      await state.waker.wait(chunk);
      if (!done()) await s.client.noop();
    }
  }
  state.wakeOnNews = false;
  state.waiting = false;
}

type PollerState = {
  stopping: boolean;
  /** Waiting for mail on an open connection (not backing off between connections). */
  waiting: boolean;
  news: boolean;
  wakeOnNews: boolean;
  failures: number;
  waker: ReturnType<typeof createWaker>;
};

async function recordPass(options: PollerOptions, mailbox: PolledMailbox, error: string | null): Promise<void> {
  await recordPoll(options.ctx.db, 'mailbox', mailbox.id, options.ctx.clock.now(), error).catch((err: unknown) =>
    options.logger.error({ err, mailboxId: mailbox.id }, 'imap poll result not recorded'),
  );
}

/** Passes over the folder on one connection until it fails or the poller stops. */
async function runConnection(mailbox: PolledMailbox, options: PollerOptions, state: PollerState): Promise<void> {
  const session = await openSession(
    mailbox,
    options,
    {
      onNews: () => {
        state.news = true;
        if (state.waiting && state.wakeOnNews) state.waker.wake();
      },
      // A connection that closes while waiting for mail ends the wait; one that closes after a
      // failure must not cut the backoff short.
      onClose: () => {
        if (state.waiting) state.waker.wake();
      },
    },
    () => state.stopping,
  );
  try {
    while (!state.stopping) {
      state.news = false;
      const result = await processFolder(session);
      await recordPass(options, mailbox, result.error);
      if (Object.values(result).some((n) => typeof n === 'number' && n > 0))
        options.logger.info({ job: 'imap-poll', mailboxId: mailbox.id, ...result }, 'imap-poll');
      state.failures = result.error ? state.failures + 1 : 0;
      if (state.stopping) break;
      if (!session.client.usable) throw new Error('the IMAP server closed the connection');
      // After a failed message, wait before trying it again; otherwise wait for news.
      await waitForMail(session, state, backoffSeconds(state.failures, options.pollSeconds), state.failures === 0);
    }
  } finally {
    await closeSession(session.client);
  }
}

/** Keeps a mailbox polled until stopped: reconnects after errors, backing off, and records each. */
export function startMailboxPoller(mailbox: PolledMailbox, options: PollerOptions): MailboxPoller {
  const state: PollerState = { stopping: false, waiting: false, news: false, wakeOnNews: false, failures: 0, waker: createWaker() };
  const loop = (async () => {
    while (!state.stopping) {
      try {
        await runConnection(mailbox, options, state);
      } catch (err) {
        if (state.stopping) break;
        state.failures++;
        await recordPass(options, mailbox, messageOf(err));
        options.logger.error({ err, mailboxId: mailbox.id, failures: state.failures }, 'imap poll failed');
      }
      if (!state.stopping) await state.waker.wait(backoffSeconds(state.failures, options.pollSeconds) * 1000);
    }
  })();
  return {
    mailboxId: mailbox.id,
    stop: async () => {
      state.stopping = true;
      state.waker.wake();
      await loop;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Every mailbox, one poller each across workers

/** Claims mailboxes so that one worker polls each; the embedded database needs none. */
export type MailboxClaims = {
  claim(mailboxId: string): Promise<boolean>;
  release(mailboxId: string): Promise<void>;
  close(): Promise<void>;
};

export const noClaimsNeeded: MailboxClaims = { claim: async () => true, release: async () => {}, close: async () => {} };

/**
 * Session advisory locks on a connection of their own: a worker that dies (even by SIGKILL) loses
 * its connection and with it its locks, so another worker takes its mailboxes on its next scan.
 * Should the connection fail, every claim is gone: `onLost` stops this worker's pollers.
 */
export function advisoryLockClaims(pool: pg.Pool, onLost: () => void): MailboxClaims {
  let client: pg.PoolClient | null = null;
  // One statement at a time on the lock session (pollers stopping together all release at once).
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => {});
    return next;
  };
  const connect = async (): Promise<pg.PoolClient> => {
    if (client) return client;
    const c = await pool.connect();
    const lost = () => {
      if (client !== c) return;
      client = null;
      c.release(true);
      onLost();
    };
    c.on('error', lost);
    c.on('end', lost);
    client = c;
    return c;
  };
  return {
    claim: (mailboxId) =>
      serially(async () => {
        const c = await connect();
        const r = await c.query<{ ok: boolean }>('select pg_try_advisory_lock($1, hashtext($2)) as ok', [pollerLockKey, mailboxId]);
        return r.rows[0]?.ok === true;
      }),
    release: (mailboxId) =>
      serially(async () => {
        await client?.query('select pg_advisory_unlock($1, hashtext($2))', [pollerLockKey, mailboxId]);
      }),
    close: () =>
      serially(async () => {
        const c = client;
        client = null;
        // Ending the session drops whatever locks it still holds.
        c?.release(true);
      }),
  };
}

export type ImapPollers = {
  /** Mailboxes this worker polls now. */
  running(): string[];
  /** Looks for mailboxes to start or stop polling (also done every poll interval). */
  scan(): Promise<void>;
  stop(): Promise<void>;
};

async function loadPolledMailboxes(ctx: ServiceContext): Promise<Map<string, PolledMailbox>> {
  const out = new Map<string, PolledMailbox>();
  for (const row of await listPolledMailboxRows(ctx.db)) {
    const settings = imapSettingsOf(row.imap_settings);
    if (settings) out.set(row.id, { id: row.id, address: row.address, teamId: row.team_id, settings });
  }
  return out;
}

/** One mailbox as the poller sees it, or null when it is not to be polled. */
export async function findPolledMailbox(ctx: ServiceContext, mailboxId: string): Promise<PolledMailbox | null> {
  return (await loadPolledMailboxes(ctx)).get(mailboxId) ?? null;
}

/** What a poller was started with: a change of settings (or team, or address) restarts it. */
function fingerprintOf(m: PolledMailbox): string {
  return JSON.stringify(m);
}

/**
 * Runs a poller for every mailbox with IMAP polling on that this worker can claim, and every
 * poll interval looks again: starts new ones, stops those switched off or changed (a changed one
 * starts again with its new settings), and takes over mailboxes a stopped worker left.
 */
export function startImapPollers(
  options: PollerOptions & { claims: MailboxClaims | ((onLost: () => void) => MailboxClaims) },
): ImapPollers {
  const pollers = new Map<string, { poller: MailboxPoller; fingerprint: string }>();
  let stopped = false;
  let scanning: Promise<void> | null = null;

  const stopOne = async (id: string) => {
    const entry = pollers.get(id);
    if (!entry) return;
    pollers.delete(id);
    await entry.poller.stop();
    await claims.release(id).catch(() => {});
  };
  const stopAll = () => Promise.all([...pollers.keys()].map((id) => stopOne(id)));
  const claims =
    typeof options.claims === 'function'
      ? options.claims(() => {
          options.logger.error({}, 'imap poller lock connection lost; pollers stop until the next scan');
          void stopAll();
        })
      : options.claims;

  const scanOnce = async () => {
    const wanted = await loadPolledMailboxes(options.ctx);
    for (const [id, entry] of [...pollers]) {
      const next = wanted.get(id);
      if (!next || fingerprintOf(next) !== entry.fingerprint) await stopOne(id);
    }
    for (const [id, mailbox] of wanted) {
      if (stopped || pollers.has(id)) continue;
      if (!(await claims.claim(id))) continue;
      pollers.set(id, { poller: startMailboxPoller(mailbox, options), fingerprint: fingerprintOf(mailbox) });
    }
  };
  const scan = async () => {
    if (stopped) return;
    // One scan at a time: the timer's and a caller's would otherwise both start a poller.
    scanning ??= scanOnce()
      .catch((err: unknown) => options.logger.error({ err }, 'imap poller scan failed'))
      .finally(() => {
        scanning = null;
      });
    await scanning;
  };

  const timer = setInterval(() => void scan(), options.pollSeconds * 1000);
  timer.unref();
  void scan();
  return {
    running: () => [...pollers.keys()],
    scan,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await scanning;
      await stopAll();
      await claims.close();
    },
  };
}
