// Case lists: the filter language shared by GET /api/cases and saved views, turned into SQL on
// `cases as c` (always inside the caller's case scope); sorting with opaque keyset cursors; exact
// counts; and full-text search over subject, requester and conversation with ranks and snippets.
import { CompiledQuery, sql, type Expression, type ExpressionBuilder, type RawBuilder, type SqlBool } from 'kysely';
import { z } from 'zod';
import type { CasePriority, CaseStatus, CaseType, Channel, DB } from '../../db/schema.js';
import type { ServiceContext, Tx } from '../../lib/context.js';
import { AppError } from '../../lib/errors.js';
import type { Actor } from '../auth/permissions.js';
import { hasPermission } from '../auth/permissions.js';
import { caseScopeFilter, loadCaseScope, type CaseScope } from './case-access.js';
import { normaliseTags } from './case-fields.js';
import { searchTextLimit } from './cases.queries.js';

// ---------------------------------------------------------------------------------------------
// The filter language

export const caseStatuses = ['new', 'open', 'pending', 'on_hold', 'solved', 'closed'] as const satisfies readonly CaseStatus[];
export const casePriorities = ['low', 'normal', 'high', 'urgent'] as const satisfies readonly CasePriority[];
export const caseTypes = ['question', 'complaint', 'service_request', 'incident'] as const satisfies readonly CaseType[];
export const caseChannels = [
  'email',
  'web',
  'portal',
  'chat',
  'phone',
  'sms',
  'messaging',
  'walk_in',
  'api',
  'internal',
] as const satisfies readonly Channel[];

export const caseSorts = [
  'updated_desc',
  'updated_asc',
  'created_desc',
  'created_asc',
  'priority_desc',
  'number_desc',
  'relevance',
] as const;
export type CaseSort = (typeof caseSorts)[number];

function areValidTags(tags: string[]): boolean {
  try {
    normaliseTags(tags);
    return true;
  } catch {
    return false;
  }
}

const Instant = z.iso.datetime({ offset: true }).describe('ISO 8601 instant');
const Days = z.number().int().min(1).max(3650);

/** Saved views store exactly this (as JSON); GET /api/cases builds it from its query string. */
export const CaseFiltersSchema = z.strictObject({
  status: z.array(z.enum(caseStatuses)).min(1).max(caseStatuses.length).optional(),
  priority: z.array(z.enum(casePriorities)).min(1).max(casePriorities.length).optional(),
  type: z.array(z.enum(caseTypes)).min(1).max(caseTypes.length).optional(),
  channel: z.array(z.enum(caseChannels)).min(1).max(caseChannels.length).optional(),
  teamId: z
    .union([z.uuid(), z.literal('none')])
    .optional()
    .describe('a team, or "none" for cases without a team'),
  assigneeId: z
    .union([z.uuid(), z.literal('me'), z.literal('none')])
    .optional()
    .describe('a user, "me" (whoever looks) or "none" (unassigned)'),
  tags: z
    .array(z.string().min(1).max(50))
    .min(1)
    .max(20)
    .refine(areValidTags, 'tags are letters, digits, _ - : . (spaces become _)')
    .optional()
    .describe('the case has every one of these tags'),
  categoryId: z.uuid().optional().describe('this category or any below it'),
  requesterId: z.uuid().optional(),
  organisationId: z.uuid().optional().describe("the requester's organisation"),
  q: z.string().trim().min(1).max(500).optional().describe('full text: words, "a phrase", -excluded, or'),
  createdFrom: Instant.optional().describe('created at or after'),
  createdTo: Instant.optional().describe('created before'),
  updatedFrom: Instant.optional().describe('last changed at or after'),
  updatedTo: Instant.optional().describe('last changed before'),
  createdWithinDays: Days.optional().describe('created in the last N days (relative, for saved views)'),
  updatedWithinDays: Days.optional().describe('last changed in the last N days (relative, for saved views)'),
  sla: z
    .enum(['breached', 'at_risk'])
    .optional()
    .describe('breached: an SLA target is past due and unmet; at_risk: one falls due within slaWithinMinutes (default 60)'),
  slaWithinMinutes: z.number().int().min(1).max(43_200).optional(),
  escalated: z.boolean().optional().describe('escalated to a manager (by hand or by an escalation rule)'),
  number: z.number().int().min(1).optional().describe('the case with this number'),
});
export type CaseFilters = z.infer<typeof CaseFiltersSchema>;

export const CaseSortSchema = z.enum(caseSorts);

// ---------------------------------------------------------------------------------------------
// Answers

export type CaseListItem = {
  id: string;
  number: number;
  subject: string;
  status: CaseStatus;
  priority: CasePriority;
  type: CaseType;
  channel: Channel;
  tags: string[];
  requester: { id: string; name: string; email: string | null };
  teamId: string | null;
  teamName: string | null;
  assigneeId: string | null;
  assigneeName: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
  /** The soonest due unmet SLA target, and whether any is already breached; null without targets. */
  sla: { nextDueAt: string | null; breached: boolean } | null;
  escalatedAt: string | null;
  /** Full-text searches only. */
  rank?: number;
  /** Full-text searches only: the matching text, HTML-escaped, with the hits in <b>…</b>. */
  snippet?: string | null;
};

/** `total` is exact up to `countCap`; past it, `totalCapped` is true and `total` is the cap ("10,000+"). */
export type CasePage = { items: CaseListItem[]; nextCursor: string | null; total: number; totalCapped: boolean };

/** Who is looking, resolved once per request: their case scope, who "me" is, and what "now" is. */
export type CaseListAccess = { scope: CaseScope; userId: string; now: Date };

export async function openCaseListAccess(ctx: ServiceContext, actor: Actor): Promise<CaseListAccess> {
  if (!hasPermission(actor, 'cases.work') && !hasPermission(actor, 'cases.read_all')) {
    throw new AppError('forbidden', `your role (${actor.role}) does not allow case lists`, { permission: 'cases.read_all' });
  }
  return { scope: await loadCaseScope(ctx.db, actor), userId: actor.userId, now: ctx.clock.now() };
}

/** The sort to use: the one asked for, else relevance for a search, else most recently changed first. */
export function resolveSort(filters: CaseFilters, asked: CaseSort | undefined): CaseSort {
  const sort = asked ?? (filters.q ? 'relevance' : 'updated_desc');
  if (sort === 'relevance' && !filters.q) throw new AppError('validation_failed', 'sort=relevance needs a search (q)', { field: 'sort' });
  return sort;
}

export type CaseListInput = { filters: CaseFilters; sort?: CaseSort | undefined; cursor?: string | undefined; limit: number };

export async function listCases(ctx: ServiceContext, input: CaseListInput, actor: Actor): Promise<CasePage> {
  const access = await openCaseListAccess(ctx, actor);
  return queryCasePage(ctx.db, access, { ...input, sort: resolveSort(input.filters, input.sort) });
}

// ---------------------------------------------------------------------------------------------
// Full-text search
//
// The case's `search` document holds the subject (weight A, english), the requester's name and
// identities (B, simple) and the messages (C, english). A word must match in either form, so each
// word becomes (english ∨ simple): "refunds" finds a stemmed "refund" in a message and
// "Jones" finds the requester's unstemmed name, even in one query ("jones refunds"). An english
// stop word ("the") is dropped as english drops it from subjects and messages.

export type SearchTerm = { text: string; phrase: boolean; negated: boolean };
/** Alternatives (or) of conjunctions (and) of terms, as websearch_to_tsquery reads them. */
export type SearchQuery = SearchTerm[][];

const maxSearchTerms = 32;

export function parseSearchQuery(q: string): SearchQuery {
  const groups: SearchTerm[][] = [[]];
  let count = 0;
  for (const m of q.matchAll(/(-?)"([^"]*)"?|(\S+)/g)) {
    if (count >= maxSearchTerms) break;
    const current = groups[groups.length - 1]!;
    if (m[2] !== undefined) {
      const text = m[2].trim();
      if (text) current.push({ text, phrase: true, negated: m[1] === '-' });
    } else {
      const word = m[3]!.replace(/"/g, '');
      if (word.toLowerCase() === 'or') {
        if (current.length > 0) groups.push([]);
        continue;
      }
      const negated = word.startsWith('-');
      const text = negated ? word.slice(1) : word;
      if (!text) continue;
      current.push({ text, phrase: false, negated });
    }
    count += 1;
  }
  return groups.filter((g) => g.length > 0);
}

function termTsQuery(t: SearchTerm, withNegation: boolean): RawBuilder<unknown> {
  const text = t.phrase ? `"${t.text}"` : t.text;
  const english = sql`websearch_to_tsquery('english', ${text})`;
  const simple = sql`websearch_to_tsquery('simple', ${text})`;
  // Where both forms agree (names, emails, numbers) one is enough: ranking costs per operand.
  const either = sql`(case when ${english} = ${simple} then ${english} else ${english} || ${simple} end)`;
  return sql`(case when numnode(${english}) = 0 then ''::tsquery else ${t.negated && withNegation ? sql`!!${either}` : either} end)`;
}

export type CaseSearch = {
  /** What a case must match. */
  match: RawBuilder<unknown>;
  /** Any wanted term, to pick and mark the snippet's text. Null when no term is wanted. */
  highlight: RawBuilder<unknown> | null;
};

export function buildSearch(q: string): CaseSearch {
  const groups = parseSearchQuery(q);
  if (groups.length === 0) return { match: sql`''::tsquery`, highlight: null };
  const match = sql.join(
    groups.map(
      (g) =>
        sql`(${sql.join(
          g.map((t) => termTsQuery(t, true)),
          sql` && `,
        )})`,
    ),
    sql` || `,
  );
  const wanted = groups.flat().filter((t) => !t.negated);
  const highlight = wanted.length
    ? sql`(${sql.join(
        wanted.map((t) => termTsQuery(t, false)),
        sql` || `,
      )})`
    : null;
  return { match: sql`(${match})`, highlight };
}

// Subject hits weigh ten times a message hit; the requester's name or email in between
// (weights for D, C, B, A).
const rankWeights = sql`'{0.05, 0.1, 0.25, 1.0}'::float4[]`;

function rankOf(search: CaseSearch): RawBuilder<number> {
  return sql<number>`ts_rank_cd(${rankWeights}, c.search, ${search.match})`;
}

// ---------------------------------------------------------------------------------------------
// Filters → where clauses on `cases as c`

type CaseEb = ExpressionBuilder<DB & { c: DB['cases'] }, 'c'>;

const daysAgo = (now: Date, days: number) => new Date(now.getTime() - days * 86_400_000);

export function caseFilterWhere(filters: CaseFilters, access: CaseListAccess, search: CaseSearch | null) {
  return (eb: CaseEb): Expression<SqlBool> => {
    const f = filters;
    // A case assigned to whoever looks is always in their scope; leaving the scope test out then
    // lets "my cases" be counted from the assignee index alone.
    const mine = !access.scope.none && (f.assigneeId === 'me' || f.assigneeId === access.userId);
    const and: Expression<SqlBool>[] = mine ? [] : [caseScopeFilter(access.scope)(eb)];
    if (f.status) and.push(eb('c.status', 'in', f.status));
    if (f.priority) and.push(eb('c.priority', 'in', f.priority));
    if (f.type) and.push(eb('c.type', 'in', f.type));
    if (f.channel) and.push(eb('c.channel', 'in', f.channel));
    if (f.teamId === 'none') and.push(eb('c.team_id', 'is', null));
    else if (f.teamId) and.push(eb('c.team_id', '=', f.teamId));
    if (f.assigneeId === 'none') and.push(eb('c.assignee_id', 'is', null));
    else if (f.assigneeId === 'me') and.push(eb('c.assignee_id', '=', access.userId));
    else if (f.assigneeId) and.push(eb('c.assignee_id', '=', f.assigneeId));
    if (f.tags) {
      const tags = normaliseTags(f.tags);
      // @> so the GIN index on tags answers it.
      and.push(sql<SqlBool>`c.tags @> array[${sql.join(tags)}]::text[]`);
    }
    if (f.categoryId) {
      and.push(sql<SqlBool>`c.category_id in (
        with recursive below(id) as (
          select ${f.categoryId}::uuid
          union
          select k.id from categories k join below on k.parent_id = below.id)
        select id from below)`);
    }
    if (f.requesterId) and.push(eb('c.requester_id', '=', f.requesterId));
    if (f.organisationId) {
      and.push(sql<SqlBool>`c.requester_id in (select r.id from customers r where r.organisation_id = ${f.organisationId}::uuid)`);
    }
    if (f.createdFrom) and.push(eb('c.created_at', '>=', new Date(f.createdFrom)));
    if (f.createdTo) and.push(eb('c.created_at', '<', new Date(f.createdTo)));
    if (f.updatedFrom) and.push(eb('c.updated_at', '>=', new Date(f.updatedFrom)));
    if (f.updatedTo) and.push(eb('c.updated_at', '<', new Date(f.updatedTo)));
    if (f.createdWithinDays) and.push(eb('c.created_at', '>=', daysAgo(access.now, f.createdWithinDays)));
    if (f.updatedWithinDays) and.push(eb('c.updated_at', '>=', daysAgo(access.now, f.updatedWithinDays)));
    if (f.sla === 'breached')
      and.push(sql<SqlBool>`exists (select 1 from case_sla_targets s where s.case_id = c.id and s.state = 'breached')`);
    if (f.sla === 'at_risk') {
      const horizon = new Date(access.now.getTime() + (f.slaWithinMinutes ?? 60) * 60_000);
      and.push(
        sql<SqlBool>`exists (select 1 from case_sla_targets s where s.case_id = c.id and s.state = 'active' and s.due_at <= ${horizon})`,
      );
    }
    if (f.number !== undefined) and.push(eb('c.number', '=', String(f.number)));
    if (f.escalated === true) and.push(eb('c.escalated_at', 'is not', null));
    if (f.escalated === false) and.push(eb('c.escalated_at', 'is', null));
    if (search) and.push(sql<SqlBool>`c.search @@ ${search.match}`);
    return eb.and(and);
  };
}

// ---------------------------------------------------------------------------------------------
// Sorting and keyset cursors
//
// Every sort orders by a list of keys in one direction, ending with the id so the order is total;
// the cursor carries the last row's keys as text (timestamps to the microsecond) and the next
// page starts strictly after them with one row comparison, which the (…, id desc) indexes serve.

type KeyKind = 'timestamptz' | 'bigint' | 'int' | 'real' | 'uuid';
type SortKey = { kind: KeyKind; expr: (search: CaseSearch | null) => RawBuilder<unknown> };

const updatedKey: SortKey = { kind: 'timestamptz', expr: () => sql`c.updated_at` };
const createdKey: SortKey = { kind: 'timestamptz', expr: () => sql`c.created_at` };
const idKey: SortKey = { kind: 'uuid', expr: () => sql`c.id` };
const numberKey: SortKey = { kind: 'bigint', expr: () => sql`c.number` };
const priorityKey: SortKey = {
  kind: 'int',
  expr: () => sql`(case c.priority when 'urgent' then 4 when 'high' then 3 when 'normal' then 2 else 1 end)`,
};
const rankKey: SortKey = {
  kind: 'real',
  expr: (search) => {
    if (!search) throw new AppError('validation_failed', 'sort=relevance needs a search (q)', { field: 'sort' });
    return rankOf(search);
  },
};

const sortSpecs: Record<CaseSort, { direction: 'asc' | 'desc'; keys: SortKey[] }> = {
  updated_desc: { direction: 'desc', keys: [updatedKey, idKey] },
  updated_asc: { direction: 'asc', keys: [updatedKey, idKey] },
  created_desc: { direction: 'desc', keys: [createdKey, idKey] },
  created_asc: { direction: 'asc', keys: [createdKey, idKey] },
  priority_desc: { direction: 'desc', keys: [priorityKey, updatedKey, idKey] },
  number_desc: { direction: 'desc', keys: [numberKey, idKey] },
  relevance: { direction: 'desc', keys: [rankKey, updatedKey, idKey] },
};

function keyAsText(kind: KeyKind, e: Expression<unknown>): RawBuilder<unknown> {
  return kind === 'timestamptz' ? sql`to_char(${e} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` : sql`(${e})::text`;
}

const keyPatterns: Record<KeyKind, RegExp> = {
  timestamptz: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/,
  bigint: /^-?\d{1,19}$/,
  int: /^-?\d{1,9}$/,
  real: /^-?(\d+(\.\d*)?|\.\d+)(e[-+]?\d+)?$/i,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
};

const badCursor = () =>
  new AppError('validation_failed', 'cursor: not a cursor this list gave out (was the sort changed?)', { field: 'cursor' });

export function encodeCursor(sort: CaseSort, keys: string[]): string {
  return Buffer.from(JSON.stringify({ s: sort, k: keys }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, sort: CaseSort): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  const spec = sortSpecs[sort];
  const c = parsed as { s?: unknown; k?: unknown };
  if (typeof c !== 'object' || c === null || c.s !== sort || !Array.isArray(c.k) || c.k.length !== spec.keys.length) throw badCursor();
  const keys = c.k as unknown[];
  spec.keys.forEach((key, i) => {
    const v = keys[i];
    if (typeof v !== 'string' || !keyPatterns[key.kind].test(v)) throw badCursor();
  });
  return keys as string[];
}

function afterCursor(sort: CaseSort, keys: string[], search: CaseSearch | null): RawBuilder<SqlBool> {
  const spec = sortSpecs[sort];
  const columns = spec.keys.map((k) => k.expr(search));
  const values = spec.keys.map((k, i) => sql`${keys[i]}::${sql.raw(k.kind)}`);
  const op = sql.raw(spec.direction === 'desc' ? '<' : '>');
  return sql<SqlBool>`(${sql.join(columns)}) ${op} (${sql.join(values)})`;
}

// ---------------------------------------------------------------------------------------------
// The page and the count
//
// The count comes first (capped) and picks how to find the page: many matches walk the sort's
// index, few are collected and sorted (sortedPage). A search is counted by finding its most
// recent matches (recentSearchMatches), which are also what a relevance sort ranks (rankedPage).
// Either way the page is found as ids and sort keys alone, and the columns shown are read for
// those ids only. Measured on PostgreSQL 15 at 1,000,000 cases (bench inbox): an agent's search
// for a word in 8-55 % of cases p50 57 ms / p99 80 ms, a manager's 30 / 90, view counts 8-14 ms.

export type CasePageQuery = {
  filters: CaseFilters;
  sort: CaseSort;
  cursor?: string | undefined;
  limit: number;
  /** Tests lower it to take the index walk on a small table. */
  fewMatches?: number | undefined;
  /** Tests lower it to meet the cap on a small table (a search's cap when there is a search). */
  countCap?: number | undefined;
  /** Tests lower it to take the scope walk on a small table. */
  scopeWalkFrom?: number | undefined;
};

/** Up to this many matches, sorting them all beats walking an index for them. */
export const fewMatches = 10_000;

/**
 * Counts stop here: past it a list says "10,000+". Counting further costs a heap visit per match
 * (half a second for a word in half the cases of a million) and tells a person nothing more.
 */
export const countCap = 10_000;

/**
 * A search counts no further than this ("1,000+"), and by relevance ranks the most recently
 * changed this many matches: every counted match is a text test on its row, and ranking every
 * match of a very common word ranks half the table. Past a thousand hits a person refines the
 * search rather than reads on.
 */
export const searchCountCap = 1_000;

type PageRow = { id: string; sort_key: string[]; rank: number | null };

export async function queryCasePage(db: Tx, access: CaseListAccess, input: CasePageQuery): Promise<CasePage> {
  const search = input.filters.q ? buildSearch(input.filters.q) : null;
  const after = input.cursor ? decodeCursor(input.cursor, input.sort) : null;
  const where = caseFilterWhere(input.filters, access, search);
  const few = input.fewMatches ?? fewMatches;

  let total: number;
  let capped: boolean;
  let rows: PageRow[];
  if (search) {
    // A search's count is its most recent matches, found once: they are also the pool a
    // relevance sort ranks.
    const cap = input.countCap ?? searchCountCap;
    const relevance = input.sort === 'relevance';
    const recent = await recentSearchMatches(db, access, where, search, cap + 1, {
      withRank: relevance,
      scopeWalkFrom: input.scopeWalkFrom,
    });
    capped = recent.length > cap;
    total = Math.min(recent.length, cap);
    if (total === 0) return { items: [], nextCursor: null, total, totalCapped: false };
    rows = relevance
      ? rankedPage(recent.slice(0, cap), after, input.limit + 1)
      : await sortedPage(db, where, search, input, after, capped || total > few);
  } else {
    const cap = input.countCap ?? Math.max(countCap, few);
    ({ total, capped } = await countCasesCapped(db, access, input.filters, null, cap));
    if (total === 0) return { items: [], nextCursor: null, total, totalCapped: false };
    rows = await sortedPage(db, where, null, input, after, capped || total > few);
  }

  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  const nextCursor = rows.length > input.limit && last ? encodeCursor(input.sort, last.sort_key) : null;
  const ids = page.map((r) => r.id);
  const shown = new Map((await loadListColumns(db, ids)).map((r) => [r.id, r]));
  const snippets = search?.highlight && ids.length > 0 ? await loadSnippets(db, search.highlight, ids) : null;

  const items = page.flatMap((r): CaseListItem[] => {
    const c = shown.get(r.id);
    // Deleted between the two reads: leave it out rather than fail the page.
    if (!c) return [];
    const item: CaseListItem = {
      id: c.id,
      number: Number(c.number),
      subject: c.subject,
      status: c.status,
      priority: c.priority,
      type: c.type,
      channel: c.channel,
      tags: c.tags,
      requester: { id: c.requester_id, name: c.requester_name, email: c.requester_email },
      teamId: c.team_id,
      teamName: c.team_name,
      assigneeId: c.assignee_id,
      assigneeName: c.assignee_name,
      createdAt: c.created_at.toISOString(),
      updatedAt: c.updated_at.toISOString(),
      version: c.version,
      sla:
        c.sla_targets > 0
          ? { nextDueAt: c.sla_due_at ? new Date(c.sla_due_at).toISOString() : null, breached: c.sla_breached === true }
          : null,
      escalatedAt: c.escalated_at?.toISOString() ?? null,
    };
    if (search) {
      item.rank = Number(r.rank ?? 0);
      item.snippet = snippets?.get(r.id) ?? null;
    }
    return [item];
  });
  return { items, nextCursor, total, totalCapped: capped };
}

/**
 * The page of a sort other than relevance. Many matches: walk the sort's index and stop after
 * one page, as matches are dense. Few: walking the index would pass over most of the table
 * before filling a page, so the matches are collected (a bitmap scan over the filter indexes)
 * and sorted.
 */
async function sortedPage(
  db: Tx,
  where: ReturnType<typeof caseFilterWhere>,
  search: CaseSearch | null,
  input: CasePageQuery,
  after: string[] | null,
  many: boolean,
): Promise<PageRow[]> {
  const spec = sortSpecs[input.sort];
  // Each sort key is computed once per candidate (k0, k1…); the text form for the cursor only
  // for the page.
  let candidates = db
    .selectFrom('cases as c')
    .where(where)
    .select(['c.id', ...spec.keys.map((k, i) => k.expr(search).as(`k${i}`))]);
  if (after) candidates = candidates.where(afterCursor(input.sort, after, search));
  const pageColumns = [
    'm.id',
    sql<string[]>`array[${sql.join(spec.keys.map((k, i) => keyAsText(k.kind, sql.ref(`m.k${i}`))))}]`.as('sort_key'),
    // A relevance sort is ranked by rankedPage; no other sort has a rank.
    sql<number | null>`null::real`.as('rank'),
  ] as const;
  if (!many) {
    let q = db
      .with(
        (cte) => cte('matched').materialized(),
        () => candidates,
      )
      .selectFrom('matched as m')
      .select(pageColumns);
    for (const [i] of spec.keys.entries()) q = q.orderBy(sql.ref(`m.k${i}`), spec.direction);
    return q.limit(input.limit + 1).execute();
  }
  let walk = candidates;
  for (const key of spec.keys) walk = walk.orderBy(key.expr(search), spec.direction);
  let q = db.selectFrom(walk.limit(input.limit + 1).as('m')).select(pageColumns);
  for (const [i] of spec.keys.entries()) q = q.orderBy(sql.ref(`m.k${i}`), spec.direction);
  return q.execute();
}

type RecentMatch = { id: string; updated_key: string; rank_key: string | null };

/**
 * A search's most recently changed matches, newest first, with their ranks when asked. For
 * someone who sees every case, PostgreSQL walks the updated index (or, for a rare word, collects
 * the text index's hits). For a scoped agent the same walk would read every row of other teams'
 * cases only to drop it after the text test; when the search is expected to match plenty in
 * scope, the scope is walked first on the index entries alone (index-only, case-access.ts's test
 * on the included team and assignee) and only in-scope rows are read for the text test.
 */
async function recentSearchMatches(
  db: Tx,
  access: CaseListAccess,
  where: ReturnType<typeof caseFilterWhere>,
  search: CaseSearch,
  n: number,
  options: { withRank: boolean; scopeWalkFrom?: number | undefined },
): Promise<RecentMatch[]> {
  const rank = options.withRank ? sql<string>`(${rankOf(search)})::text` : sql<string | null>`null::text`;
  const scoped = !access.scope.all && !access.scope.none;
  if (scoped && (await estimatedMatches(db, where)) >= (options.scopeWalkFrom ?? 2 * n)) {
    const inScope = db
      .selectFrom('cases as c')
      .where(caseScopeFilter(access.scope))
      .select(['c.id', 'c.updated_at'])
      .orderBy('c.updated_at', 'desc')
      .orderBy('c.id', 'desc')
      .limit(scopeWalkBound);
    const found = await db
      .selectFrom(inScope.as('s'))
      .innerJoinLateral(
        // offset 0 keeps the subquery a per-row lookup: flattened, PostgreSQL would hash-join it
        // with every text match instead of stopping once the page's worth of matches is found.
        (eb) => eb.selectFrom('cases as c').whereRef('c.id', '=', 's.id').where(where).select(rank.as('rank_key')).offset(0).as('r'),
        (join) => join.onTrue(),
      )
      .select(['s.id', keyAsText('timestamptz', sql.ref('s.updated_at')).as('updated_key'), 'r.rank_key'])
      .orderBy('s.updated_at', 'desc')
      .orderBy('s.id', 'desc')
      .limit(n)
      .execute();
    // Fewer than asked within the walk's bound: the estimate was wrong; the general plan answers.
    if (found.length === n) return found as RecentMatch[];
  }
  const found = await db
    .selectFrom('cases as c')
    .where(where)
    .select(['c.id', keyAsText('timestamptz', sql.ref('c.updated_at')).as('updated_key'), rank.as('rank_key')])
    .orderBy('c.updated_at', 'desc')
    .orderBy('c.id', 'desc')
    .limit(n)
    .execute();
  return found as RecentMatch[];
}

/** The scope walk reads at most this many in-scope rows (about 60 ms at 1,000,000 cases). */
const scopeWalkBound = 20_000;

/** PostgreSQL's own estimate of how many cases the where-clause selects (planning only). */
async function estimatedMatches(db: Tx, where: ReturnType<typeof caseFilterWhere>): Promise<number> {
  const compiled = db
    .selectFrom('cases as c')
    .where(where)
    .select(sql`1`.as('one'))
    .compile();
  const explained = await db.executeQuery<{ 'QUERY PLAN': unknown }>(
    CompiledQuery.raw(`explain (format json) ${compiled.sql}`, [...compiled.parameters]),
  );
  const raw = explained.rows[0]?.['QUERY PLAN'];
  const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as [{ Plan: { 'Plan Rows': number } }] | undefined;
  return plan?.[0]?.Plan['Plan Rows'] ?? 0;
}

/** The page of a relevance sort, ranked here: the pool is the search's counted matches. */
function rankedPage(pool: RecentMatch[], after: string[] | null, n: number): PageRow[] {
  type Key = readonly [number, string, string];
  // Descending on every key; ranks compare as numbers (float4's shortest text round-trips),
  // instants as fixed-width UTC text, ids as lower-case hex (PostgreSQL's uuid order).
  const before = (a: Key, b: Key) => (a[0] !== b[0] ? a[0] > b[0] : a[1] !== b[1] ? a[1] > b[1] : a[2] > b[2]);
  const start: Key | null = after ? [Number(after[0]), after[1]!, after[2]!] : null;
  return pool
    .map((m) => ({ m, key: [Number(m.rank_key), m.updated_key, m.id] as Key }))
    .filter(({ key }) => !start || before(start, key))
    .sort((a, b) => (before(a.key, b.key) ? -1 : before(b.key, a.key) ? 1 : 0))
    .slice(0, n)
    .map(({ m, key }) => ({ id: m.id, sort_key: [m.rank_key!, m.updated_key, m.id], rank: key[0] }));
}

function loadListColumns(db: Tx, ids: string[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('cases as c')
    .innerJoin('customers as r', 'r.id', 'c.requester_id')
    .leftJoin('users as a', 'a.id', 'c.assignee_id')
    .leftJoin('teams as t', 't.id', 'c.team_id')
    .select((eb) => [
      'c.id',
      'c.number',
      'c.subject',
      'c.status',
      'c.priority',
      'c.type',
      'c.channel',
      'c.tags',
      'c.requester_id',
      'r.name as requester_name',
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
      'c.created_at',
      'c.updated_at',
      'c.version',
      'c.escalated_at',
      sql<number>`(select count(*)::int from case_sla_targets s where s.case_id = c.id and s.state in ('active', 'paused', 'breached'))`.as(
        'sla_targets',
      ),
      sql<Date | null>`(select min(s.due_at) from case_sla_targets s where s.case_id = c.id and s.state in ('active', 'breached'))`.as(
        'sla_due_at',
      ),
      sql<boolean | null>`(select bool_or(s.state = 'breached') from case_sla_targets s where s.case_id = c.id)`.as('sla_breached'),
    ])
    .where('c.id', 'in', ids)
    .execute();
}

/** How many cases the filters select, counting no further than `cap` (a view's live count). */
export async function countCasesCapped(
  db: Tx,
  access: CaseListAccess,
  filters: CaseFilters,
  search: CaseSearch | null = filters.q ? buildSearch(filters.q) : null,
  cap = search ? searchCountCap : countCap,
): Promise<{ total: number; capped: boolean }> {
  const matches = db
    .selectFrom('cases as c')
    .where(caseFilterWhere(filters, access, search))
    .select(sql<number>`1`.as('one'))
    .limit(cap + 1);
  const row = await db
    .selectFrom(matches.as('m'))
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  const n = Number(row.n);
  return n > cap ? { total: cap, capped: true } : { total: n, capped: false };
}

/** The exact number of cases the filters select within the scope. */
export async function countCases(
  db: Tx,
  access: CaseListAccess,
  filters: CaseFilters,
  search: CaseSearch | null = filters.q ? buildSearch(filters.q) : null,
): Promise<number> {
  const row = await db
    .selectFrom('cases as c')
    .where(caseFilterWhere(filters, access, search))
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

// ---------------------------------------------------------------------------------------------
// Snippets
//
// ts_headline marks hits with two private-use characters (removed from the text first, so a
// message cannot forge them); the text is HTML-escaped here and the marks become <b>…</b>, so
// the snippet carries no markup but those.

const markOpen = '\uE000';
const markClose = '\uE001';
const headlineOptions = `StartSel=${markOpen}, StopSel=${markClose}, MaxWords=30, MinWords=12, ShortWord=2, MaxFragments=2, FragmentDelimiter=" … "`;

async function loadSnippets(db: Tx, highlight: RawBuilder<unknown>, ids: string[]): Promise<Map<string, string>> {
  const marks = markOpen + markClose;
  const body = sql`left(m.body_text, ${searchTextLimit})`;
  const rows = await sql<{ id: string; message: string | null; subject: string | null }>`
    select c.id,
      (select ts_headline('english', translate(${body}, ${marks}, ''), ${highlight}, ${headlineOptions})
         from case_messages m
        where m.case_id = c.id and to_tsvector('english', ${body}) @@ ${highlight}
        order by ts_rank(to_tsvector('english', ${body}), ${highlight}) desc, m.created_at desc
        limit 1) as message,
      case when to_tsvector('english', c.subject) @@ ${highlight}
        then ts_headline('english', translate(c.subject, ${marks}, ''), ${highlight}, ${headlineOptions}) end as subject
    from cases c
    where c.id in (${sql.join(ids)})`.execute(db);
  const out = new Map<string, string>();
  for (const r of rows.rows) {
    const text = r.message ?? r.subject;
    if (text) out.set(r.id, markSnippet(text));
  }
  return out;
}

const htmlEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function markSnippet(text: string): string {
  return text
    .trim()
    .replace(/[&<>"']/g, (ch) => htmlEscapes[ch]!)
    .replaceAll(markOpen, '<b>')
    .replaceAll(markClose, '</b>');
}
