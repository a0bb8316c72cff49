// Rate limits for the public endpoints (form submissions, portal sign-in links), counted in the
// database so that they hold across instances. Each key (an IP address, an email address) may be
// used `limit` times per window; the check and the count happen under a transaction-scoped
// advisory lock on the key, so concurrent requests cannot both slip under the limit.
import { sql } from 'kysely';
import type { Tx } from '../../lib/context.js';
import { AppError } from '../../lib/errors.js';

export type RateLimit = { scope: string; limit: number; windowMinutes: number };

/** Five per ten minutes, per IP address and per email address. */
export const formSubmissionLimit: RateLimit = { scope: 'form_submission', limit: 5, windowMinutes: 10 };
export const portalLoginLimit: RateLimit = { scope: 'portal_login', limit: 5, windowMinutes: 10 };

async function lockKey(trx: Tx, scope: string, key: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`${scope}:${key}`}))`.execute(trx);
}

async function recentCount(trx: Tx, scope: string, key: string, since: Date): Promise<{ count: number; oldest: Date | null }> {
  const row = await trx
    .selectFrom('public_rate_events')
    .select((eb) => [eb.fn.countAll<string>().as('count'), eb.fn.min('at').as('oldest')])
    .where('scope', '=', scope)
    .where('key', '=', key)
    .where('at', '>', since)
    .executeTakeFirstOrThrow();
  return { count: Number(row.count), oldest: row.oldest ? new Date(row.oldest) : null };
}

/**
 * Counts one use of every key, or throws 429 (with retryAfterSeconds) when any of them is used
 * up. Call inside the transaction that does the work, so a refused request counts nothing.
 */
export async function consumeRateLimit(trx: Tx, limit: RateLimit, keys: readonly string[], at: Date): Promise<void> {
  const windowMs = limit.windowMinutes * 60_000;
  const since = new Date(at.getTime() - windowMs);
  const unique = [...new Set(keys.filter(Boolean))].sort();
  if (unique.length === 0) return;
  for (const key of unique) await lockKey(trx, limit.scope, key);
  for (const key of unique) {
    const { count, oldest } = await recentCount(trx, limit.scope, key, since);
    if (count >= limit.limit) {
      const retryAfterSeconds = Math.max(1, Math.ceil(((oldest?.getTime() ?? at.getTime()) + windowMs - at.getTime()) / 1000));
      throw new AppError('rate_limited', `too many requests; try again in ${Math.ceil(retryAfterSeconds / 60)} minutes`, {
        retryAfterSeconds,
      });
    }
  }
  await trx
    .insertInto('public_rate_events')
    .values(unique.map((key) => ({ scope: limit.scope, key, at })))
    .execute();
  // Housekeeping on the way: rows older than the window count for nothing.
  await trx.deleteFrom('public_rate_events').where('scope', '=', limit.scope).where('key', 'in', unique).where('at', '<=', since).execute();
}
