// HTTP for teams and departments: the same routes over a different GroupKind and view.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ServiceContext } from '../../lib/context.js';
import { requireAuth } from '../../http/auth-hook.js';
import { DescriptionSchema, Iso, NameSchema, RoleSchema } from '../../http/schemas.js';
import {
  createGroup,
  deleteGroup,
  getGroup,
  listGroups,
  removeGroupMember,
  setGroupMember,
  updateGroup,
  type GroupDetail,
  type GroupKind,
  type GroupView,
} from './org-groups.js';

export function groupRoutes(
  ctx: ServiceContext,
  options: { kind: GroupKind; path: string; tag: string; present?: <T extends GroupView | GroupDetail>(g: T) => T },
): FastifyPluginAsyncZod {
  const { kind, path, tag } = options;
  const present = options.present ?? (<T>(g: T) => g);
  const membership = z.enum(kind.memberships);
  const GroupSchema = z.object({
    id: z.uuid(),
    name: z.string(),
    description: z.string().nullable(),
    memberCount: z.number().int(),
    leaderUserIds: z.array(z.string()),
    headUserId: z.string().nullable().optional(),
    createdAt: Iso,
  });
  const MemberSchema = z.object({ userId: z.uuid(), name: z.string(), email: z.string(), role: RoleSchema, membership: z.string() });
  const DetailSchema = GroupSchema.extend({ members: z.array(MemberSchema) });
  const GroupParams = z.strictObject({ id: z.uuid() });
  const MemberParams = z.strictObject({ id: z.uuid(), userId: z.uuid() });

  return async (app) => {
    app.get(
      path,
      { schema: { tags: [tag], summary: `List ${kind.noun}s`, response: { 200: z.object({ items: z.array(GroupSchema) }) } } },
      async (req) => ({
        items: (await listGroups(ctx, kind, requireAuth(req))).map(present),
      }),
    );

    app.post(
      path,
      {
        schema: {
          tags: [tag],
          summary: `Create a ${kind.noun}`,
          body: z.strictObject({ name: NameSchema, description: DescriptionSchema.optional() }),
          response: { 201: DetailSchema },
        },
      },
      async (req, reply) => reply.status(201).send(present(await createGroup(ctx, kind, req.body, requireAuth(req)))),
    );

    app.get(
      `${path}/:id`,
      { schema: { tags: [tag], summary: `One ${kind.noun} with its members`, params: GroupParams, response: { 200: DetailSchema } } },
      async (req) => present(await getGroup(ctx, kind, req.params.id, requireAuth(req))),
    );

    app.patch(
      `${path}/:id`,
      {
        schema: {
          tags: [tag],
          summary: `Rename or describe a ${kind.noun}`,
          params: GroupParams,
          body: z
            .strictObject({ name: NameSchema.optional(), description: DescriptionSchema.optional() })
            .refine((b) => Object.keys(b).length > 0, 'send at least one field to change'),
          response: { 200: DetailSchema },
        },
      },
      async (req) => present(await updateGroup(ctx, kind, req.params.id, req.body, requireAuth(req))),
    );

    app.delete(`${path}/:id`, { schema: { tags: [tag], summary: `Delete a ${kind.noun}`, params: GroupParams } }, async (req, reply) => {
      await deleteGroup(ctx, kind, req.params.id, requireAuth(req));
      return reply.status(204).send();
    });

    app.put(
      `${path}/:id/members/:userId`,
      {
        schema: {
          tags: [tag],
          summary: `Add a member to a ${kind.noun} or change their membership`,
          params: MemberParams,
          body: z.strictObject({ membership }),
          response: { 200: DetailSchema },
        },
      },
      async (req) =>
        present(
          await setGroupMember(
            ctx,
            kind,
            { groupId: req.params.id, userId: req.params.userId, membership: req.body.membership },
            requireAuth(req),
          ),
        ),
    );

    app.delete(
      `${path}/:id/members/:userId`,
      { schema: { tags: [tag], summary: `Remove a member from a ${kind.noun}`, params: MemberParams } },
      async (req, reply) => {
        await removeGroupMember(ctx, kind, { groupId: req.params.id, userId: req.params.userId }, requireAuth(req));
        return reply.status(204).send();
      },
    );
  };
}
