// Reading service standards as they run: one case's clocks (computed now from its events) and the
// cases at risk (from the stored targets), both limited to the cases the reader may see.
import type { ServiceContext } from '../../lib/context.js';
import { AppError } from '../../lib/errors.js';
import type { Actor } from '../auth/permissions.js';
import { assertCanSeeCase, caseScopeFilter, loadCaseScope } from '../cases/case-access.js';
import { slaTargetNames, type SlaTargetClock, type SlaTargetName } from './sla-clock.js';
import { computeCaseSla } from './sla-tracking.js';

const iso = (d: Date | null) => d?.toISOString() ?? null;

function clockView(clock: SlaTargetClock, raised: Set<string>, name: SlaTargetName) {
  return {
    state: clock.state,
    startedAt: clock.startedAt.toISOString(),
    dueAt: iso(clock.dueAt),
    achievedAt: iso(clock.achievedAt),
    targetMinutes: clock.targetMinutes,
    businessHours: clock.businessHours,
    elapsedMinutes: clock.elapsedMinutes,
    remainingMinutes: clock.remainingMinutes,
    pausedIntervals: clock.pausedIntervals.map((p) => ({ from: p.from.toISOString(), to: iso(p.to) })),
    cycles: clock.cycles.map((c) => ({
      startedAt: c.startedAt.toISOString(),
      dueAt: iso(c.dueAt),
      achievedAt: iso(c.achievedAt),
      state: c.state,
    })),
    alerts: clock.alerts.map((a) => ({ key: a.key, at: iso(a.at), raised: raised.has(`${name}|${clock.startedAt.getTime()}|${a.key}`) })),
  };
}

export async function caseSlaView(ctx: ServiceContext, caseId: string, actor: Actor) {
  const row = await ctx.db.selectFrom('cases').select(['id', 'team_id', 'assignee_id']).where('id', '=', caseId).executeTakeFirst();
  if (!row) throw new AppError('not_found', `case ${caseId} does not exist`);
  await assertCanSeeCase(ctx.db, actor, row);
  const { policy, targets } = await computeCaseSla(ctx.db, caseId, ctx.clock.now());
  const alerts = await ctx.db
    .selectFrom('sla_alerts')
    .select(['target', 'cycle_started_at', 'alert'])
    .where('case_id', '=', caseId)
    .execute();
  const raised = new Set(alerts.map((a) => `${a.target}|${a.cycle_started_at.getTime()}|${a.alert}`));
  const out = Object.fromEntries(
    slaTargetNames.map((name) => {
      const clock = targets?.[name];
      return [name, clock ? clockView(clock, raised, name) : null];
    }),
  ) as Record<SlaTargetName, ReturnType<typeof clockView> | null>;
  return { policy, targets: out };
}

export type AtRiskQuery = { withinMinutes: number; teamId?: string; limit: number };

/** Unmet targets that are breached or fall due within `withinMinutes`, soonest first. */
export async function listCasesAtRisk(ctx: ServiceContext, query: AtRiskQuery, actor: Actor) {
  const scope = await loadCaseScope(ctx.db, actor);
  const horizon = new Date(ctx.clock.now().getTime() + query.withinMinutes * 60_000);
  let q = ctx.db
    .selectFrom('case_sla_targets as t')
    .innerJoin('cases as c', 'c.id', 't.case_id')
    .select([
      't.case_id',
      'c.number',
      'c.subject',
      'c.status',
      'c.priority',
      'c.team_id',
      'c.assignee_id',
      (eb) => eb.selectFrom('teams').select('name').whereRef('teams.id', '=', 'c.team_id').as('team_name'),
      (eb) => eb.selectFrom('users').select('name').whereRef('users.id', '=', 'c.assignee_id').as('assignee_name'),
      't.target',
      't.state',
      't.due_at',
    ])
    .where('t.state', 'in', ['active', 'breached'])
    .where('t.due_at', '<=', horizon)
    .where('c.status', 'not in', ['solved', 'closed'])
    .where(caseScopeFilter(scope));
  if (query.teamId) q = q.where('c.team_id', '=', query.teamId);
  const rows = await q.orderBy('t.due_at').orderBy('c.number').limit(query.limit).execute();
  const now = ctx.clock.now().getTime();
  return rows.map((r) => ({
    caseId: r.case_id,
    number: Number(r.number),
    subject: r.subject,
    status: r.status,
    priority: r.priority,
    teamId: r.team_id,
    teamName: r.team_name,
    assigneeId: r.assignee_id,
    assigneeName: r.assignee_name,
    target: r.target,
    state: r.state,
    dueAt: iso(r.due_at),
    // Wall-clock minutes to the due instant (negative once past): what "due in 20 min" means to a reader.
    minutesUntilDue: r.due_at ? Math.round((r.due_at.getTime() - now) / 60_000) : null,
  }));
}
