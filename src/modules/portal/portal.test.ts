// The customer portal against a real database and a real SMTP server: a sign-in link is emailed
// (only to a known customer, always answered the same), works once and expires; the customer sees
// only their own cases and only the public conversation; writing reopens a solved case and opens
// a follow-up on a closed one; everything needs the portal cookie, and writes the portal header.
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestMailbox } from '../../../test/email-helpers.js';
import { startTestApp, type Requester, type TestApp } from '../../../test/helpers.js';
import { recipientOf, startSmtpSink, type SmtpSink } from '../../../test/smtp-sink.js';
import { sendDueEmails } from '../email/outbound.js';

let t: TestApp;
let admin: { as: Requester };
let smtp: SmtpSink;
let gailCase: string;
let otherCase: string;
let mergedCase: string;
let ipCounter = 0;

function portal(opts: { method?: 'GET' | 'POST'; url: string; body?: unknown; cookie?: string; header?: boolean }) {
  const method = opts.method ?? 'GET';
  return t.app.inject({
    method,
    url: opts.url,
    remoteAddress: `198.51.100.${++ipCounter % 250}`,
    headers: {
      ...(opts.cookie ? { cookie: opts.cookie } : {}),
      ...(method === 'POST' && opts.header !== false ? { 'x-portal-request': '1' } : {}),
    },
    ...(opts.body !== undefined ? { payload: opts.body as object } : {}),
  });
}

async function setStatus(caseId: string, status: string): Promise<void> {
  const { version } = (await admin.as({ url: `/api/cases/${caseId}` })).json();
  const res = await admin.as({ method: 'PATCH', url: `/api/cases/${caseId}`, body: { status, version } });
  expect(res.statusCode, res.body).toBe(200);
}

async function newCase(email: string, subject: string): Promise<string> {
  const res = await admin.as({
    method: 'POST',
    url: '/api/cases',
    body: { subject, requester: { email }, message: { body: `About ${subject}` } },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

/** Asks for a link, sends the outbox, and reads the token out of the email. */
async function emailedToken(email: string): Promise<string> {
  const before = smtp.received.length;
  expect((await portal({ method: 'POST', url: '/api/portal/login', body: { email } })).statusCode).toBe(202);
  await sendDueEmails(t.ctx);
  expect(smtp.received.length).toBe(before + 1);
  const mail = smtp.received.at(-1)!;
  expect(recipientOf(mail)).toBe(email);
  const link = /(http\S+\/portal\/login\?token=(\S+))/.exec(mail.text ?? '');
  expect(link).not.toBeNull();
  return decodeURIComponent(link![2]!);
}

function cookieOf(res: LightMyRequestResponse): string {
  const c = res.cookies.find((x) => x.name === 'frontline_portal');
  expect(c).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
  return `frontline_portal=${c!.value}`;
}

async function signIn(email: string): Promise<string> {
  const res = await portal({ method: 'POST', url: '/api/portal/session', body: { token: await emailedToken(email) } });
  expect(res.statusCode, res.body).toBe(200);
  return cookieOf(res);
}

beforeAll(async () => {
  smtp = await startSmtpSink();
  t = await startTestApp();
  admin = await t.userWithToken('admin');
  await createTestMailbox(admin.as, { address: 'help@acme.test', smtp: { host: '127.0.0.1', port: smtp.port, secure: false } });
  gailCase = await newCase('gail@example.org', 'Broken kettle');
  otherCase = await newCase('olga@example.org', 'Olga’s order');
  mergedCase = await newCase('gail.work@example.org', 'Work account');
  const ids = await t.database.db
    .selectFrom('customer_identities')
    .select(['customer_id', 'value'])
    .where('value', 'in', ['gail@example.org', 'gail.work@example.org'])
    .execute();
  const target = ids.find((i) => i.value === 'gail@example.org')!.customer_id;
  const source = ids.find((i) => i.value === 'gail.work@example.org')!.customer_id;
  const merged = await admin.as({ method: 'POST', url: `/api/customers/${target}/merge`, body: { sourceId: source } });
  expect(merged.statusCode, merged.body).toBeLessThan(300);
});
afterAll(async () => {
  await t.close();
  await smtp.close();
});

describe('signing in', () => {
  test('a known address gets a link that signs in once; an unknown one is answered the same and gets nothing', async () => {
    const token = await emailedToken('gail@example.org');
    const first = await portal({ method: 'POST', url: '/api/portal/session', body: { token } });
    expect(first.statusCode, first.body).toBe(200);
    cookieOf(first);
    const again = await portal({ method: 'POST', url: '/api/portal/session', body: { token } });
    expect(again.statusCode).toBe(401);
    expect(again.json().error.code).toBe('unauthenticated');

    const before = smtp.received.length;
    const unknown = await portal({ method: 'POST', url: '/api/portal/login', body: { email: 'nobody@example.org' } });
    const known = await portal({ method: 'POST', url: '/api/portal/login', body: { email: 'gail@example.org' } });
    expect([unknown.statusCode, unknown.body]).toEqual([known.statusCode, known.body]);
    await sendDueEmails(t.ctx);
    expect(smtp.received.slice(before).map(recipientOf)).toEqual(['gail@example.org']);
  });

  test('a link expires after 30 minutes', async () => {
    const token = await emailedToken('gail@example.org');
    t.clock.advance({ minutes: 31 });
    expect((await portal({ method: 'POST', url: '/api/portal/session', body: { token } })).statusCode).toBe(401);
  });

  test('asking for links is rate-limited per address', async () => {
    const ask = () =>
      t.app.inject({
        method: 'POST',
        url: '/api/portal/login',
        headers: { 'x-portal-request': '1' },
        payload: { email: 'rate@example.org' },
      });
    for (let i = 0; i < 5; i++) expect((await ask()).statusCode).toBe(202);
    const refused = await ask();
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.code).toBe('rate_limited');
  });

  test('writes without the portal header are refused (CSRF)', async () => {
    const res = await portal({ method: 'POST', url: '/api/portal/login', body: { email: 'gail@example.org' }, header: false });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('csrf_failed');
  });

  test('without the cookie, or with a staff token only, portal reads are 401', async () => {
    for (const url of ['/api/portal/cases', `/api/portal/cases/${gailCase}`]) {
      expect((await portal({ url })).statusCode).toBe(401);
      expect((await admin.as({ url })).statusCode).toBe(401);
    }
    expect((await portal({ method: 'POST', url: `/api/portal/cases/${gailCase}/messages`, body: { body: 'Hi' } })).statusCode).toBe(401);
    expect((await portal({ url: '/api/portal/cases', cookie: 'frontline_portal=forged' })).statusCode).toBe(401);
  });
});

describe('the signed-in customer', () => {
  let cookie: string;

  beforeAll(async () => {
    cookie = await signIn('gail@example.org');
  });

  test('sees their own cases, including those of a customer merged into them, and no one else’s', async () => {
    const res = await portal({ url: '/api/portal/cases', cookie });
    expect(res.statusCode, res.body).toBe(200);
    expect(
      res
        .json()
        .items.map((c: { id: string }) => c.id)
        .sort(),
    ).toEqual([gailCase, mergedCase].sort());
    const other = await portal({ url: `/api/portal/cases/${otherCase}`, cookie });
    expect(other.statusCode).toBe(404);
    expect(other.json().error.code).toBe('not_found');
    expect(
      (await portal({ method: 'POST', url: `/api/portal/cases/${otherCase}/messages`, cookie, body: { body: 'Mine?' } })).statusCode,
    ).toBe(404);
  });

  test('sees public replies and their own messages, never internal notes', async () => {
    await admin.as({ method: 'POST', url: `/api/cases/${gailCase}/messages`, body: { kind: 'note', body: 'Secret: customer is grumpy' } });
    await admin.as({
      method: 'POST',
      url: `/api/cases/${gailCase}/messages`,
      body: { kind: 'reply', body: 'A new kettle is on its way.' },
    });
    const res = await portal({ url: `/api/portal/cases/${gailCase}`, cookie });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().messages.map((m: { from: string; body: string }) => [m.from, m.body])).toEqual([
      ['you', 'About Broken kettle'],
      ['agent', 'A new kettle is on its way.'],
    ]);
    expect(res.body).not.toContain('grumpy');
  });

  test('a reply reopens a solved case', async () => {
    await setStatus(gailCase, 'solved');
    const res = await portal({
      method: 'POST',
      url: `/api/portal/cases/${gailCase}/messages`,
      cookie,
      body: { body: 'It is still broken.' },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toEqual({ caseId: gailCase, followUpCreated: false });
    const c = (await admin.as({ url: `/api/cases/${gailCase}` })).json();
    expect(c.status).toBe('open');
    const messages = (await admin.as({ url: `/api/cases/${gailCase}/messages` })).json().items;
    expect(messages.at(-1)).toMatchObject({ kind: 'customer', channel: 'portal', bodyText: 'It is still broken.' });
    const events = (await admin.as({ url: `/api/cases/${gailCase}/events` })).json().items.map((e: { kind: string }) => e.kind);
    expect(events).toContain('reopened');
  });

  test('a reply to a closed case opens a follow-up, which the customer then sees', async () => {
    await setStatus(mergedCase, 'solved');
    await setStatus(mergedCase, 'closed');
    const res = await portal({
      method: 'POST',
      url: `/api/portal/cases/${mergedCase}/messages`,
      cookie,
      body: { body: 'One more thing.' },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().followUpCreated).toBe(true);
    const ids = (await portal({ url: '/api/portal/cases', cookie })).json().items.map((c: { id: string }) => c.id);
    expect(ids).toContain(res.json().caseId);
  });

  test('signing out ends the session', async () => {
    expect((await portal({ method: 'POST', url: '/api/portal/logout', cookie })).statusCode).toBe(204);
    expect((await portal({ url: '/api/portal/cases', cookie })).statusCode).toBe(401);
  });
});
