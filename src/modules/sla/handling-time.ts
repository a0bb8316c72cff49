// Expected handling time (docs/metrics.md): how long cases like this one usually take to solve,
// from the solved cases of the last 180 days, per category, type and channel with coarser
// fallbacks; recomputed nightly. Open cases older than their norm's p90 are outliers.
import { sql } from 'kysely';
import type { ServiceContext, Tx } from '../../lib/context.js';
import { AppError } from '../../lib/errors.js';
import { inTransaction } from '../../lib/transaction.js';
import { assertPermission, type Actor } from '../auth/permissions.js';
import { assertCanSeeCase, caseScopeFilter, loadCaseScope } from '../cases/case-access.js';
import { median, percentile } from '../departments/department-turnaround.js';
import { computeCasesSla } from './sla-tracking.js';

export const normWindowDays = 180;
/** Fewer solved cases than this say too little to be called usual. */
export const minNormSample = 5;
const any = '*';

export type HandlingNorm = {
  categoryId: string | null;
  type: string;
  channel: string;
  sampleSize: number;
  medianMinutes: number;
  p80Minutes: number;
  p90Minutes: number;
};

type Solved = { category_id: string | null; type: string; channel: string; minutes: number };

/**
 * Minutes to resolve each case solved in the window: the resolution target's counted time when
 * the case had one (business or calendar, as its policy said), else calendar minutes from
 * creation to the final solve.
 */
async function solvedDurations(db: Tx, now: Date): Promise<Solved[]> {
  const since = new Date(now.getTime() - normWindowDays * 86_400_000);
  const rows = await sql<Solved>`
    select c.category_id, c.type, c.channel,
      coalesce(
        case when t.state in ('achieved', 'achieved_late') then t.target_minutes - t.remaining_minutes end,
        extract(epoch from (c.solved_at - c.created_at)) / 60
      )::float8 as minutes
    from cases c
    left join case_sla_targets t on t.case_id = c.id and t.target = 'resolution'
    where c.solved_at >= ${since} and c.solved_at <= ${now} and c.merged_into_id is null`.execute(db);
  return rows.rows.map((r) => ({ ...r, minutes: Number(r.minutes) }));
}

/** The norms at every level: exact (category, type, channel), then by category and type, by category, overall. */
export function computeNorms(solved: readonly Solved[]): HandlingNorm[] {
  const groups = new Map<
    string,
    { key: Omit<HandlingNorm, 'sampleSize' | 'medianMinutes' | 'p80Minutes' | 'p90Minutes'>; values: number[] }
  >();
  const add = (categoryId: string | null, type: string, channel: string, v: number) => {
    const k = `${categoryId ?? ''}|${type}|${channel}`;
    const g = groups.get(k) ?? { key: { categoryId, type, channel }, values: [] };
    g.values.push(v);
    groups.set(k, g);
  };
  for (const s of solved) {
    add(s.category_id, s.type, s.channel, s.minutes);
    add(s.category_id, s.type, any, s.minutes);
    add(s.category_id, any, any, s.minutes);
    if (s.category_id !== null) add(null, any, any, s.minutes);
  }
  return [...groups.values()]
    .filter((g) => g.values.length >= minNormSample)
    .map((g) => ({
      ...g.key,
      sampleSize: g.values.length,
      medianMinutes: median(g.values)!,
      p80Minutes: percentile(g.values, 80)!,
      p90Minutes: percentile(g.values, 90)!,
    }));
}

/** The nightly job: replaces every norm. */
export async function recomputeHandlingNorms(ctx: ServiceContext): Promise<{ norms: number; solvedCases: number }> {
  const now = ctx.clock.now();
  const solved = await solvedDurations(ctx.db, now);
  const norms = computeNorms(solved);
  await inTransaction(ctx.db, async (trx) => {
    await trx.deleteFrom('handling_time_norms').execute();
    for (let i = 0; i < norms.length; i += 500)
      await trx
        .insertInto('handling_time_norms')
        .values(
          norms.slice(i, i + 500).map((n) => ({
            category_id: n.categoryId,
            type: n.type,
            channel: n.channel,
            sample_size: n.sampleSize,
            median_minutes: n.medianMinutes,
            p80_minutes: n.p80Minutes,
            p90_minutes: n.p90Minutes,
            computed_at: now,
          })),
        )
        .execute();
  });
  return { norms: norms.length, solvedCases: solved.length };
}

async function loadNorms(db: Tx): Promise<HandlingNorm[]> {
  const rows = await db.selectFrom('handling_time_norms').selectAll().execute();
  return rows.map((r) => ({
    categoryId: r.category_id,
    type: r.type,
    channel: r.channel,
    sampleSize: r.sample_size,
    medianMinutes: r.median_minutes,
    p80Minutes: r.p80_minutes,
    p90Minutes: r.p90_minutes,
  }));
}

/** The most specific norm that has one: exact, then category+type, category, overall. */
export function normFor(
  norms: readonly HandlingNorm[],
  c: { category_id: string | null; type: string; channel: string },
): HandlingNorm | null {
  const find = (categoryId: string | null, type: string, channel: string) =>
    norms.find((n) => n.categoryId === categoryId && n.type === type && n.channel === channel);
  return (
    find(c.category_id, c.type, c.channel) ??
    find(c.category_id, c.type, any) ??
    find(c.category_id, any, any) ??
    find(null, any, any) ??
    null
  );
}

/** "2 days 4 h", "3 h 20 min", "45 min". */
export function formatMinutes(minutes: number): string {
  const m = Math.round(minutes);
  const days = Math.floor(m / 1440);
  const hours = Math.floor((m % 1440) / 60);
  const mins = m % 60;
  if (days > 0) return hours > 0 ? `${days} day${days > 1 ? 's' : ''} ${hours} h` : `${days} day${days > 1 ? 's' : ''}`;
  if (hours > 0) return mins > 0 ? `${hours} h ${mins} min` : `${hours} h`;
  return `${mins} min`;
}

/** How long the case has been running, counted as its norm was: the resolution clock, else calendar time. */
/** Counted age: the resolution clock's elapsed minutes where a policy runs one, calendar age otherwise. */
async function caseAgesMinutes(db: Tx, cases: readonly { id: string; created_at: Date }[], now: Date): Promise<Map<string, number>> {
  const sla = await computeCasesSla(
    db,
    cases.map((c) => c.id),
    now,
  );
  return new Map(
    cases.map((c) => {
      const resolution = sla.get(c.id)?.targets?.resolution;
      return [c.id, resolution ? resolution.elapsedMinutes : (now.getTime() - c.created_at.getTime()) / 60_000];
    }),
  );
}

export type ExpectedHandling = {
  norm: HandlingNorm | null;
  /** e.g. "usually solved within 1 day 4 h" (the norm's p80), null without a norm. */
  usually: string | null;
  ageMinutes: number;
  outlier: boolean;
};

export async function expectedHandling(ctx: ServiceContext, caseId: string, actor: Actor): Promise<ExpectedHandling> {
  const c = await ctx.db
    .selectFrom('cases')
    .select(['id', 'team_id', 'assignee_id', 'category_id', 'type', 'channel', 'created_at', 'status'])
    .where('id', '=', caseId)
    .executeTakeFirst();
  if (!c) throw new AppError('not_found', `case ${caseId} does not exist`);
  await assertCanSeeCase(ctx.db, actor, c);
  const norm = normFor(await loadNorms(ctx.db), c);
  const ageMinutes = Math.round((await caseAgesMinutes(ctx.db, [c], ctx.clock.now())).get(c.id)! * 10) / 10;
  const open = c.status !== 'solved' && c.status !== 'closed';
  return {
    norm,
    usually: norm ? `usually solved within ${formatMinutes(norm.p80Minutes)}` : null,
    ageMinutes,
    outlier: open && norm !== null && ageMinutes > norm.p90Minutes,
  };
}

export type Outlier = {
  caseId: string;
  number: number;
  subject: string;
  status: string;
  teamId: string | null;
  assigneeId: string | null;
  ageMinutes: number;
  p90Minutes: number;
  norm: HandlingNorm;
};

/** Open cases older than their norm's p90, the most overdue (by ratio) first. */
export async function listOutliers(
  ctx: ServiceContext,
  query: { teamId?: string; limit: number; /** Tests lower it to meet the early stop on a few cases. */ chunk?: number },
  actor: Actor,
): Promise<Outlier[]> {
  const chunkSize = query.chunk ?? outlierChunk;
  assertPermission(actor, 'reports.read');
  const norms = await loadNorms(ctx.db);
  if (norms.length === 0) return [];
  const now = ctx.clock.now();
  // Counted age never exceeds calendar age, so cases younger than the smallest p90 cannot qualify.
  const youngest = new Date(now.getTime() - Math.min(...norms.map((n) => n.p90Minutes)) * 60_000);
  const scope = await loadCaseScope(ctx.db, actor);
  let q = ctx.db
    .selectFrom('cases as c')
    .select([
      'c.id',
      'c.number',
      'c.subject',
      'c.status',
      'c.team_id',
      'c.assignee_id',
      'c.category_id',
      'c.type',
      'c.channel',
      'c.created_at',
    ])
    .where('c.status', 'in', ['new', 'open', 'pending', 'on_hold'])
    .where('c.created_at', '<', youngest)
    .where(caseScopeFilter(scope));
  if (query.teamId) q = q.where('c.team_id', '=', query.teamId);
  const candidates = await q.orderBy('c.created_at').limit(5000).execute();
  // Calendar age bounds counted age, so only cases past their p90 by the calendar need their
  // clocks, and their calendar ratio (age / p90) bounds the counted one: taking them in that order,
  // once `limit` outliers rank at or above the next case's bound, no later case can displace them.
  const calendarMinutes = (c: { created_at: Date }) => (now.getTime() - c.created_at.getTime()) / 60_000;
  const past = candidates
    .flatMap((c) => {
      const norm = normFor(norms, c);
      return norm && calendarMinutes(c) > norm.p90Minutes ? [{ c, norm, bound: calendarMinutes(c) / norm.p90Minutes }] : [];
    })
    .sort((a, b) => b.bound - a.bound);
  // Ranked by the exact ratio; the answer shows ages rounded to a tenth of a minute.
  const out: { outlier: Outlier; ratio: number }[] = [];
  for (let start = 0; start < past.length; start += chunkSize) {
    const chunk = past.slice(start, start + chunkSize);
    const ages = await caseAgesMinutes(
      ctx.db,
      chunk.map((p) => p.c),
      now,
    );
    for (const { c, norm } of chunk) {
      const age = ages.get(c.id)!;
      if (age > norm.p90Minutes)
        out.push({
          ratio: age / norm.p90Minutes,
          outlier: {
            caseId: c.id,
            number: Number(c.number),
            subject: c.subject,
            status: c.status,
            teamId: c.team_id,
            assigneeId: c.assignee_id,
            ageMinutes: Math.round(age * 10) / 10,
            p90Minutes: norm.p90Minutes,
            norm,
          },
        });
    }
    out.sort((a, b) => b.ratio - a.ratio);
    const next = past[start + chunkSize];
    if (next && out.length >= query.limit && out[query.limit - 1]!.ratio >= next.bound) break;
  }
  return out.slice(0, query.limit).map((o) => o.outlier);
}

/** Cases whose clocks are run at a time while looking for the top outliers. */
const outlierChunk = 200;
