// Macros and canned replies: who sees and manages which, what is checked when one is saved, and
// applying one to a case (all of it in one transaction, with its events).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type Requester, type TestApp } from '../../../test/helpers.js';

type User = { as: Requester; user: { id: string; name: string; email: string } };
let t: TestApp;
let agent: User;
let otherAgent: User;
let manager: User;

beforeAll(async () => {
  t = await startTestApp();
  agent = await t.userWithToken('agent');
  otherAgent = await t.userWithToken('agent');
  manager = await t.userWithToken('manager');
});
afterAll(() => t.close());

async function saveMacro(as: Requester, body: Record<string, unknown>) {
  const res = await as({ method: 'POST', url: '/api/macros', body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function openCase(extra: Record<string, unknown> = {}) {
  const res = await agent.as({
    method: 'POST',
    url: '/api/cases',
    body: {
      subject: 'Refund for order 77',
      requester: { email: 'ann.smith@example.com', name: 'Ann Marie Smith' },
      message: { body: 'Where is my refund?' },
      ...extra,
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function eventsOf(caseId: string) {
  return (await manager.as({ url: `/api/cases/${caseId}/events` })).json().items as { kind: string; before: unknown; after: unknown }[];
}

async function messagesOf(caseId: string) {
  return (await manager.as({ url: `/api/cases/${caseId}/messages` })).json().items as { kind: string; bodyText: string }[];
}

async function listNames(as: Requester): Promise<string[]> {
  return (await as({ url: '/api/macros' })).json().items.map((m: { name: string }) => m.name);
}

describe('managing macros', () => {
  test('agents keep personal macros; shared ones need cases.configure', async () => {
    const mine = await saveMacro(agent.as, { name: 'My thanks', replyBody: 'Thanks {{customer.first_name}}!' });
    expect(mine).toMatchObject({ ownerId: agent.user.id, replyKind: 'reply', actions: {}, active: true, description: null });
    const denied = await agent.as({
      method: 'POST',
      url: '/api/macros',
      body: { name: 'For all', shared: true, actions: { priority: 'high' } },
    });
    expect(denied.statusCode).toBe(403);
    const shared = await saveMacro(manager.as, { name: 'Escalate', shared: true, actions: { priority: 'urgent', addTags: ['Escalated'] } });
    expect(shared).toMatchObject({ ownerId: null, actions: { priority: 'urgent', addTags: ['escalated'] } });

    expect(await listNames(agent.as)).toEqual(expect.arrayContaining(['My thanks', 'Escalate']));
    expect(await listNames(otherAgent.as)).toContain('Escalate');
    expect(await listNames(otherAgent.as)).not.toContain('My thanks');
    // Managers do not see agents' personal macros either.
    expect(await listNames(manager.as)).not.toContain('My thanks');
  });

  test("someone else's personal macro is not found; a shared one cannot be changed without cases.configure", async () => {
    const mine = await saveMacro(agent.as, { name: 'Private', replyBody: 'hi' });
    for (const req of [
      { method: 'PATCH', url: `/api/macros/${mine.id}`, body: { name: 'Stolen' } },
      { method: 'DELETE', url: `/api/macros/${mine.id}` },
    ]) {
      expect((await otherAgent.as(req)).statusCode).toBe(404);
      expect((await manager.as(req)).statusCode).toBe(404);
    }
    const shared = await saveMacro(manager.as, { name: 'Shared one', shared: true, replyBody: 'hello' });
    expect((await agent.as({ method: 'PATCH', url: `/api/macros/${shared.id}`, body: { name: 'Mine now' } })).statusCode).toBe(403);
    expect((await agent.as({ method: 'DELETE', url: `/api/macros/${shared.id}` })).statusCode).toBe(403);
    // Making a personal macro shared is configuration too.
    expect((await agent.as({ method: 'PATCH', url: `/api/macros/${mine.id}`, body: { shared: true } })).statusCode).toBe(403);
    const renamed = await agent.as({ method: 'PATCH', url: `/api/macros/${mine.id}`, body: { name: 'Private 2', description: 'for me' } });
    expect(renamed.json()).toMatchObject({ name: 'Private 2', description: 'for me', ownerId: agent.user.id });
    expect((await agent.as({ method: 'DELETE', url: `/api/macros/${mine.id}` })).statusCode).toBe(204);
    expect((await agent.as({ method: 'DELETE', url: `/api/macros/${mine.id}` })).statusCode).toBe(404);
    expect((await manager.as({ method: 'DELETE', url: `/api/macros/${shared.id}` })).statusCode).toBe(204);
  });

  test('read-only roles list macros but cannot save or apply them; back office cannot list them', async () => {
    const executive = await t.userWithToken('executive');
    expect((await executive.as({ url: '/api/macros' })).statusCode).toBe(200);
    expect((await executive.as({ method: 'POST', url: '/api/macros', body: { name: 'x', replyBody: 'y' } })).statusCode).toBe(403);
    expect((await (await t.userWithToken('back_office')).as({ url: '/api/macros' })).statusCode).toBe(403);
  });

  test('unknown placeholders are refused when saving, listing each', async () => {
    const res = await agent.as({
      method: 'POST',
      url: '/api/macros',
      body: { name: 'Typo', replyBody: 'Hi {{customer.firstname}}, ticket {{ ticket.id }} from {{agent.name}}' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'validation_failed',
      details: { field: 'replyBody', unknown: ['customer.firstname', 'ticket.id'] },
    });
    expect(res.json().error.message).toContain('{{customer.firstname}}');
    const ok = await saveMacro(agent.as, { name: 'Fixed', replyBody: 'Hi {{ customer.first_name }}' });
    const patch = await agent.as({ method: 'PATCH', url: `/api/macros/${ok.id}`, body: { replyBody: 'Hi {{customer.first_name}' } });
    expect(patch.statusCode).toBe(400);
    expect(patch.json().error.details).toMatchObject({ unclosed: true });
  });

  test('a macro must do something, and what it does must make sense', async () => {
    const bad = async (body: Record<string, unknown>) => {
      const res = await agent.as({ method: 'POST', url: '/api/macros', body: { name: 'Bad', ...body } });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      return res.json().error;
    };
    expect((await bad({})).details).toMatchObject({ field: 'actions' });
    expect((await bad({ actions: {}, replyBody: '   ' })).details).toMatchObject({ field: 'actions' });
    expect((await bad({ actions: { addTags: ['vip'], removeTags: ['VIP'] } })).details).toMatchObject({ tags: ['vip'] });
    expect((await bad({ actions: { teamId: '00000000-0000-4000-8000-000000000000' } })).details).toMatchObject({ field: 'teamId' });
    expect((await bad({ actions: { assigneeId: '00000000-0000-4000-8000-000000000000' } })).details).toMatchObject({ field: 'assigneeId' });
    await bad({ actions: { status: 'closed' } });
    await bad({ actions: { status: 'new' } });
    await bad({ actions: { colour: 'red' } });
    await bad({ name: '', replyBody: 'x' });
    const m = await saveMacro(agent.as, { name: 'Reply only', replyBody: 'x' });
    const emptied = await agent.as({ method: 'PATCH', url: `/api/macros/${m.id}`, body: { replyBody: null } });
    expect(emptied.statusCode).toBe(400);
  });

  test('the list can be limited to active macros', async () => {
    const m = await saveMacro(agent.as, { name: 'Old one', replyBody: 'bye' });
    await agent.as({ method: 'PATCH', url: `/api/macros/${m.id}`, body: { active: false } });
    const active = (await agent.as({ url: '/api/macros?active=true' })).json().items.map((x: { id: string }) => x.id);
    const all = (await agent.as({ url: '/api/macros' })).json().items.map((x: { id: string }) => x.id);
    expect(active).not.toContain(m.id);
    expect(all).toContain(m.id);
  });
});

describe('previewing a macro', () => {
  test('renders the reply for this case and agent and lists what would change, without changing anything', async () => {
    const c = await openCase({ tags: ['billing', 'old'] });
    const m = await saveMacro(agent.as, {
      name: 'Refund done',
      actions: { status: 'pending', priority: 'normal', assigneeId: 'me', addTags: ['refund', 'billing'], removeTags: ['old', 'absent'] },
      replyBody:
        'Hi {{customer.first_name}}, case {{case.number}} ({{case.subject}}) is now {{case.status}}. {{agent.first_name}} <{{agent.email}}>',
    });
    const res = await agent.as({ url: `/api/cases/${c.id}/macros/${m.id}/preview` });
    expect(res.statusCode, res.body).toBe(200);
    const agentFirst = agent.user.name.split(' ')[0];
    expect(res.json()).toEqual({
      replyBody: `Hi Ann, case ${c.number} (Refund for order 77) is now pending. ${agentFirst} <${agent.user.email}>`,
      replyKind: 'reply',
      changes: { status: 'pending', assigneeId: agent.user.id, addTags: ['refund'], removeTags: ['old'] },
    });
    const after = (await agent.as({ url: `/api/cases/${c.id}` })).json();
    expect(after.version).toBe(c.version);
    expect(await messagesOf(c.id)).toHaveLength(1);
  });
});

describe('applying a macro', () => {
  test('changes the fields and adds the reply in one action, with a macro_applied event', async () => {
    const c = await openCase();
    const m = await saveMacro(manager.as, {
      name: 'Waiting for receipt',
      shared: true,
      actions: { status: 'pending', priority: 'high', type: 'complaint', assigneeId: 'me', addTags: ['needs_receipt'] },
      replyBody: 'Hi {{customer.first_name}}, please send the receipt for case #{{case.number}}. Status: {{case.status}}.',
    });
    const res = await agent.as({ method: 'POST', url: `/api/cases/${c.id}/macros/${m.id}/apply`, body: { version: c.version } });
    expect(res.statusCode, res.body).toBe(200);
    const { case: after, message } = res.json();
    expect(after).toMatchObject({
      status: 'pending',
      priority: 'high',
      type: 'complaint',
      assigneeId: agent.user.id,
      tags: ['needs_receipt'],
      publicReplyCount: 1,
    });
    expect(message).toMatchObject({
      kind: 'reply',
      bodyText: `Hi Ann, please send the receipt for case #${c.number}. Status: pending.`,
      author: { type: 'user', id: agent.user.id },
    });
    const events = await eventsOf(c.id);
    const kinds = events.map((e) => e.kind).slice(2);
    expect(kinds).toEqual([
      'macro_applied',
      'type_changed',
      'priority_changed',
      'tags_changed',
      'assignment_changed',
      'public_reply',
      'status_changed',
    ]);
    expect(events.find((e) => e.kind === 'macro_applied')?.after).toEqual({ macroId: m.id, name: 'Waiting for receipt' });
    // Reply and pending are one change, not new → open → pending.
    expect(events.filter((e) => e.kind === 'status_changed').map((e) => e.after)).toEqual([{ status: 'pending' }]);
  });

  test('a canned reply (no actions) answers the case; a new case becomes open, as with a hand-written reply', async () => {
    const c = await openCase();
    const m = await saveMacro(agent.as, { name: 'Ack', replyBody: 'We are on it ({{case.status}}).' });
    const res = await agent.as({ method: 'POST', url: `/api/cases/${c.id}/macros/${m.id}/apply` });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().case.status).toBe('open');
    expect(res.json().message.bodyText).toBe('We are on it (open).');
  });

  test('a note macro adds an internal note; a macro without a reply answers message null', async () => {
    const c = await openCase();
    const note = await saveMacro(agent.as, {
      name: 'Note',
      replyBody: 'Checked by {{agent.name}}',
      replyKind: 'note',
      actions: { status: 'on_hold' },
    });
    const noted = (await agent.as({ method: 'POST', url: `/api/cases/${c.id}/macros/${note.id}/apply`, body: {} })).json();
    expect(noted.message).toMatchObject({ kind: 'note', bodyText: `Checked by ${agent.user.name}` });
    expect(noted.case).toMatchObject({ status: 'on_hold', publicReplyCount: 0 });
    const tagOnly = await saveMacro(agent.as, { name: 'Tag', actions: { addTags: ['vip'], status: 'open' } });
    const tagged = (await agent.as({ method: 'POST', url: `/api/cases/${c.id}/macros/${tagOnly.id}/apply`, body: {} })).json();
    expect(tagged.message).toBeNull();
    expect(tagged.case).toMatchObject({ tags: ['vip'], status: 'open' });
    expect((await messagesOf(c.id)).map((x) => x.kind)).toEqual(['customer', 'note']);
  });

  test('a stale version is a conflict and changes nothing', async () => {
    const c = await openCase();
    await agent.as({ method: 'PATCH', url: `/api/cases/${c.id}`, body: { version: c.version, priority: 'low' } });
    const m = await saveMacro(agent.as, { name: 'Stale', actions: { priority: 'urgent' }, replyBody: 'x' });
    const res = await agent.as({ method: 'POST', url: `/api/cases/${c.id}/macros/${m.id}/apply`, body: { version: c.version } });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.details).toEqual({ currentVersion: c.version + 1, yourVersion: c.version });
    expect((await agent.as({ url: `/api/cases/${c.id}` })).json().priority).toBe('low');
    expect((await eventsOf(c.id)).some((e) => e.kind === 'macro_applied')).toBe(false);
    expect(await messagesOf(c.id)).toHaveLength(1);
  });

  test('two agents applying against the same version: one wins, the other gets 409', async () => {
    const c = await openCase();
    const m = await saveMacro(manager.as, { name: 'Race', shared: true, actions: { addTags: ['raced'] }, replyBody: 'Raced' });
    const apply = (as: Requester) => as({ method: 'POST', url: `/api/cases/${c.id}/macros/${m.id}/apply`, body: { version: c.version } });
    const results = await Promise.all([apply(agent.as), apply(otherAgent.as)]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect((await messagesOf(c.id)).filter((x) => x.kind === 'reply')).toHaveLength(1);
    expect((await eventsOf(c.id)).filter((e) => e.kind === 'macro_applied')).toHaveLength(1);
  });

  test('when the reply fails, the field changes roll back too', async () => {
    // The customer has no email, so this reply renders empty and is refused.
    const c = await openCase({ requester: { phone: '+44 20 7946 0000', name: 'Phone Only' } });
    const m = await saveMacro(agent.as, {
      name: 'Email them',
      actions: { priority: 'urgent', addTags: ['x'] },
      replyBody: '{{customer.email}}',
    });
    const res = await agent.as({ method: 'POST', url: `/api/cases/${c.id}/macros/${m.id}/apply` });
    expect(res.statusCode).toBe(400);
    const now = (await agent.as({ url: `/api/cases/${c.id}` })).json();
    expect(now).toMatchObject({ priority: 'normal', tags: [], version: c.version });
    expect((await eventsOf(c.id)).map((e) => e.kind)).toEqual(['created', 'customer_message']);
  });

  test('a required custom field blocks a solving macro, leaving the case as it was', async () => {
    const field = await manager.as({
      method: 'POST',
      url: '/api/custom-fields',
      body: { key: 'reason', label: 'Reason', kind: 'text', required: true },
    });
    expect(field.statusCode, field.body).toBe(201);
    try {
      const c = await openCase();
      const m = await saveMacro(agent.as, { name: 'Solve', actions: { status: 'solved', priority: 'low' }, replyBody: 'Solved!' });
      const res = await agent.as({ method: 'POST', url: `/api/cases/${c.id}/macros/${m.id}/apply` });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.details).toEqual({ missing: ['reason'] });
      expect((await agent.as({ url: `/api/cases/${c.id}` })).json()).toMatchObject({ status: 'new', priority: 'normal' });
      const set = await agent.as({
        method: 'PATCH',
        url: `/api/cases/${c.id}`,
        body: { version: c.version, customFields: { reason: 'ok' } },
      });
      const solved = await agent.as({
        method: 'POST',
        url: `/api/cases/${c.id}/macros/${m.id}/apply`,
        body: { version: set.json().version },
      });
      expect(solved.statusCode, solved.body).toBe(200);
      expect(solved.json().case).toMatchObject({ status: 'solved', priority: 'low' });
    } finally {
      await manager.as({ method: 'PATCH', url: `/api/custom-fields/${field.json().id}`, body: { required: false } });
    }
  });

  test('inactive macros, closed cases and cases outside your teams cannot take a macro', async () => {
    const m = await saveMacro(agent.as, { name: 'Bump', actions: { priority: 'high' } });
    await agent.as({ method: 'PATCH', url: `/api/macros/${m.id}`, body: { active: false } });
    const c = await openCase();
    expect((await agent.as({ method: 'POST', url: `/api/cases/${c.id}/macros/${m.id}/apply` })).statusCode).toBe(409);
    await agent.as({ method: 'PATCH', url: `/api/macros/${m.id}`, body: { active: true } });

    const solved = await agent.as({ method: 'PATCH', url: `/api/cases/${c.id}`, body: { version: c.version, status: 'solved' } });
    await agent.as({ method: 'PATCH', url: `/api/cases/${c.id}`, body: { version: solved.json().version, status: 'closed' } });
    const closed = await agent.as({ method: 'POST', url: `/api/cases/${c.id}/macros/${m.id}/apply` });
    expect(closed.statusCode).toBe(409);

    const team = (await manager.as({ method: 'POST', url: '/api/teams', body: { name: 'Elsewhere' } })).json();
    const theirs = await openCase({ teamId: team.id });
    const outside = await otherAgent.as({ method: 'POST', url: `/api/cases/${theirs.id}/macros/${m.id}/apply` });
    // The macro is not otherAgent's, so it is missing; a shared one meets the case scope instead.
    expect(outside.statusCode).toBe(404);
    const shared = await saveMacro(manager.as, { name: 'Shared bump', shared: true, actions: { priority: 'high' } });
    expect((await otherAgent.as({ method: 'POST', url: `/api/cases/${theirs.id}/macros/${shared.id}/apply` })).statusCode).toBe(404);
    expect((await otherAgent.as({ url: `/api/cases/${theirs.id}/macros/${shared.id}/preview` })).statusCode).toBe(404);
    expect((await agent.as({ method: 'POST', url: `/api/cases/${theirs.id}/macros/${shared.id}/apply` })).statusCode).toBe(404);
    expect((await manager.as({ method: 'POST', url: `/api/cases/${theirs.id}/macros/${shared.id}/apply` })).statusCode).toBe(200);
  });

  test('a macro that hands the case to a team the agent is not in still adds its note', async () => {
    const billing = (await manager.as({ method: 'POST', url: '/api/teams', body: { name: 'Billing desk' } })).json();
    const c = await openCase();
    const m = await saveMacro(agent.as, {
      name: 'To billing',
      actions: { teamId: billing.id },
      replyBody: 'Over to billing',
      replyKind: 'note',
    });
    const res = await agent.as({ method: 'POST', url: `/api/cases/${c.id}/macros/${m.id}/apply` });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().case.teamId).toBe(billing.id);
    expect(res.json().message).toMatchObject({ kind: 'note', bodyText: 'Over to billing' });
    // The agent handed it away, so it is no longer theirs to see.
    expect((await agent.as({ url: `/api/cases/${c.id}` })).statusCode).toBe(404);
  });

  test('changes to shared macros are audited; personal macros stay out of the audit trail', async () => {
    const shared = await saveMacro(manager.as, { name: 'Audited', shared: true, replyBody: 'a' });
    await manager.as({ method: 'PATCH', url: `/api/macros/${shared.id}`, body: { name: 'Audited 2' } });
    await manager.as({ method: 'DELETE', url: `/api/macros/${shared.id}` });
    const personal = await saveMacro(agent.as, { name: 'Private note', replyBody: 'b' });
    await agent.as({ method: 'PATCH', url: `/api/macros/${personal.id}`, body: { name: 'Private note 2' } });
    const actions = async (id: string) =>
      (await t.database.db.selectFrom('audit_events').select('action').where('subject_id', '=', id).orderBy('id').execute()).map(
        (a) => a.action,
      );
    expect(await actions(shared.id)).toEqual(['macro.created', 'macro.updated', 'macro.deleted']);
    expect(await actions(personal.id)).toEqual([]);
  });

  test('a retried apply with the same Idempotency-Key adds the reply once', async () => {
    const c = await openCase();
    const m = await saveMacro(agent.as, { name: 'Once', replyBody: 'Only once' });
    const send = () =>
      agent.as({ method: 'POST', url: `/api/cases/${c.id}/macros/${m.id}/apply`, body: {}, headers: { 'idempotency-key': 'apply-1' } });
    const first = await send();
    const second = await send();
    expect(second.statusCode).toBe(200);
    expect(second.json().message.id).toBe(first.json().message.id);
    expect((await messagesOf(c.id)).filter((x) => x.kind === 'reply')).toHaveLength(1);
  });
});
