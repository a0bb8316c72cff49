// Department turnaround and its drill-down on a constructed week: every count of the report (per
// department and per member, every outcome) drills down to exactly the requests it counts, the
// hand-computed figures hold, the list carries each request's own times and verdict, pages cover
// the list without overlap, bad queries get the one error shape, and a team leader sees no case
// outside their scope. Clock: London in November (GMT, so local time = UTC); Billing works 09:00–17:00
// Monday to Friday with a 2-business-hour target, Logistics has 1 hour of clock time, Legal has
// no requests. The period is Monday 23 to Saturday 28 November 2026; "now" is Thursday 26 at 12:00.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type Requester, type TestApp } from '../../../test/helpers.js';
import { outcomeFigure, turnaroundOutcomes, type TurnaroundOutcome } from './department-turnaround.js';

let t: TestApp;
type Who = { as: Requester; user: { id: string; name: string } };
let admin: Who, manager: Who, leader: Who, agent: Who, clerk: Who, head: Who, courier: Who, lawyer: Who;
const dept: Record<'Billing' | 'Logistics' | 'Legal', string> = { Billing: '', Logistics: '', Legal: '' };

const at = (day: number, hhmm: string) => `2026-11-${String(day).padStart(2, '0')}T${hhmm}:00.000Z`;
const FROM = at(23, '00:00');
const TO = at(28, '00:00');
const NOW = at(26, '12:00');
const nineToFive = [{ start: '09:00', end: '17:00' }];

type Res = { statusCode: number; body: string; json(): unknown };
async function ok<T = Record<string, unknown>>(p: Promise<Res>, status = 200): Promise<T> {
  const res = await p;
  expect(res.statusCode, res.body).toBe(status);
  return res.json() as T;
}

/** A request of the dataset: where it went, who holds it, and (by hand) every outcome it counts in. */
type Seeded = { key: string; id: string; department: keyof typeof dept; assignee: Who | null; outcomes: TurnaroundOutcome[] };
const seeded: Seeded[] = [];
let otherTeamRequest = '';

type Figures = Record<string, unknown> & { requests: number };
type Report = { departments: (Figures & { departmentId: string; departmentName: string; members: (Figures & { userId: string })[] })[] };
type Item = {
  id: string;
  number: number;
  status: string;
  departmentId: string;
  departmentName: string;
  assigneeId: string | null;
  assigneeName: string | null;
  caseId: string | null;
  caseNumber: number | null;
  caseSubject: string | null;
  createdAt: string;
  completedAt: string | null;
  firstResponseMinutes: number | null;
  completionMinutes: number | null;
  withinOla: boolean | null;
};
type Drill = { total: number; items: Item[] };

const drillUrl = (q: Record<string, string | number | undefined>) => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ from: FROM, to: TO, ...q })) if (v !== undefined) params.set(k, String(v));
  return `/api/reports/departments/turnaround/requests?${params.toString()}`;
};
const drill = (who: Who, q: Record<string, string | number | undefined>) => ok<Drill>(who.as({ url: drillUrl(q) }));

beforeAll(async () => {
  t = await startTestApp({ start: at(20, '09:00') });
  admin = await t.userWithToken('admin');
  manager = await t.userWithToken('manager');
  leader = await t.userWithToken('team_leader');
  agent = await t.userWithToken('agent');
  clerk = await t.userWithToken('back_office');
  head = await t.userWithToken('back_office');
  courier = await t.userWithToken('back_office');
  lawyer = await t.userWithToken('back_office');
  for (const name of Object.keys(dept) as (keyof typeof dept)[])
    dept[name] = (await ok<{ id: string }>(admin.as({ method: 'POST', url: '/api/departments', body: { name } }), 201)).id;
  const member = (d: string, who: Who, membership: 'member' | 'head') =>
    ok(admin.as({ method: 'PUT', url: `/api/departments/${d}/members/${who.user.id}`, body: { membership } }));
  await member(dept.Billing, clerk, 'member');
  await member(dept.Billing, head, 'head');
  await member(dept.Logistics, courier, 'member');
  await member(dept.Legal, lawyer, 'member');
  const calendar = await ok<{ id: string }>(
    admin.as({
      method: 'POST',
      url: '/api/sla/calendars',
      body: {
        name: 'London office',
        timeZone: 'Europe/London',
        weekly: { monday: nineToFive, tuesday: nineToFive, wednesday: nineToFive, thursday: nineToFive, friday: nineToFive },
      },
    }),
    201,
  );
  const service = (d: string, body: unknown) => ok(admin.as({ method: 'PUT', url: `/api/departments/${d}/service`, body }));
  await service(dept.Billing, { calendarId: calendar.id, olas: [{ requestType: '*', minutes: 120, businessHours: true }] });
  await service(dept.Logistics, { calendarId: null, olas: [{ requestType: '*', minutes: 60, businessHours: false }] });
  // The team leader leads a desk of their own; one case belongs to another desk.
  const ownDesk = await ok<{ id: string }>(admin.as({ method: 'POST', url: '/api/teams', body: { name: 'Own desk' } }), 201);
  const otherDesk = await ok<{ id: string }>(admin.as({ method: 'POST', url: '/api/teams', body: { name: 'Other desk' } }), 201);
  await ok(admin.as({ method: 'PUT', url: `/api/teams/${ownDesk.id}/members/${leader.user.id}`, body: { membership: 'member' } }));

  let n = 0;
  const ask = async (key: string, department: keyof typeof dept, when: string, teamId?: string) => {
    t.clock.set(when);
    n += 1;
    const c = await ok<{ id: string }>(
      manager.as({
        method: 'POST',
        url: '/api/cases',
        body: {
          subject: `Turnaround case ${key}`,
          requester: { email: `customer${n}@example.test`, name: `Customer ${n}` },
          message: { body: `Question ${key}` },
          ...(teamId ? { teamId } : {}),
        },
      }),
      201,
    );
    const r = await ok<{ id: string }>(
      manager.as({
        method: 'POST',
        url: `/api/cases/${c.id}/department-requests`,
        body: { departmentId: dept[department], question: `Please look at ${key}` },
      }),
      201,
    );
    return r.id;
  };
  const act = (who: Who, id: string, action: string, when: string, body: Record<string, unknown>) => {
    t.clock.set(when);
    return ok(who.as({ method: 'POST', url: `/api/department-requests/${id}/${action}`, body }));
  };
  const assign = (id: string, to: Who, when: string) => act(head, id, 'assign', when, { assigneeId: to.user.id });
  const add = (key: string, id: string, department: keyof typeof dept, assignee: Who | null, outcomes: TurnaroundOutcome[]) =>
    seeded.push({ key, id, department, assignee, outcomes });

  // In time order (the clock only moves forward). Billing: B0, asked the Friday before the
  // period (due Fri 11:00); the clerk asked back at 10:30 and it waits on the case side since:
  // backlog only, overdue.
  const b0 = await ask('B0', 'Billing', at(20, '09:00'));
  await assign(b0, clerk, at(20, '09:05'));
  await act(clerk, b0, 'clarification', at(20, '10:30'), { question: 'Which order?' });
  add('B0', b0, 'Billing', clerk, ['open_now', 'overdue_now']);
  // Monday 09:00: B1 (the other desk's case), B2 and L1.
  const b1 = await ask('B1', 'Billing', at(23, '09:00'), otherDesk.id);
  otherTeamRequest = b1;
  const b2 = await ask('B2', 'Billing', at(23, '09:00'));
  const l1 = await ask('L1', 'Logistics', at(23, '09:00'));
  // B2 (due 11:00): asked back 09:30, clarified 10:00, answered 12:00 — 180 minutes, late.
  await assign(b2, clerk, at(23, '09:10'));
  await act(clerk, b2, 'clarification', at(23, '09:30'), { question: 'Which card?' });
  // L1 (due 10:00): answered 09:40 — on time.
  await act(courier, l1, 'answer', at(23, '09:40'), { answer: 'At the depot.' });
  // B1 (due 11:00): answered 10:00 by the clerk (who thereby holds it) — 60 minutes, on time.
  await act(clerk, b1, 'answer', at(23, '10:00'), { answer: 'Refunded.' });
  await act(manager, b2, 'clarify', at(23, '10:00'), { body: 'The Visa.' });
  // B3: Mon 10:00, due 12:00, declined by the head at 10:30 — on time.
  const b3 = await ask('B3', 'Billing', at(23, '10:00'));
  await assign(b3, head, at(23, '10:05'));
  await act(head, b3, 'decline', at(23, '10:30'), { reason: 'Not a billing matter.' });
  // B5: Mon 11:00, withdrawn by the case side: counted nowhere.
  const b5 = await ask('B5', 'Billing', at(23, '11:00'));
  await act(manager, b5, 'cancel', at(23, '11:30'), {});
  await act(clerk, b2, 'answer', at(23, '12:00'), { answer: 'Refunded to the Visa.' });
  // L2: Mon 13:00, due 14:00, answered 14:30 — 90 minutes, late.
  const l2 = await ask('L2', 'Logistics', at(23, '13:00'));
  // B7: Mon 14:00, due 16:00, declined by the clerk Tue 10:00 — 180 + 60 = 240 business minutes, late.
  const b7 = await ask('B7', 'Billing', at(23, '14:00'));
  await assign(b7, clerk, at(23, '14:05'));
  await act(courier, l2, 'answer', at(23, '14:30'), { answer: 'Delivered.' });
  // B4: Mon 16:00, due Tue 10:00 (one business hour each day), with the head, still open: late.
  const b4 = await ask('B4', 'Billing', at(23, '16:00'));
  await assign(b4, head, at(23, '16:05'));
  // L3: Tue 09:00, the courier takes it and never answers: late and overdue.
  const l3 = await ask('L3', 'Logistics', at(24, '09:00'));
  await act(courier, l3, 'assign', at(24, '09:01'), { assigneeId: courier.user.id });
  // L4: Tue 10:00, the courier asks back at 10:20 and nobody clarifies: responded, late, overdue.
  const l4 = await ask('L4', 'Logistics', at(24, '10:00'));
  await act(clerk, b7, 'decline', at(24, '10:00'), { reason: 'Out of scope.' });
  await act(courier, l4, 'assign', at(24, '10:10'), { assigneeId: courier.user.id });
  await act(courier, l4, 'clarification', at(24, '10:20'), { question: 'Which parcel?' });
  // B6: Thu 11:00, unassigned, due 13:00 — open, not yet judged at noon.
  const b6 = await ask('B6', 'Billing', at(26, '11:00'));

  add('B1', b1, 'Billing', clerk, ['requests', 'responded', 'completed', 'answered', 'judged', 'within_ola']);
  add('B2', b2, 'Billing', clerk, ['requests', 'responded', 'completed', 'answered', 'judged', 'late']);
  add('B3', b3, 'Billing', head, ['requests', 'responded', 'completed', 'declined', 'judged', 'within_ola']);
  add('B4', b4, 'Billing', head, ['requests', 'judged', 'late', 'open_now', 'overdue_now']);
  add('B5', b5, 'Billing', null, []);
  add('B6', b6, 'Billing', null, ['requests', 'open_now']);
  add('B7', b7, 'Billing', clerk, ['requests', 'responded', 'completed', 'declined', 'judged', 'late']);
  add('L1', l1, 'Logistics', courier, ['requests', 'responded', 'completed', 'answered', 'judged', 'within_ola']);
  add('L2', l2, 'Logistics', courier, ['requests', 'responded', 'completed', 'answered', 'judged', 'late']);
  add('L3', l3, 'Logistics', courier, ['requests', 'judged', 'late', 'open_now', 'overdue_now']);
  add('L4', l4, 'Logistics', courier, ['requests', 'responded', 'judged', 'late', 'open_now', 'overdue_now']);
  t.clock.set(NOW);
});
afterAll(() => t.close());

const keysOf = (items: { id: string }[]) => items.map((i) => seeded.find((s) => s.id === i.id)?.key ?? i.id);
/** The hand-labelled requests an outcome counts for a department (and member), oldest first as listed. */
const expected = (outcome: TurnaroundOutcome, department?: keyof typeof dept, member?: Who) =>
  seeded
    .filter((s) => s.outcomes.includes(outcome))
    .filter((s) => !department || s.department === department)
    .filter((s) => !member || s.assignee?.user.id === member.user.id)
    .map((s) => s.key)
    .sort();

describe('department turnaround drill-down', () => {
  test('the figures are the hand-computed ones', async () => {
    const report = await ok<Report>(manager.as({ url: `/api/reports/departments/turnaround?from=${FROM}&to=${TO}` }));
    const byName = Object.fromEntries(report.departments.map((d) => [d.departmentName, d]));
    // Billing: B1 60 (30 first), B2 180 (30 first), B3 30, B7 240; B4 late and open; B6 open; B0 from before.
    expect(byName.Billing).toMatchObject({
      requests: 6,
      responded: 4,
      completed: 4,
      answered: 2,
      declined: 2,
      firstResponseMinutes: { median: 45, p90: 240 },
      completionMinutes: { median: 120, p90: 240 },
      judged: 5,
      withinOla: 2,
      late: 3,
      withinOlaPercent: 40,
      openNow: 3,
      overdueNow: 2,
    });
    expect(byName.Logistics).toMatchObject({
      requests: 4,
      responded: 3,
      completed: 2,
      judged: 4,
      withinOla: 1,
      late: 3,
      withinOlaPercent: 25,
      openNow: 2,
      overdueNow: 2,
      completionMinutes: { median: 65, p90: 90 },
    });
    expect(byName.Legal).toMatchObject({ requests: 0, judged: 0, withinOlaPercent: null, openNow: 0 });
    const clerkRow = byName.Billing!.members.find((m) => m.userId === clerk.user.id);
    expect(clerkRow).toMatchObject({ requests: 3, completed: 3, judged: 3, withinOla: 1, late: 2, openNow: 1, overdueNow: 1 });
  });

  test('every count of every department and member drills down to exactly the requests it counts', async () => {
    const report = await ok<Report>(manager.as({ url: `/api/reports/departments/turnaround?from=${FROM}&to=${TO}` }));
    const members: Record<string, Who> = Object.fromEntries([clerk, head, courier, lawyer].map((w) => [w.user.id, w]));
    let checked = 0;
    for (const d of report.departments) {
      const name = d.departmentName as keyof typeof dept;
      const subjects: { figures: Figures; memberId?: string; member?: Who }[] = [
        { figures: d },
        ...d.members.map((m) => ({ figures: m as Figures, memberId: m.userId, member: members[m.userId]! })),
      ];
      for (const { figures, memberId, member } of subjects) {
        for (const outcome of turnaroundOutcomes) {
          const label = `${name} ${member ? member.user.name : ''} ${outcome}`;
          const list = await drill(manager, { departmentId: d.departmentId, memberId, outcome, limit: 500 });
          expect(list.total, label).toBe(figures[outcomeFigure[outcome]]);
          expect(list.items, label).toHaveLength(list.total);
          expect(keysOf(list.items).sort(), label).toEqual(expected(outcome, name, member));
          checked += 1;
        }
      }
    }
    // Three departments and four members, ten outcomes each.
    expect(checked).toBe(70);
    // Nonzero where the dataset says so (the comparison above is not vacuous).
    expect(expected('within_ola', 'Billing', clerk)).toEqual(['B1']);
    expect(expected('overdue_now', 'Billing')).toEqual(['B0', 'B4']);
    // Without a department: all departments together, as the sum of the department figures.
    for (const outcome of turnaroundOutcomes) {
      const sum = report.departments.reduce((s, d) => s + (d[outcomeFigure[outcome]] as number), 0);
      expect((await drill(manager, { outcome, limit: 500 })).total, outcome).toBe(sum);
    }
  });

  test('each listed request carries its department, assignee, case, instants, turnaround and verdict', async () => {
    const list = await drill(manager, { departmentId: dept.Billing, outcome: 'requests' });
    expect(keysOf(list.items)).toEqual(['B1', 'B2', 'B3', 'B7', 'B4', 'B6']); // oldest first, then by number
    const byKey = Object.fromEntries(list.items.map((i) => [keysOf([i])[0], i]));
    expect(byKey.B1).toMatchObject({
      status: 'answered',
      departmentId: dept.Billing,
      departmentName: 'Billing',
      assigneeId: clerk.user.id,
      assigneeName: clerk.user.name,
      caseSubject: 'Turnaround case B1',
      createdAt: at(23, '09:00'),
      completedAt: at(23, '10:00'),
      firstResponseMinutes: 60,
      completionMinutes: 60,
      withinOla: true,
    });
    expect(byKey.B1!.caseId).toMatch(/^[0-9a-f-]{36}$/);
    expect(byKey.B1!.caseNumber).toEqual(expect.any(Number));
    expect(byKey.B2).toMatchObject({ firstResponseMinutes: 30, completionMinutes: 180, withinOla: false });
    expect(byKey.B7).toMatchObject({ status: 'declined', completionMinutes: 240, withinOla: false });
    expect(byKey.B4).toMatchObject({ status: 'open', completedAt: null, completionMinutes: null, withinOla: false });
    expect(byKey.B6).toMatchObject({ assigneeId: null, assigneeName: null, withinOla: null });
    const logistics = await drill(manager, { departmentId: dept.Logistics, outcome: 'late' });
    expect(logistics.items.map((i) => [keysOf([i])[0], i.completionMinutes, i.firstResponseMinutes])).toEqual([
      ['L2', 90, 90],
      ['L3', null, null],
      ['L4', null, 20],
    ]);
  });

  test('pages cover the list in order without overlap', async () => {
    const all = await drill(manager, { outcome: 'requests', limit: 500 });
    expect(all.total).toBe(10);
    const paged: string[] = [];
    for (let offset = 0; offset < all.total; offset += 3) {
      const page = await drill(manager, { outcome: 'requests', limit: 3, offset });
      expect(page.total).toBe(10);
      paged.push(...page.items.map((i) => i.id));
    }
    expect(paged).toEqual(all.items.map((i) => i.id));
    expect((await drill(manager, { outcome: 'requests', offset: 10 })).items).toEqual([]);
    // The default outcome is every request counted.
    expect((await drill(manager, {})).total).toBe(10);
  });

  test('bad queries are refused with the error shape', async () => {
    const refused = async (url: string, status: number, code: string) => {
      const res = await manager.as({ url });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(status);
      const body = res.json() as { error: { code: string; message: string; details?: unknown } };
      expect(body.error.code).toBe(code);
      expect(body.error.message).toEqual(expect.any(String));
      expect(body.error.details).toBeDefined();
      return body.error;
    };
    const base = '/api/reports/departments/turnaround/requests';
    expect((await refused(drillUrl({ from: TO, to: FROM }), 400, 'validation_failed')).details).toEqual({ field: 'to' });
    await refused(drillUrl({ from: FROM, to: FROM }), 400, 'validation_failed');
    await refused(drillUrl({ departmentId: 'billing' }), 400, 'validation_failed');
    await refused(drillUrl({ memberId: '42' }), 400, 'validation_failed');
    await refused(drillUrl({ outcome: 'breached' }), 400, 'validation_failed');
    await refused(drillUrl({ limit: 0 }), 400, 'validation_failed');
    await refused(drillUrl({ limit: 501 }), 400, 'validation_failed');
    await refused(drillUrl({ offset: -1 }), 400, 'validation_failed');
    await refused(drillUrl({ teamId: dept.Billing }), 400, 'validation_failed');
    await refused(`${base}?to=${TO}`, 400, 'validation_failed');
    await refused(drillUrl({ from: 'last monday' }), 400, 'validation_failed');
    await refused(drillUrl({ departmentId: '00000000-0000-4000-8000-000000000000' }), 404, 'not_found');
    const forbidden = await agent.as({ url: drillUrl({}) });
    expect(forbidden.statusCode).toBe(403);
    expect((forbidden.json() as { error: { code: string } }).error.code).toBe('forbidden');
    expect((await clerk.as({ url: drillUrl({}) })).statusCode).toBe(403);
  });

  test("a team leader gets the same count, without the case of another team's request", async () => {
    const theirs = await drill(leader, { departmentId: dept.Billing, outcome: 'requests' });
    const mine = await drill(manager, { departmentId: dept.Billing, outcome: 'requests' });
    expect(theirs.total).toBe(mine.total);
    expect(theirs.items.map((i) => i.id)).toEqual(mine.items.map((i) => i.id));
    const hidden = theirs.items.find((i) => i.id === otherTeamRequest)!;
    expect(hidden).toMatchObject({ caseId: null, caseNumber: null, caseSubject: null, completionMinutes: 60 });
    expect(theirs.items.filter((i) => i.caseSubject !== null)).toHaveLength(mine.total - 1);
  });

  test('the endpoint is in the OpenAPI document', async () => {
    const doc = await ok<{ paths: Record<string, { get?: { parameters?: { name: string }[] } }> }>(
      manager.as({ url: '/api/openapi.json' }),
    );
    const op = doc.paths['/api/reports/departments/turnaround/requests']?.get;
    expect(op?.parameters?.map((p) => p.name).sort()).toEqual(
      ['departmentId', 'from', 'limit', 'memberId', 'offset', 'outcome', 'to'].sort(),
    );
  });
});
