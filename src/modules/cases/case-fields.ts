// Validation of the configurable parts of a case: category, tags, team, assignee, custom fields.
import { DateTime } from 'luxon';
import type { Tx } from '../../lib/context.js';
import { AppError } from '../../lib/errors.js';
import { roleInfo } from '../auth/permissions.js';
import type { Role } from '../../db/schema.js';

const tagPattern = /^[\p{L}\p{N}_\-:.]{1,50}$/u;

/** Tags are lower-case words; duplicates collapse; order is kept. */
export function normaliseTags(tags: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of tags) {
    const tag = raw.trim().toLowerCase().replace(/\s+/g, '_');
    if (!tagPattern.test(tag))
      throw new AppError('validation_failed', `"${raw}" is not a valid tag (letters, digits, _ - : . up to 50)`, { field: 'tags' });
    if (!out.includes(tag)) out.push(tag);
  }
  if (out.length > 50) throw new AppError('validation_failed', 'a case can have at most 50 tags', { field: 'tags' });
  return out;
}

export async function assertCategory(db: Tx, categoryId: string | null | undefined): Promise<void> {
  await assertCategories(db, [categoryId]);
}

const present = (ids: readonly (string | null | undefined)[]) => [...new Set(ids.filter((id): id is string => Boolean(id)))];

/** Every given category exists and is in use (one query for a batch of new cases). */
export async function assertCategories(db: Tx, categoryIds: readonly (string | null | undefined)[]): Promise<void> {
  const ids = present(categoryIds);
  if (ids.length === 0) return;
  const rows = new Map((await db.selectFrom('categories').select(['id', 'active']).where('id', 'in', ids).execute()).map((r) => [r.id, r]));
  for (const id of ids) {
    const row = rows.get(id);
    if (!row) throw new AppError('validation_failed', `category ${id} does not exist`, { field: 'categoryId' });
    if (!row.active) throw new AppError('validation_failed', `category ${id} is retired`, { field: 'categoryId' });
  }
}

export async function assertTeam(db: Tx, teamId: string | null | undefined): Promise<void> {
  await assertTeams(db, [teamId]);
}

export async function assertTeams(db: Tx, teamIds: readonly (string | null | undefined)[]): Promise<void> {
  const ids = present(teamIds);
  if (ids.length === 0) return;
  const found = new Set((await db.selectFrom('teams').select('id').where('id', 'in', ids).execute()).map((r) => r.id));
  const missing = ids.find((id) => !found.has(id));
  if (missing) throw new AppError('validation_failed', `team ${missing} does not exist`, { field: 'teamId' });
}

export const caseWorkingRoles = (Object.keys(roleInfo) as Role[]).filter((r) => roleInfo[r].permissions.includes('cases.work'));

export async function assertAssignee(db: Tx, userId: string | null | undefined): Promise<void> {
  await assertAssignees(db, [userId]);
}

export async function assertAssignees(db: Tx, userIds: readonly (string | null | undefined)[]): Promise<void> {
  const ids = present(userIds);
  if (ids.length === 0) return;
  const rows = new Map(
    (await db.selectFrom('users').select(['id', 'active', 'role']).where('id', 'in', ids).execute()).map((r) => [r.id, r]),
  );
  for (const id of ids) {
    const row = rows.get(id);
    if (!row) throw new AppError('validation_failed', `user ${id} does not exist`, { field: 'assigneeId' });
    if (!row.active) throw new AppError('validation_failed', `user ${id} is deactivated`, { field: 'assigneeId' });
    if (!caseWorkingRoles.includes(row.role))
      throw new AppError('validation_failed', `a ${row.role} cannot be assigned cases`, { field: 'assigneeId' });
  }
}

function checkFieldValue(def: { key: string; kind: string; options: string[] }, value: unknown): unknown {
  const bad = (why: string) => new AppError('validation_failed', `custom field ${def.key}: ${why}`, { field: `customFields.${def.key}` });
  if (value === null) return null;
  switch (def.kind) {
    case 'text':
      if (typeof value !== 'string' || value.length > 10_000) throw bad('must be text of at most 10,000 characters');
      return value;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw bad('must be a number');
      return value;
    case 'checkbox':
      if (typeof value !== 'boolean') throw bad('must be true or false');
      return value;
    case 'date':
      if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value) || !DateTime.fromISO(value).isValid)
        throw bad('must be a date YYYY-MM-DD');
      return value;
    case 'dropdown':
      if (typeof value !== 'string' || !def.options.includes(value)) throw bad(`must be one of ${def.options.join(', ')}`);
      return value;
    default:
      throw bad('has an unknown kind');
  }
}

/**
 * Checks values against the admin-defined fields; `complete` (on create) also demands required
 * fields. Returns the merged field object to store.
 */
export async function validateCustomFields(
  db: Tx,
  current: Record<string, unknown>,
  changes: Record<string, unknown> | undefined,
  complete: boolean,
): Promise<Record<string, unknown>> {
  if (!complete && (changes === undefined || Object.keys(changes).length === 0)) return { ...current };
  const defs = await db.selectFrom('custom_fields').select(['key', 'kind', 'options', 'required', 'active']).execute();
  const byKey = new Map(defs.map((d) => [d.key, d]));
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(changes ?? {})) {
    const def = byKey.get(key);
    if (!def || !def.active) throw new AppError('validation_failed', `there is no custom field "${key}"`, { field: `customFields.${key}` });
    merged[key] = checkFieldValue(def, value);
    if (merged[key] === null) delete merged[key];
  }
  if (complete) {
    const missing = defs.filter((d) => d.active && d.required && (merged[d.key] === undefined || merged[d.key] === '')).map((d) => d.key);
    if (missing.length > 0)
      throw new AppError('validation_failed', `required custom fields are missing: ${missing.join(', ')}`, { missing });
  }
  return merged;
}
