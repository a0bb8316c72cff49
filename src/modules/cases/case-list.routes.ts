// HTTP for many cases at once: the filtered, sorted, searchable case list (optionally starting
// from a saved view) and bulk changes.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAuth } from '../../http/auth-hook.js';
import { Iso, QueryBoolean } from '../../http/schemas.js';
import type { ServiceContext } from '../../lib/context.js';
import { listViewCases } from '../views/views.service.js';
import { sendTable } from '../../http/send-table.js';
import { exportFormats } from '../../lib/table-export.js';
import { caseExportColumns, openCaseExport } from './case-export.js';
import { bulkUpdateCases, maxBulkCases } from './bulk.js';
import {
  CaseFiltersSchema,
  CaseSortSchema,
  caseChannels,
  casePriorities,
  caseStatuses,
  caseTypes,
  listCases,
  type CaseFilters,
} from './case-list.js';
import { CasePrioritySchema, CaseStatusSchema, CaseTypeSchema, ChannelSchema } from './cases.routes.js';

const splitList = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** A comma-separated query parameter read as a list of the given values. */
function commaList<T extends z.ZodType<unknown, string>>(item: T, max: number) {
  return z.string().max(2000).transform(splitList).pipe(z.array(item).min(1).max(max));
}

const Instant = z.iso.datetime({ offset: true });

export const CaseListQuery = z.strictObject({
  status: commaList(z.enum(caseStatuses), caseStatuses.length)
    .optional()
    .describe(`comma list of ${caseStatuses.join(', ')}`),
  priority: commaList(z.enum(casePriorities), casePriorities.length)
    .optional()
    .describe(`comma list of ${casePriorities.join(', ')}`),
  type: commaList(z.enum(caseTypes), caseTypes.length)
    .optional()
    .describe(`comma list of ${caseTypes.join(', ')}`),
  channel: commaList(z.enum(caseChannels), caseChannels.length)
    .optional()
    .describe(`comma list of ${caseChannels.join(', ')}`),
  teamId: CaseFiltersSchema.shape.teamId,
  assigneeId: CaseFiltersSchema.shape.assigneeId,
  tags: z
    .string()
    .max(2000)
    .transform(splitList)
    .pipe(z.array(z.string()).min(1))
    .pipe(CaseFiltersSchema.shape.tags.unwrap())
    .optional()
    .describe('comma list: cases having all of them'),
  categoryId: CaseFiltersSchema.shape.categoryId,
  requesterId: CaseFiltersSchema.shape.requesterId,
  organisationId: CaseFiltersSchema.shape.organisationId,
  q: CaseFiltersSchema.shape.q,
  createdFrom: Instant.optional().describe('created at or after'),
  createdTo: Instant.optional().describe('created before'),
  updatedFrom: Instant.optional().describe('last changed at or after'),
  updatedTo: Instant.optional().describe('last changed before'),
  createdWithinDays: z.coerce.number().int().min(1).max(3650).optional(),
  updatedWithinDays: z.coerce.number().int().min(1).max(3650).optional(),
  sla: CaseFiltersSchema.shape.sla,
  slaWithinMinutes: z.coerce.number().int().min(1).max(43_200).optional(),
  escalated: QueryBoolean.optional().describe('true: escalated cases only; false: not escalated'),
  number: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional().describe('the case with this number'),
  viewId: z.uuid().optional().describe("start from this saved view's filters and sort; the parameters given here replace the view's"),
  sort: CaseSortSchema.optional().describe('updated_desc unless q is given (then relevance)'),
  cursor: z.string().max(1000).optional().describe('nextCursor of the previous page'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const PageQuery = z.strictObject({
  cursor: z.string().max(1000).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const CaseListItemSchema = z.object({
  id: z.uuid(),
  number: z.number().int(),
  subject: z.string(),
  status: CaseStatusSchema,
  priority: CasePrioritySchema,
  type: CaseTypeSchema,
  channel: ChannelSchema,
  tags: z.array(z.string()),
  requester: z.object({ id: z.uuid(), name: z.string(), email: z.string().nullable() }),
  teamId: z.string().nullable(),
  teamName: z.string().nullable(),
  assigneeId: z.string().nullable(),
  assigneeName: z.string().nullable(),
  createdAt: Iso,
  updatedAt: Iso,
  version: z.number().int(),
  sla: z.object({ nextDueAt: Iso.nullable(), breached: z.boolean() }).nullable(),
  escalatedAt: Iso.nullable(),
  rank: z.number().optional().describe('searches only: higher is a better match'),
  snippet: z.string().nullable().optional().describe('searches only: the matching text, HTML-escaped, hits in <b>…</b>'),
});

export const CasePageSchema = z.object({
  items: z.array(CaseListItemSchema),
  nextCursor: z.string().nullable(),
  total: z
    .number()
    .int()
    .describe(
      'every case the filters select (within what you may see), not just this page; at most 10,000, or 1,000 with a search (see totalCapped)',
    ),
  totalCapped: z
    .boolean()
    .describe(
      'true when more cases match than are counted: total is then the cap, shown as "10,000+" ("1,000+" for a search, whose sort by relevance ranks the 1,000 most recently changed matches)',
    ),
});

const filterKeys = Object.keys(CaseFiltersSchema.shape) as (keyof CaseFilters)[];

/** The filters given in the query string, and only those (so a view's others stay). */
function filtersOf(query: Record<string, unknown>): CaseFilters {
  const out: Record<string, unknown> = {};
  for (const key of filterKeys) if (query[key] !== undefined) out[key] = query[key];
  return out as CaseFilters;
}

const Tags = z.array(z.string().max(50)).max(50);

const BulkBody = z.strictObject({
  caseIds: z.array(z.uuid()).min(1).max(maxBulkCases),
  changes: z
    .strictObject({
      status: CaseStatusSchema.optional(),
      priority: CasePrioritySchema.optional(),
      teamId: z.uuid().nullable().optional(),
      assigneeId: z.uuid().nullable().optional(),
      addTags: Tags.optional(),
      removeTags: Tags.optional(),
    })
    .refine((c) => Object.keys(c).length > 0, 'say what to change'),
});

const BulkAnswer = z.object({
  results: z.array(
    z.object({
      id: z.uuid(),
      ok: z.boolean(),
      version: z.number().int().optional(),
      error: z.object({ code: z.string(), message: z.string() }).optional(),
    }),
  ),
});

export function caseListRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/cases',
      {
        schema: {
          tags: ['cases'],
          summary:
            'Cases matching filters and an optional full-text search, sorted, one keyset page at a time, with the total (exact up to 10,000; 1,000 for a search)',
          querystring: CaseListQuery,
          response: { 200: CasePageSchema },
        },
      },
      async (req) => {
        const actor = requireAuth(req);
        const { viewId, sort, cursor, limit } = req.query;
        const filters = filtersOf(req.query);
        if (viewId) return listViewCases(ctx, viewId, { filters, sort, cursor, limit }, actor);
        return listCases(ctx, { filters, sort, cursor, limit }, actor);
      },
    );

    app.get(
      '/api/cases/export',
      {
        schema: {
          tags: ['cases'],
          summary: 'Every case the filters select, as a CSV or XLSX download (streamed; any number of rows)',
          querystring: CaseListQuery.omit({ cursor: true, limit: true, sort: true, viewId: true }).extend({
            format: z.enum(exportFormats).default('csv'),
          }),
        },
      },
      async (req, reply) => {
        const { format, ...query } = req.query;
        const rows = await openCaseExport(ctx, filtersOf(query), requireAuth(req));
        return sendTable(req, reply, { format, columns: caseExportColumns, rows, name: 'cases', at: ctx.clock.now() });
      },
    );

    app.post(
      '/api/cases/bulk',
      {
        schema: {
          tags: ['cases'],
          summary: 'Change many cases at once; each changes on its own (with its own events) and reports ok or its error',
          body: BulkBody,
          response: { 200: BulkAnswer },
        },
      },
      async (req) => bulkUpdateCases(ctx, req.body, requireAuth(req)),
    );
  };
}
