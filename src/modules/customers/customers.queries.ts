// All SQL of the customers module: the customer directory, identities, the customer event log,
// merging duplicates, the customer timeline, and organisations.
import { sql } from 'kysely';
import type { CustomerTier, IdentityKind } from '../../db/schema.js';
import type { Tx } from '../../lib/context.js';
import type { CaseScope } from '../cases/case-access.js';
import { caseScopeFilter } from '../cases/case-access.js';

/** Statuses in which a case still needs work; solved and closed cases are done. */
export const openStatuses = ['new', 'open', 'pending', 'on_hold'] as const;

/** `%` and `_` in user input must match themselves in a LIKE pattern. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}

// ---------------------------------------------------------------------------------------------
// Customers

export type CustomerListFilter = {
  /** Prefix query over the words of the name, e.g. `ann:* & smi:*`; null when q has no words. */
  nameQuery: string | null;
  /** Forms of q that an identity value may start with. */
  identityPrefixes: string[];
  organisationId?: string | undefined;
  tier?: CustomerTier | undefined;
  after?: { createdAt: Date; id: string } | undefined;
  limit: number;
};

/**
 * Ids of customers whose name words or identity values match, as one union, so that each side
 * uses its own index (the GIN over name words, the prefix btree over identity values).
 */
function searchMatches(db: Tx, nameQuery: string | null, identityPrefixes: string[]) {
  const byName =
    nameQuery !== null
      ? db
          .selectFrom('customers as n')
          .select('n.id')
          .where(sql<boolean>`to_tsvector('simple', n.name) @@ to_tsquery('simple', ${nameQuery})`)
      : null;
  const byIdentity =
    identityPrefixes.length > 0
      ? db
          .selectFrom('customer_identities as i')
          .select('i.customer_id as id')
          .where((eb) => eb.or(identityPrefixes.map((p) => eb('i.value', 'like', `${escapeLike(p)}%`))))
      : null;
  if (byName && byIdentity) return byName.union(byIdentity);
  return byName ?? byIdentity;
}

/** Unmerged customers, newest first, one page past the keyset cursor. */
export function listCustomersQuery(db: Tx, f: CustomerListFilter) {
  let q = db
    .selectFrom('customers as cu')
    .leftJoin('organisations as o', 'o.id', 'cu.organisation_id')
    .select(['cu.id', 'cu.name', 'cu.tier', 'cu.organisation_id', 'o.name as organisation_name', 'cu.created_at'])
    .where('cu.merged_into_id', 'is', null);
  const matches = searchMatches(db, f.nameQuery, f.identityPrefixes);
  if (matches) q = q.where('cu.id', 'in', matches);
  if (f.organisationId) q = q.where('cu.organisation_id', '=', f.organisationId);
  if (f.tier) q = q.where('cu.tier', '=', f.tier);
  if (f.after) {
    const { createdAt, id } = f.after;
    q = q.where((eb) => eb(eb.refTuple('cu.created_at', 'cu.id'), '<', eb.tuple(createdAt, id)));
  }
  return q.orderBy('cu.created_at', 'desc').orderBy('cu.id', 'desc').limit(f.limit).execute();
}

export function findCustomerRow(db: Tx, id: string) {
  return db
    .selectFrom('customers as cu')
    .leftJoin('organisations as o', 'o.id', 'cu.organisation_id')
    .select([
      'cu.id',
      'cu.name',
      'cu.tier',
      'cu.notes',
      'cu.organisation_id',
      'o.name as organisation_name',
      'o.domain as organisation_domain',
      'cu.merged_into_id',
      'cu.created_at',
      'cu.updated_at',
    ])
    .where('cu.id', '=', id)
    .executeTakeFirst();
}

export type CustomerRow = NonNullable<Awaited<ReturnType<typeof findCustomerRow>>>;

/** Locks the customers in id order, so that two merges of the same pair cannot deadlock. */
export function lockCustomers(db: Tx, ids: string[]) {
  return db.selectFrom('customers').selectAll().where('id', 'in', ids).orderBy('id').forUpdate().execute();
}

export type LockedCustomer = Awaited<ReturnType<typeof lockCustomers>>[number];

export function insertCustomer(
  db: Tx,
  values: { name: string; tier: CustomerTier; organisationId: string | null; notes: string | null; at: Date },
) {
  return db
    .insertInto('customers')
    .values({
      name: values.name,
      tier: values.tier,
      organisation_id: values.organisationId,
      notes: values.notes,
      created_at: values.at,
      updated_at: values.at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

export function updateCustomerRow(
  db: Tx,
  id: string,
  set: { name?: string; tier?: CustomerTier; organisation_id?: string | null; notes?: string | null; merged_into_id?: string },
  at: Date,
) {
  return db
    .updateTable('customers')
    .set({ ...set, updated_at: at })
    .where('id', '=', id)
    .execute();
}

export function identitiesOf(db: Tx, customerIds: string[]) {
  if (customerIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('customer_identities')
    .select(['id', 'customer_id', 'kind', 'value'])
    .where('customer_id', 'in', customerIds)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export function findIdentityOwner(db: Tx, kind: IdentityKind, value: string) {
  return db
    .selectFrom('customer_identities')
    .select(['id', 'customer_id'])
    .where('kind', '=', kind)
    .where('value', '=', value)
    .executeTakeFirst();
}

export function insertIdentity(db: Tx, customerId: string, kind: IdentityKind, value: string, at: Date) {
  return db
    .insertInto('customer_identities')
    .values({ customer_id: customerId, kind, value, created_at: at })
    .returning(['id', 'kind', 'value'])
    .executeTakeFirstOrThrow();
}

export function deleteIdentity(db: Tx, customerId: string, identityId: string) {
  return db
    .deleteFrom('customer_identities')
    .where('id', '=', identityId)
    .where('customer_id', '=', customerId)
    .returning(['id', 'kind', 'value'])
    .executeTakeFirst();
}

/** Total and open cases per requester, counting only cases the scope may see. */
export function caseCountsOf(db: Tx, customerIds: string[], scope: CaseScope) {
  if (customerIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('cases as c')
    .select((eb) => [
      'c.requester_id',
      eb.fn.countAll<string>().as('total'),
      eb.fn.count<string>('c.id').filterWhere('c.status', 'in', openStatuses).as('open'),
    ])
    .where('c.requester_id', 'in', customerIds)
    .where(caseScopeFilter(scope))
    .groupBy('c.requester_id')
    .execute();
}

export function insertCustomerEvent(
  db: Tx,
  e: { customerId: string; actorUserId: string | null; kind: string; before?: unknown; after?: unknown; at: Date },
) {
  return db
    .insertInto('customer_events')
    .values({
      customer_id: e.customerId,
      actor_user_id: e.actorUserId,
      kind: e.kind,
      before: e.before === undefined ? null : JSON.stringify(e.before),
      after: e.after === undefined ? null : JSON.stringify(e.after),
      at: e.at,
    })
    .execute();
}

export function listCustomerEventsQuery(db: Tx, customerId: string, afterId: string | undefined, limit: number) {
  let q = db
    .selectFrom('customer_events as e')
    .leftJoin('users as u', 'u.id', 'e.actor_user_id')
    .select(['e.id', 'e.kind', 'e.actor_user_id', 'u.name as actor_name', 'e.before', 'e.after', 'e.at'])
    .where('e.customer_id', '=', customerId)
    .orderBy('e.id')
    .limit(limit);
  if (afterId) q = q.where('e.id', '>', afterId);
  return q.execute();
}

// ---------------------------------------------------------------------------------------------
// Merging

export function moveIdentities(db: Tx, fromId: string, toId: string) {
  return db
    .updateTable('customer_identities')
    .set({ customer_id: toId })
    .where('customer_id', '=', fromId)
    .returning(['id', 'kind', 'value'])
    .execute();
}

/** The customer's own messages follow them, so their contacts show on the surviving record. */
export function moveAuthoredMessages(db: Tx, fromId: string, toId: string) {
  return db.updateTable('case_messages').set({ author_customer_id: toId }).where('author_customer_id', '=', fromId).execute();
}

/** Customers merged earlier into the source now point straight at the target: no chains. */
export function repointMergedCustomers(db: Tx, fromId: string, toId: string, at: Date) {
  return db.updateTable('customers').set({ merged_into_id: toId, updated_at: at }).where('merged_into_id', '=', fromId).execute();
}

// ---------------------------------------------------------------------------------------------
// Timeline

export type TimelineCursor = { at: Date; rank: number; id: string };

/**
 * The customer's cases (rank 0, at creation) and their own messages (rank 1), newest first. At
 * the same instant a contact sorts above the case it opened. Only cases the scope may see.
 */
export function timelineQuery(db: Tx, customerId: string, scope: CaseScope, after: TimelineCursor | undefined, limit: number) {
  const cases = db
    .selectFrom('cases as c')
    .select([
      sql<number>`0`.as('rank'),
      sql<string>`c.id::text`.as('item_id'),
      'c.created_at as at',
      'c.id as case_id',
      'c.number',
      'c.subject',
      'c.status',
      'c.channel',
      sql<string | null>`null::text`.as('excerpt'),
    ])
    .where('c.requester_id', '=', customerId)
    .where(caseScopeFilter(scope));
  const contacts = db
    .selectFrom('case_messages as m')
    .innerJoin('cases as c', 'c.id', 'm.case_id')
    .select([
      sql<number>`1`.as('rank'),
      sql<string>`m.id::text`.as('item_id'),
      'm.created_at as at',
      'c.id as case_id',
      'c.number',
      'c.subject',
      'c.status',
      'm.channel',
      sql<string | null>`btrim(left(regexp_replace(left(m.body_text, 2000), '\\s+', ' ', 'g'), 200))`.as('excerpt'),
    ])
    .where('m.author_customer_id', '=', customerId)
    .where('m.kind', '=', 'customer')
    .where(caseScopeFilter(scope));
  let q = db.selectFrom(cases.unionAll(contacts).as('t')).selectAll('t');
  if (after) {
    q = q.where(sql<boolean>`(t.at, t.rank, t.item_id) < (${after.at}::timestamptz, ${after.rank}::int, ${after.id}::text)`);
  }
  return q.orderBy('t.at', 'desc').orderBy('t.rank', 'desc').orderBy('t.item_id', 'desc').limit(limit).execute();
}

// ---------------------------------------------------------------------------------------------
// Organisations

export function listOrganisationsQuery(db: Tx, q: string | undefined, limit: number) {
  let query = db.selectFrom('organisations').select(['id', 'name', 'domain', 'created_at', 'updated_at']);
  if (q) {
    const pattern = `%${escapeLike(q.toLowerCase())}%`;
    query = query.where((eb) => eb.or([eb(eb.fn('lower', ['name']), 'like', pattern), eb(eb.fn('lower', ['domain']), 'like', pattern)]));
  }
  return query
    .orderBy(sql`lower(name)`)
    .orderBy('id')
    .limit(limit)
    .execute();
}

export function findOrganisationRow(db: Tx, id: string) {
  return db
    .selectFrom('organisations')
    .select(['id', 'name', 'domain', 'created_at', 'updated_at'])
    .where('id', '=', id)
    .executeTakeFirst();
}

export type OrganisationRow = NonNullable<Awaited<ReturnType<typeof findOrganisationRow>>>;

export function countOrganisationCustomers(db: Tx, organisationId: string) {
  return db
    .selectFrom('customers')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('organisation_id', '=', organisationId)
    .where('merged_into_id', 'is', null)
    .executeTakeFirstOrThrow();
}

export function countOrganisationOpenCases(db: Tx, organisationId: string, scope: CaseScope) {
  return db
    .selectFrom('cases as c')
    .innerJoin('customers as cu', 'cu.id', 'c.requester_id')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('cu.organisation_id', '=', organisationId)
    .where('c.status', 'in', openStatuses)
    .where(caseScopeFilter(scope))
    .executeTakeFirstOrThrow();
}

export function insertOrganisation(db: Tx, values: { name: string; domain: string | null; at: Date }) {
  return db
    .insertInto('organisations')
    .values({ name: values.name, domain: values.domain, created_at: values.at, updated_at: values.at })
    .returning('id')
    .executeTakeFirstOrThrow();
}

export function updateOrganisationRow(db: Tx, id: string, set: { name?: string; domain?: string | null }, at: Date) {
  return db
    .updateTable('organisations')
    .set({ ...set, updated_at: at })
    .where('id', '=', id)
    .execute();
}

export function deleteOrganisationRow(db: Tx, id: string) {
  return db.deleteFrom('organisations').where('id', '=', id).execute();
}

export function lockOrganisation(db: Tx, id: string) {
  return db.selectFrom('organisations').select(['id', 'name', 'domain']).where('id', '=', id).forUpdate().executeTakeFirst();
}
