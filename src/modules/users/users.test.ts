// Staff directory rules: unique emails, one active admin always, deactivation signs out.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers.js';

let t: TestApp;
let admin: Awaited<ReturnType<TestApp['userWithToken']>>;
beforeAll(async () => {
  t = await startTestApp();
  admin = await t.userWithToken('admin');
});
afterAll(() => t.close());

test('an admin creates a user who can then sign in; the change is audited', async () => {
  const res = await admin.as({
    method: 'POST',
    url: '/api/users',
    body: { email: 'new.agent@example.test', name: 'New Agent', role: 'agent', password: 'a good password' },
  });
  expect(res.statusCode).toBe(201);
  expect(res.json()).toMatchObject({ email: 'new.agent@example.test', role: 'agent', active: true, lastLoginAt: null });
  expect(res.json()).not.toHaveProperty('password_hash');
  await t.signIn('new.agent@example.test', 'a good password');
  const audit = (await admin.as({ url: `/api/audit?subjectType=user&subjectId=${res.json().id}` })).json();
  expect(audit.items[0]).toMatchObject({ action: 'user.created', actorId: admin.user.id });
});

test('a second user with the same email in another case is a 409', async () => {
  await admin.as({
    method: 'POST',
    url: '/api/users',
    body: { email: 'dup@example.test', name: 'One', role: 'agent', password: 'a good password' },
  });
  const res = await admin.as({
    method: 'POST',
    url: '/api/users',
    body: { email: 'DUP@example.test', name: 'Two', role: 'agent', password: 'a good password' },
  });
  expect(res.statusCode).toBe(409);
  expect(res.json().error).toMatchObject({ code: 'conflict', details: { field: 'email' } });
});

test('passwords shorter than 8 characters are refused', async () => {
  const res = await admin.as({
    method: 'POST',
    url: '/api/users',
    body: { email: 'short@example.test', name: 'Short', role: 'agent', password: 'short' },
  });
  expect(res.statusCode).toBe(400);
  expect(res.json().error.details.issues[0].path).toBe('password');
});

test('the last active admin cannot be demoted or deactivated', async () => {
  const others = (await admin.as({ url: '/api/users?role=admin&active=true' })).json().items;
  expect(others).toHaveLength(1);
  const demote = await admin.as({ method: 'PATCH', url: `/api/users/${admin.user.id}`, body: { role: 'manager' } });
  expect(demote.statusCode).toBe(409);
  const deactivate = await admin.as({ method: 'PATCH', url: `/api/users/${admin.user.id}`, body: { active: false } });
  expect(deactivate.statusCode).toBe(409);
  const second = await t.createUser({ role: 'admin' });
  const ok = await admin.as({ method: 'PATCH', url: `/api/users/${second.id}`, body: { role: 'manager' } });
  expect(ok.statusCode).toBe(200);
  expect(ok.json().role).toBe('manager');
});

test('deactivating a user ends their sessions and revokes their tokens', async () => {
  const victim = await t.userWithToken('agent');
  const u = await t.createUser({ role: 'agent' });
  const s = await t.signIn(u.email, u.password);
  for (const id of [victim.user.id, u.id]) {
    expect((await admin.as({ method: 'PATCH', url: `/api/users/${id}`, body: { active: false } })).statusCode).toBe(200);
  }
  expect((await victim.as({ url: '/api/auth/me' })).statusCode).toBe(401);
  expect((await s.as({ url: '/api/auth/me' })).statusCode).toBe(401);
});

test('an admin resetting a password signs the user out; the new password works', async () => {
  const u = await t.createUser({ role: 'agent' });
  const s = await t.signIn(u.email, u.password);
  expect((await admin.as({ method: 'PATCH', url: `/api/users/${u.id}`, body: { password: 'brand new password' } })).statusCode).toBe(200);
  expect((await s.as({ url: '/api/auth/me' })).statusCode).toBe(401);
  await t.signIn(u.email, 'brand new password');
});

test('search filters by name or email, role and activity', async () => {
  await t.createUser({ role: 'qa_analyst', name: 'Zelda Quality', email: 'zelda@example.test' });
  const byName = (await admin.as({ url: '/api/users?q=zeld' })).json().items;
  expect(byName.map((u: { email: string }) => u.email)).toEqual(['zelda@example.test']);
  const byRole = (await admin.as({ url: '/api/users?role=qa_analyst' })).json().items;
  expect(byRole.every((u: { role: string }) => u.role === 'qa_analyst')).toBe(true);
  const wildcard = (await admin.as({ url: `/api/users?q=${encodeURIComponent('%')}` })).json().items;
  expect(wildcard).toHaveLength(0);
});
