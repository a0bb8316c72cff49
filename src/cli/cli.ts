// The `frontline` command: start, worker, migrate, rollups rebuild, admin create, token create, demo.
import { randomBytes } from 'node:crypto';
import { Command, Option } from 'commander';
import { ConfigError, loadConfig, settings, type Config, type SettingName } from '../config.js';
import { DataDirInUseError } from '../db/data-dir-lock.js';
import { migrate } from '../db/migrate.js';
import { openDatabase, type Database } from '../db/open.js';
import { startJobs } from '../jobs/jobs.js';
import { systemClock } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import { systemActor } from '../modules/auth/permissions.js';
import { passwordRules } from '../modules/auth/passwords.js';
import { insertToken } from '../modules/tokens/tokens.service.js';
import { findUserByEmail } from '../modules/users/users.queries.js';
import { insertNewUser } from '../modules/users/users.service.js';
import { startServer } from '../main.js';
import { rebuildRollups } from '../modules/reports/metric-facts.js';
import {
  databaseHasCases,
  demoDefaults,
  demoLimits,
  generateDemo,
  parseDemoSettings,
  wholeNumber,
  type DemoSettings,
} from '../modules/demo/demo.js';
import { formatDemoReport, progressPrinter } from '../modules/demo/demo-report.js';

type Flags = Record<string, unknown>;

function addSettingOptions(cmd: Command, names: SettingName[]): Command {
  for (const name of names) {
    const s = settings[name];
    const arg = name === 'cookieSecure' ? '<true|false>' : '<value>';
    cmd.addOption(new Option(`${s.flag} ${arg}`, `${s.description} [env ${s.env}; default ${s.default}]`));
  }
  return cmd;
}

function configFrom(flags: Flags): Config {
  const picked: Partial<Record<SettingName, unknown>> = {};
  for (const name of Object.keys(settings) as SettingName[]) if (flags[name] !== undefined) picked[name] = flags[name];
  return loadConfig(picked);
}

async function withDatabase<T>(config: Config, purpose: string, fn: (db: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, purpose, poolSize: 2 });
  try {
    await migrate(database.db);
    return await fn(database);
  } finally {
    await database.close();
  }
}

function fail(err: unknown): never {
  if (err instanceof DataDirInUseError || err instanceof ConfigError || err instanceof AppError) {
    process.stderr.write(`frontline: ${err.message}\n`);
  } else {
    process.stderr.write(`frontline: ${(err as Error)?.stack ?? String(err)}\n`);
  }
  process.exit(1);
}

function onShutdown(close: () => Promise<void>): void {
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    process.stderr.write(`frontline: ${signal} received, shutting down\n`);
    close().then(
      () => process.exit(0),
      (err) => fail(err),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

const dbOptions: SettingName[] = ['dataDir', 'databaseUrl'];

/** Days of history `frontline start --demo` generates when no number is given: quick to make, enough to explore. */
const startDemoDays = 30;

/** Generates the demo into an open database: progress on stderr, then the report and sign-in on stdout. */
async function runDemo(database: Database, config: Config, demo: DemoSettings, how: { bulk?: boolean } = {}): Promise<void> {
  // Random, not seeded: the data is reproducible, the way in is not.
  const password = randomBytes(9).toString('base64url');
  const progress = progressPrinter(process.stderr);
  const result = await generateDemo(
    { db: database.db, config },
    { ...demo, password, end: demo.end ?? new Date(), bulk: how.bulk === true, onProgress: (p) => progress.update(p) },
  ).finally(() => progress.done());
  for (const line of formatDemoReport(result, password)) process.stdout.write(`${line}\n`);
}

/** `start --demo [days]`: a database without cases gets a demo first; one with cases is left alone. */
async function demoBeforeStart(config: Config, demo: true | string): Promise<void> {
  const days = demo === true ? startDemoDays : wholeNumber(demo, '--demo', 1, demoLimits.maxDays);
  const demoSettings = parseDemoSettings({ days });
  await withDatabase(config, 'frontline start --demo', async (database) => {
    if (await databaseHasCases(database.db)) {
      process.stderr.write('frontline: the database already has cases; starting without generating a demo\n');
      return;
    }
    await runDemo(database, config, demoSettings);
  });
}

export function buildCli(): Command {
  const program = new Command('frontline').description('Frontline: the customer service operation in one place.').showHelpAfterError();

  addSettingOptions(
    program
      .command('start')
      .description('Start the web app and API (and, embedded, the background worker).')
      .option(
        '--demo [days]',
        `when the database has no cases, first fill it with a demo operation and this many days of history (default ${startDemoDays}; see \`frontline demo\`)`,
      ),
    Object.keys(settings) as SettingName[],
  ).action(async (flags: Flags & { demo?: true | string }) => {
    const config = configFrom(flags);
    if (flags.demo !== undefined) await demoBeforeStart(config, flags.demo);
    const server = await startServer(config);
    onShutdown(server.close);
  });

  addSettingOptions(program.command('worker').description('Run background jobs as their own process (PostgreSQL mode).'), [
    'databaseUrl',
    'logLevel',
  ]).action(async (flags: Flags) => {
    const config = configFrom(flags);
    if (config.embedded) {
      throw new AppError(
        'bad_request',
        'the embedded database runs its worker inside `frontline start`; `frontline worker` needs DATABASE_URL (PostgreSQL)',
      );
    }
    const database = await openDatabase({ databaseUrl: config.databaseUrl, purpose: 'frontline worker' });
    await migrate(database.db);
    const log = {
      info: (obj: unknown, msg?: string) => process.stdout.write(`${JSON.stringify({ level: 'info', msg, ...(obj as object) })}\n`),
      error: (obj: unknown, msg?: string) =>
        process.stderr.write(`${JSON.stringify({ level: 'error', msg, err: String((obj as { err?: unknown }).err) })}\n`),
    };
    const jobs = await startJobs({ database, ctx: { db: database.db, clock: systemClock, config }, logger: log as never, work: true });
    process.stdout.write(`Frontline worker running on ${database.location}\n`);
    onShutdown(async () => {
      await jobs.stop();
      await database.close();
    });
  });

  addSettingOptions(program.command('migrate').description('Apply pending database migrations and exit.'), dbOptions).action(
    async (flags: Flags) => {
      const config = configFrom(flags);
      await withDatabase(config, 'frontline migrate', async () => {});
      process.stdout.write('Database is up to date.\n');
    },
  );

  const rollups = program.command('rollups').description('Report rollups.');
  addSettingOptions(
    rollups.command('rebuild').description('Recompute every case’s report facts and the rollups from the cases and their events.'),
    dbOptions,
  ).action(async (flags: Flags) => {
    const config = configFrom(flags);
    await withDatabase(config, 'frontline rollups rebuild', async (database) => {
      const result = await rebuildRollups(
        { db: database.db, clock: systemClock, config },
        { log: (line) => process.stderr.write(`${line}\n`) },
      );
      process.stdout.write(`Rebuilt the rollups of ${result.cases} cases (${result.rows} rollup rows).\n`);
    });
  });

  const admin = program.command('admin').description('Administrator accounts.');
  addSettingOptions(
    admin
      .command('create')
      .description('Create an administrator (also works before first-run setup).')
      .requiredOption('--email <email>', 'their email address (sign-in name)')
      .requiredOption('--password <password>', `their password (${passwordRules.min} characters or more)`)
      .requiredOption('--name <name>', 'their full name'),
    dbOptions,
  ).action(async (flags: Flags & { email: string; password: string; name: string }) => {
    if (flags.password.length < passwordRules.min)
      throw new AppError('validation_failed', `the password must have at least ${passwordRules.min} characters`);
    const config = configFrom(flags);
    const user = await withDatabase(config, 'frontline admin create', (database) =>
      database.db
        .transaction()
        .execute((trx) =>
          insertNewUser(trx, { email: flags.email, name: flags.name, password: flags.password, role: 'admin' }, systemActor, new Date()),
        ),
    );
    process.stdout.write(`Created administrator ${user.name} <${user.email}> (${user.id}).\n`);
  });

  const token = program.command('token').description('API tokens for scripts.');
  addSettingOptions(
    token
      .command('create')
      .description('Create an API token for a user and print it (shown only this once).')
      .requiredOption('--email <email>', 'the user the token acts as')
      .option('--name <name>', 'what the token is for', 'cli')
      .option('--expires-in-days <days>', 'expire after this many days (default: never)'),
    dbOptions,
  ).action(async (flags: Flags & { email: string; name: string; expiresInDays?: string }) => {
    const config = configFrom(flags);
    const days = flags.expiresInDays === undefined ? undefined : Number(flags.expiresInDays);
    if (days !== undefined && !(Number.isInteger(days) && days > 0))
      throw new AppError('validation_failed', '--expires-in-days must be a positive whole number');
    const created = await withDatabase(config, 'frontline token create', (database) =>
      database.db.transaction().execute(async (trx) => {
        const user = await findUserByEmail(trx, flags.email);
        if (!user) throw new AppError('not_found', `no user with email ${flags.email}`);
        if (!user.active) throw new AppError('conflict', `${flags.email} is deactivated`);
        return insertToken(trx, { name: flags.name, expiresInDays: days, userId: user.id }, systemActor, new Date());
      }),
    );
    process.stdout.write(`${created.secret}\n`);
    process.stderr.write(`Token "${created.token.name}" for ${flags.email} (${created.token.id}); store it now, it is not shown again.\n`);
  });

  addSettingOptions(
    program
      .command('demo')
      .description(
        'Fill an empty database with a realistic demo operation (staff, teams, departments, standards, customers) and its history, played through the real services; the same for the same seed.',
      )
      .option('--days <days>', `days of history, ending now (default ${demoDefaults.days})`)
      .option('--cases <cases>', `about this many cases in all (default ${demoDefaults.casesPerDay} a day)`)
      .option('--seed <seed>', `seed of the generator (default ${demoDefaults.seed})`)
      .option(
        '--end <instant>',
        'the history ends at this instant, e.g. 2026-03-04T15:00:00Z (default now); with the same seed, the same run',
      )
      .option(
        '--bulk',
        'replay the same history in memory and store it in large batches (thousands of cases a second; for large demos and benchmarks)',
      ),
    [...dbOptions, 'timeZone', 'caseAutoCloseDays'],
  ).action(async (flags: Flags & { days?: string; cases?: string; seed?: string; end?: string; bulk?: boolean }) => {
    const demo = parseDemoSettings(flags);
    const config = configFrom(flags);
    await withDatabase(config, 'frontline demo', (database) => runDemo(database, config, demo, { bulk: flags.bulk === true }));
  });

  return program;
}

export { fail as reportCliFailure };
