// Inbound email threading: which case a message joins, stored exactly once, automated mail that
// changes nothing, loops and floods.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestMailbox, crlf, deliver, postEmail, simpleMail, type TestMailbox } from '../../../test/email-helpers.js';
import { startTestApp, type Requester, type TestApp } from '../../../test/helpers.js';
import { floodMaxNewCases, floodWindowMinutes } from './inbound.service.js';

let t: TestApp;
let admin: Requester;
let agent: Requester;
let box: TestMailbox;
let teamId: string;
let sequence = 0;

beforeAll(async () => {
  t = await startTestApp();
  admin = (await t.userWithToken('admin')).as;
  agent = (await t.userWithToken('agent')).as;
  teamId = (await admin({ method: 'POST', url: '/api/teams', body: { name: 'Inbox team' } })).json().id;
  box = await createTestMailbox(admin, { address: 'support@acme.test', teamId });
});
afterAll(() => t.close());

/** A unique sender address per test, so that customers and floods do not mix. */
function sender(name: string): string {
  sequence += 1;
  return `${name}.${sequence}@example.org`;
}

async function getCase(id: string) {
  const res = await admin({ url: `/api/cases/${id}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

async function messagesOf(caseId: string) {
  return (await admin({ url: `/api/cases/${caseId}/messages` })).json().items as {
    id: string;
    bodyText: string;
    author: { type: string };
  }[];
}

async function eventKinds(caseId: string): Promise<string[]> {
  return (await admin({ url: `/api/cases/${caseId}/events` })).json().items.map((e: { kind: string }) => e.kind);
}

async function solve(caseId: string) {
  const c = await getCase(caseId);
  const res = await admin({ method: 'PATCH', url: `/api/cases/${caseId}`, body: { version: c.version, status: 'solved' } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

async function countMessagesWithId(externalId: string): Promise<number> {
  const row = await t.database.db
    .selectFrom('case_messages')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('external_id', '=', externalId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('a new sender', () => {
  test('opens a new email case for the mailbox team, with the sender as requester', async () => {
    const from = sender('ann');
    const res = await deliver(
      t,
      box,
      simpleMail({ from: `"Ann Smith" <${from}>`, subject: 'My parcel never arrived', messageId: '<first-1@example.org>' }),
    );
    expect(res).toMatchObject({ duplicate: false, threadedBy: 'new_case', automated: null, ignored: null });
    const c = await getCase(res.caseId!);
    expect(c).toMatchObject({
      subject: 'My parcel never arrived',
      channel: 'email',
      status: 'new',
      teamId,
      customerMessageCount: 1,
      requester: { name: 'Ann Smith', email: from },
    });
    const [m] = await messagesOf(c.id);
    expect(m).toMatchObject({ id: res.messageId, bodyText: 'Hello, I need help.', author: { type: 'customer' } });
    expect(await eventKinds(c.id)).toEqual(['created', 'customer_message']);
    const email = (await admin({ url: `/api/cases/${c.id}/messages/${m!.id}/email` })).json();
    expect(email).toMatchObject({
      messageId: 'first-1@example.org',
      direction: 'inbound',
      from: { address: from, name: 'Ann Smith' },
      to: [{ address: 'support@acme.test', name: '' }],
      subject: 'My parcel never arrived',
      autoSubmitted: false,
      threadMatch: 'new_case',
      mailboxId: box.id,
    });
    // The case belongs to the mailbox's team: an agent outside it cannot read its email either.
    expect((await agent({ url: `/api/cases/${c.id}/messages/${m!.id}/email` })).statusCode).toBe(404);
  });
});

describe('threading a reply', () => {
  test('by In-Reply-To', async () => {
    const from = sender('bob');
    const first = await deliver(t, box, simpleMail({ from, subject: 'Broken kettle', messageId: '<kettle-1@example.org>' }));
    const reply = await deliver(
      t,
      box,
      simpleMail({
        from,
        subject: 'Re: Broken kettle',
        messageId: '<kettle-2@example.org>',
        inReplyTo: '<kettle-1@example.org>',
        body: 'Any news?',
      }),
    );
    expect(reply).toMatchObject({ caseId: first.caseId, threadedBy: 'in_reply_to', duplicate: false });
    expect((await messagesOf(first.caseId!)).map((m) => m.bodyText)).toEqual(['Hello, I need help.', 'Any news?']);
    expect((await getCase(first.caseId!)).customerMessageCount).toBe(2);
  });

  test('by References only, from a colleague in copy', async () => {
    const first = await deliver(t, box, simpleMail({ from: sender('carol'), subject: 'Invoice', messageId: '<inv-1@example.org>' }));
    await deliver(
      t,
      box,
      simpleMail({ from: sender('carol'), subject: 'Re: Invoice', messageId: '<inv-2@example.org>', inReplyTo: '<inv-1@example.org>' }),
    );
    const res = await deliver(
      t,
      box,
      simpleMail({
        from: sender('colleague'),
        subject: 'Re: Invoice',
        messageId: '<inv-3@example.org>',
        references: '<unknown@elsewhere.test> <inv-1@example.org> <inv-2@example.org>',
      }),
    );
    expect(res).toMatchObject({ caseId: first.caseId, threadedBy: 'references' });
  });

  test('by a [#number] token in the subject, from the requester', async () => {
    const from = sender('dan');
    const first = await deliver(t, box, simpleMail({ from, subject: 'Login fails' }));
    const number = (await getCase(first.caseId!)).number;
    const res = await deliver(t, box, simpleMail({ from: from.toUpperCase(), subject: `Still failing [#${number}]` }));
    expect(res).toMatchObject({ caseId: first.caseId, threadedBy: 'subject_token' });
  });

  test('by a subject token from another known address of the same customer', async () => {
    const from = sender('erin');
    const first = await deliver(t, box, simpleMail({ from, subject: 'Refund' }));
    const c = await getCase(first.caseId!);
    const work = sender('erin.work');
    const added = await admin({ method: 'POST', url: `/api/customers/${c.requester.id}/identities`, body: { kind: 'email', value: work } });
    expect(added.statusCode, added.body).toBe(201);
    const res = await deliver(t, box, simpleMail({ from: work, subject: `Re: Refund [#${c.number}]` }));
    expect(res).toMatchObject({ caseId: c.id, threadedBy: 'subject_token' });
  });

  test('a subject token from a stranger opens a new case instead', async () => {
    const first = await deliver(t, box, simpleMail({ from: sender('fay'), subject: 'Private matter' }));
    const number = (await getCase(first.caseId!)).number;
    const res = await deliver(t, box, simpleMail({ from: sender('mallory'), subject: `Re: Private matter [#${number}]` }));
    expect(res.threadedBy).toBe('new_case');
    expect(res.caseId).not.toBe(first.caseId);
  });

  test('the same subject without threading headers is a new case', async () => {
    const from = sender('gus');
    const a = await deliver(t, box, simpleMail({ from, subject: 'Question about my order' }));
    const b = await deliver(t, box, simpleMail({ from, subject: 'Question about my order' }));
    expect(b.threadedBy).toBe('new_case');
    expect(b.caseId).not.toBe(a.caseId);
  });

  test('a reply to a case merged into another joins the target', async () => {
    const from = sender('hal');
    const source = await deliver(t, box, simpleMail({ from, subject: 'First', messageId: '<merge-src@example.org>' }));
    const target = await deliver(t, box, simpleMail({ from, subject: 'Second' }));
    const merged = await admin({ method: 'POST', url: `/api/cases/${source.caseId}/merge`, body: { targetId: target.caseId } });
    expect(merged.statusCode, merged.body).toBe(200);
    const sourceNumber = (await getCase(source.caseId!)).number;
    const byToken = await deliver(t, box, simpleMail({ from, subject: `Re: First [#${sourceNumber}]` }));
    expect(byToken.caseId).toBe(target.caseId);
    const byHeader = await deliver(t, box, simpleMail({ from, subject: 'Re: First', inReplyTo: '<merge-src@example.org>' }));
    expect(byHeader.caseId).toBe(target.caseId);
  });
});

describe('exactly once', () => {
  test('the same Message-ID delivered twice is stored once; the second answer is 200 duplicate', async () => {
    const raw = simpleMail({ from: sender('ivy'), subject: 'Twice', messageId: '<twice@example.org>' });
    const first = await deliver(t, box, raw, 201);
    const again = await deliver(t, box, raw, 200);
    expect(again).toMatchObject({ caseId: first.caseId, messageId: first.messageId, duplicate: true, threadedBy: 'new_case' });
    expect(await countMessagesWithId('twice@example.org')).toBe(1);
  });

  test('two concurrent deliveries of one message store it once', async () => {
    const raw = simpleMail({ from: sender('jay'), subject: 'Racing', messageId: '<race@example.org>' });
    const answers = await Promise.all([postEmail(t, box, raw), postEmail(t, box, raw)]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 201]);
    const [a, b] = answers.map((r) => r.json());
    expect(a.caseId).toBe(b.caseId);
    expect(await countMessagesWithId('race@example.org')).toBe(1);
    const cases = await t.database.db.selectFrom('cases').select('id').where('subject', '=', 'Racing').execute();
    expect(cases).toHaveLength(1);
  });

  test('a reply delivered to two of our mailboxes (To and Cc) is stored once', async () => {
    const other = await createTestMailbox(admin, { address: 'sales@acme.test' });
    const raw = simpleMail({
      from: sender('kim'),
      to: 'support@acme.test, sales@acme.test',
      subject: 'Both',
      messageId: '<both@example.org>',
    });
    const first = await deliver(t, box, raw, 201);
    const second = await deliver(t, other, raw, 200);
    expect(second.caseId).toBe(first.caseId);
  });

  test('a message without a Message-ID gets a stable synthetic one from its bytes', async () => {
    const raw = simpleMail({ from: sender('lee'), subject: 'No id', messageId: null });
    const first = await deliver(t, box, raw, 201);
    const again = await deliver(t, box, raw, 200);
    expect(again.messageId).toBe(first.messageId);
    const email = (await admin({ url: `/api/cases/${first.caseId}/messages/${first.messageId}/email` })).json();
    expect(email.messageId).toMatch(/^[0-9a-f]{64}@synthetic\.frontline\.invalid$/);
    const other = await deliver(t, box, raw.replace('No id', 'No id either'), 201);
    expect(other.caseId).not.toBe(first.caseId);
  });
});

describe('the lifecycle', () => {
  test('a real reply to a solved case reopens it', async () => {
    const from = sender('max');
    const first = await deliver(t, box, simpleMail({ from, subject: 'Reopen me', messageId: '<reopen-1@example.org>' }));
    await solve(first.caseId!);
    await deliver(t, box, simpleMail({ from, subject: 'Re: Reopen me', inReplyTo: '<reopen-1@example.org>', body: 'Not fixed.' }));
    const c = await getCase(first.caseId!);
    expect(c).toMatchObject({ status: 'open', reopenCount: 1 });
    expect(await eventKinds(c.id)).toContain('reopened');
  });

  test('an auto-reply to a solved case is recorded on it but does not reopen it', async () => {
    const from = sender('nia');
    const first = await deliver(t, box, simpleMail({ from, subject: 'Thanks', messageId: '<ooo-1@example.org>' }));
    const solved = await solve(first.caseId!);
    const res = await deliver(
      t,
      box,
      simpleMail({
        from,
        subject: 'Automatic reply: Thanks',
        inReplyTo: '<ooo-1@example.org>',
        extraHeaders: ['Auto-Submitted: auto-replied', 'X-Autoreply: yes'],
        body: 'I am out of the office until Monday.',
      }),
    );
    expect(res).toMatchObject({ caseId: first.caseId, automated: 'auto_reply', threadedBy: 'in_reply_to' });
    const c = await getCase(first.caseId!);
    expect(c).toMatchObject({ status: 'solved', reopenCount: 0, customerMessageCount: 1, solvedAt: solved.solvedAt });
    expect((await messagesOf(c.id)).map((m) => m.bodyText)).toContain('I am out of the office until Monday.');
    const kinds = await eventKinds(c.id);
    expect(kinds).toContain('automated_message');
    expect(kinds).not.toContain('reopened');
    const email = (await admin({ url: `/api/cases/${c.id}/messages/${res.messageId}/email` })).json();
    expect(email).toMatchObject({ autoSubmitted: true, automatedKind: 'auto_reply' });
  });

  test('an auto-reply to a closed case opens no follow-up', async () => {
    const from = sender('oli');
    const first = await deliver(t, box, simpleMail({ from, subject: 'Closing', messageId: '<closed-1@example.org>' }));
    const solved = await solve(first.caseId!);
    await admin({ method: 'PATCH', url: `/api/cases/${first.caseId}`, body: { version: solved.version, status: 'closed' } });
    const res = await deliver(
      t,
      box,
      simpleMail({ from, subject: 'Re: Closing', inReplyTo: '<closed-1@example.org>', extraHeaders: ['Precedence: auto_reply'] }),
    );
    expect(res.caseId).toBe(first.caseId);
    expect(await getCase(first.caseId!)).toMatchObject({ status: 'closed' });
    const followUps = await t.database.db.selectFrom('cases').select('id').where('follow_up_of_id', '=', first.caseId!).execute();
    expect(followUps).toHaveLength(0);
  });

  test('an auto-reply that matches no case opens none and is listed for the mailbox', async () => {
    const res = await deliver(
      t,
      box,
      simpleMail({
        from: sender('robot'),
        subject: 'Out of office',
        messageId: '<ooo-unmatched@example.org>',
        extraHeaders: ['Auto-Submitted: auto-generated'],
      }),
      202,
    );
    expect(res).toMatchObject({ caseId: null, messageId: null, ignored: 'automated_unmatched', automated: 'auto_reply' });
    const cases = await t.database.db.selectFrom('cases').select('id').where('subject', '=', 'Out of office').execute();
    expect(cases).toHaveLength(0);
    const ignored = (await admin({ url: `/api/mailboxes/${box.id}/ignored` })).json().items;
    expect(ignored).toContainEqual(expect.objectContaining({ messageId: 'ooo-unmatched@example.org', reason: 'automated_unmatched' }));
    const again = await deliver(t, box, simpleMail({ from: 'x@example.org', subject: 'x', messageId: '<ooo-unmatched@example.org>' }), 200);
    expect(again).toMatchObject({ duplicate: true, ignored: 'automated_unmatched' });
  });
});

describe('bounces and loops', () => {
  function bounceOf(originalMessageId: string, id: string): string {
    return crlf([
      'From: Mail Delivery System <MAILER-DAEMON@mx.example.net>',
      'To: support@acme.test',
      'Subject: Undelivered Mail Returned to Sender',
      `Message-ID: <${id}>`,
      'Auto-Submitted: auto-replied',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="REPORT"',
      '',
      '--REPORT',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      'Your message could not be delivered to nobody@example.org.',
      '--REPORT',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example.net',
      '',
      'Final-Recipient: rfc822; nobody@example.org',
      'Action: failed',
      'Status: 5.1.1',
      '--REPORT',
      'Content-Type: text/rfc822-headers',
      '',
      'From: support@acme.test',
      'Subject: Re: Where is my order',
      `Message-ID: <${originalMessageId}>`,
      '--REPORT--',
      '',
    ]);
  }

  test('a bounce about mail of a case is recorded on that case as a bounce, without a customer author', async () => {
    const from = sender('pia');
    const first = await deliver(t, box, simpleMail({ from, subject: 'Where is my order', messageId: '<order-q@example.org>' }));
    const before = await getCase(first.caseId!);
    const res = await deliver(t, box, bounceOf('order-q@example.org', 'bounce-1@mx.example.net'));
    expect(res).toMatchObject({ caseId: first.caseId, automated: 'bounce', threadedBy: 'report' });
    const after = await getCase(first.caseId!);
    expect(after).toMatchObject({ status: before.status, customerMessageCount: 1 });
    const bounce = (await messagesOf(first.caseId!)).find((m) => m.id === res.messageId);
    expect(bounce).toMatchObject({ author: { type: 'system' } });
    const email = (await admin({ url: `/api/cases/${first.caseId}/messages/${res.messageId}/email` })).json();
    expect(email).toMatchObject({ autoSubmitted: true, automatedKind: 'bounce' });
  });

  test('a bounce that matches nothing opens no case', async () => {
    const res = await deliver(t, box, bounceOf('never-seen@acme.test', 'bounce-2@mx.example.net'), 202);
    expect(res).toMatchObject({ caseId: null, ignored: 'automated_unmatched', automated: 'bounce' });
  });

  test('mail from one of our own mailbox addresses is a loop and opens nothing', async () => {
    const res = await deliver(t, box, simpleMail({ from: 'Support <SUPPORT@acme.test>', subject: 'Echo' }), 202);
    expect(res).toMatchObject({ caseId: null, ignored: 'own_address' });
  });
});

describe('flood control', () => {
  test(`after ${floodMaxNewCases} new cases in ${floodWindowMinutes} minutes, a sender's new threads join their newest open case`, async () => {
    const flooder = await createTestMailbox(admin, { address: 'flood@acme.test' });
    const from = sender('flood');
    const opened: string[] = [];
    for (let i = 0; i < floodMaxNewCases; i++) {
      const res = await deliver(t, flooder, simpleMail({ from, subject: `Flood ${i}` }));
      expect(res.threadedBy).toBe('new_case');
      opened.push(res.caseId!);
      t.clock.advance({ seconds: 10 });
    }
    const extra = await deliver(t, flooder, simpleMail({ from, subject: 'Flood extra' }));
    expect(extra).toMatchObject({ caseId: opened[opened.length - 1], threadedBy: 'flood' });
    // Another sender and the same sender in another mailbox are not affected.
    expect((await deliver(t, flooder, simpleMail({ from: sender('calm'), subject: 'Calm' }))).threadedBy).toBe('new_case');
    expect((await deliver(t, box, simpleMail({ from, subject: 'Elsewhere' }))).threadedBy).toBe('new_case');
    // Once the window has passed, new threads open new cases again.
    t.clock.advance({ minutes: floodWindowMinutes + 1 });
    expect((await deliver(t, flooder, simpleMail({ from, subject: 'Later' }))).threadedBy).toBe('new_case');
  });
});
