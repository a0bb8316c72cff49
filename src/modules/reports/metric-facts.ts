// What each case contributes to the report metrics (docs/metrics.md), as facts: (metric, quarter
// hour, count, sum) under the case's current dimensions (team, agent, channel, category,
// priority, type). After every change to a case its facts are recomputed from the case row and
// its SLA targets, compared with the facts stored last time, and only the difference is added to
// metric_rollups, in the change's transaction. `rebuildRollups` recomputes everything.
import { sql } from 'kysely';
import type { ServiceContext, Tx } from '../../lib/context.js';
import { inTransaction } from '../../lib/transaction.js';

export const quarterHourMs = 15 * 60_000;

export type Dims = {
  teamId: string | null;
  assigneeId: string | null;
  channel: string;
  categoryId: string | null;
  priority: string;
  type: string;
};

export type Fact = Dims & { metric: string; bucket: string; count: number; sum: number };

/** The row facts are computed from; merged cases contribute nothing. */
export type CaseForFacts = Dims & {
  createdAt: Date;
  status: string;
  solvedAt: Date | null;
  firstPublicReplyAt: Date | null;
  reopenCount: number;
  publicReplyCount: number;
  mergedIntoId: string | null;
  /** Escalated to the managers, by hand or by an SLA rule (only whether, not when, counts). */
  escalatedAt: Date | null;
  /** Stored SLA targets (latest cycle each). */
  targets: { target: string; state: string; dueAt: Date | null; targetMinutes: number; remainingMinutes: number }[];
};

export function quarterHour(at: Date): string {
  return new Date(Math.floor(at.getTime() / quarterHourMs) * quarterHourMs).toISOString();
}

const minutesBetween = (a: Date, b: Date) => (b.getTime() - a.getTime()) / 60_000;

/** Counted minutes of a met SLA target (business or calendar, as its policy said), if it has one. */
function metTargetMinutes(c: CaseForFacts, target: string): number | null {
  const t = c.targets.find((x) => x.target === target && (x.state === 'achieved' || x.state === 'achieved_late'));
  return t ? t.targetMinutes - t.remainingMinutes : null;
}

export function caseFacts(c: CaseForFacts): Fact[] {
  if (c.mergedIntoId) return [];
  const dims: Dims = {
    teamId: c.teamId,
    assigneeId: c.assigneeId,
    channel: c.channel,
    categoryId: c.categoryId,
    priority: c.priority,
    type: c.type,
  };
  const facts: Fact[] = [];
  const add = (metric: string, at: Date, sum = 0) => facts.push({ ...dims, metric, bucket: quarterHour(at), count: 1, sum });
  add('created', c.createdAt);
  // Escalation rate counts a case in the period it was created, however late it was escalated.
  if (c.escalatedAt) add('escalated', c.createdAt);
  if (c.firstPublicReplyAt)
    add('first_reply_time', c.firstPublicReplyAt, metTargetMinutes(c, 'firstReply') ?? minutesBetween(c.createdAt, c.firstPublicReplyAt));
  const solved = (c.status === 'solved' || c.status === 'closed') && c.solvedAt !== null;
  if (solved) {
    const at = c.solvedAt!;
    add('solved', at);
    add('resolution_time', at, metTargetMinutes(c, 'resolution') ?? minutesBetween(c.createdAt, at));
    add('replies_per_case', at, c.publicReplyCount);
    if (c.reopenCount > 0) add('reopened', at);
    if (c.publicReplyCount === 1) add('one_touch', at);
  }
  for (const t of c.targets) {
    if (!t.dueAt || !['achieved', 'achieved_late', 'breached'].includes(t.state)) continue;
    add(`sla_${t.target}`, t.dueAt, t.state === 'achieved' ? 1 : 0);
  }
  return facts;
}

const factKey = (f: Fact) => [f.metric, f.bucket, f.teamId, f.assigneeId, f.channel, f.categoryId, f.priority, f.type].join('|');

/** What to add to the rollups to go from `before` to `after`, in a stable order (no deadlocks). */
export function factDelta(before: readonly Fact[], after: readonly Fact[]): Fact[] {
  const sums = new Map<string, Fact>();
  const apply = (f: Fact, sign: number) => {
    const k = factKey(f);
    const cur = sums.get(k) ?? { ...f, count: 0, sum: 0 };
    cur.count += sign * f.count;
    cur.sum += sign * f.sum;
    sums.set(k, cur);
  };
  for (const f of before) apply(f, -1);
  for (const f of after) apply(f, 1);
  return [...sums.entries()]
    .filter(([, f]) => f.count !== 0 || Math.abs(f.sum) > 1e-9)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, f]) => f);
}

async function loadCasesForFacts(db: Tx, caseIds: string[] | null): Promise<Map<string, CaseForFacts>> {
  let q = db
    .selectFrom('cases')
    .select([
      'id',
      'team_id',
      'assignee_id',
      'channel',
      'category_id',
      'priority',
      'type',
      'created_at',
      'status',
      'solved_at',
      'first_public_reply_at',
      'reopen_count',
      'public_reply_count',
      'merged_into_id',
      'escalated_at',
    ]);
  if (caseIds) q = q.where('id', 'in', caseIds);
  const rows = await q.execute();
  let tq = db.selectFrom('case_sla_targets').select(['case_id', 'target', 'state', 'due_at', 'target_minutes', 'remaining_minutes']);
  if (caseIds) tq = tq.where('case_id', 'in', caseIds);
  const targets = await tq.execute();
  const byCase = new Map<string, CaseForFacts['targets']>();
  for (const t of targets)
    byCase.set(t.case_id, [
      ...(byCase.get(t.case_id) ?? []),
      { target: t.target, state: t.state, dueAt: t.due_at, targetMinutes: t.target_minutes, remainingMinutes: t.remaining_minutes },
    ]);
  return new Map(
    rows.map((r) => [
      r.id,
      {
        teamId: r.team_id,
        assigneeId: r.assignee_id,
        channel: r.channel,
        categoryId: r.category_id,
        priority: r.priority,
        type: r.type,
        createdAt: r.created_at,
        status: r.status,
        solvedAt: r.solved_at,
        firstPublicReplyAt: r.first_public_reply_at,
        reopenCount: r.reopen_count,
        publicReplyCount: r.public_reply_count,
        mergedIntoId: r.merged_into_id,
        escalatedAt: r.escalated_at,
        targets: byCase.get(r.id) ?? [],
      },
    ]),
  );
}

const zeroUuid = '00000000-0000-0000-0000-000000000000';

async function addToRollups(trx: Tx, delta: readonly Fact[]): Promise<void> {
  for (let i = 0; i < delta.length; i += 500) {
    const chunk = delta.slice(i, i + 500);
    const values = sql.join(
      chunk.map(
        (f) =>
          sql`(${f.bucket}::timestamptz, ${f.metric}, ${f.teamId}::uuid, ${f.assigneeId}::uuid, ${f.channel}, ${f.categoryId}::uuid, ${f.priority}, ${f.type}, ${f.count}::bigint, ${f.sum}::float8)`,
      ),
    );
    await sql`
      insert into metric_rollups as r (bucket, metric, team_id, assignee_id, channel, category_id, priority, type, count, sum)
      values ${values}
      on conflict (metric, bucket, coalesce(team_id, ${zeroUuid}::uuid), coalesce(assignee_id, ${zeroUuid}::uuid), channel,
                   coalesce(category_id, ${zeroUuid}::uuid), priority, type)
      do update set count = r.count + excluded.count, sum = r.sum + excluded.sum`.execute(trx);
  }
}

/** Recomputes one case's facts and moves the rollups by the difference. Call in the change's transaction. */
export async function refreshCaseMetrics(trx: Tx, caseId: string, at: Date): Promise<void> {
  await refreshCasesMetrics(trx, [caseId], at);
}

/**
 * The same for a batch of cases: the differences of all of them go to the rollups in one
 * statement (summed per rollup row, in a stable order), and the new facts in another.
 */
export async function refreshCasesMetrics(
  trx: Tx,
  caseIds: readonly string[],
  at: Date,
  /** Cases created in this transaction, as written: nothing is read back and no facts are stored yet. */
  created?: ReadonlyMap<string, CaseForFacts>,
): Promise<void> {
  if (caseIds.length === 0) return;
  const cases = created ?? (await loadCasesForFacts(trx, [...caseIds]));
  const stored = created
    ? new Map<string, Fact[]>()
    : new Map(
        (await trx.selectFrom('case_metric_facts').select(['case_id', 'facts']).where('case_id', 'in', caseIds).execute()).map((r) => [
          r.case_id,
          r.facts as Fact[],
        ]),
      );
  const allBefore: Fact[] = [];
  const allAfter: Fact[] = [];
  const changed: { case_id: string; facts: string }[] = [];
  for (const id of new Set(caseIds)) {
    const c = cases.get(id);
    const after = c ? caseFacts(c) : [];
    const before = stored.get(id) ?? [];
    if (factDelta(before, after).length === 0 && stored.has(id)) continue;
    allBefore.push(...before);
    allAfter.push(...after);
    changed.push({ case_id: id, facts: JSON.stringify(after) });
  }
  if (changed.length === 0) return;
  await sql`insert into case_metric_facts (case_id, facts, updated_at)
    select case_id, facts, ${at.toISOString()}::timestamptz from unnest(${changed.map((c) => c.case_id)}::uuid[], ${changed.map((c) => c.facts)}::jsonb[])
      as f(case_id, facts)
    on conflict (case_id) do update set facts = excluded.facts, updated_at = excluded.updated_at`.execute(trx);
  // Last: concurrent changes share rollup rows (same quarter hour, team, channel…), and each
  // holds the rows it moved until it commits.
  await addToRollups(trx, factDelta(allBefore, allAfter));
}

/**
 * The rollups from every case's stored facts in one grouped insert, into an empty table: the same
 * sums refreshCaseMetrics reaches change by change (demo-bulk.test.ts, metrics.test.ts compare them).
 */
export async function rollupFromFacts(db: Tx): Promise<void> {
  await sql`insert into metric_rollups (bucket, metric, team_id, assignee_id, channel, category_id, priority, type, count, sum)
    select (f->>'bucket')::timestamptz, f->>'metric', (f->>'teamId')::uuid, (f->>'assigneeId')::uuid, f->>'channel',
           (f->>'categoryId')::uuid, f->>'priority', f->>'type', sum((f->>'count')::bigint), sum((f->>'sum')::float8)
    from case_metric_facts, jsonb_array_elements(facts) f
    group by 1, 2, 3, 4, 5, 6, 7, 8
    -- In time order, as live use writes them: a report over a week then reads that week's pages,
    -- not a page per row scattered over the whole table (measured at 1M cases: 31,000 pages).
    order by 1, 2`.execute(db);
}

/** `frontline rollups rebuild`: every case's facts and the rollups from scratch, in one transaction. */
export async function rebuildRollups(
  ctx: ServiceContext,
  options: { batch?: number; log?: (line: string) => void } = {},
): Promise<{ cases: number; rows: number }> {
  const batch = options.batch ?? 5000;
  const at = ctx.clock.now();
  return inTransaction(ctx.db, async (trx) => {
    await trx.deleteFrom('metric_rollups').execute();
    await trx.deleteFrom('case_metric_facts').execute();
    let after: string | null = null;
    let cases = 0;
    for (;;) {
      let q = trx.selectFrom('cases').select('id').orderBy('id').limit(batch);
      if (after) q = q.where('id', '>', after);
      const ids = (await q.execute()).map((r) => r.id);
      if (ids.length === 0) break;
      const rows = await loadCasesForFacts(trx, ids);
      const perCase: { case_id: string; facts: string; updated_at: Date }[] = [];
      for (const id of ids) {
        const facts = caseFacts(rows.get(id)!);
        perCase.push({ case_id: id, facts: JSON.stringify(facts), updated_at: at });
      }
      for (let i = 0; i < perCase.length; i += 1000)
        await trx
          .insertInto('case_metric_facts')
          .values(perCase.slice(i, i + 1000))
          .execute();
      cases += ids.length;
      after = ids[ids.length - 1]!;
      options.log?.(`rollups: ${cases} cases`);
    }
    await rollupFromFacts(trx);
    const rows = await trx
      .selectFrom('metric_rollups')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    return { cases, rows: Number(rows.n) };
  });
}
