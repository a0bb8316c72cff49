// Scheduled reports in a real browser against a real server (real clock, the in-process worker
// sending the outbox every 5 s to a local SMTP server): a manager creates a weekly report for one
// team through the form (an address that is not one is refused), sees it listed with its next run
// in its own zone, changes it to daily in another zone, opens its PDF preview, sends it now — the
// page says two emails were queued and both arrive — and deletes it. An agent has no such page.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DateTime } from 'luxon';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { Role } from '../../src/db/schema.js';
import { systemActor } from '../../src/modules/auth/permissions.js';
import { insertToken } from '../../src/modules/tokens/tokens.service.js';
import { insertNewUser } from '../../src/modules/users/users.service.js';
import { startSmtpSink, recipientOf, type SmtpSink } from '../smtp-sink.js';
import { callApi, type E2eServer, launchBrowser, startE2eServer } from './browser.js';

const WAIT = { timeout: 15_000 };

let server: E2eServer;
let browser: Browser;
let smtp: SmtpSink;
let context: BrowserContext | undefined;
let adminToken: string;

type Schedule = {
  id: string;
  name: string;
  filters: Record<string, string>;
  frequency: string;
  hour: number;
  weekday: number | null;
  timeZone: string;
  recipients: string[];
  nextRunAt: string;
};

beforeAll(async () => {
  smtp = await startSmtpSink();
  server = await startE2eServer();
  browser = await launchBrowser();
  const admin = await newUser('admin', 'Ada Admin');
  adminToken = (
    await server.database.db.transaction().execute((trx) => insertToken(trx, { name: 'e2e', userId: admin.id }, systemActor, new Date()))
  ).secret;
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await smtp?.close();
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

function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  return callApi<T>(server, adminToken, method, path, body);
}

async function signedIn(user: { email: string; password: string }): Promise<{ page: Page; pageErrors: Error[] }> {
  context = await browser.newContext({ baseURL: server.url, viewport: { width: 1500, height: 1000 }, timezoneId: 'Europe/London' });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT.timeout);
  const pageErrors: Error[] = [];
  page.on('pageerror', (error) => pageErrors.push(error));
  await page.goto('/login');
  await page.locator('input[name="email"]').fill(user.email);
  await page.locator('input[name="password"]').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/inbox/**', WAIT);
  return { page, pageErrors };
}

/** The first instant after `after` at `hour`:00 local in `zone` (on `weekday`, 1 = Monday, if given). */
function expectedNextRun(after: Date, zone: string, hour: number, weekday?: number): string {
  let t = DateTime.fromJSDate(after, { zone }).startOf('day').set({ hour });
  while (t.toMillis() <= after.getTime() || (weekday !== undefined && t.weekday !== weekday))
    t = t.plus({ days: 1 }).startOf('day').set({ hour });
  return t.toUTC().toISO()!;
}

async function pick(page: Page, label: string, option: string, search?: string): Promise<void> {
  const field = page.getByRole('dialog').getByLabel(label);
  await field.click();
  if (search !== undefined) await field.fill(search);
  await page.getByRole('option', { name: option, exact: true }).click();
}

describe('scheduled reports', () => {
  test('create, list with the next run, edit, preview, send now and delete', async () => {
    const manager = await newUser('manager', 'Mia Manager');
    const alpha = await api<{ id: string }>('POST', '/api/teams', { name: 'Alpha desk' });
    await api('POST', '/api/mailboxes', {
      name: 'Reports',
      address: 'reports@acme.test',
      notifyStaff: true,
      smtp: { host: '127.0.0.1', port: smtp.port, secure: false },
    });

    const { page, pageErrors } = await signedIn(manager);
    await page.locator('nav').getByRole('link', { name: 'Dashboards' }).click();
    await page.getByRole('tab', { name: 'Scheduled reports' }).click();
    await page.waitForURL('**/dashboards/schedules', WAIT);
    await page.getByTestId('schedules-empty').waitFor(WAIT);
    expect(await page.getByTestId('dashboard-filters').count()).toBe(0);

    // Weekly, Tuesdays at 07:00 London, for Alpha desk; the second address is mistyped first.
    await page.getByRole('button', { name: 'New schedule' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('Alpha weekly');
    await pick(page, 'Dashboard', 'Service standards');
    await pick(page, 'Team', 'Alpha desk');
    await dialog.locator('label', { hasText: /^Weekly$/ }).click();
    await pick(page, 'Weekday', 'Tuesday');
    await pick(page, 'Local time', '07:00');
    await pick(page, 'Time zone', 'Europe/London', 'Europe/Lond');
    await dialog.getByLabel('Recipients').fill('board@example.org\nceo@example');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.getByText('Not an email address: ceo@example').waitFor(WAIT);
    expect(await api<{ items: Schedule[] }>('GET', '/api/reports/schedules')).toEqual({ items: [] });
    await dialog.getByLabel('Recipients').fill('board@example.org, CEO@example.org');
    const createdAt = new Date();
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.waitFor({ state: 'hidden', ...WAIT });

    const row = page.getByTestId('schedule-row');
    await expect.poll(() => row.count(), WAIT).toBe(1);
    const [saved] = (await api<{ items: Schedule[] }>('GET', '/api/reports/schedules')).items;
    expect(saved).toMatchObject({
      name: 'Alpha weekly',
      filters: { teamId: alpha.id },
      frequency: 'weekly',
      weekday: 2,
      hour: 7,
      timeZone: 'Europe/London',
      recipients: ['board@example.org', 'ceo@example.org'],
    });
    expect(saved!.nextRunAt).toBe(expectedNextRun(createdAt, 'Europe/London', 7, 2));
    expect(await row.getAttribute('data-id')).toBe(saved!.id);
    expect(await row.getByTestId('schedule-when').textContent()).toBe('Weekly on Tuesday at 07:00');
    expect(await row.getByTestId('schedule-zone').textContent()).toBe('Europe/London');
    expect(await row.getByTestId('schedule-dashboard').textContent()).toBe('Service standards · Team: Alpha desk');
    expect(await row.getByTestId('schedule-recipients').textContent()).toBe('board@example.org, ceo@example.org');
    const nextRun = row.getByTestId('schedule-next-run');
    expect(await nextRun.getAttribute('data-at')).toBe(saved!.nextRunAt);
    expect(await nextRun.textContent()).toContain('07:00');
    expect(await row.getByTestId('schedule-status').getAttribute('data-status')).toBe('never');
    await page.screenshot({ path: '/tmp/frontline-report-schedules.png', fullPage: true });

    // Daily at 06:00 New York time, for every team: the next run moves with it.
    await row.getByRole('button', { name: 'Edit' }).click();
    // Choosing the chosen team again clears it.
    await pick(page, 'Team', 'Alpha desk');
    await dialog.locator('label', { hasText: /^Daily$/ }).click();
    expect(await dialog.getByTestId('schedule-period').textContent()).toContain('yesterday');
    await pick(page, 'Local time', '06:00');
    await pick(page, 'Time zone', 'America/New_York', 'America/New_Y');
    const editedAt = new Date();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden', ...WAIT });
    await expect.poll(() => row.getByTestId('schedule-when').textContent(), WAIT).toBe('Daily at 06:00');
    expect(await row.getByTestId('schedule-zone').textContent()).toBe('America/New_York');
    expect(await row.getByTestId('schedule-dashboard').textContent()).toBe('Service standards · All cases');
    const [edited] = (await api<{ items: Schedule[] }>('GET', '/api/reports/schedules')).items;
    expect(edited).toMatchObject({ frequency: 'daily', hour: 6, weekday: null, timeZone: 'America/New_York', filters: {} });
    expect(edited!.nextRunAt).toBe(expectedNextRun(editedAt, 'America/New_York', 6));
    expect(await nextRun.getAttribute('data-at')).toBe(edited!.nextRunAt);

    // The preview is the PDF itself, fetched with the manager's session.
    const preview = row.getByTestId('schedule-preview');
    const href = await preview.getAttribute('href');
    expect(href).toBe(`/api/reports/schedules/${saved!.id}/preview.pdf`);
    const pdf = await page.request.get(href!);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');

    // Send now: the API answers two emails queued, the page says so, and the worker delivers both.
    const sendAnswer = page.waitForResponse((r) => r.url().endsWith(`/api/reports/schedules/${saved!.id}/send-now`));
    await row.getByRole('button', { name: 'Send now' }).click();
    expect(await (await sendAnswer).json()).toEqual({ emails: 2 });
    await expect.poll(() => row.getByTestId('schedule-sent').getAttribute('data-emails'), WAIT).toBe('2');
    await expect.poll(() => smtp.received.length, { timeout: 30_000, interval: 500 }).toBe(2);
    expect(smtp.received.map(recipientOf).sort()).toEqual(['board@example.org', 'ceo@example.org']);
    expect(smtp.received[0]!.subject).toContain('[Frontline] Alpha weekly — Service standards');
    expect(smtp.received[0]!.attachments.map((a) => a.contentType)).toContain('application/pdf');

    // Delete, after confirming.
    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.getByTestId('schedules-empty').waitFor(WAIT);
    expect(await api<{ items: Schedule[] }>('GET', '/api/reports/schedules')).toEqual({ items: [] });
    expect(pageErrors).toEqual([]);
  });

  test('an agent, who may not read reports, gets no such page', async () => {
    const agent = await newUser('agent', 'Ann Agent');
    const { page } = await signedIn(agent);
    expect(await page.locator('nav').getByRole('link', { name: 'Dashboards' }).count()).toBe(0);
    await page.goto('/dashboards/schedules');
    await page.getByText('Dashboards are for roles that read reports').waitFor(WAIT);
    expect(await page.getByRole('button', { name: 'New schedule' }).count()).toBe(0);
  });
});
