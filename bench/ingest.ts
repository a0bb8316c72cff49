// Ingest: how many cases per second `POST /api/cases` takes through the whole path (token
// authentication, validation, requester lookup or creation, round-robin assignment, the case
// row, its search document, the event log, the customer message, the live-update notice), next
// to the physical limit of this stack on this machine: a bare Fastify route in the same process,
// on the same database pool, doing one INSERT of a comparable case row. Both run in the same
// run, alternating in short rounds so that noise on a shared machine falls on both.
//
// The server runs in a child process (bench/server-child.ts); the load comes from this one.
// SLA policy match and targets and the report rollups are in the path; concurrent requests
// share intake batches (group commit), as they do in production.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import pg from 'pg';
import type { Database } from '../src/db/open.js';
import type { ServiceContext } from '../src/lib/context.js';
import { systemActor } from '../src/modules/auth/permissions.js';
import { createGroup, setGroupMember } from '../src/modules/org/org-groups.js';
import { teamKind } from '../src/modules/teams/teams.service.js';
import { insertToken } from '../src/modules/tokens/tokens.service.js';
import { insertNewUser } from '../src/modules/users/users.service.js';
import { createScratchDatabase } from './databases.js';
import { createTarget, mergeFigures, round2, runClosedLoop, summarise, type LoadFigures, type RequestSpec, type Target } from './load.js';
import { cpuMsOfAll, sampleRss, startBenchServer, type BenchServer, type ServerSpec } from './server.js';
import { emailDomains, firstNames, lastNames, makeBody, makeSubject, pick, seededRandom, teamNames } from './text.js';
import { createCalendar, createPolicy } from '../src/modules/sla/sla-config.service.js';

const connections = 50;
const teams = 4;
const agentsPerTeam = 5;
const knownCustomers = 1000;
/** Share of ingested cases from a first-time customer (the rest write in again). */
const newCustomerShare = 0.25;
export const ingestTarget = 0.5;

export type IngestSetup = {
  token: string;
  teamIds: string[];
  customers: { id: string; name: string; email: string }[];
};

// ---------------------------------------------------------------------------------------------
// Server side (runs in the child process)

/** An admin with an API token, four teams of five available agents, and returning customers. */
export async function prepareIngest(ctx: ServiceContext): Promise<IngestSetup> {
  const now = ctx.clock.now();
  const password = `bench-${Math.random().toString(36).slice(2)}-secret`;
  const token = await ctx.db.transaction().execute(async (trx) => {
    const admin = await insertNewUser(
      trx,
      { email: 'bench-admin@example.test', name: 'Bench Admin', role: 'admin', password },
      systemActor,
      now,
    );
    return (await insertToken(trx, { name: 'ingest bench', userId: admin.id }, systemActor, now)).secret;
  });
  const teamIds: string[] = [];
  for (let t = 0; t < teams; t++) {
    const team = await createGroup(ctx, teamKind, { name: teamNames[t]! }, systemActor);
    teamIds.push(team.id);
    for (let a = 0; a < agentsPerTeam; a++) {
      const agent = await ctx.db
        .transaction()
        .execute((trx) =>
          insertNewUser(trx, { email: `agent-${t}-${a}@example.test`, name: `Agent ${t}-${a}`, role: 'agent', password }, systemActor, now),
        );
      await setGroupMember(ctx, teamKind, { groupId: team.id, userId: agent.id, membership: 'member' }, systemActor);
    }
  }
  // Service standards in the path: a business calendar and two policies, urgent and the rest.
  const nineToSix = [{ start: '08:00', end: '18:00' }];
  const calendar = await createCalendar(
    ctx,
    {
      name: 'Bench hours',
      timeZone: 'Europe/London',
      weekly: { monday: nineToSix, tuesday: nineToSix, wednesday: nineToSix, thursday: nineToSix, friday: nineToSix },
    },
    systemActor,
  );
  await createPolicy(
    ctx,
    {
      name: 'Urgent',
      calendarId: calendar.id,
      conditions: { priorities: ['urgent'] },
      targets: { firstReply: { minutes: 60, businessHours: true }, resolution: { minutes: 480, businessHours: true } },
    },
    systemActor,
  );
  await createPolicy(
    ctx,
    {
      name: 'Standard',
      calendarId: calendar.id,
      targets: { firstReply: { minutes: 240, businessHours: true }, resolution: { minutes: 2400, businessHours: true } },
    },
    systemActor,
  );
  const rnd = seededRandom(7);
  const people = Array.from({ length: knownCustomers }, (_, i) => {
    const first = pick(firstNames, rnd);
    const last = pick(lastNames, rnd);
    return { name: `${first} ${last}`, email: `${first}.${last}.${i}@${pick(emailDomains, rnd)}`.toLowerCase().replace(/'/g, '') };
  });
  // Fixtures, not the measured path: one multi-row insert each.
  const inserted = await ctx.db
    .insertInto('customers')
    .values(people.map((p) => ({ name: p.name, created_at: now, updated_at: now })))
    .returning(['id', 'name'])
    .execute();
  await ctx.db
    .insertInto('customer_identities')
    .values(inserted.map((c, i) => ({ customer_id: c.id, kind: 'email' as const, value: people[i]!.email, created_at: now })))
    .execute();
  return { token, teamIds, customers: inserted.map((c, i) => ({ id: c.id, name: c.name, email: people[i]!.email })) };
}

/** The physical limit: a route that inserts one case row and answers its id and number. */
export async function startBareServer(database: Database, logLevel: string): Promise<FastifyInstance> {
  const bare = Fastify({ logger: { level: logLevel } });
  bare.post('/bare/cases', async (req, reply) => {
    const b = req.body as { subject: string; requesterId: string; teamId: string; priority: string };
    const { rows } = await database.pool.query(
      `insert into cases (subject, requester_id, team_id, priority, channel, created_at, updated_at, search)
       values ($1, $2, $3, $4, 'email', now(), now(), setweight(to_tsvector('english', $1), 'A'))
       returning id, number`,
      [b.subject, b.requesterId, b.teamId, b.priority],
    );
    return reply.status(201).send(rows[0]);
  });
  await bare.listen({ port: 0, host: '127.0.0.1' });
  return bare;
}

// ---------------------------------------------------------------------------------------------
// Load side (runs in the benchmark process)

const priorities = ['low', 'normal', 'normal', 'normal', 'high', 'urgent'] as const;

function oursRequest(setup: IngestSetup): RequestSpec {
  const rnd = seededRandom(11);
  let n = 0;
  const run = Date.now().toString(36);
  return {
    method: 'POST',
    path: '/api/cases',
    headers: { authorization: `Bearer ${setup.token}` },
    body: () => {
      n += 1;
      const returning = rnd() >= newCustomerShare;
      const who = returning
        ? pick(setup.customers, rnd)
        : { name: `${pick(firstNames, rnd)} ${pick(lastNames, rnd)}`, email: `first-contact-${run}-${n}@example.test` };
      return JSON.stringify({
        subject: makeSubject(rnd),
        requester: { email: who.email, name: who.name },
        message: { body: makeBody(rnd, 3) },
        channel: 'email',
        priority: pick(priorities, rnd),
        teamId: pick(setup.teamIds, rnd),
        autoAssign: true,
      });
    },
  };
}

function bareRequest(setup: IngestSetup): RequestSpec {
  const rnd = seededRandom(11);
  return {
    method: 'POST',
    path: '/bare/cases',
    body: () =>
      JSON.stringify({
        subject: makeSubject(rnd),
        requesterId: pick(setup.customers, rnd).id,
        teamId: pick(setup.teamIds, rnd),
        priority: pick(priorities, rnd),
      }),
  };
}

type Measured = { figures: LoadFigures; cpuMs: number; postgresCpuMs: number | null; rss: { meanMiB: number; maxMiB: number } };

/**
 * The PostgreSQL backends serving the benchmark's database, when the server runs on this
 * machine: their CPU time per request shows what the database spends, apart from the app.
 */
export type BackendWatch = { pids(): Promise<number[]>; close(): Promise<void> };

export async function watchBackends(url: string): Promise<BackendWatch | null> {
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname)) return null;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    pids: async () =>
      (
        await client.query<{ pid: number }>(
          'select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
        )
      ).rows.map((r) => r.pid),
    close: () => client.end(),
  };
}

async function measure(
  server: BenchServer<IngestSetup>,
  target: Target,
  spec: RequestSpec,
  durationMs: number,
  backends: BackendWatch | null,
): Promise<Measured> {
  const cpuBefore = server.cpuMs();
  const pids = backends ? await backends.pids() : [];
  const pgBefore = cpuMsOfAll(pids);
  const rss = sampleRss(server.pid);
  const figures = await runClosedLoop(target, spec, { connections, durationMs });
  const pgAfter = cpuMsOfAll(pids);
  let postgresCpuMs = 0;
  for (const [pid, before] of pgBefore) postgresCpuMs += (pgAfter.get(pid) ?? before) - before;
  return { figures, cpuMs: server.cpuMs() - cpuBefore, postgresCpuMs: backends ? postgresCpuMs : null, rss: rss.stop() };
}

function report(parts: Measured[]): Record<string, unknown> {
  const merged = mergeFigures(parts.map((p) => p.figures));
  const cpuMs = parts.reduce((a, p) => a + p.cpuMs, 0);
  const pgCpuMs = parts.every((p) => p.postgresCpuMs !== null) ? parts.reduce((a, p) => a + p.postgresCpuMs!, 0) : null;
  const perRequest = (ms: number | null) => (ms !== null && merged.requests > 0 ? round2(ms / merged.requests) : null);
  return {
    ...summarise(merged),
    serverCpuMsPerRequest: perRequest(cpuMs),
    ...(pgCpuMs !== null ? { postgresCpuMsPerRequest: perRequest(pgCpuMs) } : {}),
    rssUnderLoadMiB: {
      mean: Math.round(parts.reduce((a, p) => a + p.rss.meanMiB, 0) / parts.length),
      max: Math.max(...parts.map((p) => p.rss.maxMiB)),
    },
  };
}

export type IngestOptions = {
  database: 'embedded' | 'postgres';
  serverUrl?: string | undefined;
  quick: boolean;
  log: (line: string) => void;
};

/** Warm-up, then ours and bare in alternating rounds, each with its CPU and memory. */
async function runRounds(
  server: BenchServer<IngestSetup>,
  backends: BackendWatch | null,
  plan: { rounds: number; roundMs: number; warmUpMs: number },
): Promise<{ ours: Measured[]; bare: Measured[] }> {
  const ours = createTarget(server.appPort, connections);
  const bare = createTarget(server.barePort!, connections);
  const oursSpec = oursRequest(server.setup);
  const bareSpec = bareRequest(server.setup);
  try {
    await runClosedLoop(ours, oursSpec, { connections, durationMs: plan.warmUpMs });
    await runClosedLoop(bare, bareSpec, { connections, durationMs: plan.warmUpMs });
    const parts = { ours: [] as Measured[], bare: [] as Measured[] };
    for (let r = 0; r < plan.rounds; r++) {
      parts.ours.push(await measure(server, ours, oursSpec, plan.roundMs, backends));
      parts.bare.push(await measure(server, bare, bareSpec, plan.roundMs, backends));
    }
    return parts;
  } finally {
    ours.agent.destroy();
    bare.agent.destroy();
  }
}

type Scratch = { database: ServerSpec['database']; cleanup(): Promise<void> };

async function scratchDatabase(options: IngestOptions): Promise<Scratch> {
  if (options.database === 'postgres') {
    if (!options.serverUrl) throw new Error('DATABASE_URL is not set');
    const scratch = await createScratchDatabase(options.serverUrl, 'frontline_bench_ingest');
    return { database: { kind: 'postgres', url: scratch.url }, cleanup: scratch.drop };
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'frontline-bench-ingest-'));
  return { database: { kind: 'embedded', dataDir }, cleanup: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
}

export async function benchIngest(options: IngestOptions): Promise<Record<string, unknown>> {
  const plan = { rounds: options.quick ? 2 : 6, roundMs: 5000, warmUpMs: options.quick ? 2000 : 10_000 };
  const scratch = await scratchDatabase(options);
  try {
    const server = await startBenchServer<IngestSetup>({ database: scratch.database, bare: true, setup: 'ingest', logLevel: 'info' });
    const backends = scratch.database.kind === 'postgres' ? await watchBackends(scratch.database.url) : null;
    try {
      await new Promise((r) => setTimeout(r, 1000));
      const rssBeforeLoadMiB = server.rssMiB();
      options.log(`ingest on ${options.database}: warm-up, then ${plan.rounds} rounds of ${plan.roundMs / 1000} s per route`);
      const parts = await runRounds(server, backends, plan);
      const ours = report(parts.ours);
      const bare = report(parts.bare);
      const ratio =
        typeof ours.reqPerSec === 'number' && typeof bare.reqPerSec === 'number' && bare.reqPerSec > 0
          ? round2(ours.reqPerSec / bare.reqPerSec)
          : null;
      return {
        bench: 'ingest',
        database: options.database,
        databaseVersion: server.databaseVersion,
        connections,
        secondsPerRoute: (plan.rounds * plan.roundMs) / 1000,
        ours: {
          route: 'POST /api/cases (full path: validation, customer, auto-assign, message, events, SLA policy match and targets)',
          ...ours,
        },
        bare: { route: 'bare Fastify route, one INSERT into cases, same process and pool', ...bare },
        ratio,
        target: ingestTarget,
        meetsTarget: ratio !== null && ratio >= ingestTarget,
        rssBeforeLoadMiB,
        rssAfterLoadMiB: server.rssMiB(),
      };
    } finally {
      await backends?.close();
      await server.stop();
    }
  } finally {
    await scratch.cleanup();
  }
}
