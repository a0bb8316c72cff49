// Organisations: the companies customers belong to. Anyone who works or reads cases can look
// them up; configuring them needs `cases.configure`. Names are unique regardless of case, and an
// organisation with customers cannot be deleted. Changes go to the administrative audit trail.
import type { ServiceContext, Tx } from '../../lib/context.js';
import { AppError, isUniqueViolation } from '../../lib/errors.js';
import { inTransaction } from '../../lib/transaction.js';
import { recordAudit } from '../audit/audit.service.js';
import { assertPermission, type Actor } from '../auth/permissions.js';
import { loadCaseScope } from '../cases/case-access.js';
import {
  countOrganisationCustomers,
  countOrganisationOpenCases,
  deleteOrganisationRow,
  findOrganisationRow,
  insertOrganisation,
  listOrganisationsQuery,
  lockOrganisation,
  updateOrganisationRow,
  type OrganisationRow,
} from './customers.queries.js';
import { assertCanReadCustomers } from './customers.service.js';

export type OrganisationView = { id: string; name: string; domain: string | null; createdAt: string; updatedAt: string };

export type OrganisationDetail = OrganisationView & { customerCount: number; openCaseCount: number };

const domainShape = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;

function toView(r: OrganisationRow): OrganisationView {
  return { id: r.id, name: r.name, domain: r.domain, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString() };
}

/** "@Example.COM " → "example.com"; anything that is not a host name is refused. */
function normaliseDomain(domain: string | null | undefined): string | null | undefined {
  if (domain === undefined || domain === null) return domain;
  const d = domain.trim().toLowerCase().replace(/^@/, '');
  if (d === '') return null;
  if (!domainShape.test(d)) throw new AppError('validation_failed', `domain: "${domain}" is not a domain name`, { field: 'domain' });
  return d;
}

function duplicateName(name: string): AppError {
  return new AppError('conflict', `an organisation named "${name}" already exists`, { field: 'name' });
}

async function loadDetail(db: Tx, id: string, actor: Actor): Promise<OrganisationDetail> {
  const row = await findOrganisationRow(db, id);
  if (!row) throw new AppError('not_found', `organisation ${id} does not exist`);
  const [customers, open] = await Promise.all([
    countOrganisationCustomers(db, id),
    countOrganisationOpenCases(db, id, await loadCaseScope(db, actor)),
  ]);
  return { ...toView(row), customerCount: Number(customers.n), openCaseCount: Number(open.n) };
}

export async function listOrganisations(
  ctx: ServiceContext,
  input: { q?: string | undefined; limit: number },
  actor: Actor,
): Promise<OrganisationView[]> {
  assertCanReadCustomers(actor);
  return (await listOrganisationsQuery(ctx.db, input.q?.trim() || undefined, input.limit)).map(toView);
}

export async function getOrganisation(ctx: ServiceContext, id: string, actor: Actor): Promise<OrganisationDetail> {
  assertCanReadCustomers(actor);
  return loadDetail(ctx.db, id, actor);
}

export async function createOrganisation(
  ctx: ServiceContext,
  input: { name: string; domain?: string | null | undefined },
  actor: Actor,
): Promise<OrganisationDetail> {
  assertPermission(actor, 'cases.configure');
  const name = input.name.trim();
  const domain = normaliseDomain(input.domain) ?? null;
  const at = ctx.clock.now();
  try {
    return await inTransaction(ctx.db, async (trx) => {
      const { id } = await insertOrganisation(trx, { name, domain, at });
      const detail = await loadDetail(trx, id, actor);
      await recordAudit(trx, actor, at, {
        action: 'organisation.created',
        subjectType: 'organisation',
        subjectId: id,
        after: toPlain(detail),
      });
      return detail;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw duplicateName(name);
    throw err;
  }
}

export async function updateOrganisation(
  ctx: ServiceContext,
  id: string,
  input: { name?: string | undefined; domain?: string | null | undefined },
  actor: Actor,
): Promise<OrganisationDetail> {
  assertPermission(actor, 'cases.configure');
  const name = input.name?.trim();
  const domain = normaliseDomain(input.domain);
  const at = ctx.clock.now();
  try {
    return await inTransaction(ctx.db, async (trx) => {
      const before = await lockOrganisation(trx, id);
      if (!before) throw new AppError('not_found', `organisation ${id} does not exist`);
      const set = {
        ...(name !== undefined && name !== before.name ? { name } : {}),
        ...(domain !== undefined && domain !== before.domain ? { domain } : {}),
      };
      if (Object.keys(set).length > 0) {
        await updateOrganisationRow(trx, id, set, at);
        await recordAudit(trx, actor, at, {
          action: 'organisation.updated',
          subjectType: 'organisation',
          subjectId: id,
          before: { name: before.name, domain: before.domain },
          after: set,
        });
      }
      return loadDetail(trx, id, actor);
    });
  } catch (err) {
    if (isUniqueViolation(err) && name !== undefined) throw duplicateName(name);
    throw err;
  }
}

export async function deleteOrganisation(ctx: ServiceContext, id: string, actor: Actor): Promise<void> {
  assertPermission(actor, 'cases.configure');
  const at = ctx.clock.now();
  await inTransaction(ctx.db, async (trx) => {
    // Holding the row lock blocks anyone attaching a customer (their foreign-key check needs a
    // share lock on it) until the delete is decided.
    const row = await lockOrganisation(trx, id);
    if (!row) throw new AppError('not_found', `organisation ${id} does not exist`);
    const customers = Number((await countOrganisationCustomers(trx, id)).n);
    if (customers > 0)
      throw new AppError('conflict', `organisation "${row.name}" still has ${customers} customer(s); move them first`, {
        customerCount: customers,
      });
    await deleteOrganisationRow(trx, id);
    await recordAudit(trx, actor, at, { action: 'organisation.deleted', subjectType: 'organisation', subjectId: id, before: row });
  });
}

/** The audit trail keeps what the organisation was, not the caller-dependent counts. */
function toPlain(d: OrganisationDetail): OrganisationView {
  return { id: d.id, name: d.name, domain: d.domain, createdAt: d.createdAt, updatedAt: d.updatedAt };
}
