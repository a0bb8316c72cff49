// HTTP for service standards as configured and as they run: business calendars (with iCalendar
// holiday import), the ordered SLA policies, a case's live clocks, the cases at risk, and the SLA
// scan for operators.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAuth } from '../../http/auth-hook.js';
import { IdParams, Iso } from '../../http/schemas.js';
import { isValidTimeZone, parseLocalDate } from '../../lib/business-time.js';
import type { ServiceContext } from '../../lib/context.js';
import { CasePrioritySchema, CaseTypeSchema, CaseViewSchema, ChannelSchema } from '../cases/cases.routes.js';
import { escalateCase } from './escalation.js';
import { expectedHandling, listOutliers } from './handling-time.js';
import {
  createCalendar,
  createPolicy,
  deleteCalendar,
  deletePolicy,
  getCalendar,
  getPolicy,
  importCalendarHolidays,
  listCalendars,
  listPolicies,
  reorderPolicies,
  updateCalendar,
  updatePolicy,
} from './sla-config.service.js';
import { caseSlaView, listCasesAtRisk } from './sla-status.service.js';
import { WallTime, WeeklySchema } from './sla.routes.js';

const nonEmpty = (b: object) => Object.keys(b).length > 0;
const atLeastOne = 'send at least one field to change';

const LocalDate = z.iso.date().refine((d) => parseLocalDate(d) !== null, 'is not a real date');
const HolidaySchema = z.union([
  LocalDate.describe('a whole local date'),
  z
    .strictObject({ date: LocalDate, start: WallTime, end: WallTime })
    .refine((h) => h.start !== '24:00' && h.start < h.end, 'a partial holiday needs start before end (end may be 24:00)')
    .describe('part of a local date'),
]);
const ZoneSchema = z.string().max(100).refine(isValidTimeZone, 'must be an IANA time zone such as Europe/London');

const CalendarSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  timeZone: z.string(),
  weekly: z.record(z.string(), z.array(z.object({ start: z.string(), end: z.string() }))),
  holidays: z.array(z.union([z.string(), z.object({ date: z.string(), start: z.string(), end: z.string() })])),
  createdAt: Iso,
  updatedAt: Iso,
});

const calendarFields = {
  name: z.string().trim().min(1).max(200),
  timeZone: ZoneSchema,
  weekly: WeeklySchema,
  holidays: z.array(HolidaySchema).max(2000),
};

const TargetSchema = z.strictObject({
  minutes: z
    .number()
    .int()
    .min(0)
    .max(60 * 24 * 365),
  businessHours: z.boolean().default(true),
});
const TargetsSchema = z
  .strictObject({
    firstReply: TargetSchema.optional(),
    nextReply: TargetSchema.optional(),
    periodicUpdate: TargetSchema.optional(),
    resolution: TargetSchema.optional(),
  })
  .describe('Minutes per target, in business hours of the calendar (default) or calendar time');
const WarningSchema = z.union([
  z.strictObject({ percentUsed: z.number().int().min(1).max(99) }),
  z.strictObject({
    minutesLeft: z
      .number()
      .int()
      .min(1)
      .max(60 * 24 * 30),
  }),
]);
const Ids = z.array(z.uuid()).max(200);
const ConditionsSchema = z
  .strictObject({
    priorities: z.array(CasePrioritySchema).max(4).optional(),
    types: z.array(CaseTypeSchema).max(4).optional(),
    categoryIds: Ids.optional().describe('a category matches itself and everything below it'),
    channels: z.array(ChannelSchema).max(20).optional(),
    tiers: z
      .array(z.enum(['standard', 'priority', 'vip']))
      .max(3)
      .optional(),
    organisationIds: Ids.optional(),
    teamIds: Ids.optional(),
    tags: z.array(z.string().trim().toLowerCase().min(1).max(50)).max(50).optional().describe('the case has at least one of them'),
  })
  .describe('Every listed condition must hold; an empty object matches every case');

const EscalationSchema = z
  .strictObject({
    on: z.enum(['warning', 'breach']),
    target: z.enum(['firstReply', 'nextReply', 'periodicUpdate', 'resolution']).optional().describe('any target if absent'),
    setPriority: CasePrioritySchema.optional().describe('raised to this, never lowered'),
    teamId: z.uuid().optional().describe('move the case to this team (an escalation group)'),
    addTags: z.array(z.string().trim().toLowerCase().min(1).max(50)).max(20).optional(),
    notifyManagers: z.boolean().optional(),
    markEscalated: z.boolean().optional().describe('mark the case escalated (also implied by notifyManagers)'),
  })
  .refine((r) => r.setPriority || r.teamId || r.addTags?.length || r.notifyManagers || r.markEscalated, 'a rule needs at least one action');

const policyFields = {
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).nullable(),
  active: z.boolean(),
  calendarId: z.uuid(),
  conditions: ConditionsSchema,
  targets: TargetsSchema,
  pauseOnHold: z.boolean().describe('also pause while on_hold (pending always pauses)'),
  pauseOnDepartment: z.boolean().describe('also pause while the case waits on a department request'),
  warnings: z.array(WarningSchema).max(10).describe('default: 75 % used and 15 minutes left'),
  escalations: z.array(EscalationSchema).max(20).describe('what to do when a warning or breach is raised'),
};

const PolicySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string().nullable(),
  position: z.number().int(),
  active: z.boolean(),
  calendarId: z.uuid(),
  conditions: z.record(z.string(), z.unknown()),
  targets: z.record(z.string(), z.object({ minutes: z.number(), businessHours: z.boolean() })),
  pauseOnHold: z.boolean(),
  pauseOnDepartment: z.boolean(),
  warnings: z.array(z.record(z.string(), z.number())),
  escalations: z.array(z.record(z.string(), z.unknown())),
  createdAt: Iso,
  updatedAt: Iso,
});

const CycleSchema = z.object({ startedAt: Iso, dueAt: Iso.nullable(), achievedAt: Iso.nullable(), state: z.string() });
const ClockSchema = CycleSchema.extend({
  targetMinutes: z.number(),
  businessHours: z.boolean(),
  elapsedMinutes: z.number(),
  remainingMinutes: z.number(),
  pausedIntervals: z.array(z.object({ from: Iso, to: Iso.nullable() })),
  cycles: z.array(CycleSchema),
  alerts: z.array(z.object({ key: z.string(), at: Iso.nullable(), raised: z.boolean() })),
});

const AtRiskItem = z.object({
  caseId: z.uuid(),
  number: z.number().int(),
  subject: z.string(),
  status: z.string(),
  priority: z.string(),
  teamId: z.uuid().nullable(),
  teamName: z.string().nullable(),
  assigneeId: z.uuid().nullable(),
  assigneeName: z.string().nullable(),
  target: z.string(),
  state: z.string(),
  dueAt: Iso.nullable(),
  minutesUntilDue: z.number().int().nullable().describe('wall-clock minutes to the due instant; negative once past'),
});

export function slaConfigRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.addContentTypeParser(['text/calendar'], { parseAs: 'string' }, (_req, body, done) => done(null, body));

    app.get(
      '/api/sla/calendars',
      { schema: { tags: ['sla'], summary: 'Business calendars by name', response: { 200: z.object({ items: z.array(CalendarSchema) }) } } },
      async (req) => ({ items: await listCalendars(ctx, requireAuth(req)) }),
    );

    app.post(
      '/api/sla/calendars',
      {
        schema: {
          tags: ['sla'],
          summary: 'Create a business calendar (needs sla.manage)',
          body: z.strictObject({ ...calendarFields, holidays: calendarFields.holidays.optional() }),
          response: { 201: CalendarSchema },
        },
      },
      async (req, reply) => reply.status(201).send(await createCalendar(ctx, req.body, requireAuth(req))),
    );

    app.get(
      '/api/sla/calendars/:id',
      { schema: { tags: ['sla'], summary: 'One business calendar', params: IdParams, response: { 200: CalendarSchema } } },
      async (req) => getCalendar(ctx, req.params.id, requireAuth(req)),
    );

    app.patch(
      '/api/sla/calendars/:id',
      {
        schema: {
          tags: ['sla'],
          summary: 'Change a calendar; open cases are re-evaluated',
          params: IdParams,
          body: z.strictObject(calendarFields).partial().refine(nonEmpty, atLeastOne),
          response: { 200: CalendarSchema },
        },
      },
      async (req) => updateCalendar(ctx, req.params.id, req.body, requireAuth(req)),
    );

    app.delete(
      '/api/sla/calendars/:id',
      { schema: { tags: ['sla'], summary: 'Delete a calendar no policy uses', params: IdParams, response: { 204: z.null() } } },
      async (req, reply) => {
        await deleteCalendar(ctx, req.params.id, requireAuth(req));
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/sla/calendars/:id/holidays/import',
      {
        schema: {
          tags: ['sla'],
          summary: 'Add the holidays of an iCalendar (.ics) file',
          description:
            'Send the file as `text/calendar`, or JSON `{ "ical": "<file text>" }`. Query `from`/`to` (local dates) bound recurring events.',
          params: IdParams,
          querystring: z.strictObject({ from: LocalDate.optional(), to: LocalDate.optional() }),
          body: z.union([z.string().min(1).max(2_000_000), z.strictObject({ ical: z.string().min(1).max(2_000_000) })]),
          response: {
            200: z.object({
              calendar: CalendarSchema,
              added: z.number().int(),
              holidays: z.array(z.unknown()),
              skipped: z.array(z.object({ uid: z.string().nullable(), summary: z.string().nullable(), reason: z.string() })),
            }),
          },
        },
      },
      async (req) => {
        const text = typeof req.body === 'string' ? req.body : req.body.ical;
        return importCalendarHolidays(ctx, req.params.id, text, req.query, requireAuth(req));
      },
    );

    app.get(
      '/api/sla/policies',
      {
        schema: {
          tags: ['sla'],
          summary: 'SLA policies in evaluation order',
          response: { 200: z.object({ items: z.array(PolicySchema) }) },
        },
      },
      async (req) => ({ items: await listPolicies(ctx, requireAuth(req)) }),
    );

    app.post(
      '/api/sla/policies',
      {
        schema: {
          tags: ['sla'],
          summary: 'Add a policy at the end of the order (needs sla.manage)',
          body: z.strictObject({
            ...policyFields,
            description: policyFields.description.optional(),
            active: policyFields.active.optional(),
            conditions: policyFields.conditions.optional(),
            pauseOnHold: policyFields.pauseOnHold.optional(),
            pauseOnDepartment: policyFields.pauseOnDepartment.optional(),
            warnings: policyFields.warnings.optional(),
            escalations: policyFields.escalations.optional(),
          }),
          response: { 201: PolicySchema },
        },
      },
      async (req, reply) => reply.status(201).send(await createPolicy(ctx, req.body, requireAuth(req))),
    );

    app.put(
      '/api/sla/policies/order',
      {
        schema: {
          tags: ['sla'],
          summary: 'Set the evaluation order (every policy id once, first match wins)',
          body: z.strictObject({ ids: z.array(z.uuid()).max(1000) }),
          response: { 200: z.object({ items: z.array(PolicySchema) }) },
        },
      },
      async (req) => ({ items: await reorderPolicies(ctx, req.body.ids, requireAuth(req)) }),
    );

    app.get(
      '/api/sla/policies/:id',
      { schema: { tags: ['sla'], summary: 'One policy', params: IdParams, response: { 200: PolicySchema } } },
      async (req) => getPolicy(ctx, req.params.id, requireAuth(req)),
    );

    app.patch(
      '/api/sla/policies/:id',
      {
        schema: {
          tags: ['sla'],
          summary: 'Change a policy; open cases are re-evaluated, keeping the time already used',
          params: IdParams,
          body: z.strictObject(policyFields).partial().refine(nonEmpty, atLeastOne),
          response: { 200: PolicySchema },
        },
      },
      async (req) => updatePolicy(ctx, req.params.id, req.body, requireAuth(req)),
    );

    app.delete(
      '/api/sla/policies/:id',
      {
        schema: {
          tags: ['sla'],
          summary: 'Delete a policy; its open cases get a new match',
          params: IdParams,
          response: { 204: z.null() },
        },
      },
      async (req, reply) => {
        await deletePolicy(ctx, req.params.id, requireAuth(req));
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/api/cases/:id/sla',
      {
        schema: {
          tags: ['sla'],
          summary: "A case's SLA clocks now: policy, and per target state, due time, time used and left, pauses, alerts",
          params: IdParams,
          response: {
            200: z.object({
              policy: z.object({ id: z.uuid(), name: z.string(), calendarId: z.uuid() }).nullable(),
              targets: z.object({
                firstReply: ClockSchema.nullable(),
                nextReply: ClockSchema.nullable(),
                periodicUpdate: ClockSchema.nullable(),
                resolution: ClockSchema.nullable(),
              }),
            }),
          },
        },
      },
      async (req) => caseSlaView(ctx, req.params.id, requireAuth(req)),
    );

    app.post(
      '/api/cases/:id/escalate',
      {
        schema: {
          tags: ['sla'],
          summary: 'Escalate the case to the managers, with a reason',
          params: IdParams,
          body: z.strictObject({ reason: z.string().trim().min(1).max(2000) }),
          response: { 200: CaseViewSchema },
        },
      },
      async (req) => escalateCase(ctx, req.params.id, req.body, requireAuth(req)),
    );

    const NormSchema = z.object({
      categoryId: z.uuid().nullable(),
      type: z.string().describe('"*" when the norm covers every type'),
      channel: z.string().describe('"*" when the norm covers every channel'),
      sampleSize: z.number().int(),
      medianMinutes: z.number(),
      p80Minutes: z.number(),
      p90Minutes: z.number(),
    });

    app.get(
      '/api/cases/:id/expected-handling',
      {
        schema: {
          tags: ['sla'],
          summary: 'How long cases like this usually take to solve, how long this one has run, and whether it is an outlier',
          params: IdParams,
          response: {
            200: z.object({ norm: NormSchema.nullable(), usually: z.string().nullable(), ageMinutes: z.number(), outlier: z.boolean() }),
          },
        },
      },
      async (req) => expectedHandling(ctx, req.params.id, requireAuth(req)),
    );

    app.get(
      '/api/sla/outliers',
      {
        schema: {
          tags: ['sla'],
          summary: "Open cases older than their category's p90 handling time, most overdue first (reports.read)",
          querystring: z.strictObject({ teamId: z.uuid().optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
          response: {
            200: z.object({
              items: z.array(
                z.object({
                  caseId: z.uuid(),
                  number: z.number().int(),
                  subject: z.string(),
                  status: z.string(),
                  teamId: z.uuid().nullable(),
                  assigneeId: z.uuid().nullable(),
                  ageMinutes: z.number(),
                  p90Minutes: z.number(),
                  norm: NormSchema,
                }),
              ),
            }),
          },
        },
      },
      async (req) => ({ items: await listOutliers(ctx, req.query, requireAuth(req)) }),
    );

    app.get(
      '/api/sla/at-risk',
      {
        schema: {
          tags: ['sla'],
          summary: 'Running targets already breached or due within the next minutes, soonest first (cases you can see)',
          querystring: z.strictObject({
            withinMinutes: z.coerce
              .number()
              .int()
              .min(0)
              .max(60 * 24 * 30)
              .default(60),
            teamId: z.uuid().optional(),
            limit: z.coerce.number().int().min(1).max(500).default(100),
          }),
          response: { 200: z.object({ items: z.array(AtRiskItem) }) },
        },
      },
      async (req) => ({ items: await listCasesAtRisk(ctx, req.query, requireAuth(req)) }),
    );
  };
}
