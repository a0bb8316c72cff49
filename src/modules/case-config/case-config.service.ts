// What administrators configure about cases: the category tree (e.g. Billing > Refund) and the
// custom fields a case carries. Anyone who can see cases reads them; changing them needs
// `cases.configure` and goes to the administrative audit trail. The values of custom fields on
// cases are checked by the cases module (case-fields.ts) against the definitions kept here.
import { sql } from 'kysely';
import type { CustomFieldKind } from '../../db/schema.js';
import type { ServiceContext, Tx } from '../../lib/context.js';
import { AppError, isUniqueViolation } from '../../lib/errors.js';
import { inTransaction } from '../../lib/transaction.js';
import { recordAudit } from '../audit/audit.service.js';
import { assertPermission, hasPermission, type Actor } from '../auth/permissions.js';

/** Reading configuration is for anyone who works or reads cases (the case form needs it). */
function assertCanReadConfig(actor: Actor): void {
  if (!hasPermission(actor, 'cases.work')) assertPermission(actor, 'cases.read_all');
}

// ---------------------------------------------------------------------------------------------
// Categories

export type CategoryView = { id: string; parentId: string | null; name: string; path: string; active: boolean; depth: number };

type CategoryRow = { id: string; parent_id: string | null; name: string; active: boolean };

export const categoryPathSeparator = ' > ';

/**
 * The tree in display order: each parent before its children, siblings by name. A row whose
 * parent is missing from the list (impossible with the foreign key) is treated as a root.
 */
export function orderCategoryTree(rows: readonly CategoryRow[]): CategoryView[] {
  const ids = new Set(rows.map((r) => r.id));
  const children = new Map<string | null, CategoryRow[]>();
  for (const r of rows) {
    const parent = r.parent_id !== null && ids.has(r.parent_id) ? r.parent_id : null;
    children.set(parent, [...(children.get(parent) ?? []), r]);
  }
  const byName = (a: CategoryRow, b: CategoryRow) =>
    a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }) || a.id.localeCompare(b.id);
  const out: CategoryView[] = [];
  const visit = (parent: string | null, path: string[]) => {
    for (const r of (children.get(parent) ?? []).sort(byName)) {
      const own = [...path, r.name];
      out.push({
        id: r.id,
        parentId: r.parent_id,
        name: r.name,
        path: own.join(categoryPathSeparator),
        active: r.active,
        depth: path.length,
      });
      visit(r.id, own);
    }
  };
  visit(null, []);
  return out;
}

/** The ids of a category and everything below it. */
export function subtreeIds(rows: readonly CategoryRow[], rootId: string): Set<string> {
  const found = new Set([rootId]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const r of rows)
      if (r.parent_id !== null && found.has(r.parent_id) && !found.has(r.id)) {
        found.add(r.id);
        grew = true;
      }
  }
  return found;
}

function normaliseCategoryName(name: string): string {
  const n = name.trim().replace(/\s+/g, ' ');
  // ">" separates the levels of a path; a name containing it would make paths ambiguous.
  if (n.length === 0 || n.length > 100 || n.includes('>'))
    throw new AppError('validation_failed', 'name: 1 to 100 characters, without ">"', { field: 'name' });
  return n;
}

function duplicateCategory(name: string): AppError {
  return new AppError('conflict', `a category named "${name}" already exists at that level`, { field: 'name' });
}

function allCategoryRows(db: Tx): Promise<CategoryRow[]> {
  return db.selectFrom('categories').select(['id', 'parent_id', 'name', 'active']).execute();
}

function findCategoryView(rows: readonly CategoryRow[], id: string): CategoryView {
  const view = orderCategoryTree(rows).find((c) => c.id === id);
  if (!view) throw new AppError('not_found', `category ${id} does not exist`);
  return view;
}

/**
 * Structural changes are rare; taking them one at a time keeps two concurrent moves from
 * building a cycle together. Case writes (which only read categories) are not blocked.
 */
async function serialiseCategoryChanges(trx: Tx): Promise<void> {
  await sql`lock table categories in share row exclusive mode`.execute(trx);
}

export async function listCategories(ctx: ServiceContext, actor: Actor): Promise<CategoryView[]> {
  assertCanReadConfig(actor);
  return orderCategoryTree(await allCategoryRows(ctx.db));
}

export async function createCategory(
  ctx: ServiceContext,
  input: { name: string; parentId?: string | null | undefined },
  actor: Actor,
): Promise<CategoryView> {
  assertPermission(actor, 'cases.configure');
  const name = normaliseCategoryName(input.name);
  const parentId = input.parentId ?? null;
  const at = ctx.clock.now();
  try {
    return await inTransaction(ctx.db, async (trx) => {
      await serialiseCategoryChanges(trx);
      if (parentId !== null) {
        const parent = (await allCategoryRows(trx)).find((r) => r.id === parentId);
        if (!parent) throw new AppError('validation_failed', `parent category ${parentId} does not exist`, { field: 'parentId' });
        if (!parent.active)
          throw new AppError('validation_failed', `parent category "${parent.name}" is retired; reactivate it first`, {
            field: 'parentId',
          });
      }
      const { id } = await trx
        .insertInto('categories')
        .values({ name, parent_id: parentId, created_at: at })
        .returning('id')
        .executeTakeFirstOrThrow();
      const view = findCategoryView(await allCategoryRows(trx), id);
      await recordAudit(trx, actor, at, { action: 'category.created', subjectType: 'category', subjectId: id, after: view });
      return view;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw duplicateCategory(name);
    throw err;
  }
}

/**
 * Renames, moves (never under itself or its own descendants) or retires/reactivates a category.
 * Retiring one retires everything below it, so no case can be filed under a retired branch;
 * reactivating does not revive the children (some may have been retired on their own) and needs
 * an active parent.
 */
export async function updateCategory(
  ctx: ServiceContext,
  id: string,
  input: { name?: string | undefined; parentId?: string | null | undefined; active?: boolean | undefined },
  actor: Actor,
): Promise<CategoryView> {
  assertPermission(actor, 'cases.configure');
  const name = input.name === undefined ? undefined : normaliseCategoryName(input.name);
  const at = ctx.clock.now();
  try {
    return await inTransaction(ctx.db, async (trx) => {
      await serialiseCategoryChanges(trx);
      const rows = await allCategoryRows(trx);
      const current = rows.find((r) => r.id === id);
      if (!current) throw new AppError('not_found', `category ${id} does not exist`);
      const before = findCategoryView(rows, id);
      const parentId = input.parentId === undefined ? current.parent_id : input.parentId;
      const active = input.active ?? current.active;

      if (parentId !== null && parentId !== current.parent_id) {
        const parent = rows.find((r) => r.id === parentId);
        if (!parent) throw new AppError('validation_failed', `parent category ${parentId} does not exist`, { field: 'parentId' });
        if (subtreeIds(rows, id).has(parentId))
          throw new AppError('validation_failed', 'a category cannot be moved under itself or one of its subcategories', {
            field: 'parentId',
          });
      }
      const parent = parentId === null ? undefined : rows.find((r) => r.id === parentId);
      if (active && parent && !parent.active)
        throw new AppError('validation_failed', `parent category "${parent.name}" is retired; reactivate it first`, { field: 'parentId' });

      const set = {
        ...(name !== undefined && name !== current.name ? { name } : {}),
        ...(parentId !== current.parent_id ? { parent_id: parentId } : {}),
        ...(active !== current.active ? { active } : {}),
      };
      if (Object.keys(set).length === 0) return before;
      await trx.updateTable('categories').set(set).where('id', '=', id).execute();
      const retired = active === false && current.active ? [...subtreeIds(rows, id)].filter((x) => x !== id) : [];
      if (retired.length > 0) await trx.updateTable('categories').set({ active: false }).where('id', 'in', retired).execute();
      const after = findCategoryView(await allCategoryRows(trx), id);
      await recordAudit(trx, actor, at, {
        action: 'category.updated',
        subjectType: 'category',
        subjectId: id,
        before,
        after: retired.length > 0 ? { ...after, retiredSubcategoryIds: retired } : after,
      });
      return after;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw duplicateCategory(name ?? '');
    throw err;
  }
}

/** Deleting is for mistakes: a category that was ever used or has subcategories is retired instead. */
export async function deleteCategory(ctx: ServiceContext, id: string, actor: Actor): Promise<void> {
  assertPermission(actor, 'cases.configure');
  const at = ctx.clock.now();
  await inTransaction(ctx.db, async (trx) => {
    await serialiseCategoryChanges(trx);
    // The row lock waits for (and then blocks) cases being filed under it: their foreign-key
    // check takes a key-share lock on this row.
    const row = await trx.selectFrom('categories').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!row) throw new AppError('not_found', `category ${id} does not exist`);
    const children = await trx
      .selectFrom('categories')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('parent_id', '=', id)
      .executeTakeFirstOrThrow();
    if (Number(children.n) > 0)
      throw new AppError(
        'conflict',
        `category "${row.name}" has subcategories; delete or move them first, or retire it with active: false`,
        {
          subcategoryCount: Number(children.n),
        },
      );
    const used = await trx
      .selectFrom('cases')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('category_id', '=', id)
      .executeTakeFirstOrThrow();
    if (Number(used.n) > 0)
      throw new AppError('conflict', `category "${row.name}" is used by ${used.n} case(s); retire it with active: false instead`, {
        caseCount: Number(used.n),
      });
    await trx.deleteFrom('categories').where('id', '=', id).execute();
    await recordAudit(trx, actor, at, { action: 'category.deleted', subjectType: 'category', subjectId: id, before: row });
  });
}

// ---------------------------------------------------------------------------------------------
// Custom fields

export type CustomFieldView = {
  id: string;
  key: string;
  label: string;
  kind: CustomFieldKind;
  options: string[];
  required: boolean;
  active: boolean;
  position: number;
};

type CustomFieldRow = {
  id: string;
  key: string;
  label: string;
  kind: CustomFieldKind;
  options: string[];
  required: boolean;
  active: boolean;
  position: number;
};

const customFieldKeyPattern = /^[a-z][a-z0-9_]{0,62}$/;

function toFieldView(r: CustomFieldRow): CustomFieldView {
  return {
    id: r.id,
    key: r.key,
    label: r.label,
    kind: r.kind,
    options: r.options,
    required: r.required,
    active: r.active,
    position: r.position,
  };
}

function customFieldQuery(db: Tx) {
  return db.selectFrom('custom_fields').select(['id', 'key', 'label', 'kind', 'options', 'required', 'active', 'position']);
}

function normaliseLabel(label: string): string {
  const l = label.trim();
  if (l.length === 0 || l.length > 200) throw new AppError('validation_failed', 'label: 1 to 200 characters', { field: 'label' });
  return l;
}

/** Dropdowns need at least one option, each distinct; other kinds take none. */
function checkOptions(kind: CustomFieldKind, options: readonly string[] | undefined): string[] {
  const cleaned = (options ?? []).map((o) => o.trim());
  if (kind !== 'dropdown') {
    if (cleaned.length > 0)
      throw new AppError('validation_failed', `options: only dropdown fields have options, not ${kind}`, { field: 'options' });
    return [];
  }
  if (cleaned.length === 0) throw new AppError('validation_failed', 'options: a dropdown needs at least one option', { field: 'options' });
  if (cleaned.some((o) => o.length === 0 || o.length > 200))
    throw new AppError('validation_failed', 'options: each option is 1 to 200 characters', { field: 'options' });
  const seen = new Set<string>();
  for (const o of cleaned) {
    if (seen.has(o)) throw new AppError('validation_failed', `options: "${o}" is listed twice`, { field: 'options' });
    seen.add(o);
  }
  return cleaned;
}

export async function listCustomFields(ctx: ServiceContext, actor: Actor): Promise<CustomFieldView[]> {
  assertCanReadConfig(actor);
  const rows = await customFieldQuery(ctx.db).orderBy('position').orderBy('created_at').orderBy('key').execute();
  return rows.map(toFieldView);
}

async function loadField(db: Tx, id: string): Promise<CustomFieldView> {
  const row = await customFieldQuery(db).where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('not_found', `custom field ${id} does not exist`);
  return toFieldView(row);
}

export async function createCustomField(
  ctx: ServiceContext,
  input: {
    key: string;
    label: string;
    kind: CustomFieldKind;
    options?: string[] | undefined;
    required?: boolean | undefined;
    position?: number | undefined;
  },
  actor: Actor,
): Promise<CustomFieldView> {
  assertPermission(actor, 'cases.configure');
  if (!customFieldKeyPattern.test(input.key))
    throw new AppError('validation_failed', 'key: a lower-case letter, then up to 62 lower-case letters, digits or _', { field: 'key' });
  const label = normaliseLabel(input.label);
  const options = checkOptions(input.kind, input.options);
  const at = ctx.clock.now();
  try {
    return await inTransaction(ctx.db, async (trx) => {
      // New fields go last unless told otherwise.
      const position =
        input.position ??
        Number(
          (
            await trx
              .selectFrom('custom_fields')
              .select(sql<string>`coalesce(max(position), -1) + 1`.as('next'))
              .executeTakeFirstOrThrow()
          ).next,
        );
      const { id } = await trx
        .insertInto('custom_fields')
        .values({
          key: input.key,
          label,
          kind: input.kind,
          options: JSON.stringify(options),
          required: input.required ?? false,
          position,
          created_at: at,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const view = await loadField(trx, id);
      await recordAudit(trx, actor, at, { action: 'custom_field.created', subjectType: 'custom_field', subjectId: id, after: view });
      return view;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError('conflict', `a custom field with key "${input.key}" already exists`, { field: 'key' });
    throw err;
  }
}

/**
 * Changes how a field is shown and enforced. Key and kind never change: stored values are keyed
 * by it and were checked against its kind. Dropping a dropdown option leaves cases that hold it
 * as they are; the next change to that field must pick a current option.
 */
export async function updateCustomField(
  ctx: ServiceContext,
  id: string,
  input: {
    label?: string | undefined;
    options?: string[] | undefined;
    required?: boolean | undefined;
    active?: boolean | undefined;
    position?: number | undefined;
  },
  actor: Actor,
): Promise<CustomFieldView> {
  assertPermission(actor, 'cases.configure');
  const at = ctx.clock.now();
  return inTransaction(ctx.db, async (trx) => {
    const locked = await trx.selectFrom('custom_fields').select('id').where('id', '=', id).forUpdate().executeTakeFirst();
    if (!locked) throw new AppError('not_found', `custom field ${id} does not exist`);
    const before = await loadField(trx, id);
    const set = {
      ...(input.label !== undefined ? { label: normaliseLabel(input.label) } : {}),
      ...(input.options !== undefined ? { options: JSON.stringify(checkOptions(before.kind, input.options)) } : {}),
      ...(input.required !== undefined ? { required: input.required } : {}),
      ...(input.active !== undefined ? { active: input.active } : {}),
      ...(input.position !== undefined ? { position: input.position } : {}),
    };
    if (Object.keys(set).length === 0) return before;
    await trx.updateTable('custom_fields').set(set).where('id', '=', id).execute();
    const after = await loadField(trx, id);
    if (JSON.stringify(after) !== JSON.stringify(before))
      await recordAudit(trx, actor, at, { action: 'custom_field.updated', subjectType: 'custom_field', subjectId: id, before, after });
    return after;
  });
}
