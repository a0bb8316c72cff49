// The inbox and search dataset: 1,000,000 cases and 3,000,000 messages (full) or 100,000 and
// 300,000 (quick), with staff, teams, organisations and customers, loaded by set-based SQL
// (`insert … select … generate_series`) with the secondary indexes dropped during the load and
// rebuilt once after. A marker table records what was built, so later runs reuse it.
//
// PostgreSQL: a database of its own on DATABASE_URL's server (frontline_bench_1m / _100k),
// kept between runs. Embedded: a PGlite data directory under bench/data/ (git-ignored), at the
// quick size only: PGlite holds far more memory than a server (DESIGN.md), so 1M is not
// something an embedded install is meant for.
//
// Run alone: `npx tsx bench/dataset.ts [--quick] [--embedded] [--rebuild]`.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { migrate } from '../src/db/migrate.js';
import { openDatabase, type Database } from '../src/db/open.js';
import { createDatabase, databaseExists, dropDatabase, withDatabaseName } from './databases.js';
import { emailDomains, fillers, firstNames, lastNames, subjects, teamNames, words } from './text.js';

/** Bump when the generated data changes shape, so stored datasets are rebuilt. */
const generatorVersion = 3;

export type DatasetSize = { label: string; cases: number; messages: number; customers: number; organisations: number };

export const datasetSizes = {
  full: { label: '1m', cases: 1_000_000, messages: 3_000_000, customers: 400_000, organisations: 20_000 },
  quick: { label: '100k', cases: 100_000, messages: 300_000, customers: 40_000, organisations: 2_000 },
} satisfies Record<string, DatasetSize>;

/** Staff of the dataset: user 1 admin, 2–3 managers, 4–11 team leaders, then agentsPerTeam per team. */
export const staff = { managers: 2, teams: teamNames.length, agentsPerTeam: 10 } as const;

export const benchManagerEmail = 'bench-manager-1@example.test';
/** An agent of team 1 ("Billing"): the "assigned to me" of the inbox bench. */
export const benchAgentEmail = 'bench-agent-1@example.test';

export type DatasetLocation = { kind: 'postgres'; url: string; name: string } | { kind: 'embedded'; dataDir: string };

export type DatasetReport = {
  location: string;
  reused: boolean;
  buildSeconds: number | null;
  cases: number;
  messages: number;
  customers: number;
};

export function datasetLocation(kind: 'embedded' | 'postgres', size: DatasetSize, serverUrl?: string): DatasetLocation {
  if (kind === 'postgres') {
    if (!serverUrl) throw new Error('DATABASE_URL is not set');
    const name = `frontline_bench_${size.label}`;
    return { kind, url: withDatabaseName(serverUrl, name), name };
  }
  return { kind, dataDir: path.resolve('bench/data', `embedded-${size.label}`) };
}

type Marker = { cases: number; messages: number; generator: number };

async function readMarker(database: Database): Promise<Marker | null> {
  const exists = await database.executeSql(`select 1 from pg_tables where tablename = 'bench_dataset'`);
  if (exists.rows.length === 0) return null;
  const { rows } = await database.executeSql(
    'select cases::int, messages::int, generator from bench_dataset order by built_at desc limit 1',
  );
  return (rows[0] as Marker | undefined) ?? null;
}

function matches(marker: Marker | null, size: DatasetSize): boolean {
  return marker !== null && marker.cases === size.cases && marker.messages === size.messages && marker.generator === generatorVersion;
}

async function openLocation(loc: DatasetLocation): Promise<Database> {
  const database =
    loc.kind === 'postgres'
      ? await openDatabase({ databaseUrl: loc.url, poolSize: 1 })
      : await openDatabase({ dataDir: loc.dataDir, purpose: 'bench dataset' });
  // New migrations apply to a stored dataset like to any install (new indexes are built here).
  await migrate(database.db);
  return database;
}

async function resetLocation(loc: DatasetLocation): Promise<void> {
  if (loc.kind === 'postgres') {
    const server = withDatabaseName(loc.url, 'postgres');
    await dropDatabase(server, loc.name);
    await createDatabase(server, loc.name);
  } else {
    fs.rmSync(loc.dataDir, { recursive: true, force: true });
  }
}

/** The dataset at `loc`, built if missing or of another size or generator version. */
export async function ensureDataset(
  loc: DatasetLocation,
  size: DatasetSize,
  options: { rebuild?: boolean; log?: (line: string) => void } = {},
): Promise<DatasetReport> {
  const log = options.log ?? (() => {});
  const where = loc.kind === 'postgres' ? `PostgreSQL database ${loc.name}` : loc.dataDir;
  if (loc.kind === 'postgres' && !(await databaseExists(withDatabaseName(loc.url, 'postgres'), loc.name))) {
    await createDatabase(withDatabaseName(loc.url, 'postgres'), loc.name);
  }
  let database = await openLocation(loc);
  let reused = true;
  let buildSeconds: number | null = null;
  try {
    if (options.rebuild || !matches(await readMarker(database), size)) {
      reused = false;
      await database.close();
      await resetLocation(loc);
      database = await openLocation(loc);
      log(`building the ${size.label} dataset (${size.cases} cases, ${size.messages} messages) in ${where}`);
      const started = performance.now();
      await loadDataset(database, size, log);
      buildSeconds = Math.round((performance.now() - started) / 100) / 10;
      log(`dataset built in ${buildSeconds} s`);
    }
    const { rows } = await database.executeSql(
      'select (select count(*) from cases)::int as cases, (select count(*) from case_messages)::int as messages, (select count(*) from customers)::int as customers',
    );
    const counts = rows[0] as { cases: number; messages: number; customers: number };
    return { location: where, reused, buildSeconds, ...counts };
  } finally {
    await database.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Loading

type Client = pg.PoolClient;

async function step(client: Client, log: (line: string) => void, label: string, text: string, values: unknown[] = []): Promise<void> {
  const started = performance.now();
  await client.query(text, values);
  log(`  ${label}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** Secondary indexes of the bulk-loaded tables (not those behind constraints), to drop and rebuild. */
async function secondaryIndexes(client: Client): Promise<{ name: string; def: string }[]> {
  const { rows } = await client.query<{ name: string; def: string }>(
    `select ic.relname as name, pg_get_indexdef(i.indexrelid) as def
       from pg_index i
       join pg_class ic on ic.oid = i.indexrelid
       join pg_class t on t.oid = i.indrelid
      where t.relname = any($1) and not i.indisprimary
        and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)`,
    [['cases', 'case_messages', 'customers', 'customer_identities', 'organisations']],
  );
  return rows;
}

async function loadDataset(database: Database, size: DatasetSize, log: (line: string) => void): Promise<void> {
  const client = await database.pool.connect();
  try {
    if (database.kind === 'postgres') {
      await client.query(`set synchronous_commit = off`);
      await client.query(`set maintenance_work_mem = '512MB'`);
      await client.query(`set work_mem = '64MB'`);
    }
    // The generated rows refer to each other correctly by construction: skip the per-row
    // foreign-key triggers where the role may (a superuser, as on a bench server and in PGlite).
    await client.query(`set session_replication_role = replica`).catch(() => log('  (foreign keys checked row by row: not a superuser)'));
    const indexes = await secondaryIndexes(client);
    for (const ix of indexes) await client.query(`drop index ${pg.escapeIdentifier(ix.name)}`);
    await loadStaff(client, log);
    await loadCustomers(client, size, log);
    await stageCases(client, size, log);
    await stageMessages(client, size, log);
    await insertCases(client, log);
    await insertMessages(client, log);
    await step(client, log, 'drop staging tables', 'drop table bench_stage_cases, bench_stage_messages, bench_stage_customers');
    for (const ix of indexes) await step(client, log, `index ${ix.name}`, ix.def);
    // A live database has been through autovacuum: set the visibility map (index-only scans) and
    // the statistics now, or the first figures would describe a state no install stays in.
    await step(client, log, 'vacuum analyze', 'vacuum analyze');
    await client.query(`create table bench_dataset (
      cases bigint not null, messages bigint not null, generator int not null, built_at timestamptz not null default now())`);
    await client.query('insert into bench_dataset (cases, messages, generator) values ($1, $2, $3)', [
      size.cases,
      size.messages,
      generatorVersion,
    ]);
  } finally {
    client.release();
  }
}

// Ids are md5 of a name and an ordinal, so every table can refer to any row of another by number
// without a lookup join (case 17's requester is customer md5('bench-customer-<n>')); the version
// and variant digits are set so they are valid version-4 UUIDs, as the API's schemas require.
const uid = (kind: string, ordinal: string) =>
  `overlay(overlay(md5('bench-${kind}-' || ${ordinal}) placing '4' from 13) placing '8' from 17)::uuid`;

/** Admin, managers, team leaders and agents, and the teams they work in. */
async function loadStaff(client: Client, log: (line: string) => void): Promise<void> {
  const leadersFrom = 2 + staff.managers;
  const agentsFrom = leadersFrom + staff.teams;
  const totalUsers = agentsFrom - 1 + staff.teams * staff.agentsPerTeam;
  await step(
    client,
    log,
    'staff',
    `insert into users (id, email, name, role, created_at, updated_at)
     select ${uid('user', 'u')},
            case when u = 1 then 'bench-admin@example.test'
                 when u < $2 then 'bench-manager-' || (u - 1) || '@example.test'
                 when u < $3 then 'bench-leader-' || (u - $2 + 1) || '@example.test'
                 else 'bench-agent-' || (u - $3 + 1) || '@example.test' end,
            ($4::text[])[1 + (u * 7) % array_length($4::text[], 1)] || ' ' || ($5::text[])[1 + (u * 13) % array_length($5::text[], 1)],
            case when u = 1 then 'admin' when u < $2 then 'manager' when u < $3 then 'team_leader' else 'agent' end,
            now() - interval '3 years', now() - interval '3 years'
       from generate_series(1, $1) u`,
    [totalUsers, leadersFrom, agentsFrom, firstNames, lastNames],
  );
  await client.query(
    `insert into teams (id, name, created_at, updated_at)
     select ${uid('team', 't')}, ($1::text[])[t], now() - interval '3 years', now() - interval '3 years' from generate_series(1, $2) t`,
    [teamNames, staff.teams],
  );
  await client.query(
    `insert into team_members (team_id, user_id, membership)
     select ${uid('team', 't')}, ${uid('user', `(${leadersFrom} + t - 1)`)}, 'leader' from generate_series(1, $1) t
     union all
     select ${uid('team', `(1 + (a - 1) / ${staff.agentsPerTeam})`)}, ${uid('user', `(${agentsFrom} + a - 1)`)}, 'member'
       from generate_series(1, $2) a`,
    [staff.teams, staff.teams * staff.agentsPerTeam],
  );
}

/** Organisations, customers with an email each (and a phone for some), staged for the cases. */
async function loadCustomers(client: Client, size: DatasetSize, log: (line: string) => void): Promise<void> {
  await step(
    client,
    log,
    'organisations',
    `insert into organisations (id, name, domain, created_at, updated_at)
     select ${uid('org', 'o')},
            ($2::text[])[1 + floor(random() * array_length($2::text[], 1))::int] || ' ' || (array['Ltd', 'Group', 'Inc', 'GmbH', 'Partners', 'Trading', 'Holdings'])[1 + o % 7] || ' ' || o,
            'org' || o || '.example', now() - interval '3 years', now() - interval '3 years'
       from generate_series(1, $1) o`,
    [size.organisations, lastNames],
  );
  await step(
    client,
    log,
    'stage customers',
    `create unlogged table bench_stage_customers as
     select c as ord, ${uid('customer', 'c')} as id, f || ' ' || l as name,
            lower(regexp_replace(f || '.' || l, '[^A-Za-z.]', '', 'g')) || c || '@' || d as email,
            case when r < 0.3 then '+4477' || lpad(c::text, 8, '0') end as phone,
            case when r < 0.3 then ${uid('org', `(1 + floor(random() * $5)::int)`)} end as organisation_id,
            case when r2 < 0.02 then 'vip' when r2 < 0.12 then 'priority' else 'standard' end as tier,
            now() - random() * interval '3 years' as created_at
       from (select c, random() as r, random() as r2,
                    ($2::text[])[1 + floor(random() * array_length($2::text[], 1))::int] as f,
                    ($3::text[])[1 + floor(random() * array_length($3::text[], 1))::int] as l,
                    ($4::text[])[1 + floor(random() * array_length($4::text[], 1))::int] as d
               from generate_series(1, $1) c) s`,
    [size.customers, firstNames, lastNames, emailDomains, size.organisations],
  );
  await step(
    client,
    log,
    'customers',
    `insert into customers (id, name, organisation_id, tier, created_at, updated_at)
     select id, name, organisation_id, tier, created_at, created_at from bench_stage_customers order by ord`,
  );
  await step(
    client,
    log,
    'customer identities',
    `insert into customer_identities (customer_id, kind, value, created_at)
     select id, 'email', email, created_at from bench_stage_customers
     union all
     select id, 'phone', phone, created_at from bench_stage_customers where phone is not null`,
  );
}

/**
 * Cases as a help desk holds them after three years: most closed, a working set of new, open,
 * pending and on-hold cases from the last month spread over eight teams and their agents.
 */
async function stageCases(client: Client, size: DatasetSize, log: (line: string) => void): Promise<void> {
  const agentsFrom = 2 + staff.managers + staff.teams;
  await step(
    client,
    log,
    'stage cases',
    `create unlogged table bench_stage_cases as
     select i, id, status, priority, type, channel, requester_ord, team_ord, subject, tags, created_at,
            case when team_ord is null or status = 'new' or r_assign < 0.05 then null
                 else ${uid('user', `(${agentsFrom} + (team_ord - 1) * ${staff.agentsPerTeam} + floor(r_agent * ${staff.agentsPerTeam})::int)`)} end as assignee_id,
            least(now(), case when status in ('new', 'open', 'pending', 'on_hold') then created_at + r_upd * (now() - created_at)
                              else created_at + r_upd * interval '7 days' end) as updated_at
       from (select i, id, r_assign, r_agent, r_upd, tags, subject, priority, type, channel, requester_ord, status,
                    case when status = 'new' and r_team < 0.4 then null else 1 + floor(r_team * ${staff.teams})::int end as team_ord,
                    case when status in ('new', 'open', 'pending', 'on_hold') then now() - r_age * interval '30 days'
                         else now() - interval '30 days' - r_age * interval '35 months' end as created_at
               from (select i, ${uid('case', 'i')} as id, random() as r_assign, random() as r_agent, random() as r_upd,
                            random() as r_team, random() as r_age,
                            case when r_status < 0.03 then 'new' when r_status < 0.11 then 'open' when r_status < 0.17 then 'pending'
                                 when r_status < 0.20 then 'on_hold' when r_status < 0.30 then 'solved' else 'closed' end as status,
                            case when r_prio < 0.15 then 'low' when r_prio < 0.75 then 'normal' when r_prio < 0.95 then 'high' else 'urgent' end as priority,
                            case when r_type < 0.5 then 'question' when r_type < 0.75 then 'service_request' when r_type < 0.9 then 'complaint' else 'incident' end as type,
                            case when r_chan < 0.55 then 'email' when r_chan < 0.70 then 'web' when r_chan < 0.82 then 'chat'
                                 when r_chan < 0.94 then 'phone' when r_chan < 0.98 then 'portal' else 'api' end as channel,
                            1 + floor(random() * $2)::int as requester_ord,
                            replace(($3::text[])[1 + floor(random() * array_length($3::text[], 1))::int], '#', '#' || (100000 + floor(random() * 900000)::int)) as subject,
                            case when r_tag < 0.3 then array[(array['refund', 'vip', 'escalated', 'bug', 'feedback', 'shipping', 'billing', 'fraud'])[1 + floor(r_tag * 26)::int]]
                                 else '{}'::text[] end as tags
                       from (select i, random() as r_status, random() as r_prio, random() as r_type, random() as r_chan, random() as r_tag
                               from generate_series(1, $1) i) r0) r1) r2`,
    [size.cases, size.customers, subjects],
  );
  await client.query('create unique index on bench_stage_cases (i)');
}

/**
 * One customer message opening each case, then replies, further customer messages and notes
 * spread over the cases at random; bodies are sentences of help-desk words, skewed so a few
 * words are everywhere and most are rare, with order numbers here and there.
 */
async function stageMessages(client: Client, size: DatasetSize, log: (line: string) => void): Promise<void> {
  await step(
    client,
    log,
    'stage messages',
    `create unlogged table bench_stage_messages as
     select s.j, c.i as case_ord, c.id as case_id, s.kind, c.channel,
            case when s.kind = 'customer' then ${uid('customer', 'c.requester_ord')} end as author_customer_id,
            case when s.kind <> 'customer' then coalesce(c.assignee_id, ${uid('user', '1')}) end as author_user_id,
            case when s.j <= $1 then c.created_at else c.created_at + s.r_at * (c.updated_at - c.created_at) end as created_at,
            (select string_agg(case when random() < 0.35 then ($4::text[])[1 + floor(random() * array_length($4::text[], 1))::int]
                                    else ($3::text[])[1 + floor(power(random(), 2.5) * array_length($3::text[], 1))::int] end, ' ')
               from generate_series(1, 8 + (s.j * 7) % 40))
              || case when s.r_order < 0.1 then ' order #' || (100000 + floor(random() * 900000)::int) else '' end as body
       from (select j, random() as r_at, random() as r_order,
                    case when j <= $1 then j else 1 + floor(random() * $1)::int end as case_ord,
                    case when j <= $1 then 'customer' else (array['reply', 'reply', 'reply', 'reply', 'customer', 'customer', 'note'])[1 + floor(random() * 7)::int] end as kind
               from generate_series(1, $2) j) s
       join bench_stage_cases c on c.i = s.case_ord`,
    [size.cases, size.messages, words, fillers],
  );
}

/** Cases with their counters and the search document built as the service builds it. */
async function insertCases(client: Client, log: (line: string) => void): Promise<void> {
  await step(
    client,
    log,
    'cases (with search documents)',
    `insert into cases (id, subject, type, status, priority, tags, channel, requester_id, team_id, assignee_id, created_at, updated_at,
                        solved_at, closed_at, first_public_reply_at, last_public_reply_at, last_customer_message_at,
                        public_reply_count, customer_message_count, search)
     select c.id, c.subject, c.type, c.status, c.priority, c.tags, c.channel, cu.id,
            case when c.team_ord is not null then ${uid('team', 'c.team_ord')} end, c.assignee_id, c.created_at, c.updated_at,
            case when c.status in ('solved', 'closed') then greatest(c.created_at, c.updated_at - interval '4 days') end,
            case when c.status = 'closed' then c.updated_at end,
            m.first_reply, m.last_reply, m.last_customer, coalesce(m.replies, 0), coalesce(m.customer_messages, 0),
            setweight(to_tsvector('english', c.subject), 'A')
              || setweight(to_tsvector('simple', cu.name || ' ' || cu.email || coalesce(' ' || cu.phone, '')), 'B')
              || setweight(to_tsvector('english', coalesce(m.text, '')), 'C')
       from bench_stage_cases c
       join bench_stage_customers cu on cu.ord = c.requester_ord
       left join (select case_ord, string_agg(body, ' ' order by created_at) as text,
                         min(created_at) filter (where kind = 'reply') as first_reply,
                         max(created_at) filter (where kind = 'reply') as last_reply,
                         max(created_at) filter (where kind = 'customer') as last_customer,
                         count(*) filter (where kind = 'reply')::int as replies,
                         count(*) filter (where kind = 'customer')::int as customer_messages
                    from bench_stage_messages group by case_ord) m on m.case_ord = c.i
      order by c.created_at`,
  );
}

async function insertMessages(client: Client, log: (line: string) => void): Promise<void> {
  await step(
    client,
    log,
    'messages',
    `insert into case_messages (case_id, kind, author_user_id, author_customer_id, channel, body_text, created_at)
     select case_id, kind, author_user_id, author_customer_id, channel, body, created_at from bench_stage_messages order by created_at`,
  );
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const size = args.includes('--quick') ? datasetSizes.quick : datasetSizes.full;
  const kind = args.includes('--embedded') ? 'embedded' : 'postgres';
  const loc = datasetLocation(kind, size, process.env.DATABASE_URL);
  const report = await ensureDataset(loc, size, { rebuild: args.includes('--rebuild'), log: (l) => process.stderr.write(`${l}\n`) });
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
