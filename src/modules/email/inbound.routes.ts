// HTTP for inbound email: the mail relay posts each raw message (Content-Type: message/rfc822)
// with the mailbox's inbound secret. This route authenticates with that secret, not as a user, and
// does so before the body is read, so an unauthenticated sender cannot make us read 40 MB.
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ServiceContext } from '../../lib/context.js';
import { AppError } from '../../lib/errors.js';
import { receiveInboundEmail } from './inbound.service.js';
import { authenticateMailbox, type InboundMailbox } from './mailboxes.service.js';

/** Largest raw message accepted: 25 MB of attachments grow by a third in base64, plus the text. */
export const inboundEmailMaxBytes = 40 * 1024 * 1024;

const InboundParams = z.strictObject({ mailboxId: z.uuid() });

const InboundResultSchema = z.object({
  caseId: z.uuid().nullable(),
  messageId: z.uuid().nullable(),
  duplicate: z.boolean(),
  threadedBy: z.enum(['new_case', 'in_reply_to', 'references', 'subject_token', 'report', 'flood']).nullable(),
  automated: z.enum(['auto_reply', 'bounce', 'bulk']).nullable(),
  ignored: z.enum(['automated_unmatched', 'own_address']).nullable(),
});

function statusOf(result: z.infer<typeof InboundResultSchema>): 200 | 201 | 202 {
  if (result.duplicate) return 200;
  return result.ignored ? 202 : 201;
}

export function inboundEmailRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    // This plugin's scope reads raw messages only; JSON and every other type answer 415.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('message/rfc822', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    const mailboxes = new WeakMap<FastifyRequest, InboundMailbox>();

    app.post(
      '/api/inbound/email/:mailboxId',
      {
        bodyLimit: inboundEmailMaxBytes,
        config: { userAuth: false },
        onRequest: async (req) => {
          const { mailboxId } = req.params as { mailboxId: string };
          mailboxes.set(req, await authenticateMailbox(ctx, mailboxId, req.headers.authorization));
        },
        schema: {
          tags: ['email'],
          summary:
            'Deliver one raw email (Content-Type: message/rfc822) to a mailbox, authenticated with "Authorization: Bearer <inbound secret>". ' +
            '201: stored on a case; 200: this Message-ID was already stored; 202: recorded without a case (automated mail matching none, or a loop)',
          security: [{ bearer: [] }],
          consumes: ['message/rfc822'],
          params: InboundParams,
          body: z.unknown().describe('The raw message, byte for byte as received (RFC 5322 / MIME)'),
          response: { 200: InboundResultSchema, 201: InboundResultSchema, 202: InboundResultSchema },
        },
      },
      async (req, reply) => {
        const mailbox = mailboxes.get(req);
        if (!mailbox) throw new AppError('unauthenticated', 'the mailbox inbound secret was not checked');
        if (!Buffer.isBuffer(req.body)) {
          throw new AppError('unsupported_media_type', 'send the raw message as the body, with Content-Type: message/rfc822');
        }
        const result = await receiveInboundEmail(ctx, mailbox, req.body);
        return reply.status(statusOf(result)).send(result);
      },
    );
  };
}
