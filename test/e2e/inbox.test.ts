// The agent's day in a real browser against a real server: the inbox's views and counts, taking
// an unassigned case, answering it with a macro that leaves it pending, and the open case page
// following a customer's reply live (server-sent events), without a reload.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { systemActor } from '../../src/modules/auth/permissions.js';
import { insertToken } from '../../src/modules/tokens/tokens.service.js';
import { insertNewUser } from '../../src/modules/users/users.service.js';
import type { Role } from '../../src/db/schema.js';
import { callApi, type E2eServer, launchBrowser, startE2eServer } from './browser.js';

const WAIT = { timeout: 15_000 };

let server: E2eServer;
let browser: Browser;
let context: BrowserContext | undefined;
let adminToken: string;

type CaseView = { id: string; number: number; subject: string; status: string; assigneeId: string | null; version: number };

beforeAll(async () => {
  server = await startE2eServer();
  browser = await launchBrowser();
  const admin = await newUser('admin');
  adminToken = await tokenFor(admin.id);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

afterEach(async () => {
  await context?.close();
  context = undefined;
});

let userCounter = 0;
async function newUser(role: Role, name?: string) {
  userCounter += 1;
  const input = {
    email: `${role}-${userCounter}@example.test`,
    password: `correct horse ${userCounter} battery`,
    name: name ?? `${role} ${userCounter}`,
    role,
  };
  const user = await server.database.db.transaction().execute((trx) => insertNewUser(trx, input, systemActor, new Date()));
  return { ...input, id: user.id };
}

async function tokenFor(userId: string): Promise<string> {
  const created = await server.database.db
    .transaction()
    .execute((trx) => insertToken(trx, { name: 'e2e seed', userId }, systemActor, new Date()));
  return created.secret;
}

/** The API as a script would use it: JSON, Bearer token, errors fail the test with their body. */
function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  return callApi<T>(server, adminToken, method, path, body);
}

async function newPage(): Promise<{ page: Page; pageErrors: Error[] }> {
  context = await browser.newContext({ baseURL: server.url, viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT.timeout);
  const pageErrors: Error[] = [];
  page.on('pageerror', (error) => pageErrors.push(error));
  return { page, pageErrors };
}

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="password"]').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/inbox/**', WAIT);
}

/** Live updates are connected: from here on, changes reach the page by the stream alone. */
async function waitForLive(page: Page): Promise<void> {
  await page.locator('[data-testid="live-state"][data-state="live"]').waitFor({ state: 'attached', ...WAIT });
}

/** A marker that only survives as long as the page is not reloaded. */
async function markPage(page: Page): Promise<void> {
  await page.evaluate(() => {
    (globalThis as unknown as { e2eMarker: string }).e2eMarker = 'not reloaded';
  });
}

async function pageWasNotReloaded(page: Page): Promise<boolean> {
  return page.evaluate(() => (globalThis as unknown as { e2eMarker?: string }).e2eMarker === 'not reloaded');
}

function viewCount(page: Page, builtIn: string) {
  return page.locator(`[data-testid="view-${builtIn}"] [data-testid="view-count"]`);
}

describe('the agent inbox', () => {
  test('an agent takes an unassigned case from the inbox, answers it with a macro, and sees the customer reopen it live', async () => {
    const agent = await newUser('agent', 'Ann Smith');
    const macro = await api<{ id: string; name: string }>('POST', '/api/macros', {
      name: 'Ask for the order number',
      replyBody: 'Hi {{customer.first_name}}, could you send us your order number? We will look into it at once.',
      actions: { status: 'pending' },
      shared: true,
    });
    const created = await api<CaseView>('POST', '/api/cases', {
      subject: 'My parcel never arrived',
      requester: { email: 'maria.lopez@example.test', name: 'Maria Lopez' },
      message: { body: 'I ordered a lamp two weeks ago and it has not arrived.' },
      channel: 'email',
    });
    expect(created.assigneeId).toBeNull();

    const { page, pageErrors } = await newPage();
    await signIn(page, agent.email, agent.password);

    // The inbox: Unassigned counts the case and lists it.
    const unassigned = page.locator('[data-testid="view-unassigned"]');
    await unassigned.waitFor(WAIT);
    await expect.poll(async () => Number(await viewCount(page, 'unassigned').textContent()), WAIT).toBeGreaterThanOrEqual(1);
    await unassigned.click();
    const row = page.locator('[data-testid="case-row"]').filter({ hasText: 'My parcel never arrived' });
    await row.waitFor(WAIT);
    expect(await row.textContent()).toContain('Maria Lopez');

    // Open it and take it.
    await row.getByRole('link', { name: 'My parcel never arrived' }).click();
    await page.waitForURL(`**/cases/${created.id}`, WAIT);
    await expect.poll(() => page.locator('[data-testid="case-subject"]').textContent(), WAIT).toBe('My parcel never arrived');
    await page.getByText('I ordered a lamp two weeks ago').waitFor(WAIT);
    await page.getByRole('button', { name: 'Take it' }).click();
    await page.getByRole('button', { name: 'Take it' }).waitFor({ state: 'detached', ...WAIT });
    await expect.poll(async () => (await api<CaseView>('GET', `/api/cases/${created.id}`)).assigneeId, WAIT).toBe(agent.id);

    // Answer with the macro: the preview shows the reply as the customer will read it.
    await page.getByRole('combobox', { name: 'Macro', exact: true }).click();
    await page.getByRole('option', { name: macro.name }).click();
    await page
      .locator('[data-testid="macro-preview-body"]')
      .filter({ hasText: 'Hi Maria, could you send us your order number?' })
      .waitFor(WAIT);
    await page.getByRole('button', { name: 'Apply macro' }).click();

    const status = page.locator('[data-testid="case-status"]');
    await expect.poll(() => status.getAttribute('data-status'), WAIT).toBe('pending');
    const reply = page
      .locator('[data-testid="message"][data-kind="reply"]')
      .filter({ hasText: 'Hi Maria, could you send us your order number?' });
    await reply.waitFor(WAIT);
    const afterMacro = await api<CaseView>('GET', `/api/cases/${created.id}`);
    expect(afterMacro).toMatchObject({ status: 'pending', assigneeId: agent.id });

    // The customer answers through the API; the open page follows without a reload.
    await waitForLive(page);
    await markPage(page);
    await api('POST', `/api/cases/${created.id}/messages`, { kind: 'customer', body: 'The order number is FL-20931.' });

    await expect.poll(() => status.getAttribute('data-status'), WAIT).toBe('open');
    expect((await status.textContent())?.trim().toLowerCase()).toBe('open');
    await page.locator('[data-testid="message"][data-kind="customer"]').filter({ hasText: 'The order number is FL-20931.' }).waitFor(WAIT);
    expect(await pageWasNotReloaded(page)).toBe(true);

    // The event log tells the story in words.
    await page.getByRole('tab', { name: 'Events' }).click();
    const events = page.locator('[data-testid="case-events"]');
    await events.getByText('Ann Smith took the case').waitFor(WAIT);
    await events
      .getByText('Ann Smith changed status from open to pending')
      .or(events.getByText('Ann Smith changed status from new to pending'))
      .first()
      .waitFor(WAIT);
    await events.getByText('Maria Lopez changed status from pending to open').waitFor(WAIT);

    await page.screenshot({ path: '/tmp/frontline-case.png', fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  test('the inbox list and counts follow changes other people make, without a reload; j and Enter open a case', async () => {
    const agent = await newUser('agent', 'Bo Agent');
    const { page, pageErrors } = await newPage();
    await signIn(page, agent.email, agent.password);
    await page.locator('[data-testid="view-unassigned"]').click();
    await page.waitForURL('**/inbox/views/**', WAIT);
    await waitForLive(page);
    await markPage(page);
    const before = Number(await viewCount(page, 'unassigned').textContent());

    // Someone else opens two cases: they appear in Unassigned and the count goes up.
    const invoice = await api<CaseView>('POST', '/api/cases', {
      subject: 'Invoice shows the wrong address',
      requester: { email: 'li.wei@example.test', name: 'Li Wei' },
      message: { body: 'Please correct the billing address on invoice 5531.' },
    });
    const refund = await api<CaseView>('POST', '/api/cases', {
      subject: 'Refund for a broken kettle',
      requester: { email: 'sam.jones@example.test', name: 'Sam Jones' },
      message: { body: 'The kettle arrived broken; I would like a refund.' },
    });
    const invoiceRow = page.locator('[data-testid="case-row"]').filter({ hasText: 'Invoice shows the wrong address' });
    const refundRow = page.locator('[data-testid="case-row"]').filter({ hasText: 'Refund for a broken kettle' });
    await invoiceRow.waitFor(WAIT);
    await refundRow.waitFor(WAIT);
    await expect.poll(async () => Number(await viewCount(page, 'unassigned').textContent()), WAIT).toBe(before + 2);

    // Someone else takes one: it leaves Unassigned and the count goes down.
    await api('PATCH', `/api/cases/${invoice.id}`, { version: invoice.version, assigneeId: agent.id });
    await invoiceRow.waitFor({ state: 'detached', ...WAIT });
    await expect.poll(async () => Number(await viewCount(page, 'unassigned').textContent()), WAIT).toBe(before + 1);
    expect(await pageWasNotReloaded(page)).toBe(true);

    // Keyboard: j moves the cursor down the list, Enter opens the case under it.
    const rows = page.locator('[data-testid="case-row"]');
    const ids = await rows.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-case-id')));
    const target = ids.indexOf(refund.id);
    expect(target).toBeGreaterThanOrEqual(0);
    for (let i = 0; i <= target; i += 1) await page.keyboard.press('j');
    await expect.poll(() => refundRow.getAttribute('aria-selected'), WAIT).toBe('true');
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/cases/${refund.id}`, WAIT);
    await expect.poll(() => page.locator('[data-testid="case-subject"]').textContent(), WAIT).toBe('Refund for a broken kettle');
    expect(pageErrors).toEqual([]);
  });
});
