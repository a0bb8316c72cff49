// Teams and departments: names unique, memberships, leaders and the single department head.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers.js';

let t: TestApp;
let manager: Awaited<ReturnType<TestApp['userWithToken']>>;
beforeAll(async () => {
  t = await startTestApp();
  manager = await t.userWithToken('manager');
});
afterAll(() => t.close());

test('a team is created, renamed, staffed with a leader and members, and deleted', async () => {
  const a = await t.createUser({ role: 'agent', name: 'Amy Agent' });
  const l = await t.createUser({ role: 'team_leader', name: 'Lee Leader' });
  const team = (await manager.as({ method: 'POST', url: '/api/teams', body: { name: 'Tier 1', description: 'First line' } })).json();
  expect(team).toMatchObject({ name: 'Tier 1', memberCount: 0, members: [] });
  await manager.as({ method: 'PUT', url: `/api/teams/${team.id}/members/${a.id}`, body: { membership: 'member' } });
  const staffed = (
    await manager.as({ method: 'PUT', url: `/api/teams/${team.id}/members/${l.id}`, body: { membership: 'leader' } })
  ).json();
  expect(staffed.memberCount).toBe(2);
  expect(staffed.leaderUserIds).toEqual([l.id]);
  expect(staffed.members.map((m: { name: string; membership: string }) => `${m.name}:${m.membership}`)).toEqual([
    'Amy Agent:member',
    'Lee Leader:leader',
  ]);
  const renamed = (await manager.as({ method: 'PATCH', url: `/api/teams/${team.id}`, body: { name: 'Tier One' } })).json();
  expect(renamed.name).toBe('Tier One');
  expect((await manager.as({ method: 'DELETE', url: `/api/teams/${team.id}/members/${a.id}` })).statusCode).toBe(204);
  expect((await manager.as({ method: 'DELETE', url: `/api/teams/${team.id}/members/${a.id}` })).statusCode).toBe(404);
  expect((await manager.as({ method: 'DELETE', url: `/api/teams/${team.id}` })).statusCode).toBe(204);
  expect((await manager.as({ url: `/api/teams/${team.id}` })).statusCode).toBe(404);
  const audit = (await manager.as({ url: `/api/audit?subjectType=team&subjectId=${team.id}` }))
    .json()
    .items.map((i: { action: string }) => i.action);
  expect(audit).toEqual(['team.deleted', 'team.member_removed', 'team.updated', 'team.member_set', 'team.member_set', 'team.created']);
});

test('team names are unique regardless of case', async () => {
  await manager.as({ method: 'POST', url: '/api/teams', body: { name: 'Billing Desk' } });
  const dup = await manager.as({ method: 'POST', url: '/api/teams', body: { name: 'billing desk' } });
  expect(dup.statusCode).toBe(409);
  expect(dup.json().error.details).toEqual({ field: 'name' });
});

test('naming a new department head demotes the previous one', async () => {
  const first = await t.createUser({ role: 'back_office', name: 'First Head' });
  const second = await t.createUser({ role: 'back_office', name: 'Second Head' });
  const dep = (await manager.as({ method: 'POST', url: '/api/departments', body: { name: 'Logistics' } })).json();
  expect(dep.headUserId).toBeNull();
  await manager.as({ method: 'PUT', url: `/api/departments/${dep.id}/members/${first.id}`, body: { membership: 'head' } });
  const after = (
    await manager.as({ method: 'PUT', url: `/api/departments/${dep.id}/members/${second.id}`, body: { membership: 'head' } })
  ).json();
  expect(after.headUserId).toBe(second.id);
  expect(after.members.find((m: { userId: string }) => m.userId === first.id).membership).toBe('member');
  const teamStyle = await manager.as({
    method: 'PUT',
    url: `/api/departments/${dep.id}/members/${first.id}`,
    body: { membership: 'leader' },
  });
  expect(teamStyle.statusCode).toBe(400);
});

test('adding a user who does not exist, or to a group that does not exist, is a 404', async () => {
  const dep = (await manager.as({ method: 'POST', url: '/api/departments', body: { name: 'Technical' } })).json();
  const ghost = '00000000-0000-4000-8000-000000000000';
  expect(
    (await manager.as({ method: 'PUT', url: `/api/departments/${dep.id}/members/${ghost}`, body: { membership: 'member' } })).statusCode,
  ).toBe(404);
  const u = await t.createUser({ role: 'agent' });
  expect((await manager.as({ method: 'PUT', url: `/api/teams/${ghost}/members/${u.id}`, body: { membership: 'member' } })).statusCode).toBe(
    404,
  );
});
