// HTTP for macros and canned replies: manage them, preview one on a case, apply one to a case.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAuth } from '../../http/auth-hook.js';
import { readIdempotencyKey, runIdempotent } from '../../http/idempotency.js';
import { IdParams, Iso, QueryBoolean } from '../../http/schemas.js';
import type { ServiceContext } from '../../lib/context.js';
import { assertPermission } from '../auth/permissions.js';
import { CasePrioritySchema, CaseTypeSchema, CaseViewSchema, MessageViewSchema } from '../cases/cases.routes.js';
import { placeholderNames } from './macro-template.js';
import { applyMacro, createMacro, deleteMacro, listMacros, macroStatuses, previewMacro, updateMacro } from './macros.service.js';

const MacroStatusSchema = z.enum(macroStatuses);
const ReplyKindSchema = z.enum(['reply', 'note']);
const Tags = z.array(z.string().max(50)).max(50);
const nonEmpty = (b: object) => Object.keys(b).length > 0;

const actionShape = {
  status: MacroStatusSchema.optional(),
  priority: CasePrioritySchema.optional(),
  type: CaseTypeSchema.optional(),
  teamId: z.uuid().nullable().optional().describe('null takes the case out of its team'),
  assigneeId: z
    .union([z.uuid(), z.literal('me')])
    .nullable()
    .optional()
    .describe('"me" is whoever applies the macro; null unassigns'),
  addTags: Tags.optional(),
  removeTags: Tags.optional(),
};
const ActionsBody = z.strictObject(actionShape);
const ActionsSchema = z.object(actionShape);

const ReplyBody = z
  .string()
  .max(100_000)
  .nullable()
  .describe(`reply or note template; placeholders: ${placeholderNames.map((n) => `{{${n}}}`).join(', ')}`);

const MacroSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string().nullable(),
  ownerId: z.uuid().nullable().describe('null: shared with everyone'),
  actions: ActionsSchema,
  replyBody: z.string().nullable(),
  replyKind: ReplyKindSchema,
  active: z.boolean(),
  createdAt: Iso,
  updatedAt: Iso,
});

const MacroParams = z.strictObject({ id: z.uuid(), macroId: z.uuid() });
const idempotencyHeader = z.object({ 'idempotency-key': z.string().optional() }).passthrough();

export function macrosRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/macros',
      {
        schema: {
          tags: ['macros'],
          summary: 'Shared macros and your own, by name',
          querystring: z.strictObject({ active: QueryBoolean.optional() }),
          response: { 200: z.object({ items: z.array(MacroSchema) }) },
        },
      },
      async (req) => ({ items: await listMacros(ctx, { active: req.query.active }, requireAuth(req)) }),
    );

    app.post(
      '/api/macros',
      {
        schema: {
          tags: ['macros'],
          summary: 'Save a macro (field changes and/or a reply); shared ones need cases.configure',
          body: z.strictObject({
            name: z.string().max(200),
            description: z.string().max(2000).nullable().optional(),
            shared: z.boolean().optional(),
            actions: ActionsBody.optional(),
            replyBody: ReplyBody.optional(),
            replyKind: ReplyKindSchema.optional(),
          }),
          response: { 201: MacroSchema },
        },
      },
      async (req, reply) => reply.status(201).send(await createMacro(ctx, req.body, requireAuth(req))),
    );

    app.patch(
      '/api/macros/:id',
      {
        schema: {
          tags: ['macros'],
          summary: 'Change a macro; actions replaces the whole set',
          params: IdParams,
          body: z
            .strictObject({
              name: z.string().max(200).optional(),
              description: z.string().max(2000).nullable().optional(),
              shared: z.boolean().optional(),
              actions: ActionsBody.optional(),
              replyBody: ReplyBody.optional(),
              replyKind: ReplyKindSchema.optional(),
              active: z.boolean().optional(),
            })
            .refine(nonEmpty, 'send at least one field to change'),
          response: { 200: MacroSchema },
        },
      },
      async (req) => updateMacro(ctx, req.params.id, req.body, requireAuth(req)),
    );

    app.delete('/api/macros/:id', { schema: { tags: ['macros'], summary: 'Delete a macro', params: IdParams } }, async (req, reply) => {
      await deleteMacro(ctx, req.params.id, requireAuth(req));
      return reply.status(204).send();
    });

    app.get(
      '/api/cases/:id/macros/:macroId/preview',
      {
        schema: {
          tags: ['macros'],
          summary: 'What applying the macro to the case would do: the rendered reply and the fields that would change',
          params: MacroParams,
          response: {
            200: z.object({ replyBody: z.string().nullable(), replyKind: ReplyKindSchema.nullable(), changes: ActionsSchema }),
          },
        },
      },
      async (req) => previewMacro(ctx, { caseId: req.params.id, macroId: req.params.macroId }, requireAuth(req)),
    );

    app.post(
      '/api/cases/:id/macros/:macroId/apply',
      {
        schema: {
          tags: ['macros'],
          summary:
            'Apply a macro: its field changes and its reply or note in one change (honours Idempotency-Key; a stale version gets 409)',
          params: MacroParams,
          headers: idempotencyHeader,
          // A POST without a body arrives as null.
          body: z.strictObject({ version: z.number().int().min(1).optional() }).nullish(),
          response: { 200: z.object({ case: CaseViewSchema, message: MessageViewSchema.nullable() }) },
        },
      },
      async (req) => {
        const actor = requireAuth(req);
        assertPermission(actor, 'cases.work');
        const { id, macroId } = req.params;
        const key = readIdempotencyKey(req.headers['idempotency-key']);
        const result = await runIdempotent(
          ctx,
          { key, actorId: actor.userId, route: `POST /api/cases/${id}/macros/${macroId}/apply`, body: req.body ?? {}, statusCode: 200 },
          (trx) => applyMacro({ ...ctx, db: trx }, { caseId: id, macroId, version: req.body?.version }, actor),
        );
        return result.body;
      },
    );
  };
}
