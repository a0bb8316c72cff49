// Web forms: an administrator defines the fields, the team and the mailbox of a public intake
// form; anyone may read an active form's definition and submit it. A submission opens a case
// (channel `web`), records which form opened it (the form channel's traffic and last inbound, for
// channel health; the mailbox replies on the case go out through), and queues a confirmation to
// the customer with the case token in the subject, so that their answer by email threads back
// (docs/forms-portal.md).
import type { ServiceContext, Tx } from '../../lib/context.js';
import { AppError, isUniqueViolation } from '../../lib/errors.js';
import { inTransaction } from '../../lib/transaction.js';
import { recordAudit } from '../audit/audit.service.js';
import { assertPermission, type Actor } from '../auth/permissions.js';
import { assertCategory, assertTeam } from '../cases/case-fields.js';
import { createCaseTx } from '../cases/cases.service.js';
import { recordInbound } from '../channels/channel-health.js';
import { activeMailbox, queueCustomerEmail } from './customer-email.js';
import { consumeRateLimit, formSubmissionLimit } from './public-rate-limit.js';

export const fieldKinds = ['text', 'textarea', 'email', 'select', 'checkbox'] as const;
export type FieldKind = (typeof fieldKinds)[number];

export type FormField = { key: string; label: string; kind: FieldKind; required: boolean; options?: string[] | undefined };

/** The field name of the hidden trap for bots; no real field may use it. */
export const honeypotField = 'website';

export type FormInput = {
  name: string;
  slug: string;
  active?: boolean | undefined;
  mailboxId?: string | null | undefined;
  teamId?: string | null | undefined;
  fields: FormField[];
  categoryField?: string | null | undefined;
  categoryMap?: Record<string, string> | undefined;
  confirmationText: string;
};

export type FormView = Required<Omit<FormInput, 'categoryField' | 'mailboxId' | 'teamId'>> & {
  id: string;
  mailboxId: string | null;
  teamId: string | null;
  categoryField: string | null;
  pageUrl: string;
  createdAt: string;
  updatedAt: string;
};

/** What the public sees: no mailbox, team or category ids. */
export type PublicFormView = { name: string; slug: string; fields: FormField[]; confirmationText: string };

type FormRow = Awaited<ReturnType<typeof findFormRow>>;

function invalid(field: string, message: string): AppError {
  return new AppError('validation_failed', `${field}: ${message}`, { field, issues: [{ in: 'body', path: field, message }] });
}

// ---------------------------------------------------------------------------------------------
// Definitions

function assertFieldShape(f: FormField, i: number): void {
  const at = `fields.${i}`;
  if (f.key === honeypotField) throw invalid(`${at}.key`, `"${honeypotField}" is reserved for the spam trap`);
  if (f.kind === 'select') {
    if (!f.options?.length) throw invalid(`${at}.options`, 'a select field needs options');
    if (new Set(f.options).size !== f.options.length) throw invalid(`${at}.options`, 'options must be unique');
  } else if (f.options !== undefined) throw invalid(`${at}.options`, `only a select field has options (this one is ${f.kind})`);
}

function assertRequiredField(fields: FormField[], key: string, kinds: FieldKind[]): void {
  const f = fields.find((x) => x.key === key);
  if (!f || !kinds.includes(f.kind) || !f.required)
    throw invalid('fields', `a form needs a required "${key}" field (${kinds.join(' or ')})`);
}

function assertFields(fields: FormField[]): void {
  fields.forEach(assertFieldShape);
  const keys = fields.map((f) => f.key);
  const repeated = keys.find((k, i) => keys.indexOf(k) !== i);
  if (repeated) throw invalid('fields', `the key "${repeated}" is used twice`);
  assertRequiredField(fields, 'email', ['email']);
  assertRequiredField(fields, 'message', ['textarea', 'text']);
  const subject = fields.find((f) => f.key === 'subject');
  if (subject && subject.kind !== 'text') throw invalid('fields', 'the "subject" field must be of kind text');
}

async function assertCategoryMapping(trx: Tx, fields: FormField[], field: string | null, map: Record<string, string>): Promise<void> {
  if (!field) {
    if (Object.keys(map).length) throw invalid('categoryMap', 'a category map needs categoryField');
    return;
  }
  const select = fields.find((f) => f.key === field);
  if (!select || select.kind !== 'select') throw invalid('categoryField', `"${field}" is not a select field of this form`);
  for (const [option, categoryId] of Object.entries(map)) {
    if (!select.options?.includes(option)) throw invalid(`categoryMap.${option}`, `"${option}" is not an option of "${field}"`);
    try {
      await assertCategory(trx, categoryId);
    } catch (err) {
      if (err instanceof AppError) throw invalid(`categoryMap.${option}`, err.message);
      throw err;
    }
  }
}

async function assertMailbox(trx: Tx, id: string | null | undefined): Promise<void> {
  if (!id) return;
  const row = await trx.selectFrom('mailboxes').select('id').where('id', '=', id).executeTakeFirst();
  if (!row) throw invalid('mailboxId', `mailbox ${id} does not exist`);
}

async function assertDefinition(trx: Tx, input: FormInput): Promise<void> {
  assertFields(input.fields);
  await assertCategoryMapping(trx, input.fields, input.categoryField ?? null, input.categoryMap ?? {});
  await assertMailbox(trx, input.mailboxId);
  await assertTeam(trx, input.teamId);
}

function findFormRow(db: Tx, where: { id: string } | { slug: string }) {
  const q = db.selectFrom('forms').selectAll();
  return ('id' in where ? q.where('id', '=', where.id) : q.where('slug', '=', where.slug)).executeTakeFirst();
}

function toFormView(ctx: ServiceContext, r: NonNullable<FormRow>): FormView {
  return {
    id: r.id,
    name: r.name,
    slug: r.slug,
    active: r.active,
    mailboxId: r.mailbox_id,
    teamId: r.team_id,
    fields: r.fields as FormField[],
    categoryField: r.category_field,
    categoryMap: r.category_map,
    confirmationText: r.confirmation_text,
    pageUrl: `${ctx.config.publicUrl}/forms/${r.slug}`,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

async function loadForm(ctx: ServiceContext, db: Tx, id: string): Promise<FormView> {
  const row = await findFormRow(db, { id });
  if (!row) throw new AppError('not_found', `form ${id} does not exist`);
  return toFormView(ctx, row);
}

async function withSlugConflict<T>(slug: string | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError('conflict', `a form with the slug "${slug}" exists already`, { field: 'slug' });
    throw err;
  }
}

export async function createForm(ctx: ServiceContext, input: FormInput, actor: Actor): Promise<FormView> {
  assertPermission(actor, 'channels.manage');
  const at = ctx.clock.now();
  return withSlugConflict(input.slug, () =>
    inTransaction(ctx.db, async (trx) => {
      await assertDefinition(trx, input);
      const { id } = await trx
        .insertInto('forms')
        .values({
          name: input.name,
          slug: input.slug,
          active: input.active ?? true,
          mailbox_id: input.mailboxId ?? null,
          team_id: input.teamId ?? null,
          fields: JSON.stringify(input.fields),
          category_field: input.categoryField ?? null,
          category_map: JSON.stringify(input.categoryMap ?? {}),
          confirmation_text: input.confirmationText,
          created_at: at,
          updated_at: at,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const form = await loadForm(ctx, trx, id);
      await recordAudit(trx, actor, at, { action: 'form.created', subjectType: 'form', subjectId: id, after: form });
      return form;
    }),
  );
}

export async function listForms(ctx: ServiceContext, actor: Actor): Promise<FormView[]> {
  assertPermission(actor, 'channels.manage');
  const rows = await ctx.db.selectFrom('forms').selectAll().orderBy('name').orderBy('id').execute();
  return rows.map((r) => toFormView(ctx, r));
}

export async function getForm(ctx: ServiceContext, id: string, actor: Actor): Promise<FormView> {
  assertPermission(actor, 'channels.manage');
  return loadForm(ctx, ctx.db, id);
}

export async function updateForm(ctx: ServiceContext, id: string, input: Partial<FormInput>, actor: Actor): Promise<FormView> {
  assertPermission(actor, 'channels.manage');
  const at = ctx.clock.now();
  return withSlugConflict(input.slug, () =>
    inTransaction(ctx.db, async (trx) => {
      const locked = await trx.selectFrom('forms').select('id').where('id', '=', id).forUpdate().executeTakeFirst();
      if (!locked) throw new AppError('not_found', `form ${id} does not exist`);
      const before = await loadForm(ctx, trx, id);
      const next: FormInput = {
        name: input.name ?? before.name,
        slug: input.slug ?? before.slug,
        active: input.active ?? before.active,
        mailboxId: input.mailboxId !== undefined ? input.mailboxId : before.mailboxId,
        teamId: input.teamId !== undefined ? input.teamId : before.teamId,
        fields: input.fields ?? before.fields,
        categoryField: input.categoryField !== undefined ? input.categoryField : before.categoryField,
        categoryMap: input.categoryMap ?? (input.categoryField === null ? {} : before.categoryMap),
        confirmationText: input.confirmationText ?? before.confirmationText,
      };
      await assertDefinition(trx, next);
      await trx
        .updateTable('forms')
        .set({
          name: next.name,
          slug: next.slug,
          active: next.active ?? true,
          mailbox_id: next.mailboxId ?? null,
          team_id: next.teamId ?? null,
          fields: JSON.stringify(next.fields),
          category_field: next.categoryField ?? null,
          category_map: JSON.stringify(next.categoryMap ?? {}),
          confirmation_text: next.confirmationText,
          updated_at: at,
        })
        .where('id', '=', id)
        .execute();
      const after = await loadForm(ctx, trx, id);
      await recordAudit(trx, actor, at, { action: 'form.updated', subjectType: 'form', subjectId: id, before, after });
      return after;
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// The public side

async function findActiveForm(db: Tx, slug: string): Promise<NonNullable<FormRow>> {
  const row = await findFormRow(db, { slug });
  if (!row || !row.active) throw new AppError('not_found', `there is no form "${slug}"`);
  return row;
}

export async function getPublicForm(ctx: ServiceContext, slug: string): Promise<PublicFormView> {
  const row = await findActiveForm(ctx.db, slug);
  return { name: row.name, slug: row.slug, fields: row.fields as FormField[], confirmationText: row.confirmation_text };
}

export type Answer = string | boolean;
export type SubmissionInput = { answers: Record<string, Answer>; honeypot?: string | undefined; ip: string };
/** The same answer whether a case opened or the honeypot caught a bot. */
export type SubmissionResult = { accepted: true; confirmationText: string };

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const maxLength: Record<FieldKind, number> = { text: 200, textarea: 10_000, email: 320, select: 200, checkbox: 0 };

function checkAnswer(f: FormField, value: Answer | undefined): Answer | undefined {
  const at = `answers.${f.key}`;
  const blank = value === undefined || value === '' || value === false;
  if (blank) {
    if (f.required) throw invalid(at, f.kind === 'checkbox' ? `"${f.label}" must be ticked` : `"${f.label}" is required`);
    return undefined;
  }
  if (f.kind === 'checkbox') {
    if (typeof value !== 'boolean') throw invalid(at, 'must be true or false');
    return value;
  }
  if (typeof value !== 'string') throw invalid(at, 'must be text');
  const text = value.trim();
  if (!text && f.required) throw invalid(at, `"${f.label}" is required`);
  if (text.length > maxLength[f.kind]) throw invalid(at, `at most ${maxLength[f.kind]} characters`);
  if (f.kind === 'email' && !emailPattern.test(text)) throw invalid(at, 'is not an email address');
  if (f.kind === 'select' && !f.options?.includes(text)) throw invalid(at, `must be one of: ${f.options?.join(', ')}`);
  return text || undefined;
}

/** The answers checked against the form: unknown keys, missing required fields, wrong values. */
export function checkAnswers(fields: FormField[], answers: Record<string, Answer>): Map<string, Answer> {
  const unknown = Object.keys(answers).find((k) => !fields.some((f) => f.key === k));
  if (unknown) throw invalid(`answers.${unknown}`, 'this form has no such field');
  const checked = new Map<string, Answer>();
  for (const f of fields) {
    const value = checkAnswer(f, answers[f.key]);
    if (value !== undefined) checked.set(f.key, value);
  }
  return checked;
}

/** The customer's message, then every other answer as a "Label: value" line. */
export function submissionBody(fields: FormField[], answers: Map<string, Answer>): string {
  const lines = fields
    .filter((f) => !['message', 'email'].includes(f.key) && answers.has(f.key))
    .map((f) => {
      const v = answers.get(f.key)!;
      return `${f.label}: ${typeof v === 'boolean' ? (v ? 'yes' : 'no') : v.replace(/\s*\n\s*/g, ' ')}`;
    });
  const message = String(answers.get('message'));
  return lines.length ? `${message}\n\n-- \n${lines.join('\n')}` : message;
}

function confirmationBody(confirmationText: string, caseNumber: number, message: string): string {
  const quoted = message
    .split('\n')
    .map((l) => `> ${l}`)
    .join('\n');
  return `${confirmationText}\n\nYour request number is #${caseNumber}. Reply to this email to add to it.\n\n${quoted}\n`;
}

/**
 * A submission: the honeypot answers "accepted" and does nothing; otherwise the rate limit
 * counts it, a case opens, and the confirmation is queued in the same transaction.
 */
export async function submitForm(ctx: ServiceContext, slug: string, input: SubmissionInput): Promise<SubmissionResult> {
  const form = await findActiveForm(ctx.db, slug);
  const fields = form.fields as FormField[];
  if (input.honeypot) return { accepted: true, confirmationText: form.confirmation_text };
  const answers = checkAnswers(fields, input.answers);
  const email = String(answers.get('email')).toLowerCase();
  const at = ctx.clock.now();
  return inTransaction(ctx.db, async (trx) => {
    await consumeRateLimit(trx, formSubmissionLimit, [`ip:${input.ip}`, `email:${email}`], at);
    const subject = String(answers.get('subject') ?? form.name).slice(0, 200);
    const chosen = form.category_field ? answers.get(form.category_field) : undefined;
    const name = answers.get('name');
    const created = await createCaseTx(
      trx,
      at,
      {
        subject,
        channel: 'web',
        requester: { email, ...(typeof name === 'string' ? { name } : {}) },
        message: { body: submissionBody(fields, answers) },
        teamId: form.team_id,
        categoryId: typeof chosen === 'string' ? (form.category_map[chosen] ?? null) : null,
      },
      { kind: 'system' },
    );
    await trx.insertInto('form_submissions').values({ case_id: created.case.id, form_id: form.id, submitted_at: at }).execute();
    await recordInbound(trx, 'form', form.id, at);
    const mailbox = await activeMailbox(trx, form.mailbox_id);
    if (mailbox)
      await queueCustomerEmail(trx, {
        mailbox,
        to: email,
        subject: `${subject} [#${created.case.number}]`,
        text: confirmationBody(form.confirmation_text, created.case.number, String(answers.get('message'))),
        caseId: created.case.id,
        at,
      });
    return { accepted: true, confirmationText: form.confirmation_text };
  });
}
