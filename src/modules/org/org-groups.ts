// Teams and departments are both named groups of staff with a membership kind (team leader,
// department head). This module holds the shared rules; teams/ and departments/ expose them.
import { sql } from 'kysely';
import type { Role } from '../../db/schema.js';
import type { ServiceContext, Tx } from '../../lib/context.js';
import { AppError, isUniqueViolation } from '../../lib/errors.js';
import { recordAudit } from '../audit/audit.service.js';
import type { Actor, Permission } from '../auth/permissions.js';
import { assertPermission } from '../auth/permissions.js';

export type GroupKind = {
  /** 'team' or 'department': used in messages and the audit trail. */
  noun: string;
  table: 'teams' | 'departments';
  memberTable: 'team_members' | 'department_members';
  fk: 'team_id' | 'department_id';
  memberships: readonly [string, string];
  /** The membership there may be only one of (a department's head), if any. */
  single?: string;
  read: Permission;
  manage: Permission;
};

export type GroupView = {
  id: string;
  name: string;
  description: string | null;
  memberCount: number;
  leaderUserIds: string[];
  createdAt: string;
};

export type GroupMemberView = { userId: string; name: string; email: string; role: Role; membership: string };

export type GroupDetail = GroupView & { members: GroupMemberView[] };

// The table names come from GroupKind constants, never from input.
async function selectGroups(db: Tx, kind: GroupKind, id?: string): Promise<GroupView[]> {
  const where = id ? sql`where g.id = ${id}` : sql``;
  const leader = kind.memberships[1];
  const rows = await sql<{
    id: string;
    name: string;
    description: string | null;
    created_at: Date;
    member_count: number;
    leaders: string[];
  }>`
    select g.id, g.name, g.description, g.created_at,
      (select count(*)::int from ${sql.table(kind.memberTable)} m where m.${sql.ref(kind.fk)} = g.id) as member_count,
      coalesce((select array_agg(m.user_id::text order by m.user_id) from ${sql.table(kind.memberTable)} m
                where m.${sql.ref(kind.fk)} = g.id and m.membership = ${leader}), '{}') as leaders
    from ${sql.table(kind.table)} g ${where}
    order by lower(g.name), g.id`.execute(db);
  return rows.rows.map((r) => ({
    id: r.id,
    name: r.name,
    description: r.description,
    memberCount: r.member_count,
    leaderUserIds: r.leaders,
    createdAt: r.created_at.toISOString(),
  }));
}

async function selectMembers(db: Tx, kind: GroupKind, id: string): Promise<GroupMemberView[]> {
  const rows = await sql<{ user_id: string; name: string; email: string; role: Role; membership: string }>`
    select m.user_id, u.name, u.email, u.role, m.membership
    from ${sql.table(kind.memberTable)} m join users u on u.id = m.user_id
    where m.${sql.ref(kind.fk)} = ${id}
    order by lower(u.name), u.id`.execute(db);
  return rows.rows.map((r) => ({ userId: r.user_id, name: r.name, email: r.email, role: r.role, membership: r.membership }));
}

async function loadDetail(db: Tx, kind: GroupKind, id: string): Promise<GroupDetail> {
  const [group] = await selectGroups(db, kind, id);
  if (!group) throw new AppError('not_found', `${kind.noun} ${id} does not exist`);
  return { ...group, members: await selectMembers(db, kind, id) };
}

function duplicateName(kind: GroupKind, name: string) {
  return new AppError('conflict', `a ${kind.noun} named "${name}" already exists`, { field: 'name' });
}

export async function listGroups(ctx: ServiceContext, kind: GroupKind, actor: Actor): Promise<GroupView[]> {
  assertPermission(actor, kind.read);
  return selectGroups(ctx.db, kind);
}

export async function getGroup(ctx: ServiceContext, kind: GroupKind, id: string, actor: Actor): Promise<GroupDetail> {
  assertPermission(actor, kind.read);
  return loadDetail(ctx.db, kind, id);
}

export async function createGroup(
  ctx: ServiceContext,
  kind: GroupKind,
  input: { name: string; description?: string | null | undefined },
  actor: Actor,
): Promise<GroupDetail> {
  assertPermission(actor, kind.manage);
  const now = ctx.clock.now();
  const name = input.name.trim();
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto(kind.table)
        .values({ name, description: input.description ?? null, created_at: now, updated_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      const detail = await loadDetail(trx, kind, row.id);
      await recordAudit(trx, actor, now, { action: `${kind.noun}.created`, subjectType: kind.noun, subjectId: row.id, after: detail });
      return detail;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw duplicateName(kind, name);
    throw err;
  }
}

export async function updateGroup(
  ctx: ServiceContext,
  kind: GroupKind,
  id: string,
  input: { name?: string | undefined; description?: string | null | undefined },
  actor: Actor,
): Promise<GroupDetail> {
  assertPermission(actor, kind.manage);
  const now = ctx.clock.now();
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      const before = await loadDetail(trx, kind, id);
      await trx
        .updateTable(kind.table)
        .set({
          ...(input.name !== undefined ? { name: input.name.trim() } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
          updated_at: now,
        })
        .where('id', '=', id)
        .execute();
      const after = await loadDetail(trx, kind, id);
      await recordAudit(trx, actor, now, { action: `${kind.noun}.updated`, subjectType: kind.noun, subjectId: id, before, after });
      return after;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw duplicateName(kind, input.name ?? '');
    throw err;
  }
}

export async function deleteGroup(ctx: ServiceContext, kind: GroupKind, id: string, actor: Actor): Promise<void> {
  assertPermission(actor, kind.manage);
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    const before = await loadDetail(trx, kind, id);
    await trx.deleteFrom(kind.table).where('id', '=', id).execute();
    await recordAudit(trx, actor, now, { action: `${kind.noun}.deleted`, subjectType: kind.noun, subjectId: id, before });
  });
}

export async function setGroupMember(
  ctx: ServiceContext,
  kind: GroupKind,
  input: { groupId: string; userId: string; membership: string },
  actor: Actor,
): Promise<GroupDetail> {
  assertPermission(actor, kind.manage);
  if (!kind.memberships.includes(input.membership)) {
    throw new AppError('validation_failed', `membership must be one of ${kind.memberships.join(', ')}`);
  }
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const before = await loadDetail(trx, kind, input.groupId);
    const user = await trx.selectFrom('users').select('id').where('id', '=', input.userId).executeTakeFirst();
    if (!user) throw new AppError('not_found', `user ${input.userId} does not exist`);
    if (kind.single && input.membership === kind.single) {
      // Naming a new head demotes the old one rather than failing.
      await sql`update ${sql.table(kind.memberTable)} set membership = ${kind.memberships[0]}
        where ${sql.ref(kind.fk)} = ${input.groupId} and membership = ${kind.single} and user_id <> ${input.userId}`.execute(trx);
    }
    await sql`insert into ${sql.table(kind.memberTable)} (${sql.ref(kind.fk)}, user_id, membership, created_at)
      values (${input.groupId}, ${input.userId}, ${input.membership}, ${now})
      on conflict (${sql.ref(kind.fk)}, user_id) do update set membership = excluded.membership`.execute(trx);
    const after = await loadDetail(trx, kind, input.groupId);
    await recordAudit(trx, actor, now, {
      action: `${kind.noun}.member_set`,
      subjectType: kind.noun,
      subjectId: input.groupId,
      before: before.members,
      after: after.members,
    });
    return after;
  });
}

export async function removeGroupMember(
  ctx: ServiceContext,
  kind: GroupKind,
  input: { groupId: string; userId: string },
  actor: Actor,
): Promise<void> {
  assertPermission(actor, kind.manage);
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    const before = await loadDetail(trx, kind, input.groupId);
    const removed =
      await sql`delete from ${sql.table(kind.memberTable)} where ${sql.ref(kind.fk)} = ${input.groupId} and user_id = ${input.userId}`.execute(
        trx,
      );
    if (Number(removed.numAffectedRows ?? 0) === 0) {
      throw new AppError('not_found', `user ${input.userId} is not a member of this ${kind.noun}`);
    }
    const after = await loadDetail(trx, kind, input.groupId);
    await recordAudit(trx, actor, now, {
      action: `${kind.noun}.member_removed`,
      subjectType: kind.noun,
      subjectId: input.groupId,
      before: before.members,
      after: after.members,
    });
  });
}
