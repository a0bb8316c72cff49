// HTTP for one case: create, read, change, conversation, event log, followers, auto-assign.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ServiceContext } from '../../lib/context.js';
import { requireAuth } from '../../http/auth-hook.js';
import { readIdempotencyKey, runIdempotent } from '../../http/idempotency.js';
import { IdParams, Iso } from '../../http/schemas.js';
import { assertPermission } from '../auth/permissions.js';
import { readAttachment } from './attachments.js';
import { createDirectoryFileStore } from '../../lib/file-store.js';
import { linkCases, listCaseLinks, mergeCases, unlinkCases } from './case-links.js';
import {
  addMessage,
  autoAssignCase,
  createCase,
  getCase,
  listCaseEvents,
  listCaseMessages,
  setFollower,
  updateCase,
} from './cases.service.js';

export const CaseTypeSchema = z.enum(['question', 'complaint', 'service_request', 'incident']);
export const CaseStatusSchema = z.enum(['new', 'open', 'pending', 'on_hold', 'solved', 'closed']);
export const CasePrioritySchema = z.enum(['low', 'normal', 'high', 'urgent']);
export const ChannelSchema = z.enum(['email', 'web', 'portal', 'chat', 'phone', 'sms', 'messaging', 'walk_in', 'api', 'internal']);
const TagsSchema = z.array(z.string().max(50)).max(50);
const CustomFieldsSchema = z.record(z.string().max(63), z.union([z.string().max(10_000), z.number(), z.boolean(), z.null()]));
const BodyText = z.string().max(200_000);
const maxAttachmentBytes = 25 * 1024 * 1024;
// Attachments travel base64-encoded in JSON; these routes accept bodies big enough for them.
const uploadBodyLimit = 36 * 1024 * 1024;
const AttachmentUpload = z.strictObject({
  filename: z.string().min(1).max(255),
  contentType: z
    .string()
    .regex(/^[\w.+-]+\/[\w.+-]+$/)
    .max(200),
  dataBase64: z
    .string()
    .max(Math.ceil((maxAttachmentBytes * 4) / 3) + 4)
    .regex(/^[A-Za-z0-9+/=\s]*$/, 'must be base64'),
});
const AttachmentUploads = z.array(AttachmentUpload).max(20).optional();

function decodeUploads(files: z.infer<typeof AttachmentUpload>[] | undefined) {
  return files?.map((f) => ({ filename: f.filename, contentType: f.contentType, data: Buffer.from(f.dataBase64, 'base64') }));
}

export const AttachmentViewSchema = z.object({
  id: z.uuid(),
  messageId: z.uuid(),
  filename: z.string(),
  contentType: z.string(),
  sizeBytes: z.number().int(),
  createdAt: Iso,
});

export const CaseViewSchema = z.object({
  id: z.uuid(),
  number: z.number().int(),
  subject: z.string(),
  type: CaseTypeSchema,
  status: CaseStatusSchema,
  priority: CasePrioritySchema,
  categoryId: z.string().nullable(),
  categoryName: z.string().nullable(),
  tags: z.array(z.string()),
  channel: ChannelSchema,
  requester: z.object({
    id: z.uuid(),
    name: z.string(),
    email: z.string().nullable(),
    tier: z.string(),
    organisationId: z.string().nullable(),
  }),
  teamId: z.string().nullable(),
  teamName: z.string().nullable(),
  assigneeId: z.string().nullable(),
  assigneeName: z.string().nullable(),
  followerIds: z.array(z.string()),
  customFields: z.record(z.string(), z.unknown()),
  version: z.number().int(),
  createdAt: Iso,
  updatedAt: Iso,
  firstPublicReplyAt: Iso.nullable(),
  lastCustomerMessageAt: Iso.nullable(),
  lastPublicReplyAt: Iso.nullable(),
  solvedAt: Iso.nullable(),
  closedAt: Iso.nullable(),
  reopenCount: z.number().int(),
  publicReplyCount: z.number().int(),
  customerMessageCount: z.number().int(),
  followUpOfId: z.string().nullable(),
  mergedIntoId: z.string().nullable(),
  escalatedAt: Iso.nullable(),
  escalationReason: z.string().nullable(),
});

export const MessageViewSchema = z.object({
  id: z.uuid(),
  kind: z.enum(['customer', 'reply', 'note']),
  channel: ChannelSchema,
  bodyText: z.string(),
  bodyHtml: z.string().nullable(),
  externalId: z.string().nullable(),
  createdAt: Iso,
  author: z.union([
    z.object({ type: z.literal('user'), id: z.string(), name: z.string().nullable() }),
    z.object({ type: z.literal('customer'), id: z.string(), name: z.string().nullable() }),
    z.object({ type: z.literal('system') }),
  ]),
  attachments: z.array(AttachmentViewSchema),
});

const CaseWithFlags = CaseViewSchema.extend({ duplicate: z.boolean() });

const CreateCaseBody = z.strictObject({
  subject: z.string().trim().min(1).max(500),
  requester: z
    .strictObject({
      email: z.email().max(320).optional(),
      phone: z.string().min(3).max(40).optional(),
      name: z.string().max(200).optional(),
    })
    .refine((r) => r.email || r.phone, 'give an email or a phone number')
    .optional(),
  requesterId: z.uuid().optional(),
  message: z
    .strictObject({
      body: BodyText.optional(),
      html: BodyText.optional(),
      externalId: z.string().min(1).max(500).optional(),
      attachments: AttachmentUploads,
    })
    .optional(),
  type: CaseTypeSchema.optional(),
  priority: CasePrioritySchema.optional(),
  status: z.enum(['new', 'open', 'pending', 'on_hold']).optional(),
  channel: ChannelSchema.optional(),
  teamId: z.uuid().nullable().optional(),
  assigneeId: z.uuid().nullable().optional(),
  autoAssign: z.boolean().optional(),
  categoryId: z.uuid().nullable().optional(),
  tags: TagsSchema.optional(),
  customFields: CustomFieldsSchema.optional(),
});

const UpdateCaseBody = z.strictObject({
  version: z.number().int().min(1),
  subject: z.string().trim().min(1).max(500).optional(),
  type: CaseTypeSchema.optional(),
  status: CaseStatusSchema.optional(),
  priority: CasePrioritySchema.optional(),
  categoryId: z.uuid().nullable().optional(),
  tags: TagsSchema.optional(),
  addTags: TagsSchema.optional(),
  removeTags: TagsSchema.optional(),
  teamId: z.uuid().nullable().optional(),
  assigneeId: z.uuid().nullable().optional(),
  customFields: CustomFieldsSchema.optional(),
});

const AddMessageBody = z.strictObject({
  kind: z.enum(['customer', 'reply', 'note']),
  body: BodyText.optional(),
  html: BodyText.optional(),
  status: CaseStatusSchema.optional(),
  channel: ChannelSchema.optional(),
  externalId: z.string().min(1).max(500).optional(),
  version: z.number().int().min(1).optional(),
  attachments: AttachmentUploads,
});

const EventViewSchema = z.object({
  id: z.string(),
  kind: z.string(),
  actor: z.object({ type: z.enum(['user', 'customer', 'system']), id: z.string().nullable(), name: z.string().nullable() }),
  before: z.unknown(),
  after: z.unknown(),
  at: Iso,
});

function toCreateInput(body: z.infer<typeof CreateCaseBody>) {
  if (!body.message) return { ...body, message: undefined };
  const { attachments, ...message } = body.message;
  return { ...body, message: { ...message, uploads: decodeUploads(attachments) } };
}

function toMessageInput(body: z.infer<typeof AddMessageBody>) {
  const { attachments, ...rest } = body;
  return { ...rest, uploads: decodeUploads(attachments) };
}

const idempotencyHeader = z.object({ 'idempotency-key': z.string().optional() }).passthrough();

export function casesRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/cases',
      {
        bodyLimit: uploadBodyLimit,
        schema: {
          tags: ['cases'],
          summary: 'Open a case (honours Idempotency-Key)',
          headers: idempotencyHeader,
          body: CreateCaseBody,
          response: { 200: CaseWithFlags, 201: CaseWithFlags },
        },
      },
      async (req, reply) => {
        const actor = requireAuth(req);
        assertPermission(actor, 'cases.work');
        const key = readIdempotencyKey(req.headers['idempotency-key']);
        if (key === undefined) {
          // No key to remember: the case joins the intake batch (group commit) of concurrent requests.
          const created = await createCase(ctx, toCreateInput(req.body), actor);
          return reply.status(created.duplicate ? 200 : 201).send({ ...created.case, duplicate: created.duplicate });
        }
        const result = await runIdempotent(
          ctx,
          { key, actorId: actor.userId, route: 'POST /api/cases', body: req.body, statusCode: 201 },
          async (trx) => {
            const created = await createCase({ ...ctx, db: trx }, toCreateInput(req.body), actor);
            return { ...created.case, duplicate: created.duplicate };
          },
        );
        return reply.status(result.body.duplicate ? 200 : 201).send(result.body);
      },
    );

    app.get(
      '/api/cases/:id',
      { schema: { tags: ['cases'], summary: 'One case', params: IdParams, response: { 200: CaseViewSchema } } },
      async (req) => getCase(ctx, req.params.id, requireAuth(req)),
    );

    app.patch(
      '/api/cases/:id',
      {
        schema: {
          tags: ['cases'],
          summary: 'Change case fields; send the version you saw (a stale version gets 409 conflict)',
          params: IdParams,
          body: UpdateCaseBody,
          response: { 200: CaseViewSchema },
        },
      },
      async (req) => updateCase(ctx, req.params.id, req.body, requireAuth(req)),
    );

    app.get(
      '/api/cases/:id/messages',
      {
        schema: {
          tags: ['cases'],
          summary: 'The conversation of a case, oldest first',
          params: IdParams,
          response: { 200: z.object({ items: z.array(MessageViewSchema) }) },
        },
      },
      async (req) => ({ items: await listCaseMessages(ctx, req.params.id, requireAuth(req)) }),
    );

    app.post(
      '/api/cases/:id/messages',
      {
        bodyLimit: uploadBodyLimit,
        schema: {
          tags: ['cases'],
          summary: 'Add a customer message, public reply or internal note (honours Idempotency-Key)',
          params: IdParams,
          headers: idempotencyHeader,
          body: AddMessageBody,
          response: {
            201: z.object({ case: CaseViewSchema, message: MessageViewSchema, duplicate: z.boolean(), followUpCreated: z.boolean() }),
            200: z.object({ case: CaseViewSchema, message: MessageViewSchema, duplicate: z.boolean(), followUpCreated: z.boolean() }),
          },
        },
      },
      async (req, reply) => {
        const actor = requireAuth(req);
        assertPermission(actor, 'cases.work');
        const key = readIdempotencyKey(req.headers['idempotency-key']);
        const result = await runIdempotent(
          ctx,
          { key, actorId: actor.userId, route: `POST /api/cases/${req.params.id}/messages`, body: req.body, statusCode: 201 },
          (trx) => addMessage({ ...ctx, db: trx }, req.params.id, toMessageInput(req.body), actor),
        );
        return reply.status(result.body.duplicate ? 200 : 201).send(result.body);
      },
    );

    app.get(
      '/api/cases/:id/events',
      {
        schema: {
          tags: ['cases'],
          summary: 'The event log of a case, oldest first (page with ?after=<event id>)',
          params: IdParams,
          querystring: z.strictObject({
            after: z
              .string()
              .regex(/^\d{1,18}$/)
              .optional(),
            limit: z.coerce.number().int().min(1).max(1000).default(500),
          }),
          response: { 200: z.object({ items: z.array(EventViewSchema) }) },
        },
      },
      async (req) => ({ items: await listCaseEvents(ctx, req.params.id, req.query, requireAuth(req)) }),
    );

    const FollowerParams = z.strictObject({ id: z.uuid(), userId: z.uuid() });
    app.put(
      '/api/cases/:id/followers/:userId',
      {
        schema: {
          tags: ['cases'],
          summary: 'Follow a case (or make someone follow it)',
          params: FollowerParams,
          response: { 200: CaseViewSchema },
        },
      },
      async (req) => setFollower(ctx, req.params.id, { userId: req.params.userId, follow: true }, requireAuth(req)),
    );
    app.delete(
      '/api/cases/:id/followers/:userId',
      { schema: { tags: ['cases'], summary: 'Stop following a case', params: FollowerParams, response: { 200: CaseViewSchema } } },
      async (req) => setFollower(ctx, req.params.id, { userId: req.params.userId, follow: false }, requireAuth(req)),
    );

    app.post(
      '/api/cases/:id/auto-assign',
      {
        schema: {
          tags: ['cases'],
          summary: 'Assign by round-robin among available members of the case’s team (or the given team)',
          params: IdParams,
          body: z.strictObject({ teamId: z.uuid().optional() }).nullish(),
          response: { 200: CaseViewSchema },
        },
      },
      async (req) => autoAssignCase(ctx, req.params.id, { teamId: req.body?.teamId }, requireAuth(req)),
    );
    const LinkSchema = z.object({
      caseId: z.uuid(),
      number: z.number().int(),
      subject: z.string(),
      status: z.string(),
      kind: z.enum(['related', 'duplicate_of', 'parent_of', 'child_of', 'follow_up_of', 'merged_into', 'merged_from']),
      createdAt: Iso,
    });
    app.get(
      '/api/cases/:id/links',
      {
        schema: {
          tags: ['cases'],
          summary: 'Cases linked to this one',
          params: IdParams,
          response: { 200: z.object({ items: z.array(LinkSchema) }) },
        },
      },
      async (req) => ({
        items: await listCaseLinks(ctx, req.params.id, requireAuth(req)),
      }),
    );
    app.post(
      '/api/cases/:id/links',
      {
        schema: {
          tags: ['cases'],
          summary: 'Link another case (related, duplicate_of, parent_of, child_of); the inverse link is added to the other case',
          params: IdParams,
          body: z.strictObject({ otherCaseId: z.uuid(), kind: z.enum(['related', 'duplicate_of', 'parent_of', 'child_of']) }),
          response: { 200: z.object({ items: z.array(LinkSchema) }) },
        },
      },
      async (req) => ({ items: await linkCases(ctx, { caseId: req.params.id, ...req.body }, requireAuth(req)) }),
    );
    app.delete(
      '/api/cases/:id/links/:otherCaseId',
      {
        schema: {
          tags: ['cases'],
          summary: 'Remove the links between two cases',
          params: z.strictObject({ id: z.uuid(), otherCaseId: z.uuid() }),
        },
      },
      async (req, reply) => {
        await unlinkCases(ctx, { caseId: req.params.id, otherCaseId: req.params.otherCaseId }, requireAuth(req));
        return reply.status(204).send();
      },
    );
    app.post(
      '/api/cases/:id/merge',
      {
        schema: {
          tags: ['cases'],
          summary: 'Merge this case into another: its conversation moves there and it is closed; answers the target case',
          params: IdParams,
          body: z.strictObject({ targetId: z.uuid() }),
          response: { 200: CaseViewSchema },
        },
      },
      async (req) => mergeCases(ctx, { sourceId: req.params.id, targetId: req.body.targetId }, requireAuth(req)),
    );
    app.get(
      '/api/attachments/:id',
      { schema: { tags: ['cases'], summary: 'Download an attachment (images inline, everything else as a download)', params: IdParams } },
      async (req, reply) => {
        const file = await readAttachment(ctx, createDirectoryFileStore(ctx.config.filesDir), req.params.id, requireAuth(req));
        const encoded = encodeURIComponent(file.view.filename);
        return reply
          .header('content-type', file.servedType)
          .header('content-disposition', `${file.disposition}; filename*=UTF-8''${encoded}`)
          .header('content-security-policy', "default-src 'none'; sandbox")
          .send(file.data);
      },
    );
  };
}
