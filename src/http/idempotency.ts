// `Idempotency-Key` for POSTs that create things: the key row is written in the same
// transaction as the work, so a retry after a crash or a lost answer either finds the stored
// answer (and gets it again) or finds nothing (and the work had rolled back).
import { createHash } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import type { ServiceContext } from '../lib/context.js';
import { AppError } from '../lib/errors.js';

export type IdempotentResult<T> = { statusCode: number; body: T; replayed: boolean };

const keyPattern = /^[\x21-\x7e]{1,200}$/;

export function readIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const key = Array.isArray(header) ? header[0] : header;
  if (key === undefined || !keyPattern.test(key)) {
    throw new AppError('validation_failed', 'Idempotency-Key must be 1–200 visible ASCII characters');
  }
  return key;
}

function hashRequest(body: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(body ?? null))
    .digest('hex');
}

/**
 * Runs `work` in a transaction; with a key, remembers its answer under (actor, route, key).
 * A retry with the same key and body gets the stored answer; with another body, a 409.
 */
export async function runIdempotent<T>(
  ctx: ServiceContext,
  input: { key: string | undefined; actorId: string; route: string; body: unknown; statusCode: number },
  work: (trx: Transaction<DB>) => Promise<T>,
): Promise<IdempotentResult<T>> {
  if (!input.key) {
    const body = await ctx.db.transaction().execute(work);
    return { statusCode: input.statusCode, body, replayed: false };
  }
  const requestHash = hashRequest(input.body);
  const where = { actor_id: input.actorId, route: input.route, key: input.key };
  return ctx.db.transaction().execute(async (trx) => {
    // A concurrent request with the same key waits here until the first commits or rolls back.
    const claimed = await trx
      .insertInto('idempotency_keys')
      .values({ ...where, request_hash: requestHash, created_at: ctx.clock.now() })
      .onConflict((oc) => oc.columns(['actor_id', 'route', 'key']).doNothing())
      .returning('key')
      .executeTakeFirst();
    if (!claimed) {
      const stored = await trx
        .selectFrom('idempotency_keys')
        .select(['request_hash', 'status_code', 'response'])
        .where('actor_id', '=', where.actor_id)
        .where('route', '=', where.route)
        .where('key', '=', where.key)
        .executeTakeFirstOrThrow();
      if (stored.request_hash !== requestHash) {
        throw new AppError('conflict', 'this Idempotency-Key was already used with a different request body');
      }
      return { statusCode: stored.status_code ?? input.statusCode, body: stored.response as T, replayed: true };
    }
    const body = await work(trx);
    await trx
      .updateTable('idempotency_keys')
      .set({ status_code: input.statusCode, response: JSON.stringify(body) })
      .where('actor_id', '=', where.actor_id)
      .where('route', '=', where.route)
      .where('key', '=', where.key)
      .execute();
    return { statusCode: input.statusCode, body, replayed: false };
  });
}
