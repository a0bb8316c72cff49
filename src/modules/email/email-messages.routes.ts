// HTTP for the email side of case messages: headers and display text, and the raw original.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAuth } from '../../http/auth-hook.js';
import { Iso } from '../../http/schemas.js';
import type { ServiceContext } from '../../lib/context.js';
import { getEmailDetails, readRawEmail } from './email-messages.service.js';
import { caseReplyRoute, listCaseDeliveries, retryDelivery } from './outbound.js';

const DeliverySchema = z.object({
  id: z.uuid(),
  messageId: z.uuid().nullable().describe('the reply (case message) this email carries'),
  to: z.string(),
  subject: z.string(),
  status: z.enum(['queued', 'sending', 'sent', 'failed']),
  attempts: z.number().int(),
  nextAttemptAt: Iso.nullable(),
  lastError: z.string().nullable(),
  sentAt: Iso.nullable(),
  createdAt: Iso,
});

const ReplyRouteSchema = z
  .discriminatedUnion('by', [
    z.object({
      by: z.literal('email'),
      mailboxId: z.uuid(),
      from: z.string(),
      to: z.string(),
      via: z.enum(['thread', 'form', 'team']).describe('the case’s email thread, the web form that opened it, or the case’s team'),
    }),
    z.object({ by: z.literal('not_emailed'), reason: z.string() }),
  ])
  .describe('where the next public reply goes: by email (from which mailbox, to whom), or only onto the case and the portal, and why');

const MessageParams = z.strictObject({ id: z.uuid(), messageId: z.uuid() });
const Address = z.object({ address: z.string(), name: z.string() });

const EmailDetailsSchema = z.object({
  caseMessageId: z.uuid(),
  caseId: z.uuid(),
  mailboxId: z.string().nullable(),
  direction: z.enum(['inbound', 'outbound']),
  messageId: z.string(),
  inReplyTo: z.array(z.string()),
  references: z.array(z.string()),
  from: Address.nullable(),
  to: z.array(Address),
  cc: z.array(Address),
  subject: z.string(),
  autoSubmitted: z.boolean(),
  automatedKind: z.enum(['auto_reply', 'bounce', 'bulk']).nullable(),
  threadMatch: z.enum(['new_case', 'in_reply_to', 'references', 'subject_token', 'report', 'flood']).nullable(),
  displayText: z.string().describe('The text without the quoted history of earlier mail'),
  rawSizeBytes: z.number().int().nullable(),
  receivedAt: Iso,
});

export function emailMessagesRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/cases/:id/messages/:messageId/email',
      {
        schema: {
          tags: ['email'],
          summary: 'The email headers of a case message, and its text without quoted history',
          params: MessageParams,
          response: { 200: EmailDetailsSchema },
        },
      },
      async (req) => getEmailDetails(ctx, req.params.id, req.params.messageId, requireAuth(req)),
    );

    app.get(
      '/api/cases/:id/messages/:messageId/raw',
      { schema: { tags: ['email'], summary: 'Download the original email of a case message (.eml)', params: MessageParams } },
      async (req, reply) => {
        const raw = await readRawEmail(ctx, req.params.id, req.params.messageId, requireAuth(req));
        return reply
          .header('content-type', 'message/rfc822')
          .header('content-disposition', `attachment; filename="${raw.filename}"`)
          .header('content-security-policy', "default-src 'none'; sandbox")
          .send(raw.data);
      },
    );

    app.get(
      '/api/cases/:id/email-deliveries',
      {
        schema: {
          tags: ['email'],
          summary:
            "The case's outgoing emails (queued, sent or failed, with attempts and the last error), and where the next public reply goes",
          params: z.strictObject({ id: z.uuid() }),
          response: { 200: z.object({ items: z.array(DeliverySchema), replyRoute: ReplyRouteSchema }) },
        },
      },
      async (req) => {
        const actor = requireAuth(req);
        return { items: await listCaseDeliveries(ctx, req.params.id, actor), replyRoute: await caseReplyRoute(ctx, req.params.id, actor) };
      },
    );

    app.post(
      '/api/cases/:id/email-deliveries/:deliveryId/retry',
      {
        schema: {
          tags: ['email'],
          summary: 'Send a failed email again (a fresh set of attempts)',
          params: z.strictObject({ id: z.uuid(), deliveryId: z.uuid() }),
          response: { 200: z.object({ items: z.array(DeliverySchema) }) },
        },
      },
      async (req) => ({ items: await retryDelivery(ctx, req.params.id, req.params.deliveryId, requireAuth(req)) }),
    );
  };
}
