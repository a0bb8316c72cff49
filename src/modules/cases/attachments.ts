// Files attached to case messages: bytes in the FileStore, metadata in `attachments`.
// Downloads are always served as attachments with a neutral type unless the file is a plain
// image, so a customer's upload can never run as a page in our origin.
import { sql } from 'kysely';
import type { ServiceContext, Tx } from '../../lib/context.js';
import { AppError } from '../../lib/errors.js';
import type { FileStore } from '../../lib/file-store.js';
import type { Actor } from '../auth/permissions.js';
import { assertCanSeeCase } from './case-access.js';

export type UploadedFile = { filename: string; contentType: string; data: Buffer };
/** A file already in the FileStore, waiting to be recorded with its message. */
export type AttachmentInput = { filename: string; contentType: string; key: string; sha256: string; size: number };
export type AttachmentView = { id: string; messageId: string; filename: string; contentType: string; sizeBytes: number; createdAt: string };

const inlineSafeTypes = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

export function safeFilename(name: string): string {
  const cleaned = name
    .replace(/[\\/]/g, '_')
    // Control characters and quotes would break the Content-Disposition header.
    .replace(/\p{Cc}|"/gu, '')
    .trim();
  return (cleaned || 'attachment').slice(0, 200);
}

/**
 * Puts the bytes in the store before the transaction that records them: if that transaction
 * rolls back, an unreferenced file remains, which is harmless (content-addressed) and sweepable.
 */
export async function putFiles(store: FileStore, files: UploadedFile[] | undefined): Promise<AttachmentInput[] | undefined> {
  if (!files?.length) return undefined;
  const out: AttachmentInput[] = [];
  for (const f of files) {
    const stored = await store.put(f.data);
    out.push({ filename: f.filename, contentType: f.contentType, key: stored.key, sha256: stored.sha256, size: stored.size });
  }
  return out;
}

export async function recordAttachments(trx: Tx, messageId: string, files: AttachmentInput[], at: Date): Promise<void> {
  for (const f of files) {
    await trx
      .insertInto('attachments')
      .values({
        message_id: messageId,
        filename: safeFilename(f.filename),
        content_type: f.contentType.toLowerCase().slice(0, 200),
        size_bytes: String(f.size),
        sha256: f.sha256,
        storage_key: f.key,
        created_at: at,
      })
      .execute();
  }
}

function toAttachmentView(r: {
  id: string;
  message_id: string;
  filename: string;
  content_type: string;
  size_bytes: string;
  created_at: Date;
}): AttachmentView {
  return {
    id: r.id,
    messageId: r.message_id,
    filename: r.filename,
    contentType: r.content_type,
    sizeBytes: Number(r.size_bytes),
    createdAt: r.created_at.toISOString(),
  };
}

export async function listCaseAttachments(db: Tx, caseId: string): Promise<AttachmentView[]> {
  const rows = await db
    .selectFrom('attachments as a')
    .innerJoin('case_messages as m', 'm.id', 'a.message_id')
    .select(['a.id', 'a.message_id', 'a.filename', 'a.content_type', 'a.size_bytes', 'a.created_at'])
    .where('m.case_id', '=', caseId)
    .orderBy('a.seq')
    .execute();
  return rows.map(toAttachmentView);
}

/** A department request shared this message with a department the actor belongs to (back office). */
async function sharedWithDepartmentOf(db: Tx, actor: Actor, messageId: string): Promise<boolean> {
  const row = await db
    .selectFrom('department_requests as r')
    .innerJoin('department_members as m', 'm.department_id', 'r.department_id')
    .select('r.id')
    .where('m.user_id', '=', actor.userId)
    .where(sql<boolean>`${messageId}::uuid = any(r.shared_message_ids)`)
    .executeTakeFirst();
  return row !== undefined;
}

export async function readAttachment(
  ctx: ServiceContext,
  store: FileStore,
  id: string,
  actor: Actor,
): Promise<{ view: AttachmentView; data: Buffer; disposition: 'inline' | 'attachment'; servedType: string }> {
  const row = await ctx.db
    .selectFrom('attachments as a')
    .innerJoin('case_messages as m', 'm.id', 'a.message_id')
    .innerJoin('cases as c', 'c.id', 'm.case_id')
    .selectAll('a')
    .select(['c.id as case_id', 'c.team_id', 'c.assignee_id'])
    .where('a.id', '=', id)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', `attachment ${id} does not exist`);
  if (!(await sharedWithDepartmentOf(ctx.db, actor, row.message_id)))
    await assertCanSeeCase(ctx.db, actor, { id: row.case_id, team_id: row.team_id, assignee_id: row.assignee_id });
  const data = await store.get(row.storage_key);
  if (!data) throw new AppError('gone', `the file of attachment ${id} is missing from storage`);
  const inline = inlineSafeTypes.has(row.content_type);
  return {
    view: toAttachmentView(row),
    data,
    disposition: inline ? 'inline' : 'attachment',
    servedType: inline ? row.content_type : 'application/octet-stream',
  };
}
