// A real IMAP server for tests: Debian's dovecot, started as a child process of the test from a
// config of its own in a temporary directory (its own port, plaintext login on 127.0.0.1, one
// passwd-file user, maildir storage), never the system service. Killed by stop().
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';

export const dovecotBinary = '/usr/sbin/dovecot';

/** Why the IMAP tests cannot run here, or null when they can. */
export function dovecotMissingReason(): string | null {
  if (fs.existsSync(dovecotBinary)) return null;
  return `dovecot is not installed (${dovecotBinary} is missing; apt-get install dovecot-imapd, as .ci/run does)`;
}

export type ImapServer = {
  host: string;
  port: number;
  user: string;
  password: string;
  /** A connected, authenticated client of the test's own (to append and inspect). */
  connect(): Promise<ImapFlow>;
  /** Appends raw messages to a folder (created if missing), unseen unless flags say otherwise. */
  append(folder: string, messages: readonly (string | Buffer)[], flags?: string[]): Promise<void>;
  /** Removes a flag from every message of a folder (as a restored backup would). */
  removeFlag(folder: string, flag: string): Promise<void>;
  /** The flags of every message in a folder, by UID. */
  flagsByUid(folder: string): Promise<Map<number, Set<string>>>;
  stop(): Promise<void>;
};

export type ImapServerOptions = {
  /** Advertise IDLE (true, dovecot's default) or leave it out so clients must poll. */
  idle?: boolean;
  /** Listen on this port (default: a free one). */
  port?: number;
};

/** A port nothing listens on at the moment. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Dovecot refuses mail access as root, so under root (as in CI) the mail files belong to the
 * `nobody` account; otherwise to the current user, and dovecot runs as that user throughout.
 */
function mailOwner(): { uid: number; gid: number; runAsRoot: boolean; user: string } {
  const uid = process.getuid?.() ?? 0;
  if (uid !== 0) return { uid, gid: process.getgid?.() ?? uid, runAsRoot: false, user: os.userInfo().username };
  return { uid: 65534, gid: 65534, runAsRoot: true, user: 'root' };
}

// Without IDLE (and without NOTIFY, which also pushes news), a client learns of new mail only by asking.
const capabilitiesWithoutIdle =
  'IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE SORT UNSELECT CHILDREN NAMESPACE UIDPLUS ESEARCH MOVE';

function dovecotConfig(dir: string, port: number, options: ImapServerOptions): string {
  const owner = mailOwner();
  const lines = [
    `base_dir = ${dir}/run`,
    `state_dir = ${dir}/state`,
    `log_path = ${dir}/dovecot.log`,
    'protocols = imap',
    'listen = 127.0.0.1',
    'ssl = no',
    'disable_plaintext_auth = no',
    'auth_mechanisms = plain login',
    'first_valid_uid = 1',
    `mail_location = maildir:${dir}/mail/%u`,
    // Pushes new mail to IDLE clients as soon as it lands instead of on dovecot's 30 s timer.
    'mailbox_idle_check_interval = 1 secs',
    ...(owner.runAsRoot ? [] : [`default_internal_user = ${owner.user}`, `default_login_user = ${owner.user}`]),
    ...(options.idle === false ? [`imap_capability = ${capabilitiesWithoutIdle}`] : []),
    'passdb {',
    '  driver = passwd-file',
    `  args = scheme=PLAIN username_format=%u ${dir}/users`,
    '}',
    'userdb {',
    '  driver = passwd-file',
    `  args = username_format=%u ${dir}/users`,
    '}',
    'namespace inbox {',
    '  inbox = yes',
    '  separator = /',
    '}',
    'service imap-login {',
    '  inet_listener imap {',
    '    address = 127.0.0.1',
    `    port = ${port}`,
    '  }',
    '  inet_listener imaps {',
    '    port = 0',
    '  }',
    '  chroot =',
    '}',
    'service anvil {',
    '  chroot =',
    '}',
    // One login process per connection is dovecot's default; tests open a handful at most.
    'service imap {',
    '  process_limit = 50',
    '}',
  ];
  return `${lines.join('\n')}\n`;
}

function writeUsers(dir: string, user: string, password: string): void {
  const owner = mailOwner();
  fs.writeFileSync(path.join(dir, 'users'), `${user}:{PLAIN}${password}:${owner.uid}:${owner.gid}::${dir}/mail/${user}::\n`);
}

async function waitForPort(port: number, child: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
  throw new Error(`dovecot did not listen on ${port} (exit ${child.exitCode})\n${log}`);
}

export async function startImapServer(options: ImapServerOptions = {}): Promise<ImapServer> {
  const missing = dovecotMissingReason();
  if (missing) throw new Error(missing);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'frontline-dovecot-'));
  const owner = mailOwner();
  // The mail processes run as the mail owner and must reach their maildir under this directory.
  fs.chmodSync(dir, 0o755);
  fs.mkdirSync(path.join(dir, 'mail'));
  fs.chownSync(path.join(dir, 'mail'), owner.uid, owner.gid);
  const port = options.port ?? (await freePort());
  const user = 'support';
  const password = 'imap-test-password';
  writeUsers(dir, user, password);
  const configFile = path.join(dir, 'dovecot.conf');
  fs.writeFileSync(configFile, dovecotConfig(dir, port, options));
  const child = spawn(dovecotBinary, ['-F', '-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await waitForPort(port, child, path.join(dir, 'dovecot.log'), 15_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${stderr}`);
  }

  const connect = async () => {
    const client = new ImapFlow({
      host: '127.0.0.1',
      port,
      secure: false,
      doSTARTTLS: false,
      auth: { user, pass: password },
      logger: false,
      disableAutoIdle: true,
    });
    client.on('error', () => {});
    await client.connect();
    return client;
  };

  const withClient = async <T>(work: (client: ImapFlow) => Promise<T>): Promise<T> => {
    const client = await connect();
    try {
      return await work(client);
    } finally {
      await client.logout().catch(() => client.close());
    }
  };

  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    connect,
    append: (folder, messages, flags = []) =>
      withClient(async (client) => {
        if (folder !== 'INBOX') await client.mailboxCreate(folder).catch(() => undefined);
        for (const m of messages) {
          const done = await client.append(folder, typeof m === 'string' ? Buffer.from(m, 'utf8') : m, flags);
          if (!done) throw new Error(`the server refused to append to ${folder}`);
        }
      }),
    removeFlag: (folder, flag) =>
      withClient(async (client) => {
        await client.mailboxOpen(folder);
        await client.messageFlagsRemove('1:*', [flag]);
      }),
    flagsByUid: (folder) =>
      withClient(async (client) => {
        const out = new Map<number, Set<string>>();
        const exists = (await client.list()).some((f) => f.path === folder);
        if (!exists) return out;
        const status = await client.mailboxOpen(folder, { readOnly: true });
        if (status.exists === 0) return out;
        for await (const m of client.fetch('1:*', { uid: true, flags: true })) out.set(m.uid, m.flags ?? new Set());
        return out;
      }),
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
