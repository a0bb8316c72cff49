// HTTP for a user's own in-app notifications.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAuth } from '../../http/auth-hook.js';
import { IdParams, Iso, QueryBoolean } from '../../http/schemas.js';
import type { ServiceContext } from '../../lib/context.js';
import { listNotifications, markNotificationsRead } from './notifications.service.js';

const NotificationSchema = z.object({
  id: z.uuid(),
  kind: z.string().describe('e.g. sla_warning, sla_breached'),
  caseId: z.uuid().nullable(),
  title: z.string(),
  data: z.record(z.string(), z.unknown()),
  createdAt: Iso,
  readAt: Iso.nullable(),
});

export function notificationsRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/notifications',
      {
        schema: {
          tags: ['notifications'],
          summary: 'Your notifications, newest first, with the unread count',
          querystring: z.strictObject({
            unread: QueryBoolean.optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
          }),
          response: { 200: z.object({ items: z.array(NotificationSchema), unread: z.number().int() }) },
        },
      },
      async (req) => listNotifications(ctx, requireAuth(req), { unreadOnly: req.query.unread === true, limit: req.query.limit }),
    );

    app.post(
      '/api/notifications/:id/read',
      {
        schema: {
          tags: ['notifications'],
          summary: 'Mark one notification read',
          params: IdParams,
          response: { 200: z.object({ updated: z.number().int() }) },
        },
      },
      async (req) => markNotificationsRead(ctx, requireAuth(req), req.params.id),
    );

    app.post(
      '/api/notifications/read-all',
      {
        schema: {
          tags: ['notifications'],
          summary: 'Mark all your notifications read',
          response: { 200: z.object({ updated: z.number().int() }) },
        },
      },
      async (req) => markNotificationsRead(ctx, requireAuth(req)),
    );
  };
}
