// Every mutating case endpoint writes to the case event log: the test walks the route table, so a
// new endpoint without a recipe here fails until someone proves it writes its event.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { sendDueEmails } from '../src/modules/email/outbound.js';
import { createTestMailbox, deliver, simpleMail } from './email-helpers.js';
import { startTestApp, type Requester, type TestApp } from './helpers.js';

let t: TestApp;
let as: Requester;
let me: string;

beforeAll(async () => {
  t = await startTestApp();
  const admin = await t.userWithToken('admin');
  as = admin.as;
  me = admin.user.id;
});
afterAll(() => t.close());

async function newCase(subject = 'Coverage'): Promise<{ id: string; version: number }> {
  const res = await as({
    method: 'POST',
    url: '/api/cases',
    body: { subject, requester: { email: 'coverage@example.test' }, message: { body: 'hello' } },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function eventCount(caseId: string): Promise<number> {
  const row = await t.database.db
    .selectFrom('case_events')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('case_id', '=', caseId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

type Recipe = () => Promise<{ response: { statusCode: number; body: string }; caseIds: string[]; before: number[] }>;

/** Runs `call` on fresh cases and reports the event counts before, for comparison after. */
async function on(count: number, call: (cases: { id: string; version: number }[]) => Promise<{ statusCode: number; body: string }>) {
  const cases = [];
  for (let i = 0; i < count; i++) cases.push(await newCase(`Coverage ${i}`));
  const before = await Promise.all(cases.map((c) => eventCount(c.id)));
  const response = await call(cases);
  return { response, caseIds: cases.map((c) => c.id), before };
}

let departmentId: string | undefined;

/** A department request on a fresh case; `then` acts on it (the request as the API answered it). */
function onRequest(then: (request: { id: string; version: number }) => Promise<{ statusCode: number; body: string }>, clarify = false) {
  return on(1, async ([c]) => {
    departmentId ??= (await as({ method: 'POST', url: '/api/departments', body: { name: 'Coverage dept' } })).json().id;
    let request = (
      await as({ method: 'POST', url: `/api/cases/${c!.id}/department-requests`, body: { departmentId, question: 'Why?' } })
    ).json();
    if (clarify)
      request = (
        await as({ method: 'POST', url: `/api/department-requests/${request.id}/clarification`, body: { question: 'Which?' } })
      ).json();
    return then(request);
  });
}

const recipes: Record<string, Recipe> = {
  'POST /api/cases/:id/department-requests': () =>
    on(1, async ([c]) => {
      departmentId ??= (await as({ method: 'POST', url: '/api/departments', body: { name: 'Coverage dept' } })).json().id;
      return as({ method: 'POST', url: `/api/cases/${c!.id}/department-requests`, body: { departmentId, question: 'Why?' } });
    }),
  'POST /api/department-requests/:id/answer': () =>
    onRequest((r) => as({ method: 'POST', url: `/api/department-requests/${r.id}/answer`, body: { answer: 'Because' } })),
  'POST /api/department-requests/:id/clarification': () =>
    onRequest((r) => as({ method: 'POST', url: `/api/department-requests/${r.id}/clarification`, body: { question: 'Which one?' } })),
  'POST /api/department-requests/:id/clarify': () =>
    onRequest((r) => as({ method: 'POST', url: `/api/department-requests/${r.id}/clarify`, body: { body: 'That one' } }), true),
  'POST /api/department-requests/:id/assign': () =>
    onRequest((r) => as({ method: 'POST', url: `/api/department-requests/${r.id}/assign`, body: { assigneeId: null } })),
  'POST /api/department-requests/:id/decline': () =>
    onRequest((r) => as({ method: 'POST', url: `/api/department-requests/${r.id}/decline`, body: { reason: 'Not ours' } })),
  'POST /api/department-requests/:id/cancel': () =>
    onRequest((r) => as({ method: 'POST', url: `/api/department-requests/${r.id}/cancel`, body: {} })),
  'POST /api/cases/:id/email-deliveries/:deliveryId/retry': async () => {
    // A mailbox without SMTP settings: the reply's send fails at once, and can be retried.
    const mailbox = await createTestMailbox(as, { address: 'coverage-mail@acme.test' });
    const { caseId } = await deliver(t, mailbox, simpleMail({ from: 'cov@example.org', to: mailbox.address, subject: 'Mail coverage' }));
    await as({ method: 'POST', url: `/api/cases/${caseId}/messages`, body: { kind: 'reply', body: 'Hi' } });
    await sendDueEmails(t.ctx);
    const [failed] = (await as({ url: `/api/cases/${caseId}/email-deliveries` })).json().items;
    const before = [await eventCount(caseId!)];
    const response = await as({ method: 'POST', url: `/api/cases/${caseId}/email-deliveries/${failed.id}/retry` });
    return { response, caseIds: [caseId!], before };
  },
  'POST /api/cases/:id/escalate': () =>
    on(1, ([c]) => as({ method: 'POST', url: `/api/cases/${c!.id}/escalate`, body: { reason: 'Customer threatens to leave' } })),
  'POST /api/cases': async () => {
    const response = await as({
      method: 'POST',
      url: '/api/cases',
      body: { subject: 'Created', requester: { email: 'created@example.test' } },
    });
    return { response, caseIds: [response.json().id], before: [0] };
  },
  'PATCH /api/cases/:id': () =>
    on(1, ([c]) => as({ method: 'PATCH', url: `/api/cases/${c!.id}`, body: { version: c!.version, priority: 'high' } })),
  'POST /api/cases/:id/messages': () =>
    on(1, ([c]) => as({ method: 'POST', url: `/api/cases/${c!.id}/messages`, body: { kind: 'note', body: 'noted' } })),
  'PUT /api/cases/:id/followers/:userId': () => on(1, ([c]) => as({ method: 'PUT', url: `/api/cases/${c!.id}/followers/${me}` })),
  'DELETE /api/cases/:id/followers/:userId': () =>
    on(1, async ([c]) => {
      await as({ method: 'PUT', url: `/api/cases/${c!.id}/followers/${me}` });
      return as({ method: 'DELETE', url: `/api/cases/${c!.id}/followers/${me}` });
    }),
  'POST /api/cases/:id/auto-assign': () =>
    on(1, async ([c]) => {
      const team = (await as({ method: 'POST', url: '/api/teams', body: { name: `Auto ${c!.id}` } })).json();
      await as({ method: 'PUT', url: `/api/teams/${team.id}/members/${me}`, body: { membership: 'member' } });
      return as({ method: 'POST', url: `/api/cases/${c!.id}/auto-assign`, body: { teamId: team.id } });
    }),
  'POST /api/cases/:id/links': () =>
    on(2, ([a, b]) => as({ method: 'POST', url: `/api/cases/${a!.id}/links`, body: { otherCaseId: b!.id, kind: 'related' } })),
  'DELETE /api/cases/:id/links/:otherCaseId': () =>
    on(2, async ([a, b]) => {
      await as({ method: 'POST', url: `/api/cases/${a!.id}/links`, body: { otherCaseId: b!.id, kind: 'related' } });
      return as({ method: 'DELETE', url: `/api/cases/${a!.id}/links/${b!.id}` });
    }),
  'POST /api/cases/:id/merge': () => on(2, ([a, b]) => as({ method: 'POST', url: `/api/cases/${a!.id}/merge`, body: { targetId: b!.id } })),
  'POST /api/cases/bulk': () =>
    on(2, (cs) =>
      as({
        method: 'POST',
        url: '/api/cases/bulk',
        body: { caseIds: cs.map((c) => c.id), changes: { priority: 'urgent', addTags: ['bulk'] } },
      }),
    ),
  'POST /api/cases/:id/macros/:macroId/apply': () =>
    on(1, async ([c]) => {
      const macro = (
        await as({
          method: 'POST',
          url: '/api/macros',
          body: { name: `Macro ${c!.id}`, shared: true, actions: { priority: 'low' }, replyBody: 'Hello {{customer.name}}' },
        })
      ).json();
      return as({ method: 'POST', url: `/api/cases/${c!.id}/macros/${macro.id}/apply`, body: {} });
    }),
};

test('every mutating case endpoint has a recipe, succeeds, and adds events to each case it changes', async () => {
  const mutating = t.app.routeTable
    .filter(
      (r) =>
        ['POST', 'PATCH', 'PUT', 'DELETE'].includes(r.method) &&
        (r.url.startsWith('/api/cases') || r.url.startsWith('/api/department-requests')),
    )
    .map((r) => `${r.method} ${r.url}`);
  expect(mutating.length).toBeGreaterThanOrEqual(10);
  const missing = mutating.filter((key) => !recipes[key]);
  expect(missing, 'mutating case routes without an event-log recipe').toEqual([]);
  for (const key of mutating) {
    const { response, caseIds, before } = await recipes[key]!();
    expect(response.statusCode, `${key}: ${response.body}`).toBeLessThan(300);
    for (const [i, id] of caseIds.entries()) {
      expect(await eventCount(id), `${key} wrote no event on case ${id}`).toBeGreaterThan(before[i]!);
    }
  }
});
