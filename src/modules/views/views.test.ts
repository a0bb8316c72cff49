// Saved views: the built-in five, live counts per person and scope, personal and shared views
// with their permissions, a view's cases, and views combined with explicit filters.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type Requester, type TestApp } from '../../../test/helpers.js';

type Person = { as: Requester; user: { id: string } };
type View = {
  id: string;
  name: string;
  ownerId: string | null;
  filters: Record<string, unknown>;
  sort: string;
  position: number;
  builtIn: string | null;
  count: number | null;
};
type Page = {
  items: { id: string; subject: string; priority: string; assigneeId: string | null }[];
  nextCursor: string | null;
  total: number;
};

let t: TestApp;
let manager: Person;
let agentA: Person;
let agentB: Person;
let teamOne = '';
let teamTwo = '';

async function views(as: Requester): Promise<View[]> {
  const res = await as({ url: '/api/views' });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items;
}

async function builtIn(as: Requester, key: string): Promise<View> {
  return (await views(as)).find((v) => v.builtIn === key)!;
}

async function viewCases(as: Requester, id: string, query = ''): Promise<Page> {
  const res = await as({ url: `/api/views/${id}/cases?${query}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

async function openCase(body: Record<string, unknown>) {
  const res = await manager.as({ method: 'POST', url: '/api/cases', body: { requester: { email: 'vera@example.test' }, ...body } });
  expect(res.statusCode, res.body).toBe(201);
  t.clock.advance({ minutes: 1 });
  return res.json() as { id: string; version: number; subject: string };
}

beforeAll(async () => {
  t = await startTestApp();
  manager = await t.userWithToken('manager');
  agentA = await t.userWithToken('agent');
  agentB = await t.userWithToken('agent');
  teamOne = (await manager.as({ method: 'POST', url: '/api/teams', body: { name: 'One' } })).json().id;
  teamTwo = (await manager.as({ method: 'POST', url: '/api/teams', body: { name: 'Two' } })).json().id;
  await manager.as({ method: 'PUT', url: `/api/teams/${teamOne}/members/${agentA.user.id}`, body: { membership: 'member' } });
  await manager.as({ method: 'PUT', url: `/api/teams/${teamTwo}/members/${agentB.user.id}`, body: { membership: 'member' } });
  await openCase({ subject: 'A1 mine urgent', teamId: teamOne, assigneeId: agentA.user.id, priority: 'urgent' });
  await openCase({ subject: 'A2 mine pending', teamId: teamOne, assigneeId: agentA.user.id, status: 'pending' });
  await openCase({ subject: 'A3 team one unassigned', teamId: teamOne });
  await openCase({ subject: 'B1 team two unassigned', teamId: teamTwo, priority: 'urgent' });
  await openCase({ subject: 'B2 team two theirs', teamId: teamTwo, assigneeId: agentB.user.id, status: 'pending' });
  await openCase({ subject: 'P1 pool unassigned', priority: 'high' });
});
afterAll(() => t.close());

describe('built-in views', () => {
  test('everyone sees the five shared built-in views in order', async () => {
    const items = await views(agentA.as);
    expect(items.map((v) => [v.builtIn, v.name, v.ownerId])).toEqual([
      ['my_open', 'My open cases', null],
      ['unassigned', 'Unassigned', null],
      ['all_open', 'All open', null],
      ['pending', 'Pending', null],
      ['recently_solved', 'Recently solved', null],
    ]);
    expect(items.map((v) => v.position)).toEqual([10, 20, 30, 40, 50]);
  });

  test('counts are per person and within their case scope', async () => {
    const count = async (as: Requester) => Object.fromEntries((await views(as)).map((v) => [v.builtIn, v.count]));
    // Agent A sees team One and the pool; agent B team Two and the pool; the manager everything.
    expect(await count(agentA.as)).toEqual({ my_open: 2, unassigned: 2, all_open: 4, pending: 1, recently_solved: 0 });
    expect(await count(agentB.as)).toEqual({ my_open: 1, unassigned: 2, all_open: 3, pending: 1, recently_solved: 0 });
    expect(await count(manager.as)).toEqual({ my_open: 0, unassigned: 3, all_open: 6, pending: 2, recently_solved: 0 });
  });

  test("a view's cases are what its count counts, in its sort, page by page", async () => {
    const unassigned = await builtIn(agentA.as, 'unassigned');
    const page = await viewCases(agentA.as, unassigned.id);
    expect(page.total).toBe(unassigned.count);
    // Oldest first: the queue order.
    expect(page.items.map((i) => i.subject)).toEqual(['A3 team one unassigned', 'P1 pool unassigned']);
    const first = await viewCases(agentA.as, unassigned.id, 'limit=1');
    expect(first.items.map((i) => i.subject)).toEqual(['A3 team one unassigned']);
    const second = await viewCases(agentA.as, unassigned.id, `limit=1&cursor=${first.nextCursor}`);
    expect(second.items.map((i) => i.subject)).toEqual(['P1 pool unassigned']);
    expect(second.nextCursor).toBeNull();
    const mine = await viewCases(agentA.as, (await builtIn(agentA.as, 'my_open')).id);
    expect(mine.items.every((i) => i.assigneeId === agentA.user.id)).toBe(true);
  });

  test('counts are live: a change moves a case from view to view', async () => {
    const c = await openCase({ subject: 'Moves around' });
    const before = await builtIn(agentA.as, 'unassigned');
    expect(before.count).toBe(3);
    await agentA.as({ method: 'PATCH', url: `/api/cases/${c.id}`, body: { version: c.version, assigneeId: agentA.user.id } });
    expect((await builtIn(agentA.as, 'unassigned')).count).toBe(2);
    expect((await builtIn(agentA.as, 'my_open')).count).toBe(3);
    await agentA.as({ method: 'PATCH', url: `/api/cases/${c.id}`, body: { version: c.version + 1, status: 'solved' } });
    expect((await builtIn(agentA.as, 'my_open')).count).toBe(2);
    const solved = await builtIn(agentA.as, 'recently_solved');
    expect(solved.count).toBe(1);
    expect((await viewCases(agentA.as, solved.id)).items.map((i) => i.subject)).toEqual(['Moves around']);
    // "Recently" is the last seven days by the clock.
    t.clock.advance({ days: 8 });
    expect((await builtIn(agentA.as, 'recently_solved')).count).toBe(0);
  });

  test('built-in views can be renamed by those who configure cases, never deleted', async () => {
    const pending = await builtIn(manager.as, 'pending');
    expect((await manager.as({ method: 'DELETE', url: `/api/views/${pending.id}` })).statusCode).toBe(409);
    const admin = await t.userWithToken('admin');
    expect((await admin.as({ method: 'DELETE', url: `/api/views/${pending.id}` })).statusCode).toBe(409);
    expect((await agentA.as({ method: 'PATCH', url: `/api/views/${pending.id}`, body: { name: 'Mine now' } })).statusCode).toBe(403);
    const renamed = await manager.as({ method: 'PATCH', url: `/api/views/${pending.id}`, body: { name: 'Waiting on customer' } });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toMatchObject({ name: 'Waiting on customer', builtIn: 'pending', count: 2 });
    expect((await builtIn(agentB.as, 'pending')).name).toBe('Waiting on customer');
  });
});

describe('personal and shared views', () => {
  test('a personal view is its owner’s alone', async () => {
    const res = await agentA.as({
      method: 'POST',
      url: '/api/views',
      body: { name: 'My urgent', filters: { priority: ['urgent'], status: ['new', 'open'] }, sort: 'priority_desc' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const view = res.json() as View;
    expect(view).toMatchObject({ ownerId: agentA.user.id, sort: 'priority_desc', builtIn: null, count: 1, position: 60 });
    expect((await views(agentA.as)).map((v) => v.name)).toContain('My urgent');
    expect((await views(agentB.as)).map((v) => v.name)).not.toContain('My urgent');
    for (const req of [
      { url: `/api/views/${view.id}` },
      { url: `/api/views/${view.id}/cases` },
      { url: `/api/cases?viewId=${view.id}` },
      { method: 'PATCH', url: `/api/views/${view.id}`, body: { name: 'Hijacked' } },
      { method: 'DELETE', url: `/api/views/${view.id}` },
    ]) {
      expect((await agentB.as(req)).statusCode, `${req.method ?? 'GET'} ${req.url}`).toBe(404);
    }
    // Even a manager does not see, change or delete someone's personal view.
    expect((await manager.as({ method: 'DELETE', url: `/api/views/${view.id}` })).statusCode).toBe(404);
    const changed = await agentA.as({ method: 'PATCH', url: `/api/views/${view.id}`, body: { filters: { priority: ['urgent', 'high'] } } });
    expect(changed.json()).toMatchObject({ filters: { priority: ['urgent', 'high'] }, count: 2 });
    expect((await agentA.as({ method: 'DELETE', url: `/api/views/${view.id}` })).statusCode).toBe(204);
    expect((await agentA.as({ url: `/api/views/${view.id}` })).statusCode).toBe(404);
  });

  test('shared views need cases.configure to create, change or delete', async () => {
    const body = { name: 'Urgent everywhere', filters: { priority: ['urgent'] }, shared: true };
    expect((await agentA.as({ method: 'POST', url: '/api/views', body })).statusCode).toBe(403);
    const res = await manager.as({ method: 'POST', url: '/api/views', body: { ...body, position: 15 } });
    expect(res.statusCode, res.body).toBe(201);
    const view = res.json() as View;
    expect(view.ownerId).toBeNull();
    // Everyone sees it, counted within their own scope, in position order.
    const forA = await views(agentA.as);
    expect(forA.map((v) => v.name).slice(0, 3)).toEqual(['My open cases', 'Urgent everywhere', 'Unassigned']);
    expect(forA.find((v) => v.id === view.id)!.count).toBe(1);
    expect((await views(agentB.as)).find((v) => v.id === view.id)!.count).toBe(1);
    expect((await views(manager.as)).find((v) => v.id === view.id)!.count).toBe(2);
    expect((await agentA.as({ method: 'PATCH', url: `/api/views/${view.id}`, body: { name: 'x' } })).statusCode).toBe(403);
    expect((await agentA.as({ method: 'DELETE', url: `/api/views/${view.id}` })).statusCode).toBe(403);
    expect((await manager.as({ method: 'DELETE', url: `/api/views/${view.id}` })).statusCode).toBe(204);
    expect((await views(agentA.as)).map((v) => v.id)).not.toContain(view.id);
  });

  test('who may use views at all', async () => {
    const exec = await t.userWithToken('executive');
    expect((await views(exec.as)).find((v) => v.builtIn === 'all_open')!.count).toBe(6);
    const personal = await exec.as({ method: 'POST', url: '/api/views', body: { name: 'Exec', filters: {} } });
    expect(personal.statusCode).toBe(201);
    const backOffice = await t.userWithToken('back_office');
    expect((await backOffice.as({ url: '/api/views' })).statusCode).toBe(403);
    expect((await backOffice.as({ method: 'POST', url: '/api/views', body: { name: 'x', filters: {} } })).statusCode).toBe(403);
  });

  test.each([
    [{ name: 'x', filters: { status: ['lost'] } }],
    [{ name: 'x', filters: { colour: 'red' } }],
    [{ name: 'x', filters: { assigneeId: 'someone' } }],
    [{ name: 'x', filters: {}, sort: 'relevance' }],
    [{ name: '', filters: {} }],
    [{ name: 'x' }],
    [{ name: 'x', filters: {}, owner: 'me' }],
    [{ name: 'x', filters: { tags: ['no spaces!'] } }],
  ])('%j is refused', async (body) => {
    const before = (await views(agentA.as)).length;
    const res = await agentA.as({ method: 'POST', url: '/api/views', body });
    expect(res.statusCode, res.body).toBe(400);
    expect((await views(agentA.as)).length).toBe(before);
  });

  test('a view whose stored filters no longer parse shows no count and answers 409 for its cases', async () => {
    const created = (await agentA.as({ method: 'POST', url: '/api/views', body: { name: 'Old', filters: {} } })).json() as View;
    await t.database.db
      .updateTable('views')
      .set({ filters: JSON.stringify({ retired: true }) })
      .where('id', '=', created.id)
      .execute();
    expect((await views(agentA.as)).find((v) => v.id === created.id)!.count).toBeNull();
    expect((await agentA.as({ url: `/api/views/${created.id}/cases` })).statusCode).toBe(409);
    // It can be repaired.
    const fixed = await agentA.as({ method: 'PATCH', url: `/api/views/${created.id}`, body: { filters: { status: ['pending'] } } });
    expect(fixed.json().count).toBe(1);
  });
});

describe('views and explicit filters', () => {
  test('GET /api/cases?viewId starts from the view; explicit parameters replace its filters', async () => {
    const allOpen = await builtIn(agentA.as, 'all_open');
    const plain = (await agentA.as({ url: `/api/cases?viewId=${allOpen.id}` })).json() as Page;
    expect(plain.total).toBe(allOpen.count);
    const urgent = (await agentA.as({ url: `/api/cases?viewId=${allOpen.id}&priority=urgent` })).json() as Page;
    expect(urgent.items.map((i) => i.subject)).toEqual(['A1 mine urgent']);
    // The view says open statuses; the explicit status replaces that.
    const solvedToo = (await agentA.as({ url: `/api/cases?viewId=${allOpen.id}&status=solved` })).json() as Page;
    expect(solvedToo.items.map((i) => i.subject)).toEqual(['Moves around']);
    const searched = (await agentA.as({ url: `/api/cases?viewId=${allOpen.id}&q=pool` })).json() as Page;
    expect(searched.items.map((i) => i.subject)).toEqual(['P1 pool unassigned']);
    expect(searched.items[0]).toHaveProperty('rank');
    expect((await agentA.as({ url: `/api/cases?viewId=${crypto.randomUUID()}` })).statusCode).toBe(404);
  });

  test('"me" in a shared view is whoever looks', async () => {
    const mine = await builtIn(agentB.as, 'my_open');
    const page = await viewCases(agentB.as, mine.id);
    expect(page.items.map((i) => i.subject)).toEqual(['B2 team two theirs']);
  });
});
