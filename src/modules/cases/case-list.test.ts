// Case lists: every filter, every sort, keyset pages that neither skip nor repeat, exact totals,
// case scope, validation; and bulk changes (one transaction and its events per case).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type Requester, type TestApp } from '../../../test/helpers.js';
import {
  caseSorts,
  decodeCursor,
  encodeCursor,
  markSnippet,
  parseSearchQuery,
  queryCasePage,
  countCasesCapped,
  type CaseListAccess,
} from './case-list.js';

type Person = { as: Requester; user: { id: string } };
type Item = {
  id: string;
  number: number;
  subject: string;
  status: string;
  priority: string;
  tags: string[];
  createdAt: string;
  updatedAt: string;
  version: number;
  teamId: string | null;
  teamName: string | null;
  assigneeId: string | null;
  assigneeName: string | null;
  requester: { id: string; name: string; email: string | null };
};
type Page = { items: Item[]; nextCursor: string | null; total: number };

let t: TestApp;
let manager: Person;
let agentA: Person;
let agentB: Person;
const team: Record<'one' | 'two', string> = { one: '', two: '' };
const category: Record<'billing' | 'invoices' | 'shipping', string> = { billing: '', invoices: '', shipping: '' };
let acme = '';
let bobId = '';
const seeded: Record<string, Item> = {};

async function list(as: Requester, query: string): Promise<Page> {
  const res = await as({ url: `/api/cases?${query}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

const subjectsOf = (p: Page) => p.items.map((i) => i.subject).sort();

async function openCase(body: Record<string, unknown>): Promise<Item> {
  const res = await manager.as({
    method: 'POST',
    url: '/api/cases',
    body: { requester: { email: 'ann@example.test', name: 'Ann' }, ...body },
  });
  expect(res.statusCode, res.body).toBe(201);
  t.clock.advance({ minutes: 1 });
  return res.json();
}

beforeAll(async () => {
  t = await startTestApp();
  manager = await t.userWithToken('manager');
  agentA = await t.userWithToken('agent');
  agentB = await t.userWithToken('agent');
  for (const [key, name] of [
    ['one', 'Team One'],
    ['two', 'Team Two'],
  ] as const) {
    team[key] = (await manager.as({ method: 'POST', url: '/api/teams', body: { name } })).json().id;
  }
  await manager.as({ method: 'PUT', url: `/api/teams/${team.one}/members/${agentA.user.id}`, body: { membership: 'member' } });
  await manager.as({ method: 'PUT', url: `/api/teams/${team.two}/members/${agentB.user.id}`, body: { membership: 'member' } });
  const db = t.database.db;
  category.billing = (await db.insertInto('categories').values({ name: 'Billing' }).returning('id').executeTakeFirstOrThrow()).id;
  category.invoices = (
    await db.insertInto('categories').values({ name: 'Invoices', parent_id: category.billing }).returning('id').executeTakeFirstOrThrow()
  ).id;
  category.shipping = (await db.insertInto('categories').values({ name: 'Shipping' }).returning('id').executeTakeFirstOrThrow()).id;
  acme = (await db.insertInto('organisations').values({ name: 'Acme' }).returning('id').executeTakeFirstOrThrow()).id;

  const bob = { email: 'bob@acme.test', name: 'Bob' };
  seeded.alpha = await openCase({
    subject: 'Alpha',
    priority: 'urgent',
    type: 'incident',
    channel: 'email',
    teamId: team.one,
    assigneeId: agentA.user.id,
    tags: ['seed', 'vip', 'refund'],
    categoryId: category.invoices,
  });
  seeded.bravo = await openCase({
    subject: 'Bravo',
    priority: 'low',
    channel: 'chat',
    teamId: team.two,
    assigneeId: agentB.user.id,
    tags: ['seed', 'refund'],
    categoryId: category.billing,
    requester: bob,
  });
  bobId = seeded.bravo.requester.id;
  await db.updateTable('customers').set({ organisation_id: acme }).where('id', '=', bobId).execute();
  seeded.charlie = await openCase({
    subject: 'Charlie',
    priority: 'high',
    channel: 'phone',
    status: 'pending',
    tags: ['seed', 'vip'],
    categoryId: category.shipping,
    requester: bob,
  });
  seeded.delta = await openCase({ subject: 'Delta', type: 'complaint', status: 'open', teamId: team.one, tags: ['seed'] });
  seeded.echo = await openCase({ subject: 'Echo', priority: 'urgent', status: 'on_hold', teamId: team.two, tags: ['seed'] });
  await manager.as({ method: 'PUT', url: `/api/cases/${seeded.echo.id}/followers/${agentA.user.id}` });
  const foxtrot = await openCase({ subject: 'Foxtrot', assigneeId: agentA.user.id, tags: ['seed'] });
  const solved = await manager.as({
    method: 'PATCH',
    url: `/api/cases/${foxtrot.id}`,
    body: { version: foxtrot.version, status: 'solved' },
  });
  expect(solved.statusCode, solved.body).toBe(200);
  t.clock.advance({ minutes: 1 });
  // Re-read everything as listed, so expectations use the stored times and versions.
  for (const item of (await list(manager.as, 'tags=seed&limit=200')).items) seeded[item.subject.toLowerCase()] = item;
});
afterAll(() => t.close());

describe('filters', () => {
  test.each([
    ['status=pending,on_hold', ['Charlie', 'Echo']],
    ['status=solved', ['Foxtrot']],
    ['priority=urgent', ['Alpha', 'Echo']],
    ['priority=low,high', ['Bravo', 'Charlie']],
    ['type=incident,complaint', ['Alpha', 'Delta']],
    ['channel=chat,phone', ['Bravo', 'Charlie']],
    ['teamId=none', ['Charlie', 'Foxtrot']],
    ['assigneeId=none', ['Charlie', 'Delta', 'Echo']],
    ['tags=vip,REFUND', ['Alpha']],
    ['tags=VIP', ['Alpha', 'Charlie']],
    ['status=new&priority=urgent', ['Alpha']],
  ])('%s', async (query, subjects) => {
    const page = await list(manager.as, `tags=seed&${query}`.replace('tags=seed&tags=', 'tags=seed,'));
    expect(subjectsOf(page)).toEqual(subjects);
    expect(page.total).toBe(subjects.length);
  });

  test('ids: team, assignee (a user or "me"), requester, organisation', async () => {
    expect(subjectsOf(await list(manager.as, `tags=seed&teamId=${team.one}`))).toEqual(['Alpha', 'Delta']);
    expect(subjectsOf(await list(manager.as, `tags=seed&assigneeId=${agentA.user.id}`))).toEqual(['Alpha', 'Foxtrot']);
    expect(subjectsOf(await list(agentA.as, 'tags=seed&assigneeId=me'))).toEqual(['Alpha', 'Foxtrot']);
    expect(subjectsOf(await list(agentB.as, 'tags=seed&assigneeId=me'))).toEqual(['Bravo']);
    expect(subjectsOf(await list(manager.as, `tags=seed&requesterId=${bobId}`))).toEqual(['Bravo', 'Charlie']);
    expect(subjectsOf(await list(manager.as, `tags=seed&organisationId=${acme}`))).toEqual(['Bravo', 'Charlie']);
    expect((await list(manager.as, `tags=seed&teamId=${crypto.randomUUID()}`)).total).toBe(0);
  });

  test('a category includes the categories below it', async () => {
    expect(subjectsOf(await list(manager.as, `tags=seed&categoryId=${category.billing}`))).toEqual(['Alpha', 'Bravo']);
    expect(subjectsOf(await list(manager.as, `tags=seed&categoryId=${category.invoices}`))).toEqual(['Alpha']);
    expect(subjectsOf(await list(manager.as, `tags=seed&categoryId=${category.shipping}`))).toEqual(['Charlie']);
  });

  test('created and updated ranges: from is inclusive, to is exclusive', async () => {
    const from = encodeURIComponent(seeded.bravo!.createdAt);
    const to = encodeURIComponent(seeded.delta!.createdAt);
    expect(subjectsOf(await list(manager.as, `tags=seed&createdFrom=${from}&createdTo=${to}`))).toEqual(['Bravo', 'Charlie']);
    const solvedAt = encodeURIComponent(seeded.foxtrot!.updatedAt);
    expect(subjectsOf(await list(manager.as, `tags=seed&updatedFrom=${solvedAt}`))).toEqual(['Foxtrot']);
    expect(subjectsOf(await list(manager.as, `tags=seed&updatedTo=${from}`))).toEqual(['Alpha']);
  });

  test('agents list only the cases their scope allows, and the total counts only those', async () => {
    // Team One's member: Team One, no team, assigned to them, followed (Echo, in Team Two).
    const a = await list(agentA.as, 'tags=seed');
    expect(subjectsOf(a)).toEqual(['Alpha', 'Charlie', 'Delta', 'Echo', 'Foxtrot']);
    expect(a.total).toBe(5);
    const b = await list(agentB.as, 'tags=seed');
    expect(subjectsOf(b)).toEqual(['Bravo', 'Charlie', 'Echo', 'Foxtrot']);
    // A filter naming another team's case does not reach past the scope.
    expect((await list(agentB.as, `tags=seed&teamId=${team.one}`)).total).toBe(0);
    const qa = await t.userWithToken('qa_analyst');
    expect((await list(qa.as, 'tags=seed')).total).toBe(6);
    const backOffice = await t.userWithToken('back_office');
    expect((await backOffice.as({ url: '/api/cases' })).statusCode).toBe(403);
    expect((await t.app.inject({ url: '/api/cases' })).statusCode).toBe(401);
  });

  test('the items carry what a list shows', async () => {
    const [alpha] = (await list(manager.as, 'tags=seed&type=incident')).items;
    expect(alpha).toMatchObject({
      subject: 'Alpha',
      status: 'new',
      priority: 'urgent',
      type: 'incident',
      channel: 'email',
      tags: ['seed', 'vip', 'refund'],
      teamId: team.one,
      teamName: 'Team One',
      assigneeId: agentA.user.id,
      requester: { name: 'Ann', email: 'ann@example.test' },
      version: 1,
    });
    expect(alpha).not.toHaveProperty('rank');
    expect(alpha).not.toHaveProperty('snippet');
  });

  test('relative ranges follow the clock', async () => {
    expect((await list(manager.as, 'tags=seed&createdWithinDays=1')).total).toBe(6);
    t.clock.advance({ days: 2 });
    expect((await list(manager.as, 'tags=seed&createdWithinDays=1')).total).toBe(0);
    expect((await list(manager.as, 'tags=seed&updatedWithinDays=3')).total).toBe(6);
  });

  test.each([
    ['status=lost'],
    ['priority='],
    ['assigneeId=someone'],
    ['teamId=nobody'],
    ['limit=0'],
    ['limit=201'],
    ['createdFrom=yesterday'],
    ['sort=relevance'],
    ['sort=sideways'],
    ['colour=red'],
    ['tags=no%20spaces%20allowed!'],
    ['cursor=bm90IGEgY3Vyc29y'],
  ])('%s is refused', async (query) => {
    const res = await manager.as({ url: `/api/cases?${query}` });
    expect(res.statusCode, res.body).toBe(400);
  });
});

describe('sorting and keyset pages', () => {
  const priorityRank: Record<string, number> = { urgent: 4, high: 3, normal: 2, low: 1 };
  const byDesc =
    <T>(key: (i: Item) => T) =>
    (a: Item, b: Item) =>
      key(a) < key(b) ? 1 : key(a) > key(b) ? -1 : 0;
  const expectedOrder: Record<string, (items: Item[]) => Item[]> = {
    updated_desc: (xs) => [...xs].sort((a, b) => byDesc((i) => i.updatedAt)(a, b) || byDesc((i) => i.id)(a, b)),
    updated_asc: (xs) => [...xs].sort((a, b) => byDesc((i) => i.updatedAt)(b, a) || byDesc((i) => i.id)(b, a)),
    created_desc: (xs) => [...xs].sort((a, b) => byDesc((i) => i.createdAt)(a, b) || byDesc((i) => i.id)(a, b)),
    created_asc: (xs) => [...xs].sort((a, b) => byDesc((i) => i.createdAt)(b, a) || byDesc((i) => i.id)(b, a)),
    priority_desc: (xs) =>
      [...xs].sort(
        (a, b) => byDesc((i) => priorityRank[i.priority]!)(a, b) || byDesc((i) => i.updatedAt)(a, b) || byDesc((i) => i.id)(a, b),
      ),
    number_desc: (xs) => [...xs].sort(byDesc((i) => i.number)),
  };

  async function walk(as: Requester, query: string, limit: number): Promise<{ items: Item[]; totals: number[]; pages: number }> {
    const items: Item[] = [];
    const totals: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Page = await list(as, `${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      items.push(...page.items);
      totals.push(page.total);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 50);
    return { items, totals, pages };
  }

  test.each(Object.keys(expectedOrder))('%s: one page and pages of two give the same order', async (sort) => {
    const all = (await list(manager.as, `tags=seed&sort=${sort}&limit=200`)).items;
    expect(all.map((i) => i.subject)).toEqual(expectedOrder[sort]!(all).map((i) => i.subject));
    const paged = await walk(manager.as, `tags=seed&sort=${sort}`, 2);
    expect(paged.items.map((i) => i.id)).toEqual(all.map((i) => i.id));
    expect(paged.pages).toBe(3);
    expect(paged.totals).toEqual([6, 6, 6]);
  });

  test('the default is most recently changed first, and priority_desc puts urgent first', async () => {
    const first = (await list(manager.as, 'tags=seed&limit=1')).items[0]!;
    expect(first.subject).toBe('Foxtrot');
    const byPriority = (await list(manager.as, 'tags=seed&sort=priority_desc')).items.map((i) => i.subject);
    expect(byPriority).toEqual(['Echo', 'Alpha', 'Charlie', 'Foxtrot', 'Delta', 'Bravo']);
  });

  test('times that differ by microseconds, and equal times, page without skipping or repeating', async () => {
    const micro: string[] = [];
    for (let i = 0; i < 5; i++) micro.push((await openCase({ subject: `Micro ${i}`, tags: ['micro'] })).id);
    const stamps = ['2026-11-20T10:00:00.000001Z', '2026-11-20T10:00:00.000002Z', '2026-11-20T10:00:00.000003Z'];
    for (const [i, id] of micro.entries()) {
      await t.database.db
        .updateTable('cases')
        .set({ updated_at: stamps[Math.min(i, 2)]! })
        .where('id', '=', id)
        .execute();
    }
    // Micro 2, 3 and 4 share a time: the id breaks the tie.
    const tied = micro.slice(2).sort().reverse();
    const expected = [...tied, micro[1], micro[0]];
    const desc = await walk(manager.as, 'tags=micro&sort=updated_desc', 1);
    expect(desc.items.map((i) => i.id)).toEqual(expected);
    const asc = await walk(manager.as, 'tags=micro&sort=updated_asc', 1);
    expect(asc.items.map((i) => i.id)).toEqual([...expected].reverse());
  });

  test('a case changed between pages does not make the next page repeat or skip the others', async () => {
    const first = await list(manager.as, 'tags=seed&sort=created_desc&limit=2');
    await openCase({ subject: 'Late arrival', tags: ['seed', 'late'] });
    const rest = await walk(manager.as, `tags=seed&sort=created_desc&cursor=${first.nextCursor}`, 10);
    const ids = [...first.items, ...rest.items].map((i) => i.subject);
    expect(ids).toEqual(['Foxtrot', 'Echo', 'Delta', 'Charlie', 'Bravo', 'Alpha']);
    expect(rest.totals[0]).toBe(7);
    const late = (await list(manager.as, 'tags=late')).items[0]!;
    await t.database.db.deleteFrom('cases').where('id', '=', late.id).execute();
  });

  test('walking the sort index (many matches) and sorting the matches (few) give the same pages', async () => {
    const access: CaseListAccess = {
      scope: { all: false, none: false, userId: agentA.user.id, teamIds: [team.one] },
      userId: agentA.user.id,
      now: t.clock.now(),
    };
    const pages = async (sort: (typeof caseSorts)[number], threshold: number) => {
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await queryCasePage(t.database.db, access, {
          filters: { tags: ['seed'], ...(sort === 'relevance' ? { q: 'alpha or bravo or charlie or delta or echo or foxtrot' } : {}) },
          sort,
          cursor,
          limit: 2,
          fewMatches: threshold,
        });
        expect(page.total).toBe(5);
        ids.push(...page.items.map((i) => i.subject));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return ids;
    };
    for (const sort of caseSorts) {
      const walked = await pages(sort, 0);
      expect(walked, sort).toHaveLength(5);
      expect(walked, sort).toEqual(await pages(sort, 10_000));
    }
  });

  test('counts stop at the cap; a search with more matches ranks only the most recently changed of them', async () => {
    const access: CaseListAccess = {
      scope: { all: false, none: false, userId: agentA.user.id, teamIds: [team.one] },
      userId: agentA.user.id,
      now: t.clock.now(),
    };
    const query = { filters: { tags: ['seed'], q: 'alpha or bravo or charlie or delta or echo or foxtrot' }, limit: 10 };
    const exact = await queryCasePage(t.database.db, access, { ...query, sort: 'relevance', countCap: 5 });
    expect(exact).toMatchObject({ total: 5, totalCapped: false });
    const capped = await queryCasePage(t.database.db, access, { ...query, sort: 'relevance', countCap: 3 });
    expect(capped).toMatchObject({ total: 3, totalCapped: true });
    const recent = await queryCasePage(t.database.db, access, { ...query, sort: 'updated_desc' });
    const threeMostRecent = recent.items.slice(0, 3).map((i) => i.subject);
    expect(capped.items.map((i) => i.subject).sort()).toEqual([...threeMostRecent].sort());
    // The scope walked first (index entries, then the rows in scope) finds the same matches.
    for (const sort of ['relevance', 'updated_desc'] as const) {
      for (const countCap of [3, 5]) {
        const general = await queryCasePage(t.database.db, access, { ...query, sort, countCap });
        const walked = await queryCasePage(t.database.db, access, { ...query, sort, countCap, scopeWalkFrom: 0 });
        expect(walked, `${sort} ${countCap}`).toEqual(general);
      }
    }
    expect(await countCasesCapped(t.database.db, access, { tags: ['seed'] }, null, 4)).toEqual({ total: 4, capped: true });
    expect(await countCasesCapped(t.database.db, access, { tags: ['seed'] }, null, 5)).toEqual({ total: 5, capped: false });
  });

  test('a cursor belongs to its sort', async () => {
    const page = await list(manager.as, 'tags=seed&sort=updated_desc&limit=1');
    const res = await manager.as({ url: `/api/cases?tags=seed&sort=created_desc&cursor=${page.nextCursor}` });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual({ field: 'cursor' });
    expect(() => decodeCursor(encodeCursor('updated_desc', ['2026-01-01T00:00:00.000000Z', "x' or 1=1"]), 'updated_desc')).toThrow();
    expect(() => decodeCursor(encodeCursor('number_desc', ['1001']), 'number_desc')).toThrow();
  });
});

describe('full-text query parsing and snippets', () => {
  test('words, phrases, exclusions and or', () => {
    expect(parseSearchQuery('refund "broken screen" -jones or invoice')).toEqual([
      [
        { text: 'refund', phrase: false, negated: false },
        { text: 'broken screen', phrase: true, negated: false },
        { text: 'jones', phrase: false, negated: true },
      ],
      [{ text: 'invoice', phrase: false, negated: false }],
    ]);
    expect(parseSearchQuery('or - "" or')).toEqual([]);
    expect(parseSearchQuery('"unterminated phrase')).toEqual([[{ text: 'unterminated phrase', phrase: true, negated: false }]]);
  });

  test('a snippet is escaped text with only the marks as tags', () => {
    expect(markSnippet('a <script> & \uE000refund\uE001 "x"')).toBe('a &lt;script&gt; &amp; <b>refund</b> &quot;x&quot;');
  });
});

describe('bulk changes', () => {
  async function events(id: string) {
    return (await manager.as({ url: `/api/cases/${id}/events` })).json().items as { kind: string; actor: { id: string | null } }[];
  }

  test('each case changes in its own transaction with its own events; failures are reported, not fatal', async () => {
    const mine = [
      await openCase({ subject: 'Bulk 1', teamId: team.one, tags: ['bulk'] }),
      await openCase({ subject: 'Bulk 2', tags: ['bulk'] }),
    ];
    const otherTeam = await openCase({ subject: 'Bulk other team', teamId: team.two, tags: ['bulk'] });
    const closed = await openCase({ subject: 'Bulk closed', tags: ['bulk'] });
    await manager.as({ method: 'PATCH', url: `/api/cases/${closed.id}`, body: { version: 1, status: 'solved' } });
    await manager.as({ method: 'PATCH', url: `/api/cases/${closed.id}`, body: { version: 2, status: 'closed' } });
    const missing = crypto.randomUUID();
    const ids = [mine[0]!.id, otherTeam.id, closed.id, missing, mine[1]!.id];
    const changes = { assigneeId: agentA.user.id, priority: 'high', addTags: ['Escalated'], removeTags: ['bulk'] };

    const res = await agentA.as({ method: 'POST', url: '/api/cases/bulk', body: { caseIds: ids, changes } });
    expect(res.statusCode, res.body).toBe(200);
    const results = res.json().results as { id: string; ok: boolean; version?: number; error?: { code: string } }[];
    expect(results.map((r) => [r.id, r.ok, r.error?.code])).toEqual([
      [mine[0]!.id, true, undefined],
      [otherTeam.id, false, 'not_found'],
      [closed.id, false, 'conflict'],
      [missing, false, 'not_found'],
      [mine[1]!.id, true, undefined],
    ]);
    for (const c of mine) {
      const now = (await manager.as({ url: `/api/cases/${c.id}` })).json();
      expect(now).toMatchObject({ assigneeId: agentA.user.id, priority: 'high', tags: ['escalated'] });
      expect(results.find((r) => r.id === c.id)!.version).toBe(now.version);
      const changed = (await events(c.id)).filter((e) => e.actor.id === agentA.user.id).map((e) => e.kind);
      expect(changed.sort()).toEqual(['assignment_changed', 'priority_changed', 'tags_changed']);
    }
    const untouched = (await manager.as({ url: `/api/cases/${otherTeam.id}` })).json();
    expect(untouched).toMatchObject({ assigneeId: null, priority: 'normal', version: 1 });

    // Sent again, the changes are already there: nothing changes and no event is written.
    const before = (await events(mine[0]!.id)).length;
    const again = (await agentA.as({ method: 'POST', url: '/api/cases/bulk', body: { caseIds: [mine[0]!.id], changes } })).json();
    expect(again.results[0]).toMatchObject({ ok: true, version: results[0]!.version });
    expect((await events(mine[0]!.id)).length).toBe(before);
  });

  test('a status change that a case refuses fails for that case only', async () => {
    const a = await openCase({ subject: 'Bulk status a', tags: ['bulk2'] });
    const b = await openCase({ subject: 'Bulk status b', tags: ['bulk2'] });
    await manager.as({ method: 'PATCH', url: `/api/cases/${b.id}`, body: { version: 1, status: 'solved' } });
    const res = await manager.as({
      method: 'POST',
      url: '/api/cases/bulk',
      body: { caseIds: [a.id, b.id], changes: { status: 'closed' } },
    });
    const [ra, rb] = res.json().results;
    expect(ra).toMatchObject({ id: a.id, ok: false, error: { code: 'validation_failed' } });
    expect(rb).toMatchObject({ id: b.id, ok: true, version: 3 });
    expect(subjectsOf(await list(manager.as, 'tags=bulk2&status=closed'))).toEqual(['Bulk status b']);
  });

  test('needs cases.work and a valid request', async () => {
    const c = await openCase({ subject: 'Bulk guarded' });
    const exec = await t.userWithToken('executive');
    const denied = await exec.as({ method: 'POST', url: '/api/cases/bulk', body: { caseIds: [c.id], changes: { priority: 'low' } } });
    expect(denied.statusCode).toBe(403);
    for (const body of [
      { caseIds: [], changes: { priority: 'low' } },
      { caseIds: [c.id], changes: {} },
      { caseIds: [c.id], changes: { subject: 'no' } },
      { caseIds: Array.from({ length: 501 }, () => crypto.randomUUID()), changes: { priority: 'low' } },
      { caseIds: ['not-a-uuid'], changes: { priority: 'low' } },
    ]) {
      expect((await manager.as({ method: 'POST', url: '/api/cases/bulk', body })).statusCode).toBe(400);
    }
    const untouched = (await manager.as({ url: `/api/cases/${c.id}` })).json();
    expect(untouched.version).toBe(1);
  });
});
