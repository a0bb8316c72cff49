// GET /api/stream: server-sent events telling a signed-in page which cases changed, limited to
// the cases the user may see. Pages refetch what they show; the stream carries no case content.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ServiceContext } from '../../lib/context.js';
import { requireAuth } from '../../http/auth-hook.js';
import { AppError } from '../../lib/errors.js';
import { hasPermission } from '../auth/permissions.js';
import { loadCaseScope, scopeAllows } from '../cases/case-access.js';
import type { CaseChangeHub } from './case-change-hub.js';

const pingEveryMs = 25_000;

export function realtimeRoutes(ctx: ServiceContext, hub: CaseChangeHub): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/stream',
      { schema: { tags: ['realtime'], summary: 'Server-sent events: `case` events name changed cases the user may see' } },
      async (req, reply) => {
        const actor = requireAuth(req);
        if (!hasPermission(actor, 'cases.work') && !hasPermission(actor, 'cases.read_all')) {
          throw new AppError('forbidden', `your role (${actor.role}) has no live case updates`);
        }
        const scope = await loadCaseScope(ctx.db, actor);
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
          'x-request-id': String(req.id),
        });
        res.write(': connected\n\n');
        const unsubscribe = await hub.subscribe((notice) => {
          // Followers of cases outside the scope are not told: the cost of a lookup per event per
          // connection is not worth it for a refresh hint.
          if (!scopeAllows(scope, { team_id: notice.teamId, assignee_id: notice.assigneeId }, false)) return;
          res.write(`event: case\ndata: ${JSON.stringify(notice)}\n\n`);
        });
        const ping = setInterval(() => res.write(': ping\n\n'), pingEveryMs);
        const stop = () => {
          clearInterval(ping);
          unsubscribe();
        };
        req.raw.on('close', stop);
        res.on('error', stop);
      },
    );
  };
}
