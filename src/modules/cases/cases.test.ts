// Cases: creation, optimistic concurrency, lifecycle rules, events, idempotency, access.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type Requester, type TestApp } from '../../../test/helpers.js';

let t: TestApp;
let agent: { as: Requester; user: { id: string } };
let manager: { as: Requester; user: { id: string } };

beforeAll(async () => {
  t = await startTestApp();
  agent = await t.userWithToken('agent');
  manager = await t.userWithToken('manager');
});
afterAll(() => t.close());

async function openCase(as: Requester = agent.as, extra: Record<string, unknown> = {}) {
  const res = await as({
    method: 'POST',
    url: '/api/cases',
    body: {
      subject: 'My parcel never arrived',
      requester: { email: 'Ann.Smith@Example.com', name: 'Ann Smith' },
      message: { body: 'Where is order 1234?' },
      ...extra,
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function events(id: string) {
  return (await manager.as({ url: `/api/cases/${id}/events` })).json().items as {
    kind: string;
    before: unknown;
    after: unknown;
    actor: { type: string };
  }[];
}

describe('creating a case', () => {
  test('the contract: subject, requester, message → 201 with number, status new, version 1', async () => {
    const c = await openCase();
    expect(c).toMatchObject({
      subject: 'My parcel never arrived',
      status: 'new',
      priority: 'normal',
      type: 'question',
      channel: 'api',
      version: 1,
      customerMessageCount: 1,
    });
    expect(c.number).toBeGreaterThanOrEqual(1001);
    expect(c.requester).toMatchObject({ name: 'Ann Smith', email: 'ann.smith@example.com' });
    const msgs = (await agent.as({ url: `/api/cases/${c.id}/messages` })).json().items;
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatchObject({ kind: 'customer', bodyText: 'Where is order 1234?', author: { type: 'customer', name: 'Ann Smith' } });
    expect((await events(c.id)).map((e) => e.kind)).toEqual(['created', 'customer_message']);
  });

  test('the same email (any case) is the same customer', async () => {
    const a = await openCase();
    const b = await agent.as({
      method: 'POST',
      url: '/api/cases',
      body: { subject: 'Again', requester: { email: 'ann.smith@example.COM' } },
    });
    expect(b.json().requester.id).toBe(a.requester.id);
  });

  test('a retried POST with the same Idempotency-Key creates one case', async () => {
    const body = { subject: 'Retry me', requester: { email: 'retry@example.test' }, message: { body: 'hello' } };
    const send = () => agent.as({ method: 'POST', url: '/api/cases', body, headers: { 'idempotency-key': 'abc-123' } });
    const [first, second] = [await send(), await send()];
    expect(first.statusCode).toBe(201);
    expect(second.json().id).toBe(first.json().id);
    const count = await t.database.db
      .selectFrom('cases')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('subject', '=', 'Retry me')
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1);
    const reuse = await agent.as({
      method: 'POST',
      url: '/api/cases',
      body: { ...body, subject: 'Different' },
      headers: { 'idempotency-key': 'abc-123' },
    });
    expect(reuse.statusCode).toBe(409);
  });

  test('an external message id is stored once', async () => {
    const body = {
      subject: 'Chat',
      channel: 'chat',
      requester: { email: 'chat@example.test' },
      message: { body: 'hi', externalId: 'chat-msg-1' },
    };
    const first = await agent.as({ method: 'POST', url: '/api/cases', body });
    const again = await agent.as({ method: 'POST', url: '/api/cases', body });
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ id: first.json().id, duplicate: true });
  });

  test('HTML is sanitised before storage and rendered to plain text', async () => {
    const c = await openCase(agent.as, {
      message: { html: '<p>Hello <b>there</b><script>alert(1)</script><img src=x onerror=alert(2)></p>' },
    });
    const [m] = (await agent.as({ url: `/api/cases/${c.id}/messages` })).json().items;
    expect(m.bodyHtml).not.toContain('script');
    expect(m.bodyHtml).not.toContain('onerror');
    expect(m.bodyText).toBe('Hello there');
  });
});

describe('changing a case', () => {
  test('a stale version gets 409 and the event log has only the successful change', async () => {
    const c = await openCase();
    const [a, b] = await Promise.all([
      agent.as({ method: 'PATCH', url: `/api/cases/${c.id}`, body: { version: 1, priority: 'high' } }),
      agent.as({ method: 'PATCH', url: `/api/cases/${c.id}`, body: { version: 1, priority: 'urgent' } }),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
    const loser = a.statusCode === 409 ? a : b;
    expect(loser.json().error.code).toBe('conflict');
    const winner = a.statusCode === 200 ? a.json() : b.json();
    const changes = (await events(c.id)).filter((e) => e.kind === 'priority_changed');
    expect(changes).toHaveLength(1);
    expect(changes[0]!.after).toEqual({ priority: winner.priority });
    expect(winner.version).toBe(2);
  });

  test('each changed field writes its own event with before and after', async () => {
    const c = await openCase();
    const res = await agent.as({
      method: 'PATCH',
      url: `/api/cases/${c.id}`,
      body: { version: 1, type: 'complaint', tags: ['Refund', 'refund', 'vip customer'], assigneeId: agent.user.id },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().tags).toEqual(['refund', 'vip_customer']);
    const kinds = (await events(c.id)).map((e) => e.kind);
    expect(kinds).toEqual(['created', 'customer_message', 'type_changed', 'tags_changed', 'assignment_changed']);
    const nothing = await agent.as({ method: 'PATCH', url: `/api/cases/${c.id}`, body: { version: 2, type: 'complaint' } });
    expect(nothing.json().version).toBe(2);
  });

  test('only a solved case can be closed, and a closed case cannot change', async () => {
    const c = await openCase();
    expect((await agent.as({ method: 'PATCH', url: `/api/cases/${c.id}`, body: { version: 1, status: 'closed' } })).statusCode).toBe(400);
    const solved = (await agent.as({ method: 'PATCH', url: `/api/cases/${c.id}`, body: { version: 1, status: 'solved' } })).json();
    expect(solved.solvedAt).toBe(t.clock.now().toISOString());
    const closed = (await agent.as({ method: 'PATCH', url: `/api/cases/${c.id}`, body: { version: 2, status: 'closed' } })).json();
    expect(closed.status).toBe('closed');
    const again = await agent.as({ method: 'PATCH', url: `/api/cases/${c.id}`, body: { version: 3, priority: 'low' } });
    expect(again.statusCode).toBe(409);
  });
});

describe('the conversation and lifecycle', () => {
  test('the first public reply sets first reply time and opens a new case; a note does not count', async () => {
    const c = await openCase();
    t.clock.advance({ minutes: 5 });
    const note = (
      await agent.as({ method: 'POST', url: `/api/cases/${c.id}/messages`, body: { kind: 'note', body: 'checking with logistics' } })
    ).json();
    expect(note.case).toMatchObject({ status: 'new', firstPublicReplyAt: null, publicReplyCount: 0 });
    t.clock.advance({ minutes: 10 });
    const reply = await agent.as({
      method: 'POST',
      url: `/api/cases/${c.id}/messages`,
      body: { kind: 'reply', body: 'It ships today.', status: 'pending' },
    });
    expect(reply.statusCode).toBe(201);
    expect(reply.json().case).toMatchObject({ status: 'pending', publicReplyCount: 1, firstPublicReplyAt: t.clock.now().toISOString() });
  });

  test('a customer reply to a pending case makes it open; to a solved case reopens it', async () => {
    const c = await openCase();
    await agent.as({
      method: 'POST',
      url: `/api/cases/${c.id}/messages`,
      body: { kind: 'reply', body: 'Can you send a photo?', status: 'pending' },
    });
    const back = (
      await agent.as({ method: 'POST', url: `/api/cases/${c.id}/messages`, body: { kind: 'customer', body: 'Here it is' } })
    ).json();
    expect(back.case.status).toBe('open');
    await agent.as({ method: 'POST', url: `/api/cases/${c.id}/messages`, body: { kind: 'reply', body: 'Refunded.', status: 'solved' } });
    const reopened = (
      await agent.as({ method: 'POST', url: `/api/cases/${c.id}/messages`, body: { kind: 'customer', body: 'Not received!' } })
    ).json();
    expect(reopened.case).toMatchObject({ status: 'open', reopenCount: 1, solvedAt: null });
    const kinds = (await events(c.id)).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'reopened')).toHaveLength(1);
  });

  test('a customer reply to a closed case opens a linked follow-up case', async () => {
    const c = await openCase();
    await agent.as({ method: 'PATCH', url: `/api/cases/${c.id}`, body: { version: 1, status: 'solved' } });
    await agent.as({ method: 'PATCH', url: `/api/cases/${c.id}`, body: { version: 2, status: 'closed' } });
    const res = (
      await agent.as({ method: 'POST', url: `/api/cases/${c.id}/messages`, body: { kind: 'customer', body: 'One more thing' } })
    ).json();
    expect(res.followUpCreated).toBe(true);
    expect(res.case.id).not.toBe(c.id);
    expect(res.case).toMatchObject({ followUpOfId: c.id, status: 'new', subject: c.subject });
    expect(res.message.bodyText).toBe('One more thing');
    const old = (await agent.as({ url: `/api/cases/${c.id}` })).json();
    expect(old.status).toBe('closed');
    expect((await events(c.id)).map((e) => e.kind)).toContain('follow_up_created');
  });
});

describe('access', () => {
  test('agents see their teams’ cases and the intake pool, not other teams’ cases; executives read but cannot write', async () => {
    const teamA = (await manager.as({ method: 'POST', url: '/api/teams', body: { name: 'Team A' } })).json();
    const teamB = (await manager.as({ method: 'POST', url: '/api/teams', body: { name: 'Team B' } })).json();
    await manager.as({ method: 'PUT', url: `/api/teams/${teamA.id}/members/${agent.user.id}`, body: { membership: 'member' } });
    const inA = await openCase(manager.as, { teamId: teamA.id });
    const inB = await openCase(manager.as, { teamId: teamB.id });
    const pool = await openCase(manager.as);
    expect((await agent.as({ url: `/api/cases/${inA.id}` })).statusCode).toBe(200);
    expect((await agent.as({ url: `/api/cases/${pool.id}` })).statusCode).toBe(200);
    expect((await agent.as({ url: `/api/cases/${inB.id}` })).statusCode).toBe(404);
    expect((await agent.as({ url: `/api/cases/${inB.id}/messages` })).statusCode).toBe(404);
    expect((await agent.as({ method: 'PATCH', url: `/api/cases/${inB.id}`, body: { version: 1, priority: 'low' } })).statusCode).toBe(404);
    const exec = await t.userWithToken('executive');
    expect((await exec.as({ url: `/api/cases/${inB.id}` })).statusCode).toBe(200);
    expect((await exec.as({ method: 'PATCH', url: `/api/cases/${inB.id}`, body: { version: 1, priority: 'low' } })).statusCode).toBe(403);
    const back = await t.userWithToken('back_office');
    expect((await back.as({ url: `/api/cases/${pool.id}` })).statusCode).toBe(404);
    expect(
      (await back.as({ method: 'POST', url: '/api/cases', body: { subject: 'x', requester: { email: 'x@example.test' } } })).statusCode,
    ).toBe(403);
  });

  test('round-robin assignment takes turns among available team members', async () => {
    const team = (await manager.as({ method: 'POST', url: '/api/teams', body: { name: 'Round robin' } })).json();
    const a1 = await t.createUser({ role: 'agent', name: 'RR One' });
    const a2 = await t.createUser({ role: 'agent', name: 'RR Two' });
    const away = await t.createUser({ role: 'agent', name: 'RR Away' });
    for (const u of [a1, a2, away])
      await manager.as({ method: 'PUT', url: `/api/teams/${team.id}/members/${u.id}`, body: { membership: 'member' } });
    await t.database.db.updateTable('users').set({ available: false }).where('id', '=', away.id).execute();
    const got: string[] = [];
    for (let i = 0; i < 4; i++) got.push((await openCase(manager.as, { teamId: team.id, autoAssign: true })).assigneeId);
    expect(new Set(got)).toEqual(new Set([a1.id, a2.id]));
    expect(got[0]).not.toBe(got[1]);
    expect(got[2]).toBe(got[0]);
    expect(got).not.toContain(away.id);
  });
});

describe('attachments', () => {
  test('files sent with a message are stored, listed with it, and downloaded safely', async () => {
    const c = await openCase();
    const html = Buffer.from('<script>alert(1)</script>').toString('base64');
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]).toString('base64');
    const res = await agent.as({
      method: 'POST',
      url: `/api/cases/${c.id}/messages`,
      body: {
        kind: 'reply',
        body: 'See attached',
        attachments: [
          { filename: 'page.html', contentType: 'text/html', dataBase64: html },
          { filename: '../../photo.png', contentType: 'image/png', dataBase64: png },
        ],
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    const files = res.json().message.attachments;
    const byName = (n: string) => files.find((f: { filename: string }) => f.filename === n);
    expect(byName('page.html').sizeBytes).toBe(25);
    expect(byName('.._.._photo.png').sizeBytes).toBe(7);
    const listed = (await agent.as({ url: `/api/cases/${c.id}/messages` }))
      .json()
      .items.find((m: { kind: string }) => m.kind === 'reply').attachments;
    expect(listed).toHaveLength(2);
    const download = await agent.as({ url: `/api/attachments/${byName('page.html').id}` });
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toBe('application/octet-stream');
    expect(download.headers['content-disposition']).toMatch(/^attachment;/);
    expect(download.body).toBe('<script>alert(1)</script>');
    const image = await agent.as({ url: `/api/attachments/${byName('.._.._photo.png').id}` });
    expect(image.headers['content-type']).toBe('image/png');
    expect(image.rawPayload).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
    const outsider = await t.userWithToken('back_office');
    expect((await outsider.as({ url: `/api/attachments/${byName('page.html').id}` })).statusCode).toBe(404);
  });
});
