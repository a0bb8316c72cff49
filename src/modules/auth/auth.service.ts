// Signing in and out, server-side sessions, API-token authentication, login throttling.
import { sql } from 'kysely';
import type { ServiceContext, Tx } from '../../lib/context.js';
import { createLookupBatcher, type Batcher, type BatcherStats } from '../../lib/batcher.js';
import type { Db } from '../../db/open.js';
import { AppError } from '../../lib/errors.js';
import { generateSecret, hashSecret } from '../../lib/secrets.js';
import { findUserByEmail, recordLogin } from '../users/users.queries.js';
import { toUserView, type UserView } from '../users/users.service.js';
import { verifyPassword } from './passwords.js';
import type { Actor } from './permissions.js';

export const sessionCookieName = 'frontline_session';
export const apiTokenPrefix = 'flt_';

export type LoginInput = { email: string; password: string; ip: string; userAgent?: string | undefined };

export type LoginResult = {
  sessionSecret: string;
  csrfToken: string;
  expiresAt: Date;
  userId: string;
};

async function countRecentFailures(db: Tx, by: 'email' | 'ip', value: string, since: Date): Promise<number> {
  const row = await db
    .selectFrom('login_attempts')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where(by === 'email' ? sql`lower(email)` : sql`ip`, '=', by === 'email' ? value.toLowerCase() : value)
    .where('succeeded', '=', false)
    .where('attempted_at', '>', since)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function assertNotThrottled(ctx: ServiceContext, input: LoginInput, now: Date): Promise<void> {
  const { loginMaxFailures, loginWindowMinutes } = ctx.config;
  const since = new Date(now.getTime() - loginWindowMinutes * 60_000);
  const [byEmail, byIp] = await Promise.all([
    countRecentFailures(ctx.db, 'email', input.email, since),
    countRecentFailures(ctx.db, 'ip', input.ip, since),
  ]);
  if (byEmail >= loginMaxFailures || byIp >= loginMaxFailures * 4) {
    throw new AppError('rate_limited', `too many failed sign-ins; try again in ${loginWindowMinutes} minutes`, {
      retryAfterSeconds: loginWindowMinutes * 60,
    });
  }
}

export async function login(ctx: ServiceContext, input: LoginInput): Promise<LoginResult & { user: UserView }> {
  const now = ctx.clock.now();
  await assertNotThrottled(ctx, input, now);
  const user = await findUserByEmail(ctx.db, input.email);
  const passwordOk = await verifyPassword(user?.password_hash, input.password);
  const ok = passwordOk && user !== undefined && user.active;
  await ctx.db
    .insertInto('login_attempts')
    .values({ email: input.email.toLowerCase(), ip: input.ip, succeeded: ok, attempted_at: now })
    .execute();
  if (!ok || !user) throw new AppError('invalid_credentials', 'wrong email or password');
  return ctx.db.transaction().execute(async (trx) => {
    await recordLogin(trx, user.id, now);
    const session = await startSession(trx, ctx, user.id, input, now);
    return { ...session, user: toUserView({ ...user, last_login_at: now }) };
  });
}

/** Creates a server-side session; only the hash of its secret is stored. */
export async function startSession(
  trx: Tx,
  ctx: ServiceContext,
  userId: string,
  client: { ip: string; userAgent?: string | undefined },
  now: Date,
): Promise<LoginResult> {
  const sessionSecret = generateSecret();
  const csrfToken = generateSecret();
  const expiresAt = new Date(now.getTime() + ctx.config.sessionTtlHours * 3_600_000);
  await trx
    .insertInto('sessions')
    .values({
      id_hash: hashSecret(sessionSecret),
      user_id: userId,
      csrf_token: csrfToken,
      created_at: now,
      expires_at: expiresAt,
      last_seen_at: now,
      ip: client.ip,
      user_agent: client.userAgent?.slice(0, 500) ?? null,
    })
    .execute();
  return { sessionSecret, csrfToken, expiresAt, userId };
}

export async function logout(ctx: ServiceContext, actor: Actor): Promise<void> {
  if (actor.sessionHash) await ctx.db.deleteFrom('sessions').where('id_hash', '=', actor.sessionHash).execute();
}

function sessionRows(db: Db | Tx, idHashes: string[]) {
  return db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['s.id_hash', 's.csrf_token', 's.expires_at', 's.last_seen_at', 'u.id', 'u.name', 'u.email', 'u.role', 'u.active'])
    .where('s.id_hash', 'in', idHashes)
    .execute();
}

function tokenRows(db: Db | Tx, hashes: string[]) {
  return db
    .selectFrom('api_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .select(['t.token_hash', 't.id as token_id', 't.expires_at', 't.revoked_at', 't.last_used_at'])
    .select(['u.id', 'u.name', 'u.email', 'u.role', 'u.active'])
    .where('t.token_hash', 'in', hashes)
    .execute();
}

type SessionRow = Awaited<ReturnType<typeof sessionRows>>[number];
type TokenRow = Awaited<ReturnType<typeof tokenRows>>[number];
type CredentialLookups = { sessions: Batcher<string, SessionRow | undefined>; tokens: Batcher<string, TokenRow | undefined> };

// Every API request looks up its credential: with many requests in flight that was one round trip
// each, as many as the writes they make. Concurrent lookups share one query per database instead.
const lookups = new WeakMap<object, CredentialLookups>();

function credentialLookupsOf(ctx: ServiceContext): CredentialLookups {
  let found = lookups.get(ctx.db);
  if (!found) {
    const db = ctx.db;
    const shared = {
      concurrency: ctx.config.databaseUrl ? 2 : 1,
      maxBatch: 200,
      withConnection: <T>(fn: (conn: Db) => Promise<T>) => db.connection().execute((conn) => fn(conn)),
    };
    found = {
      sessions: createLookupBatcher({ ...shared, read: sessionRows, keyOf: (r: SessionRow) => r.id_hash }),
      tokens: createLookupBatcher({ ...shared, read: tokenRows, keyOf: (r: TokenRow) => r.token_hash }),
    };
    lookups.set(db, found);
  }
  return found;
}

/** How the shared credential lookups have gone for this database (tests, benchmarks). */
export function credentialLookupStats(ctx: ServiceContext): { sessions: BatcherStats; tokens: BatcherStats } {
  const l = credentialLookupsOf(ctx);
  return { sessions: l.sessions.stats(), tokens: l.tokens.stats() };
}

/** Looks up the session behind a cookie value; expired sessions are refused with a distinct code. */
export async function authenticateSession(ctx: ServiceContext, secret: string): Promise<Actor> {
  const idHash = hashSecret(secret);
  const row = await credentialLookupsOf(ctx).sessions.submit(idHash);
  if (!row || !row.active) throw new AppError('unauthenticated', 'your session is not valid; sign in again');
  const now = ctx.clock.now();
  if (row.expires_at <= now) throw new AppError('session_expired', 'your session has expired; sign in again');
  // Touch at most once a minute, so reads do not turn into a write per request.
  if (now.getTime() - row.last_seen_at.getTime() > 60_000) {
    await ctx.db.updateTable('sessions').set({ last_seen_at: now }).where('id_hash', '=', idHash).execute();
  }
  return {
    userId: row.id,
    name: row.name,
    email: row.email,
    role: row.role,
    via: 'session',
    sessionHash: idHash,
    csrfToken: row.csrf_token,
  };
}

export async function authenticateToken(ctx: ServiceContext, secret: string): Promise<Actor> {
  // Made only when thrown: an error captures a stack, and this runs on every API request.
  const invalid = () => new AppError('unauthenticated', 'the API token is not valid');
  if (!secret.startsWith(apiTokenPrefix)) throw invalid();
  const row = await credentialLookupsOf(ctx).tokens.submit(hashSecret(secret));
  const now = ctx.clock.now();
  if (!row || !row.active) throw invalid();
  if (row.revoked_at) throw new AppError('unauthenticated', 'the API token has been revoked');
  if (row.expires_at && row.expires_at <= now) throw new AppError('unauthenticated', 'the API token has expired');
  if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > 60_000) {
    await ctx.db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', row.token_id).execute();
  }
  return { userId: row.id, name: row.name, email: row.email, role: row.role, via: 'token', tokenId: row.token_id };
}

/** Signs a user out everywhere and revokes their tokens (deactivation, password reset). */
export async function endUserCredentials(trx: Tx, userId: string, now: Date): Promise<void> {
  await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
  await trx.updateTable('api_tokens').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
}

/** Housekeeping job: drop expired sessions and old login attempts. Returns what it removed. */
export async function purgeExpiredCredentials(
  ctx: Pick<ServiceContext, 'db' | 'clock' | 'config'>,
): Promise<{ sessions: number; loginAttempts: number; setupTokens: number }> {
  const now = ctx.clock.now();
  const attemptsBefore = new Date(now.getTime() - Math.max(ctx.config.loginWindowMinutes, 24 * 60) * 60_000);
  const sessions = await ctx.db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
  const attempts = await ctx.db.deleteFrom('login_attempts').where('attempted_at', '<', attemptsBefore).executeTakeFirst();
  const setup = await ctx.db
    .deleteFrom('setup_tokens')
    .where((eb) => eb.or([eb('expires_at', '<=', now), eb('used_at', 'is not', null)]))
    .executeTakeFirst();
  return {
    sessions: Number(sessions.numDeletedRows),
    loginAttempts: Number(attempts.numDeletedRows),
    setupTokens: Number(setup.numDeletedRows),
  };
}
