// The server side of a benchmark, run in its own process by bench/server.ts: Frontline started
// exactly as `frontline start` starts it (startServer: open, migrate, app, jobs, listen), the
// benchmark's fixtures created through the services, and for ingest a bare Fastify route on a
// second port sharing the same database pool. Talks to the parent over the IPC channel.
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../src/config.js';
import { systemClock } from '../src/lib/clock.js';
import { startServer } from '../src/main.js';
import { prepareDashboards } from './dashboards.js';
import { prepareEmail } from './email.js';
import { prepareInbox } from './inbox.js';
import { prepareIngest, startBareServer } from './ingest.js';
import type { ServerReady, ServerSpec } from './server.js';

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as ServerSpec;
  const config = loadConfig(
    {
      port: 0,
      logLevel: spec.logLevel,
      ...(spec.database.kind === 'postgres' ? { databaseUrl: spec.database.url } : { dataDir: spec.database.dataDir }),
    },
    {},
  );
  const server = await startServer(config, { print: () => {} });
  let bare: FastifyInstance | null = null;
  const shutdown = async (code: number) => {
    await bare?.close().catch(() => {});
    await server.close().catch(() => {});
    process.exit(code);
  };
  process.on('message', (m) => {
    if ((m as { stop?: boolean }).stop) void shutdown(0);
  });
  // The parent went away without saying stop: do not linger holding the data directory.
  process.on('disconnect', () => void shutdown(1));

  const ctx = { db: server.database.db, clock: systemClock, config };
  const setup =
    spec.setup === 'ingest'
      ? await prepareIngest(ctx)
      : spec.setup === 'email'
        ? await prepareEmail(ctx)
        : spec.setup === 'dashboards'
          ? await prepareDashboards(ctx)
          : await prepareInbox(ctx);
  if (spec.bare) bare = await startBareServer(server.database, spec.logLevel);
  const { rows } = await server.database.executeSql('show server_version');
  const address = server.app.server.address();
  const ready: ServerReady<unknown> = {
    appPort: typeof address === 'object' && address ? address.port : 0,
    barePort: bare ? (bare.server.address() as { port: number }).port : null,
    databaseVersion: `${spec.database.kind === 'embedded' ? 'PGlite, PostgreSQL ' : 'PostgreSQL '}${(rows[0] as { server_version: string }).server_version}`,
    setup,
  };
  process.send!({ ready });
}

main().catch((err: unknown) => {
  process.send?.({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exit(1);
});
