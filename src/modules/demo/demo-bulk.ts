// `frontline demo --bulk`: the same operation as `frontline demo` (built through the services),
// and the same history — the same seeded arrivals and case plans — replayed in memory
// (bulk-history.ts) and stored thousands of cases per statement (bulk-writer.ts), for databases
// the size of a large operation. Cases are replayed in arrival order; department requests are
// numbered in the order the simulation would have created them, which is known for a request
// once every case that arrived before it has been replayed.
import { sql } from 'kysely';
import type { Db } from '../../db/open.js';
import type { ServiceContext } from '../../lib/context.js';
import { inTransaction } from '../../lib/transaction.js';
import { calendarOf, toPolicyView } from '../sla/sla-config.service.js';
import {
  CustomerBook,
  contactOf,
  replayCase,
  type BulkDirectory,
  type BulkWorld,
  type CaseRecord,
  type RequestRecord,
} from './bulk-history.js';
import { planCase } from './case-plan.js';
import { EventQueue } from './event-queue.js';
import type { DemoOperation } from './operation.js';
import type { SimulationProgress, SimulationStats } from './simulation.js';
import { rollupFromFacts } from '../reports/metric-facts.js';
import { advanceSequence, peekSequence, recomputeNormsAsOf, writeCaseBatch } from './bulk-writer.js';

/** Cases per write: large enough that statements cost little per case, small enough to stay in memory. */
export const bulkBatchSize = 2000;

/** Reads once what the services would look up on every step: policies, leaders, managers, departments, known customers. */
export async function loadDirectory(db: Db): Promise<BulkDirectory> {
  const policyRows = await db
    .selectFrom('sla_policies as p')
    .innerJoin('business_calendars as bc', 'bc.id', 'p.calendar_id')
    .selectAll('p')
    .select(['bc.time_zone', 'bc.weekly', 'bc.holidays'])
    .where('p.active', '=', true)
    .orderBy('p.position')
    .orderBy('p.created_at')
    .execute();
  const policies = policyRows.map((r) => {
    const view = toPolicyView(r);
    if (view.conditions.categoryIds?.length) throw new Error('the bulk demo matches policies without category conditions');
    return { ...view, calendar: calendarOf({ timeZone: r.time_zone, weekly: r.weekly, holidays: r.holidays ?? [] }) };
  });
  const leaders = await db
    .selectFrom('team_members as tm')
    .innerJoin('users as u', 'u.id', 'tm.user_id')
    .select(['tm.team_id', 'tm.user_id'])
    .where('tm.membership', '=', 'leader')
    .where('u.active', '=', true)
    .execute();
  const teamLeaders = new Map<string, string[]>();
  for (const l of leaders) teamLeaders.set(l.team_id, [...(teamLeaders.get(l.team_id) ?? []), l.user_id]);
  const managers = (await db.selectFrom('users').select('id').where('role', '=', 'manager').where('active', '=', true).execute()).map(
    (u) => u.id,
  );
  const members = await db
    .selectFrom('department_members as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .innerJoin('departments as d', 'd.id', 'm.department_id')
    .select(['m.department_id', 'm.user_id', 'm.membership', 'd.name'])
    .where('u.active', '=', true)
    .execute();
  const departments: BulkDirectory['departments'] = new Map();
  for (const m of members) {
    const d = departments.get(m.department_id) ?? { name: m.name, members: [], heads: [] };
    d.members.push(m.user_id);
    if (m.membership === 'head') d.heads.push(m.user_id);
    departments.set(m.department_id, d);
  }
  const known = await db
    .selectFrom('customer_identities as i')
    .innerJoin('customers as c', 'c.id', 'i.customer_id')
    .select(['i.kind', 'i.value', 'c.id', 'c.merged_into_id', 'c.tier', 'c.organisation_id'])
    .execute();
  const identities = new Map(known.map((k) => [`${k.kind}\u0000${k.value}`, k.merged_into_id ?? k.id]));
  const customers: BulkDirectory['customers'] = new Map(known.map((k) => [k.id, { tier: k.tier, organisationId: k.organisation_id }]));
  return { policies, teamLeaders, managers, departments, identities, customers };
}

export type BulkInput = {
  ctx: ServiceContext;
  operation: DemoOperation;
  arrivals: readonly number[];
  start: number;
  end: number;
  onProgress?: ((p: SimulationProgress) => void) | undefined;
};

/** Cases replayed but not yet written: a case waits until each of its requests has its number. */
class Outbox {
  private readonly waiting: CaseRecord[] = [];
  private readonly ready: CaseRecord[] = [];
  private readonly requests = new EventQueue<RequestRecord>();
  private nextRequest: number;
  lastRequestNumber: number | null = null;

  constructor(firstRequestNumber: number) {
    this.nextRequest = firstRequestNumber;
  }

  add(record: CaseRecord): void {
    for (const r of record.requests) this.requests.push(r.createdAt.getTime(), r);
    this.waiting.push(record);
  }

  /** Numbers the requests made by `at` (no case replayed later can make an earlier one), then frees cases. */
  numberUpTo(at: number): void {
    while (this.requests.size > 0 && this.requests.peekAt() <= at) {
      const r = this.requests.pop()!.item;
      this.lastRequestNumber = r.number = this.nextRequest++;
    }
    while (this.waiting.length > 0 && this.waiting[0]!.requests.every((r) => r.number > 0)) this.ready.push(this.waiting.shift()!);
  }

  /** Up to `max` ready cases once `min` are ready; a case waiting on a late request can free thousands at once. */
  take(min: number, max = bulkBatchSize): CaseRecord[] {
    return this.ready.length >= min ? this.ready.splice(0, max) : [];
  }

  get readyCount(): number {
    return this.ready.length;
  }
}

export async function bulkHistory(input: BulkInput): Promise<SimulationStats> {
  const { ctx, operation, arrivals, end } = input;
  const directory = await loadDirectory(ctx.db);
  const world: BulkWorld = { operation, directory, end, autoCloseDays: ctx.config.caseAutoCloseDays };
  const book = new CustomerBook(directory);
  const firstCase = await peekSequence(ctx.db, 'case_number_seq');
  const outbox = new Outbox(await peekSequence(ctx.db, 'department_request_number_seq'));
  const stats: SimulationStats = { cases: 0, steps: 0, skipped: 0, problems: [], scans: 0, alertsRaised: 0, autoClosed: 0 };
  const endDate = new Date(end);

  // One batch is written while the next is replayed: the replay is CPU here, the write mostly the
  // database's. Batches still commit in order (a later one reads the customers an earlier one made).
  let writing: Promise<void> = Promise.resolve();
  const write = async (batch: CaseRecord[]) => {
    if (batch.length === 0) return;
    await writing;
    writing = inTransaction(ctx.db, (trx) => writeCaseBatch(trx, batch, endDate));
    // A failed write surfaces at the next await of `writing`; keep it from going unhandled meanwhile.
    writing.catch(() => {});
    for (const c of batch) {
      stats.steps += c.steps;
      stats.skipped += c.refused.length;
      for (const p of c.refused) if (stats.problems.length < 20) stats.problems.push(`case ${c.index}: ${p}`);
      stats.alertsRaised += c.alerts.length;
      if (c.closedAt) stats.autoClosed++;
    }
    const last = batch[batch.length - 1]!;
    input.onProgress?.({
      simulatedAt: last.createdAt,
      fraction: (last.createdAt.getTime() - input.start) / (end - input.start),
      cases: stats.cases,
    });
  };

  for (const [index, at] of arrivals.entries()) {
    if (at > end) break;
    const plan = planCase(operation.world, index, at);
    const requester = book.resolve(contactOf(plan), new Date(at));
    outbox.add(replayCase(world, plan, firstCase + stats.cases, requester));
    stats.cases++;
    outbox.numberUpTo(at);
    while (outbox.readyCount >= bulkBatchSize) await write(outbox.take(bulkBatchSize));
  }
  outbox.numberUpTo(Infinity);
  while (outbox.readyCount > 0) await write(outbox.take(0));
  await writing;
  await finishBulk(ctx, {
    lastCase: stats.cases > 0 ? firstCase + stats.cases - 1 : null,
    lastRequest: outbox.lastRequestNumber,
    end: endDate,
  });
  input.onProgress?.({ simulatedAt: endDate, fraction: 1, cases: stats.cases });
  return stats;
}

/** What follows the rows: the rollups, the sequences, the nightly norms, fresh planner statistics. */
async function finishBulk(ctx: ServiceContext, done: { lastCase: number | null; lastRequest: number | null; end: Date }): Promise<void> {
  await inTransaction(ctx.db, async (trx) => {
    await rollupFromFacts(trx);
    if (done.lastCase !== null) await advanceSequence(trx, 'case_number_seq', done.lastCase);
    if (done.lastRequest !== null) await advanceSequence(trx, 'department_request_number_seq', done.lastRequest);
  });
  await recomputeNormsAsOf(ctx, done.end);
  // The planner has not seen the new rows yet; the first reports should not wait for autovacuum.
  await sql`analyze`.execute(ctx.db);
}
