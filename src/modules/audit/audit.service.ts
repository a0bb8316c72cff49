// The administrative audit trail: who changed which user, team, department or token, and how.
import type { Tx } from '../../lib/context.js';
import type { Actor } from '../auth/permissions.js';
import { assertPermission } from '../auth/permissions.js';
import type { ServiceContext } from '../../lib/context.js';

export type AuditEntry = {
  action: string;
  subjectType: string;
  subjectId: string;
  before?: unknown;
  after?: unknown;
};

export async function recordAudit(trx: Tx, actor: Actor, at: Date, entry: AuditEntry): Promise<void> {
  await trx
    .insertInto('audit_events')
    .values({
      actor_id: actor.via === 'system' ? null : actor.userId,
      action: entry.action,
      subject_type: entry.subjectType,
      subject_id: entry.subjectId,
      before: entry.before === undefined ? null : JSON.stringify(entry.before),
      after: entry.after === undefined ? null : JSON.stringify(entry.after),
      at,
    })
    .execute();
}

export type AuditView = {
  id: string;
  actorId: string | null;
  actorName: string | null;
  action: string;
  subjectType: string;
  subjectId: string;
  before: unknown;
  after: unknown;
  at: string;
};

export async function listAudit(
  ctx: ServiceContext,
  input: { subjectType?: string | undefined; subjectId?: string | undefined; beforeId?: string | undefined; limit: number },
  actor: Actor,
): Promise<{ items: AuditView[]; nextBefore: string | null }> {
  assertPermission(actor, 'audit.read');
  let q = ctx.db
    .selectFrom('audit_events as a')
    .leftJoin('users as u', 'u.id', 'a.actor_id')
    .select(['a.id', 'a.actor_id', 'u.name as actor_name', 'a.action', 'a.subject_type', 'a.subject_id', 'a.before', 'a.after', 'a.at'])
    .orderBy('a.id', 'desc')
    .limit(input.limit + 1);
  if (input.subjectType) q = q.where('a.subject_type', '=', input.subjectType);
  if (input.subjectId) q = q.where('a.subject_id', '=', input.subjectId);
  if (input.beforeId) q = q.where('a.id', '<', input.beforeId);
  const rows = await q.execute();
  const page = rows.slice(0, input.limit);
  return {
    items: page.map((r) => ({
      id: String(r.id),
      actorId: r.actor_id,
      actorName: r.actor_name,
      action: r.action,
      subjectType: r.subject_type,
      subjectId: r.subject_id,
      before: r.before,
      after: r.after,
      at: r.at.toISOString(),
    })),
    nextBefore: rows.length > input.limit ? String(page[page.length - 1]!.id) : null,
  };
}
