// Background jobs on pg-boss, over the same pool as the app (on embedded PGlite that pool has
// one connection, so a job never runs inside an app transaction). Each job is named here with
// its handler; `work: false` gives a process that can enqueue but does not run jobs.
import PgBoss from 'pg-boss';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../db/open.js';
import type { ServiceContext } from '../lib/context.js';
import { purgeExpiredCredentials } from '../modules/auth/auth.service.js';
import { autoCloseSolvedCases } from '../modules/cases/case-lifecycle.js';
import { scanSla } from '../modules/sla/sla-tracking.js';
import { recomputeHandlingNorms } from '../modules/sla/handling-time.js';
import { sendDueEmails } from '../modules/email/outbound.js';
import { advisoryLockClaims, noClaimsNeeded, startImapPollers } from '../modules/email/imap-poller.js';
import { checkChannelHealth } from '../modules/channels/channel-health.js';
import { runDueReports } from '../modules/reports/scheduled-reports.js';
import { remindAndEscalate } from '../modules/departments/department-requests.service.js';

export type JobDefinition = {
  name: string;
  /** Cron schedule in UTC, if the job recurs. */
  cron?: string;
  run(ctx: ServiceContext, data: unknown): Promise<unknown>;
};

export const jobDefinitions: JobDefinition[] = [
  {
    name: 'housekeeping-purge-credentials',
    cron: '*/10 * * * *',
    run: (ctx) => purgeExpiredCredentials(ctx),
  },
  {
    name: 'sla-handling-norms',
    cron: '17 2 * * *',
    run: (ctx) => recomputeHandlingNorms(ctx),
  },
  {
    name: 'cases-auto-close',
    cron: '7 * * * *',
    run: (ctx) => autoCloseSolvedCases(ctx),
  },
];

// pg-boss creates its schema on first start and its queues after; two instances starting at once
// on one PostgreSQL both tried (seen as a duplicate pg_namespace key, then as a deadlock creating a
// queue). Instances take turns under this lock.
const jobsStartupLockKey = 727_002;

async function withStartupLock<T>(database: Database, fn: () => Promise<T>): Promise<T> {
  // Embedded mode has one process and one connection: nothing to race with, nothing to spare.
  if (database.kind !== 'postgres') return fn();
  const client = await database.pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [jobsStartupLockKey]);
    try {
      return await fn();
    } finally {
      await client.query('select pg_advisory_unlock($1)', [jobsStartupLockKey]);
    }
  } finally {
    client.release();
  }
}

export type Jobs = {
  boss: PgBoss;
  stop(): Promise<void>;
};

export type StartJobsOptions = {
  database: Database;
  ctx: ServiceContext;
  logger: Pick<FastifyBaseLogger, 'info' | 'error'>;
  /** Run handlers in this process (embedded, or `frontline worker`). */
  work: boolean;
  pollingIntervalSeconds?: number;
};

export async function startJobs(options: StartJobsOptions): Promise<Jobs> {
  const { database, ctx, logger, work } = options;
  const boss = new PgBoss({
    db: { executeSql: database.executeSql },
    schedule: work,
    supervise: work,
  });
  boss.on('error', (err) => logger.error({ err }, 'job queue error'));
  // Creating queues (and schedules) writes pg-boss's tables too; concurrent instances deadlocked
  // there once a new queue appeared, so all of it happens under the lock.
  await withStartupLock(database, async () => {
    await boss.start();
    for (const def of jobDefinitions) await boss.createQueue(def.name);
  });
  for (const def of jobDefinitions) {
    if (!work) continue;
    await boss.work(def.name, { pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 }, async (jobs) => {
      for (const job of jobs) {
        const result = await def.run(ctx, job.data);
        logger.info({ job: def.name, id: job.id, result }, 'job done');
      }
    });
    if (def.cron) await boss.schedule(def.name, def.cron);
  }
  // SLA warnings and breaches (and department reminders and escalations) are due to the second,
  // finer than cron's minute: each worker scans on its own timer. Several workers may scan at
  // once; sla_alerts and the reminded/escalated stamps make each alert happen once.
  const slaScan = work
    ? startTimer(
        ctx.config.slaScanSeconds,
        async () => ({ ...(await scanSla(ctx)), ...(await remindAndEscalate(ctx)) }),
        logger,
        'sla-scan',
      )
    : null;
  const mailSender = work ? startTimer(ctx.config.emailSendSeconds, () => sendDueEmails(ctx), logger, 'email-send') : null;
  const healthCheck = work ? startTimer(60, () => checkChannelHealth(ctx), logger, 'channel-health') : null;
  const reports = work ? startTimer(60, () => runDueReports(ctx), logger, 'scheduled-reports') : null;
  // IMAP mailboxes are polled by one worker each: on PostgreSQL the one holding the mailbox's
  // advisory lock (docs/email.md, "IMAP polling").
  const imap = work
    ? startImapPollers({
        ctx,
        logger,
        pollSeconds: ctx.config.imapPollSeconds,
        claims: database.kind === 'postgres' ? (onLost) => advisoryLockClaims(database.pool, onLost) : noClaimsNeeded,
      })
    : null;
  let stopped = false;
  return {
    boss,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await slaScan?.stop();
      await mailSender?.stop();
      await healthCheck?.stop();
      await reports?.stop();
      await imap?.stop();
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    },
  };
}

/** Runs `pass` every `seconds`, never two at once; what a pass did is logged when it did anything. */
function startTimer(
  seconds: number,
  pass: () => Promise<Record<string, number>>,
  logger: Pick<FastifyBaseLogger, 'info' | 'error'>,
  name: string,
): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running) return;
    running = pass()
      .then((r) => {
        if (Object.values(r).some((n) => n > 0)) logger.info({ job: name, ...r }, name);
      })
      .catch((err: unknown) => logger.error({ err }, `${name} failed`))
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, seconds * 1000);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
