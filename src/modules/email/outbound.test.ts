// Outbound email against a real SMTP server (smtp-server on a local port): replies carry our
// Message-ID, In-Reply-To, References and the case token; the customer's answer threads back;
// temporary failures retry with backoff until they give up; a failed send shows on the case and
// can be retried; staff notifications go out from the mailbox marked for them; a reply on a case a
// web form or the portal opened is emailed from the form's mailbox, else the team's, threaded
// under the form's confirmation, and the customer's answer threads back.
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestMailbox, deliver, simpleMail, type TestMailbox } from '../../../test/email-helpers.js';
import { startTestApp, type Requester, type TestApp } from '../../../test/helpers.js';
import { replySubject, sendDueEmails } from './outbound.js';

let t: TestApp;
let admin: { as: Requester };
let agent: { as: Requester; user: { id: string } };
let manager: { as: Requester; user: { email: string } };
let mailbox: TestMailbox;
let smtp: SMTPServer;
const received: ParsedMail[] = [];
/** What the server answers to RCPT TO: accept, or an SMTP error code. */
let refuseWith: number | null = null;

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(_address, _session, callback) {
      if (refuseWith === null) return callback();
      const err = Object.assign(new Error(refuseWith >= 500 ? 'mailbox unavailable' : 'try again later'), { responseCode: refuseWith });
      callback(err);
    },
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          received.push(mail);
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const port = (smtp.server.address() as AddressInfo).port;
  t = await startTestApp({ start: '2026-11-23T09:00:00Z' });
  admin = await t.userWithToken('admin');
  agent = await t.userWithToken('agent');
  manager = await t.userWithToken('manager');
  mailbox = await createTestMailbox(admin.as, { address: 'help@acme.test', smtp: { host: '127.0.0.1', port, secure: false } });
});
afterAll(async () => {
  await t.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

async function deliveries(caseId: string) {
  return (await agent.as({ url: `/api/cases/${caseId}/email-deliveries` })).json().items as {
    id: string;
    status: string;
    attempts: number;
    lastError: string | null;
    nextAttemptAt: string | null;
  }[];
}

async function reply(caseId: string, body: string) {
  const res = await agent.as({ method: 'POST', url: `/api/cases/${caseId}/messages`, body: { kind: 'reply', body } });
  expect(res.statusCode, res.body).toBe(201);
}

test('subjects: one "Re:", one token', () => {
  expect(replySubject('Broken kettle', 1042)).toBe('Re: Broken kettle [#1042]');
  expect(replySubject('RE: Aw: Broken kettle [#1042]', 1042)).toBe('Re: Broken kettle [#1042]');
});

describe('a reply on an email case', () => {
  let caseId: string;

  test('goes out with our Message-ID, In-Reply-To, References and the case token; the answer threads back', async () => {
    const first = await deliver(
      t,
      mailbox,
      simpleMail({
        from: 'Gail <gail@example.org>',
        to: 'help@acme.test',
        subject: 'Broken kettle',
        messageId: '<k1@example.org>',
        references: '<k0@example.org>',
      }),
    );
    caseId = first.caseId!;
    await reply(caseId, 'Sorry to hear that. A replacement is on its way.');
    expect((await deliveries(caseId)).map((d) => d.status)).toEqual(['queued']);
    expect(await sendDueEmails(t.ctx)).toEqual({ sent: 1, retried: 0, failed: 0 });
    expect(received).toHaveLength(1);
    const mail = received[0]!;
    const number = (await agent.as({ url: `/api/cases/${caseId}` })).json().number;
    expect(mail.subject).toBe(`Re: Broken kettle [#${number}]`);
    expect(mail.to && 'text' in mail.to ? mail.to.text : '').toBe('gail@example.org');
    expect(mail.from?.value[0]?.address).toBe('help@acme.test');
    expect(mail.inReplyTo).toBe('<k1@example.org>');
    expect(mail.references).toEqual(['<k0@example.org>', '<k1@example.org>']);
    expect(mail.messageId).toMatch(/^<[0-9a-f-]{36}@acme\.test>$/);
    expect(mail.text?.trim()).toBe('Sorry to hear that. A replacement is on its way.');
    expect((await deliveries(caseId))[0]).toMatchObject({ status: 'sent', attempts: 1 });

    // The customer answers our message: In-Reply-To finds the case.
    const answer = await deliver(
      t,
      mailbox,
      simpleMail({
        from: 'gail@example.org',
        to: 'help@acme.test',
        subject: 'Re: Broken kettle',
        inReplyTo: mail.messageId!,
        body: 'Thanks!',
      }),
    );
    expect(answer).toMatchObject({ caseId, threadedBy: 'in_reply_to' });
  });

  test('temporary failures retry with doubling waits, then fail on the case; retrying by hand sends it', async () => {
    refuseWith = 451;
    await reply(caseId, 'Your replacement ships today.');
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      const r = await sendDueEmails(t.ctx);
      const [d] = (await deliveries(caseId)).filter((x) => x.status !== 'sent');
      if (attempt < 5) {
        expect(r).toEqual({ sent: 0, retried: 1, failed: 0 });
        expect(d).toMatchObject({ status: 'queued', attempts: attempt });
        expect(d!.lastError).toContain('try again later');
        waits.push((Date.parse(d!.nextAttemptAt!) - t.clock.now().getTime()) / 1000);
        // Not due yet: nothing is sent before the wait is over.
        expect(await sendDueEmails(t.ctx)).toEqual({ sent: 0, retried: 0, failed: 0 });
        t.clock.set(d!.nextAttemptAt!);
      } else {
        expect(r).toEqual({ sent: 0, retried: 0, failed: 1 });
        expect(d).toMatchObject({ status: 'failed', attempts: 5 });
      }
    }
    expect(waits).toEqual([30, 60, 120, 240]);
    const events = (await agent.as({ url: `/api/cases/${caseId}/events` })).json().items as { kind: string; after: { attempts: number } }[];
    expect(events.filter((e) => e.kind === 'email_send_failed').map((e) => e.after.attempts)).toEqual([5]);

    refuseWith = null;
    const failed = (await deliveries(caseId)).find((d) => d.status === 'failed')!;
    const retried = await agent.as({ method: 'POST', url: `/api/cases/${caseId}/email-deliveries/${failed.id}/retry` });
    expect(retried.statusCode, retried.body).toBe(200);
    expect(await sendDueEmails(t.ctx)).toEqual({ sent: 1, retried: 0, failed: 0 });
    expect(received.at(-1)!.text?.trim()).toBe('Your replacement ships today.');
    const again = await agent.as({ method: 'POST', url: `/api/cases/${caseId}/email-deliveries/${failed.id}/retry` });
    expect(again.statusCode).toBe(409);
  });

  test('a permanent refusal fails at once', async () => {
    refuseWith = 550;
    await reply(caseId, 'One more thing.');
    expect(await sendDueEmails(t.ctx)).toEqual({ sent: 0, retried: 0, failed: 1 });
    refuseWith = null;
  });
});

test('a reply on a case that did not come by email sends nothing', async () => {
  const c = (
    await agent.as({
      method: 'POST',
      url: '/api/cases',
      body: { subject: 'Phone call', channel: 'phone', requester: { email: 'hal@example.org' } },
    })
  ).json();
  await reply(c.id, 'As discussed on the phone.');
  expect(await deliveries(c.id)).toEqual([]);
  expect(await replyRoute(c.id)).toEqual({
    by: 'not_emailed',
    reason: 'the case came by phone, not by email, web form or portal; the customer reads replies in the portal',
  });
});

async function replyRoute(caseId: string) {
  const res = await agent.as({ url: `/api/cases/${caseId}/email-deliveries` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().replyRoute as Record<string, unknown>;
}

describe('a reply on a case a web form or the portal opened', () => {
  let formsMailbox: TestMailbox;
  let teamMailbox: TestMailbox;
  let teamId: string;
  let port: number;
  const fields = [
    { key: 'email', label: 'Email', kind: 'email', required: true },
    { key: 'subject', label: 'Subject', kind: 'text', required: true },
    { key: 'message', label: 'Message', kind: 'textarea', required: true },
  ];
  let ip = 0;

  beforeAll(async () => {
    port = (smtp.server.address() as AddressInfo).port;
    formsMailbox = await createTestMailbox(admin.as, { address: 'forms@acme.test', smtp: { host: '127.0.0.1', port, secure: false } });
    teamId = (await admin.as({ method: 'POST', url: '/api/teams', body: { name: 'Web desk' } })).json().id;
    // A team mailbox without SMTP settings comes after the one that can send.
    await createTestMailbox(admin.as, { address: 'web-old@acme.test', teamId });
    teamMailbox = await createTestMailbox(admin.as, { address: 'web@acme.test', teamId, smtp: { host: '127.0.0.1', port, secure: false } });
    const member = await admin.as({ method: 'PUT', url: `/api/teams/${teamId}/members/${agent.user.id}`, body: { membership: 'member' } });
    expect(member.statusCode, member.body).toBeLessThan(300);
  });

  async function form(slug: string, body: Record<string, unknown>) {
    const res = await admin.as({
      method: 'POST',
      url: '/api/forms',
      body: { name: slug, slug, fields, confirmationText: 'Got it.', ...body },
    });
    expect(res.statusCode, res.body).toBe(201);
  }

  async function submit(slug: string, email: string, subject: string): Promise<{ id: string; number: number }> {
    ip++;
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/public/forms/${slug}/submissions`,
      payload: { answers: { email, subject, message: 'Please help.' } },
      remoteAddress: `192.0.2.${ip}`,
    });
    expect(res.statusCode, res.body).toBe(202);
    const row = await t.database.db.selectFrom('cases').select(['id', 'number']).where('subject', '=', subject).executeTakeFirstOrThrow();
    return { id: row.id, number: Number(row.number) };
  }

  test('goes out from the form’s mailbox, answering its confirmation; the customer’s answer threads back', async () => {
    await form('contact', { mailboxId: formsMailbox.id, teamId });
    const c = await submit('contact', 'Jo@Example.org', 'Refund please');
    expect(await sendDueEmails(t.ctx)).toMatchObject({ sent: 1 });
    const confirmation = received.at(-1)!;
    expect(confirmation.subject).toBe(`Refund please [#${c.number}]`);

    // The form's mailbox, though the team has one of its own.
    expect(await replyRoute(c.id)).toEqual({
      by: 'email',
      mailboxId: formsMailbox.id,
      from: 'forms@acme.test',
      to: 'jo@example.org',
      via: 'form',
    });
    await reply(c.id, 'Your refund is on its way.');
    expect((await deliveries(c.id)).map((d) => d.status)).toEqual(['queued']);
    expect(await sendDueEmails(t.ctx)).toEqual({ sent: 1, retried: 0, failed: 0 });
    const mail = received.at(-1)!;
    expect(mail.subject).toBe(`Re: Refund please [#${c.number}]`);
    expect(mail.from?.value[0]?.address).toBe('forms@acme.test');
    expect(mail.to && 'text' in mail.to ? mail.to.text : '').toBe('jo@example.org');
    expect(mail.inReplyTo).toBe(confirmation.messageId);
    expect(mail.references).toBe(confirmation.messageId);
    expect(mail.messageId).toMatch(/^<[0-9a-f-]{36}@acme\.test>$/);
    expect(mail.text?.trim()).toBe('Your refund is on its way.');

    // The customer answers by email, with a subject of their own: In-Reply-To finds the case.
    const answer = await deliver(
      t,
      formsMailbox,
      simpleMail({
        from: 'jo@example.org',
        to: 'forms@acme.test',
        subject: 'thanks',
        inReplyTo: mail.messageId!,
        body: 'Received, thanks!',
      }),
    );
    expect(answer).toMatchObject({ caseId: c.id, threadedBy: 'in_reply_to' });
    // The next reply follows the email thread.
    expect(await replyRoute(c.id)).toMatchObject({ by: 'email', mailboxId: formsMailbox.id, via: 'thread' });
  });

  test('a form without a mailbox: a mailbox of the case’s team (one that can send), not threaded under anything', async () => {
    await form('no-mailbox', { teamId });
    const c = await submit('no-mailbox', 'kim@example.org', 'Where is it?');
    expect(await replyRoute(c.id)).toMatchObject({ by: 'email', mailboxId: teamMailbox.id, from: 'web@acme.test', via: 'team' });
    await reply(c.id, 'It ships tomorrow.');
    expect(await sendDueEmails(t.ctx)).toEqual({ sent: 1, retried: 0, failed: 0 });
    const mail = received.at(-1)!;
    expect(mail.from?.value[0]?.address).toBe('web@acme.test');
    expect(mail.to && 'text' in mail.to ? mail.to.text : '').toBe('kim@example.org');
    expect(mail.subject).toBe(`Re: Where is it? [#${c.number}]`);
    expect(mail.inReplyTo).toBeUndefined();
    const answer = await deliver(
      t,
      teamMailbox,
      simpleMail({ from: 'kim@example.org', to: 'web@acme.test', subject: 'Re: it', references: mail.messageId!, body: 'Great' }),
    );
    expect(answer).toMatchObject({ caseId: c.id, threadedBy: 'references' });
  });

  test('no mailbox anywhere: the reply stays on the case and in the portal, and the delivery status says so', async () => {
    await form('nowhere', {});
    const c = await submit('nowhere', 'lee@example.org', 'Nobody to send');
    const before = received.length;
    await reply(c.id, 'Answered in the portal.');
    expect(await sendDueEmails(t.ctx)).toEqual({ sent: 0, retried: 0, failed: 0 });
    expect(received.length).toBe(before);
    expect(await deliveries(c.id)).toEqual([]);
    expect(await replyRoute(c.id)).toEqual({
      by: 'not_emailed',
      reason: 'no mailbox can send it (the form has none, nor has the case’s team); the customer reads replies in the portal',
    });
    const messages = (await agent.as({ url: `/api/cases/${c.id}/messages` })).json().items as { kind: string; bodyText: string }[];
    expect(messages.filter((m) => m.kind === 'reply').map((m) => m.bodyText)).toEqual(['Answered in the portal.']);
  });

  test('a portal case is emailed from its team’s mailbox', async () => {
    const c = (
      await agent.as({
        method: 'POST',
        url: '/api/cases',
        body: { subject: 'Asked in the portal', channel: 'portal', teamId, requester: { email: 'max@example.org' } },
      })
    ).json();
    expect(await replyRoute(c.id)).toMatchObject({ by: 'email', mailboxId: teamMailbox.id, to: 'max@example.org', via: 'team' });
    await reply(c.id, 'Here is your answer.');
    expect(await sendDueEmails(t.ctx)).toEqual({ sent: 1, retried: 0, failed: 0 });
    expect(received.at(-1)!.subject).toBe(`Re: Asked in the portal [#${c.number}]`);
  });
});

test('staff notifications are emailed from the mailbox marked for them', async () => {
  const before = received.length;
  const c = (
    await agent.as({ method: 'POST', url: '/api/cases', body: { subject: 'Angry customer', requester: { email: 'ivy@example.org' } } })
  ).json();
  // Not marked yet: the escalation notifies in the app only.
  await agent.as({ method: 'POST', url: `/api/cases/${c.id}/escalate`, body: { reason: 'first' } });
  expect(await sendDueEmails(t.ctx)).toEqual({ sent: 0, retried: 0, failed: 0 });
  const patched = await admin.as({ method: 'PATCH', url: `/api/mailboxes/${mailbox.id}`, body: { notifyStaff: true } });
  expect(patched.json().notifyStaff).toBe(true);
  await agent.as({ method: 'POST', url: `/api/cases/${c.id}/escalate`, body: { reason: 'Threatens to leave' } });
  expect(await sendDueEmails(t.ctx)).toMatchObject({ sent: 1 });
  const mail = received.at(-1)!;
  expect(received.length).toBe(before + 1);
  expect(mail.to && 'text' in mail.to ? mail.to.text : '').toBe(manager.user.email);
  expect(mail.subject).toBe(`[Frontline] Case #${c.number} escalated: Threatens to leave`);
  expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
});
