// All SQL of the cases module.
import { sql } from 'kysely';
import type { Tx } from '../../lib/context.js';

// Only the first part of a long message goes into the search document; the whole text stays
// stored and shown.
export const searchTextLimit = 20_000;

export function caseRowQuery(db: Tx) {
  return db
    .selectFrom('cases as c')
    .innerJoin('customers as r', 'r.id', 'c.requester_id')
    .leftJoin('users as a', 'a.id', 'c.assignee_id')
    .leftJoin('teams as t', 't.id', 'c.team_id')
    .leftJoin('categories as cat', 'cat.id', 'c.category_id')
    .select((eb) => [
      'c.id',
      'c.number',
      'c.subject',
      'c.type',
      'c.status',
      'c.priority',
      'c.category_id',
      'cat.name as category_name',
      'c.tags',
      'c.channel',
      'c.requester_id',
      'r.name as requester_name',
      'r.tier as requester_tier',
      'r.organisation_id as requester_organisation_id',
      eb
        .selectFrom('customer_identities as i')
        .select('i.value')
        .whereRef('i.customer_id', '=', 'c.requester_id')
        .where('i.kind', '=', 'email')
        .orderBy('i.created_at')
        .limit(1)
        .as('requester_email'),
      'c.team_id',
      't.name as team_name',
      'c.assignee_id',
      'a.name as assignee_name',
      'c.custom_fields',
      'c.version',
      'c.created_at',
      'c.updated_at',
      'c.first_public_reply_at',
      'c.last_customer_message_at',
      'c.last_public_reply_at',
      'c.solved_at',
      'c.closed_at',
      'c.reopen_count',
      'c.public_reply_count',
      'c.customer_message_count',
      'c.follow_up_of_id',
      'c.merged_into_id',
      'c.escalated_at',
      'c.escalation_reason',
    ]);
}

export type CaseRow = Awaited<ReturnType<ReturnType<typeof caseRowQuery>['executeTakeFirstOrThrow']>>;

export function findCaseRow(db: Tx, id: string) {
  return caseRowQuery(db).where('c.id', '=', id).executeTakeFirst();
}

export async function findCaseRows(db: Tx, ids: readonly string[]): Promise<Map<string, CaseRow>> {
  if (ids.length === 0) return new Map();
  return new Map((await caseRowQuery(db).where('c.id', 'in', ids).execute()).map((r) => [r.id, r]));
}

/** The bare row, locked for the rest of the transaction. */
export function lockCase(db: Tx, id: string) {
  return db.selectFrom('cases').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export function listFollowerIds(db: Tx, caseId: string) {
  return db.selectFrom('case_followers').select('user_id').where('case_id', '=', caseId).orderBy('created_at').execute();
}

/** A weighted piece of the case's search document (A subject, B customer, C messages). */
export function searchPart(text: string, weight: 'A' | 'B' | 'C', language: 'english' | 'simple') {
  const clipped = text.slice(0, searchTextLimit);
  return sql<string>`setweight(to_tsvector(${sql.lit(language)}::regconfig, ${clipped}), ${weight}::"char")`;
}

/** The search document with a new message appended, for the same UPDATE that records it. */
export function searchWithMessage(text: string) {
  return sql<string>`search || ${searchPart(text, 'C', 'english')}`;
}

/** Rebuilds the search document from subject, requester and every message (after a subject change or merge). */
export function rebuildSearch(db: Tx, caseId: string) {
  return rebuildSearchWhere(db, sql`c.id = ${caseId}`);
}

/** The same for every case of a requester whose name or identities changed. */
export function rebuildSearchForRequester(db: Tx, customerId: string) {
  return rebuildSearchWhere(db, sql`c.requester_id = ${customerId}`);
}

function rebuildSearchWhere(db: Tx, where: ReturnType<typeof sql>) {
  return sql`update cases c set search =
      setweight(to_tsvector('english', c.subject), 'A')
      || setweight(to_tsvector('simple', coalesce((select r.name || ' ' || coalesce(string_agg(i.value, ' '), '')
           from customers r left join customer_identities i on i.customer_id = r.id
           where r.id = c.requester_id group by r.name), '')), 'B')
      || setweight(to_tsvector('english', coalesce((select string_agg(left(m.body_text, ${searchTextLimit}), ' ' order by m.created_at, m.seq)
           from case_messages m where m.case_id = c.id), '')), 'C')
    where ${where}`.execute(db);
}

export function listMessagesQuery(db: Tx, caseId: string, includeNotes: boolean) {
  let q = messageQuery(db).where('m.case_id', '=', caseId).orderBy('m.created_at').orderBy('m.seq');
  if (!includeNotes) q = q.where('m.kind', '<>', 'note');
  return q.execute();
}

export function findMessageQuery(db: Tx, messageId: string) {
  return messageQuery(db).where('m.id', '=', messageId).executeTakeFirstOrThrow();
}

function messageQuery(db: Tx) {
  return db
    .selectFrom('case_messages as m')
    .leftJoin('users as u', 'u.id', 'm.author_user_id')
    .leftJoin('customers as cu', 'cu.id', 'm.author_customer_id')
    .select([
      'm.id',
      'm.kind',
      'm.channel',
      'm.body_text',
      'm.body_html',
      'm.external_id',
      'm.created_at',
      'm.author_user_id',
      'u.name as author_user_name',
      'm.author_customer_id',
      'cu.name as author_customer_name',
    ]);
}

export function listEventsQuery(db: Tx, caseId: string, afterId: string | undefined, limit: number) {
  let q = db
    .selectFrom('case_events as e')
    .leftJoin('users as u', 'u.id', 'e.actor_user_id')
    .leftJoin('customers as cu', 'cu.id', 'e.actor_customer_id')
    .select([
      'e.id',
      'e.kind',
      'e.actor_kind',
      'e.actor_user_id',
      'u.name as actor_user_name',
      'e.actor_customer_id',
      'cu.name as actor_customer_name',
      'e.before',
      'e.after',
      'e.at',
    ])
    .where('e.case_id', '=', caseId)
    .orderBy('e.id')
    .limit(limit);
  if (afterId) q = q.where('e.id', '>', afterId);
  return q.execute();
}
