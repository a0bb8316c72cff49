// Cross-department requests end to end: a complaint needs billing and logistics; both answer (one
// late, after a clarification); reminders and escalation happen once; the case is solved; the
// turnaround figures match hand-computed values; back office sees only what was shared with it.
// Clock: Monday 23 November 2026, London (GMT, so local time = UTC).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type Requester, type TestApp } from '../../../test/helpers.js';
import { scanSla } from '../sla/sla-tracking.js';
import { remindAndEscalate } from './department-requests.service.js';

let t: TestApp;
type Who = { as: Requester; user: { id: string; name: string } };
let admin: Who, manager: Who, agent: Who, billingClerk: Who, billingHead: Who, courier: Who;
let billingId: string, logisticsId: string, calendarId: string;

const at = (hhmm: string, day = '2026-11-23') => `${day}T${hhmm}:00.000Z`;
const nineToFive = [{ start: '09:00', end: '17:00' }];

async function ok<T = Record<string, unknown>>(
  p: Promise<{ statusCode: number; body: string; json(): unknown }>,
  status = 200,
): Promise<T> {
  const res = await p;
  expect(res.statusCode, res.body).toBe(status);
  return res.json() as T;
}

async function addMember(departmentId: string, userId: string, membership: 'member' | 'head') {
  await ok(admin.as({ method: 'PUT', url: `/api/departments/${departmentId}/members/${userId}`, body: { membership } }));
}

beforeAll(async () => {
  t = await startTestApp({ start: at('08:00') });
  admin = await t.userWithToken('admin');
  manager = await t.userWithToken('manager');
  agent = await t.userWithToken('agent');
  billingClerk = await t.userWithToken('back_office');
  billingHead = await t.userWithToken('back_office');
  courier = await t.userWithToken('back_office');
  billingId = (await ok<{ id: string }>(admin.as({ method: 'POST', url: '/api/departments', body: { name: 'Billing' } }), 201)).id;
  logisticsId = (await ok<{ id: string }>(admin.as({ method: 'POST', url: '/api/departments', body: { name: 'Logistics' } }), 201)).id;
  await addMember(billingId, billingClerk.user.id, 'member');
  await addMember(billingId, billingHead.user.id, 'head');
  await addMember(logisticsId, courier.user.id, 'member');
  calendarId = (
    await ok<{ id: string }>(
      admin.as({
        method: 'POST',
        url: '/api/sla/calendars',
        body: {
          name: 'London',
          timeZone: 'Europe/London',
          weekly: { monday: nineToFive, tuesday: nineToFive, wednesday: nineToFive, thursday: nineToFive, friday: nineToFive },
        },
      }),
      201,
    )
  ).id;
  // Billing: refunds in 2 business hours, anything else in 4. Logistics: no calendar, 1 hour of clock time.
  await ok(
    admin.as({
      method: 'PUT',
      url: `/api/departments/${billingId}/service`,
      body: {
        calendarId,
        olas: [
          { requestType: 'refund', minutes: 120, businessHours: true },
          { requestType: '*', minutes: 240, businessHours: true },
        ],
      },
    }),
  );
  await ok(
    admin.as({
      method: 'PUT',
      url: `/api/departments/${logisticsId}/service`,
      body: { calendarId: null, olas: [{ requestType: '*', minutes: 60, businessHours: false }] },
    }),
  );
});
afterAll(() => t.close());

type Req = { id: string; status: string; dueAt: string; version: number; lateMinutes: number; number: number };

describe('a complaint that needs billing and logistics', () => {
  let caseId: string;
  let caseVersion: number;
  let billing: Req;
  let logistics: Req;
  let sharedMessageId: string;

  test('the agent asks both departments; each request is due by its OLA', async () => {
    t.clock.set(at('09:00'));
    const c = await ok<{ id: string; version: number }>(
      agent.as({
        method: 'POST',
        url: '/api/cases',
        body: {
          subject: 'Charged twice and parcel lost',
          type: 'complaint',
          requester: { email: 'erin@example.com', name: 'Erin Shaw' },
          message: {
            body: 'I paid twice for order 77',
            attachments: [
              { filename: 'statement.txt', contentType: 'text/plain', dataBase64: Buffer.from('two charges').toString('base64') },
            ],
          },
        },
      }),
      201,
    );
    caseId = c.id;
    const messages = await ok<{ items: { id: string }[] }>(agent.as({ url: `/api/cases/${caseId}/messages` }));
    sharedMessageId = messages.items[0]!.id;
    await ok(
      agent.as({
        method: 'POST',
        url: `/api/cases/${caseId}/messages`,
        body: { kind: 'note', body: 'Internal: customer is angry, VIP spend' },
      }),
      201,
    );
    billing = await ok<Req>(
      agent.as({
        method: 'POST',
        url: `/api/cases/${caseId}/department-requests`,
        body: {
          departmentId: billingId,
          requestType: 'refund',
          question: 'Was order 77 charged twice? Please refund one.',
          sharedMessageIds: [sharedMessageId],
        },
      }),
      201,
    );
    logistics = await ok<Req>(
      agent.as({
        method: 'POST',
        url: `/api/cases/${caseId}/department-requests`,
        body: { departmentId: logisticsId, question: 'Where is the parcel for order 77?' },
      }),
      201,
    );
    expect(billing).toMatchObject({
      status: 'open',
      dueAt: at('11:00'),
      olaMinutes: 120,
      olaBusinessHours: true,
      departmentName: 'Billing',
    });
    expect(logistics).toMatchObject({ status: 'open', dueAt: at('10:00'), olaMinutes: 60, olaBusinessHours: false });
    // Both departments were told.
    const clerkNotes = await ok<{ items: { kind: string; data: { requestId: string } }[] }>(billingClerk.as({ url: '/api/notifications' }));
    expect(clerkNotes.items.some((n) => n.kind === 'department_request' && n.data.requestId === billing.id)).toBe(true);
  });

  test('the manager sees the case waiting on two departments', async () => {
    t.clock.set(at('09:10'));
    const view = await ok<{ casesWaitingOnSeveral: { caseId: string; requests: { departmentName: string }[] }[] }>(
      manager.as({ url: '/api/department-requests/coordination' }),
    );
    const entry = view.casesWaitingOnSeveral.find((c) => c.caseId === caseId);
    expect(entry?.requests.map((r) => r.departmentName).sort()).toEqual(['Billing', 'Logistics']);
    expect((await agent.as({ url: '/api/department-requests/coordination' })).statusCode).toBe(403);
  });

  test('back office sees its own queue and only what the request shares', async () => {
    const queue = await ok<{ items: Req[] }>(billingClerk.as({ url: '/api/department-requests' }));
    expect(queue.items.map((r) => r.id)).toEqual([billing.id]);
    const detail = await ok<{ case: { subject: string; requesterName: string; messages: { bodyText: string }[] } }>(
      billingClerk.as({ url: `/api/department-requests/${billing.id}` }),
    );
    expect(detail.case).toMatchObject({ subject: 'Charged twice and parcel lost', requesterName: 'Erin Shaw' });
    expect(detail.case.messages.map((m) => m.bodyText)).toEqual(['I paid twice for order 77']);
    // The shared message's attachment downloads for the department, and for no other back office.
    const [file] = (detail.case.messages[0] as unknown as { attachments: { id: string; filename: string }[] }).attachments;
    expect(file).toMatchObject({ filename: 'statement.txt' });
    const download = await billingClerk.as({ url: `/api/attachments/${file!.id}` });
    expect(download.statusCode).toBe(200);
    expect(download.body).toBe('two charges');
    expect((await courier.as({ url: `/api/attachments/${file!.id}` })).statusCode).toBe(404);
    expect((await billingClerk.as({ url: `/api/department-requests/${logistics.id}` })).statusCode).toBe(404);
    expect(
      (await courier.as({ method: 'POST', url: `/api/department-requests/${billing.id}/answer`, body: { answer: 'x' } })).statusCode,
    ).toBe(404);
  });

  test('logistics answers on time; the answer lands on the case as an internal note', async () => {
    t.clock.set(at('09:40'));
    logistics = await ok<Req>(
      courier.as({
        method: 'POST',
        url: `/api/department-requests/${logistics.id}/answer`,
        body: { answer: 'Parcel is at the depot, redelivery tomorrow.' },
      }),
    );
    expect(logistics).toMatchObject({ status: 'answered', lateMinutes: 0 });
    const messages = await ok<{ items: { kind: string; bodyText: string }[] }>(agent.as({ url: `/api/cases/${caseId}/messages` }));
    expect(messages.items.at(-1)).toMatchObject({ kind: 'note' });
    expect(messages.items.at(-1)!.bodyText).toContain('Answer from Logistics');
    expect(messages.items.at(-1)!.bodyText).toContain('redelivery tomorrow');
    const again = await courier.as({ method: 'POST', url: `/api/department-requests/${logistics.id}/answer`, body: { answer: 'again' } });
    expect(again.statusCode).toBe(409);
  });

  test('billing asks for clarification, the agent clarifies, reminders and escalation happen once', async () => {
    t.clock.set(at('10:00'));
    billing = await ok<Req>(
      billingClerk.as({
        method: 'POST',
        url: `/api/department-requests/${billing.id}/clarification`,
        body: { question: 'Which card was charged?' },
      }),
    );
    expect(billing.status).toBe('clarification_requested');
    t.clock.set(at('10:15'));
    billing = await ok<Req>(
      agent.as({
        method: 'POST',
        url: `/api/department-requests/${billing.id}/clarify`,
        body: { body: 'The Visa ending 4242', version: billing.version },
      }),
    );
    expect(billing.status).toBe('open');
    const stale = await agent.as({ method: 'POST', url: `/api/department-requests/${billing.id}/cancel`, body: { version: 1 } });
    expect(stale.statusCode).toBe(409);

    // 75 % of 120 business minutes from 09:00 = 10:30: remind; due 11:00: escalate to the head.
    t.clock.set(at('10:31'));
    expect(await remindAndEscalate(t.ctx)).toEqual({ reminded: 1, escalated: 0 });
    expect(await remindAndEscalate(t.ctx)).toEqual({ reminded: 0, escalated: 0 });
    t.clock.set(at('11:01'));
    const [a, b] = await Promise.all([remindAndEscalate(t.ctx), remindAndEscalate(t.ctx)]);
    expect(a.escalated + b.escalated).toBe(1);
    const headNotes = await ok<{ items: { kind: string; data: { requestId: string } }[] }>(billingHead.as({ url: '/api/notifications' }));
    expect(headNotes.items.filter((n) => n.kind === 'department_escalation' && n.data.requestId === billing.id)).toHaveLength(1);
    const overdue = await ok<{ overdueByDepartment: { departmentName: string; overdue: { id: string; lateMinutes: number }[] }[] }>(
      manager.as({ url: '/api/department-requests/coordination' }),
    );
    expect(overdue.overdueByDepartment).toEqual([
      expect.objectContaining({ departmentName: 'Billing', overdue: [expect.objectContaining({ id: billing.id, lateMinutes: 1 })] }),
    ]);
  });

  test('billing answers late; the case shows both answered and is solved', async () => {
    t.clock.set(at('11:30'));
    billing = await ok<Req>(
      billingClerk.as({
        method: 'POST',
        url: `/api/department-requests/${billing.id}/answer`,
        body: { answer: 'Refunded the duplicate charge.' },
      }),
    );
    expect(billing).toMatchObject({ status: 'answered', lateMinutes: 30 });
    const onCase = await ok<{ items: Req[] }>(agent.as({ url: `/api/cases/${caseId}/department-requests` }));
    expect(onCase.items.map((r) => [r.status, r.lateMinutes])).toEqual([
      ['answered', 30],
      ['answered', 0],
    ]);
    const c = await ok<{ version: number }>(agent.as({ url: `/api/cases/${caseId}` }));
    caseVersion = c.version;
    t.clock.set(at('11:45'));
    await ok(
      agent.as({
        method: 'POST',
        url: `/api/cases/${caseId}/messages`,
        body: { kind: 'reply', body: 'Refunded and redelivering tomorrow.', status: 'solved', version: caseVersion },
      }),
      201,
    );
    const events = await ok<{ items: { kind: string }[] }>(agent.as({ url: `/api/cases/${caseId}/events` }));
    const kinds = events.items.map((e) => e.kind).filter((k) => k.startsWith('department_request'));
    expect(kinds).toEqual([
      'department_request_created',
      'department_request_created',
      'department_request_answered',
      'department_request_clarification',
      'department_request_clarified',
      'department_request_escalated',
      'department_request_answered',
    ]);
    const agentNotes = await ok<{ items: { kind: string }[] }>(agent.as({ url: '/api/notifications' }));
    expect(agentNotes.items.filter((n) => n.kind === 'department_answer')).toHaveLength(2);
  });

  test('turnaround figures match the hand-computed values', async () => {
    const report = await ok<{ departments: Record<string, unknown>[] }>(
      manager.as({ url: `/api/reports/departments/turnaround?from=${at('00:00')}&to=${at('00:00', '2026-11-24')}` }),
    );
    const byName = Object.fromEntries(report.departments.map((d) => [d.departmentName, d]));
    // Billing: first response (the clarification question) 09:00→10:00 = 60 business minutes;
    // completion 09:00→11:30 = 150; answered after the 11:00 due time.
    expect(byName.Billing).toMatchObject({
      requests: 1,
      completed: 1,
      answered: 1,
      declined: 0,
      firstResponseMinutes: { median: 60, p90: 60 },
      completionMinutes: { median: 150, p90: 150 },
      withinOlaPercent: 0,
      openNow: 0,
      overdueNow: 0,
    });
    expect(byName.Billing!.trend).toEqual([
      { week: '2026-11-23', requests: 1, completed: 1, completionMedianMinutes: 150, withinOlaPercent: 0 },
    ]);
    // Logistics: answered 09:00→09:40 = 40 clock minutes, within its hour.
    expect(byName.Logistics).toMatchObject({
      requests: 1,
      firstResponseMinutes: { median: 40, p90: 40 },
      completionMinutes: { median: 40, p90: 40 },
      withinOlaPercent: 100,
    });
    const clerk = (byName.Billing!.members as { userId: string; answered: number; completionMinutes: { median: number } }[]).find(
      (m) => m.userId === billingClerk.user.id,
    );
    expect(clerk).toMatchObject({ answered: 1, completionMinutes: { median: 150 } });
    expect((await agent.as({ url: `/api/reports/departments/turnaround?from=${at('00:00')}&to=${at('12:00')}` })).statusCode).toBe(403);
  });

  test('back office cannot read or list the case through any case endpoint', async () => {
    const routes = t.app.routeTable.filter((r) => r.url.startsWith('/api/cases') && r.method !== 'HEAD' && r.method !== 'OPTIONS');
    expect(routes.length).toBeGreaterThan(15);
    for (const who of [billingClerk, courier]) {
      for (const r of routes) {
        const url = r.url.replace(':id', caseId).replace(/:[A-Za-z]+/g, '00000000-0000-4000-8000-000000000000');
        const res = await who.as({ method: r.method, url, body: r.method === 'GET' || r.method === 'DELETE' ? undefined : {} });
        const label = `${r.method} ${r.url}`;
        expect(res.body, label).not.toContain('Charged twice');
        expect(res.body, label).not.toContain('I paid twice');
        if (res.statusCode < 400) {
          // Only list endpoints may answer, and with nothing in them.
          expect(r.method, label).toBe('GET');
          expect(JSON.stringify(res.json()), label).not.toContain(caseId);
        }
      }
    }
  });
});

describe('waiting on a department pauses the SLA when the policy says so', () => {
  test('the first-reply clock stops while a request is open', async () => {
    await ok(
      admin.as({
        method: 'POST',
        url: '/api/sla/policies',
        body: {
          name: 'Complaints',
          calendarId,
          conditions: { types: ['complaint'] },
          targets: { firstReply: { minutes: 60 } },
          pauseOnDepartment: true,
        },
      }),
      201,
    );
    await scanSla(t.ctx, { batch: 10_000 });
    t.clock.set(at('09:00', '2026-11-24'));
    const c = await ok<{ id: string }>(
      agent.as({
        method: 'POST',
        url: '/api/cases',
        body: { subject: 'Wrong invoice', type: 'complaint', requester: { email: 'fay@example.com' } },
      }),
      201,
    );
    t.clock.set(at('09:10', '2026-11-24'));
    const r = await ok<Req>(
      agent.as({
        method: 'POST',
        url: `/api/cases/${c.id}/department-requests`,
        body: { departmentId: billingId, question: 'Check invoice 5' },
      }),
      201,
    );
    t.clock.set(at('10:10', '2026-11-24'));
    let sla = await ok<{ targets: { firstReply: { state: string; elapsedMinutes: number; dueAt: string | null } } }>(
      agent.as({ url: `/api/cases/${c.id}/sla` }),
    );
    expect(sla.targets.firstReply).toMatchObject({ state: 'paused', elapsedMinutes: 10, dueAt: null });
    await ok(billingClerk.as({ method: 'POST', url: `/api/department-requests/${r.id}/answer`, body: { answer: 'Invoice corrected' } }));
    sla = await ok(agent.as({ url: `/api/cases/${c.id}/sla` }));
    // 50 minutes left from 10:10.
    expect(sla.targets.firstReply).toMatchObject({ state: 'active', dueAt: at('11:00', '2026-11-24') });
  });
});

describe('bad input', () => {
  test('requests and OLAs are validated with the field named', async () => {
    const c = await ok<{ id: string }>(
      agent.as({ method: 'POST', url: '/api/cases', body: { subject: 'X', requester: { email: 'g@example.com' } } }),
      201,
    );
    const bad: [string, string, Record<string, unknown>, string][] = [
      ['POST', `/api/cases/${c.id}/department-requests`, { departmentId: billingId, question: '' }, 'question'],
      [
        'POST',
        `/api/cases/${c.id}/department-requests`,
        { departmentId: '00000000-0000-4000-8000-000000000000', question: 'q' },
        'departmentId',
      ],
      ['POST', `/api/cases/${c.id}/department-requests`, { departmentId: billingId, question: 'q', requestType: 'Refund!' }, 'requestType'],
      [
        'POST',
        `/api/cases/${c.id}/department-requests`,
        { departmentId: billingId, question: 'q', sharedMessageIds: ['00000000-0000-4000-8000-000000000000'] },
        'sharedMessageIds',
      ],
      [
        'PUT',
        `/api/departments/${billingId}/service`,
        { calendarId: null, olas: [{ requestType: '*', minutes: 0, businessHours: true }] },
        'olas.0.minutes',
      ],
      [
        'PUT',
        `/api/departments/${billingId}/service`,
        {
          calendarId: null,
          olas: [
            { requestType: 'a', minutes: 5, businessHours: true },
            { requestType: 'a', minutes: 6, businessHours: true },
          ],
        },
        'olas',
      ],
    ];
    for (const [method, url, body, field] of bad) {
      const res = await (url.includes('/service') ? admin : agent).as({ method, url, body });
      expect(res.statusCode, `${url} ${JSON.stringify(body)}`).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
      expect(JSON.stringify(res.json().error), JSON.stringify(body)).toContain(field);
    }
    expect(
      (await billingClerk.as({ method: 'PUT', url: `/api/departments/${billingId}/service`, body: { calendarId: null, olas: [] } }))
        .statusCode,
    ).toBe(403);
  });
});
