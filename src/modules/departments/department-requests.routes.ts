// HTTP for cross-department requests: asked from a case, worked from the department's queue, the
// managers' coordination view, and each department's calendar and internal targets (OLAs).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAuth } from '../../http/auth-hook.js';
import { IdParams, Iso, QueryBoolean } from '../../http/schemas.js';
import type { ServiceContext } from '../../lib/context.js';
import {
  answerDepartmentRequest,
  assignDepartmentRequest,
  cancelDepartmentRequest,
  clarifyDepartmentRequest,
  coordinationView,
  createDepartmentRequest,
  declineDepartmentRequest,
  getDepartmentRequest,
  listCaseDepartmentRequests,
  listDepartmentRequests,
  requestClarification,
} from './department-requests.service.js';
import { departmentTurnaround, drillDepartmentTurnaround, turnaroundOutcomes } from './department-turnaround.js';
import { getDepartmentService, setDepartmentService } from './department-service.js';

const StatusSchema = z.enum(['open', 'clarification_requested', 'answered', 'declined', 'cancelled']);
const RequestType = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,49}$/, 'lower-case letters, digits and _, starting with a letter')
  .describe('e.g. refund_approval, delivery_status; the OLA for it applies, else the department default');
const Text = (max: number) => z.string().trim().min(1).max(max);
const Version = z.number().int().min(1).optional().describe('the version you saw; a stale one gets 409');

const RequestSchema = z.object({
  id: z.uuid(),
  number: z.number().int(),
  caseId: z.uuid(),
  departmentId: z.uuid(),
  departmentName: z.string(),
  requestType: z.string(),
  question: z.string(),
  expectedAnswer: z.string().nullable(),
  sharedMessageIds: z.array(z.uuid()),
  status: StatusSchema,
  assigneeId: z.uuid().nullable(),
  requestedById: z.uuid().nullable(),
  olaMinutes: z.number().int(),
  olaBusinessHours: z.boolean(),
  createdAt: Iso,
  dueAt: Iso,
  firstResponseAt: Iso.nullable(),
  completedAt: Iso.nullable(),
  answer: z.string().nullable(),
  declineReason: z.string().nullable(),
  escalatedAt: Iso.nullable(),
  lateMinutes: z.number().int().describe('minutes past due (now if open, at completion otherwise); 0 when on time'),
  version: z.number().int(),
});

const DetailSchema = RequestSchema.extend({
  case: z.object({
    caseId: z.uuid(),
    number: z.number().int(),
    subject: z.string(),
    status: z.string(),
    requesterName: z.string(),
    messages: z.array(
      z.object({
        id: z.uuid(),
        kind: z.string(),
        bodyText: z.string(),
        createdAt: Iso,
        attachments: z.array(z.object({ id: z.uuid(), filename: z.string(), contentType: z.string(), sizeBytes: z.number().int() })),
      }),
    ),
  }),
  events: z.array(
    z.object({
      kind: z.string(),
      actorId: z.uuid().nullable(),
      body: z.string().nullable(),
      data: z.record(z.string(), z.unknown()),
      at: Iso,
    }),
  ),
});

const OlaSchema = z.object({
  requestType: z.union([RequestType, z.literal('*')]),
  minutes: z.number().int().min(1).max(525_600),
  businessHours: z.boolean(),
});
const ServiceSchema = z.object({ calendarId: z.uuid().nullable(), olas: z.array(OlaSchema) });

const TurnaroundFigures = z.object({
  requests: z.number().int().describe('created in the period, not cancelled (drill: outcome=requests)'),
  responded: z.number().int().describe('of those, with a first response: what the first-response times are over (responded)'),
  completed: z.number().int().describe('answered or declined (completed)'),
  answered: z.number().int().describe('(answered)'),
  declined: z.number().int().describe('(declined)'),
  firstResponseMinutes: z.object({ median: z.number().nullable(), p90: z.number().nullable() }),
  completionMinutes: z.object({ median: z.number().nullable(), p90: z.number().nullable() }),
  judged: z.number().int().describe('completed, or still open and past due: the denominator of withinOlaPercent (judged)'),
  withinOla: z.number().int().describe('completed by the due time: the numerator of withinOlaPercent (within_ola)'),
  late: z.number().int().describe('judged − withinOla: completed after the due time, or open and past due (late)'),
  withinOlaPercent: z.number().nullable(),
  openNow: z.number().int().describe('open or awaiting clarification now, whenever created (open_now)'),
  overdueNow: z.number().int().describe('of those, past the due time (overdue_now)'),
});

const TurnaroundDrillItem = z.object({
  id: z.uuid(),
  number: z.number().int(),
  requestType: z.string(),
  status: StatusSchema,
  departmentId: z.uuid(),
  departmentName: z.string(),
  assigneeId: z.uuid().nullable(),
  assigneeName: z.string().nullable(),
  caseId: z.uuid().nullable().describe('null (with caseNumber and caseSubject) when the case is outside what you may see'),
  caseNumber: z.number().int().nullable(),
  caseSubject: z.string().nullable(),
  createdAt: Iso,
  dueAt: Iso,
  firstResponseAt: Iso.nullable(),
  completedAt: Iso.nullable().describe('answered or declined'),
  olaMinutes: z.number().int(),
  olaBusinessHours: z.boolean(),
  firstResponseMinutes: z.number().nullable().describe('created → first response, in OLA time (business or calendar minutes)'),
  completionMinutes: z.number().nullable().describe('created → answered or declined, in OLA time'),
  withinOla: z
    .boolean()
    .nullable()
    .describe('true: completed by the due time; false: completed late or open past due; null: not yet judged'),
});

export function departmentRequestsRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/cases/:id/department-requests',
      {
        schema: {
          tags: ['department requests'],
          summary: 'Ask a department for something this case needs; due by the department OLA',
          params: IdParams,
          body: z.strictObject({
            departmentId: z.uuid(),
            requestType: RequestType.optional(),
            question: Text(10_000),
            expectedAnswer: z.string().max(2000).nullable().optional(),
            sharedMessageIds: z.array(z.uuid()).max(100).optional().describe('messages of the case the department may read'),
          }),
          response: { 201: RequestSchema },
        },
      },
      async (req, reply) => reply.status(201).send(await createDepartmentRequest(ctx, req.params.id, req.body, requireAuth(req))),
    );

    app.get(
      '/api/cases/:id/department-requests',
      {
        schema: {
          tags: ['department requests'],
          summary: "The case's department requests: whose answer is awaited and how late",
          params: IdParams,
          response: { 200: z.object({ items: z.array(RequestSchema) }) },
        },
      },
      async (req) => ({ items: await listCaseDepartmentRequests(ctx, req.params.id, requireAuth(req)) }),
    );

    app.get(
      '/api/department-requests',
      {
        schema: {
          tags: ['department requests'],
          summary: 'A queue of requests: open first by due time (members see their departments only)',
          querystring: z.strictObject({
            departmentId: z.uuid().optional(),
            status: z
              .string()
              .optional()
              .transform((v, c) => {
                if (v === undefined) return undefined;
                const parsed = z.array(StatusSchema).safeParse(v.split(','));
                if (!parsed.success) {
                  c.addIssue({ code: 'custom', message: `status: one or more of ${StatusSchema.options.join(', ')}, comma-separated` });
                  return z.NEVER;
                }
                return parsed.data;
              }),
            mine: QueryBoolean.optional(),
            overdue: QueryBoolean.optional(),
            limit: z.coerce.number().int().min(1).max(500).default(100),
          }),
          response: { 200: z.object({ items: z.array(RequestSchema) }) },
        },
      },
      async (req) => ({ items: await listDepartmentRequests(ctx, req.query, requireAuth(req)) }),
    );

    app.get(
      '/api/department-requests/coordination',
      {
        schema: {
          tags: ['department requests'],
          summary: 'Cases waiting on two or more departments, and overdue requests by department (managers)',
          response: {
            200: z.object({
              casesWaitingOnSeveral: z.array(
                z.object({
                  caseId: z.uuid(),
                  number: z.number().int(),
                  subject: z.string(),
                  requests: z.array(
                    z.object({
                      requestId: z.uuid(),
                      departmentName: z.string(),
                      status: StatusSchema,
                      dueAt: Iso,
                      lateMinutes: z.number().int(),
                    }),
                  ),
                }),
              ),
              overdueByDepartment: z.array(
                z.object({ departmentId: z.uuid(), departmentName: z.string(), overdue: z.array(RequestSchema) }),
              ),
            }),
          },
        },
      },
      async (req) => coordinationView(ctx, requireAuth(req)),
    );

    app.get(
      '/api/department-requests/:id',
      {
        schema: {
          tags: ['department requests'],
          summary: 'One request with the case context it shares and its history',
          params: IdParams,
          response: { 200: DetailSchema },
        },
      },
      async (req) => getDepartmentRequest(ctx, req.params.id, requireAuth(req)),
    );

    const action = <B extends z.ZodType>(
      path: string,
      summary: string,
      body: B,
      run: (id: string, body: z.infer<B>, actor: ReturnType<typeof requireAuth>) => Promise<unknown>,
    ) =>
      app.post(
        `/api/department-requests/:id/${path}`,
        { schema: { tags: ['department requests'], summary, params: IdParams, body, response: { 200: RequestSchema } } },
        async (req) => run(req.params.id, req.body as z.infer<B>, requireAuth(req)) as never,
      );

    action(
      'answer',
      'Answer (department): completes the request; lands on the case as an internal note',
      z.strictObject({ answer: Text(20_000), version: Version }),
      (id, b, a) => answerDepartmentRequest(ctx, id, b, a),
    );
    action(
      'clarification',
      'Ask the case owner a question (department); the request waits for their answer',
      z.strictObject({ question: Text(10_000), version: Version }),
      (id, b, a) => requestClarification(ctx, id, b, a),
    );
    action(
      'clarify',
      'Answer the department’s question (case side); the request is open again',
      z.strictObject({ body: Text(10_000), version: Version }),
      (id, b, a) => clarifyDepartmentRequest(ctx, id, b, a),
    );
    action(
      'assign',
      'Assign within the department (null: back to the department queue)',
      z.strictObject({ assigneeId: z.uuid().nullable(), version: Version }),
      (id, b, a) => assignDepartmentRequest(ctx, id, b, a),
    );
    action('decline', 'Decline with a reason (department)', z.strictObject({ reason: Text(5000), version: Version }), (id, b, a) =>
      declineDepartmentRequest(ctx, id, b, a),
    );
    action('cancel', 'Withdraw the request (case side)', z.strictObject({ version: Version }), (id, b, a) =>
      cancelDepartmentRequest(ctx, id, b, a),
    );

    app.get(
      '/api/departments/:id/service',
      {
        schema: {
          tags: ['department requests'],
          summary: "A department's business calendar and internal targets (OLAs)",
          params: IdParams,
          response: { 200: ServiceSchema },
        },
      },
      async (req) => getDepartmentService(ctx, req.params.id, requireAuth(req)),
    );

    app.put(
      '/api/departments/:id/service',
      {
        schema: {
          tags: ['department requests'],
          summary: "Set a department's calendar and OLAs (requestType '*' is the default)",
          params: IdParams,
          body: z.strictObject({ calendarId: z.uuid().nullable(), olas: z.array(z.strictObject(OlaSchema.shape)).max(100) }),
          response: { 200: ServiceSchema },
        },
      },
      async (req) => setDepartmentService(ctx, req.params.id, req.body, requireAuth(req)),
    );

    app.get(
      '/api/reports/departments/turnaround',
      {
        schema: {
          tags: ['department requests'],
          summary: 'Back-office turnaround per department and member (docs/metrics.md)',
          querystring: z.strictObject({
            from: z.iso.datetime({ offset: true }),
            to: z.iso.datetime({ offset: true }),
            departmentId: z.uuid().optional(),
          }),
          response: {
            200: z.object({
              from: Iso,
              to: Iso,
              departments: z.array(
                TurnaroundFigures.extend({
                  departmentId: z.uuid(),
                  departmentName: z.string(),
                  trend: z
                    .array(
                      z.object({
                        week: z.string().describe('Monday of the local week (FRONTLINE_TIME_ZONE)'),
                        requests: z.number().int(),
                        completed: z.number().int(),
                        completionMedianMinutes: z.number().nullable(),
                        withinOlaPercent: z.number().nullable(),
                      }),
                    )
                    .describe('week by week, by creation'),
                  members: z.array(TurnaroundFigures.extend({ userId: z.uuid(), name: z.string() })),
                }),
              ),
            }),
          },
        },
      },
      async (req) => departmentTurnaround(ctx, req.query, requireAuth(req)),
    );

    app.get(
      '/api/reports/departments/turnaround/requests',
      {
        schema: {
          tags: ['department requests'],
          summary: 'The exact requests one count of the turnaround report counts (same query plus the outcome)',
          description:
            'Each outcome is the count of one figure: requests, responded, completed, answered, declined, judged, within_ola (withinOla), ' +
            'late, open_now (openNow), overdue_now (overdueNow). `total` equals that figure for the same from, to, departmentId and ' +
            'memberId (a member figure: departmentId and memberId). open_now and overdue_now are as of now, whatever the period. ' +
            'Oldest first, by creation.',
          querystring: z.strictObject({
            from: z.iso.datetime({ offset: true }),
            to: z.iso.datetime({ offset: true }),
            departmentId: z.uuid().optional(),
            memberId: z.uuid().optional().describe('the assignee (a member row of the report)'),
            outcome: z.enum(turnaroundOutcomes).default('requests'),
            limit: z.coerce.number().int().min(1).max(500).default(50),
            offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
          }),
          response: { 200: z.object({ total: z.number().int(), items: z.array(TurnaroundDrillItem) }) },
        },
      },
      async (req) => drillDepartmentTurnaround(ctx, req.query, requireAuth(req)),
    );
  };
}
