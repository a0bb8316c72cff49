// HTTP for web forms: administration (channels.manage), the public definition and submission
// endpoints (no staff authentication), and the embeddable HTML page at /forms/:slug.
import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAuth } from '../../http/auth-hook.js';
import { IdParams, Iso, NameSchema } from '../../http/schemas.js';
import type { ServiceContext } from '../../lib/context.js';
import { AppError } from '../../lib/errors.js';
import { notFoundPage, renderFormPage } from './form-page.js';
import { createForm, fieldKinds, getForm, getPublicForm, honeypotField, listForms, submitForm, updateForm } from './forms.service.js';

/** Largest submission body: the answers of a long form, nothing more. */
export const submissionMaxBytes = 64 * 1024;

const SlugSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes (at most 63), starting with a letter or digit');
const FieldKey = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'lower-case letters, digits and _ (at most 40), starting with a letter');

const FieldSchema = z.strictObject({
  key: FieldKey,
  label: z.string().trim().min(1).max(200),
  kind: z.enum(fieldKinds),
  required: z.boolean().default(false),
  options: z.array(z.string().trim().min(1).max(200)).min(1).max(100).optional(),
});
const FieldsSchema = z.array(FieldSchema).min(2).max(30);
const CategoryMap = z.record(z.string().min(1).max(200), z.uuid()).describe('select option -> category id');
const ConfirmationText = z.string().trim().min(1).max(2000);

const CreateFormBody = z.strictObject({
  name: NameSchema,
  slug: SlugSchema,
  active: z.boolean().optional(),
  mailboxId: z.uuid().nullable().optional().describe('confirmations go out from this mailbox'),
  teamId: z.uuid().nullable().optional(),
  fields: FieldsSchema.describe(
    'always a required "email" (email) and "message" (textarea) field; "subject" and "name" are used when present',
  ),
  categoryField: FieldKey.nullable().optional().describe('a select field whose answer picks the category'),
  categoryMap: CategoryMap.optional(),
  confirmationText: ConfirmationText,
});
const UpdateFormBody = CreateFormBody.partial();

const FieldView = z.object({
  key: z.string(),
  label: z.string(),
  kind: z.enum(fieldKinds),
  required: z.boolean(),
  options: z.array(z.string()).optional(),
});
const FormViewSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  slug: z.string(),
  active: z.boolean(),
  mailboxId: z.uuid().nullable(),
  teamId: z.uuid().nullable(),
  fields: z.array(FieldView),
  categoryField: z.string().nullable(),
  categoryMap: z.record(z.string(), z.string()),
  confirmationText: z.string(),
  pageUrl: z.string().describe('the embeddable page'),
  createdAt: Iso,
  updatedAt: Iso,
});
const PublicFormSchema = z.object({ name: z.string(), slug: z.string(), fields: z.array(FieldView), confirmationText: z.string() });

const SlugParams = z.strictObject({ slug: z.string().min(1).max(100) });
const SubmissionBody = z.strictObject({
  answers: z
    .record(z.string().max(40), z.union([z.string().max(10_000), z.boolean()]))
    .refine((a) => Object.keys(a).length <= 30, 'at most 30 answers'),
  [honeypotField]: z.string().max(2000).optional().describe('the spam trap: leave it out'),
});
const SubmissionResultSchema = z.object({ accepted: z.literal(true), confirmationText: z.string() });

/** The page may be framed by any site; its script and style run only with this response's nonce. */
function pageHeaders(nonce: string): Record<string, string> {
  return {
    'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors *`,
    'cache-control': 'no-store',
  };
}

export function formsRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/forms',
      { schema: { tags: ['forms'], summary: 'Create a web form', body: CreateFormBody, response: { 201: FormViewSchema } } },
      async (req, reply) => reply.status(201).send(await createForm(ctx, req.body, requireAuth(req))),
    );
    app.get(
      '/api/forms',
      { schema: { tags: ['forms'], summary: 'Every web form', response: { 200: z.object({ items: z.array(FormViewSchema) }) } } },
      async (req) => ({ items: await listForms(ctx, requireAuth(req)) }),
    );
    app.get(
      '/api/forms/:id',
      { schema: { tags: ['forms'], summary: 'One web form', params: IdParams, response: { 200: FormViewSchema } } },
      async (req) => getForm(ctx, req.params.id, requireAuth(req)),
    );
    app.patch(
      '/api/forms/:id',
      {
        schema: {
          tags: ['forms'],
          summary: 'Change a web form',
          params: IdParams,
          body: UpdateFormBody,
          response: { 200: FormViewSchema },
        },
      },
      async (req) => updateForm(ctx, req.params.id, req.body, requireAuth(req)),
    );

    app.get(
      '/api/public/forms/:slug',
      {
        config: { userAuth: false },
        schema: {
          tags: ['forms'],
          summary: 'An active form, to render (no authentication)',
          security: [],
          params: SlugParams,
          response: { 200: PublicFormSchema },
        },
      },
      async (req) => getPublicForm(ctx, req.params.slug),
    );
    app.post(
      '/api/public/forms/:slug/submissions',
      {
        bodyLimit: submissionMaxBytes,
        config: { userAuth: false },
        schema: {
          tags: ['forms'],
          summary: 'Submit a form (no authentication): opens a case and emails a confirmation. 429 beyond 5 per 10 minutes per IP or email',
          security: [],
          params: SlugParams,
          body: SubmissionBody,
          response: { 202: SubmissionResultSchema },
        },
      },
      async (req, reply) => {
        const result = await submitForm(ctx, req.params.slug, { answers: req.body.answers, honeypot: req.body[honeypotField], ip: req.ip });
        return reply.status(202).send(result);
      },
    );

    app.get('/forms/:slug', { schema: { hide: true, params: SlugParams } }, async (req, reply) => {
      const nonce = randomBytes(16).toString('base64');
      void reply.headers(pageHeaders(nonce)).type('text/html; charset=utf-8');
      try {
        return reply.send(renderFormPage(await getPublicForm(ctx, req.params.slug), nonce));
      } catch (err) {
        if (err instanceof AppError && err.code === 'not_found') return reply.status(404).send(notFoundPage());
        throw err;
      }
    });
    // The app forbids framing everywhere else; this page is made to be embedded.
    app.addHook('onSend', async (req, reply) => {
      if (req.routeOptions.url === '/forms/:slug') void reply.removeHeader('x-frame-options');
    });
  };
}
