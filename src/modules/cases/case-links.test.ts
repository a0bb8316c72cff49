// Links, merges and auto-close.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { autoCloseSolvedCases } from './case-lifecycle.js';
import { startTestApp, type Requester, type TestApp } from '../../../test/helpers.js';

let t: TestApp;
let agent: { as: Requester; user: { id: string } };
beforeAll(async () => {
  t = await startTestApp({ config: { caseAutoCloseDays: 3 } });
  agent = await t.userWithToken('agent');
});
afterAll(() => t.close());

async function openCase(subject: string, body = 'help') {
  return (
    await agent.as({ method: 'POST', url: '/api/cases', body: { subject, requester: { email: 'links@example.test' }, message: { body } } })
  ).json();
}
const kinds = async (id: string) =>
  ((await agent.as({ url: `/api/cases/${id}/events` })).json().items as { kind: string }[]).map((e) => e.kind);

test('linking writes the inverse link on the other case and an event on both; unlinking removes both', async () => {
  const parent = await openCase('Outage in Leeds');
  const child = await openCase('No internet at home');
  const res = await agent.as({ method: 'POST', url: `/api/cases/${parent.id}/links`, body: { otherCaseId: child.id, kind: 'parent_of' } });
  expect(res.statusCode).toBe(200);
  expect(res.json().items).toEqual([expect.objectContaining({ caseId: child.id, kind: 'parent_of', number: child.number })]);
  expect((await agent.as({ url: `/api/cases/${child.id}/links` })).json().items).toEqual([
    expect.objectContaining({ caseId: parent.id, kind: 'child_of' }),
  ]);
  expect(await kinds(parent.id)).toContain('linked');
  expect(await kinds(child.id)).toContain('linked');
  expect(
    (await agent.as({ method: 'POST', url: `/api/cases/${parent.id}/links`, body: { otherCaseId: parent.id, kind: 'related' } }))
      .statusCode,
  ).toBe(400);
  expect((await agent.as({ method: 'DELETE', url: `/api/cases/${parent.id}/links/${child.id}` })).statusCode).toBe(204);
  expect((await agent.as({ url: `/api/cases/${child.id}/links` })).json().items).toEqual([]);
  expect((await agent.as({ method: 'DELETE', url: `/api/cases/${parent.id}/links/${child.id}` })).statusCode).toBe(404);
});

test('merging moves the conversation to the target and closes the source, pointing at the target', async () => {
  const target = await openCase('Refund not received', 'I was promised a refund');
  const source = await openCase('Where is my refund??', 'still nothing, second email');
  const merged = await agent.as({ method: 'POST', url: `/api/cases/${source.id}/merge`, body: { targetId: target.id } });
  expect(merged.statusCode, merged.body).toBe(200);
  expect(merged.json()).toMatchObject({ id: target.id, customerMessageCount: 2 });
  const msgs = (await agent.as({ url: `/api/cases/${target.id}/messages` })).json().items.map((m: { bodyText: string }) => m.bodyText);
  expect(msgs).toEqual(['I was promised a refund', 'still nothing, second email']);
  const src = (await agent.as({ url: `/api/cases/${source.id}` })).json();
  expect(src).toMatchObject({ status: 'closed', mergedIntoId: target.id });
  expect(await kinds(source.id)).toEqual(expect.arrayContaining(['merged_into', 'status_changed']));
  expect(await kinds(target.id)).toContain('merged');
  const again = await agent.as({ method: 'POST', url: `/api/cases/${source.id}/merge`, body: { targetId: target.id } });
  expect(again.statusCode).toBe(409);
});

test('solved cases close automatically after the configured days, with events; reopened ones do not', async () => {
  const a = await openCase('Solved long ago');
  const b = await openCase('Solved then reopened');
  await agent.as({ method: 'PATCH', url: `/api/cases/${a.id}`, body: { version: 1, status: 'solved' } });
  await agent.as({ method: 'PATCH', url: `/api/cases/${b.id}`, body: { version: 1, status: 'solved' } });
  t.clock.advance({ days: 2, hours: 23 });
  expect((await autoCloseSolvedCases(t.ctx)).closed).toBe(0);
  await agent.as({ method: 'POST', url: `/api/cases/${b.id}/messages`, body: { kind: 'customer', body: 'actually no' } });
  t.clock.advance({ hours: 2 });
  expect((await autoCloseSolvedCases(t.ctx)).closed).toBe(1);
  const closed = (await agent.as({ url: `/api/cases/${a.id}` })).json();
  expect(closed).toMatchObject({ status: 'closed', closedAt: t.clock.now().toISOString() });
  expect(await kinds(a.id)).toEqual(expect.arrayContaining(['auto_closed']));
  expect((await agent.as({ url: `/api/cases/${b.id}` })).json().status).toBe('open');
  expect((await autoCloseSolvedCases(t.ctx)).closed).toBe(0);
});

test('link events name the other case by number; the list finds a case by its number', async () => {
  const a = await openCase('Linked A');
  const b = await openCase('Linked B');
  const res = await agent.as({ method: 'POST', url: `/api/cases/${a.id}/links`, body: { otherCaseId: b.id, kind: 'related' } });
  expect(res.statusCode, res.body).toBeLessThan(300);
  const events = (await agent.as({ url: `/api/cases/${b.id}/events` })).json().items as {
    kind: string;
    after: { otherCaseNumber?: number };
  }[];
  expect(events.find((e) => e.kind === 'linked')?.after.otherCaseNumber).toBe(a.number);
  const found = (await agent.as({ url: `/api/cases?number=${b.number}` })).json();
  expect(found.items.map((i: { id: string }) => i.id)).toEqual([b.id]);
});
