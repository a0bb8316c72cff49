// HTTP for the customer portal. These routes never look at staff sessions or API tokens
// (userAuth: false); they authenticate the customer by the portal cookie. Every write must carry
// `x-portal-request: 1`: a cross-site HTML form cannot set a header, so it cannot post here.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { EmailSchema, IdParams, Iso } from '../../http/schemas.js';
import type { ServiceContext } from '../../lib/context.js';
import { AppError } from '../../lib/errors.js';
import {
  addPortalMessage,
  authenticatePortal,
  endPortalSession,
  getPortalCase,
  listPortalCases,
  portalCookieName,
  requestLoginLink,
  startPortalSession,
  type PortalSession,
} from './portal.service.js';

export const portalRequestHeader = 'x-portal-request';

const PortalCaseSchema = z.object({
  id: z.uuid(),
  number: z.number().int(),
  subject: z.string(),
  status: z.enum(['new', 'open', 'pending', 'on_hold', 'solved', 'closed']),
  createdAt: Iso,
  updatedAt: Iso,
});
const PortalMessageSchema = z.object({
  id: z.uuid(),
  from: z.enum(['you', 'agent']),
  authorName: z.string().nullable(),
  body: z.string(),
  createdAt: Iso,
});
const Accepted = z.object({ accepted: z.literal(true) });

function assertPortalWrite(req: FastifyRequest): void {
  if (req.headers[portalRequestHeader] !== '1')
    throw new AppError('csrf_failed', `portal writes need the header "${portalRequestHeader}: 1"`);
}

function setPortalCookie(ctx: ServiceContext, reply: FastifyReply, session: PortalSession): void {
  void reply.setCookie(portalCookieName, session.secret, {
    httpOnly: true,
    sameSite: 'lax',
    secure: ctx.config.cookieSecure,
    path: '/',
    expires: session.expiresAt,
  });
}

export function portalRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('preValidation', async (req) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') assertPortalWrite(req);
    });
    const customerOf = (req: FastifyRequest) => authenticatePortal(ctx, req.cookies[portalCookieName]);
    const open = { userAuth: false } as const;

    app.post(
      '/api/portal/login',
      {
        config: open,
        schema: {
          tags: ['portal'],
          summary: 'Email a one-time sign-in link to a customer address; always 202 (429 beyond 5 per 10 minutes per IP or address)',
          security: [],
          body: z.strictObject({ email: EmailSchema }),
          response: { 202: Accepted },
        },
      },
      async (req, reply) => {
        await requestLoginLink(ctx, { email: req.body.email, ip: req.ip });
        return reply.status(202).send({ accepted: true });
      },
    );

    app.post(
      '/api/portal/session',
      {
        config: open,
        schema: {
          tags: ['portal'],
          summary: 'Spend a sign-in token for a portal session cookie (401 when used, expired or unknown)',
          security: [],
          body: z.strictObject({ token: z.string().min(10).max(200) }),
          response: { 200: z.object({ expiresAt: Iso }) },
        },
      },
      async (req, reply) => {
        const session = await startPortalSession(ctx, req.body.token);
        setPortalCookie(ctx, reply, session);
        return { expiresAt: session.expiresAt.toISOString() };
      },
    );

    app.post(
      '/api/portal/logout',
      { config: open, schema: { tags: ['portal'], summary: 'End the portal session', security: [] } },
      async (req, reply) => {
        await endPortalSession(ctx, req.cookies[portalCookieName]);
        void reply.clearCookie(portalCookieName, { path: '/' });
        return reply.status(204).send();
      },
    );

    app.get(
      '/api/portal/cases',
      {
        config: open,
        schema: {
          tags: ['portal'],
          summary: 'The signed-in customer’s cases',
          security: [],
          response: { 200: z.object({ items: z.array(PortalCaseSchema) }) },
        },
      },
      async (req) => ({ items: await listPortalCases(ctx, await customerOf(req)) }),
    );

    app.get(
      '/api/portal/cases/:id',
      {
        config: open,
        schema: {
          tags: ['portal'],
          summary: 'One of the customer’s cases with its public conversation',
          security: [],
          params: IdParams,
          response: { 200: PortalCaseSchema.extend({ messages: z.array(PortalMessageSchema) }) },
        },
      },
      async (req) => getPortalCase(ctx, await customerOf(req), req.params.id),
    );

    app.post(
      '/api/portal/cases/:id/messages',
      {
        config: open,
        schema: {
          tags: ['portal'],
          summary: 'Write to a case as the customer (reopens a solved case; a closed one gets a follow-up case)',
          security: [],
          params: IdParams,
          body: z.strictObject({ body: z.string().trim().min(1).max(10_000) }),
          response: { 201: z.object({ caseId: z.uuid(), followUpCreated: z.boolean() }) },
        },
      },
      async (req, reply) => reply.status(201).send(await addPortalMessage(ctx, await customerOf(req), req.params.id, req.body.body)),
    );
  };
}
