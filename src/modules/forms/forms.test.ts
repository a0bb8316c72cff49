// Web forms against a real database and a real SMTP server: definitions are validated; a
// submission opens a web case with the mapped category and the form's team and emails a
// confirmation carrying the case token; the honeypot swallows bots; the rate limit answers 429;
// the embeddable page escapes everything and may be framed.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestMailbox, deliver, simpleMail, type TestMailbox } from '../../../test/email-helpers.js';
import { startTestApp, type Requester, type TestApp } from '../../../test/helpers.js';
import { recipientOf, startSmtpSink, type SmtpSink } from '../../../test/smtp-sink.js';
import { sendDueEmails } from '../email/outbound.js';

let t: TestApp;
let admin: { as: Requester };
let agent: { as: Requester };
let smtp: SmtpSink;
let mailboxId: string;
let helpMailbox: TestMailbox;
let teamId: string;
let billingId: string;

const fields = [
  { key: 'name', label: 'Your name', kind: 'text', required: false },
  { key: 'email', label: 'Email', kind: 'email', required: true },
  { key: 'subject', label: 'Subject', kind: 'text', required: true },
  { key: 'topic', label: 'Topic', kind: 'select', required: true, options: ['Billing', 'Delivery'] },
  { key: 'order', label: 'Order number', kind: 'text', required: false },
  { key: 'newsletter', label: 'Send me news', kind: 'checkbox', required: false },
  { key: 'message', label: 'How can we help?', kind: 'textarea', required: true },
];

function formBody(overrides: Record<string, unknown> = {}) {
  return {
    name: 'Contact us',
    slug: 'contact',
    mailboxId,
    teamId,
    fields,
    categoryField: 'topic',
    categoryMap: { Billing: billingId },
    confirmationText: 'Thanks, we got your message.',
    ...overrides,
  };
}

async function caseIdBySubject(subject: string): Promise<string> {
  return (await t.database.db.selectFrom('cases').select('id').where('subject', '=', subject).executeTakeFirstOrThrow()).id;
}

function submit(slug: string, body: unknown, ip = '203.0.113.1') {
  return t.app.inject({ method: 'POST', url: `/api/public/forms/${slug}/submissions`, payload: body as object, remoteAddress: ip });
}

const answers = (over: Record<string, unknown> = {}) => ({
  name: 'Gail Green',
  email: 'Gail@Example.org',
  subject: 'Double charge',
  topic: 'Billing',
  order: 'A-1001',
  newsletter: true,
  message: 'I was charged twice.',
  ...over,
});

beforeAll(async () => {
  smtp = await startSmtpSink();
  t = await startTestApp();
  admin = await t.userWithToken('admin');
  agent = await t.userWithToken('agent');
  helpMailbox = await createTestMailbox(admin.as, {
    address: 'help@acme.test',
    smtp: { host: '127.0.0.1', port: smtp.port, secure: false },
  });
  mailboxId = helpMailbox.id;
  teamId = (await admin.as({ method: 'POST', url: '/api/teams', body: { name: 'Billing team' } })).json().id;
  billingId = (await admin.as({ method: 'POST', url: '/api/categories', body: { name: 'Billing' } })).json().id;
});
afterAll(async () => {
  await t.close();
  await smtp.close();
});

describe('form definitions', () => {
  let formId: string;

  test('an admin creates, lists, reads and changes a form; an agent may not', async () => {
    const created = await admin.as({ method: 'POST', url: '/api/forms', body: formBody() });
    expect(created.statusCode, created.body).toBe(201);
    formId = created.json().id;
    expect(created.json()).toMatchObject({ slug: 'contact', active: true, teamId, mailboxId, categoryMap: { Billing: billingId } });
    expect(created.json().pageUrl).toMatch(/\/forms\/contact$/);
    expect((await admin.as({ url: '/api/forms' })).json().items.map((f: { id: string }) => f.id)).toEqual([formId]);
    const changed = await admin.as({ method: 'PATCH', url: `/api/forms/${formId}`, body: { confirmationText: 'Thank you!' } });
    expect(changed.statusCode, changed.body).toBe(200);
    expect((await admin.as({ url: `/api/forms/${formId}` })).json().confirmationText).toBe('Thank you!');
    expect((await agent.as({ url: '/api/forms' })).statusCode).toBe(403);
    expect((await admin.as({ method: 'POST', url: '/api/forms', body: formBody() })).json().error).toMatchObject({ code: 'conflict' });
  });

  test.each([
    ['no email field', { fields: fields.filter((f) => f.key !== 'email') }, 'fields'],
    ['no message field', { fields: fields.filter((f) => f.key !== 'message') }, 'fields'],
    [
      'a select without options',
      { fields: [...fields, { key: 'size', label: 'Size', kind: 'select', required: false }] },
      'fields.7.options',
    ],
    ['options on a text field', { fields: [...fields, { key: 'x', label: 'X', kind: 'text', options: ['a'] }] }, 'fields.7.options'],
    ['the honeypot key', { fields: [...fields, { key: 'website', label: 'Web', kind: 'text' }] }, 'fields.7.key'],
    ['a repeated key', { fields: [...fields, fields[0]] }, 'fields'],
    ['a map on a non-select field', { categoryField: 'order' }, 'categoryField'],
    ['an unknown option in the map', { categoryMap: { Returns: 'BILLING' } }, 'categoryMap.Returns'],
    ['an unknown category', { categoryMap: { Billing: '00000000-0000-0000-0000-000000000000' } }, 'categoryMap.Billing'],
    ['an unknown mailbox', { mailboxId: '00000000-0000-0000-0000-000000000000' }, 'mailboxId'],
  ])('refuses %s, naming the field', async (_what, change, field) => {
    const body = JSON.parse(JSON.stringify(formBody({ slug: 'other', ...change })).replaceAll('"BILLING"', JSON.stringify(billingId)));
    const res = await admin.as({ method: 'POST', url: '/api/forms', body });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'validation_failed', details: { field } });
  });

  test('refuses a bad slug and an unknown kind in the schema', async () => {
    const res = await admin.as({ method: 'POST', url: '/api/forms', body: formBody({ slug: 'Not A Slug' }) });
    expect(res.json().error.details.issues[0].path).toBe('slug');
    const kind = await admin.as({
      method: 'POST',
      url: '/api/forms',
      body: formBody({ slug: 'x', fields: [{ ...fields[0], kind: 'date' }] }),
    });
    expect(kind.statusCode).toBe(400);
  });

  test('the public definition hides ids; an inactive form is 404', async () => {
    const res = await t.app.inject({ url: '/api/public/forms/contact' });
    expect(res.statusCode, res.body).toBe(200);
    expect(Object.keys(res.json()).sort()).toEqual(['confirmationText', 'fields', 'name', 'slug']);
    await admin.as({ method: 'PATCH', url: `/api/forms/${formId}`, body: { active: false } });
    expect((await t.app.inject({ url: '/api/public/forms/contact' })).json().error.code).toBe('not_found');
    await admin.as({ method: 'PATCH', url: `/api/forms/${formId}`, body: { active: true } });
  });
});

describe('submissions', () => {
  test('open a web case with the mapped category and team, and email a confirmation with the case token', async () => {
    const res = await submit('contact', { answers: answers() });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toEqual({ accepted: true, confirmationText: 'Thank you!' });
    const c = (await admin.as({ url: `/api/cases/${await caseIdBySubject('Double charge')}` })).json();
    expect(c).toMatchObject({
      channel: 'web',
      teamId,
      categoryId: billingId,
      requester: { email: 'gail@example.org', name: 'Gail Green' },
    });
    const messages = (await admin.as({ url: `/api/cases/${c.id}/messages` })).json().items;
    expect(messages).toHaveLength(1);
    expect(messages[0].bodyText).toBe(
      'I was charged twice.\n\n-- \nYour name: Gail Green\nSubject: Double charge\nTopic: Billing\nOrder number: A-1001\nSend me news: yes',
    );

    expect(await sendDueEmails(t.ctx)).toEqual({ sent: 1, retried: 0, failed: 0 });
    const mail = smtp.received.at(-1)!;
    expect(mail.subject).toBe(`Double charge [#${c.number}]`);
    expect(recipientOf(mail)).toBe('gail@example.org');
    expect(mail.from?.value[0]?.address).toBe('help@acme.test');
    expect(mail.text).toContain('Thank you!');
    expect(mail.text).toContain(`#${c.number}`);

    // Channel health: the submission is the form's last inbound, the confirmation a good send of
    // the mailbox that sent it.
    const health = (await admin.as({ url: '/api/channels/health' })).json().items as {
      kind: string;
      id: string;
      lastInboundAt: string | null;
      lastSendOkAt: string | null;
      consecutiveErrors: number;
    }[];
    expect(health.find((h) => h.kind === 'form')).toMatchObject({ lastInboundAt: t.clock.now().toISOString(), lastSendOkAt: null });
    expect(health.find((h) => h.kind === 'mailbox' && h.id === mailboxId)).toMatchObject({
      lastSendOkAt: t.clock.now().toISOString(),
      consecutiveErrors: 0,
    });
  });

  test('an answer to the confirmation joins its case by header, without the case token', async () => {
    const caseId = await caseIdBySubject('Double charge');
    const confirmation = await t.database.db
      .selectFrom('email_outbox')
      .select(['message_id'])
      .where('case_id', '=', caseId)
      .where('kind', '=', 'notification')
      .executeTakeFirstOrThrow();
    const mailbox = helpMailbox;
    const answer = await deliver(
      t,
      mailbox,
      simpleMail({
        from: 'Gail Green <gail@example.org>',
        to: 'help@acme.test',
        subject: 'Re: Double charge',
        inReplyTo: confirmation.message_id,
      }),
    );
    expect(answer).toMatchObject({ caseId, threadedBy: 'in_reply_to', duplicate: false });
    // Without the header (and the token), the same subject opens a new case: never by subject alone.
    const other = await deliver(t, mailbox, simpleMail({ from: 'gail@example.org', to: 'help@acme.test', subject: 'Re: Double charge' }));
    expect(other.caseId).not.toBe(caseId);
    expect(other.threadedBy).toBe('new_case');
  });

  test('an unmapped option leaves the category empty', async () => {
    const res = await submit(
      'contact',
      { answers: answers({ topic: 'Delivery', subject: 'Late parcel', email: 'dan@example.org' }) },
      '203.0.113.2',
    );
    expect(res.statusCode, res.body).toBe(202);
    expect((await admin.as({ url: `/api/cases/${await caseIdBySubject('Late parcel')}` })).json()).toMatchObject({
      categoryId: null,
      teamId,
    });
  });

  test.each([
    ['a missing required answer', { message: '' }, 'answers.message'],
    ['a bad email', { email: 'not-an-address' }, 'answers.email'],
    ['an option not offered', { topic: 'Returns' }, 'answers.topic'],
    ['an unknown field', { colour: 'red' }, 'answers.colour'],
    ['text for a checkbox', { newsletter: 'yes' }, 'answers.newsletter'],
  ])('refuse %s, naming the field', async (_what, change, field) => {
    const res = await submit('contact', { answers: answers(change) }, '203.0.113.3');
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'validation_failed', details: { field } });
    expect(res.json().error.message).toContain(field);
  });

  async function outboxCount() {
    const r = await t.database.db
      .selectFrom('email_outbox')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
  async function caseCount() {
    const r = await t.database.db
      .selectFrom('cases')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  test('the honeypot answers as if fine and creates nothing', async () => {
    const [cases, mails] = [await caseCount(), await outboxCount()];
    const res = await submit('contact', { answers: answers({ subject: 'Buy pills' }), website: 'http://spam.example' }, '203.0.113.4');
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ accepted: true, confirmationText: 'Thank you!' });
    expect([await caseCount(), await outboxCount()]).toEqual([cases, mails]);
  });

  test('more than 5 per 10 minutes from one IP, or for one email, is 429; the window passes', async () => {
    const ip = '198.51.100.7';
    for (let i = 0; i < 5; i++) {
      const res = await submit('contact', { answers: answers({ email: `p${i}@example.org`, subject: `Q${i}` }) }, ip);
      expect(res.statusCode, res.body).toBe(202);
    }
    const refused = await submit('contact', { answers: answers({ email: 'p9@example.org' }) }, ip);
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.code).toBe('rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);

    // One address from many places.
    for (let i = 0; i < 5; i++)
      expect((await submit('contact', { answers: answers({ email: 'same@example.org' }) }, `192.0.2.${i}`)).statusCode).toBe(202);
    expect((await submit('contact', { answers: answers({ email: 'same@example.org' }) }, '192.0.2.99')).statusCode).toBe(429);

    t.clock.advance({ minutes: 10, seconds: 1 });
    expect((await submit('contact', { answers: answers({ email: 'p9@example.org' }) }, ip)).statusCode).toBe(202);
  });

  test('a body over the limit is 413 in our error shape', async () => {
    const res = await submit('contact', { answers: answers({ message: 'x'.repeat(9000), order: 'y'.repeat(70_000) }) }, '203.0.113.5');
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('payload_too_large');
  });
});

describe('the embeddable page', () => {
  test('renders escaped, may be framed, and has a honeypot', async () => {
    const form = (await admin.as({ url: '/api/forms' })).json().items.find((f: { slug: string }) => f.slug === 'contact');
    await admin.as({ method: 'PATCH', url: `/api/forms/${form.id}`, body: { name: 'Contact <script>alert(1)</script> "us"' } });
    const res = await t.app.inject({ url: '/forms/contact' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['x-frame-options']).toBeUndefined();
    expect(res.headers['content-security-policy']).toContain('frame-ancestors *');
    expect(res.body).not.toContain('<script>alert(1)');
    expect(res.body).toContain('Contact &lt;script&gt;alert(1)&lt;/script&gt; &quot;us&quot;');
    expect(res.body).toContain('name="website"');
    const missing = await t.app.inject({ url: '/forms/nope' });
    expect(missing.statusCode).toBe(404);
    // Everything else still refuses to be framed.
    expect((await t.app.inject({ url: '/api/public/forms/contact' })).headers['x-frame-options']).toBe('DENY');
  });
});
