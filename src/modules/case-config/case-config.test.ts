// Case configuration: the category tree and custom fields, who may change them, and how the
// cases API enforces them.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type Requester, type TestApp } from '../../../test/helpers.js';
import { updateCategory } from './case-config.service.js';

let t: TestApp;
let agent: { as: Requester; user: { id: string } };
let manager: { as: Requester; user: { id: string } };
let admin: { as: Requester; user: { id: string } };

beforeAll(async () => {
  t = await startTestApp();
  agent = await t.userWithToken('agent');
  manager = await t.userWithToken('manager');
  admin = await t.userWithToken('admin');
});
afterAll(() => t.close());

type Category = { id: string; parentId: string | null; name: string; path: string; active: boolean; depth: number };

async function addCategory(name: string, parentId?: string): Promise<Category> {
  const res = await manager.as({ method: 'POST', url: '/api/categories', body: { name, ...(parentId ? { parentId } : {}) } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function categories(as: Requester = agent.as): Promise<Category[]> {
  const res = await as({ url: '/api/categories' });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items;
}

async function openCase(extra: Record<string, unknown> = {}) {
  return agent.as({
    method: 'POST',
    url: '/api/cases',
    body: { subject: 'Config test', requester: { email: 'cfg@example.test' }, ...extra },
  });
}

describe('permissions', () => {
  test('agents and read-only roles read the configuration; only cases.configure changes it; back office sees nothing', async () => {
    const executive = await t.userWithToken('executive');
    const backOffice = await t.userWithToken('back_office');
    for (const url of ['/api/categories', '/api/custom-fields']) {
      expect((await agent.as({ url })).statusCode).toBe(200);
      expect((await executive.as({ url })).statusCode).toBe(200);
      expect((await backOffice.as({ url })).statusCode).toBe(403);
    }
    expect((await agent.as({ method: 'POST', url: '/api/categories', body: { name: 'Nope' } })).statusCode).toBe(403);
    const field = { key: 'nope', label: 'Nope', kind: 'text' };
    expect((await agent.as({ method: 'POST', url: '/api/custom-fields', body: field })).statusCode).toBe(403);
    expect((await admin.as({ method: 'POST', url: '/api/custom-fields', body: { ...field, key: 'admin_made' } })).statusCode).toBe(201);
  });
});

describe('the category tree', () => {
  let billing: Category;
  let refund: Category;
  let invoices: Category;
  let partial: Category;
  let shipping: Category;

  beforeAll(async () => {
    shipping = await addCategory('Shipping');
    billing = await addCategory('Billing');
    refund = await addCategory('Refund', billing.id);
    invoices = await addCategory('Invoices', billing.id);
    partial = await addCategory('Partial refund', refund.id);
  });

  test('is listed parent before children, siblings by name, with paths and depths', async () => {
    const mine = (await categories()).filter((c) => [billing, refund, invoices, partial, shipping].some((x) => x.id === c.id));
    expect(mine.map((c) => [c.path, c.depth])).toEqual([
      ['Billing', 0],
      ['Billing > Invoices', 1],
      ['Billing > Refund', 1],
      ['Billing > Refund > Partial refund', 2],
      ['Shipping', 0],
    ]);
    expect(mine[2]).toMatchObject({ id: refund.id, parentId: billing.id, name: 'Refund', active: true });
    const audit = await t.database.db.selectFrom('audit_events').select('action').where('subject_id', '=', refund.id).execute();
    expect(audit.map((a) => a.action)).toEqual(['category.created']);
  });

  test('sibling names are unique regardless of case; the same name may sit under another parent', async () => {
    const dup = await manager.as({ method: 'POST', url: '/api/categories', body: { name: ' billing ' } });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.code).toBe('conflict');
    expect((await manager.as({ method: 'POST', url: '/api/categories', body: { name: 'REFUND', parentId: billing.id } })).statusCode).toBe(
      409,
    );
    const other = await addCategory('Refund', shipping.id);
    expect(other.path).toBe('Shipping > Refund');
    const rename = await manager.as({ method: 'PATCH', url: `/api/categories/${invoices.id}`, body: { name: 'refund' } });
    expect(rename.statusCode).toBe(409);
  });

  test('names must be non-blank and free of ">"; a parent must exist', async () => {
    expect((await manager.as({ method: 'POST', url: '/api/categories', body: { name: '   ' } })).statusCode).toBe(400);
    expect((await manager.as({ method: 'POST', url: '/api/categories', body: { name: 'A > B' } })).statusCode).toBe(400);
    const orphan = await manager.as({
      method: 'POST',
      url: '/api/categories',
      body: { name: 'Orphan', parentId: '00000000-0000-4000-8000-000000000000' },
    });
    expect(orphan.statusCode).toBe(400);
    expect(orphan.json().error.details).toMatchObject({ field: 'parentId' });
  });

  test('a category cannot move under itself or its own subcategories', async () => {
    for (const parentId of [billing.id, refund.id, partial.id]) {
      const res = await manager.as({ method: 'PATCH', url: `/api/categories/${billing.id}`, body: { parentId } });
      expect(res.statusCode, parentId).toBe(400);
      expect(res.json().error.details).toMatchObject({ field: 'parentId' });
    }
    expect((await categories()).find((c) => c.id === billing.id)?.parentId).toBeNull();
  });

  test('two concurrent crossing moves cannot build a cycle together', async () => {
    const a = await addCategory('Race A');
    const b = await addCategory('Race B');
    const actor = { userId: manager.user.id, name: 'Manager', email: 'm@example.test', role: 'manager' as const, via: 'token' as const };
    let second: Promise<unknown> | undefined;
    await t.ctx.db.transaction().execute(async (trx) => {
      await updateCategory({ ...t.ctx, db: trx }, a.id, { parentId: b.id }, actor);
      // The crossing move starts while the first is still uncommitted; it must wait and then see it.
      second = updateCategory(t.ctx, b.id, { parentId: a.id }, actor).catch((err: unknown) => err);
      await new Promise((resolve) => setTimeout(resolve, 200));
    });
    const outcome = await second;
    expect(outcome).toMatchObject({ code: 'validation_failed', details: { field: 'parentId' } });
    const list = await categories();
    expect(list.find((c) => c.id === a.id)).toMatchObject({ parentId: b.id, path: 'Race B > Race A' });
    expect(list.find((c) => c.id === b.id)).toMatchObject({ parentId: null });
  });

  test('moving and renaming update the paths below', async () => {
    const moved = await manager.as({
      method: 'PATCH',
      url: `/api/categories/${refund.id}`,
      body: { parentId: shipping.id, name: 'Returns' },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({ path: 'Shipping > Returns', depth: 1, parentId: shipping.id });
    expect((await categories()).find((c) => c.id === partial.id)?.path).toBe('Shipping > Returns > Partial refund');
    const back = await manager.as({ method: 'PATCH', url: `/api/categories/${refund.id}`, body: { parentId: billing.id, name: 'Refund' } });
    expect(back.json().path).toBe('Billing > Refund');
    const top = await manager.as({ method: 'PATCH', url: `/api/categories/${partial.id}`, body: { parentId: null } });
    expect(top.json()).toMatchObject({ path: 'Partial refund', depth: 0 });
    await manager.as({ method: 'PATCH', url: `/api/categories/${partial.id}`, body: { parentId: refund.id } });
  });

  test('retiring a category retires its branch; cases cannot be filed there; a child needs an active parent to come back', async () => {
    const res = await manager.as({ method: 'PATCH', url: `/api/categories/${refund.id}`, body: { active: false } });
    expect(res.json().active).toBe(false);
    const list = await categories();
    expect(list.find((c) => c.id === partial.id)?.active).toBe(false);
    expect(list.find((c) => c.id === billing.id)?.active).toBe(true);
    const filed = await openCase({ categoryId: partial.id });
    expect(filed.statusCode).toBe(400);
    expect(filed.json().error.details).toMatchObject({ field: 'categoryId' });
    const early = await manager.as({ method: 'PATCH', url: `/api/categories/${partial.id}`, body: { active: true } });
    expect(early.statusCode).toBe(400);
    expect((await manager.as({ method: 'POST', url: '/api/categories', body: { name: 'New', parentId: refund.id } })).statusCode).toBe(400);
    await manager.as({ method: 'PATCH', url: `/api/categories/${refund.id}`, body: { active: true } });
    expect((await manager.as({ method: 'PATCH', url: `/api/categories/${partial.id}`, body: { active: true } })).statusCode).toBe(200);
    expect((await openCase({ categoryId: partial.id })).statusCode).toBe(201);
  });

  test('only an unused category without subcategories can be deleted', async () => {
    const withChildren = await manager.as({ method: 'DELETE', url: `/api/categories/${billing.id}` });
    expect(withChildren.statusCode).toBe(409);
    expect(withChildren.json().error.message).toContain('active: false');
    const used = await manager.as({ method: 'DELETE', url: `/api/categories/${partial.id}` });
    expect(used.statusCode).toBe(409);
    expect(used.json().error.details).toEqual({ caseCount: 1 });
    expect((await agent.as({ method: 'DELETE', url: `/api/categories/${invoices.id}` })).statusCode).toBe(403);
    expect((await manager.as({ method: 'DELETE', url: `/api/categories/${invoices.id}` })).statusCode).toBe(204);
    expect((await categories()).some((c) => c.id === invoices.id)).toBe(false);
    expect((await manager.as({ method: 'DELETE', url: `/api/categories/${invoices.id}` })).statusCode).toBe(404);
  });

  test('a case shows the name of its category', async () => {
    const c = await openCase({ categoryId: refund.id });
    expect(c.json()).toMatchObject({ categoryId: refund.id, categoryName: 'Refund' });
  });
});

describe('custom fields', () => {
  type Field = {
    id: string;
    key: string;
    label: string;
    kind: string;
    options: string[];
    required: boolean;
    active: boolean;
    position: number;
  };
  const fields: Record<string, Field> = {};

  async function define(body: Record<string, unknown>): Promise<Field> {
    const res = await manager.as({ method: 'POST', url: '/api/custom-fields', body });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  }

  beforeAll(async () => {
    fields.text = await define({ key: 'order_ref', label: 'Order reference', kind: 'text' });
    fields.number = await define({ key: 'amount', label: 'Amount', kind: 'number' });
    fields.dropdown = await define({ key: 'product', label: 'Product', kind: 'dropdown', options: ['Basic', 'Pro'] });
    fields.date = await define({ key: 'purchased_on', label: 'Purchased on', kind: 'date' });
    fields.checkbox = await define({ key: 'warranty', label: 'Under warranty', kind: 'checkbox' });
  });

  test('are listed in position order; new fields go last', async () => {
    const items: Field[] = (await agent.as({ url: '/api/custom-fields' })).json().items;
    const keys = items.map((f) => f.key);
    expect(keys.slice(-5)).toEqual(['order_ref', 'amount', 'product', 'purchased_on', 'warranty']);
    expect(items.find((f) => f.key === 'product')).toMatchObject({
      kind: 'dropdown',
      options: ['Basic', 'Pro'],
      required: false,
      active: true,
    });
    const moved = await manager.as({ method: 'PATCH', url: `/api/custom-fields/${fields.checkbox!.id}`, body: { position: -1 } });
    expect(moved.json().position).toBe(-1);
    expect((await agent.as({ url: '/api/custom-fields' })).json().items[0].key).toBe('warranty');
  });

  test('definitions are checked: key shape, unique key, dropdown options', async () => {
    const bad = async (body: Record<string, unknown>, status = 400) => {
      const res = await manager.as({ method: 'POST', url: '/api/custom-fields', body });
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      return res.json().error;
    };
    expect((await bad({ key: 'Order Ref', label: 'x', kind: 'text' })).details).toMatchObject({ field: 'key' });
    expect((await bad({ key: '9lives', label: 'x', kind: 'text' })).details).toMatchObject({ field: 'key' });
    expect((await bad({ key: 'order_ref', label: 'Again', kind: 'text' }, 409)).details).toMatchObject({ field: 'key' });
    expect((await bad({ key: 'plan', label: 'Plan', kind: 'dropdown' })).details).toMatchObject({ field: 'options' });
    expect((await bad({ key: 'plan', label: 'Plan', kind: 'dropdown', options: [] })).details).toMatchObject({ field: 'options' });
    expect((await bad({ key: 'plan', label: 'Plan', kind: 'dropdown', options: ['A', 'A'] })).details).toMatchObject({ field: 'options' });
    expect((await bad({ key: 'note', label: 'Note', kind: 'text', options: ['A'] })).details).toMatchObject({ field: 'options' });
    await bad({ key: 'colour', label: 'Colour', kind: 'color' });
    await bad({ key: 'blank', label: '  ', kind: 'text' });
  });

  test('key and kind cannot change; label, options, required, active and position can', async () => {
    const id = fields.dropdown!.id;
    expect((await manager.as({ method: 'PATCH', url: `/api/custom-fields/${id}`, body: { kind: 'text' } })).statusCode).toBe(400);
    expect((await manager.as({ method: 'PATCH', url: `/api/custom-fields/${id}`, body: { key: 'sku' } })).statusCode).toBe(400);
    expect((await manager.as({ method: 'PATCH', url: `/api/custom-fields/${id}`, body: { options: [] } })).statusCode).toBe(400);
    expect((await manager.as({ method: 'PATCH', url: `/api/custom-fields/${fields.text!.id}`, body: { options: ['x'] } })).statusCode).toBe(
      400,
    );
    expect((await agent.as({ method: 'PATCH', url: `/api/custom-fields/${id}`, body: { label: 'Mine' } })).statusCode).toBe(403);
    const res = await manager.as({
      method: 'PATCH',
      url: `/api/custom-fields/${id}`,
      body: { label: 'Product line', options: ['Basic', 'Pro', 'Team'] },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ key: 'product', kind: 'dropdown', label: 'Product line', options: ['Basic', 'Pro', 'Team'] });
    const audit = await t.database.db.selectFrom('audit_events').select('action').where('subject_id', '=', id).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['custom_field.created', 'custom_field.updated']);
  });

  const wrongValues: [kind: string, key: string, wrong: unknown[], right: unknown][] = [
    ['text', 'order_ref', [12, true, 'x'.repeat(10_001)], 'A-1234'],
    ['number', 'amount', ['12', true], 12.5],
    ['dropdown', 'product', ['Enterprise', 'basic', 1], 'Team'],
    ['date', 'purchased_on', ['2026-02-30', '26-01-01', '2026-01-01T10:00:00Z', 20260101], '2026-01-31'],
    ['checkbox', 'warranty', ['true', 1], false],
  ];

  test.each(wrongValues)(
    'a %s field rejects wrong values on case creation and on change, and keeps right ones',
    async (_kind, key, wrong, right) => {
      for (const value of wrong) {
        const res = await openCase({ customFields: { [key]: value } });
        expect(res.statusCode, `${key}=${JSON.stringify(value)}`).toBe(400);
        expect(res.json().error.code).toBe('validation_failed');
      }
      const created = await openCase({ customFields: { [key]: right } });
      expect(created.statusCode, created.body).toBe(201);
      const c = created.json();
      expect(c.customFields).toEqual({ [key]: right });
      for (const value of wrong) {
        const res = await agent.as({
          method: 'PATCH',
          url: `/api/cases/${c.id}`,
          body: { version: c.version, customFields: { [key]: value } },
        });
        expect(res.statusCode, `${key}=${JSON.stringify(value)}`).toBe(400);
        // Either the route schema or the field check refuses it; both name the field.
        expect(JSON.stringify(res.json().error.details)).toContain(`customFields.${key}`);
      }
      const cleared = await agent.as({
        method: 'PATCH',
        url: `/api/cases/${c.id}`,
        body: { version: c.version, customFields: { [key]: null } },
      });
      expect(cleared.json().customFields).toEqual({});
    },
  );

  test('unknown and retired fields are rejected', async () => {
    expect((await openCase({ customFields: { nonexistent: 'x' } })).statusCode).toBe(400);
    await manager.as({ method: 'PATCH', url: `/api/custom-fields/${fields.number!.id}`, body: { active: false } });
    const retired = await openCase({ customFields: { amount: 3 } });
    expect(retired.statusCode).toBe(400);
    expect(retired.json().error.details).toMatchObject({ field: 'customFields.amount' });
    await manager.as({ method: 'PATCH', url: `/api/custom-fields/${fields.number!.id}`, body: { active: true } });
    expect((await openCase({ customFields: { amount: 3 } })).statusCode).toBe(201);
  });

  test('a required field blocks solving a case until it is set', async () => {
    await manager.as({ method: 'PATCH', url: `/api/custom-fields/${fields.dropdown!.id}`, body: { required: true } });
    try {
      const c = (await openCase()).json();
      expect(c.status).toBe('new'); // opening a case does not need it
      const solve = await agent.as({ method: 'PATCH', url: `/api/cases/${c.id}`, body: { version: c.version, status: 'solved' } });
      expect(solve.statusCode).toBe(400);
      expect(solve.json().error.details).toEqual({ missing: ['product'] });
      const reply = await agent.as({
        method: 'POST',
        url: `/api/cases/${c.id}/messages`,
        body: { kind: 'reply', body: 'Done', status: 'solved' },
      });
      expect(reply.statusCode).toBe(400);
      expect((await agent.as({ url: `/api/cases/${c.id}/messages` })).json().items).toHaveLength(0);
      const set = await agent.as({
        method: 'PATCH',
        url: `/api/cases/${c.id}`,
        body: { version: c.version, customFields: { product: 'Pro' } },
      });
      const solved = await agent.as({
        method: 'PATCH',
        url: `/api/cases/${c.id}`,
        body: { version: set.json().version, status: 'solved' },
      });
      expect(solved.statusCode, solved.body).toBe(200);
      expect(solved.json()).toMatchObject({ status: 'solved', customFields: { product: 'Pro' } });
      // Setting the field and solving in one change also works.
      const d = (await openCase()).json();
      const both = await agent.as({
        method: 'PATCH',
        url: `/api/cases/${d.id}`,
        body: { version: d.version, status: 'solved', customFields: { product: 'Basic' } },
      });
      expect(both.statusCode, both.body).toBe(200);
    } finally {
      await manager.as({ method: 'PATCH', url: `/api/custom-fields/${fields.dropdown!.id}`, body: { required: false } });
    }
  });
});
