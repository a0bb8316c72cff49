// In-app notifications: short messages for one user (an SLA warning on their case, a breach in
// their team), listed newest first and marked read by the user they belong to.
import { sql } from 'kysely';
import type { ServiceContext, Tx } from '../../lib/context.js';
import { AppError } from '../../lib/errors.js';
import type { Actor } from '../auth/permissions.js';
import { queueStaffEmails } from '../email/outbound.js';

export type NotificationView = {
  id: string;
  kind: string;
  caseId: string | null;
  title: string;
  data: Record<string, unknown>;
  createdAt: string;
  readAt: string | null;
};

export type NewNotification = { kind: string; caseId: string | null; title: string; data?: Record<string, unknown>; at: Date };

export const notificationsChannel = 'frontline_notifications';

/** One notification per distinct user, in the caller's transaction; live pages hear of it on commit. */
export async function notifyUsers(trx: Tx, userIds: readonly string[], n: NewNotification): Promise<number> {
  const unique = [...new Set(userIds)];
  if (unique.length === 0) return 0;
  await trx
    .insertInto('notifications')
    .values(
      unique.map((userId) => ({
        user_id: userId,
        kind: n.kind,
        case_id: n.caseId,
        title: n.title,
        data: JSON.stringify(n.data ?? {}),
        created_at: n.at,
      })),
    )
    .execute();
  await sql`select pg_notify(${notificationsChannel}, ${JSON.stringify({ userIds: unique, kind: n.kind })})`.execute(trx);
  await queueStaffEmails(trx, unique, { title: n.title, caseId: n.caseId, link: null, at: n.at });
  return unique.length;
}

export async function listNotifications(
  ctx: ServiceContext,
  actor: Actor,
  options: { unreadOnly: boolean; limit: number },
): Promise<{ items: NotificationView[]; unread: number }> {
  let q = ctx.db.selectFrom('notifications').selectAll().where('user_id', '=', actor.userId);
  if (options.unreadOnly) q = q.where('read_at', 'is', null);
  const rows = await q.orderBy('created_at', 'desc').orderBy('id').limit(options.limit).execute();
  const unread = await ctx.db
    .selectFrom('notifications')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('user_id', '=', actor.userId)
    .where('read_at', 'is', null)
    .executeTakeFirstOrThrow();
  return {
    items: rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      caseId: r.case_id,
      title: r.title,
      data: r.data,
      createdAt: r.created_at.toISOString(),
      readAt: r.read_at?.toISOString() ?? null,
    })),
    unread: Number(unread.n),
  };
}

/** Marks one notification (or, without an id, all of them) read; someone else's is not found. */
export async function markNotificationsRead(ctx: ServiceContext, actor: Actor, id?: string): Promise<{ updated: number }> {
  let q = ctx.db
    .updateTable('notifications')
    .set({ read_at: ctx.clock.now() })
    .where('user_id', '=', actor.userId)
    .where('read_at', 'is', null);
  if (id) q = q.where('id', '=', id);
  const result = await q.executeTakeFirst();
  const updated = Number(result.numUpdatedRows);
  if (id && updated === 0) {
    const mine = await ctx.db
      .selectFrom('notifications')
      .select('id')
      .where('id', '=', id)
      .where('user_id', '=', actor.userId)
      .executeTakeFirst();
    if (!mine) throw new AppError('not_found', `notification ${id} does not exist`);
  }
  return { updated };
}
