// Saved views: named case filters with a sort, shared (everyone sees them; configured by those
// with cases.configure) or personal (their owner's alone). Each view answers its live count for
// whoever looks, within their case scope, and its cases through the case list.
import { sql } from 'kysely';
import type { ServiceContext, Tx } from '../../lib/context.js';
import { AppError } from '../../lib/errors.js';
import type { Actor } from '../auth/permissions.js';
import { assertPermission, hasPermission } from '../auth/permissions.js';
import {
  CaseFiltersSchema,
  caseSorts,
  countCasesCapped,
  openCaseListAccess,
  queryCasePage,
  resolveSort,
  type CaseFilters,
  type CaseListAccess,
  type CasePage,
  type CaseSort,
} from '../cases/case-list.js';

export type ViewRecord = {
  id: string;
  name: string;
  ownerId: string | null;
  filters: CaseFilters;
  sort: CaseSort;
  position: number;
  builtIn: string | null;
  /** Cases the filters select for whoever asked; null when the stored filters no longer parse. */
  count: number | null;
  /** More cases than counted: `count` is the cap. */
  countCapped: boolean;
};

type ViewRow = {
  id: string;
  name: string;
  owner_id: string | null;
  filters: unknown;
  sort: string;
  position: number;
  built_in: string | null;
};

const viewColumns = ['id', 'name', 'owner_id', 'filters', 'sort', 'position', 'built_in'] as const;

/** Stored filters are re-read through the schema; a view saved by an older release may fail it. */
function readFilters(row: ViewRow): CaseFilters | null {
  const parsed = CaseFiltersSchema.safeParse(row.filters);
  return parsed.success ? parsed.data : null;
}

function readSort(row: ViewRow): CaseSort {
  return (caseSorts as readonly string[]).includes(row.sort) ? (row.sort as CaseSort) : 'updated_desc';
}

function assertCanUseViews(actor: Actor): void {
  if (!hasPermission(actor, 'cases.work') && !hasPermission(actor, 'cases.read_all')) {
    throw new AppError('forbidden', `your role (${actor.role}) does not allow case views`, { permission: 'cases.read_all' });
  }
}

function visibleViews(db: Tx, actor: Actor) {
  return db
    .selectFrom('views')
    .select(viewColumns)
    .where((eb) => eb.or([eb('owner_id', 'is', null), eb('owner_id', '=', actor.userId)]));
}

/** A view the actor can see; others' personal views are not found, so their ids do not leak. */
async function loadVisibleView(db: Tx, id: string, actor: Actor): Promise<ViewRow> {
  const row = await visibleViews(db, actor).where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('not_found', `view ${id} does not exist`);
  return row;
}

function assertCanChange(row: ViewRow, actor: Actor): void {
  if (row.owner_id === null) assertPermission(actor, 'cases.configure');
}

function toRecord(row: ViewRow, counted: { total: number; capped: boolean } | null): ViewRecord {
  return {
    id: row.id,
    name: row.name,
    ownerId: row.owner_id,
    filters: readFilters(row) ?? (row.filters as CaseFilters),
    sort: readSort(row),
    position: row.position,
    builtIn: row.built_in,
    count: counted?.total ?? null,
    countCapped: counted?.capped ?? false,
  };
}

function assertSortFits(filters: CaseFilters, sort: CaseSort): void {
  if (sort === 'relevance' && !filters.q) {
    throw new AppError('validation_failed', 'sort=relevance needs a search (q) in the filters', { field: 'sort' });
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

export async function listViews(ctx: ServiceContext, actor: Actor): Promise<ViewRecord[]> {
  assertCanUseViews(actor);
  const access = await openCaseListAccess(ctx, actor);
  const rows = await visibleViews(ctx.db, actor).orderBy('position').orderBy('name').orderBy('id').execute();
  const out: ViewRecord[] = [];
  // One count per view, each served by its own indexes; a combined scan would read the union.
  for (const row of rows) out.push(toRecord(row, await liveCount(ctx.db, access, row)));
  return out;
}

/** Null when the stored filters no longer hold, so one stale view does not break the list. */
async function liveCount(db: Tx, access: CaseListAccess, row: ViewRow): Promise<{ total: number; capped: boolean } | null> {
  const filters = readFilters(row);
  if (!filters) return null;
  try {
    return await countCasesCapped(db, access, filters);
  } catch (err) {
    if (err instanceof AppError && err.code === 'validation_failed') return null;
    throw err;
  }
}

export async function getView(ctx: ServiceContext, id: string, actor: Actor): Promise<ViewRecord> {
  assertCanUseViews(actor);
  const access = await openCaseListAccess(ctx, actor);
  const row = await loadVisibleView(ctx.db, id, actor);
  return toRecord(row, await liveCount(ctx.db, access, row));
}

export type ViewCasesInput = {
  /** Explicit filters; each one given replaces the view's. */
  filters?: CaseFilters | undefined;
  sort?: CaseSort | undefined;
  cursor?: string | undefined;
  limit: number;
};

export async function listViewCases(ctx: ServiceContext, id: string, input: ViewCasesInput, actor: Actor): Promise<CasePage> {
  const access = await openCaseListAccess(ctx, actor);
  const row = await loadVisibleView(ctx.db, id, actor);
  const saved = readFilters(row);
  if (!saved) throw new AppError('conflict', `the filters of view "${row.name}" are no longer valid; edit the view`);
  const filters = { ...saved, ...input.filters };
  // A search given now ranks by relevance unless a sort is given too; otherwise the view's sort.
  const sort = resolveSort(filters, input.sort ?? (input.filters?.q ? 'relevance' : readSort(row)));
  return queryCasePage(ctx.db, access, { filters, sort, cursor: input.cursor, limit: input.limit });
}

// ---------------------------------------------------------------------------------------------
// Changing

export type CreateViewInput = {
  name: string;
  filters: CaseFilters;
  sort?: CaseSort | undefined;
  shared?: boolean | undefined;
  position?: number | undefined;
};

export async function createView(ctx: ServiceContext, input: CreateViewInput, actor: Actor): Promise<ViewRecord> {
  if (input.shared) assertPermission(actor, 'cases.configure');
  else assertCanUseViews(actor);
  const sort = input.sort ?? 'updated_desc';
  assertSortFits(input.filters, sort);
  const ownerId = input.shared ? null : actor.userId;
  const now = ctx.clock.now();
  const position = input.position ?? (await nextPosition(ctx.db, actor));
  const row = await ctx.db
    .insertInto('views')
    .values({
      name: input.name,
      owner_id: ownerId,
      filters: JSON.stringify(input.filters),
      sort,
      position,
      created_at: now,
      updated_at: now,
    })
    .returning(viewColumns)
    .executeTakeFirstOrThrow();
  return getView(ctx, row.id, actor);
}

/** After every view the actor sees, in steps of ten so views can be slotted in between. */
async function nextPosition(db: Tx, actor: Actor): Promise<number> {
  const row = await db
    .selectFrom('views')
    .select(sql<number | null>`max(position)`.as('max'))
    .where((eb) => eb.or([eb('owner_id', 'is', null), eb('owner_id', '=', actor.userId)]))
    .executeTakeFirst();
  return (row?.max ?? 0) + 10;
}

export type UpdateViewInput = {
  name?: string | undefined;
  filters?: CaseFilters | undefined;
  sort?: CaseSort | undefined;
  position?: number | undefined;
};

export async function updateView(ctx: ServiceContext, id: string, input: UpdateViewInput, actor: Actor): Promise<ViewRecord> {
  assertCanUseViews(actor);
  const row = await loadVisibleView(ctx.db, id, actor);
  assertCanChange(row, actor);
  const filters = input.filters ?? readFilters(row) ?? {};
  assertSortFits(filters, input.sort ?? readSort(row));
  await ctx.db
    .updateTable('views')
    .set({
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.filters !== undefined ? { filters: JSON.stringify(input.filters) } : {}),
      ...(input.sort !== undefined ? { sort: input.sort } : {}),
      ...(input.position !== undefined ? { position: input.position } : {}),
      updated_at: ctx.clock.now(),
    })
    .where('id', '=', id)
    .execute();
  return getView(ctx, id, actor);
}

export async function deleteView(ctx: ServiceContext, id: string, actor: Actor): Promise<void> {
  assertCanUseViews(actor);
  const row = await loadVisibleView(ctx.db, id, actor);
  assertCanChange(row, actor);
  if (row.built_in) throw new AppError('conflict', `"${row.name}" is a built-in view; it can be renamed or moved but not deleted`);
  await ctx.db.deleteFrom('views').where('id', '=', id).execute();
}
