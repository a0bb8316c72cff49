// Signing in and out, sessions, CSRF, throttling, API tokens and first-run setup.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { authenticateToken, credentialLookupStats } from '../src/modules/auth/auth.service.js';
import { issueSetupToken } from '../src/modules/setup/setup.service.js';
import { startTestApp, type TestApp } from './helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ config: { loginMaxFailures: 3, loginWindowMinutes: 15, sessionTtlHours: 8 } });
});
afterAll(() => t.close());

describe('first-run setup', () => {
  test('the one-time link creates the first admin once, signs them in, and cannot be reused', async () => {
    expect((await t.app.inject({ url: '/api/setup/status' })).json()).toEqual({ needsSetup: true });
    const secret = await issueSetupToken(t.ctx);
    expect(secret).toBeTruthy();

    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/setup',
      payload: { token: 'guess', email: 'boss@example.test', password: 'correct horse', name: 'Boss' },
    });
    expect(wrong.statusCode).toBe(403);

    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/setup',
      payload: { token: secret, email: 'boss@example.test', password: 'correct horse', name: 'Boss' },
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().user).toMatchObject({ email: 'boss@example.test', role: 'admin' });
    const cookie = ok.cookies.find((c) => c.name === 'frontline_session');
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Lax');
    const me = await t.app.inject({ url: '/api/auth/me', headers: { cookie: `frontline_session=${cookie!.value}` } });
    expect(me.json().user.email).toBe('boss@example.test');

    const again = await t.app.inject({
      method: 'POST',
      url: '/api/setup',
      payload: { token: secret, email: 'evil@example.test', password: 'correct horse', name: 'Evil' },
    });
    expect(again.statusCode).toBe(410);
    expect((await t.app.inject({ url: '/api/setup/status' })).json()).toEqual({ needsSetup: false });
    expect(await issueSetupToken(t.ctx)).toBeNull();
  });
});

describe('sign in', () => {
  test('wrong password and unknown email both answer 401 invalid_credentials', async () => {
    const u = await t.createUser({ role: 'agent' });
    const wrong = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: u.email, password: 'not the password' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('invalid_credentials');
    expect(wrong.cookies).toHaveLength(0);
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'nobody@example.test', password: 'whatever1' },
    });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().error.message).toBe(wrong.json().error.message);
  });

  test('email is matched case-insensitively and the session works', async () => {
    const u = await t.createUser({ role: 'manager', email: 'Mixed.Case@Example.test' });
    const s = await t.signIn('mixed.case@example.TEST', u.password);
    const me = await s.as({ url: '/api/auth/me' });
    expect(me.statusCode).toBe(200);
    expect(me.json().permissions).toContain('teams.manage');
  });

  test('after N failures further tries are refused with 429, even with the right password, until the window passes', async () => {
    const u = await t.createUser({ role: 'agent' });
    for (let i = 0; i < 3; i++) {
      const r = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: u.email, password: 'bad password' } });
      expect(r.statusCode).toBe(401);
    }
    const blocked = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: u.email, password: u.password } });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('rate_limited');
    expect(blocked.headers['retry-after']).toBe(String(15 * 60));
    t.clock.advance({ minutes: 16 });
    const after = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: u.email, password: u.password } });
    expect(after.statusCode).toBe(200);
  });

  test('a deactivated user cannot sign in', async () => {
    const u = await t.createUser({ role: 'agent' });
    await t.database.db.updateTable('users').set({ active: false }).where('id', '=', u.id).execute();
    const r = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: u.email, password: u.password } });
    expect(r.statusCode).toBe(401);
  });
});

describe('sessions', () => {
  test('a session expires after its lifetime with session_expired', async () => {
    const u = await t.createUser({ role: 'agent' });
    const s = await t.signIn(u.email, u.password);
    t.clock.advance({ hours: 7, minutes: 59 });
    expect((await s.as({ url: '/api/auth/me' })).statusCode).toBe(200);
    t.clock.advance({ minutes: 2 });
    const expired = await s.as({ url: '/api/auth/me' });
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.code).toBe('session_expired');
  });

  test('logout ends the session on the server, not just the cookie', async () => {
    const u = await t.createUser({ role: 'agent' });
    const s = await t.signIn(u.email, u.password);
    const out = await s.as({ method: 'POST', url: '/api/auth/logout' });
    expect(out.statusCode).toBe(204);
    expect((await s.as({ url: '/api/auth/me' })).statusCode).toBe(401);
  });

  test('the expired-session job deletes expired sessions through the job handler', async () => {
    const { purgeExpiredCredentials } = await import('../src/modules/auth/auth.service.js');
    const u = await t.createUser({ role: 'agent' });
    await t.signIn(u.email, u.password);
    const before = await t.database.db.selectFrom('sessions').select('id_hash').where('user_id', '=', u.id).execute();
    expect(before).toHaveLength(1);
    t.clock.advance({ hours: 9 });
    const purged = await purgeExpiredCredentials(t.ctx);
    expect(purged.sessions).toBeGreaterThanOrEqual(1);
    const after = await t.database.db.selectFrom('sessions').select('id_hash').where('user_id', '=', u.id).execute();
    expect(after).toHaveLength(0);
  });
});

describe('CSRF', () => {
  test('a cookie-authenticated write without the CSRF token is refused; with it, it passes', async () => {
    const u = await t.createUser({ role: 'manager' });
    const s = await t.signIn(u.email, u.password);
    const missing = await t.app.inject({
      method: 'POST',
      url: '/api/teams',
      headers: { cookie: s.cookie },
      payload: { name: 'CSRF team' },
    });
    expect(missing.statusCode).toBe(403);
    expect(missing.json().error.code).toBe('csrf_failed');
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/teams',
      headers: { cookie: s.cookie, 'x-csrf-token': 'x'.repeat(43) },
      payload: { name: 'CSRF team' },
    });
    expect(wrong.statusCode).toBe(403);
    const right = await s.as({ method: 'POST', url: '/api/teams', body: { name: 'CSRF team' } });
    expect(right.statusCode).toBe(201);
    const teams = await t.database.db.selectFrom('teams').select('name').where('name', '=', 'CSRF team').execute();
    expect(teams).toHaveLength(1);
  });

  test('reads need no CSRF token and bearer-token writes need none', async () => {
    const u = await t.createUser({ role: 'manager' });
    const s = await t.signIn(u.email, u.password);
    expect((await t.app.inject({ url: '/api/teams', headers: { cookie: s.cookie } })).statusCode).toBe(200);
    const { as } = await t.userWithToken('manager');
    expect((await as({ method: 'POST', url: '/api/teams', body: { name: 'Token team' } })).statusCode).toBe(201);
  });
});

describe('API tokens', () => {
  test('a token is shown once, stored hashed, and works as Bearer', async () => {
    const u = await t.createUser({ role: 'agent' });
    const s = await t.signIn(u.email, u.password);
    const created = await s.as({ method: 'POST', url: '/api/tokens', body: { name: 'script' } });
    expect(created.statusCode).toBe(201);
    const { secret, token } = created.json();
    expect(secret).toMatch(/^flt_/);
    const stored = await t.database.db.selectFrom('api_tokens').selectAll().where('id', '=', token.id).executeTakeFirstOrThrow();
    expect(stored.token_hash).not.toContain(secret);
    expect(JSON.stringify(stored)).not.toContain(secret);
    const listed = await s.as({ url: '/api/tokens' });
    expect(JSON.stringify(listed.json())).not.toContain(secret);
    const me = await t.app.inject({ url: '/api/auth/me', headers: { authorization: `Bearer ${secret}` } });
    expect(me.json().user.id).toBe(u.id);
  });

  test('a revoked token is rejected', async () => {
    const { as, token } = await t.userWithToken('agent');
    const mine = (await as({ url: '/api/tokens' })).json().items[0];
    expect((await as({ method: 'DELETE', url: `/api/tokens/${mine.id}` })).statusCode).toBe(204);
    const r = await t.app.inject({ url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } });
    expect(r.statusCode).toBe(401);
    expect(r.json().error.message).toContain('revoked');
  });

  test('an expired token is rejected', async () => {
    const u = await t.createUser({ role: 'agent' });
    const s = await t.signIn(u.email, u.password);
    const { secret } = (await s.as({ method: 'POST', url: '/api/tokens', body: { name: 'short', expiresInDays: 1 } })).json();
    expect((await t.app.inject({ url: '/api/auth/me', headers: { authorization: `Bearer ${secret}` } })).statusCode).toBe(200);
    t.clock.advance({ days: 1, minutes: 1 });
    expect((await t.app.inject({ url: '/api/auth/me', headers: { authorization: `Bearer ${secret}` } })).statusCode).toBe(401);
  });

  test('a user cannot revoke someone else’s token; it looks not found', async () => {
    const a = await t.userWithToken('agent');
    const b = await t.userWithToken('agent');
    const bTokenId = (await b.as({ url: '/api/tokens' })).json().items[0].id;
    const r = await a.as({ method: 'DELETE', url: `/api/tokens/${bTokenId}` });
    expect(r.statusCode).toBe(404);
    expect((await b.as({ url: '/api/auth/me' })).statusCode).toBe(200);
  });

  test('concurrent token checks share lookups, and each gets its own answer: valid, revoked, unknown', async () => {
    const users = [await t.userWithToken('agent'), await t.userWithToken('agent'), await t.userWithToken('agent')];
    const revoked = await t.userWithToken('agent');
    const revokedId = (await revoked.as({ url: '/api/tokens' })).json().items[0].id;
    expect((await revoked.as({ method: 'DELETE', url: `/api/tokens/${revokedId}` })).statusCode).toBe(204);
    const before = credentialLookupStats(t.ctx).tokens;
    const secrets = [...users.map((u) => u.token), revoked.token, 'flt_unknown'];
    const asked = Array.from({ length: 40 }, (_, i) => secrets[i % secrets.length]!);
    const answers = await Promise.allSettled(asked.map((s) => authenticateToken(t.ctx, s)));
    answers.forEach((a, i) => {
      const who = i % secrets.length;
      if (who < users.length) expect(a.status === 'fulfilled' && a.value.userId).toBe(users[who]!.user.id);
      else {
        expect(a.status).toBe('rejected');
        const message = a.status === 'rejected' ? (a.reason as Error).message : '';
        expect(message).toContain(who === users.length ? 'revoked' : 'not valid');
      }
    });
    const after = credentialLookupStats(t.ctx).tokens;
    // 40 checks asked at once: the first takes the connection alone, the rest share what follows.
    expect(after.items - before.items).toBe(40);
    expect(after.batches - before.batches).toBeLessThan(10);
  });

  test('a garbage or malformed Authorization header is a 401, not a 500', async () => {
    for (const h of ['Bearer', 'Bearer flt_nope', 'Basic abc', 'Bearer ' + 'x'.repeat(5000)]) {
      const r = await t.app.inject({ url: '/api/auth/me', headers: { authorization: h } });
      expect(r.statusCode).toBe(401);
      expect(r.json().error.code).toBe('unauthenticated');
    }
  });
});
