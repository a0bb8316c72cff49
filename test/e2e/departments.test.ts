// Cross-department requests in a real browser against a real server: an administrator sets up a
// department with a back-office member and an internal target (OLA) through the API; an agent asks
// the department from the case page, sharing one of the case's messages; the back-office user
// lands on their request queue, opens the request (seeing only the shared message and no link to
// the case), and answers it; the agent's case then shows the answer as an internal note and the
// request as answered.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { Role } from '../../src/db/schema.js';
import { systemActor } from '../../src/modules/auth/permissions.js';
import { insertToken } from '../../src/modules/tokens/tokens.service.js';
import { insertNewUser } from '../../src/modules/users/users.service.js';
import { callApi, type E2eServer, launchBrowser, startE2eServer } from './browser.js';

const WAIT = { timeout: 15_000 };

let server: E2eServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
let adminToken: string;

type CaseView = { id: string; number: number; subject: string; version: number };
type Message = { id: string; kind: string; bodyText: string };
type DepartmentRequest = {
  id: string;
  number: number;
  status: string;
  departmentName: string;
  sharedMessageIds: string[];
  createdAt: string;
  dueAt: string;
  olaMinutes: number;
  answer: string | null;
};

beforeAll(async () => {
  server = await startE2eServer();
  browser = await launchBrowser();
  const admin = await newUser('admin', 'Ada Admin');
  adminToken = await tokenFor(admin.id);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
});

let userCounter = 0;
async function newUser(role: Role, name: string) {
  userCounter += 1;
  const input = { email: `${role}-${userCounter}@example.test`, password: `correct horse ${userCounter} battery`, name, role };
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
function api<T>(method: string, path: string, body?: unknown, token = adminToken): Promise<T> {
  return callApi<T>(server, token, method, path, body);
}

async function newPage(): Promise<{ page: Page; pageErrors: Error[] }> {
  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1400, height: 900 }, timezoneId: 'Europe/London' });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT.timeout);
  const pageErrors: Error[] = [];
  page.on('pageerror', (error) => pageErrors.push(error));
  return { page, pageErrors };
}

async function signIn(page: Page, user: { email: string; password: string }, landing: string): Promise<void> {
  await page.goto('/login');
  await page.locator('input[name="email"]').fill(user.email);
  await page.locator('input[name="password"]').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(landing, WAIT);
}

describe('cross-department requests', () => {
  test('an agent asks a department from the case; the back office answers from its queue; the case shows the answer', async () => {
    const agent = await newUser('agent', 'Ann Agent');
    const clerk = await newUser('back_office', 'Bob Billing');

    // The department, its member and its internal target: four hours, calendar time, for any type.
    const department = await api<{ id: string; name: string }>('POST', '/api/departments', {
      name: 'Billing',
      description: 'Refunds and invoices',
    });
    await api('PUT', `/api/departments/${department.id}/members/${clerk.id}`, { membership: 'member' });
    await api('PUT', `/api/departments/${department.id}/service`, {
      calendarId: null,
      olas: [{ requestType: '*', minutes: 240, businessHours: false }],
    });

    // A case assigned to the agent: the customer's message, and an internal note not to be shared.
    const created = await api<CaseView>('POST', '/api/cases', {
      subject: 'Charged twice for one order',
      requester: { email: 'carla.ruiz@example.test', name: 'Carla Ruiz' },
      message: { body: 'My card was charged twice for order FL-7781. Please refund one of the charges.' },
      channel: 'email',
    });
    await api('PATCH', `/api/cases/${created.id}`, { version: created.version, assigneeId: agent.id });
    await api('POST', `/api/cases/${created.id}/messages`, { kind: 'note', body: 'Internal only: customer threatened a chargeback.' });
    const messages = (await api<{ items: Message[] }>('GET', `/api/cases/${created.id}/messages`)).items;
    const customerMessage = messages.find((m) => m.kind === 'customer');
    expect(customerMessage).toBeDefined();

    // --- the agent asks Billing from the case page, sharing only the customer's message ---------
    const agentSide = await newPage();
    const agentPage = agentSide.page;
    await signIn(agentPage, agent, '**/inbox/**');
    // The front line does not get the Requests section in its navigation.
    expect(await agentPage.locator('nav').getByRole('link', { name: 'Requests' }).count()).toBe(0);
    await agentPage.goto(`/cases/${created.id}`);
    const section = agentPage.locator('[data-testid="case-departments"]');
    await section.getByText('No department has been asked about this case.').waitFor(WAIT);
    await section.getByRole('button', { name: 'Ask a department' }).click();

    const form = agentPage.locator('[data-testid="ask-department-form"]');
    await form.waitFor(WAIT);
    await form.getByLabel('Department').click();
    await agentPage.getByRole('option', { name: 'Billing' }).click();
    await form.getByLabel('Question').fill('Can you confirm the double charge on FL-7781 and refund one of them?');
    await form.getByLabel('Expected answer').fill('Yes/no, and the refund reference');
    // Both messages are offered; only the customer's is ticked.
    await expect.poll(() => form.locator('[data-testid="share-message"]').count(), WAIT).toBe(2);
    await form.getByRole('checkbox', { name: /^Customer/ }).check();
    await form.getByRole('button', { name: 'Send request' }).click();
    await form.waitFor({ state: 'detached', ...WAIT });

    const item = section.locator('[data-testid="case-department-request"]');
    await expect.poll(() => item.getAttribute('data-status'), WAIT).toBe('open');
    expect(await item.textContent()).toContain('Billing');
    expect(await item.locator('[data-testid="request-due"]').textContent()).toContain('in 4 hours');

    // The server holds what the form sent: the one shared message, due by the OLA.
    const [request] = (await api<{ items: DepartmentRequest[] }>('GET', `/api/cases/${created.id}/department-requests`)).items;
    expect(request).toBeDefined();
    const asked = request as DepartmentRequest;
    expect(asked.sharedMessageIds).toEqual([customerMessage?.id]);
    expect(asked.olaMinutes).toBe(240);
    expect(new Date(asked.dueAt).getTime() - new Date(asked.createdAt).getTime()).toBe(240 * 60_000);

    // The case's event log says it in words.
    await agentPage.getByRole('tab', { name: 'Events' }).click();
    await expect.poll(() => agentPage.locator('[data-testid="case-events"]').textContent(), WAIT).toContain('Ann Agent asked Billing, due');
    await agentPage.getByRole('tab', { name: 'Details' }).click();

    // --- the back office: lands on its queue, opens the request, answers it ---------------------
    const clerkSide = await newPage();
    const clerkPage = clerkSide.page;
    await signIn(clerkPage, clerk, '**/requests');
    const nav = clerkPage.locator('nav');
    await nav.getByRole('link', { name: 'Requests' }).waitFor(WAIT);
    await expect.poll(() => nav.getByRole('link', { name: 'Requests' }).getAttribute('data-active'), WAIT).toBe('true');

    const row = clerkPage.locator(`[data-testid="request-row"][data-request-id="${asked.id}"]`);
    await row.waitFor(WAIT);
    const rowText = (await row.textContent()) ?? '';
    expect(rowText).toContain(`#${asked.number}`);
    expect(rowText).toContain('Billing');
    expect(rowText).toContain('Can you confirm the double charge');
    expect(rowText).toContain('Unassigned');
    await row.getByRole('link', { name: `#${asked.number}` }).click();
    await clerkPage.waitForURL(`**/requests/${asked.id}`, WAIT);

    const detail = clerkPage.locator('[data-testid="request-detail"]');
    await detail.waitFor(WAIT);
    const shared = detail.locator('[data-testid="shared-case"]');
    expect(await shared.textContent()).toContain(`Case #${created.number}: Charged twice for one order`);
    expect(await shared.textContent()).toContain('Carla Ruiz');
    // Only the shared message: the customer's words, not the internal note.
    expect(await shared.locator('[data-testid="shared-message"]').count()).toBe(1);
    expect(await shared.locator('[data-testid="shared-message"]').textContent()).toContain('charged twice for order FL-7781');
    expect(await clerkPage.content()).not.toContain('chargeback');
    // No way into a case page the back office cannot open.
    expect(await clerkPage.locator('a[href^="/cases/"]').count()).toBe(0);

    await detail.getByRole('textbox', { name: 'Your answer' }).fill('Confirmed: charged twice. Refund issued, reference RF-5521.');
    await detail.getByRole('button', { name: 'Send answer' }).click();
    await expect.poll(() => detail.getAttribute('data-status'), WAIT).toBe('answered');
    expect(await detail.locator('[data-testid="request-answer"]').textContent()).toContain('RF-5521');
    // Answering took the request: it is the clerk's now.
    expect(await detail.locator('[data-testid="request-assignee"]').textContent()).toBe('Bob Billing');
    await clerkPage.screenshot({ path: '/tmp/frontline-department-request.png', fullPage: true });

    // --- the agent's case: the answer as an internal note, the request answered ---------------
    await expect.poll(() => item.getAttribute('data-status'), WAIT).toBe('answered');
    expect(await item.locator('[data-testid="case-request-answer"]').textContent()).toContain('RF-5521');
    const note = agentPage.locator('[data-testid="message"][data-kind="note"]').filter({ hasText: 'RF-5521' });
    await note.waitFor(WAIT);
    expect(await note.textContent()).toContain(`Answer from Billing (request #${asked.number})`);
    await agentPage.screenshot({ path: '/tmp/frontline-department-case.png', fullPage: true });

    expect(agentSide.pageErrors).toEqual([]);
    expect(clerkSide.pageErrors).toEqual([]);
  });

  test('a manager sets service terms in Settings, then sees the coordination view, the overdue queue and turnaround', async () => {
    const manager = await newUser('manager', 'Mona Manager');
    const clerk = await newUser('back_office', 'Lee Logistics');
    const calendar = await api<{ id: string }>('POST', '/api/sla/calendars', {
      name: 'Office hours',
      timeZone: 'Europe/London',
      weekly: Object.fromEntries(
        ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'].map((d) => [d, [{ start: '09:00', end: '17:00' }]]),
      ),
    });
    const logistics = await api<{ id: string }>('POST', '/api/departments', { name: 'Logistics' });
    const legal = await api<{ id: string }>('POST', '/api/departments', { name: 'Legal' });
    await api('PUT', `/api/departments/${logistics.id}/members/${clerk.id}`, { membership: 'member' });

    const { page, pageErrors } = await newPage();
    await signIn(page, manager, '**/inbox/**');
    await page.locator('nav').getByRole('link', { name: 'Requests' }).waitFor(WAIT);

    // Settings → Departments → Logistics: its calendar and two targets.
    await page.goto('/settings/departments');
    await page.getByRole('button', { name: 'Logistics' }).first().click();
    const drawer = page.getByRole('dialog', { name: 'Logistics' });
    const service = drawer.locator('[data-testid="department-service"]');
    await service.getByRole('button', { name: 'Add target' }).waitFor(WAIT);
    await service.getByLabel('Business calendar').click();
    await page.getByRole('option', { name: 'Office hours (Europe/London)' }).click();
    await service.getByRole('button', { name: 'Add target' }).click();
    expect(await service.getByLabel('Request type 1').inputValue()).toBe('*');
    await service.getByLabel('Minutes 1').fill('120');
    await service.getByRole('button', { name: 'Add target' }).click();
    await service.getByLabel('Request type 2').fill('refund_approval');
    await service.getByLabel('Minutes 2').fill('30');
    await service.getByLabel('Business hours 2').uncheck({ force: true });
    await service.getByRole('button', { name: 'Save service terms' }).click();
    await expect
      .poll(() => api(`GET`, `/api/departments/${logistics.id}/service`), WAIT)
      .toEqual({
        calendarId: calendar.id,
        olas: [
          { requestType: '*', minutes: 120, businessHours: true },
          { requestType: 'refund_approval', minutes: 30, businessHours: false },
        ],
      });
    await page.keyboard.press('Escape');

    // One case waiting on both departments; the Logistics request gets the new target, and is
    // then made overdue (as if 90 minutes had passed its due time).
    const created = await api<CaseView>('POST', '/api/cases', {
      subject: 'Parcel lost and compensation claimed',
      requester: { email: 'dan.ortiz@example.test', name: 'Dan Ortiz' },
      message: { body: 'My parcel is lost and I want compensation.' },
    });
    const toLogistics = await api<DepartmentRequest & { olaBusinessHours: boolean }>(
      'POST',
      `/api/cases/${created.id}/department-requests`,
      { departmentId: logistics.id, requestType: 'refund_approval', question: 'Where is the parcel?' },
    );
    expect(toLogistics.olaMinutes).toBe(30);
    expect(toLogistics.olaBusinessHours).toBe(false);
    await api('POST', `/api/cases/${created.id}/department-requests`, { departmentId: legal.id, question: 'Is compensation due?' });
    await server.database.db
      .updateTable('department_requests')
      .set({ due_at: new Date(Date.now() - 90 * 60_000) })
      .where('id', '=', toLogistics.id)
      .execute();

    // The queue, overdue only: the Logistics request, late.
    await page.locator('nav').getByRole('link', { name: 'Requests' }).click();
    await page.waitForURL('**/requests', WAIT);
    const rows = page.locator('[data-testid="request-row"]');
    await expect.poll(() => rows.count(), WAIT).toBe(2);
    await page.getByRole('switch', { name: 'Overdue only' }).click();
    await expect.poll(() => rows.count(), WAIT).toBe(1);
    expect(await rows.first().getAttribute('data-request-id')).toBe(toLogistics.id);
    expect(await rows.first().locator('[data-testid="request-late"]').textContent()).toContain('late');

    // Coordination: the case waiting on two departments, the overdue request, turnaround.
    await page.getByRole('tab', { name: 'Coordination' }).click();
    await page.waitForURL('**/requests/coordination', WAIT);
    const waiting = page.locator('[data-testid="coordination-cases"]');
    await waiting.waitFor(WAIT);
    const waitingText = (await waiting.textContent()) ?? '';
    expect(waitingText).toContain('Parcel lost and compensation claimed');
    expect(waitingText).toContain('Logistics');
    expect(waitingText).toContain('Legal');
    const overdue = page.locator('[data-testid="coordination-overdue"]');
    expect(await overdue.textContent()).toContain('Logistics');
    expect(await overdue.textContent()).toContain('Where is the parcel?');

    const turnaround = page.locator('[data-testid="turnaround-table"]');
    await turnaround.waitFor(WAIT);
    const logisticsRow = turnaround.locator('[data-testid="turnaround-row"]').filter({ hasText: 'Logistics' });
    const cells = (await logisticsRow.locator('td').allTextContents()).map((t) => t.trim());
    // Department, requests, completed, first response, completion, within target, late, open now, overdue now.
    expect(cells).toEqual(['▸Logistics', '1', '0', '— / —', '— / —', '0%', '1', '1', '1']);
    await turnaround.getByRole('button', { name: 'Show members of Logistics' }).click();
    await expect.poll(() => turnaround.locator('[data-testid="turnaround-member-row"]').textContent(), WAIT).toContain('Lee Logistics');
    await page.screenshot({ path: '/tmp/frontline-department-coordination.png', fullPage: true });

    expect(pageErrors).toEqual([]);
  });

  test('the department asks back and the agent clarifies from the case; a stale answer is refused with a reload; the agent cancels another request', async () => {
    const agent = await newUser('agent', 'Ava Agent');
    const agentToken = await tokenFor(agent.id);
    const clerk = await newUser('back_office', 'Rita Returns');
    const returns = await api<{ id: string }>('POST', '/api/departments', { name: 'Returns' });
    await api('PUT', `/api/departments/${returns.id}/members/${clerk.id}`, { membership: 'member' });
    const created = await api<CaseView>('POST', '/api/cases', {
      subject: 'Return label never came',
      requester: { email: 'eve.nakamura@example.test', name: 'Eve Nakamura' },
      message: { body: 'I asked for a return label last week.' },
    });
    await api('PATCH', `/api/cases/${created.id}`, { version: created.version, assigneeId: agent.id });
    const asked = await api<DepartmentRequest>(
      'POST',
      `/api/cases/${created.id}/department-requests`,
      { departmentId: returns.id, question: 'Was a return label sent?' },
      agentToken,
    );

    // The department asks back from the request page.
    const clerkSide = await newPage();
    const clerkPage = clerkSide.page;
    await signIn(clerkPage, clerk, '**/requests');
    await clerkPage.goto(`/requests/${asked.id}`);
    const detail = clerkPage.locator('[data-testid="request-detail"]');
    await detail.waitFor(WAIT);
    await detail.getByRole('tab', { name: 'Ask back' }).click();
    await detail.getByRole('textbox', { name: 'Your question' }).fill('Which order is the return for?');
    await detail.getByRole('button', { name: 'Ask for clarification' }).click();
    await expect.poll(() => detail.getAttribute('data-status'), WAIT).toBe('clarification_requested');

    // The agent sees the question on the case and replies.
    const agentSide = await newPage();
    const agentPage = agentSide.page;
    await signIn(agentPage, agent, '**/inbox/**');
    await agentPage.goto(`/cases/${created.id}`);
    const item = agentPage.locator(`[data-testid="case-department-request"][data-request-id="${asked.id}"]`);
    const clarification = item.locator('[data-testid="case-request-clarification"]');
    await expect.poll(() => clarification.textContent(), WAIT).toContain('Which order is the return for?');
    await clarification.getByRole('textbox', { name: 'Reply to Returns' }).fill('Order FL-1234.');
    await clarification.getByRole('button', { name: 'Send clarification' }).click();
    await expect.poll(() => item.getAttribute('data-status'), WAIT).toBe('open');

    // The clerk's page still holds the version before the clarification: answering is refused,
    // with a way to reload; after the reload the answer goes through.
    await detail.getByRole('tab', { name: 'Answer' }).click();
    await detail.getByRole('textbox', { name: 'Your answer' }).fill('Label sent again to the customer.');
    await detail.getByRole('button', { name: 'Send answer' }).click();
    const stale = detail.locator('[data-testid="request-stale"]');
    await stale.waitFor(WAIT);
    expect(await stale.textContent()).toContain('Reload');
    await stale.getByRole('button', { name: 'Reload' }).click();
    await stale.waitFor({ state: 'detached', ...WAIT });
    expect(await detail.locator('[data-testid="request-history"]').textContent()).toContain('Order FL-1234.');
    await detail.getByRole('button', { name: 'Send answer' }).click();
    await expect.poll(() => detail.getAttribute('data-status'), WAIT).toBe('answered');
    await expect.poll(() => item.getAttribute('data-status'), WAIT).toBe('answered');

    // A second request, withdrawn by the agent.
    const second = await api<DepartmentRequest>(
      'POST',
      `/api/cases/${created.id}/department-requests`,
      { departmentId: returns.id, question: 'Can you refund the postage?' },
      agentToken,
    );
    const secondItem = agentPage.locator(`[data-testid="case-department-request"][data-request-id="${second.id}"]`);
    await agentPage.reload();
    await secondItem.getByRole('button', { name: 'Cancel request' }).click();
    await agentPage.getByRole('dialog', { name: 'Cancel the request' }).getByRole('button', { name: 'Cancel request' }).click();
    await expect.poll(() => secondItem.getAttribute('data-status'), WAIT).toBe('cancelled');

    await agentPage.getByRole('tab', { name: 'Events' }).click();
    const events = agentPage.locator('[data-testid="case-events"]');
    await expect.poll(() => events.textContent(), WAIT).toContain('Ava Agent cancelled the Returns request');
    const log = (await events.textContent()) ?? '';
    expect(log).toContain('Rita Returns asked for clarification on the Returns request: “Which order is the return for?”');
    expect(log).toContain('Ava Agent clarified the Returns request');
    expect(log).toContain('Rita Returns answered the Returns request');

    expect(agentSide.pageErrors).toEqual([]);
    expect(clerkSide.pageErrors).toEqual([]);
  });
});
