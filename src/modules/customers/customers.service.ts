// Customers: the people who contact the company, recognised by their identities on each
// channel, optionally belonging to an organisation, with a service tier. This module owns the
// customer directory, identities, merging duplicates, the customer timeline and the customer
// event log; cases find or create their requester through `findOrCreateCustomer`.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { moveCasesToRequesterTx, rebuildSearchForRequester } from '../cases/case-requester.js';
import type { CaseStatus, Channel, CustomerTier, IdentityKind } from '../../db/schema.js';
import type { ServiceContext, Tx } from '../../lib/context.js';
import { AppError, isUniqueViolation } from '../../lib/errors.js';
import { inTransaction } from '../../lib/transaction.js';
import { assertPermission, hasPermission, type Actor } from '../auth/permissions.js';
import { loadCaseScope, type CaseScope } from '../cases/case-access.js';
import { identitySearchForms, validateIdentity } from './customer-identity.js';
import {
  caseCountsOf,
  deleteIdentity,
  findCustomerRow,
  findIdentityOwner,
  identitiesOf,
  insertCustomer,
  insertCustomerEvent,
  insertIdentity,
  listCustomerEventsQuery,
  listCustomersQuery,
  lockCustomers,
  moveAuthoredMessages,
  moveIdentities,
  repointMergedCustomers,
  timelineQuery,
  updateCustomerRow,
  type LockedCustomer,
  type TimelineCursor,
} from './customers.queries.js';

export type CustomerRef = { id: string; name: string; email: string | null; tier: CustomerTier; organisationId: string | null };

export type CustomerContact = { email?: string | undefined; phone?: string | undefined; name?: string | undefined };

/**
 * The customer behind an email address or phone number, created on first contact. A concurrent
 * first contact from the same address finds the row the other transaction inserted.
 */
export async function findOrCreateCustomer(trx: Tx, contact: CustomerContact, at: Date): Promise<CustomerRef> {
  return (await findOrCreateCustomers(trx, [contact], at))[0]!;
}

type Identity = [IdentityKind, string];

function contactIdentities(contact: CustomerContact): Identity[] {
  const identities: Identity[] = [];
  if (contact.email) identities.push(['email', contact.email]);
  if (contact.phone) identities.push(['phone', contact.phone]);
  if (identities.length === 0) throw new AppError('validation_failed', 'a customer needs an email address or a phone number');
  return identities.map(([kind, value]) => [kind, validateIdentity(kind, value, `requester.${kind}`)]);
}

const identityKey = (kind: IdentityKind, value: string) => `${kind}\u0000${value}`;

/** Who already owns these (normalised) identities: one query for a whole batch. */
async function ownersOf(trx: Tx, identities: readonly Identity[]): Promise<Map<string, { id: string; name: string }>> {
  const emails = [...new Set(identities.filter(([k]) => k === 'email').map(([, v]) => v))];
  const phones = [...new Set(identities.filter(([k]) => k === 'phone').map(([, v]) => v))];
  if (emails.length + phones.length === 0) return new Map();
  const rows = await trx
    .selectFrom('customer_identities as i')
    .innerJoin('customers as c', 'c.id', 'i.customer_id')
    .select(['i.kind', 'i.value', 'c.id', 'c.name', 'c.merged_into_id'])
    .where((eb) => {
      const parts = [];
      if (emails.length > 0) parts.push(eb.and([eb('i.kind', '=', 'email'), eb('i.value', 'in', emails)]));
      if (phones.length > 0) parts.push(eb.and([eb('i.kind', '=', 'phone'), eb('i.value', 'in', phones)]));
      return eb.or(parts);
    })
    .execute();
  return new Map(rows.map((r) => [identityKey(r.kind, r.value), { id: r.merged_into_id ?? r.id, name: r.name }]));
}

type PendingCustomer = { id: string; name: string; identities: Identity[]; contact: CustomerContact };

/**
 * The batch form: each contact resolved as if the contacts came one after another (a later
 * contact finds the customer an earlier one created), in a handful of statements.
 */
export async function findOrCreateCustomers(trx: Tx, contacts: readonly CustomerContact[], at: Date): Promise<CustomerRef[]> {
  const wanted = contacts.map(contactIdentities);
  const owners = await ownersOf(trx, wanted.flat());
  const pending: PendingCustomer[] = [];
  const pendingByKey = new Map<string, PendingCustomer>();
  const named = new Set<string>();
  const resolved: (string | PendingCustomer)[] = [];
  for (const [i, identities] of wanted.entries()) {
    const contact = contacts[i]!;
    let hit: string | PendingCustomer | undefined;
    for (const [kind, value] of identities) {
      const key = identityKey(kind, value);
      const owner = owners.get(key);
      hit = pendingByKey.get(key) ?? owner?.id;
      if (owner && !owner.name && contact.name?.trim() && !named.has(owner.id)) {
        named.add(owner.id);
        await trx.updateTable('customers').set({ name: contact.name.trim(), updated_at: at }).where('id', '=', owner.id).execute();
      }
      if (hit) break;
    }
    if (!hit) {
      hit = { id: randomUUID(), name: contact.name?.trim() ?? '', identities, contact };
      pending.push(hit);
      for (const [kind, value] of identities) pendingByKey.set(identityKey(kind, value), hit);
    }
    resolved.push(hit);
  }
  const lost = await insertPendingCustomers(trx, pending, at);
  const ids = resolved.map((r) => (typeof r === 'string' ? r : (lost.get(r.id) ?? r.id)));
  const refs = await getCustomerRefs(trx, ids);
  return ids.map((id) => refs.get(id)!);
}

/**
 * Inserts the new customers with their identities and `created` events. Where another
 * transaction recognised the same person first (it committed while we waited on the unique
 * index), our customer is dropped: the answer maps it to theirs.
 */
async function insertPendingCustomers(trx: Tx, pending: readonly PendingCustomer[], at: Date): Promise<Map<string, string>> {
  const lost = new Map<string, string>();
  if (pending.length === 0) return lost;
  // Columns as arrays: one statement text however many first contacts the batch holds.
  const when = at.toISOString();
  await sql`insert into customers (id, name, created_at, updated_at)
    select id, name, ${when}::timestamptz, ${when}::timestamptz
    from unnest(${pending.map((p) => p.id)}::uuid[], ${pending.map((p) => p.name)}::text[]) as c(id, name)`.execute(trx);
  const identityRows = pending.flatMap((p) => p.identities.map(([kind, value]) => ({ customer_id: p.id, kind, value })));
  const inserted = (
    await sql<{ kind: IdentityKind; value: string }>`insert into customer_identities (customer_id, kind, value, created_at)
      select customer_id, kind, value, ${when}::timestamptz
      from unnest(${identityRows.map((r) => r.customer_id)}::uuid[], ${identityRows.map((r) => r.kind)}::text[],
        ${identityRows.map((r) => r.value)}::text[]) with ordinality as i(customer_id, kind, value, position)
      order by position
      on conflict (kind, value) do nothing
      returning kind, value`.execute(trx)
  ).rows;
  if (inserted.length < identityRows.length) {
    const got = new Set(inserted.map((r) => identityKey(r.kind, r.value)));
    for (const p of pending) {
      const taken = p.identities.find(([kind, value]) => !got.has(identityKey(kind, value)));
      if (!taken) continue;
      const theirs = (await ownersOf(trx, [taken])).get(identityKey(...taken));
      await trx.deleteFrom('customer_identities').where('customer_id', '=', p.id).execute();
      await trx.deleteFrom('customers').where('id', '=', p.id).execute();
      if (theirs) lost.set(p.id, theirs.id);
    }
  }
  const kept = pending.filter((p) => !lost.has(p.id));
  if (kept.length > 0)
    await sql`insert into customer_events (customer_id, kind, after, at)
      select customer_id, 'created', after, ${when}::timestamptz
      from unnest(${kept.map((p) => p.id)}::uuid[], ${kept.map((p) => JSON.stringify(p.contact))}::jsonb[])
        with ordinality as e(customer_id, after, position)
      order by position`.execute(trx);
  return lost;
}

export async function getCustomerRef(db: Tx, id: string): Promise<CustomerRef> {
  const ref = (await getCustomerRefs(db, [id])).get(id);
  if (!ref) throw new AppError('not_found', `customer ${id} does not exist`);
  return ref;
}

export async function getCustomerRefs(db: Tx, ids: readonly string[]): Promise<Map<string, CustomerRef>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await db
    .selectFrom('customers as c')
    .select((eb) => [
      'c.id',
      'c.name',
      'c.tier',
      'c.organisation_id',
      eb
        .selectFrom('customer_identities as i')
        .select('i.value')
        .whereRef('i.customer_id', '=', 'c.id')
        .where('i.kind', '=', 'email')
        .orderBy('i.created_at')
        .limit(1)
        .as('email'),
    ])
    .where('c.id', 'in', unique)
    .execute();
  return new Map(
    rows.map((row) => [row.id, { id: row.id, name: row.name, email: row.email, tier: row.tier, organisationId: row.organisation_id }]),
  );
}

/** Text of the customer for the case search index: name and every identity. */
export async function customerSearchText(db: Tx, id: string): Promise<string> {
  const text = (await customerSearchTexts(db, [id])).get(id);
  if (text === undefined) throw new AppError('not_found', `customer ${id} does not exist`);
  return text;
}

export async function customerSearchTexts(db: Tx, ids: readonly string[]): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await db
    .selectFrom('customers as c')
    .select((eb) => [
      'c.id',
      'c.name',
      eb
        .selectFrom('customer_identities as i')
        .select(sql<string>`string_agg(i.value, ' ')`.as('v'))
        .whereRef('i.customer_id', '=', 'c.id')
        .as('identities'),
    ])
    .where('c.id', 'in', unique)
    .execute();
  return new Map(rows.map((r) => [r.id, [r.name, ...(r.identities ? [r.identities] : [])].join(' ')]));
}

// ---------------------------------------------------------------------------------------------
// The customer directory: list, create, read, change, identities, merge, timeline, event log.

export type CustomerIdentityView = { id: string; kind: IdentityKind; value: string };

export type CustomerSummary = {
  id: string;
  name: string;
  tier: CustomerTier;
  organisationId: string | null;
  organisationName: string | null;
  emails: string[];
  phones: string[];
  openCaseCount: number;
  createdAt: string;
};

export type CustomerDetail = CustomerSummary & {
  organisation: { id: string; name: string; domain: string | null } | null;
  identities: CustomerIdentityView[];
  notes: string | null;
  caseCount: number;
  mergedIntoId: string | null;
  updatedAt: string;
};

const tierRank: Record<CustomerTier, number> = { standard: 0, priority: 1, vip: 2 };

/** Reading customers goes with reading cases; agents see them through the cases they work. */
export function assertCanReadCustomers(actor: Actor): void {
  if (!hasPermission(actor, 'cases.work')) assertPermission(actor, 'cases.read_all');
}

function eventActorId(actor: Actor): string | null {
  return actor.via === 'system' ? null : actor.userId;
}

function identityTaken(kind: IdentityKind, value: string, customerId: string): AppError {
  return new AppError('conflict', `the ${kind} identity "${value}" already belongs to customer ${customerId}`, {
    field: 'identities',
    kind,
    value,
    customerId,
  });
}

const identityRace = () =>
  new AppError('conflict', 'another customer took one of these identities at the same moment; search for it and try again', {
    field: 'identities',
  });

/** Opaque keyset cursors: base64url JSON, checked on the way back in. */
function encodeCursor(parts: unknown[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

function decodeCursor(cursor: string): unknown[] {
  try {
    const parts: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parts)) return parts;
  } catch {
    // fall through to the error below
  }
  throw new AppError('validation_failed', 'cursor: not a cursor this endpoint gave out', { field: 'cursor' });
}

function cursorDate(value: unknown): Date {
  const d = typeof value === 'string' ? new Date(value) : new Date(NaN);
  if (Number.isNaN(d.getTime()))
    throw new AppError('validation_failed', 'cursor: not a cursor this endpoint gave out', { field: 'cursor' });
  return d;
}

function cursorId(value: unknown): string {
  if (typeof value !== 'string' || !/^[0-9a-f-]{36}$/i.test(value))
    throw new AppError('validation_failed', 'cursor: not a cursor this endpoint gave out', { field: 'cursor' });
  return value;
}

/** `ann smi` → `ann:* & smi:*`: every word of the query must start a word of the name. */
function nameWordsQuery(q: string): string | null {
  const words = q
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .slice(0, 8);
  return words.length > 0 ? words.map((w) => `${w}:*`).join(' & ') : null;
}

async function summariesOf(
  db: Tx,
  rows: {
    id: string;
    name: string;
    tier: CustomerTier;
    organisation_id: string | null;
    organisation_name: string | null;
    created_at: Date;
  }[],
  scope: CaseScope,
): Promise<(CustomerSummary & { identities: CustomerIdentityView[]; caseCount: number })[]> {
  const ids = rows.map((r) => r.id);
  const [identities, counts] = await Promise.all([identitiesOf(db, ids), caseCountsOf(db, ids, scope)]);
  return rows.map((r) => {
    const own = identities.filter((i) => i.customer_id === r.id);
    const count = counts.find((c) => c.requester_id === r.id);
    return {
      id: r.id,
      name: r.name,
      tier: r.tier,
      organisationId: r.organisation_id,
      organisationName: r.organisation_name,
      emails: own.filter((i) => i.kind === 'email').map((i) => i.value),
      phones: own.filter((i) => i.kind === 'phone').map((i) => i.value),
      openCaseCount: Number(count?.open ?? 0),
      createdAt: r.created_at.toISOString(),
      identities: own.map((i) => ({ id: i.id, kind: i.kind, value: i.value })),
      caseCount: Number(count?.total ?? 0),
    };
  });
}

async function loadCustomerDetail(db: Tx, id: string, scope: CaseScope): Promise<CustomerDetail> {
  const row = await findCustomerRow(db, id);
  if (!row) throw new AppError('not_found', `customer ${id} does not exist`);
  const [summary] = await summariesOf(db, [row], scope);
  const organisation = row.organisation_id
    ? { id: row.organisation_id, name: row.organisation_name ?? '', domain: row.organisation_domain }
    : null;
  return { ...summary!, organisation, notes: row.notes, mergedIntoId: row.merged_into_id, updatedAt: row.updated_at.toISOString() };
}

async function assertOrganisationExists(db: Tx, organisationId: string | null | undefined): Promise<void> {
  if (!organisationId) return;
  const found = await db.selectFrom('organisations').select('id').where('id', '=', organisationId).executeTakeFirst();
  if (!found)
    throw new AppError('validation_failed', `organisationId: organisation ${organisationId} does not exist`, { field: 'organisationId' });
}

async function lockLiveCustomer(trx: Tx, id: string): Promise<LockedCustomer> {
  const [row] = await lockCustomers(trx, [id]);
  if (!row) throw new AppError('not_found', `customer ${id} does not exist`);
  if (row.merged_into_id)
    throw new AppError('conflict', `customer ${id} was merged into ${row.merged_into_id}; change that customer instead`, {
      mergedIntoId: row.merged_into_id,
    });
  return row;
}

export type ListCustomersInput = {
  q?: string | undefined;
  organisationId?: string | undefined;
  tier?: CustomerTier | undefined;
  cursor?: string | undefined;
  limit: number;
};

export async function listCustomers(
  ctx: ServiceContext,
  input: ListCustomersInput,
  actor: Actor,
): Promise<{ items: CustomerSummary[]; nextCursor: string | null }> {
  assertCanReadCustomers(actor);
  const q = input.q?.trim() ?? '';
  const after = input.cursor ? decodeCursor(input.cursor) : undefined;
  const rows = await listCustomersQuery(ctx.db, {
    nameQuery: q ? nameWordsQuery(q) : null,
    identityPrefixes: q ? identitySearchForms(q) : [],
    organisationId: input.organisationId,
    tier: input.tier,
    after: after ? { createdAt: cursorDate(after[0]), id: cursorId(after[1]) } : undefined,
    limit: input.limit + 1,
  });
  const page = rows.slice(0, input.limit);
  const scope = await loadCaseScope(ctx.db, actor);
  const items = (await summariesOf(ctx.db, page, scope)).map(({ identities: _i, caseCount: _c, ...summary }) => summary);
  const last = page[page.length - 1];
  return { items, nextCursor: rows.length > input.limit && last ? encodeCursor([last.created_at.toISOString(), last.id]) : null };
}

export async function getCustomer(ctx: ServiceContext, id: string, actor: Actor): Promise<CustomerDetail> {
  assertCanReadCustomers(actor);
  return loadCustomerDetail(ctx.db, id, await loadCaseScope(ctx.db, actor));
}

export type CreateCustomerInput = {
  name?: string | undefined;
  emails?: string[] | undefined;
  phones?: string[] | undefined;
  organisationId?: string | undefined;
  tier?: CustomerTier | undefined;
  notes?: string | undefined;
};

export async function createCustomer(ctx: ServiceContext, input: CreateCustomerInput, actor: Actor): Promise<CustomerDetail> {
  assertPermission(actor, 'cases.work');
  const identities = new Map<string, { kind: IdentityKind; value: string }>();
  for (const [kind, values, field] of [
    ['email', input.emails ?? [], 'emails'],
    ['phone', input.phones ?? [], 'phones'],
  ] as const) {
    for (const raw of values) {
      const value = validateIdentity(kind, raw, field);
      identities.set(`${kind}:${value}`, { kind, value });
    }
  }
  if (identities.size === 0)
    throw new AppError('validation_failed', 'a customer needs at least one email address or phone number', { field: 'emails' });
  const at = ctx.clock.now();
  try {
    return await inTransaction(ctx.db, async (trx) => {
      for (const { kind, value } of identities.values()) {
        const owner = await findIdentityOwner(trx, kind, value);
        if (owner) throw identityTaken(kind, value, owner.customer_id);
      }
      await assertOrganisationExists(trx, input.organisationId);
      const { id } = await insertCustomer(trx, {
        name: input.name?.trim() ?? '',
        tier: input.tier ?? 'standard',
        organisationId: input.organisationId ?? null,
        notes: input.notes ?? null,
        at,
      });
      for (const { kind, value } of identities.values()) await insertIdentity(trx, id, kind, value, at);
      const detail = await loadCustomerDetail(trx, id, await loadCaseScope(trx, actor));
      await insertCustomerEvent(trx, {
        customerId: id,
        actorUserId: eventActorId(actor),
        kind: 'created',
        after: {
          name: detail.name,
          tier: detail.tier,
          organisationId: detail.organisationId,
          identities: detail.identities.map((i) => ({ kind: i.kind, value: i.value })),
        },
        at,
      });
      return detail;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw identityRace();
    throw err;
  }
}

export type UpdateCustomerInput = {
  name?: string | undefined;
  tier?: CustomerTier | undefined;
  organisationId?: string | null | undefined;
  notes?: string | null | undefined;
};

export async function updateCustomer(ctx: ServiceContext, id: string, input: UpdateCustomerInput, actor: Actor): Promise<CustomerDetail> {
  assertPermission(actor, 'cases.work');
  const at = ctx.clock.now();
  return inTransaction(ctx.db, async (trx) => {
    const current = await lockLiveCustomer(trx, id);
    const next = {
      name: input.name?.trim(),
      tier: input.tier,
      organisationId: input.organisationId,
      notes: input.notes,
    };
    const now = { name: current.name, tier: current.tier, organisationId: current.organisation_id, notes: current.notes };
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    for (const key of Object.keys(next) as (keyof typeof next)[]) {
      if (next[key] !== undefined && next[key] !== now[key]) {
        before[key] = now[key];
        after[key] = next[key];
      }
    }
    if (Object.keys(after).length > 0) {
      if ('organisationId' in after) await assertOrganisationExists(trx, next.organisationId);
      await updateCustomerRow(
        trx,
        id,
        {
          ...('name' in after ? { name: next.name! } : {}),
          ...('tier' in after ? { tier: next.tier! } : {}),
          ...('organisationId' in after ? { organisation_id: next.organisationId ?? null } : {}),
          ...('notes' in after ? { notes: next.notes ?? null } : {}),
        },
        at,
      );
      await insertCustomerEvent(trx, { customerId: id, actorUserId: eventActorId(actor), kind: 'updated', before, after, at });
      if ('name' in after) await rebuildSearchForRequester(trx, id);
    }
    return loadCustomerDetail(trx, id, await loadCaseScope(trx, actor));
  });
}

export async function addCustomerIdentity(
  ctx: ServiceContext,
  id: string,
  input: { kind: IdentityKind; value: string },
  actor: Actor,
): Promise<{ customer: CustomerDetail; added: boolean }> {
  assertPermission(actor, 'cases.work');
  const value = validateIdentity(input.kind, input.value);
  const at = ctx.clock.now();
  try {
    return await inTransaction(ctx.db, async (trx) => {
      await lockLiveCustomer(trx, id);
      const owner = await findIdentityOwner(trx, input.kind, value);
      if (owner && owner.customer_id !== id) throw identityTaken(input.kind, value, owner.customer_id);
      if (!owner) {
        const identity = await insertIdentity(trx, id, input.kind, value, at);
        await insertCustomerEvent(trx, { customerId: id, actorUserId: eventActorId(actor), kind: 'identity_added', after: identity, at });
        await rebuildSearchForRequester(trx, id);
      }
      return { customer: await loadCustomerDetail(trx, id, await loadCaseScope(trx, actor)), added: !owner };
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw identityRace();
    throw err;
  }
}

export async function removeCustomerIdentity(ctx: ServiceContext, id: string, identityId: string, actor: Actor): Promise<CustomerDetail> {
  assertPermission(actor, 'cases.work');
  const at = ctx.clock.now();
  return inTransaction(ctx.db, async (trx) => {
    // The customer row lock serialises removals, so two at once cannot leave it with none.
    await lockLiveCustomer(trx, id);
    const identities = await identitiesOf(trx, [id]);
    if (!identities.some((i) => i.id === identityId)) throw new AppError('not_found', `customer ${id} has no identity ${identityId}`);
    if (identities.length === 1)
      throw new AppError('conflict', 'a customer keeps at least one identity: add another before removing this one', { identityId });
    const removed = await deleteIdentity(trx, id, identityId);
    await insertCustomerEvent(trx, { customerId: id, actorUserId: eventActorId(actor), kind: 'identity_removed', before: removed, at });
    await rebuildSearchForRequester(trx, id);
    return loadCustomerDetail(trx, id, await loadCaseScope(trx, actor));
  });
}

/**
 * Merges the duplicate `sourceId` into `targetId`: identities, requested cases and the source's
 * own messages move to the target; the target fills its blank name, organisation and notes from
 * the source and keeps the higher tier; the source stays as a pointer (`merged_into_id`) so old
 * links still lead somewhere. Both customers record the merge in their event log.
 */
export async function mergeCustomers(
  ctx: ServiceContext,
  targetId: string,
  input: { sourceId: string },
  actor: Actor,
): Promise<CustomerDetail> {
  assertPermission(actor, 'cases.work');
  const { sourceId } = input;
  if (sourceId === targetId) throw new AppError('conflict', 'a customer cannot be merged into itself', { field: 'sourceId' });
  const at = ctx.clock.now();
  return inTransaction(ctx.db, async (trx) => {
    const locked = await lockCustomers(trx, [targetId, sourceId]);
    const target = locked.find((c) => c.id === targetId);
    const source = locked.find((c) => c.id === sourceId);
    if (!target) throw new AppError('not_found', `customer ${targetId} does not exist`);
    if (!source) throw new AppError('not_found', `customer ${sourceId} does not exist`, { field: 'sourceId' });
    if (target.merged_into_id)
      throw new AppError('conflict', `customer ${targetId} was itself merged into ${target.merged_into_id}; merge into that customer`, {
        mergedIntoId: target.merged_into_id,
      });
    if (source.merged_into_id)
      throw new AppError('conflict', `customer ${sourceId} was already merged into ${source.merged_into_id}`, {
        field: 'sourceId',
        mergedIntoId: source.merged_into_id,
      });

    const identities = await moveIdentities(trx, sourceId, targetId);
    const cases = await moveCasesToRequesterTx(
      trx,
      at,
      { fromCustomerId: sourceId, toCustomerId: targetId, reason: 'customer_merge' },
      actor,
    );
    await moveAuthoredMessages(trx, sourceId, targetId);
    await repointMergedCustomers(trx, sourceId, targetId, at);
    await updateCustomerRow(trx, sourceId, { merged_into_id: targetId }, at);

    const filled: UpdateCustomerInput = {};
    if (!target.name.trim() && source.name.trim()) filled.name = source.name;
    if (!target.organisation_id && source.organisation_id) filled.organisationId = source.organisation_id;
    if (!target.notes && source.notes) filled.notes = source.notes;
    if (tierRank[source.tier] > tierRank[target.tier]) filled.tier = source.tier;
    await updateCustomerRow(
      trx,
      targetId,
      {
        ...(filled.name !== undefined ? { name: filled.name } : {}),
        ...(filled.organisationId !== undefined ? { organisation_id: filled.organisationId } : {}),
        ...(filled.notes !== undefined ? { notes: filled.notes } : {}),
        ...(filled.tier !== undefined ? { tier: filled.tier } : {}),
      },
      at,
    );

    const moved = {
      identities: identities.map((i) => ({ id: i.id, kind: i.kind, value: i.value })),
      cases: cases.map((c) => ({ id: c.id, number: Number(c.number) })),
    };
    const actorUserId = eventActorId(actor);
    await insertCustomerEvent(trx, {
      customerId: sourceId,
      actorUserId,
      kind: 'merged_into',
      before: { name: source.name, tier: source.tier, organisationId: source.organisation_id, ...moved },
      after: { mergedIntoId: targetId },
      at,
    });
    await insertCustomerEvent(trx, {
      customerId: targetId,
      actorUserId,
      kind: 'merged_from',
      before: {
        name: target.name,
        tier: target.tier,
        organisationId: target.organisation_id,
        notes: target.notes,
      },
      after: { sourceId, filled, ...moved },
      at,
    });
    return loadCustomerDetail(trx, targetId, await loadCaseScope(trx, actor));
  });
}

export type TimelineItem =
  | { type: 'case'; at: string; caseId: string; number: number; subject: string; status: CaseStatus; channel: Channel }
  | {
      type: 'message';
      at: string;
      messageId: string;
      caseId: string;
      number: number;
      subject: string;
      channel: Channel;
      excerpt: string;
    };

/** The customer's cases and contacts, newest first, limited to the cases the actor may see. */
export async function getCustomerTimeline(
  ctx: ServiceContext,
  id: string,
  input: { cursor?: string | undefined; limit: number },
  actor: Actor,
): Promise<{ items: TimelineItem[]; nextCursor: string | null }> {
  assertCanReadCustomers(actor);
  if (!(await findCustomerRow(ctx.db, id))) throw new AppError('not_found', `customer ${id} does not exist`);
  let after: TimelineCursor | undefined;
  if (input.cursor) {
    const [at, rank, itemId] = decodeCursor(input.cursor);
    if (rank !== 0 && rank !== 1)
      throw new AppError('validation_failed', 'cursor: not a cursor this endpoint gave out', { field: 'cursor' });
    after = { at: cursorDate(at), rank, id: cursorId(itemId) };
  }
  const scope = await loadCaseScope(ctx.db, actor);
  const rows = await timelineQuery(ctx.db, id, scope, after, input.limit + 1);
  const page = rows.slice(0, input.limit);
  const items = page.map((r): TimelineItem => {
    const common = { at: r.at.toISOString(), caseId: r.case_id, number: Number(r.number), subject: r.subject, channel: r.channel };
    return r.rank === 1
      ? { type: 'message', messageId: r.item_id, ...common, excerpt: r.excerpt ?? '' }
      : { type: 'case', ...common, status: r.status };
  });
  const last = page[page.length - 1];
  return {
    items,
    nextCursor: rows.length > input.limit && last ? encodeCursor([last.at.toISOString(), Number(last.rank), last.item_id]) : null,
  };
}

export type CustomerEventView = {
  id: string;
  kind: string;
  actor: { id: string; name: string | null } | null;
  before: unknown;
  after: unknown;
  at: string;
};

export async function listCustomerEvents(
  ctx: ServiceContext,
  id: string,
  input: { after?: string | undefined; limit: number },
  actor: Actor,
): Promise<CustomerEventView[]> {
  assertCanReadCustomers(actor);
  if (!(await findCustomerRow(ctx.db, id))) throw new AppError('not_found', `customer ${id} does not exist`);
  const rows = await listCustomerEventsQuery(ctx.db, id, input.after, input.limit);
  return rows.map((e) => ({
    id: String(e.id),
    kind: e.kind,
    actor: e.actor_user_id ? { id: e.actor_user_id, name: e.actor_name } : null,
    before: e.before,
    after: e.after,
    at: e.at.toISOString(),
  }));
}
