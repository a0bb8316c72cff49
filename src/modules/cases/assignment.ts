// Automatic assignment: round-robin within a team among members who are active, may work cases
// and are marked available. A cursor per team remembers who got the last case, under a row lock
// so that two cases arriving together go to two different people.
import type { Tx } from '../../lib/context.js';
import { caseWorkingRoles } from './case-fields.js';

export async function pickRoundRobinAssignee(trx: Tx, teamId: string, at: Date): Promise<string | null> {
  return (await pickRoundRobinAssignees(trx, teamId, 1, at))[0] ?? null;
}

/**
 * The next `count` people of the team's rotation, in order (a batch of new cases takes them as
 * one after another would); empty when nobody is available. One cursor lock per batch and team.
 */
export async function pickRoundRobinAssignees(trx: Tx, teamId: string, count: number, at: Date): Promise<string[]> {
  // Insert-or-touch takes the cursor's row lock and reads it in one statement.
  const cursor = await trx
    .insertInto('team_assignment_cursor')
    .values({ team_id: teamId, last_user_id: null, updated_at: at })
    .onConflict((oc) => oc.column('team_id').doUpdateSet((eb) => ({ last_user_id: eb.ref('team_assignment_cursor.last_user_id') })))
    .returning('last_user_id')
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
  if (candidates.length === 0 || count <= 0) return [];
  const ids = candidates.map((c) => c.id);
  const picked: string[] = [];
  let last = cursor.last_user_id;
  for (let i = 0; i < count; i++) {
    const next = (last && ids.find((id) => id > last!)) || ids[0]!;
    picked.push(next);
    last = next;
  }
  await trx.updateTable('team_assignment_cursor').set({ last_user_id: last, updated_at: at }).where('team_id', '=', teamId).execute();
  return picked;
}
