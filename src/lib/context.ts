// What every service receives: the database handle (or a transaction), the clock and settings.
import type { Kysely, Transaction } from 'kysely';
import type { Config } from '../config.js';
import type { DB } from '../db/schema.js';
import type { Clock } from './clock.js';

export type Tx = Kysely<DB> | Transaction<DB>;

export type ServiceContext = {
  db: Kysely<DB>;
  clock: Clock;
  config: Config;
};
