// One error shape for every bad input, and no input that makes the API answer 500.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type TestApp } from './helpers.js';

let t: TestApp;
let token: string;

beforeAll(async () => {
  t = await startTestApp();
  token = (await t.userWithToken('admin')).token;
});
afterAll(() => t.close());

function expectErrorShape(body: unknown, code: string) {
  expect(body).toMatchObject({ error: { code, message: expect.any(String) } });
}

describe('error shape', () => {
  test('malformed JSON is a 400 invalid_json', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/users',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: '{"email": "a@b.c", ',
    });
    expect(res.statusCode).toBe(400);
    expectErrorShape(res.json(), 'invalid_json');
  });

  test('wrong types are a 400 validation_failed naming the field', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/users',
      headers: { authorization: `Bearer ${token}` },
      payload: { email: 42, name: 'X', role: 'agent', password: 'long enough password' },
    });
    expect(res.statusCode).toBe(400);
    expectErrorShape(res.json(), 'validation_failed');
    expect(res.json().error.details.issues).toContainEqual(expect.objectContaining({ in: 'body', path: 'email' }));
  });

  test('unknown fields are refused, not ignored', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/teams',
      headers: { authorization: `Bearer ${token}` },
      payload: { name: 'Billing desk', colour: 'red' },
    });
    expect(res.statusCode).toBe(400);
    expectErrorShape(res.json(), 'validation_failed');
    expect(res.json().error.message).toContain('colour');
  });

  test('an oversize body is a 413 payload_too_large', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/teams',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x', description: 'y'.repeat(t.config.bodyLimitBytes + 10) }),
    });
    expect(res.statusCode).toBe(413);
    expectErrorShape(res.json(), 'payload_too_large');
  });

  test('an unknown API route is a 404 not_found in the same shape', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/no-such-thing' });
    expect(res.statusCode).toBe(404);
    expectErrorShape(res.json(), 'not_found');
  });

  test('an unsupported content type is a 415', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/teams',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml' },
      payload: '<team/>',
    });
    expect(res.statusCode).toBe(415);
    expectErrorShape(res.json(), 'unsupported_media_type');
  });

  test('a malformed id in the path is a 400, not a database error', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/users/not-a-uuid', headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(400);
    expectErrorShape(res.json(), 'validation_failed');
  });

  test('every response carries a request id, and a given one is echoed', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers['x-request-id']).toBe('abc-123');
    const other = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(String(other.headers['x-request-id'])).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('no input answers 500', () => {
  const junkBodies: unknown[] = [
    undefined,
    null,
    [],
    'text',
    0,
    {},
    { name: null, email: [], role: 'king', password: {} },
    { name: 'x'.repeat(5000) },
    { membership: 'owner' },
    { name: '\u0000' },
    { email: 'a@b.c', name: 'N', role: 'agent', password: 'p'.repeat(300) },
  ];
  const junkIds = ['00000000-0000-0000-0000-000000000000', 'x', '%00', "1'or'1'='1"];

  test('every route, with junk ids and bodies', async () => {
    const table = t.app.routeTable.filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS');
    // The live stream never ends by design; it has its own tests.
    const apiRoutes = table.filter((r) => r.url.startsWith('/api/') && !r.url.startsWith('/api/docs') && r.url !== '/api/stream');
    expect(apiRoutes.length).toBeGreaterThan(15);
    const failures: string[] = [];
    for (const route of apiRoutes) {
      for (const id of route.url.includes(':') ? junkIds : [junkIds[0]!]) {
        const url = route.url.replace(/:[a-zA-Z]+/g, encodeURIComponent(id));
        for (const [i, body] of (route.method === 'GET' || route.method === 'DELETE' ? [undefined] : junkBodies).entries()) {
          // Anonymous calls stop at authentication; one body each is enough to prove it.
          for (const auth of i === 0 ? [{ authorization: `Bearer ${token}` }, {}] : [{ authorization: `Bearer ${token}` }]) {
            const res = await t.app.inject({
              method: route.method as 'GET',
              url,
              headers: auth,
              ...(body !== undefined ? { payload: JSON.stringify(body), headers: { ...auth, 'content-type': 'application/json' } } : {}),
            });
            if (res.statusCode >= 500) failures.push(`${route.method} ${url} ${JSON.stringify(body)} -> ${res.statusCode} ${res.body}`);
            else if (res.statusCode >= 400) expect(res.json()).toHaveProperty('error.code');
          }
        }
      }
    }
    expect(failures).toEqual([]);
  }, 180_000);
});
