// Starting Frontline: open the database, migrate, build the app, run jobs, listen.
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { buildApp } from './app.js';
import { migrate } from './db/migrate.js';
import { openDatabase, type Database } from './db/open.js';
import { startJobs, type Jobs } from './jobs/jobs.js';
import { systemClock, type Clock } from './lib/clock.js';
import type { ServiceContext } from './lib/context.js';
import { issueSetupToken } from './modules/setup/setup.service.js';

export type RunningServer = {
  app: FastifyInstance;
  url: string;
  database: Database;
  jobs: Jobs | null;
  setupUrl: string | null;
  close(): Promise<void>;
};

export function shouldRunWorker(config: Config): boolean {
  return config.worker === 'yes' || (config.worker === 'auto' && config.embedded);
}

export async function startServer(config: Config, options: { clock?: Clock; print?: (line: string) => void } = {}): Promise<RunningServer> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const clock = options.clock ?? systemClock;
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, purpose: 'frontline start' });
  let app: FastifyInstance | undefined;
  let jobs: Jobs | null = null;
  const close = async () => {
    await app?.close();
    await jobs?.stop();
    await database.close();
  };
  try {
    await migrate(database.db);
    app = await buildApp({ database, config, clock });
    const ctx: ServiceContext = { db: database.db, clock, config };
    jobs = await startJobs({ database, ctx, logger: app.log, work: shouldRunWorker(config) });
    await app.listen({ port: config.port, host: config.host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const url = config.publicUrlExplicit ? config.publicUrl : config.publicUrl.replace(/:\d+$/, `:${port}`);
    const setupSecret = await issueSetupToken({ ...ctx, config: { ...config, publicUrl: url } });
    const setupUrl = setupSecret ? `${url}/setup?token=${setupSecret}` : null;
    print(
      `Frontline is running at ${url} (database: ${database.kind === 'embedded' ? `embedded, ${database.location}` : database.location})`,
    );
    if (setupUrl) {
      print(`No administrator exists yet. Open this one-time link to create the first one (valid 24 hours):`);
      print(`  ${setupUrl}`);
    }
    return { app, url, database, jobs, setupUrl, close };
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
}
