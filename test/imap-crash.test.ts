// Acceptance for IMAP polling: a real `frontline start` is killed with SIGKILL while it polls
// 1,000 messages from a real IMAP server (dovecot), started again, and in the end exactly 1,000
// messages are stored and every one is \Seen on the server. Whatever was stored but not yet
// flagged when the process died is fetched again and recognised by its Message-ID.
//
// PostgreSQL only (TEST_DATABASE_URL): the point is a process dying at any instruction, and a
// SIGKILL mid-write is what a PostgreSQL server is built to survive; the embedded database lives
// inside the killed process, and the 5 s initdb of a new data directory per run would only add
// to the run time.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, expect, test } from 'vitest';
import { migrate } from '../src/db/migrate.js';
import { openDatabase, type Database } from '../src/db/open.js';
import { createManualClock } from '../src/lib/clock.js';
import { systemActor } from '../src/modules/auth/permissions.js';
import { createMailbox } from '../src/modules/email/mailboxes.service.js';
import { simpleMail } from './email-helpers.js';
import { createEmptyPostgresDatabase, testConfig, testDatabaseUrl } from './helpers.js';
import { dovecotMissingReason, startImapServer, type ImapServer } from './imap-server.js';

const total = 1000;
const missingDovecot = dovecotMissingReason();

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

function startFrontline(databaseUrl: string, filesDir: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/frontline.ts',
      'start',
      '--port',
      '0',
      '--database-url',
      databaseUrl,
      '--worker',
      'yes',
      '--log-level',
      'warn',
      '--imap-poll-seconds',
      '1',
      '--files-dir',
      filesDir,
    ],
    { env: { ...process.env, FRONTLINE_DATA_DIR: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no start within 40 s\n${out}\n${err}`)), 40_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (/Frontline is running at/.test(out)) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code ?? signal}\n${out}\n${err}`));
    });
  });
}

function exited(child: ChildProcess): Promise<number | string | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode ?? child.signalCode);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
}

async function storedCounts(database: Database, mailboxId: string): Promise<{ rows: number; distinct: number }> {
  const r = await sql<{ rows: number; distinct: number }>`
    select count(*)::int as rows, count(distinct message_id)::int as distinct
    from email_messages where mailbox_id = ${mailboxId} and direction = 'inbound'`.execute(database.db);
  return r.rows[0]!;
}

async function waitFor(what: string, check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const skipReason = missingDovecot ?? (testDatabaseUrl ? null : 'PostgreSQL only, set TEST_DATABASE_URL');

test.skipIf(skipReason !== null)(
  `SIGKILL while ${total} messages are being polled, a restart, and exactly ${total} are stored, all \\Seen${skipReason ? `: skipped, ${skipReason}` : ''}`,
  async () => {
    const server: ImapServer = await startImapServer();
    const db = await createEmptyPostgresDatabase();
    const database = await openDatabase({ databaseUrl: db.url, poolSize: 3 });
    const filesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'frontline-imap-crash-'));
    try {
      await migrate(database.db);
      const ctx = { db: database.db, clock: createManualClock(new Date()), config: testConfig() };
      const { mailbox } = await createMailbox(
        ctx,
        {
          name: 'Crash',
          address: 'crash@acme.test',
          imap: {
            host: server.host,
            port: server.port,
            secure: false,
            username: server.user,
            password: server.password,
            folder: 'INBOX',
            enabled: true,
            afterProcessing: 'mark_seen',
          },
        },
        systemActor,
      );
      const messages = Array.from({ length: total }, (_, i) =>
        simpleMail({
          from: `customer${i % 100}@example.org`,
          to: 'crash@acme.test',
          subject: `Order ${i}`,
          messageId: `<crash-${i}@example.org>`,
          body: `Message ${i} of ${total}.`,
        }),
      );
      await server.append('INBOX', messages);

      const first = await startFrontline(db.url, filesDir);
      await waitFor('the first 100 messages', async () => (await storedCounts(database, mailbox.id)).rows >= 100, 60_000);
      first.kill('SIGKILL');
      expect(await exited(first)).toBe('SIGKILL');
      const atKill = await storedCounts(database, mailbox.id);
      // Killed mid-way, or the test proves nothing.
      expect(atKill.rows).toBeLessThan(total);
      const seenAtKill = [...(await server.flagsByUid('INBOX')).values()].filter((f) => f.has('\\Seen')).length;
      console.info(`imap crash: ${atKill.rows} stored and ${seenAtKill} \\Seen when killed`);

      const second = await startFrontline(db.url, filesDir);
      const allSeen = async () => [...(await server.flagsByUid('INBOX')).values()].every((f) => f.has('\\Seen'));
      await waitFor(
        `all ${total} messages`,
        async () => (await storedCounts(database, mailbox.id)).rows >= total && (await allSeen()),
        80_000,
      );
      // A little longer: a duplicate would show now.
      await new Promise((r) => setTimeout(r, 1500));
      expect(await storedCounts(database, mailbox.id)).toEqual({ rows: total, distinct: total });
      const caseMessages = await sql<{ n: number }>`
        select count(*)::int as n from case_messages where channel = 'email' and external_id like 'crash-%@example.org'`.execute(
        database.db,
      );
      expect(caseMessages.rows[0]!.n).toBe(total);
      const flags = await server.flagsByUid('INBOX');
      expect(flags.size).toBe(total);
      expect([...flags.values()].every((f) => f.has('\\Seen'))).toBe(true);

      second.kill('SIGTERM');
      expect(await exited(second)).toBe(0);
    } finally {
      await database.close();
      await db.drop();
      await server.stop();
      fs.rmSync(filesDir, { recursive: true, force: true });
    }
  },
  180_000,
);
