// HTTP for API tokens.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ServiceContext } from '../../lib/context.js';
import { requireAuth } from '../../http/auth-hook.js';
import { IdParams, Iso, NameSchema, QueryBoolean } from '../../http/schemas.js';
import { createToken, listTokens, revokeToken } from './tokens.service.js';

const TokenSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string(),
  createdAt: Iso,
  lastUsedAt: Iso.nullable(),
  expiresAt: Iso.nullable(),
  revokedAt: Iso.nullable(),
  userId: z.uuid(),
  userName: z.string(),
});

export function tokensRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/tokens',
      {
        schema: {
          tags: ['tokens'],
          summary: 'Your API tokens (all users’ with ?all=true, for admins)',
          querystring: z.strictObject({ all: QueryBoolean.optional() }),
          response: { 200: z.object({ items: z.array(TokenSchema) }) },
        },
      },
      async (req) => ({ items: await listTokens(ctx, req.query, requireAuth(req)) }),
    );

    app.post(
      '/api/tokens',
      {
        schema: {
          tags: ['tokens'],
          summary: 'Create an API token; the secret is in this answer only',
          body: z.strictObject({
            name: NameSchema,
            expiresInDays: z.number().int().min(1).max(3650).optional(),
            userId: z.uuid().optional(),
          }),
          response: { 201: z.object({ token: TokenSchema, secret: z.string() }) },
        },
      },
      async (req, reply) => reply.status(201).send(await createToken(ctx, req.body, requireAuth(req))),
    );

    app.delete(
      '/api/tokens/:id',
      { schema: { tags: ['tokens'], summary: 'Revoke an API token', params: IdParams } },
      async (req, reply) => {
        await revokeToken(ctx, req.params.id, requireAuth(req));
        return reply.status(204).send();
      },
    );
  };
}
