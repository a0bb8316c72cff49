// Staff users: the directory, creating accounts, changing role, name, password or activity.
// Rules: email addresses are unique (case-insensitive); there is always one active admin.
import type { Role, UserRow } from '../../db/schema.js';
import type { ServiceContext, Tx } from '../../lib/context.js';
import { AppError, isUniqueViolation } from '../../lib/errors.js';
import { recordAudit } from '../audit/audit.service.js';
import { hashPassword } from '../auth/passwords.js';
import type { Actor } from '../auth/permissions.js';
import { assertPermission } from '../auth/permissions.js';
import { endUserCredentials } from '../auth/auth.service.js';
import {
  countActiveAdmins,
  findUserByEmail,
  findUserById,
  insertUser,
  listUsersQuery,
  lockAdmins,
  updateUserRow,
} from './users.queries.js';

export type UserView = {
  id: string;
  email: string;
  name: string;
  role: Role;
  active: boolean;
  /** Takes new cases in round-robin assignment (a simple flag until full agent states land). */
  available: boolean;
  createdAt: string;
  lastLoginAt: string | null;
};

type UserRecord = Omit<UserRow, 'updated_at'>;

export function toUserView(u: UserRecord): UserView {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    active: u.active,
    available: u.available,
    createdAt: u.created_at.toISOString(),
    lastLoginAt: u.last_login_at ? u.last_login_at.toISOString() : null,
  };
}

export async function listUsers(
  ctx: ServiceContext,
  filter: { q?: string | undefined; role?: Role | undefined; active?: boolean | undefined },
  actor: Actor,
): Promise<UserView[]> {
  assertPermission(actor, 'users.read');
  return (await listUsersQuery(ctx.db, filter)).map(toUserView);
}

export async function getUser(ctx: ServiceContext, id: string, actor: Actor): Promise<UserView> {
  if (actor.userId !== id) assertPermission(actor, 'users.read');
  const u = await findUserById(ctx.db, id);
  if (!u) throw new AppError('not_found', `user ${id} does not exist`);
  return toUserView(u);
}

export type CreateUserInput = { email: string; name: string; role: Role; password: string };

/** Inserts a user inside an existing transaction; used by the API, the CLI and first-run setup. */
export async function insertNewUser(trx: Tx, input: CreateUserInput, actor: Actor, at: Date): Promise<UserView> {
  if (await findUserByEmail(trx, input.email)) {
    throw new AppError('conflict', `a user with email ${input.email} already exists`, { field: 'email' });
  }
  try {
    const row = await insertUser(trx, {
      email: input.email.trim(),
      name: input.name.trim(),
      role: input.role,
      password_hash: await hashPassword(input.password),
      created_at: at,
      updated_at: at,
    });
    const view = toUserView(row);
    await recordAudit(trx, actor, at, { action: 'user.created', subjectType: 'user', subjectId: row.id, after: view });
    return view;
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError('conflict', `a user with email ${input.email} already exists`, { field: 'email' });
    throw err;
  }
}

export async function createUser(ctx: ServiceContext, input: CreateUserInput, actor: Actor): Promise<UserView> {
  assertPermission(actor, 'users.manage');
  return ctx.db.transaction().execute((trx) => insertNewUser(trx, input, actor, ctx.clock.now()));
}

export type UpdateUserInput = {
  name?: string | undefined;
  role?: Role | undefined;
  active?: boolean | undefined;
  available?: boolean | undefined;
  password?: string | undefined;
};

export async function updateUser(ctx: ServiceContext, id: string, input: UpdateUserInput, actor: Actor): Promise<UserView> {
  const self = actor.userId === id;
  const onlyOwnProfile = self && input.role === undefined && input.active === undefined;
  if (!onlyOwnProfile) assertPermission(actor, 'users.manage');
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    await lockAdmins(trx);
    const current = await findUserById(trx, id);
    if (!current) throw new AppError('not_found', `user ${id} does not exist`);
    const losesAdmin =
      current.role === 'admin' && current.active && ((input.role !== undefined && input.role !== 'admin') || input.active === false);
    if (losesAdmin && (await countActiveAdmins(trx)) <= 1) {
      throw new AppError('conflict', 'this is the last active administrator: make someone else an admin first');
    }
    const updated = await updateUserRow(trx, id, {
      ...(input.name !== undefined ? { name: input.name.trim() } : {}),
      ...(input.role !== undefined ? { role: input.role } : {}),
      ...(input.active !== undefined ? { active: input.active } : {}),
      ...(input.available !== undefined ? { available: input.available } : {}),
      ...(input.password !== undefined ? { password_hash: await hashPassword(input.password) } : {}),
      updated_at: now,
    });
    // A deactivated user, or one whose password was reset by someone else, is signed out everywhere.
    if (input.active === false || (input.password !== undefined && !self)) await endUserCredentials(trx, id, now);
    const before = toUserView(current);
    const after = toUserView(updated);
    await recordAudit(trx, actor, now, {
      action: input.password !== undefined ? 'user.updated_with_password' : 'user.updated',
      subjectType: 'user',
      subjectId: id,
      before,
      after,
    });
    return after;
  });
}
