// HTTP for signing in and out, the current user, roles, and first-run setup.
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ServiceContext } from '../../lib/context.js';
import { requireAuth } from '../../http/auth-hook.js';
import { EmailSchema, Iso, NameSchema, RoleSchema, UserViewSchema } from '../../http/schemas.js';
import { completeSetup, needsSetup } from '../setup/setup.service.js';
import { getUser } from '../users/users.service.js';
import { login, logout, sessionCookieName, type LoginResult } from './auth.service.js';
import { passwordRules } from './passwords.js';
import { permissions, roleInfo, roles } from './permissions.js';

const PasswordSchema = z.string().min(passwordRules.min).max(passwordRules.max);

function setSessionCookie(reply: FastifyReply, ctx: ServiceContext, session: LoginResult): void {
  void reply.setCookie(sessionCookieName, session.sessionSecret, {
    httpOnly: true,
    sameSite: 'lax',
    secure: ctx.config.cookieSecure,
    path: '/',
    expires: session.expiresAt,
  });
}

export function authRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/auth/login',
      {
        config: { csrf: false },
        schema: {
          tags: ['auth'],
          summary: 'Sign in with email and password; sets the session cookie',
          body: z.strictObject({ email: z.string().trim().min(1).max(320), password: z.string().min(1).max(passwordRules.max) }),
          response: { 200: z.object({ user: UserViewSchema, csrfToken: z.string(), expiresAt: Iso }) },
        },
      },
      async (req, reply) => {
        const session = await login(ctx, { ...req.body, ip: req.ip, userAgent: req.headers['user-agent'] });
        setSessionCookie(reply, ctx, session);
        return { user: session.user, csrfToken: session.csrfToken, expiresAt: session.expiresAt.toISOString() };
      },
    );

    app.post('/api/auth/logout', { schema: { tags: ['auth'], summary: 'End the current session' } }, async (req, reply) => {
      const actor = requireAuth(req);
      await logout(ctx, actor);
      void reply.clearCookie(sessionCookieName, { path: '/' });
      return reply.status(204).send();
    });

    app.get(
      '/api/auth/me',
      {
        schema: {
          tags: ['auth'],
          summary: 'The signed-in user, their permissions and the CSRF token for writes',
          response: { 200: z.object({ user: UserViewSchema, csrfToken: z.string().nullable(), permissions: z.array(z.string()) }) },
        },
      },
      async (req) => {
        const actor = requireAuth(req);
        return {
          user: await getUser(ctx, actor.userId, actor),
          csrfToken: actor.csrfToken ?? null,
          permissions: roleInfo[actor.role].permissions,
        };
      },
    );

    app.get(
      '/api/roles',
      {
        schema: {
          tags: ['auth'],
          summary: 'Roles and the permissions each grants',
          response: {
            200: z.object({
              permissions: z.array(z.string()),
              items: z.array(z.object({ role: RoleSchema, label: z.string(), description: z.string(), permissions: z.array(z.string()) })),
            }),
          },
        },
      },
      async (req) => {
        requireAuth(req);
        return { permissions: [...permissions], items: roles.map((role) => ({ role, ...roleInfo[role] })) };
      },
    );

    app.get(
      '/api/setup/status',
      {
        schema: {
          tags: ['setup'],
          summary: 'Whether Frontline still needs its first administrator',
          response: { 200: z.object({ needsSetup: z.boolean() }) },
        },
      },
      async () => ({ needsSetup: await needsSetup(ctx) }),
    );

    app.post(
      '/api/setup',
      {
        config: { csrf: false },
        schema: {
          tags: ['setup'],
          summary: 'Create the first administrator with the one-time setup link; signs them in',
          body: z.strictObject({ token: z.string().min(1).max(200), email: EmailSchema, password: PasswordSchema, name: NameSchema }),
          response: { 201: z.object({ user: UserViewSchema, csrfToken: z.string() }) },
        },
      },
      async (req, reply) => {
        const { user, session } = await completeSetup(ctx, { ...req.body, ip: req.ip, userAgent: req.headers['user-agent'] });
        setSessionCookie(reply, ctx, session);
        return reply.status(201).send({ user, csrfToken: session.csrfToken });
      },
    );
  };
}

export { PasswordSchema };
