// Finds out who is calling (API token or session cookie) and enforces CSRF for cookie-
// authenticated writes. Permissions are not checked here: services do that.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../lib/errors.js';
import { equalSecrets } from '../lib/secrets.js';
import type { ServiceContext } from '../lib/context.js';
import { authenticateSession, authenticateToken, sessionCookieName } from '../modules/auth/auth.service.js';
import type { Actor } from '../modules/auth/permissions.js';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
    authError: AppError | null;
  }
  interface FastifyContextConfig {
    /** Routes that establish a session themselves (login, setup) need no CSRF token. */
    csrf?: boolean;
    /**
     * Routes that authenticate their caller themselves (an inbound channel proving itself with the
     * channel's own secret) set false: no session or API token is looked up for them, so their
     * Authorization header is never mistaken for a user's.
     */
    userAuth?: boolean;
  }
}

const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The caller, or the reason there is none (missing, expired, revoked…). */
export function requireAuth(req: FastifyRequest): Actor {
  if (req.actor) return req.actor;
  throw req.authError ?? new AppError('unauthenticated', 'sign in or send an API token');
}

async function resolveActor(ctx: ServiceContext, req: FastifyRequest): Promise<Actor | null> {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new AppError('unauthenticated', 'the Authorization header must be "Bearer <token>"');
    return authenticateToken(ctx, match[1]!);
  }
  const cookie = req.cookies[sessionCookieName];
  return cookie ? authenticateSession(ctx, cookie) : null;
}

export function installAuth(app: FastifyInstance, ctx: ServiceContext): void {
  app.decorateRequest('actor', null);
  app.decorateRequest('authError', null);
  app.addHook('preValidation', async (req) => {
    if (!req.url.startsWith('/api/') || req.routeOptions.config?.userAuth === false) return;
    try {
      req.actor = await resolveActor(ctx, req);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      req.authError = err;
    }
    const csrfExempt = req.routeOptions.config?.csrf === false;
    if (req.actor?.via === 'session' && unsafeMethods.has(req.method) && !csrfExempt) {
      const sent = req.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !req.actor.csrfToken || !equalSecrets(sent, req.actor.csrfToken)) {
        throw new AppError('csrf_failed', 'missing or wrong x-csrf-token header for a signed-in write');
      }
    }
  });
}
