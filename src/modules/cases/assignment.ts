// Automatic assignment: round-robin within a team among members who are active, may work cases
// and are marked available. A cursor per team remembers who got the last case, under a row lock
// so that two cases arriving together go to two different people.
import type { Tx } from '../../lib/context.js';
import { caseWorkingRoles } from './case-fields.js';

export async function pickRoundRobinAssignee(trx: Tx, teamId: string, at: Date): Promise<string | null> {
  await trx
    .insertInto('team_assignment_cursor')
    .values({ team_id: teamId, last_user_id: null, updated_at: at })
    .onConflict((oc) => oc.column('team_id').doNothing())
    .execute();
  const cursor = await trx
    .selectFrom('team_assignment_cursor')
    .select('last_user_id')
    .where('team_id', '=', teamId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  const candidates = await trx
    .selectFrom('team_members as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select('u.id')
    .where('m.team_id', '=', teamId)
    .where('u.active', '=', true)
    .where('u.available', '=', true)
    .where('u.role', 'in', caseWorkingRoles)
    .orderBy('u.id')
    .execute();
  if (candidates.length === 0) return null;
  const ids = candidates.map((c) => c.id);
  const next = (cursor.last_user_id && ids.find((id) => id > cursor.last_user_id!)) || ids[0]!;
  await trx.updateTable('team_assignment_cursor').set({ last_user_id: next, updated_at: at }).where('team_id', '=', teamId).execute();
  return next;
}
