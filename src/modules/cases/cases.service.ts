// Cases: creation, field changes with optimistic concurrency, the conversation, and the
// lifecycle rules (reopen on a customer reply, follow-up after close). Every change writes its
// event in the same transaction and announces itself to live pages.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { CasePriority, CaseStatus, CaseType, Channel, MessageKind } from '../../db/schema.js';
import type { ServiceContext, Tx } from '../../lib/context.js';
import { AppError } from '../../lib/errors.js';
import { htmlToPlainText, sanitizeMessageHtml } from '../../lib/html.js';
import { inTransaction } from '../../lib/transaction.js';
import { createBatcher, type Batcher, type BatcherStats } from '../../lib/batcher.js';
import { createDirectoryFileStore } from '../../lib/file-store.js';
import type { Actor } from '../auth/permissions.js';
import { assertPermission } from '../auth/permissions.js';
import {
  customerSearchTexts,
  findOrCreateCustomers,
  getCustomerRefs,
  type CustomerContact,
  type CustomerRef,
} from '../customers/customers.service.js';
import { assertCanSeeCase, assertCanWorkCase } from './case-access.js';
import {
  appendCaseEvent,
  appendCaseEvents,
  eventActorOf,
  notifyCaseChanges,
  type CaseEventKind,
  type EventActor,
  type NewCaseEvent,
} from './case-events.js';
import { refreshCasesDerived, type CreatedCase } from './case-derived.js';
import { loadActivePolicies, policiesForNewCases, type ActivePolicy } from '../sla/sla-tracking.js';
import { queueReplyEmail } from '../email/outbound.js';
import {
  assertAssignee,
  assertAssignees,
  assertCategories,
  assertCategory,
  assertTeam,
  assertTeams,
  normaliseTags,
  validateCustomFields,
} from './case-fields.js';
import { pickRoundRobinAssignee, pickRoundRobinTurns } from './assignment.js';
import {
  listCaseAttachments,
  putFiles,
  recordAttachments,
  type AttachmentInput,
  type AttachmentView,
  type UploadedFile,
} from './attachments.js';
import {
  findCaseRow,
  findCaseRows,
  listEventsQuery,
  listFollowerIds,
  findMessageQuery,
  listMessagesQuery,
  searchTextLimit,
  searchWithMessage,
  lockCase,
  rebuildSearch,
  type CaseRow,
} from './cases.queries.js';

export type CaseView = {
  id: string;
  number: number;
  subject: string;
  type: CaseType;
  status: CaseStatus;
  priority: CasePriority;
  categoryId: string | null;
  categoryName: string | null;
  tags: string[];
  channel: Channel;
  requester: { id: string; name: string; email: string | null; tier: string; organisationId: string | null };
  teamId: string | null;
  teamName: string | null;
  assigneeId: string | null;
  assigneeName: string | null;
  followerIds: string[];
  customFields: Record<string, unknown>;
  version: number;
  createdAt: string;
  updatedAt: string;
  firstPublicReplyAt: string | null;
  lastCustomerMessageAt: string | null;
  lastPublicReplyAt: string | null;
  solvedAt: string | null;
  closedAt: string | null;
  reopenCount: number;
  publicReplyCount: number;
  customerMessageCount: number;
  followUpOfId: string | null;
  mergedIntoId: string | null;
  /** Escalated to the managers (by hand or by an SLA escalation rule), and why. */
  escalatedAt: string | null;
  escalationReason: string | null;
};

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toCaseView(r: CaseRow, followerIds: string[] = []): CaseView {
  return {
    id: r.id,
    number: Number(r.number),
    subject: r.subject,
    type: r.type,
    status: r.status,
    priority: r.priority,
    categoryId: r.category_id,
    categoryName: r.category_name,
    tags: r.tags,
    channel: r.channel,
    requester: {
      id: r.requester_id,
      name: r.requester_name,
      email: r.requester_email,
      tier: r.requester_tier,
      organisationId: r.requester_organisation_id,
    },
    teamId: r.team_id,
    teamName: r.team_name,
    assigneeId: r.assignee_id,
    assigneeName: r.assignee_name,
    followerIds,
    customFields: r.custom_fields,
    version: r.version,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    firstPublicReplyAt: iso(r.first_public_reply_at),
    lastCustomerMessageAt: iso(r.last_customer_message_at),
    lastPublicReplyAt: iso(r.last_public_reply_at),
    solvedAt: iso(r.solved_at),
    closedAt: iso(r.closed_at),
    reopenCount: r.reopen_count,
    publicReplyCount: r.public_reply_count,
    customerMessageCount: r.customer_message_count,
    followUpOfId: r.follow_up_of_id,
    mergedIntoId: r.merged_into_id,
    escalatedAt: iso(r.escalated_at),
    escalationReason: r.escalation_reason,
  };
}

export async function loadCaseView(db: Tx, id: string): Promise<CaseView> {
  const row = await findCaseRow(db, id);
  if (!row) throw new AppError('not_found', `case ${id} does not exist`);
  return toCaseView(
    row,
    (await listFollowerIds(db, id)).map((f) => f.user_id),
  );
}

/** Every change ends here: the live SLA targets follow the case, then other instances hear of it. */
async function announce(trx: Tx, view: CaseView, kind: string, at: Date): Promise<void> {
  await announceAll(trx, [view], kind, at);
}

async function announceAll(
  trx: Tx,
  views: readonly CaseView[],
  kind: string,
  at: Date,
  derived: { created?: ReadonlyMap<string, CreatedCase>; policies?: ActivePolicy[] } = {},
): Promise<void> {
  // The notices go out at commit whatever their place; sent first, they leave the rollups (rows
  // that concurrent changes share, locked until commit) as the transaction's last statement.
  await notifyCaseChanges(
    trx,
    views.map((view) => ({
      caseId: view.id,
      number: String(view.number),
      version: view.version,
      teamId: view.teamId,
      assigneeId: view.assigneeId,
      kind,
    })),
  );
  await refreshCasesDerived(
    trx,
    views.map((v) => v.id),
    at,
    { isNew: kind === 'created', ...derived },
  );
}

// ---------------------------------------------------------------------------------------------
// Messages

export type MessageView = {
  id: string;
  kind: MessageKind;
  channel: Channel;
  bodyText: string;
  bodyHtml: string | null;
  externalId: string | null;
  createdAt: string;
  author: { type: 'user'; id: string; name: string | null } | { type: 'customer'; id: string; name: string | null } | { type: 'system' };
  attachments: AttachmentView[];
};

type MessageRow = Awaited<ReturnType<typeof listMessagesQuery>>[number];

function toMessageView(m: MessageRow, attachments: AttachmentView[] = []): MessageView {
  return {
    id: m.id,
    kind: m.kind,
    channel: m.channel,
    bodyText: m.body_text,
    bodyHtml: m.body_html,
    externalId: m.external_id,
    createdAt: m.created_at.toISOString(),
    author: m.author_user_id
      ? { type: 'user', id: m.author_user_id, name: m.author_user_name }
      : m.author_customer_id
        ? { type: 'customer', id: m.author_customer_id, name: m.author_customer_name }
        : { type: 'system' },
    attachments: attachments.filter((a) => a.messageId === m.id),
  };
}

export type MessageBody = {
  body?: string | undefined;
  html?: string | undefined;
  /** Files already put in the store (see putFiles); public entry points take `uploads`. */
  attachments?: AttachmentInput[] | undefined;
  uploads?: UploadedFile[] | undefined;
};

function fileStoreOf(ctx: ServiceContext) {
  return createDirectoryFileStore(ctx.config.filesDir);
}

/** Plain text and sanitised HTML from what the client sent (either or both). */
function renderBody(input: MessageBody): { text: string; html: string | null } {
  const html = input.html ? sanitizeMessageHtml(input.html) : null;
  const text = input.body?.trim() || (html ? htmlToPlainText(html) : '');
  if (!text && !html && !input.attachments?.length)
    throw new AppError('validation_failed', 'a message needs a body (text or html)', { field: 'body' });
  return { text, html };
}

async function insertMessage(
  trx: Tx,
  m: {
    caseId: string;
    kind: MessageKind;
    channel: Channel;
    body: { text: string; html: string | null };
    attachments?: AttachmentInput[] | undefined;
    authorUserId?: string | null;
    authorCustomerId?: string | null;
    externalId?: string | null;
    at: Date;
  },
): Promise<MessageView> {
  const row = await trx
    .insertInto('case_messages')
    .values({
      case_id: m.caseId,
      kind: m.kind,
      channel: m.channel,
      body_text: m.body.text,
      body_html: m.body.html,
      author_user_id: m.authorUserId ?? null,
      author_customer_id: m.authorCustomerId ?? null,
      external_id: m.externalId ?? null,
      created_at: m.at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  // The message text joins the case's search document in the caller's UPDATE of the case row,
  // so each message costs one new row version of `cases`, not two.
  const hasFiles = Boolean(m.attachments?.length);
  if (hasFiles) await recordAttachments(trx, row.id, m.attachments!, m.at);
  return loadMessageView(trx, m.caseId, row.id, hasFiles);
}

async function loadMessageView(trx: Tx, caseId: string, messageId: string, withAttachments = true): Promise<MessageView> {
  const view = await findMessageQuery(trx, messageId);
  const attachments = withAttachments ? (await listCaseAttachments(trx, caseId)).filter((a) => a.messageId === messageId) : [];
  return toMessageView(view, attachments);
}

async function findMessageByExternalId(trx: Tx, channel: Channel, externalId: string) {
  return trx
    .selectFrom('case_messages')
    .select(['id', 'case_id'])
    .where('channel', '=', channel)
    .where('external_id', '=', externalId)
    .executeTakeFirst();
}

// ---------------------------------------------------------------------------------------------
// Creating cases

export type CreateCaseInput = {
  subject: string;
  type?: CaseType | undefined;
  priority?: CasePriority | undefined;
  status?: 'new' | 'open' | 'pending' | 'on_hold' | undefined;
  channel?: Channel | undefined;
  requester?: CustomerContact | undefined;
  requesterId?: string | undefined;
  message?: (MessageBody & { externalId?: string | undefined }) | undefined;
  teamId?: string | null | undefined;
  assigneeId?: string | null | undefined;
  autoAssign?: boolean | undefined;
  categoryId?: string | null | undefined;
  tags?: string[] | undefined;
  customFields?: Record<string, unknown> | undefined;
  followUpOfId?: string | undefined;
};

export type CreateCaseResult = { case: CaseView; duplicate: boolean };

export async function createCase(ctx: ServiceContext, input: CreateCaseInput, actor: Actor): Promise<CreateCaseResult> {
  assertPermission(actor, 'cases.work');
  const attachments = await putFiles(fileStoreOf(ctx), input.message?.uploads);
  const withFiles = attachments && input.message ? { ...input, message: { ...input.message, attachments } } : input;
  const item = { input: withFiles, actor: eventActorOf(actor) };
  // Inside a caller's transaction the case joins it; otherwise it rides the next intake batch.
  if (ctx.db.isTransaction) return createCaseTx(ctx.db, ctx.clock.now(), item.input, item.actor);
  return caseIntakeOf(ctx).submit(item);
}

// One intake batcher per database (the app's pool): new cases from concurrent requests share
// transactions, one batch at a time. Two at a time on a server pool were slower (bench ingest,
// 50 connections: 534-612 against 609-714 cases/s, and more CPU per case on both sides): the
// second batch waits on the team cursors' row locks that the first holds to its commit, and the
// batches are half the size, so each statement is shared by fewer cases.
const intakes = new WeakMap<object, WeakMap<object, Batcher<CaseToCreate, CreateCaseResult>>>();
const maxIntakeBatch = 100;

/** How the intake batches have gone for this database and clock (tests, benchmarks). */
export function caseIntakeStats(ctx: ServiceContext): BatcherStats {
  return caseIntakeOf(ctx).stats();
}

function caseIntakeOf(ctx: ServiceContext): Batcher<CaseToCreate, CreateCaseResult> {
  // Keyed by database and clock: a simulation with its own clock gets its own batches.
  let byClock = intakes.get(ctx.db);
  if (!byClock) intakes.set(ctx.db, (byClock = new WeakMap()));
  let intake = byClock.get(ctx.clock);
  if (!intake) {
    const { db, clock } = ctx;
    intake = createBatcher({
      maxBatch: maxIntakeBatch,
      concurrency: 1,
      runBatch: (take) => inTransaction(db, (trx) => createCasesTx(trx, clock.now(), take())),
      runOne: (item) => inTransaction(db, (trx) => createCaseTx(trx, clock.now(), item.input, item.actor)),
    });
    byClock.set(clock, intake);
  }
  return intake;
}

/** Creation inside a transaction; channels call it with a customer or system actor. */
export async function createCaseTx(trx: Tx, at: Date, input: CreateCaseInput, actor: EventActor): Promise<CreateCaseResult> {
  return (await createCasesTx(trx, at, [{ input, actor }]))[0]!;
}

export type CaseToCreate = { input: CreateCaseInput; actor: EventActor };

type Prepared = {
  item: CaseToCreate;
  id: string;
  channel: Channel;
  requester: CustomerRef;
  customFields: Record<string, unknown>;
  tags: string[];
  body: { text: string; html: string | null } | null;
  assigneeId: string | null;
  roundRobin: boolean;
};

/**
 * Creates cases as if one after another (numbers, round-robin turns and first contacts in the
 * order given), but in a fixed number of statements for the whole batch: at 50 concurrent
 * requests the statements, not the rows, are what an intake costs. One case is a batch of one.
 */
export async function createCasesTx(trx: Tx, at: Date, items: readonly CaseToCreate[]): Promise<CreateCaseResult[]> {
  const results: (CreateCaseResult | undefined)[] = new Array(items.length);
  const { toCreate, repeats } = await splitSeenMessages(trx, items, results);
  const prepared = await prepareCases(
    trx,
    at,
    toCreate.map((i) => items[i]!),
  );
  if (prepared.length > 0) {
    const { policies, policyIds } = await insertCaseRows(trx, at, prepared);
    const messageIds = await insertOpeningMessages(trx, at, prepared);
    const rows = await findCaseRows(
      trx,
      prepared.map((p) => p.id),
    );
    // A new case has no followers yet: one query fewer on the intake path.
    const views = prepared.map((p) => toCaseView(rows.get(p.id)!, []));
    const events = prepared.map((p, i) => creationEvents(p, views[i]!, messageIds.get(p.id), at));
    await appendCaseEvents(trx, events.flat());
    const created = new Map(views.map((v, i) => [v.id, createdCase(v, prepared[i]!.requester, policyIds[i] ?? null, events[i]!)]));
    await announceAll(trx, views, 'created', at, { created, policies });
    toCreate.forEach((itemIndex, i) => (results[itemIndex] = { case: views[i]!, duplicate: false }));
  }
  for (const [repeat, first] of repeats) results[repeat] = { case: results[first]!.case, duplicate: true };
  return results.map((r) => r!);
}

/**
 * Items whose opening message was already stored (a redelivered email, a retried chat message)
 * answer with that case; a repeat within the batch answers with its first occurrence's case.
 */
async function splitSeenMessages(
  trx: Tx,
  items: readonly CaseToCreate[],
  results: (CreateCaseResult | undefined)[],
): Promise<{ toCreate: number[]; repeats: [number, number][] }> {
  const keyOf = (item: CaseToCreate) =>
    item.input.message?.externalId ? `${item.input.channel ?? 'api'}\u0000${item.input.message.externalId}` : null;
  const external = items.filter((i) => keyOf(i) !== null);
  const seen = new Map<string, string>();
  if (external.length > 0) {
    const rows = await trx
      .selectFrom('case_messages')
      .select(['case_id', 'channel', 'external_id'])
      .where('external_id', 'in', [...new Set(external.map((i) => i.input.message!.externalId!))])
      .where('external_id', 'is not', null)
      .execute();
    for (const r of rows) seen.set(`${r.channel}\u0000${r.external_id}`, r.case_id);
  }
  const toCreate: number[] = [];
  const repeats: [number, number][] = [];
  const firstOf = new Map<string, number>();
  for (const [i, item] of items.entries()) {
    const key = keyOf(item);
    const stored = key ? seen.get(key) : undefined;
    if (stored) results[i] = { case: await loadCaseView(trx, stored), duplicate: true };
    else if (key && firstOf.has(key)) repeats.push([i, firstOf.get(key)!]);
    else {
      if (key) firstOf.set(key, i);
      toCreate.push(i);
    }
  }
  return { toCreate, repeats };
}

/** Validates every item and resolves requesters and round-robin turns; writes only first contacts. */
async function prepareCases(trx: Tx, at: Date, items: readonly CaseToCreate[]): Promise<Prepared[]> {
  if (items.length === 0) return [];
  const requesters = await resolveRequesters(trx, at, items);
  await assertCategories(
    trx,
    items.map((i) => i.input.categoryId),
  );
  await assertTeams(
    trx,
    items.map((i) => i.input.teamId),
  );
  await assertAssignees(
    trx,
    items.map((i) => i.input.assigneeId),
  );
  const prepared: Prepared[] = [];
  for (const [i, item] of items.entries()) {
    const { input } = item;
    const roundRobin = !input.assigneeId && Boolean(input.autoAssign && input.teamId);
    prepared.push({
      item,
      id: randomUUID(),
      channel: input.channel ?? 'api',
      requester: requesters[i]!,
      customFields: await validateCustomFields(trx, {}, input.customFields, false),
      tags: normaliseTags(input.tags ?? []),
      body: input.message && (input.message.body || input.message.html) ? renderBody(input.message) : null,
      assigneeId: input.assigneeId ?? null,
      roundRobin,
    });
  }
  await takeRoundRobinTurns(trx, at, prepared);
  return prepared;
}

async function resolveRequesters(trx: Tx, at: Date, items: readonly CaseToCreate[]): Promise<CustomerRef[]> {
  for (const { input } of items)
    if (!input.requesterId && !input.requester)
      throw new AppError('validation_failed', 'a case needs a requester (email or phone) or requesterId', { field: 'requester' });
  const contacts = items.filter((i) => !i.input.requesterId).map((i) => i.input.requester!);
  const found = await findOrCreateCustomers(trx, contacts, at);
  const byId = await getCustomerRefs(
    trx,
    items.flatMap((i) => (i.input.requesterId ? [i.input.requesterId] : [])),
  );
  let next = 0;
  return items.map(({ input }) => {
    if (!input.requesterId) return found[next++]!;
    const ref = byId.get(input.requesterId);
    if (!ref) throw new AppError('not_found', `customer ${input.requesterId} does not exist`);
    return ref;
  });
}

/** Round-robin within each team in item order. */
async function takeRoundRobinTurns(trx: Tx, at: Date, prepared: Prepared[]): Promise<void> {
  const waiting = prepared.filter((p) => p.roundRobin);
  const counts = new Map<string, number>();
  for (const p of waiting) counts.set(p.item.input.teamId!, (counts.get(p.item.input.teamId!) ?? 0) + 1);
  const turns = await pickRoundRobinTurns(trx, counts, at);
  for (const p of waiting) p.assigneeId = turns.get(p.item.input.teamId!)!.shift() ?? null;
}

/** The case as the intake wrote it, for the SLA and report refresh that follows (nothing read back). */
function createdCase(view: CaseView, requester: CustomerRef, slaPolicyId: string | null, events: readonly NewCaseEvent[]): CreatedCase {
  const dims = {
    teamId: view.teamId,
    assigneeId: view.assigneeId,
    channel: view.channel,
    categoryId: view.categoryId,
    priority: view.priority,
    type: view.type,
  };
  return {
    facts: {
      ...dims,
      id: view.id,
      number: String(view.number),
      version: view.version,
      status: view.status,
      tags: view.tags,
      slaPolicyId,
      tier: requester.tier,
      organisationId: requester.organisationId,
    },
    events: events.map((e) => ({ kind: e.kind, after: e.after ?? null, at: e.at })),
    forFacts: {
      ...dims,
      createdAt: new Date(view.createdAt),
      status: view.status,
      solvedAt: dateOrNull(view.solvedAt),
      firstPublicReplyAt: dateOrNull(view.firstPublicReplyAt),
      reopenCount: view.reopenCount,
      publicReplyCount: view.publicReplyCount,
      mergedIntoId: view.mergedIntoId,
      escalatedAt: dateOrNull(view.escalatedAt),
    },
  };
}

const dateOrNull = (iso: string | null) => (iso === null ? null : new Date(iso));

async function insertCaseRows(
  trx: Tx,
  at: Date,
  prepared: readonly Prepared[],
): Promise<{ policies: ActivePolicy[]; policyIds: (string | null)[] }> {
  const searchTexts = await customerSearchTexts(
    trx,
    prepared.map((p) => p.requester.id),
  );
  const policies = await loadActivePolicies(trx);
  const policyIds = await policiesForNewCases(
    trx,
    prepared.map(({ item: { input }, ...p }) => ({
      status: input.status ?? 'new',
      priority: input.priority ?? 'normal',
      type: input.type ?? 'question',
      categoryId: input.categoryId ?? null,
      channel: p.channel,
      tags: p.tags,
      teamId: input.teamId ?? null,
      assigneeId: p.assigneeId,
      tier: p.requester.tier,
      organisationId: p.requester.organisationId,
    })),
    policies,
  );
  await insertCases(trx, at, prepared, policyIds, searchTexts);
  return { policies, policyIds };
}

/**
 * One statement for the batch, its columns as arrays: the same text for any number of cases, so
 * nothing is built per value. The whole search document is written with the row: updating it
 * afterwards would add row versions and GIN index entries for nothing.
 */
async function insertCases(
  trx: Tx,
  at: Date,
  prepared: readonly Prepared[],
  policyIds: readonly (string | null)[],
  searchTexts: ReadonlyMap<string, string>,
): Promise<void> {
  const of = <T>(f: (p: Prepared, input: CreateCaseInput, i: number) => T) => prepared.map((p, i) => f(p, p.item.input, i));
  const clip = (text: string) => text.slice(0, searchTextLimit);
  const when = at.toISOString();
  await sql`insert into cases (id, sla_policy_id, search, subject, type, priority, status, channel, requester_id, team_id,
      assignee_id, category_id, tags, custom_fields, created_at, updated_at, follow_up_of_id, customer_message_count,
      last_customer_message_at)
    select id, sla_policy_id,
      setweight(to_tsvector('english'::regconfig, subject_text), 'A'::"char")
        || setweight(to_tsvector('simple'::regconfig, requester_text), 'B'::"char")
        || setweight(to_tsvector('english'::regconfig, body_text), 'C'::"char"),
      subject, type, priority, status, channel, requester_id, team_id, assignee_id, category_id,
      array(select jsonb_array_elements_text(tags)), custom_fields, ${when}::timestamptz, ${when}::timestamptz, follow_up_of_id,
      case when has_body then 1 else 0 end, case when has_body then ${when}::timestamptz end
    from unnest(${of((p) => p.id)}::uuid[], ${of((_, _i, i) => policyIds[i] ?? null)}::uuid[],
      ${of((_, input) => clip(input.subject))}::text[], ${of((p) => clip(searchTexts.get(p.requester.id) ?? ''))}::text[],
      ${of((p) => clip(p.body?.text ?? ''))}::text[], ${of((_, input) => input.subject.trim())}::text[],
      ${of((_, input) => input.type ?? 'question')}::text[], ${of((_, input) => input.priority ?? 'normal')}::text[],
      ${of((_, input) => input.status ?? 'new')}::text[], ${of((p) => p.channel)}::text[], ${of((p) => p.requester.id)}::uuid[],
      ${of((_, input) => input.teamId ?? null)}::uuid[], ${of((p) => p.assigneeId)}::uuid[],
      ${of((_, input) => input.categoryId ?? null)}::uuid[], ${of((p) => JSON.stringify(p.tags))}::jsonb[],
      ${of((p) => JSON.stringify(p.customFields))}::jsonb[], ${of((_, input) => input.followUpOfId ?? null)}::uuid[],
      ${of((p) => p.body !== null)}::boolean[])
      as c(id, sla_policy_id, subject_text, requester_text, body_text, subject, type, priority, status, channel, requester_id,
           team_id, assignee_id, category_id, tags, custom_fields, follow_up_of_id, has_body)`.execute(trx);
}

/** The customer's opening messages (with their files); answers message id by case id. */
async function insertOpeningMessages(trx: Tx, at: Date, prepared: readonly Prepared[]): Promise<Map<string, string>> {
  const withBody = prepared.filter((p) => p.body);
  const ids = new Map(withBody.map((p) => [p.id, randomUUID()]));
  if (withBody.length === 0) return ids;
  // Columns as arrays, in batch order (seq orders messages written in the same instant).
  const of = <T>(f: (p: Prepared) => T) => withBody.map(f);
  await sql`insert into case_messages (id, case_id, kind, channel, body_text, body_html, author_customer_id, external_id, created_at)
    select id, case_id, 'customer', channel, body_text, body_html, author_customer_id, external_id, ${at.toISOString()}::timestamptz
    from unnest(${of((p) => ids.get(p.id)!)}::uuid[], ${of((p) => p.id)}::uuid[], ${of((p) => p.channel)}::text[],
      ${of((p) => p.body!.text)}::text[], ${of((p) => p.body!.html)}::text[], ${of((p) => p.requester.id)}::uuid[],
      ${of((p) => p.item.input.message?.externalId ?? null)}::text[])
      with ordinality as m(id, case_id, channel, body_text, body_html, author_customer_id, external_id, position)
    order by position`.execute(trx);
  for (const p of withBody) {
    const files = p.item.input.message?.attachments;
    if (files?.length) await recordAttachments(trx, ids.get(p.id)!, files, at);
  }
  return ids;
}

function creationEvents(p: Prepared, created: CaseView, messageId: string | undefined, at: Date): NewCaseEvent[] {
  const events: NewCaseEvent[] = [
    {
      caseId: p.id,
      actor: p.item.actor,
      kind: 'created',
      after: {
        subject: created.subject,
        type: created.type,
        priority: created.priority,
        status: created.status,
        channel: p.channel,
        requesterId: p.requester.id,
        teamId: created.teamId,
        assigneeId: created.assigneeId,
        categoryId: created.categoryId,
        tags: p.tags,
        customFields: p.customFields,
      },
      at,
    },
  ];
  if (p.roundRobin && p.assigneeId)
    events.push({
      caseId: p.id,
      actor: { kind: 'system' },
      kind: 'assignment_changed',
      before: { assigneeId: null },
      after: { assigneeId: p.assigneeId, reason: 'round_robin' },
      at,
    });
  if (messageId)
    events.push({
      caseId: p.id,
      actor: { kind: 'customer', customerId: p.requester.id },
      kind: 'customer_message',
      after: { messageId, channel: p.channel },
      at,
    });
  return events;
}

// ---------------------------------------------------------------------------------------------
// Reading

export async function getCase(ctx: ServiceContext, id: string, actor: Actor): Promise<CaseView> {
  const view = await loadCaseView(ctx.db, id);
  await assertCanSeeCase(ctx.db, actor, { id, team_id: view.teamId, assignee_id: view.assigneeId });
  return view;
}

export async function listCaseMessages(ctx: ServiceContext, id: string, actor: Actor): Promise<MessageView[]> {
  await getCase(ctx, id, actor);
  const attachments = await listCaseAttachments(ctx.db, id);
  return (await listMessagesQuery(ctx.db, id, true)).map((m) => toMessageView(m, attachments));
}

export type CaseEventView = {
  id: string;
  kind: string;
  actor: { type: 'user' | 'customer' | 'system'; id: string | null; name: string | null };
  before: unknown;
  after: unknown;
  at: string;
};

export async function listCaseEvents(
  ctx: ServiceContext,
  id: string,
  input: { after?: string | undefined; limit: number },
  actor: Actor,
): Promise<CaseEventView[]> {
  await getCase(ctx, id, actor);
  const rows = await listEventsQuery(ctx.db, id, input.after, input.limit);
  return rows.map((e) => ({
    id: String(e.id),
    kind: e.kind,
    actor: {
      type: e.actor_kind,
      id: e.actor_user_id ?? e.actor_customer_id,
      name: e.actor_user_name ?? e.actor_customer_name ?? (e.actor_kind === 'system' ? 'Frontline' : null),
    },
    before: e.before,
    after: e.after,
    at: e.at.toISOString(),
  }));
}

// ---------------------------------------------------------------------------------------------
// Changing cases

export type UpdateCaseInput = {
  version: number;
  subject?: string | undefined;
  type?: CaseType | undefined;
  status?: CaseStatus | undefined;
  priority?: CasePriority | undefined;
  categoryId?: string | null | undefined;
  tags?: string[] | undefined;
  addTags?: string[] | undefined;
  removeTags?: string[] | undefined;
  teamId?: string | null | undefined;
  assigneeId?: string | null | undefined;
  customFields?: Record<string, unknown> | undefined;
};

export type LockedCase = NonNullable<Awaited<ReturnType<typeof lockCase>>>;

/** Columns to set for a status change, with the lifecycle timestamps and counters it implies. */
function statusTransition(current: LockedCase, next: CaseStatus, at: Date): { set: Record<string, unknown>; reopened: boolean } {
  if (next === current.status) return { set: {}, reopened: false };
  if (current.status === 'closed') throw new AppError('conflict', 'a closed case cannot change; a customer reply opens a follow-up case');
  if (next === 'new') throw new AppError('validation_failed', 'a case cannot go back to new', { field: 'status' });
  if (next === 'closed' && current.status !== 'solved')
    throw new AppError('validation_failed', 'only a solved case can be closed', { field: 'status' });
  const set: Record<string, unknown> = { status: next };
  let reopened = false;
  if (next === 'solved') set.solved_at = at;
  if (next === 'closed') set.closed_at = at;
  if (current.status === 'solved' && next !== 'closed') {
    reopened = true;
    set.solved_at = null;
    set.reopen_count = current.reopen_count + 1;
  }
  return { set, reopened };
}

function sameTags(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

/** Locks the case for the rest of the transaction, after checking the actor may work it. */
export async function loadLockedCase(trx: Tx, id: string, actor: Actor): Promise<LockedCase> {
  const current = await lockCase(trx, id);
  if (!current) throw new AppError('not_found', `case ${id} does not exist`);
  await assertCanWorkCase(trx, actor, current);
  return current;
}

/** Re-reads a case this transaction already locked (after changes made within it). */
export async function reloadLockedCase(trx: Tx, id: string): Promise<LockedCase> {
  const row = await lockCase(trx, id);
  if (!row) throw new AppError('not_found', `case ${id} does not exist`);
  return row;
}

export async function updateCase(ctx: ServiceContext, id: string, input: UpdateCaseInput, actor: Actor): Promise<CaseView> {
  assertPermission(actor, 'cases.work');
  return inTransaction(ctx.db, (trx) => updateCaseTx(trx, ctx.clock.now(), id, input, actor));
}

export async function updateCaseTx(trx: Tx, at: Date, id: string, input: UpdateCaseInput, actor: Actor): Promise<CaseView> {
  const current = await loadLockedCase(trx, id, actor);
  if (current.version !== input.version) {
    throw new AppError('conflict', 'the case changed since you loaded it; reload and try again', {
      currentVersion: current.version,
      yourVersion: input.version,
    });
  }
  if (current.status === 'closed') throw new AppError('conflict', 'a closed case cannot change; a customer reply opens a follow-up case');
  const ev = eventActorOf(actor);
  const set: Record<string, unknown> = {};
  const events: { kind: CaseEventKind; before: unknown; after: unknown }[] = [];

  const change = <K extends keyof LockedCase>(column: K, next: LockedCase[K] | undefined, kind: CaseEventKind, field: string) => {
    if (next === undefined || next === current[column]) return;
    set[column as string] = next;
    events.push({ kind, before: { [field]: current[column] }, after: { [field]: next } });
  };
  if (input.subject !== undefined) change('subject', input.subject.trim(), 'subject_changed', 'subject');
  change('type', input.type, 'type_changed', 'type');
  change('priority', input.priority, 'priority_changed', 'priority');
  if (input.categoryId !== undefined && input.categoryId !== current.category_id) {
    await assertCategory(trx, input.categoryId);
    change('category_id', input.categoryId, 'category_changed', 'categoryId');
  }

  const tags = input.tags !== undefined ? normaliseTags(input.tags) : [...current.tags];
  for (const t of normaliseTags(input.addTags ?? [])) if (!tags.includes(t)) tags.push(t);
  const removing = new Set(normaliseTags(input.removeTags ?? []));
  const nextTags = normaliseTags(tags).filter((t) => !removing.has(t));
  if (!sameTags(nextTags, current.tags)) {
    set.tags = nextTags;
    events.push({ kind: 'tags_changed', before: { tags: current.tags }, after: { tags: nextTags } });
  }

  const teamChanges = input.teamId !== undefined && input.teamId !== current.team_id;
  const assigneeChanges = input.assigneeId !== undefined && input.assigneeId !== current.assignee_id;
  if (teamChanges) await assertTeam(trx, input.teamId);
  if (assigneeChanges) await assertAssignee(trx, input.assigneeId);
  if (teamChanges || assigneeChanges) {
    if (teamChanges) set.team_id = input.teamId;
    if (assigneeChanges) set.assignee_id = input.assigneeId;
    events.push({
      kind: 'assignment_changed',
      before: { teamId: current.team_id, assigneeId: current.assignee_id },
      after: { teamId: teamChanges ? input.teamId : current.team_id, assigneeId: assigneeChanges ? input.assigneeId : current.assignee_id },
    });
  }

  const solving = input.status === 'solved' && current.status !== 'solved';
  if (input.customFields !== undefined || solving) {
    const merged = await validateCustomFields(trx, current.custom_fields, input.customFields, solving);
    if (JSON.stringify(merged) !== JSON.stringify(current.custom_fields)) {
      set.custom_fields = JSON.stringify(merged);
      events.push({ kind: 'custom_fields_changed', before: { customFields: current.custom_fields }, after: { customFields: merged } });
    }
  }

  let reopened = false;
  if (input.status !== undefined && input.status !== current.status) {
    const t = statusTransition(current, input.status, at);
    Object.assign(set, t.set);
    reopened = t.reopened;
    events.push({ kind: 'status_changed', before: { status: current.status }, after: { status: input.status } });
  }

  if (Object.keys(set).length === 0) return loadCaseView(trx, id);
  const updated = await trx
    .updateTable('cases')
    .set({ ...set, version: current.version + 1, updated_at: at })
    .where('id', '=', id)
    .where('version', '=', current.version)
    .returning('id')
    .executeTakeFirst();
  if (!updated) throw new AppError('conflict', 'the case changed since you loaded it; reload and try again');
  for (const e of events) await appendCaseEvent(trx, { caseId: id, actor: ev, kind: e.kind, before: e.before, after: e.after, at });
  if (reopened)
    await appendCaseEvent(trx, {
      caseId: id,
      actor: ev,
      kind: 'reopened',
      after: { reopenCount: current.reopen_count + 1, by: 'agent' },
      at,
    });
  if (input.subject !== undefined && set.subject !== undefined) await rebuildSearch(trx, id);
  const view = await loadCaseView(trx, id);
  await announce(trx, view, 'updated', at);
  return view;
}

// ---------------------------------------------------------------------------------------------
// The conversation

export type AddMessageInput = MessageBody & {
  kind: MessageKind;
  /** Status to set with a reply or note (e.g. reply and set pending) in the same change. */
  status?: CaseStatus | undefined;
  channel?: Channel | undefined;
  externalId?: string | undefined;
  /** Expected case version; optional for messages, which do not overwrite fields. */
  version?: number | undefined;
};

export type AddMessageResult = { case: CaseView; message: MessageView; duplicate: boolean; followUpCreated: boolean };

export async function addMessage(ctx: ServiceContext, caseId: string, input: AddMessageInput, actor: Actor): Promise<AddMessageResult> {
  assertPermission(actor, 'cases.work');
  const attachments = await putFiles(fileStoreOf(ctx), input.uploads);
  return inTransaction(ctx.db, async (trx) => {
    const current = await loadLockedCase(trx, caseId, actor);
    return addMessageTx(trx, ctx.clock.now(), current, attachments ? { ...input, attachments } : input, actor);
  });
}

/** The message and its lifecycle effects; the case row is already locked. */
export async function addMessageTx(
  trx: Tx,
  at: Date,
  current: LockedCase,
  input: AddMessageInput,
  actor: Actor,
): Promise<AddMessageResult> {
  const channel = input.channel ?? (input.kind === 'customer' ? current.channel : 'internal');
  if (input.externalId) {
    const seen = await findMessageByExternalId(trx, channel, input.externalId);
    if (seen) {
      const message = await loadMessageView(trx, seen.case_id, seen.id);
      return { case: await loadCaseView(trx, seen.case_id), message, duplicate: true, followUpCreated: false };
    }
  }
  if (input.version !== undefined && input.version !== current.version) {
    throw new AppError('conflict', 'the case changed since you loaded it; reload and try again', {
      currentVersion: current.version,
      yourVersion: input.version,
    });
  }
  const body = renderBody(input);

  if (input.kind === 'customer')
    return addCustomerMessageTx(trx, at, current, { body, channel, externalId: input.externalId, attachments: input.attachments });
  if (current.status === 'closed') throw new AppError('conflict', 'a closed case cannot change; a customer reply opens a follow-up case');

  const ev = eventActorOf(actor);
  const isReply = input.kind === 'reply';
  const set: Record<string, unknown> = {};
  let nextStatus = input.status;
  if (isReply) {
    set.public_reply_count = current.public_reply_count + 1;
    set.last_public_reply_at = at;
    if (!current.first_public_reply_at) set.first_public_reply_at = at;
    if (nextStatus === undefined && current.status === 'new') nextStatus = 'open';
  }
  let reopened = false;
  if (nextStatus !== undefined && nextStatus !== current.status) {
    if (nextStatus === 'solved') await validateCustomFields(trx, current.custom_fields, undefined, true);
    const t = statusTransition(current, nextStatus, at);
    Object.assign(set, t.set);
    reopened = t.reopened;
  }
  const message = await insertMessage(trx, {
    caseId: current.id,
    kind: input.kind,
    channel,
    body,
    attachments: input.attachments,
    authorUserId: actor.via === 'system' ? null : actor.userId,
    externalId: input.externalId,
    at,
  });
  await trx
    .updateTable('cases')
    .set({ ...set, search: searchWithMessage(body.text), version: current.version + 1, updated_at: at })
    .where('id', '=', current.id)
    .execute();
  await appendCaseEvent(trx, {
    caseId: current.id,
    actor: ev,
    kind: isReply ? 'public_reply' : 'internal_note',
    after: { messageId: message.id, channel },
    at,
  });
  // An email case's reply goes out by email, from the outbox, once this transaction commits.
  if (isReply) await queueReplyEmail(trx, { caseId: current.id, messageId: message.id, bodyText: body.text, bodyHtml: body.html }, at);
  if (nextStatus !== undefined && nextStatus !== current.status) {
    await appendCaseEvent(trx, {
      caseId: current.id,
      actor: ev,
      kind: 'status_changed',
      before: { status: current.status },
      after: { status: nextStatus },
      at,
    });
  }
  if (reopened)
    await appendCaseEvent(trx, {
      caseId: current.id,
      actor: ev,
      kind: 'reopened',
      after: { reopenCount: current.reopen_count + 1, by: 'agent' },
      at,
    });
  const view = await loadCaseView(trx, current.id);
  await announce(trx, view, isReply ? 'public_reply' : 'internal_note', at);
  return { case: view, message, duplicate: false, followUpCreated: false };
}

/**
 * A customer wrote: to a closed case this opens a linked follow-up case; to a solved case it
 * reopens it; to a pending case (waiting on the customer) it makes it open again.
 */
async function addCustomerMessageTx(
  trx: Tx,
  at: Date,
  current: LockedCase,
  m: {
    body: { text: string; html: string | null };
    channel: Channel;
    externalId?: string | undefined;
    attachments?: AttachmentInput[] | undefined;
  },
): Promise<AddMessageResult> {
  const customer: EventActor = { kind: 'customer', customerId: current.requester_id };
  if (current.status === 'closed') {
    const followUp = await createCaseTx(
      trx,
      at,
      {
        subject: current.subject,
        type: current.type,
        priority: current.priority,
        channel: m.channel,
        requesterId: current.requester_id,
        teamId: current.team_id,
        assigneeId: current.assignee_id,
        categoryId: current.category_id,
        tags: current.tags,
        followUpOfId: current.id,
        message: { body: m.body.text, ...(m.body.html ? { html: m.body.html } : {}), attachments: m.attachments, externalId: m.externalId },
      },
      customer,
    );
    await trx
      .insertInto('case_links')
      .values([
        { case_id: followUp.case.id, other_case_id: current.id, kind: 'follow_up_of' },
        { case_id: current.id, other_case_id: followUp.case.id, kind: 'related' },
      ])
      .onConflict((oc) => oc.doNothing())
      .execute();
    await appendCaseEvent(trx, {
      caseId: current.id,
      actor: customer,
      kind: 'follow_up_created',
      after: { followUpCaseId: followUp.case.id, number: followUp.case.number },
      at,
    });
    const messages = await listMessagesQuery(trx, followUp.case.id, true);
    const message = await loadMessageView(trx, followUp.case.id, messages[messages.length - 1]!.id);
    return { case: followUp.case, message, duplicate: false, followUpCreated: true };
  }

  const set: Record<string, unknown> = {
    customer_message_count: current.customer_message_count + 1,
    last_customer_message_at: at,
  };
  const reopens = current.status === 'solved';
  const resumes = current.status === 'pending';
  if (reopens) {
    set.status = 'open';
    set.solved_at = null;
    set.reopen_count = current.reopen_count + 1;
  } else if (resumes) set.status = 'open';
  const message = await insertMessage(trx, {
    caseId: current.id,
    kind: 'customer',
    channel: m.channel,
    body: m.body,
    attachments: m.attachments,
    authorCustomerId: current.requester_id,
    externalId: m.externalId,
    at,
  });
  await trx
    .updateTable('cases')
    .set({ ...set, search: searchWithMessage(m.body.text), version: current.version + 1, updated_at: at })
    .where('id', '=', current.id)
    .execute();
  await appendCaseEvent(trx, {
    caseId: current.id,
    actor: customer,
    kind: 'customer_message',
    after: { messageId: message.id, channel: m.channel },
    at,
  });
  if (reopens || resumes) {
    await appendCaseEvent(trx, {
      caseId: current.id,
      actor: customer,
      kind: 'status_changed',
      before: { status: current.status },
      after: { status: 'open' },
      at,
    });
  }
  if (reopens)
    await appendCaseEvent(trx, {
      caseId: current.id,
      actor: customer,
      kind: 'reopened',
      after: { reopenCount: current.reopen_count + 1, by: 'customer' },
      at,
    });
  const view = await loadCaseView(trx, current.id);
  await announce(trx, view, 'customer_message', at);
  return { case: view, message, duplicate: false, followUpCreated: false };
}

/**
 * A message a machine sent from the customer's side (an auto-reply, a bounce, bulk mail): it is
 * kept in the conversation, but it is not the customer speaking, so it changes no status (a solved
 * case stays solved, a closed one gets no follow-up) and counts in no customer-message figure.
 * The channel decides what is automated; a bounce has no customer author.
 */
export async function addAutomatedMessageTx(
  trx: Tx,
  at: Date,
  current: LockedCase,
  m: MessageBody & { channel: Channel; externalId?: string | undefined; authorCustomerId: string | null; reason: string },
): Promise<AddMessageResult> {
  const body = renderBody(m);
  const message = await insertMessage(trx, {
    caseId: current.id,
    kind: 'customer',
    channel: m.channel,
    body,
    attachments: m.attachments,
    authorCustomerId: m.authorCustomerId,
    externalId: m.externalId,
    at,
  });
  await trx
    .updateTable('cases')
    .set({ search: searchWithMessage(body.text), version: current.version + 1, updated_at: at })
    .where('id', '=', current.id)
    .execute();
  await appendCaseEvent(trx, {
    caseId: current.id,
    actor: m.authorCustomerId ? { kind: 'customer', customerId: m.authorCustomerId } : { kind: 'system' },
    kind: 'automated_message',
    after: { messageId: message.id, channel: m.channel, reason: m.reason },
    at,
  });
  const view = await loadCaseView(trx, current.id);
  await announce(trx, view, 'automated_message', at);
  return { case: view, message, duplicate: false, followUpCreated: false };
}

// ---------------------------------------------------------------------------------------------
// Followers and automatic assignment

export async function setFollower(
  ctx: ServiceContext,
  caseId: string,
  input: { userId: string; follow: boolean },
  actor: Actor,
): Promise<CaseView> {
  assertPermission(actor, 'cases.work');
  const at = ctx.clock.now();
  return inTransaction(ctx.db, async (trx) => {
    const current = await loadLockedCase(trx, caseId, actor);
    const user = await trx.selectFrom('users').select(['id', 'active']).where('id', '=', input.userId).executeTakeFirst();
    if (!user || !user.active)
      throw new AppError('validation_failed', `user ${input.userId} does not exist or is deactivated`, { field: 'userId' });
    const changed = input.follow
      ? (
          await trx
            .insertInto('case_followers')
            .values({ case_id: caseId, user_id: input.userId, created_at: at })
            .onConflict((oc) => oc.doNothing())
            .executeTakeFirst()
        ).numInsertedOrUpdatedRows
      : (await trx.deleteFrom('case_followers').where('case_id', '=', caseId).where('user_id', '=', input.userId).executeTakeFirst())
          .numDeletedRows;
    if (Number(changed ?? 0) === 0) return loadCaseView(trx, caseId);
    await trx
      .updateTable('cases')
      .set({ version: current.version + 1, updated_at: at })
      .where('id', '=', caseId)
      .execute();
    await appendCaseEvent(trx, {
      caseId,
      actor: eventActorOf(actor),
      kind: input.follow ? 'follower_added' : 'follower_removed',
      after: { userId: input.userId },
      at,
    });
    const view = await loadCaseView(trx, caseId);
    await announce(trx, view, 'updated', at);
    return view;
  });
}

/** Assigns by round-robin within the case's team (or the given team). */
export async function autoAssignCase(
  ctx: ServiceContext,
  caseId: string,
  input: { teamId?: string | undefined },
  actor: Actor,
): Promise<CaseView> {
  assertPermission(actor, 'cases.work');
  const at = ctx.clock.now();
  return inTransaction(ctx.db, async (trx) => {
    const current = await loadLockedCase(trx, caseId, actor);
    const teamId = input.teamId ?? current.team_id;
    if (!teamId) throw new AppError('validation_failed', 'the case has no team to assign within; give teamId', { field: 'teamId' });
    await assertTeam(trx, teamId);
    const assigneeId = await pickRoundRobinAssignee(trx, teamId, at);
    if (!assigneeId) throw new AppError('conflict', 'nobody in the team is available to take the case');
    return updateCaseTx(trx, at, caseId, { version: current.version, teamId, assigneeId }, actor);
  });
}
