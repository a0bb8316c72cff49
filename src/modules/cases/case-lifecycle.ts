// Time-driven lifecycle: solved cases close on their own after the configured number of days.
// Run by a job; each case is closed in its own short transaction with its own event.
import { sql } from 'kysely';
import type { ServiceContext } from '../../lib/context.js';
import { appendCaseEvent, notifyCaseChange } from './case-events.js';

const batchSize = 500;

export async function autoCloseSolvedCases(ctx: Pick<ServiceContext, 'db' | 'clock' | 'config'>): Promise<{ closed: number }> {
  const now = ctx.clock.now();
  const solvedBefore = new Date(now.getTime() - ctx.config.caseAutoCloseDays * 86_400_000);
  let closed = 0;
  for (;;) {
    const due = await ctx.db
      .selectFrom('cases')
      .select('id')
      .where('status', '=', 'solved')
      .where('solved_at', '<=', solvedBefore)
      .orderBy('solved_at')
      .limit(batchSize)
      .execute();
    if (due.length === 0) return { closed };
    for (const { id } of due) {
      const done = await ctx.db.transaction().execute(async (trx) => {
        // Re-check under the lock: the case may have been reopened since it was selected.
        const row = await trx
          .updateTable('cases')
          .set({ status: 'closed', closed_at: now, updated_at: now, version: sql`version + 1` })
          .where('id', '=', id)
          .where('status', '=', 'solved')
          .where('solved_at', '<=', solvedBefore)
          .returning(['id', 'number', 'version', 'team_id', 'assignee_id', 'solved_at'])
          .executeTakeFirst();
        if (!row) return false;
        await appendCaseEvent(trx, {
          caseId: id,
          actor: { kind: 'system' },
          kind: 'auto_closed',
          before: { status: 'solved' },
          after: { status: 'closed', afterDays: ctx.config.caseAutoCloseDays },
          at: now,
        });
        await appendCaseEvent(trx, {
          caseId: id,
          actor: { kind: 'system' },
          kind: 'status_changed',
          before: { status: 'solved' },
          after: { status: 'closed' },
          at: now,
        });
        await notifyCaseChange(trx, {
          caseId: id,
          number: String(row.number),
          version: row.version,
          teamId: row.team_id,
          assigneeId: row.assignee_id,
          kind: 'updated',
        });
        return true;
      });
      if (done) closed += 1;
    }
    if (due.length < batchSize) return { closed };
  }
}
