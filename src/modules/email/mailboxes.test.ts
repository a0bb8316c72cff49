// Mailboxes: who may manage them, validation in the one error shape, the inbound secret shown
// once and checked on every delivery, and the inbound endpoint's refusals.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestMailbox, postEmail, simpleMail } from '../../../test/email-helpers.js';
import { startTestApp, type Requester, type TestApp } from '../../../test/helpers.js';

let t: TestApp;
let admin: Requester;
let manager: Requester;
let agent: Requester;
let teamId: string;

beforeAll(async () => {
  t = await startTestApp();
  admin = (await t.userWithToken('admin')).as;
  manager = (await t.userWithToken('manager')).as;
  agent = (await t.userWithToken('agent')).as;
  teamId = (await admin({ method: 'POST', url: '/api/teams', body: { name: 'Email desk' } })).json().id;
});
afterAll(() => t.close());

function expectError(res: { statusCode: number; json(): unknown }, status: number, code: string) {
  expect(res.statusCode).toBe(status);
  expect(res.json()).toMatchObject({ error: { code, message: expect.any(String) } });
}

describe('managing mailboxes', () => {
  test('a manager creates a mailbox; the answer holds the inbound secret, later reads never do', async () => {
    const res = await manager({
      method: 'POST',
      url: '/api/mailboxes',
      body: { name: 'Support', address: 'Help@Acme.test', teamId },
    });
    expect(res.statusCode, res.body).toBe(201);
    const { mailbox, inboundSecret } = res.json();
    expect(inboundSecret).toMatch(/^flm_[A-Za-z0-9_-]{40,}$/);
    expect(mailbox).toMatchObject({
      name: 'Support',
      address: 'help@acme.test',
      teamId,
      teamName: 'Email desk',
      active: true,
      inboundPath: `/api/inbound/email/${mailbox.id}`,
      inboundSecretPrefix: inboundSecret.slice(0, 10),
      smtp: null,
      imap: null,
    });
    const one = await manager({ url: `/api/mailboxes/${mailbox.id}` });
    const list = await manager({ url: '/api/mailboxes' });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toEqual(mailbox);
    expect(list.json().items.map((m: { id: string }) => m.id)).toContain(mailbox.id);
    for (const body of [one.body, list.body]) {
      expect(body).not.toContain(inboundSecret);
      expect(body).not.toContain('inboundSecret"');
    }
    const stored = await t.database.db.selectFrom('mailboxes').selectAll().where('id', '=', mailbox.id).executeTakeFirstOrThrow();
    expect(stored.inbound_secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(inboundSecret);
  });

  test('agents may not manage mailboxes', async () => {
    expectError(await agent({ method: 'POST', url: '/api/mailboxes', body: { name: 'X', address: 'x@acme.test' } }), 403, 'forbidden');
    expectError(await agent({ url: '/api/mailboxes' }), 403, 'forbidden');
  });

  test('bad input answers 400 validation_failed naming the fields', async () => {
    const res = await admin({ method: 'POST', url: '/api/mailboxes', body: { name: '', address: 'not an address', colour: 'red' } });
    expectError(res, 400, 'validation_failed');
    const paths = res.json().error.details.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'address']));
    expect(res.json().error.message).toContain('colour');
    const badPort = await admin({
      method: 'POST',
      url: '/api/mailboxes',
      body: { name: 'Ports', address: 'ports@acme.test', smtp: { host: 'smtp.acme.test', port: 70000, secure: true } },
    });
    expectError(badPort, 400, 'validation_failed');
    expect(badPort.json().error.details.issues).toContainEqual(expect.objectContaining({ path: 'smtp.port' }));
  });

  test('an unknown team is a validation error; a taken address a 409', async () => {
    const noTeam = await admin({
      method: 'POST',
      url: '/api/mailboxes',
      body: { name: 'Ghost', address: 'ghost@acme.test', teamId: '00000000-0000-0000-0000-000000000000' },
    });
    expectError(noTeam, 400, 'validation_failed');
    expect(noTeam.json().error.details).toMatchObject({ field: 'teamId' });
    await createTestMailbox(admin, { address: 'taken@acme.test' });
    const again = await admin({ method: 'POST', url: '/api/mailboxes', body: { name: 'Again', address: 'TAKEN@acme.test' } });
    expectError(again, 409, 'conflict');
  });

  test('PATCH changes fields, keeps a stored password it was not sent, and is audited', async () => {
    const box = await createTestMailbox(admin, {
      smtp: { host: 'smtp.acme.test', port: 587, secure: false, username: 'support', password: 'smtp-password' },
    });
    const created = (await admin({ url: `/api/mailboxes/${box.id}` })).json();
    expect(created.smtp).toEqual({ host: 'smtp.acme.test', port: 587, secure: false, username: 'support', hasPassword: true });
    const res = await admin({
      method: 'PATCH',
      url: `/api/mailboxes/${box.id}`,
      body: { name: 'Renamed', active: false, teamId, smtp: { host: 'smtp.acme.test', port: 465, secure: true, username: 'support' } },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ name: 'Renamed', active: false, teamId, smtp: { port: 465, hasPassword: true } });
    expect(res.body).not.toContain('smtp-password');
    const audit = await admin({ url: `/api/audit?subjectType=mailbox&subjectId=${box.id}` });
    expect(audit.json().items.map((a: { action: string }) => a.action)).toEqual(['mailbox.updated', 'mailbox.created']);
  });

  test('PATCH validation, unknown ids and address clashes', async () => {
    const box = await createTestMailbox(admin);
    expectError(await admin({ method: 'PATCH', url: `/api/mailboxes/${box.id}`, body: { address: 'nope' } }), 400, 'validation_failed');
    expectError(await admin({ method: 'PATCH', url: `/api/mailboxes/${box.id}`, body: { active: 'yes' } }), 400, 'validation_failed');
    expectError(
      await admin({ method: 'PATCH', url: '/api/mailboxes/00000000-0000-0000-0000-000000000000', body: { name: 'X' } }),
      404,
      'not_found',
    );
    expectError(await admin({ method: 'PATCH', url: `/api/mailboxes/${box.id}`, body: { address: 'taken@acme.test' } }), 409, 'conflict');
    expectError(await admin({ url: '/api/mailboxes/not-a-uuid' }), 400, 'validation_failed');
  });

  test('rotating the secret answers a new one; the old one stops working at once', async () => {
    const box = await createTestMailbox(admin);
    const mail = simpleMail({ from: 'rotate@example.org', subject: 'Rotation' });
    const rotated = await admin({ method: 'POST', url: `/api/mailboxes/${box.id}/rotate-secret` });
    expect(rotated.statusCode, rotated.body).toBe(200);
    const fresh = rotated.json().inboundSecret as string;
    expect(fresh).not.toBe(box.secret);
    expect(rotated.json().mailbox.inboundSecretPrefix).toBe(fresh.slice(0, 10));
    expectError(await postEmail(t, box, mail), 401, 'unauthenticated');
    expect((await postEmail(t, { id: box.id, secret: fresh }, mail)).statusCode).toBe(201);
  });
});

describe('the inbound endpoint refuses', () => {
  test('a wrong or missing secret, and an unknown mailbox, alike with 401', async () => {
    const box = await createTestMailbox(admin);
    const mail = simpleMail({ from: 'x@example.org', subject: 'Hi' });
    expectError(await postEmail(t, { id: box.id, secret: 'flm_wrong' }, mail), 401, 'unauthenticated');
    expectError(await postEmail(t, box, mail, { authorization: '' }), 401, 'unauthenticated');
    expectError(await postEmail(t, { id: '00000000-0000-0000-0000-000000000000', secret: box.secret }, mail), 401, 'unauthenticated');
    expectError(await postEmail(t, { id: 'not-a-uuid', secret: box.secret }, mail), 401, 'unauthenticated');
  });

  test('a user API token is not a mailbox secret', async () => {
    const box = await createTestMailbox(admin);
    const { token } = await t.userWithToken('admin');
    expectError(
      await postEmail(t, { id: box.id, secret: token }, simpleMail({ from: 'x@example.org', subject: 'Hi' })),
      401,
      'unauthenticated',
    );
  });

  test('an inactive mailbox accepts no mail', async () => {
    const box = await createTestMailbox(admin);
    await admin({ method: 'PATCH', url: `/api/mailboxes/${box.id}`, body: { active: false } });
    expectError(await postEmail(t, box, simpleMail({ from: 'x@example.org', subject: 'Hi' })), 403, 'forbidden');
  });

  test('any content type but message/rfc822 with 415 in the error shape', async () => {
    const box = await createTestMailbox(admin);
    const json = await postEmail(t, box, JSON.stringify({ subject: 'hi' }), { 'content-type': 'application/json' });
    expectError(json, 415, 'unsupported_media_type');
    const text = await postEmail(t, box, simpleMail({ from: 'x@example.org', subject: 'Hi' }), { 'content-type': 'text/plain' });
    expectError(text, 415, 'unsupported_media_type');
    const none = await t.app.inject({
      method: 'POST',
      url: `/api/inbound/email/${box.id}`,
      headers: { authorization: `Bearer ${box.secret}` },
    });
    expectError(none, 415, 'unsupported_media_type');
  });

  test('an empty body with 400, and an oversize one with 413', async () => {
    const box = await createTestMailbox(admin);
    expectError(await postEmail(t, box, Buffer.alloc(0)), 400, 'bad_request');
    const huge = Buffer.concat([Buffer.from(simpleMail({ from: 'x@example.org', subject: 'Big' })), Buffer.alloc(41 * 1024 * 1024, 65)]);
    expectError(await postEmail(t, box, huge), 413, 'payload_too_large');
  });

  test('a message with no From address that opens no case', async () => {
    const box = await createTestMailbox(admin);
    const raw = 'Subject: Nobody\r\nMessage-ID: <nobody@example.org>\r\n\r\nWho am I?\r\n';
    expectError(await postEmail(t, box, raw), 400, 'validation_failed');
  });
});

test('the email endpoints are described in the OpenAPI document', async () => {
  const res = await admin({ url: '/api/openapi.json' });
  expect(res.statusCode).toBe(200);
  const paths = res.json().paths;
  expect(Object.keys(paths['/api/mailboxes'])).toEqual(['post', 'get']);
  expect(paths['/api/inbound/email/{mailboxId}'].post.requestBody.content).toHaveProperty(['message/rfc822']);
  expect(paths['/api/cases/{id}/messages/{messageId}/raw']).toHaveProperty('get');
});
