// HTTP for the staff directory.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ServiceContext } from '../../lib/context.js';
import { requireAuth } from '../../http/auth-hook.js';
import { EmailSchema, IdParams, NameSchema, QueryBoolean, RoleSchema, UserViewSchema } from '../../http/schemas.js';
import { PasswordSchema } from '../auth/auth.routes.js';
import { createUser, getUser, listUsers, updateUser } from './users.service.js';

export function usersRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/users',
      {
        schema: {
          tags: ['users'],
          summary: 'List staff users',
          querystring: z.strictObject({ q: z.string().max(200).optional(), role: RoleSchema.optional(), active: QueryBoolean.optional() }),
          response: { 200: z.object({ items: z.array(UserViewSchema) }) },
        },
      },
      async (req) => ({ items: await listUsers(ctx, req.query, requireAuth(req)) }),
    );

    app.post(
      '/api/users',
      {
        schema: {
          tags: ['users'],
          summary: 'Create a staff user',
          body: z.strictObject({ email: EmailSchema, name: NameSchema, role: RoleSchema, password: PasswordSchema }),
          response: { 201: UserViewSchema },
        },
      },
      async (req, reply) => reply.status(201).send(await createUser(ctx, req.body, requireAuth(req))),
    );

    app.get(
      '/api/users/:id',
      { schema: { tags: ['users'], summary: 'One staff user', params: IdParams, response: { 200: UserViewSchema } } },
      async (req) => getUser(ctx, req.params.id, requireAuth(req)),
    );

    app.patch(
      '/api/users/:id',
      {
        schema: {
          tags: ['users'],
          summary:
            'Change a user’s name, role, activity, availability or password (users may change their own name, availability and password)',
          params: IdParams,
          body: z
            .strictObject({
              name: NameSchema.optional(),
              role: RoleSchema.optional(),
              active: z.boolean().optional(),
              password: PasswordSchema.optional(),
            })
            .refine((b) => Object.keys(b).length > 0, 'send at least one field to change'),
          response: { 200: UserViewSchema },
        },
      },
      async (req) => updateUser(ctx, req.params.id, req.body, requireAuth(req)),
    );
  };
}
