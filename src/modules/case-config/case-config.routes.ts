// HTTP for the category tree and the custom fields of cases.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAuth } from '../../http/auth-hook.js';
import { IdParams } from '../../http/schemas.js';
import type { ServiceContext } from '../../lib/context.js';
import {
  createCategory,
  createCustomField,
  deleteCategory,
  listCategories,
  listCustomFields,
  updateCategory,
  updateCustomField,
} from './case-config.service.js';

const nonEmpty = (b: object) => Object.keys(b).length > 0;
const atLeastOne = 'send at least one field to change';

const CategoryName = z.string().max(100);
const CategorySchema = z.object({
  id: z.uuid(),
  parentId: z.uuid().nullable(),
  name: z.string(),
  path: z.string().describe('names from the root, joined by " > "'),
  active: z.boolean(),
  depth: z.number().int().describe('0 for a top-level category'),
});

const CustomFieldKindSchema = z.enum(['text', 'number', 'dropdown', 'date', 'checkbox']);
const Options = z.array(z.string().max(200)).max(500);
const Position = z.number().int().min(-1_000_000).max(1_000_000);
const CustomFieldSchema = z.object({
  id: z.uuid(),
  key: z.string(),
  label: z.string(),
  kind: CustomFieldKindSchema,
  options: z.array(z.string()),
  required: z.boolean().describe('a case cannot be solved until the field has a value'),
  active: z.boolean(),
  position: z.number().int(),
});

export function caseConfigRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/categories',
      {
        schema: {
          tags: ['case configuration'],
          summary: 'The category tree, each parent before its children, siblings by name',
          response: { 200: z.object({ items: z.array(CategorySchema) }) },
        },
      },
      async (req) => ({ items: await listCategories(ctx, requireAuth(req)) }),
    );

    app.post(
      '/api/categories',
      {
        schema: {
          tags: ['case configuration'],
          summary: 'Add a category (at the top, or under parentId)',
          body: z.strictObject({ name: CategoryName, parentId: z.uuid().nullable().optional() }),
          response: { 201: CategorySchema },
        },
      },
      async (req, reply) => reply.status(201).send(await createCategory(ctx, req.body, requireAuth(req))),
    );

    app.patch(
      '/api/categories/:id',
      {
        schema: {
          tags: ['case configuration'],
          summary: 'Rename, move (parentId; null for the top) or retire (active: false, with everything below it) a category',
          params: IdParams,
          body: z
            .strictObject({ name: CategoryName.optional(), parentId: z.uuid().nullable().optional(), active: z.boolean().optional() })
            .refine(nonEmpty, atLeastOne),
          response: { 200: CategorySchema },
        },
      },
      async (req) => updateCategory(ctx, req.params.id, req.body, requireAuth(req)),
    );

    app.delete(
      '/api/categories/:id',
      {
        schema: {
          tags: ['case configuration'],
          summary: 'Delete an unused category without subcategories (otherwise 409: retire it instead)',
          params: IdParams,
        },
      },
      async (req, reply) => {
        await deleteCategory(ctx, req.params.id, requireAuth(req));
        return reply.status(204).send();
      },
    );

    app.get(
      '/api/custom-fields',
      {
        schema: {
          tags: ['case configuration'],
          summary: 'The custom fields of cases, in display order',
          response: { 200: z.object({ items: z.array(CustomFieldSchema) }) },
        },
      },
      async (req) => ({ items: await listCustomFields(ctx, requireAuth(req)) }),
    );

    app.post(
      '/api/custom-fields',
      {
        schema: {
          tags: ['case configuration'],
          summary: 'Define a custom field; key and kind cannot change later',
          body: z.strictObject({
            key: z.string().max(63),
            label: z.string().max(200),
            kind: CustomFieldKindSchema,
            options: Options.optional().describe('the choices of a dropdown (required for one; not allowed for other kinds)'),
            required: z.boolean().optional(),
            position: Position.optional().describe('display order; new fields go last by default'),
          }),
          response: { 201: CustomFieldSchema },
        },
      },
      async (req, reply) => reply.status(201).send(await createCustomField(ctx, req.body, requireAuth(req))),
    );

    app.patch(
      '/api/custom-fields/:id',
      {
        schema: {
          tags: ['case configuration'],
          summary: 'Relabel, change options, require, retire (active: false) or reorder a custom field',
          params: IdParams,
          body: z
            .strictObject({
              label: z.string().max(200).optional(),
              options: Options.optional(),
              required: z.boolean().optional(),
              active: z.boolean().optional(),
              position: Position.optional(),
            })
            .refine(nonEmpty, atLeastOne),
          response: { 200: CustomFieldSchema },
        },
      },
      async (req) => updateCustomField(ctx, req.params.id, req.body, requireAuth(req)),
    );
  };
}
