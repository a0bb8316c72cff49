// Batched intake (group commit): concurrent POST /api/cases share transactions and set-based
// statements, and must come out exactly as if the cases had been created one after another.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type Requester, type TestApp } from '../../../test/helpers.js';
import { rebuildRollups } from '../reports/metric-facts.js';
import type { Actor } from '../auth/permissions.js';
import type { AppError } from '../../lib/errors.js';
import { caseIntakeStats, createCase, createCasesTx } from './cases.service.js';
import { refreshCasesDerived } from './case-derived.js';
import { rebuildSearch } from './cases.queries.js';
import { sql } from 'kysely';

let t: TestApp;
let manager: { as: Requester; user: { id: string } };
let teamId: string;
const agents: string[] = [];

beforeAll(async () => {
  t = await startTestApp();
  manager = await t.userWithToken('manager');
  teamId = (await manager.as({ method: 'POST', url: '/api/teams', body: { name: 'Intake' } })).json().id;
  for (let i = 0; i < 3; i++) {
    const a = await t.createUser({ role: 'agent', name: `Intake ${i}` });
    await manager.as({ method: 'PUT', url: `/api/teams/${teamId}/members/${a.id}`, body: { membership: 'member' } });
    agents.push(a.id);
  }
  const calendar = await manager.as({
    method: 'POST',
    url: '/api/sla/calendars',
    body: {
      name: 'Always',
      timeZone: 'Europe/London',
      weekly: Object.fromEntries(days.map((d) => [d, [{ start: '00:00', end: '24:00' }]])),
    },
  });
  expect(calendar.statusCode, calendar.body).toBe(201);
  const policy = await manager.as({
    method: 'POST',
    url: '/api/sla/policies',
    body: { name: 'Everything', calendarId: calendar.json().id, targets: { firstReply: { minutes: 60, businessHours: false } } },
  });
  expect(policy.statusCode, policy.body).toBe(201);
});
afterAll(() => t.close());

const days = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

/**
 * Straight to the service, all in one tick: over HTTP on embedded PGlite (whose queries run on
 * this thread) requests reach the service one at a time, so a test there would never batch.
 * `status` and `json()` mirror an HTTP answer; the route adds nothing but the shape.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the same loose shape as an HTTP answer's json()
type Answer = { statusCode: number; body: string; json(): any };

async function post(body: Parameters<typeof createCase>[1]): Promise<Answer> {
  const actor: Actor = { userId: manager.user.id, name: 'Manager', email: 'm@example.test', role: 'manager', via: 'token' };
  try {
    const created = await createCase(t.ctx, body, actor);
    return { statusCode: 201, body: '', json: () => ({ ...created.case, error: undefined }) };
  } catch (e) {
    const err = e as AppError;
    return {
      statusCode: err.code === 'validation_failed' ? 400 : 500,
      body: String(e),
      json: () => ({ error: { code: err.code, details: err.details } }),
    };
  }
}

async function eventKinds(caseId: string): Promise<string[]> {
  const rows = await t.database.db.selectFrom('case_events').select('kind').where('case_id', '=', caseId).orderBy('id').execute();
  return rows.map((r) => r.kind);
}

describe('concurrent creation is batched and equals one-after-another', () => {
  test('over HTTP, concurrent requests each get their case', async () => {
    const responses = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        manager.as({
          method: 'POST',
          url: '/api/cases',
          body: { subject: `Over HTTP ${i}`, requester: { email: `http-${i}@example.test` } },
        }),
      ),
    );
    expect(responses.map((r) => r.statusCode)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(responses.map((r) => r.json().subject))).toEqual(new Set(Array.from({ length: 5 }, (_, i) => `Over HTTP ${i}`)));
  });

  test('30 concurrent cases: batches form, numbers are unique, turns are fair, first contacts are shared', async () => {
    const before = caseIntakeStats(t.ctx);
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        post({
          subject: `Concurrent ${i}`,
          // Every third request comes from the same first-time customer.
          requester: i % 3 === 0 ? { email: 'New.Person@Example.test', name: 'New Person' } : { email: `person-${i}@example.test` },
          message: { body: `Message number ${i} about order ${5000 + i}` },
          teamId,
          autoAssign: true,
        }),
      ),
    );
    for (const r of responses) expect(r.statusCode, r.body).toBe(201);
    const after = caseIntakeStats(t.ctx);
    expect(after.items - before.items).toBe(30);
    expect(after.batches - before.batches).toBeLessThan(30);
    expect(after.largest).toBeGreaterThan(1);

    const cases = responses.map((r) => r.json());
    expect(new Set(cases.map((c) => c.number)).size).toBe(30);
    const shared = cases.filter((_, i) => i % 3 === 0).map((c) => c.requester.id);
    expect(new Set(shared).size).toBe(1);
    const customers = await t.database.db
      .selectFrom('customer_identities')
      .select('customer_id')
      .where('value', '=', 'new.person@example.test')
      .execute();
    expect(customers).toHaveLength(1);
    const created = await t.database.db.selectFrom('customer_events').select('id').where('customer_id', '=', shared[0]).execute();
    expect(created).toHaveLength(1);

    // Round-robin: in number order the assignees rotate through the three agents.
    const byNumber = [...cases].sort((a, b) => a.number - b.number).map((c) => c.assigneeId);
    const counts = new Map<string, number>();
    for (const a of byNumber) counts.set(a, (counts.get(a) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([...agents].sort());
    expect([...counts.values()]).toEqual([10, 10, 10]);
    for (let i = 3; i < byNumber.length; i++) expect(byNumber[i]).toBe(byNumber[i - 3]);

    for (const c of cases) {
      expect(await eventKinds(c.id)).toEqual(['created', 'assignment_changed', 'customer_message', 'sla_policy_changed']);
      const targets = await t.database.db.selectFrom('case_sla_targets').select(['target', 'state']).where('case_id', '=', c.id).execute();
      expect(targets).toEqual([{ target: 'firstReply', state: 'active' }]);
      const messages = (await manager.as({ url: `/api/cases/${c.id}/messages` })).json().items;
      expect(messages.map((m: { bodyText: string }) => m.bodyText)).toEqual([
        `Message number ${c.subject.split(' ')[1]} about order ${5000 + Number(c.subject.split(' ')[1])}`,
      ]);
    }
    const found = (await manager.as({ url: '/api/cases?q=5017' })).json().items;
    expect(found.map((c: { subject: string }) => c.subject)).toEqual(['Concurrent 17']);
  });

  test('a bad request among good ones gets its own error; the others are created and nothing half-made remains', async () => {
    const missingTeam = '00000000-0000-4000-8000-000000000001';
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        post({
          subject: `Mixed ${i}`,
          requester: { email: `mixed-${i}@example.test` },
          message: { body: 'hello' },
          teamId: i === 5 ? missingTeam : teamId,
        }),
      ),
    );
    responses.forEach((r, i) => expect(r.statusCode, r.body).toBe(i === 5 ? 400 : 201));
    expect(responses[5]!.json().error).toMatchObject({ code: 'validation_failed', details: { field: 'teamId' } });
    const rows = await t.database.db.selectFrom('cases').select('subject').where('subject', 'like', 'Mixed %').execute();
    expect(rows.map((r) => r.subject).sort()).toEqual(
      Array.from({ length: 12 }, (_, i) => `Mixed ${i}`)
        .filter((s) => s !== 'Mixed 5')
        .sort(),
    );
    const orphan = await t.database.db.selectFrom('customer_identities').select('id').where('value', '=', 'mixed-5@example.test').execute();
    expect(orphan).toHaveLength(0);
  });

  test('the same external message twice in one batch is one case; the second answer is a duplicate', async () => {
    const at = t.clock.now();
    const input = {
      subject: 'Chat hello',
      channel: 'chat' as const,
      requester: { email: 'chat@example.test' },
      message: { body: 'hi', externalId: 'chat-msg-1' },
    };
    const [first, second, other] = await t.database.db.transaction().execute((trx) =>
      createCasesTx(trx, at, [
        { input, actor: { kind: 'system' } },
        { input, actor: { kind: 'system' } },
        { input: { ...input, message: { body: 'other', externalId: 'chat-msg-2' } }, actor: { kind: 'system' } },
      ]),
    );
    expect(first!.duplicate).toBe(false);
    expect(second).toEqual({ case: first!.case, duplicate: true });
    expect(other!.case.id).not.toBe(first!.case.id);
    expect(other!.case.requester.id).toBe(first!.case.requester.id);
    const again = await t.database.db.transaction().execute((trx) => createCasesTx(trx, at, [{ input, actor: { kind: 'system' } }]));
    expect(again[0]).toMatchObject({ duplicate: true, case: { id: first!.case.id } });
  });

  test('the intake refreshes targets and facts from what it wrote; the general refresh afterwards changes nothing', async () => {
    const at = new Date();
    const statuses = ['new', 'open', 'pending', 'on_hold'] as const;
    const created = await t.database.db.transaction().execute((trx) =>
      createCasesTx(
        trx,
        at,
        statuses.map((status, i) => ({
          input: {
            subject: `Derived ${i}`,
            status,
            priority: i % 2 === 0 ? ('urgent' as const) : ('low' as const),
            requester: { email: `derived-${i}@example.test` },
            message: i === 3 ? undefined : { body: `Derived message ${i}` },
            teamId,
            autoAssign: i % 2 === 0,
          },
          actor: { kind: 'system' as const },
        })),
      ),
    );
    const ids = created.map((c) => c.case.id);
    const db = t.database.db;
    const snapshot = async () => ({
      targets: (
        await db.selectFrom('case_sla_targets').selectAll().where('case_id', 'in', ids).orderBy('case_id').orderBy('target').execute()
      ).map((r) => JSON.stringify({ ...r, remaining_minutes: Number(r.remaining_minutes) })),
      facts: (
        await db.selectFrom('case_metric_facts').select(['case_id', 'facts']).where('case_id', 'in', ids).orderBy('case_id').execute()
      ).map((r) => JSON.stringify(r)),
      rollups: (await db.selectFrom('metric_rollups').select(['metric', 'bucket', 'team_id', 'assignee_id', 'count', 'sum']).execute())
        .map((r) => JSON.stringify({ ...r, count: Number(r.count), sum: Number(r.sum) }))
        .sort(),
      events: (await db.selectFrom('case_events').select(['case_id', 'kind']).where('case_id', 'in', ids).orderBy('id').execute()).map(
        (r) => `${r.case_id} ${r.kind}`,
      ),
    });
    const written = await snapshot();
    // The policy applies to every case: two targets each, and the policy change is on record.
    expect(written.targets.filter((r) => r.includes('"firstReply"'))).toHaveLength(ids.length);
    expect(written.facts).toHaveLength(ids.length);
    expect(written.events.filter((e) => e.endsWith('sla_policy_changed'))).toHaveLength(ids.length);
    await db.transaction().execute((trx) => refreshCasesDerived(trx, ids, at));
    expect(await snapshot()).toEqual(written);
  });

  test('a batch writes each row as given: tags, custom fields, counters and the search document', async () => {
    const at = new Date();
    const tags = ['vip', 'late:delivery', 'café'];
    const [withBody, without] = await t.database.db.transaction().execute((trx) =>
      createCasesTx(trx, at, [
        {
          input: {
            subject: '  Parcel   never arrived ',
            tags,
            requester: { email: 'rows@example.test', name: 'Row Person' },
            message: { body: 'Tracking says delivered' },
          },
          actor: { kind: 'system' },
        },
        { input: { subject: 'No message', requester: { phone: '+441234567890' } }, actor: { kind: 'system' } },
      ]),
    );
    const read = (id: string) =>
      t.database.db
        .selectFrom('cases')
        .select([
          'subject',
          'tags',
          'custom_fields',
          'customer_message_count',
          'last_customer_message_at',
          sql<string>`search::text`.as('search'),
        ])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
    const first = await read(withBody!.case.id);
    expect(first).toMatchObject({ subject: 'Parcel   never arrived', customer_message_count: 1 });
    expect(first.tags).toHaveLength(tags.length);
    expect(first.tags).toEqual(expect.arrayContaining(tags));
    expect(first.last_customer_message_at?.getTime()).toBe(at.getTime());
    expect(first.search).toContain("'track':");
    expect(first.search).toContain("'row':");
    const second = await read(without!.case.id);
    expect(second).toMatchObject({ tags: [], custom_fields: {}, customer_message_count: 0, last_customer_message_at: null });
    // The document written with the row is the one a rebuild from subject, requester and messages makes.
    for (const [id, written] of [
      [withBody!.case.id, first.search],
      [without!.case.id, second.search],
    ] as const) {
      await rebuildSearch(t.database.db, id);
      expect((await read(id)).search).toBe(written);
    }
  });

  test('rollups kept by the batches equal a rebuild from scratch', async () => {
    const read = async () =>
      (
        await t.database.db
          .selectFrom('metric_rollups')
          .select(['metric', 'bucket', 'team_id', 'assignee_id', 'channel', 'count', 'sum'])
          .execute()
      )
        .map((r) => JSON.stringify({ ...r, count: Number(r.count), sum: Number(r.sum) }))
        .sort();
    const kept = await read();
    expect(kept.length).toBeGreaterThan(0);
    await rebuildRollups(t.ctx);
    expect(await read()).toEqual(kept);
  });
});
