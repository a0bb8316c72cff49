// HTTP for saved views: list with live counts, create, change, delete, and a view's cases.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAuth } from '../../http/auth-hook.js';
import { IdParams } from '../../http/schemas.js';
import type { ServiceContext } from '../../lib/context.js';
import { CaseFiltersSchema, CaseSortSchema } from '../cases/case-list.js';
import { CasePageSchema, PageQuery } from '../cases/case-list.routes.js';
import { createView, deleteView, getView, listViewCases, listViews, updateView } from './views.service.js';

const ViewName = z.string().trim().min(1).max(100);
const Position = z.number().int().min(-1_000_000).max(1_000_000);

const ViewSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  ownerId: z.string().nullable().describe('null: shared with everyone'),
  filters: z.record(z.string(), z.unknown()).describe('the case-list filters (see GET /api/cases), as JSON'),
  sort: CaseSortSchema,
  position: z.number().int(),
  builtIn: z.string().nullable().describe('my_open, unassigned, all_open, pending, recently_solved; built-in views cannot be deleted'),
  count: z
    .number()
    .int()
    .nullable()
    .describe('cases the view selects for you now, counted up to 10,000; null if its filters no longer parse'),
  countCapped: z.boolean().describe('true when the view selects more cases than are counted: count is then the cap ("10,000+")'),
});

const CreateViewBody = z.strictObject({
  name: ViewName,
  filters: CaseFiltersSchema,
  sort: CaseSortSchema.optional(),
  shared: z.boolean().optional().describe('shared with everyone (needs cases.configure); personal otherwise'),
  position: Position.optional(),
});

const UpdateViewBody = z
  .strictObject({
    name: ViewName.optional(),
    filters: CaseFiltersSchema.optional(),
    sort: CaseSortSchema.optional(),
    position: Position.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'say what to change');

export function viewsRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/views',
      {
        schema: {
          tags: ['views'],
          summary: 'The views you can see (shared and your own), each with its live count for you',
          response: { 200: z.object({ items: z.array(ViewSchema) }) },
        },
      },
      async (req) => ({ items: await listViews(ctx, requireAuth(req)) }),
    );

    app.post(
      '/api/views',
      { schema: { tags: ['views'], summary: 'Save a view', body: CreateViewBody, response: { 201: ViewSchema } } },
      async (req, reply) => reply.status(201).send(await createView(ctx, req.body, requireAuth(req))),
    );

    app.get(
      '/api/views/:id',
      { schema: { tags: ['views'], summary: 'One view with its live count', params: IdParams, response: { 200: ViewSchema } } },
      async (req) => getView(ctx, req.params.id, requireAuth(req)),
    );

    app.patch(
      '/api/views/:id',
      {
        schema: {
          tags: ['views'],
          summary: 'Change a view (shared ones need cases.configure)',
          params: IdParams,
          body: UpdateViewBody,
          response: { 200: ViewSchema },
        },
      },
      async (req) => updateView(ctx, req.params.id, req.body, requireAuth(req)),
    );

    app.delete(
      '/api/views/:id',
      { schema: { tags: ['views'], summary: 'Delete a view (built-in views cannot be deleted: 409)', params: IdParams } },
      async (req, reply) => {
        await deleteView(ctx, req.params.id, requireAuth(req));
        return reply.status(204).send();
      },
    );

    app.get(
      '/api/views/:id/cases',
      {
        schema: {
          tags: ['views'],
          summary: "The view's cases, in its sort, one keyset page at a time, with the total (exact up to 10,000)",
          params: IdParams,
          querystring: PageQuery,
          response: { 200: CasePageSchema },
        },
      },
      async (req) => listViewCases(ctx, req.params.id, req.query, requireAuth(req)),
    );
  };
}
