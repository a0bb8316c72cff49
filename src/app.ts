// buildApp: the Fastify instance with every route, hook and the web app. It never listens, so
// tests drive it with app.inject() or listen on a port of their choosing.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from './config.js';
import type { Database } from './db/open.js';
import { installAuth } from './http/auth-hook.js';
import { installErrorHandling } from './http/error-handler.js';
import { installTextGuard } from './http/text-guard.js';
import type { Clock } from './lib/clock.js';
import { systemClock } from './lib/clock.js';
import type { ServiceContext } from './lib/context.js';
import { auditRoutes } from './modules/audit/audit.routes.js';
import { authRoutes } from './modules/auth/auth.routes.js';
import { caseConfigRoutes } from './modules/case-config/case-config.routes.js';
import { caseListRoutes } from './modules/cases/case-list.routes.js';
import { casesRoutes } from './modules/cases/cases.routes.js';
import { customersRoutes } from './modules/customers/customers.routes.js';
import { formsRoutes } from './modules/forms/forms.routes.js';
import { portalRoutes } from './modules/portal/portal.routes.js';
import { emailMessagesRoutes } from './modules/email/email-messages.routes.js';
import { inboundEmailRoutes } from './modules/email/inbound.routes.js';
import { mailboxesRoutes } from './modules/email/mailboxes.routes.js';
import { macrosRoutes } from './modules/macros/macros.routes.js';
import { createCaseChangeHub } from './modules/realtime/case-change-hub.js';
import { realtimeRoutes } from './modules/realtime/realtime.routes.js';
import { viewsRoutes } from './modules/views/views.routes.js';
import { departmentKind, withHead } from './modules/departments/departments.service.js';
import { healthRoutes } from './modules/health/health.routes.js';
import { groupRoutes } from './modules/org/org-groups.routes.js';
import { slaRoutes } from './modules/sla/sla.routes.js';
import { slaConfigRoutes } from './modules/sla/sla-config.routes.js';
import { notificationsRoutes } from './modules/notifications/notifications.routes.js';
import { departmentRequestsRoutes } from './modules/departments/department-requests.routes.js';
import { reportsRoutes } from './modules/reports/reports.routes.js';
import { channelsRoutes } from './modules/channels/channels.routes.js';
import { teamKind } from './modules/teams/teams.service.js';
import { tokensRoutes } from './modules/tokens/tokens.routes.js';
import { usersRoutes } from './modules/users/users.routes.js';

export type AppDeps = {
  database: Database;
  config: Config;
  clock?: Clock;
  /** Pino logger options or false; tests pass false. */
  logger?: FastifyServerOptions['logger'];
};

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered, for tests that walk the whole API. */
    routeTable: { method: string; url: string }[];
  }
}

const requestIdPattern = /^[A-Za-z0-9._:-]{1,100}$/;

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, database } = deps;
  const ctx: ServiceContext = { db: database.db, clock: deps.clock ?? systemClock, config };
  const app = Fastify({
    logger: deps.logger ?? {
      level: config.logLevel,
      redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]'],
    },
    bodyLimit: config.bodyLimitBytes,
    trustProxy: false,
    // Live streams (SSE) never go idle; closing must not wait for them.
    forceCloseConnections: true,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && requestIdPattern.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<ZodTypeProvider>();

  const routeTable: { method: string; url: string }[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routeTable.push({ method, url: route.url });
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);

  app.addHook('onSend', async (req, reply) => {
    void reply.header('x-request-id', req.id);
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('referrer-policy', 'same-origin');
    if (!req.url.startsWith('/api/docs')) void reply.header('x-frame-options', 'DENY');
    if (req.url.startsWith('/api/')) void reply.header('cache-control', 'no-store');
  });

  await app.register(fastifyCookie);
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Frontline API',
        version: '0.1.0',
        description:
          'Every error answers `{ "error": { "code", "message", "details" } }`. Authenticate with a session cookie ' +
          '(writes then need the `x-csrf-token` header) or `Authorization: Bearer <API token>`.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          session: { type: 'apiKey', in: 'cookie', name: 'frontline_session' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  installTextGuard(app);
  installAuth(app, ctx);
  await app.register(healthRoutes(ctx, { databaseKind: database.kind }));
  await app.register(authRoutes(ctx));
  await app.register(usersRoutes(ctx));
  await app.register(groupRoutes(ctx, { kind: teamKind, path: '/api/teams', tag: 'teams' }));
  await app.register(groupRoutes(ctx, { kind: departmentKind, path: '/api/departments', tag: 'departments', present: withHead }));
  await app.register(tokensRoutes(ctx));
  await app.register(auditRoutes(ctx));
  await app.register(caseListRoutes(ctx));
  await app.register(casesRoutes(ctx));
  await app.register(viewsRoutes(ctx));
  await app.register(macrosRoutes(ctx));
  await app.register(caseConfigRoutes(ctx));
  await app.register(customersRoutes(ctx));
  await app.register(mailboxesRoutes(ctx));
  await app.register(inboundEmailRoutes(ctx));
  await app.register(emailMessagesRoutes(ctx));
  await app.register(slaRoutes(ctx));
  await app.register(slaConfigRoutes(ctx));
  await app.register(notificationsRoutes(ctx));
  await app.register(departmentRequestsRoutes(ctx));
  await app.register(reportsRoutes(ctx));
  await app.register(formsRoutes(ctx));
  await app.register(portalRoutes(ctx));
  await app.register(channelsRoutes(ctx));
  const hub = createCaseChangeHub(database);
  app.addHook('onClose', () => hub.close());
  await app.register(realtimeRoutes(ctx, hub));

  await serveWebApp(app, config.webDir);
  return app;
}

/** The built React app at /, with index.html for any other non-API path (client-side routes). */
async function serveWebApp(app: FastifyInstance, webDir: string): Promise<void> {
  const hasWeb = fs.existsSync(path.join(webDir, 'index.html'));
  if (hasWeb) await app.register(fastifyStatic, { root: webDir, wildcard: false, index: ['index.html'] });
  app.setNotFoundHandler((req, reply) => {
    const isApi = req.url.startsWith('/api/') || req.url === '/api' || req.url.startsWith('/healthz');
    if (!isApi && hasWeb && (req.method === 'GET' || req.method === 'HEAD')) {
      return reply.type('text/html').sendFile('index.html');
    }
    if (!isApi && !hasWeb && req.method === 'GET') {
      return reply.status(404).type('text/plain').send('The web app is not built: run `npm run build`.');
    }
    return reply.status(404).send({ error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` } });
  });
}
