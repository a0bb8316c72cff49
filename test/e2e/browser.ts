// Browser end-to-end helpers: Debian's chromium driven by playwright-core, and a real Frontline
// server (startServer, embedded database in a temporary data directory, the built web app).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { loadConfig } from '../../src/config.js';
import type { Database } from '../../src/db/open.js';
import { startServer } from '../../src/main.js';
import { systemActor } from '../../src/modules/auth/permissions.js';
import { insertToken } from '../../src/modules/tokens/tokens.service.js';
import { insertNewUser, type UserView } from '../../src/modules/users/users.service.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\` (as root) to run the e2e tests.`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

export type E2eServer = {
  url: string;
  /** The one-time first-run link, or null when an administrator already existed at start. */
  setupUrl: string | null;
  /** What startServer printed. */
  printed: string[];
  database: Database;
  createAdmin(input: { email: string; password: string; name: string }): Promise<UserView>;
  close(): Promise<void>;
};

export async function startE2eServer(): Promise<E2eServer> {
  const webDir = path.resolve('dist/web');
  if (!fs.existsSync(path.join(webDir, 'index.html'))) {
    throw new Error(`${webDir}/index.html is missing: run npm run build first (the e2e tests use the built web app).`);
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'frontline-e2e-'));
  const removeDataDir = () => fs.rmSync(dataDir, { recursive: true, force: true });
  const printed: string[] = [];
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    // `{}` as the environment: nothing from the machine (DATABASE_URL, FRONTLINE_*) leaks in.
    const config = loadConfig({ port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', webDir }, {});
    server = await startServer(config, { print: (line) => printed.push(line) });
  } catch (err) {
    removeDataDir();
    throw err;
  }

  const createAdmin: E2eServer['createAdmin'] = (input) =>
    server.database.db.transaction().execute((trx) => insertNewUser(trx, { ...input, role: 'admin' }, systemActor, new Date()));

  let closed = false;
  return {
    url: server.url,
    setupUrl: server.setupUrl,
    printed,
    database: server.database,
    createAdmin,
    close: async () => {
      if (closed) return;
      closed = true;
      try {
        await server.close();
      } finally {
        removeDataDir();
      }
    },
  };
}

/** An API token for a user, made directly in the server's database (set-up, not the path under test). */
export async function tokenFor(server: Pick<E2eServer, 'database'>, userId: string, name = 'e2e'): Promise<string> {
  const created = await server.database.db.transaction().execute((trx) => insertToken(trx, { name, userId }, systemActor, new Date()));
  return created.secret;
}

/** The API as a script would use it: JSON, Bearer token; an error answer fails the test with its body. */
export async function callApi<T>(server: Pick<E2eServer, 'url'>, token: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}
