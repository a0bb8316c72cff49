// Automatic assignment: round-robin within a team among members who are active, may work cases
// and are marked available. A cursor per team remembers who got the last case, under a row lock
// so that two cases arriving together go to two different people.
import { sql } from 'kysely';
import type { Tx } from '../../lib/context.js';
import { caseWorkingRoles } from './case-fields.js';

export async function pickRoundRobinAssignee(trx: Tx, teamId: string, at: Date): Promise<string | null> {
  return (await pickRoundRobinTurns(trx, new Map([[teamId, 1]]), at)).get(teamId)?.[0] ?? null;
}

/**
 * For each team, the next `count` people of its rotation in order (a batch of new cases takes
 * them as one after another would); none when nobody is available. Three statements for any
 * number of teams: the cursors are locked together, in team id order (no deadlocks).
 */
export async function pickRoundRobinTurns(trx: Tx, counts: ReadonlyMap<string, number>, at: Date): Promise<Map<string, string[]>> {
  const teamIds = [...counts.keys()].sort();
  const turns = new Map<string, string[]>();
  if (teamIds.length === 0) return turns;
  // Insert-or-touch takes the cursors' row locks and reads them in one statement.
  const cursors = await trx
    .insertInto('team_assignment_cursor')
    .values(teamIds.map((team_id) => ({ team_id, last_user_id: null, updated_at: at })))
    .onConflict((oc) => oc.column('team_id').doUpdateSet((eb) => ({ last_user_id: eb.ref('team_assignment_cursor.last_user_id') })))
    .returning(['team_id', 'last_user_id'])
    .execute();
  const candidates = await trx
    .selectFrom('team_members as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['m.team_id', 'u.id'])
    .where('m.team_id', 'in', teamIds)
    .where('u.active', '=', true)
    .where('u.available', '=', true)
    .where('u.role', 'in', caseWorkingRoles)
    .orderBy('m.team_id')
    .orderBy('u.id')
    .execute();
  const moved: { team_id: string; last: string }[] = [];
  for (const { team_id, last_user_id } of cursors) {
    const ids = candidates.filter((c) => c.team_id === team_id).map((c) => c.id);
    const picked: string[] = [];
    let last = last_user_id;
    for (let i = 0; ids.length > 0 && i < counts.get(team_id)!; i++) {
      last = (last && ids.find((id) => id > last!)) || ids[0]!;
      picked.push(last);
    }
    turns.set(team_id, picked);
    if (last && last !== last_user_id) moved.push({ team_id, last });
  }
  if (moved.length > 0) {
    const values = sql.join(moved.map((m) => sql`(${m.team_id}::uuid, ${m.last}::uuid)`));
    await sql`update team_assignment_cursor c set last_user_id = v.last, updated_at = ${at}
      from (values ${values}) as v(team_id, last) where c.team_id = v.team_id`.execute(trx);
  }
  return turns;
}
