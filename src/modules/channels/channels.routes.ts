// HTTP for channel health: every channel's state with its facts and usual traffic, and the
// history of its state changes.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAuth } from '../../http/auth-hook.js';
import { Iso } from '../../http/schemas.js';
import type { ServiceContext } from '../../lib/context.js';
import { listChannelEvents, listChannelHealth } from './channel-health.js';

const StateSchema = z.enum(['ok', 'degraded', 'down', 'silent']);

export function channelsRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/channels/health',
      {
        schema: {
          tags: ['channels'],
          summary: 'Every channel’s state (ok, degraded, down, silent), why, and its usual traffic by hour of week',
          response: {
            200: z.object({
              items: z.array(
                z.object({
                  kind: z.enum(['mailbox', 'form']),
                  id: z.uuid(),
                  name: z.string(),
                  address: z.string().nullable(),
                  state: StateSchema,
                  stateSince: Iso,
                  reason: z.string().nullable(),
                  lastInboundAt: Iso.nullable(),
                  lastSendOkAt: Iso.nullable(),
                  lastErrorAt: Iso.nullable(),
                  lastError: z.string().nullable(),
                  consecutiveErrors: z.number().int(),
                  lastPollOkAt: Iso.nullable().describe('last successful IMAP poll (mailboxes with IMAP polling)'),
                  lastPollErrorAt: Iso.nullable(),
                  lastPollError: z.string().nullable(),
                  consecutivePollErrors: z.number().int().describe('IMAP polls in a row that failed'),
                  checkedAt: Iso.nullable(),
                  usualPerHour: z.array(z.number()).describe('168 values, Monday 00:00 first, in FRONTLINE_TIME_ZONE'),
                }),
              ),
            }),
          },
        },
      },
      async (req) => ({ items: await listChannelHealth(ctx, requireAuth(req)) }),
    );

    app.get(
      '/api/channels/health/:kind/:id/events',
      {
        schema: {
          tags: ['channels'],
          summary: 'A channel’s state changes, newest first',
          params: z.strictObject({ kind: z.enum(['mailbox', 'form']), id: z.uuid() }),
          response: {
            200: z.object({
              items: z.array(z.object({ from: StateSchema.nullable(), to: StateSchema, reason: z.string().nullable(), at: Iso })),
            }),
          },
        },
      },
      async (req) => ({ items: await listChannelEvents(ctx, req.params.kind, req.params.id, requireAuth(req)) }),
    );
  };
}
