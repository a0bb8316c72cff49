// IMAP polling against a real IMAP server (dovecot, started by the test on a port of its own):
// polled mail becomes cases through the inbound pipeline, replies thread, a message is \Seen only
// after its transaction committed, a failed or interrupted one is fetched again and stored once,
// processed mail can be moved, IDLE and plain polling both bring new mail, polling failures show
// in channel health, and on PostgreSQL one worker polls each mailbox. Settings validation and the
// password never being shown run without dovecot.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestMailbox, simpleMail } from '../../../test/email-helpers.js';
import { startTestApp, testDatabaseUrl, type Requester, type TestApp } from '../../../test/helpers.js';
import { dovecotMissingReason, freePort, startImapServer, type ImapServer } from '../../../test/imap-server.js';
import { openDatabase } from '../../db/open.js';
import type { ServiceContext } from '../../lib/context.js';
import { checkChannelHealth, decideState } from '../channels/channel-health.js';
import {
  advisoryLockClaims,
  backoffSeconds,
  findPolledMailbox,
  noClaimsNeeded,
  pollMailboxOnce,
  startImapPollers,
  startMailboxPoller,
  type PolledMailbox,
  type PollerOptions,
  type ReceiveEmail,
} from './imap-poller.js';
import { receiveInboundEmail } from './inbound.service.js';

const missingDovecot = dovecotMissingReason();
if (missingDovecot) console.warn(`IMAP polling tests skipped: ${missingDovecot}`);

let t: TestApp;
let admin: Requester;

beforeAll(async () => {
  t = await startTestApp({ start: '2026-11-23T09:00:00Z' });
  admin = (await t.userWithToken('admin')).as;
});
afterAll(() => t.close());

const quietLogger = { info() {}, error() {} };

function expectError(res: { statusCode: number; json(): unknown }, status: number, code: string) {
  expect(res.statusCode).toBe(status);
  expect(res.json()).toMatchObject({ error: { code, message: expect.any(String) } });
}

test('backoff doubles from the poll interval and stops at ten minutes', () => {
  expect([0, 1, 2, 3, 4].map((n) => backoffSeconds(n, 60))).toEqual([60, 60, 120, 240, 480]);
  expect(backoffSeconds(5, 60)).toBe(600);
  expect(backoffSeconds(30, 1)).toBe(600);
  expect([1, 2, 3].map((n) => backoffSeconds(n, 1))).toEqual([1, 2, 4]);
});

test('failed polls make a mailbox degraded, then down, quoting the error; a send run that is down still wins', () => {
  const since = new Date('2026-11-23T09:00:00Z');
  const facts = { consecutiveErrors: 0, lastInboundAt: null, expectedSinceInbound: null, since };
  expect(decideState({ ...facts, consecutivePollErrors: 1, lastPollError: 'connect ECONNREFUSED' })).toEqual({
    state: 'degraded',
    reason: 'the last IMAP poll failed: connect ECONNREFUSED',
  });
  expect(decideState({ ...facts, consecutivePollErrors: 5, lastPollError: null })).toEqual({
    state: 'down',
    reason: '5 IMAP polls in a row failed',
  });
  expect(decideState({ ...facts, consecutiveErrors: 5, consecutivePollErrors: 1 }).reason).toBe('5 sends in a row failed');
  expect(decideState({ ...facts, consecutiveErrors: 1, consecutivePollErrors: 5 }).state).toBe('down');
  expect(decideState({ ...facts, consecutivePollErrors: 0, lastPollError: 'old news' })).toEqual({ state: 'ok', reason: null });
});

describe('IMAP settings on mailboxes', () => {
  const imap = { host: 'imap.acme.test', port: 993, secure: true, username: 'support', password: 'imap-secret-1' };

  test('defaults are filled in, the password is never shown, only hasPassword', async () => {
    const res = await admin({ method: 'POST', url: '/api/mailboxes', body: { name: 'Polled', address: 'polled@acme.test', imap } });
    expect(res.statusCode, res.body).toBe(201);
    const { mailbox } = res.json();
    expect(mailbox.imap).toEqual({
      host: 'imap.acme.test',
      port: 993,
      secure: true,
      username: 'support',
      folder: 'INBOX',
      enabled: true,
      afterProcessing: 'mark_seen',
      hasPassword: true,
    });
    const reads = [res, await admin({ url: `/api/mailboxes/${mailbox.id}` }), await admin({ url: '/api/mailboxes' })];
    const audit = await admin({ url: `/api/audit?subjectType=mailbox&subjectId=${mailbox.id}` });
    for (const r of [...reads, audit]) expect(r.body).not.toContain('imap-secret-1');
    // Stored for the poller, which needs it.
    expect(await findPolledMailbox(t.ctx, mailbox.id)).toMatchObject({ settings: { password: 'imap-secret-1', folder: 'INBOX' } });

    // A PATCH without the password keeps it while host and user stay the same, not for another server.
    const moved = await admin({
      method: 'PATCH',
      url: `/api/mailboxes/${mailbox.id}`,
      body: { imap: { ...imap, password: undefined, afterProcessing: 'move', moveToFolder: 'Done' } },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json().imap).toMatchObject({ afterProcessing: 'move', moveToFolder: 'Done', hasPassword: true });
    expect(await findPolledMailbox(t.ctx, mailbox.id)).toMatchObject({
      settings: { password: 'imap-secret-1', afterProcessing: 'move', moveToFolder: 'Done' },
    });
    const other = await admin({
      method: 'PATCH',
      url: `/api/mailboxes/${mailbox.id}`,
      body: { imap: { ...imap, host: 'imap.elsewhere.test', password: undefined } },
    });
    expect(other.json().imap.hasPassword).toBe(false);

    // Switched off, or the mailbox inactive: not polled.
    await admin({ method: 'PATCH', url: `/api/mailboxes/${mailbox.id}`, body: { imap: { ...imap, enabled: false } } });
    expect(await findPolledMailbox(t.ctx, mailbox.id)).toBeNull();
    await admin({ method: 'PATCH', url: `/api/mailboxes/${mailbox.id}`, body: { imap, active: false } });
    expect(await findPolledMailbox(t.ctx, mailbox.id)).toBeNull();
  });

  test('bad settings answer 400 validation_failed naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...imap, username: undefined }, 'imap.username'],
      [{ ...imap, port: 0 }, 'imap.port'],
      [{ ...imap, folder: '' }, 'imap.folder'],
      [{ ...imap, afterProcessing: 'delete' }, 'imap.afterProcessing'],
      [{ ...imap, afterProcessing: 'move' }, 'imap.moveToFolder'],
      [{ ...imap, afterProcessing: 'move', moveToFolder: 'INBOX' }, 'imap.moveToFolder'],
      [{ ...imap, moveToFolder: 'Done' }, 'imap.moveToFolder'],
      [{ ...imap, enabled: 'yes' }, 'imap.enabled'],
      [{ ...imap, colour: 'red' }, 'imap'],
    ];
    for (const [body, path] of cases) {
      const res = await admin({ method: 'POST', url: '/api/mailboxes', body: { name: 'Bad', address: 'bad-imap@acme.test', imap: body } });
      expectError(res, 400, 'validation_failed');
      expect(res.json().error.details.issues.map((i: { path: string }) => i.path)).toContain(path);
    }
  });

  test('settings stored before polling existed read as switched off', async () => {
    const box = await createTestMailbox(admin);
    await t.database.db
      .updateTable('mailboxes')
      .set({ imap_settings: JSON.stringify({ host: 'imap.old.test', port: 143, secure: false, username: 'u', password: 'p' }) })
      .where('id', '=', box.id)
      .execute();
    expect((await admin({ url: `/api/mailboxes/${box.id}` })).json().imap).toMatchObject({
      enabled: false,
      folder: 'INBOX',
      hasPassword: true,
    });
    expect(await findPolledMailbox(t.ctx, box.id)).toBeNull();
  });
});

describe.skipIf(missingDovecot !== null)(
  `polling a real IMAP server (dovecot)${missingDovecot ? `: skipped, ${missingDovecot}` : ''}`,
  () => {
    let server: ImapServer;
    let folderCounter = 0;

    beforeAll(async () => {
      server = await startImapServer();
    });
    afterAll(() => server?.stop());

    /** A mailbox polling a folder of its own on the test server. */
    async function imapMailbox(extra: Record<string, unknown> = {}): Promise<{ mailbox: PolledMailbox; folder: string; address: string }> {
      folderCounter += 1;
      const folder = `T${folderCounter}`;
      const box = await createTestMailbox(admin, {
        imap: { host: server.host, port: server.port, secure: false, username: server.user, password: server.password, folder, ...extra },
      });
      const mailbox = await findPolledMailbox(t.ctx, box.id);
      if (!mailbox) throw new Error('the mailbox is not polled');
      await server.append(folder, []);
      return { mailbox, folder, address: box.address };
    }

    function options(receive?: ReceiveEmail, ctx: ServiceContext = t.ctx): PollerOptions {
      return { ctx, logger: quietLogger, pollSeconds: 1, ...(receive ? { receive } : {}) };
    }

    async function seenByMessage(folder: string): Promise<boolean[]> {
      return [...(await server.flagsByUid(folder)).entries()].sort(([a], [b]) => a - b).map(([, flags]) => flags.has('\\Seen'));
    }

    async function storedCount(messageId: string): Promise<number> {
      const rows = await t.database.db.selectFrom('email_messages').select('case_message_id').where('message_id', '=', messageId).execute();
      return rows.length;
    }

    async function health(mailboxId: string) {
      return t.database.db
        .selectFrom('channel_health')
        .selectAll()
        .where('channel_kind', '=', 'mailbox')
        .where('channel_id', '=', mailboxId)
        .executeTakeFirst();
    }

    function messageIdOf(raw: Buffer): string {
      return /^Message-ID:\s*<([^>]+)>/im.exec(raw.toString('utf8'))?.[1] ?? '';
    }

    async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        if (await check()) return true;
        await new Promise((r) => setTimeout(r, 100));
      }
      return check();
    }

    test('unseen messages become cases in UID order, replies thread to their case, and all end \\Seen', async () => {
      const { mailbox, folder, address } = await imapMailbox();
      await server.append(
        folder,
        [simpleMail({ from: 'Old <old@example.org>', to: address, subject: 'Read already', messageId: '<old-1@example.org>' })],
        ['\\Seen'],
      );
      await server.append(folder, [
        simpleMail({ from: 'Gail <gail@example.org>', to: address, subject: 'Broken kettle', messageId: '<k1@example.org>' }),
        simpleMail({ from: 'Hal <hal@example.org>', to: address, subject: 'Refund', messageId: '<r1@example.org>' }),
        simpleMail({
          from: 'gail@example.org',
          to: address,
          subject: 'Re: Broken kettle',
          messageId: '<k2@example.org>',
          inReplyTo: '<k1@example.org>',
          body: 'Any news?',
        }),
      ]);
      expect(await pollMailboxOnce(mailbox, options())).toEqual({
        stored: 3,
        duplicates: 0,
        ignored: 0,
        failed: 0,
        rejected: 0,
        error: null,
      });
      const rows = await t.database.db
        .selectFrom('email_messages as e')
        .innerJoin('case_messages as m', 'm.id', 'e.case_message_id')
        .select(['e.message_id', 'e.thread_match', 'm.case_id', 'm.seq'])
        .where('e.mailbox_id', '=', mailbox.id)
        .orderBy('e.received_at')
        .orderBy('m.seq')
        .execute();
      expect(rows.map((r) => [r.message_id, r.thread_match])).toEqual([
        ['k1@example.org', 'new_case'],
        ['r1@example.org', 'new_case'],
        ['k2@example.org', 'in_reply_to'],
      ]);
      expect(rows[2]!.case_id).toBe(rows[0]!.case_id);
      expect(rows[1]!.case_id).not.toBe(rows[0]!.case_id);
      // The message read before polling began is left alone.
      expect(await storedCount('old-1@example.org')).toBe(0);
      expect(await seenByMessage(folder)).toEqual([true, true, true, true]);
      expect(await pollMailboxOnce(mailbox, options())).toMatchObject({ stored: 0, duplicates: 0 });
      const h = (await health(mailbox.id))!;
      expect(h.last_poll_ok_at).not.toBeNull();
      expect(h.last_inbound_at).not.toBeNull();
      expect(h.consecutive_poll_errors).toBe(0);
    });

    test('a message is \\Seen only after its transaction committed; one that fails stays unseen and is tried again', async () => {
      const { mailbox, folder, address } = await imapMailbox();
      await server.append(
        folder,
        ['a', 'b', 'c'].map((x) =>
          simpleMail({ from: `${x}@example.org`, to: address, subject: `Order ${x}`, messageId: `<seen-${x}@example.org>` }),
        ),
      );
      const checks: string[] = [];
      let failB = true;
      const receive: ReceiveEmail = async (ctx, mb, raw) => {
        const id = messageIdOf(raw);
        const before = await seenByMessage(folder);
        if (before.some((s, i) => s && `seen-${'abc'[i]}@example.org` === id)) checks.push(`${id} seen before its transaction`);
        if (id === 'seen-b@example.org' && failB) {
          failB = false;
          throw new Error('the database went away');
        }
        const result = await receiveInboundEmail(ctx, mb, raw);
        // Committed, and still unseen: the flag comes after.
        if ((await storedCount(id)) !== 1) checks.push(`${id} not committed`);
        if ((await seenByMessage(folder))['abc'.indexOf(id[5]!)]) checks.push(`${id} seen before the poller flagged it`);
        return result;
      };
      const first = await pollMailboxOnce(mailbox, options(receive));
      expect(first).toMatchObject({ stored: 2, failed: 1 });
      expect(first.error).toContain('the database went away');
      expect(await seenByMessage(folder)).toEqual([true, false, true]);
      expect(await storedCount('seen-b@example.org')).toBe(0);
      expect((await health(mailbox.id))!.consecutive_poll_errors).toBe(1);
      expect((await health(mailbox.id))!.last_poll_error).toContain('the database went away');

      expect(await pollMailboxOnce(mailbox, options(receive))).toMatchObject({ stored: 1, failed: 0, error: null });
      expect(await seenByMessage(folder)).toEqual([true, true, true]);
      expect(await storedCount('seen-b@example.org')).toBe(1);
      expect((await health(mailbox.id))!.consecutive_poll_errors).toBe(0);
      expect(checks).toEqual([]);
    });

    test('a crash between the commit and the flag: fetched again, recorded once; unflagged again later, still once', async () => {
      const { mailbox, folder, address } = await imapMailbox();
      await server.append(folder, [
        simpleMail({ from: 'ivy@example.org', to: address, subject: 'Lost parcel', messageId: '<crash-1@example.org>' }),
        simpleMail({ from: 'joe@example.org', to: address, subject: 'Wrong size', messageId: '<crash-2@example.org>' }),
      ]);
      let crashes = 1;
      const receive: ReceiveEmail = async (ctx, mb, raw) => {
        const result = await receiveInboundEmail(ctx, mb, raw);
        if (messageIdOf(raw) === 'crash-1@example.org' && crashes-- > 0) throw new Error('killed before the flag');
        return result;
      };
      expect(await pollMailboxOnce(mailbox, options(receive))).toMatchObject({ stored: 1, failed: 1 });
      expect(await seenByMessage(folder)).toEqual([false, true]);
      expect(await storedCount('crash-1@example.org')).toBe(1);
      expect(await pollMailboxOnce(mailbox, options(receive))).toMatchObject({ stored: 0, duplicates: 1, failed: 0 });
      expect(await seenByMessage(folder)).toEqual([true, true]);

      // The server forgets every flag (a restored backup): everything comes again, nothing twice.
      await server.removeFlag(folder, '\\Seen');
      expect(await pollMailboxOnce(mailbox, options())).toMatchObject({ stored: 0, duplicates: 2 });
      expect(await storedCount('crash-1@example.org')).toBe(1);
      expect(await storedCount('crash-2@example.org')).toBe(1);
    });

    test('a message the pipeline refuses for good is left unseen in the folder and does not stop the others', async () => {
      const { mailbox, folder, address } = await imapMailbox();
      await server.append(folder, [
        simpleMail({ from: 'not an address', to: address, subject: 'Nobody', messageId: '<nofrom@example.org>' }),
        simpleMail({ from: 'kim@example.org', to: address, subject: 'Hello', messageId: '<after-nofrom@example.org>' }),
      ]);
      expect(await pollMailboxOnce(mailbox, options())).toMatchObject({ stored: 1, rejected: 1, failed: 0, error: null });
      expect(await seenByMessage(folder)).toEqual([false, true]);
    });

    test('move after processing: stored messages leave the folder for the one named', async () => {
      const { mailbox, folder, address } = await imapMailbox({ afterProcessing: 'move', moveToFolder: `Done-${folderCounter + 1}` });
      const target = mailbox.settings.moveToFolder!;
      await server.append(folder, [
        simpleMail({ from: 'lea@example.org', to: address, subject: 'Moved 1', messageId: '<move-1@example.org>' }),
        simpleMail({ from: 'lea@example.org', to: address, subject: 'Moved 2', messageId: '<move-2@example.org>' }),
      ]);
      expect(await pollMailboxOnce(mailbox, options())).toMatchObject({ stored: 2 });
      expect((await server.flagsByUid(folder)).size).toBe(0);
      expect((await server.flagsByUid(target)).size).toBe(2);
      expect(await storedCount('move-1@example.org')).toBe(1);
    });

    test('IDLE: a running poller stores mail as it arrives, without waiting for the poll interval', async () => {
      const { mailbox, folder, address } = await imapMailbox();
      await server.append(folder, [
        simpleMail({ from: 'max@example.org', to: address, subject: 'First', messageId: '<idle-0@example.org>' }),
      ]);
      const poller = startMailboxPoller(mailbox, { ...options(), pollSeconds: 3600 });
      try {
        expect(await until(async () => (await storedCount('idle-0@example.org')) === 1, 10_000)).toBe(true);
        // Now idling; only IDLE can bring this one within the hour.
        await new Promise((r) => setTimeout(r, 300));
        await server.append(folder, [
          simpleMail({ from: 'max@example.org', to: address, subject: 'Second', messageId: '<idle-1@example.org>' }),
        ]);
        expect(await until(async () => (await storedCount('idle-1@example.org')) === 1, 10_000)).toBe(true);
        expect(await until(async () => (await seenByMessage(folder)).every(Boolean), 5000)).toBe(true);
      } finally {
        await poller.stop();
      }
    });

    test('without IDLE, the poller asks every poll interval', async () => {
      const plain = await startImapServer({ idle: false });
      try {
        const probe = await plain.connect();
        expect(probe.capabilities.has('IDLE')).toBe(false);
        await probe.logout();
        const box = await createTestMailbox(admin, {
          imap: { host: plain.host, port: plain.port, secure: false, username: plain.user, password: plain.password },
        });
        const mailbox = (await findPolledMailbox(t.ctx, box.id))!;
        const poller = startMailboxPoller(mailbox, options());
        try {
          await new Promise((r) => setTimeout(r, 1500));
          await plain.append('INBOX', [
            simpleMail({ from: 'ned@example.org', to: box.address, subject: 'Polled', messageId: '<plain-1@example.org>' }),
          ]);
          expect(await until(async () => (await storedCount('plain-1@example.org')) === 1, 10_000)).toBe(true);
        } finally {
          await poller.stop();
        }
        expect([...(await plain.flagsByUid('INBOX')).values()].every((f) => f.has('\\Seen'))).toBe(true);
      } finally {
        await plain.stop();
      }
    });

    test('failing polls are recorded: the mailbox turns degraded, then down, and ok again once polling works', async () => {
      const { mailbox } = await imapMailbox();
      const state = async () => {
        await checkChannelHealth(t.ctx);
        const res = await admin({ url: '/api/channels/health' });
        type Item = { id: string; state: string; reason: string | null; consecutivePollErrors: number; lastPollOkAt: string | null };
        return (res.json().items as Item[]).find((i) => i.id === mailbox.id)!;
      };
      // Nothing listens there: the server is down.
      const unreachable = { ...mailbox, settings: { ...mailbox.settings, port: await freePort() } };
      await expect(pollMailboxOnce(unreachable, options())).rejects.toThrow();
      expect(await state()).toMatchObject({
        state: 'degraded',
        consecutivePollErrors: 1,
        reason: expect.stringContaining('the last IMAP poll failed'),
      });
      expect((await health(mailbox.id))!.last_poll_error).toMatch(/ECONNREFUSED/);
      for (let i = 0; i < 4; i++) await expect(pollMailboxOnce(unreachable, options())).rejects.toThrow();
      expect(await state()).toMatchObject({
        state: 'down',
        consecutivePollErrors: 5,
        reason: expect.stringContaining('5 IMAP polls in a row failed'),
      });
      // A folder that does not exist, and a wrong password, are recorded the same way.
      await expect(pollMailboxOnce({ ...mailbox, settings: { ...mailbox.settings, folder: 'Nowhere' } }, options())).rejects.toThrow();
      expect((await health(mailbox.id))!.last_poll_error).toMatch(/Nowhere/);
      await expect(pollMailboxOnce({ ...mailbox, settings: { ...mailbox.settings, password: 'wrong' } }, options())).rejects.toThrow();
      expect((await health(mailbox.id))!).toMatchObject({ consecutive_poll_errors: 7, last_poll_error: expect.stringMatching(/auth/i) });

      await pollMailboxOnce(mailbox, options());
      expect(await state()).toMatchObject({ state: 'ok', consecutivePollErrors: 0, reason: null, lastPollOkAt: expect.any(String) });
    });

    test('a running poller backs off while the server is down and picks up its mail once it is back', async () => {
      const port = await freePort();
      const box = await createTestMailbox(admin, {
        imap: { host: server.host, port, secure: false, username: server.user, password: server.password },
      });
      const mailbox = (await findPolledMailbox(t.ctx, box.id))!;
      const poller = startMailboxPoller(mailbox, options());
      let later: ImapServer | null = null;
      try {
        // Tries at 0 s, then after 1 s and 2 s more: at least two failures within 5 s, not a storm.
        expect(await until(async () => ((await health(mailbox.id))?.consecutive_poll_errors ?? 0) >= 2, 5000)).toBe(true);
        expect((await health(mailbox.id))!.consecutive_poll_errors).toBeLessThanOrEqual(4);
        later = await startImapServer({ port });
        await later.append('INBOX', [
          simpleMail({ from: 'ola@example.org', to: box.address, subject: 'Back', messageId: '<back-1@example.org>' }),
        ]);
        expect(await until(async () => (await storedCount('back-1@example.org')) === 1, 20_000)).toBe(true);
        expect(await until(async () => (await health(mailbox.id))!.consecutive_poll_errors === 0, 5000)).toBe(true);
      } finally {
        await poller.stop();
        await later?.stop();
      }
    });

    test('the pollers follow the settings: switched on starts one, switched off stops it', async () => {
      const { mailbox } = await imapMailbox();
      const pollers = startImapPollers({ ...options(), pollSeconds: 3600, claims: noClaimsNeeded });
      try {
        await pollers.scan();
        expect(pollers.running()).toContain(mailbox.id);
        const s = mailbox.settings;
        const off = await admin({
          method: 'PATCH',
          url: `/api/mailboxes/${mailbox.id}`,
          body: { imap: { host: s.host, port: s.port, secure: s.secure, username: s.username, folder: s.folder, enabled: false } },
        });
        expect(off.statusCode, off.body).toBe(200);
        await pollers.scan();
        expect(pollers.running()).not.toContain(mailbox.id);
      } finally {
        await pollers.stop();
      }
    });

    test.runIf(testDatabaseUrl)('on PostgreSQL one worker polls a mailbox; when it stops, another takes over', async () => {
      const { mailbox, folder, address } = await imapMailbox();
      // A second worker: its own pool, so its own advisory-lock session.
      const other = await openSecondPool();
      const workers = [t.database, other].map((database) =>
        startImapPollers({
          ...options(undefined, { ...t.ctx, db: database.db }),
          pollSeconds: 3600,
          claims: (onLost) => advisoryLockClaims(database.pool, onLost),
        }),
      );
      try {
        await Promise.all(workers.map((w) => w.scan()));
        const polling = workers.filter((w) => w.running().includes(mailbox.id));
        expect(polling).toHaveLength(1);
        await server.append(folder, [
          simpleMail({ from: 'pia@example.org', to: address, subject: 'One', messageId: '<lock-1@example.org>' }),
        ]);
        expect(await until(async () => (await storedCount('lock-1@example.org')) === 1, 10_000)).toBe(true);
        await polling[0]!.stop();
        const rest = workers.find((w) => w !== polling[0])!;
        await rest.scan();
        expect(rest.running()).toContain(mailbox.id);
        await server.append(folder, [
          simpleMail({ from: 'pia@example.org', to: address, subject: 'Two', messageId: '<lock-2@example.org>' }),
        ]);
        expect(await until(async () => (await storedCount('lock-2@example.org')) === 1, 10_000)).toBe(true);
        expect(await storedCount('lock-1@example.org')).toBe(1);
      } finally {
        await Promise.all(workers.map((w) => w.stop()));
        await other.close();
      }
    });

    /** Another connection pool on the test's PostgreSQL database (as a second worker has). */
    function openSecondPool() {
      return openDatabase({ databaseUrl: t.database.url!, poolSize: 3 });
    }
  },
);
