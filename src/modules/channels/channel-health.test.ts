// Channel health: the silence rule against usual traffic (hand-computed), failed sends making a
// mailbox degraded then down, recovery, and state changes recorded once with a notification; a
// web form is a channel too, its submissions its traffic, its confirmations its mailbox's sends.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestMailbox, deliver, simpleMail, type TestMailbox } from '../../../test/email-helpers.js';
import { startTestApp, type Requester, type TestApp } from '../../../test/helpers.js';
import { sendDueEmails } from '../email/outbound.js';
import { checkChannelHealth, decideState, expectedArrivals } from './channel-health.js';

describe('rules (pure)', () => {
  test('expected arrivals add up the usual rate hour by hour, partial hours pro rata', () => {
    const perHour = Array.from({ length: 168 }, (_, h) => (h % 24 >= 9 && h % 24 < 17 && h < 120 ? 2 : 0));
    // Monday 23 November 2026 (UTC): 08:30 → 11:15 = 0 (08:30–09:00) + 2 + 2 + 0.25 × 2.
    expect(expectedArrivals(perHour, new Date('2026-11-23T08:30:00Z'), new Date('2026-11-23T11:15:00Z'), 'UTC')).toBe(4.5);
    // Friday 17:00 → Saturday 12:00: nothing is usual then.
    expect(expectedArrivals(perHour, new Date('2026-11-27T17:00:00Z'), new Date('2026-11-28T12:00:00Z'), 'UTC')).toBe(0);
  });

  test('down beats degraded beats silent', () => {
    const since = new Date(0);
    expect(decideState({ consecutiveErrors: 5, lastInboundAt: null, expectedSinceInbound: 50, since }).state).toBe('down');
    expect(decideState({ consecutiveErrors: 1, lastInboundAt: null, expectedSinceInbound: 50, since }).state).toBe('degraded');
    expect(decideState({ consecutiveErrors: 0, lastInboundAt: null, expectedSinceInbound: 5, since }).state).toBe('silent');
    expect(decideState({ consecutiveErrors: 0, lastInboundAt: null, expectedSinceInbound: 4.9, since }).state).toBe('ok');
    expect(decideState({ consecutiveErrors: 0, lastInboundAt: null, expectedSinceInbound: null, since }).state).toBe('ok');
  });
});

describe('mailboxes', () => {
  let t: TestApp;
  let admin: { as: Requester };
  let manager: { as: Requester };
  let mailbox: TestMailbox;

  beforeAll(async () => {
    t = await startTestApp({ start: '2026-11-02T09:00:00Z' });
    admin = await t.userWithToken('admin');
    manager = await t.userWithToken('manager');
    // Port 9 on the loopback refuses connections: every send fails quickly.
    mailbox = await createTestMailbox(admin.as, { address: 'care@acme.test', smtp: { host: '127.0.0.1', port: 9, secure: false } });
  });
  afterAll(() => t.close());

  async function health() {
    return (await manager.as({ url: '/api/channels/health' })).json().items[0] as {
      state: string;
      reason: string | null;
      consecutiveErrors: number;
      usualPerHour: number[];
    };
  }

  test('three weeks of office-hours mail make a silent afternoon stand out, but not a quiet weekend', async () => {
    // One message each weekday hour 09:00–16:00 for three weeks (2–20 November, UTC).
    for (let day = 2; day <= 20; day++) {
      const date = new Date(Date.UTC(2026, 10, day));
      if (date.getUTCDay() === 0 || date.getUTCDay() === 6) continue;
      for (let h = 9; h < 17; h++) {
        t.clock.set(new Date(Date.UTC(2026, 10, day, h, 10)));
        await deliver(t, mailbox, simpleMail({ from: `c${day}-${h}@example.org`, to: mailbox.address, subject: `Hello ${day} ${h}` }));
      }
    }
    // Saturday noon: the last mail was Friday 16:10; nothing is usual at the weekend.
    t.clock.set('2026-11-21T12:00:00Z');
    await checkChannelHealth(t.ctx);
    let h = await health();
    expect(h.state).toBe('ok');
    expect(h.usualPerHour[9]).toBe(1); // Monday 09:00: one per hour, three weeks of one each.
    expect(h.usualPerHour[24 * 5 + 9]).toBe(0); // Saturday 09:00.
    // Monday 23rd: mail stops after 09:10. By 14:10 five would usually have come (10–14h): silent.
    t.clock.set('2026-11-23T09:10:00Z');
    await deliver(t, mailbox, simpleMail({ from: 'early@example.org', to: mailbox.address, subject: 'Morning' }));
    t.clock.set('2026-11-23T13:50:00Z');
    await checkChannelHealth(t.ctx);
    expect((await health()).state).toBe('ok');
    t.clock.set('2026-11-23T14:20:00Z');
    expect(await checkChannelHealth(t.ctx)).toEqual({ checked: 1, changed: 1 });
    h = await health();
    expect(h.state).toBe('silent');
    expect(h.reason).toContain('no mail since 2026-11-23T09:10:00.000Z');
    // Checking again changes nothing and records nothing.
    expect(await checkChannelHealth(t.ctx)).toEqual({ checked: 1, changed: 0 });
    // Mail arrives: ok again.
    t.clock.set('2026-11-23T14:30:00Z');
    await deliver(t, mailbox, simpleMail({ from: 'late@example.org', to: mailbox.address, subject: 'Afternoon' }));
    await checkChannelHealth(t.ctx);
    expect((await health()).state).toBe('ok');
  });

  test('failed sends make the mailbox degraded, then down; the history and managers know', async () => {
    const c = await deliver(t, mailbox, simpleMail({ from: 'need@example.org', to: mailbox.address, subject: 'Please answer' }));
    const agent = await t.userWithToken('agent');
    await agent.as({ method: 'POST', url: `/api/cases/${c.caseId}/messages`, body: { kind: 'reply', body: 'On it' } });
    await sendDueEmails(t.ctx);
    await checkChannelHealth(t.ctx);
    expect(await health()).toMatchObject({ state: 'degraded', consecutiveErrors: 1 });
    for (let i = 0; i < 4; i++) {
      t.clock.advance({ minutes: 10 });
      await sendDueEmails(t.ctx);
    }
    await checkChannelHealth(t.ctx);
    expect(await health()).toMatchObject({ state: 'down', consecutiveErrors: 5, reason: '5 sends in a row failed' });
    const events = (await manager.as({ url: `/api/channels/health/mailbox/${mailbox.id}/events` })).json().items;
    expect(events.map((e: { from: string; to: string }) => `${e.from}->${e.to}`)).toEqual([
      'degraded->down',
      'ok->degraded',
      'silent->ok',
      'ok->silent',
    ]);
    const notes = (await manager.as({ url: '/api/notifications?limit=200' }))
      .json()
      .items.filter((n: { kind: string }) => n.kind === 'channel_state');
    expect(notes.map((n: { title: string }) => n.title)[0]).toBe('Mailbox Support 1 is down: 5 sends in a row failed');
    expect((await agent.as({ url: '/api/channels/health' })).statusCode).toBe(403);
  });
});

describe('web forms', () => {
  let t: TestApp;
  let manager: { as: Requester };
  let mailbox: TestMailbox;
  let formId: string;
  let n = 0;

  beforeAll(async () => {
    t = await startTestApp({ start: '2026-11-02T08:00:00Z' });
    const admin = await t.userWithToken('admin');
    manager = await t.userWithToken('manager');
    // The form's confirmations go out from this mailbox, whose relay refuses every connection.
    mailbox = await createTestMailbox(admin.as, { address: 'forms@acme.test', smtp: { host: '127.0.0.1', port: 9, secure: false } });
    const form = await admin.as({
      method: 'POST',
      url: '/api/forms',
      body: {
        name: 'Contact us',
        slug: 'contact',
        mailboxId: mailbox.id,
        fields: [
          { key: 'email', label: 'Email', kind: 'email', required: true },
          { key: 'message', label: 'Message', kind: 'textarea', required: true },
        ],
        confirmationText: 'Thanks.',
      },
    });
    expect(form.statusCode, form.body).toBe(201);
    formId = form.json().id;
  });
  afterAll(() => t.close());

  async function submit() {
    n++;
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/public/forms/contact/submissions',
      payload: { answers: { email: `visitor${n}@example.org`, message: `Question ${n}` } },
      remoteAddress: `198.51.100.${n % 250}`,
    });
    expect(res.statusCode, res.body).toBe(202);
  }

  type Health = { kind: string; id: string; state: string; reason: string | null; address: string | null } & Record<string, unknown>;
  async function healthOf(kind: 'form' | 'mailbox'): Promise<Health> {
    const items = (await manager.as({ url: '/api/channels/health' })).json().items as Health[];
    return items.find((i) => i.kind === kind)!;
  }

  test('a submission is the form’s last inbound; the form is listed as a channel with its page', async () => {
    expect(await healthOf('form')).toMatchObject({ id: formId, state: 'ok', lastInboundAt: null, name: 'Contact us' });
    t.clock.set('2026-11-02T09:10:00Z');
    await submit();
    const h = await healthOf('form');
    expect(h.lastInboundAt).toBe('2026-11-02T09:10:00.000Z');
    expect(h.address).toMatch(/\/forms\/contact$/);
    // The mailbox that sends its confirmations received no mail: its own last inbound is untouched.
    expect((await healthOf('mailbox')).lastInboundAt).toBeNull();
  });

  test('three weeks of office-hours submissions make a silent afternoon stand out; the change is an event and managers are told', async () => {
    for (let day = 2; day <= 20; day++) {
      const date = new Date(Date.UTC(2026, 10, day));
      if (date.getUTCDay() === 0 || date.getUTCDay() === 6) continue;
      for (let h = 9; h < 17; h++) {
        if (day === 2 && h === 9) continue; // submitted by the test above
        t.clock.set(new Date(Date.UTC(2026, 10, day, h, 10)));
        await submit();
      }
    }
    t.clock.set('2026-11-21T12:00:00Z');
    await checkChannelHealth(t.ctx);
    let h = await healthOf('form');
    expect(h.state).toBe('ok');
    expect((h.usualPerHour as number[])[9]).toBe(1);
    // Monday 23rd: one submission at 09:10, then nothing; by 14:20 five would usually have come.
    t.clock.set('2026-11-23T09:10:00Z');
    await submit();
    t.clock.set('2026-11-23T13:50:00Z');
    await checkChannelHealth(t.ctx);
    expect((await healthOf('form')).state).toBe('ok');
    t.clock.set('2026-11-23T14:20:00Z');
    await checkChannelHealth(t.ctx);
    h = await healthOf('form');
    expect(h.state).toBe('silent');
    expect(h.reason).toContain('no submission since 2026-11-23T09:10:00.000Z');
    expect(await checkChannelHealth(t.ctx)).toMatchObject({ changed: 0 });

    const events = (await manager.as({ url: `/api/channels/health/form/${formId}/events` })).json().items;
    expect(events.map((e: { from: string; to: string }) => `${e.from}->${e.to}`)).toEqual(['ok->silent']);
    const notes = (await manager.as({ url: '/api/notifications?limit=200' }))
      .json()
      .items.filter((x: { kind: string }) => x.kind === 'channel_state')
      .map((x: { title: string }) => x.title);
    expect(notes).toContain('Form Contact us is silent: no submission since 2026-11-23T09:10:00.000Z; about 5 would usually have arrived');

    t.clock.set('2026-11-23T14:30:00Z');
    await submit();
    await checkChannelHealth(t.ctx);
    expect((await healthOf('form')).state).toBe('ok');
    const after = (await manager.as({ url: `/api/channels/health/form/${formId}/events` })).json().items;
    expect(after.map((e: { from: string; to: string }) => `${e.from}->${e.to}`)).toEqual(['silent->ok', 'ok->silent']);
    expect((await manager.as({ url: '/api/channels/health/form/00000000-0000-0000-0000-000000000000/events' })).statusCode).toBe(404);
  });

  test('confirmations that cannot be sent count against the sending mailbox, not the form', async () => {
    const sent = await sendDueEmails(t.ctx, undefined, 5);
    expect(sent.sent).toBe(0);
    await checkChannelHealth(t.ctx);
    expect(await healthOf('mailbox')).toMatchObject({ state: 'down', consecutiveErrors: 5 });
    expect(await healthOf('form')).toMatchObject({ state: 'ok', consecutiveErrors: 0 });
  });
});
