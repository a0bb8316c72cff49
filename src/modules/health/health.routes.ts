// GET /healthz: the database answers and every migration is applied.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { z } from 'zod';
import { migrationStatus } from '../../db/migrate.js';
import type { ServiceContext } from '../../lib/context.js';

export function healthRoutes(ctx: ServiceContext, info: { databaseKind: string }): FastifyPluginAsyncZod {
  const HealthSchema = z.object({
    status: z.enum(['ok', 'unavailable']),
    database: z.object({ kind: z.string(), reachable: z.boolean(), error: z.string().optional() }),
    migrations: z.object({ applied: z.number().int(), pending: z.array(z.string()) }),
  });
  return async (app) => {
    app.get(
      '/healthz',
      { schema: { tags: ['health'], summary: 'Liveness and readiness', response: { 200: HealthSchema, 503: HealthSchema } } },
      async (_req, reply) => {
        try {
          await sql`select 1`.execute(ctx.db);
          const migrations = await migrationStatus(ctx.db);
          const ok = migrations.pending.length === 0;
          return reply
            .status(ok ? 200 : 503)
            .send({ status: ok ? 'ok' : 'unavailable', database: { kind: info.databaseKind, reachable: true }, migrations });
        } catch (err) {
          return reply.status(503).send({
            status: 'unavailable',
            database: { kind: info.databaseKind, reachable: false, error: (err as Error).message },
            migrations: { applied: 0, pending: [] },
          });
        }
      },
    );
  };
}
