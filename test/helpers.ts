// Test helpers: a fresh migrated database per test file (PGlite from the run's template, or a
// uniquely named PostgreSQL database when TEST_DATABASE_URL is set, dropped afterwards), and
// an app with a manual clock plus shortcuts to create users and sign them in.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { inject } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig, type Config, type SettingName } from '../src/config.js';
import { migrate } from '../src/db/migrate.js';
import { openDatabase, type Database } from '../src/db/open.js';
import type { Role } from '../src/db/schema.js';
import { createManualClock, type ManualClock } from '../src/lib/clock.js';
import type { ServiceContext } from '../src/lib/context.js';
import { systemActor } from '../src/modules/auth/permissions.js';
import { insertToken } from '../src/modules/tokens/tokens.service.js';
import { insertNewUser, type UserView } from '../src/modules/users/users.service.js';

export const testDatabaseUrl = process.env.TEST_DATABASE_URL;

export type TestDatabase = Database & { url?: string; drop(): Promise<void> };

function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** An empty PostgreSQL database of its own (TEST_DATABASE_URL must be set); drop() removes it. */
export async function createEmptyPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!testDatabaseUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `frontline_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: testDatabaseUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  return {
    url: withDatabaseName(testDatabaseUrl, name),
    drop: async () => {
      const c = new pg.Client({ connectionString: testDatabaseUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** A migrated database of its own. */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (testDatabaseUrl) {
    const empty = await createEmptyPostgresDatabase();
    const database = await openDatabase({ databaseUrl: empty.url, poolSize: 5 });
    await migrate(database.db);
    return {
      ...database,
      url: empty.url,
      drop: async () => {
        await database.close();
        await empty.drop();
      },
    };
  }
  const file = inject('templateDump');
  const blob = new Blob([fs.readFileSync(file)]);
  const database = await openDatabase({ inMemory: true, loadDataDir: blob });
  return { ...database, drop: () => database.close() };
}

// Stored files of a test run go to one temporary directory, never into the working tree.
const testFilesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'frontline-test-files-'));

export function testConfig(overrides: Partial<Record<SettingName, unknown>> = {}): Config {
  return loadConfig({ logLevel: 'silent', webDir: 'dist/web', filesDir: testFilesDir, ...overrides }, {});
}

export type TestApp = {
  app: FastifyInstance;
  database: TestDatabase;
  clock: ManualClock;
  config: Config;
  ctx: ServiceContext;
  /** Creates a user directly in the database. */
  createUser(input: { role: Role; email?: string; name?: string; password?: string }): Promise<UserView & { password: string }>;
  /** Creates a user and an API token for them; `as(...)` sends requests with that token. */
  userWithToken(role: Role): Promise<{ user: UserView; token: string; as: Requester }>;
  /** Signs in through the API; the requester sends the cookie and CSRF token. */
  signIn(email: string, password: string): Promise<{ cookie: string; csrfToken: string; as: Requester }>;
  close(): Promise<void>;
};

export type RequestOptions = { method?: string; url: string; body?: unknown; headers?: Record<string, string> };
export type Requester = (opts: RequestOptions) => Promise<LightMyRequestResponse>;

let userCounter = 0;

export async function startTestApp(options: { config?: Partial<Record<SettingName, unknown>>; start?: string } = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const clock = createManualClock(options.start ?? '2026-11-23T09:00:00Z');
  const config = testConfig(options.config);
  const app = await buildApp({ database, config, clock, logger: false });
  const ctx: ServiceContext = { db: database.db, clock, config };

  const createUser: TestApp['createUser'] = async (input) => {
    userCounter += 1;
    const password = input.password ?? `password-${userCounter}-secret`;
    const user = await database.db.transaction().execute((trx) =>
      insertNewUser(
        trx,
        {
          role: input.role,
          email: input.email ?? `${input.role}-${userCounter}@example.test`,
          name: input.name ?? `${input.role} ${userCounter}`,
          password,
        },
        systemActor,
        clock.now(),
      ),
    );
    return { ...user, password };
  };

  const requester =
    (headers: Record<string, string>): Requester =>
    (opts) =>
      app.inject({
        method: (opts.method ?? 'GET') as 'GET',
        url: opts.url,
        headers: { ...headers, ...opts.headers },
        ...(opts.body !== undefined ? { payload: opts.body as object } : {}),
      });

  const userWithToken: TestApp['userWithToken'] = async (role) => {
    const user = await createUser({ role });
    const { secret } = await database.db
      .transaction()
      .execute((trx) => insertToken(trx, { name: 'test', userId: user.id }, systemActor, clock.now()));
    return { user, token: secret, as: requester({ authorization: `Bearer ${secret}` }) };
  };

  const signIn: TestApp['signIn'] = async (email, password) => {
    const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
    if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
    const setCookie = res.cookies.find((c) => c.name === 'frontline_session');
    if (!setCookie) throw new Error('no session cookie');
    const cookie = `frontline_session=${setCookie.value}`;
    const csrfToken = (res.json() as { csrfToken: string }).csrfToken;
    return { cookie, csrfToken, as: requester({ cookie, 'x-csrf-token': csrfToken }) };
  };

  return {
    app,
    database,
    clock,
    config,
    ctx,
    createUser,
    userWithToken,
    signIn,
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}
