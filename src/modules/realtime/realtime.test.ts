// Live updates: a committed case change reaches the stream of a user who may see the case,
// and only theirs.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers.js';

let t: TestApp;
let base: string;
beforeAll(async () => {
  t = await startTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const addr = t.app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterAll(() => t.close());

/** Opens the stream and collects `case` events until stopped. */
async function openStream(token: string) {
  const controller = new AbortController();
  const res = await fetch(`${base}/api/stream`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const events: { caseId: string; kind: string; version: number }[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const pump = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let i: number;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const data = /^data: (.*)$/m.exec(block);
          if (/^event: case$/m.test(block) && data) events.push(JSON.parse(data[1]!));
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    events,
    stop: async () => {
      controller.abort();
      await pump;
    },
  };
}

async function waitFor(cond: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
}

test('a case change reaches streams that may see it, and not others', async () => {
  const manager = await t.userWithToken('manager');
  const agentA = await t.userWithToken('agent');
  const agentB = await t.userWithToken('agent');
  const teamA = (await manager.as({ method: 'POST', url: '/api/teams', body: { name: 'Stream A' } })).json();
  const teamB = (await manager.as({ method: 'POST', url: '/api/teams', body: { name: 'Stream B' } })).json();
  await manager.as({ method: 'PUT', url: `/api/teams/${teamA.id}/members/${agentA.user.id}`, body: { membership: 'member' } });
  await manager.as({ method: 'PUT', url: `/api/teams/${teamB.id}/members/${agentB.user.id}`, body: { membership: 'member' } });

  const streamA = await openStream(agentA.token);
  const streamB = await openStream(agentB.token);
  const created = (
    await manager.as({
      method: 'POST',
      url: '/api/cases',
      body: { subject: 'Live', teamId: teamA.id, requester: { email: 'live@example.test' }, message: { body: 'hi' } },
    })
  ).json();
  await agentA.as({ method: 'POST', url: `/api/cases/${created.id}/messages`, body: { kind: 'reply', body: 'hello' } });
  await waitFor(() => streamA.events.length >= 2);
  expect(streamA.events.map((e) => [e.caseId, e.kind])).toEqual([
    [created.id, 'created'],
    [created.id, 'public_reply'],
  ]);
  expect(streamA.events[1]!.version).toBe(2);
  // A rolled-back change announces nothing: a stale version fails after nothing was written.
  const stale = await agentA.as({ method: 'PATCH', url: `/api/cases/${created.id}`, body: { version: 1, priority: 'high' } });
  expect(stale.statusCode).toBe(409);
  await new Promise((r) => setTimeout(r, 300));
  expect(streamA.events).toHaveLength(2);
  expect(streamB.events).toHaveLength(0);
  await streamA.stop();
  await streamB.stop();
});

test('the stream needs credentials and a role that works or reads cases', async () => {
  expect((await fetch(`${base}/api/stream`)).status).toBe(401);
  const backOffice = await t.userWithToken('back_office');
  expect((await fetch(`${base}/api/stream`, { headers: { authorization: `Bearer ${backOffice.token}` } })).status).toBe(403);
});
