// Services open their own transaction, unless they are called inside one already (an
// idempotent POST, a bulk action, a macro): then they join it, so all commits or none does.
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.js';

export function inTransaction<T>(db: Kysely<DB>, fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db as Transaction<DB>);
  return db.transaction().execute(fn);
}
