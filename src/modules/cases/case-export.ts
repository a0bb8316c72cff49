// Case lists as files: every case the filters select (within what the reader may see), oldest
// number first, read in keyset batches and streamed out, so a million rows never sit in memory.
import type { ServiceContext } from '../../lib/context.js';
import type { Actor } from '../auth/permissions.js';
import type { Cell, Column } from '../../lib/table-export.js';
import { buildSearch, caseFilterWhere, openCaseListAccess, type CaseFilters } from './case-list.js';

export const caseExportColumns: Column[] = [
  { header: 'Number', width: 10 },
  { header: 'Subject', width: 40 },
  { header: 'Status' },
  { header: 'Priority' },
  { header: 'Type' },
  { header: 'Channel' },
  { header: 'Requester', width: 24 },
  { header: 'Requester email', width: 28 },
  { header: 'Team' },
  { header: 'Assignee', width: 22 },
  { header: 'Category', width: 22 },
  { header: 'Tags', width: 24 },
  { header: 'Created (UTC)', width: 22 },
  { header: 'Updated (UTC)', width: 22 },
  { header: 'First reply (UTC)', width: 22 },
  { header: 'Solved (UTC)', width: 22 },
  { header: 'Closed (UTC)', width: 22 },
  { header: 'Reopens' },
  { header: 'Public replies' },
  { header: 'Escalated (UTC)', width: 22 },
];

const batchSize = 2000;

/** Checks the reader may list cases (throws before anything is sent), then yields the rows. */
export async function openCaseExport(ctx: ServiceContext, filters: CaseFilters, actor: Actor): Promise<AsyncGenerator<Cell[]>> {
  const access = await openCaseListAccess(ctx, actor);
  const where = caseFilterWhere(filters, access, filters.q ? buildSearch(filters.q) : null);
  return (async function* rows() {
    let after = '0';
    for (;;) {
      const batch = await ctx.db
        .selectFrom('cases as c')
        .innerJoin('customers as r', 'r.id', 'c.requester_id')
        .leftJoin('teams as t', 't.id', 'c.team_id')
        .leftJoin('users as a', 'a.id', 'c.assignee_id')
        .leftJoin('categories as k', 'k.id', 'c.category_id')
        .where(where)
        .where('c.number', '>', after)
        .select((eb) => [
          'c.number',
          'c.subject',
          'c.status',
          'c.priority',
          'c.type',
          'c.channel',
          'r.name as requester',
          eb
            .selectFrom('customer_identities as i')
            .select('i.value')
            .whereRef('i.customer_id', '=', 'c.requester_id')
            .where('i.kind', '=', 'email')
            .orderBy('i.created_at')
            .limit(1)
            .as('email'),
          't.name as team',
          'a.name as assignee',
          'k.name as category',
          'c.tags',
          'c.created_at',
          'c.updated_at',
          'c.first_public_reply_at',
          'c.solved_at',
          'c.closed_at',
          'c.reopen_count',
          'c.public_reply_count',
          'c.escalated_at',
        ])
        .orderBy('c.number')
        .limit(batchSize)
        .execute();
      for (const c of batch)
        yield [
          Number(c.number),
          c.subject,
          c.status,
          c.priority,
          c.type,
          c.channel,
          c.requester,
          c.email,
          c.team,
          c.assignee,
          c.category,
          c.tags.join(' '),
          c.created_at,
          c.updated_at,
          c.first_public_reply_at,
          c.solved_at,
          c.closed_at,
          c.reopen_count,
          c.public_reply_count,
          c.escalated_at,
        ];
      if (batch.length < batchSize) return;
      after = batch[batch.length - 1]!.number;
    }
  })();
}
