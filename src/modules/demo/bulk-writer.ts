// Stores what bulk-history.ts replayed: a batch of cases with their customers, messages, events,
// department requests, SLA targets and alerts, notifications and report facts, each table in one
// INSERT … SELECT FROM unnest(…) (a handful of statements per thousands of cases, on PGlite and
// PostgreSQL alike), then once at the end the rollups from the facts, the sequences, the norms.
import { sql, type RawBuilder } from 'kysely';
import type { ServiceContext, Tx } from '../../lib/context.js';
import { customerSearchTexts } from '../customers/customers.service.js';
import { searchTextLimit } from '../cases/cases.queries.js';
import { recomputeHandlingNorms } from '../sla/handling-time.js';
import type { CaseRecord, EventRow, MessageRow, NotificationRow, RequestEventRow, RequestRecord } from './bulk-history.js';
import { nextDaily } from './simulation.js';

type Input<R> = { alias: string; type: string; value: (row: R) => unknown };
type Output = { column: string; expr?: RawBuilder<unknown> };

const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));

/** One statement for all rows: each input an array parameter, unnested in the rows' order (ids follow it). */
async function insertUnnest<R>(trx: Tx, table: string, inputs: Input<R>[], outputs: Output[], rows: readonly R[]): Promise<void> {
  if (rows.length === 0) return;
  const arrays = inputs.map((i) => sql`${rows.map(i.value)}::${sql.raw(i.type)}[]`);
  const aliases = sql.raw([...inputs.map((i) => i.alias), 'ord'].join(', '));
  const columns = sql.join(outputs.map((o) => sql.ref(o.column)));
  const values = sql.join(outputs.map((o) => o.expr ?? sql.ref(`u.${o.column}`)));
  await sql`insert into ${sql.table(table)} (${columns})
    select ${values} from unnest(${sql.join(arrays)}) with ordinality as u(${aliases}) order by u.ord`.execute(trx);
}

const same = (...columns: string[]): Output[] => columns.map((column) => ({ column }));
const asJson = (column: string): Output => ({ column, expr: sql`${sql.ref(`u.${column}`)}::jsonb` });

async function insertCustomers(trx: Tx, cases: readonly CaseRecord[]): Promise<void> {
  const created = cases.flatMap((c) => (c.newCustomer ? [c.newCustomer] : []));
  await insertUnnest(
    trx,
    'customers',
    [
      { alias: 'id', type: 'uuid', value: (c) => c.id },
      { alias: 'name', type: 'text', value: (c) => c.name },
      { alias: 'created_at', type: 'timestamptz', value: (c) => c.at },
      { alias: 'updated_at', type: 'timestamptz', value: (c) => c.at },
    ],
    same('id', 'name', 'created_at', 'updated_at'),
    created,
  );
  const identities = created.flatMap((c) => c.identities.map(([kind, value]) => ({ id: c.id, kind, value, at: c.at })));
  await insertUnnest(
    trx,
    'customer_identities',
    [
      { alias: 'customer_id', type: 'uuid', value: (i) => i.id },
      { alias: 'kind', type: 'text', value: (i) => i.kind },
      { alias: 'value', type: 'text', value: (i) => i.value },
      { alias: 'created_at', type: 'timestamptz', value: (i) => i.at },
    ],
    same('customer_id', 'kind', 'value', 'created_at'),
    identities,
  );
  await insertUnnest(
    trx,
    'customer_events',
    [
      { alias: 'customer_id', type: 'uuid', value: (c) => c.id },
      { alias: 'after', type: 'text', value: (c) => json(c.contact) },
      { alias: 'at', type: 'timestamptz', value: (c) => c.at },
    ],
    [...same('customer_id', 'at'), { column: 'kind', expr: sql`'created'` }, asJson('after')],
    created,
  );
}

/** The search document as the services build it: subject (A), requester (B), then each message (C) appended. */
function searchExpression(): RawBuilder<unknown> {
  return sql`setweight(to_tsvector('english', left(u.subject_text, ${searchTextLimit})), 'A')
    || setweight(to_tsvector('simple', left(u.requester_text, ${searchTextLimit})), 'B')
    || coalesce((select frontline_tsvector_agg(setweight(to_tsvector('english', left(m.body, ${searchTextLimit})), 'C') order by m.n)
                 from unnest(u.bodies::text[]) with ordinality as m(body, n)), ''::tsvector)`;
}

async function insertCases(trx: Tx, cases: readonly CaseRecord[]): Promise<void> {
  const requesterTexts = await customerSearchTexts(
    trx,
    cases.map((c) => c.requesterId),
  );
  const bodies = (c: CaseRecord) => `{${c.messages.map((m) => `"${m.body.replace(/["\\]/g, (x) => `\\${x}`)}"`).join(',')}}`;
  const columns: Input<CaseRecord>[] = [
    { alias: 'id', type: 'uuid', value: (c) => c.id },
    { alias: 'number', type: 'bigint', value: (c) => c.number },
    { alias: 'subject', type: 'text', value: (c) => c.subject },
    { alias: 'subject_text', type: 'text', value: (c) => c.subject },
    { alias: 'requester_text', type: 'text', value: (c) => requesterTexts.get(c.requesterId) ?? '' },
    // Each case's message bodies as one array literal, unnested again for its search document.
    { alias: 'bodies', type: 'text', value: bodies },
    { alias: 'type', type: 'text', value: (c) => c.type },
    { alias: 'status', type: 'text', value: (c) => c.status },
    { alias: 'priority', type: 'text', value: (c) => c.priority },
    { alias: 'category_id', type: 'uuid', value: (c) => c.categoryId },
    { alias: 'tags', type: 'text', value: (c) => json(c.tags) },
    { alias: 'channel', type: 'text', value: (c) => c.channel },
    { alias: 'requester_id', type: 'uuid', value: (c) => c.requesterId },
    { alias: 'team_id', type: 'uuid', value: (c) => c.teamId },
    { alias: 'assignee_id', type: 'uuid', value: (c) => c.assigneeId },
    { alias: 'version', type: 'int', value: (c) => c.version },
    { alias: 'created_at', type: 'timestamptz', value: (c) => c.createdAt },
    { alias: 'updated_at', type: 'timestamptz', value: (c) => c.updatedAt },
    { alias: 'first_public_reply_at', type: 'timestamptz', value: (c) => c.firstPublicReplyAt },
    { alias: 'last_customer_message_at', type: 'timestamptz', value: (c) => c.lastCustomerMessageAt },
    { alias: 'last_public_reply_at', type: 'timestamptz', value: (c) => c.lastPublicReplyAt },
    { alias: 'solved_at', type: 'timestamptz', value: (c) => c.solvedAt },
    { alias: 'closed_at', type: 'timestamptz', value: (c) => c.closedAt },
    { alias: 'reopen_count', type: 'int', value: (c) => c.reopenCount },
    { alias: 'public_reply_count', type: 'int', value: (c) => c.publicReplyCount },
    { alias: 'customer_message_count', type: 'int', value: (c) => c.customerMessageCount },
    { alias: 'sla_policy_id', type: 'uuid', value: (c) => c.slaPolicyId },
    { alias: 'escalated_at', type: 'timestamptz', value: (c) => c.escalatedAt },
    { alias: 'escalation_reason', type: 'text', value: (c) => c.escalationReason },
  ];
  const plain = columns.map((c) => c.alias).filter((a) => !['subject_text', 'requester_text', 'bodies', 'tags'].includes(a));
  await insertUnnest(
    trx,
    'cases',
    columns,
    [
      ...same(...plain),
      // Tags travel as JSON text: unnest would flatten an array of arrays.
      { column: 'tags', expr: sql`array(select jsonb_array_elements_text(u.tags::jsonb))` },
      { column: 'custom_fields', expr: sql`'{}'::jsonb` },
      { column: 'search', expr: searchExpression() },
    ],
    cases,
  );
}

async function insertMessages(trx: Tx, messages: readonly MessageRow[]): Promise<void> {
  await insertUnnest(
    trx,
    'case_messages',
    [
      { alias: 'id', type: 'uuid', value: (m) => m.id },
      { alias: 'case_id', type: 'uuid', value: (m) => m.caseId },
      { alias: 'kind', type: 'text', value: (m) => m.kind },
      { alias: 'channel', type: 'text', value: (m) => m.channel },
      { alias: 'author_user_id', type: 'uuid', value: (m) => m.authorUserId },
      { alias: 'author_customer_id', type: 'uuid', value: (m) => m.authorCustomerId },
      { alias: 'body_text', type: 'text', value: (m) => m.body },
      { alias: 'created_at', type: 'timestamptz', value: (m) => m.at },
    ],
    same('id', 'case_id', 'kind', 'channel', 'author_user_id', 'author_customer_id', 'body_text', 'created_at'),
    messages,
  );
}

async function insertEvents(trx: Tx, events: readonly EventRow[]): Promise<void> {
  await insertUnnest(
    trx,
    'case_events',
    [
      { alias: 'case_id', type: 'uuid', value: (e) => e.caseId },
      { alias: 'actor_kind', type: 'text', value: (e) => e.actor.kind },
      { alias: 'actor_user_id', type: 'uuid', value: (e) => (e.actor.kind === 'user' ? e.actor.userId : null) },
      { alias: 'actor_customer_id', type: 'uuid', value: (e) => (e.actor.kind === 'customer' ? e.actor.customerId : null) },
      { alias: 'kind', type: 'text', value: (e) => e.kind },
      { alias: 'before', type: 'text', value: (e) => json(e.before) },
      { alias: 'after', type: 'text', value: (e) => json(e.after) },
      { alias: 'at', type: 'timestamptz', value: (e) => e.at },
    ],
    [...same('case_id', 'actor_kind', 'actor_user_id', 'actor_customer_id', 'kind', 'at'), asJson('before'), asJson('after')],
    events,
  );
}

async function insertRequests(trx: Tx, requests: readonly RequestRecord[]): Promise<void> {
  await insertUnnest(
    trx,
    'department_requests',
    [
      { alias: 'id', type: 'uuid', value: (r) => r.id },
      { alias: 'number', type: 'bigint', value: (r) => r.number },
      { alias: 'case_id', type: 'uuid', value: (r) => r.caseId },
      { alias: 'department_id', type: 'uuid', value: (r) => r.departmentId },
      { alias: 'request_type', type: 'text', value: (r) => r.requestType },
      { alias: 'question', type: 'text', value: (r) => r.question },
      { alias: 'status', type: 'text', value: (r) => (r.answeredAt ? 'answered' : 'open') },
      { alias: 'assignee_id', type: 'uuid', value: (r) => r.answeredBy },
      { alias: 'requested_by_id', type: 'uuid', value: (r) => r.requestedById },
      { alias: 'ola_minutes', type: 'int', value: (r) => r.olaMinutes },
      { alias: 'ola_business_hours', type: 'boolean', value: (r) => r.olaBusinessHours },
      { alias: 'created_at', type: 'timestamptz', value: (r) => r.createdAt },
      { alias: 'due_at', type: 'timestamptz', value: (r) => r.dueAt },
      { alias: 'first_response_at', type: 'timestamptz', value: (r) => r.answeredAt },
      { alias: 'completed_at', type: 'timestamptz', value: (r) => r.answeredAt },
      { alias: 'answer', type: 'text', value: (r) => r.answer },
      { alias: 'remind_at', type: 'timestamptz', value: (r) => r.remindAt },
      { alias: 'reminded_at', type: 'timestamptz', value: (r) => r.remindedAt },
      { alias: 'escalated_at', type: 'timestamptz', value: (r) => r.escalatedAt },
      { alias: 'version', type: 'int', value: (r) => (r.answeredAt ? 2 : 1) },
      { alias: 'updated_at', type: 'timestamptz', value: (r) => r.answeredAt ?? r.createdAt },
    ],
    [
      ...same(
        'id',
        'number',
        'case_id',
        'department_id',
        'request_type',
        'question',
        'status',
        'assignee_id',
        'requested_by_id',
        'ola_minutes',
        'ola_business_hours',
        'created_at',
        'due_at',
        'first_response_at',
        'completed_at',
        'answer',
        'remind_at',
        'reminded_at',
        'escalated_at',
        'version',
        'updated_at',
      ),
    ],
    requests,
  );
  const events: RequestEventRow[] = requests.flatMap((r) => [...r.events].sort((a, b) => a.at.getTime() - b.at.getTime()));
  await insertUnnest(
    trx,
    'department_request_events',
    [
      { alias: 'request_id', type: 'uuid', value: (e) => e.requestId },
      { alias: 'actor_user_id', type: 'uuid', value: (e) => e.actorUserId },
      { alias: 'kind', type: 'text', value: (e) => e.kind },
      { alias: 'body', type: 'text', value: (e) => e.body },
      { alias: 'data', type: 'text', value: (e) => json(e.data) },
      { alias: 'at', type: 'timestamptz', value: (e) => e.at },
    ],
    [...same('request_id', 'actor_user_id', 'kind', 'body', 'at'), asJson('data')],
    events,
  );
}

async function insertSla(trx: Tx, cases: readonly CaseRecord[], end: Date): Promise<void> {
  const alerts = cases.flatMap((c) => c.alerts.map((a) => ({ ...a, caseId: c.id })));
  await insertUnnest(
    trx,
    'sla_alerts',
    [
      { alias: 'case_id', type: 'uuid', value: (a) => a.caseId },
      { alias: 'target', type: 'text', value: (a) => a.target },
      { alias: 'cycle_started_at', type: 'timestamptz', value: (a) => a.cycleStartedAt },
      { alias: 'alert', type: 'text', value: (a) => a.alert },
      { alias: 'due_at', type: 'timestamptz', value: (a) => a.dueAt },
      { alias: 'raised_at', type: 'timestamptz', value: (a) => a.raisedAt },
    ],
    same('case_id', 'target', 'cycle_started_at', 'alert', 'due_at', 'raised_at'),
    alerts,
  );
  const targets = cases.flatMap((c) => c.targets.map((t) => ({ ...t, caseId: c.id })));
  await insertUnnest(
    trx,
    'case_sla_targets',
    [
      { alias: 'case_id', type: 'uuid', value: (t) => t.caseId },
      { alias: 'target', type: 'text', value: (t) => t.target },
      { alias: 'policy_id', type: 'uuid', value: (t) => t.policyId },
      { alias: 'state', type: 'text', value: (t) => t.state },
      { alias: 'cycle_started_at', type: 'timestamptz', value: (t) => t.cycleStartedAt },
      { alias: 'due_at', type: 'timestamptz', value: (t) => t.dueAt },
      { alias: 'achieved_at', type: 'timestamptz', value: (t) => t.achievedAt },
      { alias: 'target_minutes', type: 'float8', value: (t) => t.targetMinutes },
      { alias: 'business_hours', type: 'boolean', value: (t) => t.businessHours },
      { alias: 'remaining_minutes', type: 'float8', value: (t) => t.remainingMinutes },
      { alias: 'next_alert_at', type: 'timestamptz', value: (t) => t.nextAlertAt },
      { alias: 'evaluated_at', type: 'timestamptz', value: () => end },
    ],
    same(
      'case_id',
      'target',
      'policy_id',
      'state',
      'cycle_started_at',
      'due_at',
      'achieved_at',
      'target_minutes',
      'business_hours',
      'remaining_minutes',
      'next_alert_at',
      'evaluated_at',
    ),
    targets,
  );
}

async function insertNotifications(trx: Tx, notifications: readonly NotificationRow[]): Promise<void> {
  // One row per distinct user, as notifyUsers writes them.
  const rows = notifications.flatMap((n) => [...new Set(n.userIds)].map((userId) => ({ n, userId })));
  await insertUnnest(
    trx,
    'notifications',
    [
      { alias: 'user_id', type: 'uuid', value: (r) => r.userId },
      { alias: 'kind', type: 'text', value: (r) => r.n.kind },
      { alias: 'case_id', type: 'uuid', value: (r) => r.n.caseId },
      { alias: 'title', type: 'text', value: (r) => r.n.title },
      { alias: 'data', type: 'text', value: (r) => json(r.n.data) },
      { alias: 'created_at', type: 'timestamptz', value: (r) => r.n.at },
    ],
    [...same('user_id', 'kind', 'case_id', 'title', 'created_at'), asJson('data')],
    rows,
  );
}

async function insertFacts(trx: Tx, cases: readonly CaseRecord[], end: Date): Promise<void> {
  await insertUnnest(
    trx,
    'case_metric_facts',
    [
      { alias: 'case_id', type: 'uuid', value: (c) => c.id },
      { alias: 'facts', type: 'text', value: (c) => json(c.facts) },
      { alias: 'updated_at', type: 'timestamptz', value: () => end },
    ],
    [...same('case_id', 'updated_at'), asJson('facts')],
    cases,
  );
}

/** One batch of replayed cases, in one transaction. */
export async function writeCaseBatch(trx: Tx, cases: readonly CaseRecord[], end: Date): Promise<void> {
  // Keeping the unnested rows in order is a sort of the whole batch; in memory, not in temporary files.
  await sql`set local work_mem = '64MB'`.execute(trx);
  await insertCustomers(trx, cases);
  await insertCases(trx, cases);
  await insertMessages(
    trx,
    cases.flatMap((c) => c.messages),
  );
  const requests = cases.flatMap((c) => c.requests);
  await insertRequests(trx, requests);
  await insertEvents(
    trx,
    cases.flatMap((c) => c.events),
  );
  await insertSla(trx, cases, end);
  await insertNotifications(
    trx,
    cases.flatMap((c) => c.notifications),
  );
  await insertFacts(trx, cases, end);
}

/** The first number a sequence will give, without taking it. */
export async function peekSequence(db: Tx, name: string): Promise<number> {
  const { rows } = await sql<{ last_value: string; is_called: boolean }>`select last_value, is_called from ${sql.table(name)}`.execute(db);
  const r = rows[0]!;
  return Number(r.last_value) + (r.is_called ? 1 : 0);
}

/** The sequence goes on after the numbers the bulk path gave, as if nextval had given them. */
export async function advanceSequence(db: Tx, name: string, lastUsed: number): Promise<void> {
  await sql`select setval(${name}::regclass, ${lastUsed})`.execute(db);
}

/** The nightly norms as the last run before the end of the history computed them (at 02:17 UTC). */
export async function recomputeNormsAsOf(ctx: ServiceContext, end: Date): Promise<void> {
  const lastRun = nextDaily(end.getTime() - 86_400_000 + 1, 2, 17);
  await recomputeHandlingNorms({ ...ctx, clock: { now: () => new Date(lastRun) } });
}
