// All SQL of the users module.
import { sql } from 'kysely';
import type { Tx } from '../../lib/context.js';
import type { NewUser, Role } from '../../db/schema.js';

const userColumns = ['id', 'email', 'name', 'role', 'active', 'created_at', 'last_login_at', 'password_hash', 'available'] as const;

export function findUserById(db: Tx, id: string) {
  return db.selectFrom('users').select(userColumns).where('id', '=', id).executeTakeFirst();
}

export function findUserByEmail(db: Tx, email: string) {
  return db
    .selectFrom('users')
    .select(userColumns)
    .where(sql`lower(email)`, '=', email.toLowerCase())
    .executeTakeFirst();
}

export function listUsersQuery(db: Tx, filter: { q?: string | undefined; role?: Role | undefined; active?: boolean | undefined }) {
  let q = db
    .selectFrom('users')
    .select(userColumns)
    .orderBy(sql`lower(name)`)
    .orderBy('id');
  if (filter.q) {
    const like = `%${filter.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where((eb) => eb.or([eb(sql`lower(name)`, 'like', like), eb(sql`lower(email)`, 'like', like)]));
  }
  if (filter.role) q = q.where('role', '=', filter.role);
  if (filter.active !== undefined) q = q.where('active', '=', filter.active);
  return q.execute();
}

export function insertUser(db: Tx, user: NewUser) {
  return db.insertInto('users').values(user).returning(userColumns).executeTakeFirstOrThrow();
}

export function updateUserRow(
  db: Tx,
  id: string,
  patch: { name?: string; role?: Role; active?: boolean; available?: boolean; password_hash?: string; updated_at: Date },
) {
  return db.updateTable('users').set(patch).where('id', '=', id).returning(userColumns).executeTakeFirstOrThrow();
}

export async function countActiveAdmins(db: Tx): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('role', '=', 'admin')
    .where('active', '=', true)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function countUsers(db: Tx): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export function recordLogin(db: Tx, id: string, at: Date) {
  return db.updateTable('users').set({ last_login_at: at }).where('id', '=', id).execute();
}

/** Serialises changes that must keep at least one active admin. */
export function lockAdmins(db: Tx) {
  return sql`select id from users where role = 'admin' and active for update`.execute(db);
}
