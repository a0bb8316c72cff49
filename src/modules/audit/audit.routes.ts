// HTTP for the administrative audit trail.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ServiceContext } from '../../lib/context.js';
import { requireAuth } from '../../http/auth-hook.js';
import { Iso } from '../../http/schemas.js';
import { listAudit } from './audit.service.js';

export function auditRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/audit',
      {
        schema: {
          tags: ['audit'],
          summary: 'Administrative changes, newest first (keyset pagination with ?before=)',
          querystring: z.strictObject({
            subjectType: z.string().max(50).optional(),
            subjectId: z.string().max(100).optional(),
            before: z
              .string()
              .regex(/^\d{1,18}$/)
              .optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
          }),
          response: {
            200: z.object({
              items: z.array(
                z.object({
                  id: z.string(),
                  actorId: z.string().nullable(),
                  actorName: z.string().nullable(),
                  action: z.string(),
                  subjectType: z.string(),
                  subjectId: z.string(),
                  before: z.unknown(),
                  after: z.unknown(),
                  at: Iso,
                }),
              ),
              nextBefore: z.string().nullable(),
            }),
          },
        },
      },
      async (req) =>
        listAudit(
          ctx,
          { subjectType: req.query.subjectType, subjectId: req.query.subjectId, beforeId: req.query.before, limit: req.query.limit },
          requireAuth(req),
        ),
    );
  };
}
