// HTTP for reports: the metric catalogue, each metric over a period grouped by time or a
// dimension, and the drill-down to the exact cases behind any figure.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAuth } from '../../http/auth-hook.js';
import { Iso } from '../../http/schemas.js';
import { isValidTimeZone } from '../../lib/business-time.js';
import type { ServiceContext } from '../../lib/context.js';
import { assertPermission } from '../auth/permissions.js';
import { CasePrioritySchema, CaseTypeSchema, ChannelSchema } from '../cases/cases.routes.js';
import { computeMetric, cyclicGroupings, dimensionGroupings, drillMetric, metrics, slaTargets, timeGroupings } from './metrics.js';
import { sendTable } from '../../http/send-table.js';
import { IdParams, EmailSchema } from '../../http/schemas.js';
import { createSchedule, deleteSchedule, listSchedules, previewSchedulePdf, sendScheduleNow, updateSchedule } from './scheduled-reports.js';
import { exportFormats, type Cell } from '../../lib/table-export.js';

const UuidOrNone = z.union([z.uuid(), z.literal('none')]);
const reportQuery = {
  from: z.iso.datetime({ offset: true }).describe('start of the period (rounded down to a quarter hour)'),
  to: z.iso.datetime({ offset: true }).describe('end of the period, exclusive (rounded down to a quarter hour)'),
  groupBy: z
    .enum([...timeGroupings, ...cyclicGroupings, ...dimensionGroupings, 'total'])
    .default('total')
    .describe('hour/day/week/month: local buckets; hour_of_day (00–23) and weekday (Mon–Sun): local, over the whole period'),
  timeZone: z
    .string()
    .max(100)
    .refine(isValidTimeZone, 'must be an IANA time zone')
    .optional()
    .describe('for hour/day/week/month, hour_of_day and weekday; default FRONTLINE_TIME_ZONE'),
  target: z.enum(slaTargets).optional().describe('sla_attainment only; default firstReply'),
  teamId: UuidOrNone.optional(),
  assigneeId: UuidOrNone.optional(),
  categoryId: UuidOrNone.optional(),
  channel: ChannelSchema.optional(),
  priority: CasePrioritySchema.optional(),
  type: CaseTypeSchema.optional(),
};
const MetricParams = z.strictObject({ metric: z.string().regex(/^[a-z_]{1,50}$/) });

export function reportsRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/reports/metrics',
      {
        schema: {
          tags: ['reports'],
          summary: 'The metrics, with their definitions (docs/metrics.md)',
          response: {
            200: z.object({
              items: z.array(
                z.object({ id: z.string(), name: z.string(), unit: z.string(), definition: z.string(), countedAt: z.string() }),
              ),
              groupBy: z.array(z.string()),
            }),
          },
        },
      },
      async (req) => {
        assertPermission(requireAuth(req), 'reports.read');
        return {
          items: metrics.map(({ id, name, unit, definition, countedAt }) => ({ id, name, unit, definition, countedAt })),
          groupBy: [...timeGroupings, ...cyclicGroupings, ...dimensionGroupings, 'total'],
        };
      },
    );

    app.get(
      '/api/reports/metrics/:metric',
      {
        schema: {
          tags: ['reports'],
          summary: 'A metric over a period, grouped; `cases` is how many cases each value counts',
          params: MetricParams,
          querystring: z.strictObject(reportQuery),
          response: {
            200: z.object({
              metric: z.string(),
              unit: z.string(),
              rows: z.array(z.object({ group: z.string(), value: z.number().nullable(), cases: z.number().int() })),
            }),
          },
        },
      },
      async (req) => computeMetric(ctx, req.params.metric, req.query, requireAuth(req)),
    );

    app.get(
      '/api/reports/metrics/:metric/cases',
      {
        schema: {
          tags: ['reports'],
          summary: 'The exact cases one figure counts (same query plus the row’s group)',
          params: MetricParams,
          querystring: z.strictObject({
            ...reportQuery,
            group: z.string().min(1).max(100).describe('the `group` of the row to open'),
            limit: z.coerce.number().int().min(1).max(500).default(50),
            offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
          }),
          response: {
            200: z.object({
              total: z.number().int(),
              items: z.array(
                z.object({
                  id: z.uuid(),
                  number: z.number().int(),
                  subject: z.string(),
                  status: z.string(),
                  priority: z.string(),
                  channel: z.string(),
                  teamId: z.uuid().nullable(),
                  assigneeId: z.uuid().nullable(),
                  createdAt: Iso,
                  countedAt: Iso,
                  value: z.number().nullable(),
                }),
              ),
            }),
          },
        },
      },
      async (req) => drillMetric(ctx, req.params.metric, req.query, requireAuth(req)),
    );

    app.get(
      '/api/reports/metrics/:metric/export',
      {
        schema: {
          tags: ['reports'],
          summary: 'A metric’s rows as a CSV or XLSX download',
          params: MetricParams,
          querystring: z.strictObject({ ...reportQuery, format: z.enum(exportFormats).default('csv') }),
        },
      },
      async (req, reply) => {
        const { format, ...query } = req.query;
        const result = await computeMetric(ctx, req.params.metric, query, requireAuth(req));
        const rows = (async function* () {
          for (const r of result.rows) yield [r.group, r.value, r.cases] as Cell[];
        })();
        const columns = [{ header: query.groupBy }, { header: `${result.metric} (${result.unit})` }, { header: 'cases' }];
        return sendTable(req, reply, { format, columns, rows, name: result.metric, at: ctx.clock.now() });
      },
    );

    app.get(
      '/api/reports/metrics/:metric/cases/export',
      {
        schema: {
          tags: ['reports'],
          summary: 'The cases behind one figure as a CSV or XLSX download',
          params: MetricParams,
          querystring: z.strictObject({ ...reportQuery, group: z.string().min(1).max(100), format: z.enum(exportFormats).default('csv') }),
        },
      },
      async (req, reply) => {
        const { format, ...query } = req.query;
        const actor = requireAuth(req);
        const pageSize = 5000;
        // The first page runs before anything is sent, so a refusal is still a clean error.
        const first = await drillMetric(ctx, req.params.metric, { ...query, limit: pageSize, offset: 0 }, actor);
        const rows = (async function* () {
          let page = first;
          for (let offset = 0; ;) {
            for (const c of page.items)
              yield [
                c.number,
                c.subject,
                c.status,
                c.priority,
                c.channel,
                c.teamId,
                c.assigneeId,
                c.createdAt,
                c.countedAt,
                c.value,
              ] as Cell[];
            offset += page.items.length;
            if (page.items.length < pageSize || offset >= page.total) return;
            page = await drillMetric(ctx, req.params.metric, { ...query, limit: pageSize, offset }, actor);
          }
        })();
        const columns = [
          'Number',
          'Subject',
          'Status',
          'Priority',
          'Channel',
          'Team id',
          'Assignee id',
          'Created (UTC)',
          'Counted at (UTC)',
          'Value',
        ].map((header) => ({ header }));
        return sendTable(req, reply, { format, columns, rows, name: `${req.params.metric}-cases`, at: ctx.clock.now() });
      },
    );

    const ScheduleSchema = z.object({
      id: z.uuid(),
      name: z.string(),
      ownerId: z.uuid().nullable(),
      dashboard: z.enum(['operations', 'service_standards', 'team_performance', 'back_office']),
      filters: z.record(z.string(), z.string()),
      frequency: z.enum(['daily', 'weekly', 'monthly']),
      hour: z.number().int(),
      weekday: z.number().int().nullable(),
      dayOfMonth: z.number().int().nullable(),
      timeZone: z.string(),
      recipients: z.array(z.string()),
      goalPercent: z.number().int(),
      active: z.boolean(),
      nextRunAt: Iso,
      lastRunAt: Iso.nullable(),
      lastError: z.string().nullable(),
    });
    const scheduleFields = {
      name: z.string().trim().min(1).max(200),
      dashboard: z.enum(['operations', 'service_standards', 'team_performance', 'back_office']),
      filters: z.strictObject({ teamId: z.uuid().optional(), channel: ChannelSchema.optional(), categoryId: z.uuid().optional() }),
      frequency: z.enum(['daily', 'weekly', 'monthly']),
      hour: z.number().int().min(0).max(23).describe('local hour the report goes out'),
      weekday: z.number().int().min(1).max(7).nullable().describe('weekly: 1 = Monday'),
      dayOfMonth: z.number().int().min(1).max(28).nullable().describe('monthly'),
      timeZone: z.string().max(100).refine(isValidTimeZone, 'must be an IANA time zone'),
      recipients: z.array(EmailSchema).min(1).max(50),
      goalPercent: z.number().int().min(1).max(100).describe('the attainment a standard must reach to count as met in the summary'),
      active: z.boolean(),
    };

    app.get(
      '/api/reports/schedules',
      {
        schema: {
          tags: ['reports'],
          summary: 'Scheduled reports (yours; managers see all)',
          response: { 200: z.object({ items: z.array(ScheduleSchema) }) },
        },
      },
      async (req) => ({ items: await listSchedules(ctx, requireAuth(req)) }),
    );

    app.post(
      '/api/reports/schedules',
      {
        schema: {
          tags: ['reports'],
          summary: 'Send a dashboard daily, weekly or monthly as a PDF with CSV files',
          body: z.strictObject({
            ...scheduleFields,
            filters: scheduleFields.filters.optional(),
            weekday: scheduleFields.weekday.optional(),
            dayOfMonth: scheduleFields.dayOfMonth.optional(),
            goalPercent: scheduleFields.goalPercent.optional(),
            active: scheduleFields.active.optional(),
          }),
          response: { 201: ScheduleSchema },
        },
      },
      async (req, reply) => reply.status(201).send(await createSchedule(ctx, req.body, requireAuth(req))),
    );

    app.patch(
      '/api/reports/schedules/:id',
      {
        schema: {
          tags: ['reports'],
          summary: 'Change a scheduled report',
          params: IdParams,
          body: z
            .strictObject(scheduleFields)
            .partial()
            .refine((b) => Object.keys(b).length > 0, 'send at least one field to change'),
          response: { 200: ScheduleSchema },
        },
      },
      async (req) => updateSchedule(ctx, req.params.id, req.body, requireAuth(req)),
    );

    app.delete(
      '/api/reports/schedules/:id',
      { schema: { tags: ['reports'], summary: 'Delete a scheduled report', params: IdParams, response: { 204: z.null() } } },
      async (req, reply) => {
        await deleteSchedule(ctx, req.params.id, requireAuth(req));
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/reports/schedules/:id/send-now',
      {
        schema: {
          tags: ['reports'],
          summary: 'Send the latest period now, outside the schedule',
          params: IdParams,
          response: { 200: z.object({ emails: z.number().int() }) },
        },
      },
      async (req) => sendScheduleNow(ctx, req.params.id, requireAuth(req)),
    );

    app.get(
      '/api/reports/schedules/:id/preview.pdf',
      { schema: { tags: ['reports'], summary: 'The PDF a run now would send', params: IdParams } },
      async (req, reply) => {
        const pdf = await previewSchedulePdf(ctx, req.params.id, requireAuth(req));
        return reply.header('content-type', 'application/pdf').header('content-disposition', 'inline; filename="report.pdf"').send(pdf);
      },
    );
  };
}
