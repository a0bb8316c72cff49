// The Back office dashboard in a real browser against a real server (real clock): a department
// with two members and a one-hour target gets five requests through the API now — one answered in
// time, one answered late, one overdue, one not yet due, one withdrawn — and a manager opens
// Dashboards → Back office. Every figure of the department's row and of a member's row, and the
// department's point in the chart's data table, opens a list with exactly as many requests as the
// figure says (and the right ones); a listed request links to its case.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { Role } from '../../src/db/schema.js';
import { systemActor } from '../../src/modules/auth/permissions.js';
import { insertNewUser } from '../../src/modules/users/users.service.js';
import { callApi, launchBrowser, startE2eServer, tokenFor, type E2eServer } from './browser.js';

const WAIT = { timeout: 15_000 };

let server: E2eServer;
let browser: Browser;
let context: BrowserContext | undefined;
let adminToken: string;

beforeAll(async () => {
  server = await startE2eServer();
  browser = await launchBrowser();
  const admin = await newUser('admin', 'Ada Admin');
  adminToken = await tokenFor(server, admin.id);
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
async function newUser(role: Role, name: string) {
  userCounter += 1;
  const input = { email: `${role}-${userCounter}@example.test`, password: `correct horse ${userCounter} battery`, name, role };
  const user = await server.database.db.transaction().execute((trx) => insertNewUser(trx, input, systemActor, new Date()));
  return { ...input, id: user.id };
}

/** The API as a script would use it, as the admin unless another token is given. */
function api<T>(method: string, path: string, body?: unknown, token = adminToken): Promise<T> {
  return callApi<T>(server, token, method, path, body);
}

async function newPage(): Promise<{ page: Page; pageErrors: Error[] }> {
  context = await browser.newContext({ baseURL: server.url, viewport: { width: 1500, height: 1000 }, timezoneId: 'Europe/London' });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT.timeout);
  const pageErrors: Error[] = [];
  page.on('pageerror', (error) => pageErrors.push(error));
  return { page, pageErrors };
}

async function signIn(page: Page, user: { email: string; password: string }): Promise<void> {
  await page.goto('/login');
  await page.locator('input[name="email"]').fill(user.email);
  await page.locator('input[name="password"]').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/inbox/**', WAIT);
}

const drawer = (page: Page) => page.getByRole('dialog');

/** The drill-down drawer's total, once loaded, and the request ids it lists (first page). */
async function drillDown(page: Page): Promise<{ total: number; ids: string[] }> {
  const total = drawer(page).getByTestId('drill-total');
  await total.waitFor(WAIT);
  const count = Number(await total.getAttribute('data-total'));
  await expect.poll(() => drawer(page).getByTestId('drill-row').count(), WAIT).toBe(Math.min(count, 25));
  const ids = await drawer(page)
    .getByTestId('drill-row')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-request-id') ?? ''));
  expect(await drawer(page).getByTestId('drill-mismatch').count()).toBe(0);
  return { total: count, ids: ids.sort() };
}

async function closeDrawer(page: Page): Promise<void> {
  await page.keyboard.press('Escape');
  await drawer(page).waitFor({ state: 'hidden', ...WAIT });
}

describe('back office dashboard', () => {
  test('every turnaround figure opens exactly the requests it counts, each linking to its case', async () => {
    const manager = await newUser('manager', 'Mia Manager');
    const clerk = await newUser('back_office', 'Cleo Clerk');
    const other = await newUser('back_office', 'Olly Other');
    const clerkToken = await tokenFor(server, clerk.id);
    const billing = await api<{ id: string }>('POST', '/api/departments', { name: 'Billing' });
    await api('PUT', `/api/departments/${billing.id}/members/${clerk.id}`, { membership: 'member' });
    await api('PUT', `/api/departments/${billing.id}/members/${other.id}`, { membership: 'head' });
    await api('PUT', `/api/departments/${billing.id}/service`, {
      calendarId: null,
      olas: [{ requestType: '*', minutes: 60, businessHours: false }],
    });

    let n = 0;
    const ask = async () => {
      n += 1;
      const c = await api<{ id: string }>('POST', '/api/cases', {
        subject: `Billing question ${n}`,
        requester: { email: `customer${n}@example.test`, name: `Customer ${n}` },
        message: { body: `Question number ${n}.` },
      });
      const r = await api<{ id: string }>('POST', `/api/cases/${c.id}/department-requests`, {
        departmentId: billing.id,
        question: `Please check ${n}`,
      });
      return { id: r.id, caseId: c.id };
    };
    const pastDue = (id: string) =>
      server.database.db
        .updateTable('department_requests')
        .set({ due_at: new Date(Date.now() - 30 * 60_000) })
        .where('id', '=', id)
        .execute();
    // In time: answered by the clerk at once. Late: its due time moved into the past, then answered.
    const onTime = await ask();
    await api('POST', `/api/department-requests/${onTime.id}/answer`, { answer: 'Done.' }, clerkToken);
    const late = await ask();
    await pastDue(late.id);
    await api('POST', `/api/department-requests/${late.id}/answer`, { answer: 'Done, late.' }, clerkToken);
    // Overdue: with the clerk, past due. Waiting: nobody's yet, due in an hour. Withdrawn.
    const overdue = await ask();
    await api('POST', `/api/department-requests/${overdue.id}/assign`, { assigneeId: clerk.id }, clerkToken);
    await pastDue(overdue.id);
    const waiting = await ask();
    const withdrawn = await ask();
    await api('POST', `/api/department-requests/${withdrawn.id}/cancel`, {});

    const ids = (...rs: { id: string }[]) => rs.map((r) => r.id).sort();
    const expected: Record<string, string[]> = {
      requests: ids(onTime, late, overdue, waiting),
      responded: ids(onTime, late),
      completed: ids(onTime, late),
      judged: ids(onTime, late, overdue),
      late: ids(late, overdue),
      open_now: ids(overdue, waiting),
      overdue_now: ids(overdue),
    };
    const expectedForClerk: Record<string, string[]> = {
      requests: ids(onTime, late, overdue),
      responded: ids(onTime, late),
      completed: ids(onTime, late),
      judged: ids(onTime, late, overdue),
      late: ids(late, overdue),
      open_now: ids(overdue),
      overdue_now: ids(overdue),
    };

    const { page, pageErrors } = await newPage();
    await signIn(page, manager);
    await page.goto('/dashboards/back-office');
    const table = page.getByTestId('turnaround-table');
    await table.waitFor(WAIT);
    const row = table.locator(`[data-testid="turnaround-row"][data-department-id="${billing.id}"]`);
    const figure = (where: typeof row, outcome: string) => where.locator(`[data-testid="turnaround-figure"][data-outcome="${outcome}"]`);
    await expect.poll(() => figure(row, 'requests').textContent(), WAIT).toBe('4');
    expect(await figure(row, 'judged').textContent()).toBe('33.3%');
    expect(await figure(row, 'late').textContent()).toBe('2');
    expect(await figure(row, 'overdue_now').textContent()).toBe('1');

    // Every figure of the department's row: as many requests as it counts, and the right ones.
    // (Completed appears twice: the count, and the completion times taken over the same requests.)
    const figures = row.getByTestId('turnaround-figure');
    expect(await figures.count()).toBe(8);
    for (let i = 0; i < 8; i += 1) {
      const cell = figures.nth(i);
      const outcome = (await cell.getAttribute('data-outcome'))!;
      const count = Number(await cell.getAttribute('data-count'));
      await cell.click();
      const list = await drillDown(page);
      expect(list.total, outcome).toBe(count);
      expect(list.ids, outcome).toEqual(expected[outcome]);
      await closeDrawer(page);
    }

    // The clerk's row: the same, for what they hold.
    await table.getByRole('button', { name: 'Show members of Billing' }).click();
    const clerkRow = table.locator(`[data-testid="turnaround-member-row"][data-member-id="${clerk.id}"]`);
    await clerkRow.waitFor(WAIT);
    await table.screenshot({ path: '/tmp/frontline-back-office-table.png' });
    const clerkFigures = clerkRow.getByTestId('turnaround-figure');
    for (let i = 0; i < 8; i += 1) {
      const cell = clerkFigures.nth(i);
      const outcome = (await cell.getAttribute('data-outcome'))!;
      await cell.click();
      const list = await drillDown(page);
      expect(list.total, `clerk ${outcome}`).toBe(Number(await cell.getAttribute('data-count')));
      expect(list.ids, `clerk ${outcome}`).toEqual(expectedForClerk[outcome]);
      await closeDrawer(page);
    }

    // The chart's point for Billing, through its data table: 33.3 % of three judged requests,
    // each with its verdict.
    const chart = page.getByTestId('within-ola');
    await chart.getByTestId('within-ola-toggle').click();
    const point = chart.locator('[data-testid="chart-cell"][data-category="Billing"]');
    await expect.poll(() => point.textContent(), WAIT).toBe('33.3 %');
    expect(await point.getAttribute('data-cases')).toBe('3');
    await point.click();
    expect((await drillDown(page)).ids).toEqual(expected.judged);
    const verdicts = await drawer(page).getByTestId('drill-row').allTextContents();
    expect(verdicts.filter((v) => v.includes('Within target'))).toHaveLength(1);
    expect(verdicts.filter((v) => v.includes('Late'))).toHaveLength(2);

    await page.screenshot({ path: '/tmp/frontline-back-office.png', fullPage: true });

    // A listed request opens its case.
    const onTimeRow = drawer(page).locator(`[data-testid="drill-row"][data-request-id="${onTime.id}"]`);
    await onTimeRow.getByTestId('drill-case-link').click();
    await page.waitForURL(`**/cases/${onTime.caseId}`, WAIT);
    await page.getByText('Billing question 1').first().waitFor(WAIT);
    expect(pageErrors).toEqual([]);
  });
});
