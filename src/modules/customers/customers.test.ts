// Customers and organisations: identities, tiers, search, merging duplicates, the timeline and
// its case scope, the event log, and organisation rules.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, testDatabaseUrl, type Requester, type TestApp } from '../../../test/helpers.js';
import { findOrCreateCustomers } from './customers.service.js';

let t: TestApp;
let agent: { as: Requester; user: { id: string } };
let manager: { as: Requester; user: { id: string } };
let executive: { as: Requester; user: { id: string } };
let backOffice: { as: Requester; user: { id: string } };

beforeAll(async () => {
  t = await startTestApp();
  agent = await t.userWithToken('agent');
  manager = await t.userWithToken('manager');
  executive = await t.userWithToken('executive');
  backOffice = await t.userWithToken('back_office');
});
afterAll(() => t.close());

type Customer = {
  id: string;
  name: string;
  tier: string;
  organisationId: string | null;
  emails: string[];
  phones: string[];
  identities: { id: string; kind: string; value: string }[];
  openCaseCount: number;
  caseCount: number;
  mergedIntoId: string | null;
  notes: string | null;
};

let seq = 0;
const unique = (prefix: string) => `${prefix}-${++seq}-${Date.now().toString(36)}`;

async function createCustomer(body: Record<string, unknown>, as: Requester = agent.as): Promise<Customer> {
  const res = await as({ method: 'POST', url: '/api/customers', body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function getCustomer(id: string, as: Requester = agent.as): Promise<Customer> {
  const res = await as({ url: `/api/customers/${id}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

async function openCase(requesterId: string, extra: Record<string, unknown> = {}, as: Requester = agent.as) {
  const res = await as({ method: 'POST', url: '/api/cases', body: { subject: 'Help please', requesterId, ...extra } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; number: number; requester: { id: string } };
}

async function customerEvents(id: string) {
  const res = await manager.as({ url: `/api/customers/${id}/events` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items as { kind: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null }[];
}

describe('identities', () => {
  test('emails are stored lower-case and phone numbers without punctuation', async () => {
    const c = await createCustomer({ name: ' Ann Smith ', emails: [' Ann.Smith@Example.COM '], phones: ['+44 (20) 7946-0001'] });
    expect(c).toMatchObject({ name: 'Ann Smith', tier: 'standard', emails: ['ann.smith@example.com'], phones: ['+442079460001'] });
    expect(c.identities.map((i) => i.kind).sort()).toEqual(['email', 'phone']);
    expect((await customerEvents(c.id)).map((e) => e.kind)).toEqual(['created']);
  });

  test('an identity another customer has is refused with 409 naming it, however it is typed', async () => {
    const first = await createCustomer({ emails: ['taken@example.test'] });
    const res = await agent.as({ method: 'POST', url: '/api/customers', body: { emails: ['TAKEN@example.test'] } });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.message).toContain('taken@example.test');
    expect(res.json().error.details).toMatchObject({ kind: 'email', value: 'taken@example.test', customerId: first.id });

    const other = await createCustomer({ phones: ['0700 900 111'] });
    const add = await agent.as({
      method: 'POST',
      url: `/api/customers/${other.id}/identities`,
      body: { kind: 'email', value: 'Taken@Example.test' },
    });
    expect(add.statusCode).toBe(409);
    expect(add.json().error.details).toMatchObject({ customerId: first.id });
  });

  test('a customer needs an identity and identities must be well formed', async () => {
    const none = await agent.as({ method: 'POST', url: '/api/customers', body: { name: 'Nobody' } });
    expect(none.statusCode).toBe(400);
    const badEmail = await agent.as({ method: 'POST', url: '/api/customers', body: { emails: ['not-an-address'] } });
    expect(badEmail.statusCode).toBe(400);
    const badPhone = await agent.as({ method: 'POST', url: '/api/customers', body: { phones: ['call me'] } });
    expect(badPhone.statusCode).toBe(400);
    const extra = await agent.as({ method: 'POST', url: '/api/customers', body: { emails: ['x@example.test'], vip: true } });
    expect(extra.statusCode).toBe(400);
  });

  test('identities are added and removed, but the last one stays', async () => {
    const c = await createCustomer({ emails: ['keep@example.test'] });
    const added = await agent.as({
      method: 'POST',
      url: `/api/customers/${c.id}/identities`,
      body: { kind: 'chat', value: 'chat-user-77' },
    });
    expect(added.statusCode, added.body).toBe(201);
    expect(
      added
        .json()
        .identities.map((i: { value: string }) => i.value)
        .sort(),
    ).toEqual(['chat-user-77', 'keep@example.test']);
    const again = await agent.as({
      method: 'POST',
      url: `/api/customers/${c.id}/identities`,
      body: { kind: 'email', value: 'KEEP@example.test' },
    });
    expect(again.statusCode).toBe(200);
    expect(again.json().identities).toHaveLength(2);

    const email = c.identities[0]!;
    const removed = await agent.as({ method: 'DELETE', url: `/api/customers/${c.id}/identities/${email.id}` });
    expect(removed.statusCode, removed.body).toBe(200);
    expect(removed.json().identities.map((i: { kind: string }) => i.kind)).toEqual(['chat']);
    const last = removed.json().identities[0].id as string;
    const refused = await agent.as({ method: 'DELETE', url: `/api/customers/${c.id}/identities/${last}` });
    expect(refused.statusCode).toBe(409);
    expect((await getCustomer(c.id)).identities).toHaveLength(1);
    expect((await customerEvents(c.id)).map((e) => e.kind)).toEqual(['created', 'identity_added', 'identity_removed']);

    // The removed address is free again for someone else.
    await createCustomer({ emails: ['keep@example.test'] });
  });

  test('an identity of another customer cannot be removed through this one', async () => {
    const a = await createCustomer({ emails: [`${unique('a')}@example.test`], phones: ['0800 100 200'] });
    const b = await createCustomer({ emails: [`${unique('b')}@example.test`] });
    const res = await agent.as({ method: 'DELETE', url: `/api/customers/${b.id}/identities/${a.identities[0]!.id}` });
    expect(res.statusCode).toBe(404);
    expect((await getCustomer(a.id)).identities).toHaveLength(2);
  });
});

describe('tiers and changes', () => {
  test('a tier is set on creation and changed with a before/after event; unknown tiers are refused', async () => {
    const c = await createCustomer({ emails: [`${unique('tier')}@example.test`], tier: 'priority' });
    expect(c.tier).toBe('priority');
    const res = await agent.as({ method: 'PATCH', url: `/api/customers/${c.id}`, body: { tier: 'vip', notes: 'Board member' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ tier: 'vip', notes: 'Board member' });
    const [, updated] = await customerEvents(c.id);
    expect(updated).toMatchObject({
      kind: 'updated',
      before: { tier: 'priority', notes: null },
      after: { tier: 'vip', notes: 'Board member' },
    });
    const bad = await agent.as({ method: 'PATCH', url: `/api/customers/${c.id}`, body: { tier: 'gold' } });
    expect(bad.statusCode).toBe(400);
    const list = (await agent.as({ url: '/api/customers?tier=vip' })).json().items as Customer[];
    expect(list.map((x) => x.id)).toContain(c.id);
    expect(list.every((x) => x.tier === 'vip')).toBe(true);
  });

  test('a PATCH that changes nothing writes no event', async () => {
    const c = await createCustomer({ name: 'Same', emails: [`${unique('same')}@example.test`] });
    await agent.as({ method: 'PATCH', url: `/api/customers/${c.id}`, body: { name: 'Same' } });
    expect((await customerEvents(c.id)).map((e) => e.kind)).toEqual(['created']);
  });

  test('reading needs cases.work or cases.read_all; writing needs cases.work', async () => {
    const c = await createCustomer({ emails: [`${unique('perm')}@example.test`] });
    expect((await executive.as({ url: `/api/customers/${c.id}` })).statusCode).toBe(200);
    expect((await executive.as({ method: 'PATCH', url: `/api/customers/${c.id}`, body: { tier: 'vip' } })).statusCode).toBe(403);
    expect((await backOffice.as({ url: '/api/customers' })).statusCode).toBe(403);
    expect((await t.app.inject({ url: '/api/customers' })).statusCode).toBe(401);
    expect((await agent.as({ url: '/api/customers/00000000-0000-4000-8000-000000000000' })).statusCode).toBe(404);
  });
});

describe('searching customers', () => {
  test('q matches the start of any word of the name or of any identity; cursors page through', async () => {
    const tag = unique('zq').replace(/[^a-z0-9]/g, '');
    const ann = await createCustomer({ name: `Annabel ${tag}son`, emails: [`annabel.${tag}@example.test`] });
    t.clock.advance({ seconds: 1 });
    const bob = await createCustomer({ name: `Bob ${tag}ley`, phones: ['+1 555 010 9999'] });
    const ids = async (q: string) =>
      ((await agent.as({ url: `/api/customers?q=${encodeURIComponent(q)}` })).json().items as Customer[]).map((c) => c.id);

    expect(await ids(`${tag}`)).toEqual([bob.id, ann.id]);
    expect(await ids(`anna ${tag}`)).toEqual([ann.id]);
    expect(await ids(`annabel.${tag}@EX`)).toEqual([ann.id]);
    expect(await ids('+1 (555) 010-99')).toContain(bob.id);
    expect(await ids(`nabel ${tag}`)).toEqual([]);
    expect(await ids('100%_')).toEqual([]);

    const first = (await agent.as({ url: `/api/customers?q=${tag}&limit=1` })).json();
    expect(first.items.map((c: Customer) => c.id)).toEqual([bob.id]);
    const second = (await agent.as({ url: `/api/customers?q=${tag}&limit=1&cursor=${first.nextCursor}` })).json();
    expect(second.items.map((c: Customer) => c.id)).toEqual([ann.id]);
    expect(second.nextCursor).toBeNull();
    expect((await agent.as({ url: '/api/customers?cursor=nonsense' })).statusCode).toBe(400);
  });
});

describe('merging duplicates', () => {
  test('identities, cases and messages move to the target; the source is marked and keeps nothing', async () => {
    const target = await createCustomer({ name: 'Carla Jones', emails: ['carla@example.test'] });
    const source = await createCustomer({ name: 'C. Jones', emails: ['carla.jones@work.test'], phones: ['0700 123 456'], tier: 'vip' });
    const c1 = await openCase(source.id, { message: { body: 'My first question' } });
    const c2 = await openCase(source.id);

    const res = await agent.as({ method: 'POST', url: `/api/customers/${target.id}/merge`, body: { sourceId: source.id } });
    expect(res.statusCode, res.body).toBe(200);
    const merged = res.json() as Customer;
    expect(merged.identities.map((i) => i.value).sort()).toEqual(['0700123456', 'carla.jones@work.test', 'carla@example.test']);
    expect(merged).toMatchObject({ name: 'Carla Jones', tier: 'vip', caseCount: 2, openCaseCount: 2, mergedIntoId: null });

    const after = await getCustomer(source.id);
    expect(after).toMatchObject({ mergedIntoId: target.id, identities: [], caseCount: 0 });
    for (const c of [c1, c2]) expect((await agent.as({ url: `/api/cases/${c.id}` })).json().requester.id).toBe(target.id);
    const msgs = (await agent.as({ url: `/api/cases/${c1.id}/messages` })).json().items;
    expect(msgs[0].author).toMatchObject({ type: 'customer', id: target.id });
    const caseEvents = (await agent.as({ url: `/api/cases/${c1.id}/events` })).json().items;
    expect(caseEvents.at(-1)).toMatchObject({
      kind: 'requester_changed',
      before: { requesterId: source.id },
      after: { requesterId: target.id },
    });
    // The cases' search documents now carry the surviving customer's identities.
    const found = await t.database.db
      .selectFrom('cases')
      .select('id')
      .where('id', '=', c2.id)
      .where(sql<boolean>`search @@ plainto_tsquery('simple', 'carla@example.test')`)
      .execute();
    expect(found).toHaveLength(1);

    const sourceEvents = await customerEvents(source.id);
    expect(sourceEvents.at(-1)).toMatchObject({ kind: 'merged_into', after: { mergedIntoId: target.id } });
    const targetEvents = await customerEvents(target.id);
    expect(targetEvents.at(-1)).toMatchObject({ kind: 'merged_from', after: { sourceId: source.id } });
    expect((targetEvents.at(-1)!.after!.cases as { id: string }[]).map((c) => c.id).sort()).toEqual([c1.id, c2.id].sort());

    // The merged customer is gone from the directory, and new contact from its old address finds the target.
    const listed = (await agent.as({ url: '/api/customers?q=jones' })).json().items as Customer[];
    expect(listed.map((c) => c.id)).toEqual([target.id]);
    const fresh = await agent.as({
      method: 'POST',
      url: '/api/cases',
      body: { subject: 'Again', requester: { email: 'Carla.Jones@work.test' } },
    });
    expect(fresh.json().requester.id).toBe(target.id);
  });

  test('merging into itself, from or into an already-merged customer is 409 and changes nothing', async () => {
    const a = await createCustomer({ emails: [`${unique('ma')}@example.test`] });
    const b = await createCustomer({ emails: [`${unique('mb')}@example.test`] });
    const c = await createCustomer({ emails: [`${unique('mc')}@example.test`] });
    const merge = (into: string, from: string) =>
      agent.as({ method: 'POST', url: `/api/customers/${into}/merge`, body: { sourceId: from } });

    expect((await merge(a.id, a.id)).statusCode).toBe(409);
    expect((await merge(a.id, b.id)).statusCode).toBe(200);
    expect((await merge(b.id, c.id)).statusCode).toBe(409);
    expect((await merge(c.id, b.id)).statusCode).toBe(409);
    expect((await merge(a.id, '00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await getCustomer(c.id)).identities).toHaveLength(1);
    expect((await agent.as({ method: 'PATCH', url: `/api/customers/${b.id}`, body: { name: 'Ghost' } })).statusCode).toBe(409);
    expect((await merge(a.id, c.id)).statusCode).toBe(200);
    expect((await getCustomer(a.id)).identities).toHaveLength(3);
  });

  test('customers merged earlier into the source now point at the target', async () => {
    const a = await createCustomer({ emails: [`${unique('ca')}@example.test`] });
    const b = await createCustomer({ emails: [`${unique('cb')}@example.test`] });
    const c = await createCustomer({ emails: [`${unique('cc')}@example.test`] });
    await agent.as({ method: 'POST', url: `/api/customers/${b.id}/merge`, body: { sourceId: c.id } });
    await agent.as({ method: 'POST', url: `/api/customers/${a.id}/merge`, body: { sourceId: b.id } });
    expect((await getCustomer(c.id)).mergedIntoId).toBe(a.id);
  });
});

describe('timeline', () => {
  test('cases and contacts, newest first, with excerpts, paged by cursor', async () => {
    const c = await createCustomer({ name: 'Tim Line', emails: [`${unique('tl')}@example.test`] });
    const first = await openCase(c.id, { message: { body: 'First   contact\n\nwith spaces' }, channel: 'email' });
    t.clock.advance({ minutes: 5 });
    const reply = await agent.as({ method: 'POST', url: `/api/cases/${first.id}/messages`, body: { kind: 'reply', body: 'We are on it' } });
    expect(reply.statusCode).toBe(201);
    t.clock.advance({ minutes: 5 });
    await agent.as({ method: 'POST', url: `/api/cases/${first.id}/messages`, body: { kind: 'customer', body: 'x'.repeat(500) } });
    t.clock.advance({ minutes: 5 });
    const second = await openCase(c.id, { channel: 'phone' });

    const res = await agent.as({ url: `/api/customers/${c.id}/timeline` });
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json().items as { type: string; caseId: string; excerpt?: string; channel: string; number: number }[];
    expect(items.map((i) => [i.type, i.caseId])).toEqual([
      ['case', second.id],
      ['message', first.id],
      ['message', first.id],
      ['case', first.id],
    ]);
    expect(items[0]).toMatchObject({ channel: 'phone', number: second.number, status: 'new' });
    expect(items[1]!.excerpt).toBe('x'.repeat(200));
    expect(items[2]).toMatchObject({ excerpt: 'First contact with spaces', channel: 'email' });

    const pages: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { type: string; caseId: string }[]; nextCursor: string | null } = (
        await agent.as({ url: `/api/customers/${c.id}/timeline?limit=1${cursor ? `&cursor=${cursor}` : ''}` })
      ).json();
      pages.push(...page.items.map((i) => `${i.type}:${i.caseId}`));
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages).toEqual(items.map((i) => `${i.type}:${i.caseId}`));
  });

  test('an agent does not see another team’s case in a customer’s timeline', async () => {
    const mine = await manager.as({ method: 'POST', url: '/api/teams', body: { name: unique('Team Mine') } });
    const theirs = await manager.as({ method: 'POST', url: '/api/teams', body: { name: unique('Team Theirs') } });
    expect(mine.statusCode, mine.body).toBe(201);
    const join = await manager.as({
      method: 'PUT',
      url: `/api/teams/${mine.json().id}/members/${agent.user.id}`,
      body: { membership: 'member' },
    });
    expect(join.statusCode, join.body).toBe(200);

    const c = await createCustomer({ emails: [`${unique('scope')}@example.test`] });
    const visible = await openCase(c.id, { teamId: mine.json().id, message: { body: 'visible contact' } }, manager.as);
    t.clock.advance({ minutes: 1 });
    const hidden = await openCase(c.id, { teamId: theirs.json().id, message: { body: 'secret contact' } }, manager.as);

    const forAgent = (await agent.as({ url: `/api/customers/${c.id}/timeline` })).json().items as { caseId: string; excerpt?: string }[];
    expect(forAgent.map((i) => i.caseId)).toEqual([visible.id, visible.id]);
    expect(JSON.stringify(forAgent)).not.toContain('secret');
    expect((await getCustomer(c.id)).caseCount).toBe(1);

    const forManager = (await manager.as({ url: `/api/customers/${c.id}/timeline` })).json().items as { caseId: string }[];
    expect(forManager.map((i) => i.caseId)).toEqual([hidden.id, hidden.id, visible.id, visible.id]);
    expect((await getCustomer(c.id, manager.as)).caseCount).toBe(2);
  });
});

describe('organisations', () => {
  test('create, read with counts, rename, unique names regardless of case', async () => {
    const res = await manager.as({ method: 'POST', url: '/api/organisations', body: { name: 'Acme Ltd', domain: '@ACME.example' } });
    expect(res.statusCode, res.body).toBe(201);
    const org = res.json();
    expect(org).toMatchObject({ name: 'Acme Ltd', domain: 'acme.example', customerCount: 0, openCaseCount: 0 });
    const dup = await manager.as({ method: 'POST', url: '/api/organisations', body: { name: 'ACME LTD' } });
    expect(dup.statusCode).toBe(409);
    expect(
      (await manager.as({ method: 'POST', url: '/api/organisations', body: { name: 'Bad', domain: 'not a domain' } })).statusCode,
    ).toBe(400);

    const member = await createCustomer({ emails: [`${unique('acme')}@acme.example`], organisationId: org.id });
    expect(member).toMatchObject({
      organisationId: org.id,
      organisationName: 'Acme Ltd',
      organisation: { id: org.id, domain: 'acme.example' },
    });
    await openCase(member.id);
    const detail = (await agent.as({ url: `/api/organisations/${org.id}` })).json();
    expect(detail).toMatchObject({ customerCount: 1, openCaseCount: 1 });
    const byOrg = (await agent.as({ url: `/api/customers?organisationId=${org.id}` })).json().items as Customer[];
    expect(byOrg.map((c) => c.id)).toEqual([member.id]);

    const other = (await manager.as({ method: 'POST', url: '/api/organisations', body: { name: 'Other Co' } })).json();
    expect((await manager.as({ method: 'PATCH', url: `/api/organisations/${other.id}`, body: { name: 'acme ltd' } })).statusCode).toBe(409);
    const renamed = await manager.as({
      method: 'PATCH',
      url: `/api/organisations/${other.id}`,
      body: { name: 'Other Company', domain: null },
    });
    expect(renamed.json()).toMatchObject({ name: 'Other Company', domain: null });
    const listed = (await agent.as({ url: '/api/organisations?q=acme' })).json().items as { id: string }[];
    expect(listed.map((o) => o.id)).toEqual([org.id]);
  });

  test('only configurers write; an organisation with customers cannot be deleted', async () => {
    const forbidden = await agent.as({ method: 'POST', url: '/api/organisations', body: { name: 'Agent Org' } });
    expect(forbidden.statusCode).toBe(403);
    const org = (await manager.as({ method: 'POST', url: '/api/organisations', body: { name: unique('Busy Org') } })).json();
    const member = await createCustomer({ emails: [`${unique('busy')}@example.test`], organisationId: org.id });
    const refused = await manager.as({ method: 'DELETE', url: `/api/organisations/${org.id}` });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.details).toMatchObject({ customerCount: 1 });

    const cleared = await agent.as({ method: 'PATCH', url: `/api/customers/${member.id}`, body: { organisationId: null } });
    expect(cleared.json()).toMatchObject({ organisationId: null, organisationName: null });
    expect((await agent.as({ method: 'DELETE', url: `/api/organisations/${org.id}` })).statusCode).toBe(403);
    expect((await manager.as({ method: 'DELETE', url: `/api/organisations/${org.id}` })).statusCode).toBe(204);
    expect((await agent.as({ url: `/api/organisations/${org.id}` })).statusCode).toBe(404);
  });

  test('a customer cannot be put in an organisation that does not exist', async () => {
    const res = await agent.as({
      method: 'POST',
      url: '/api/customers',
      body: { emails: [`${unique('noorg')}@example.test`], organisationId: '00000000-0000-4000-8000-000000000000' },
    });
    expect(res.statusCode).toBe(400);
  });
});

describe('first contacts racing', () => {
  test.runIf(testDatabaseUrl)('two transactions meeting the same new address end with one customer, the first one', async () => {
    const email = `racing-${Date.now()}@example.test`;
    const at = new Date();
    let releaseFirst!: () => void;
    const firstHolds = new Promise<void>((r) => (releaseFirst = r));
    let firstInserted!: () => void;
    const inserted = new Promise<void>((r) => (firstInserted = r));
    const first = t.database.db.transaction().execute(async (trx) => {
      const [ref] = await findOrCreateCustomers(trx, [{ email, name: 'First' }], at);
      firstInserted();
      await firstHolds;
      return ref!;
    });
    await inserted;
    // The second waits on the unique identity the first holds, then finds the first's customer.
    const second = t.database.db
      .transaction()
      .execute(async (trx) => (await findOrCreateCustomers(trx, [{ email, name: 'Second' }], at))[0]!);
    await new Promise((r) => setTimeout(r, 200));
    releaseFirst();
    const [a, b] = await Promise.all([first, second]);
    expect(b.id).toBe(a.id);
    const owners = await t.database.db.selectFrom('customer_identities').select('customer_id').where('value', '=', email).execute();
    expect(owners).toEqual([{ customer_id: a.id }]);
    const events = await t.database.db.selectFrom('customer_events').select('customer_id').where('customer_id', '=', a.id).execute();
    expect(events).toHaveLength(1);
  });
});
