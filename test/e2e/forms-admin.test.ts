// Web forms administration in a real browser against a real server: an admin creates a form in
// Settings → Channels → Web forms (team, mailbox, an extra choice field mapped to a category),
// reads its public URL and embed snippet, opens the URL and submits it as a customer; the case
// opens with the form's team and the mapped category, the confirmation reaches a real SMTP
// server, the form is listed on the Channels page, and an edit keeps the fields.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { recipientOf, startSmtpSink, type SmtpSink } from '../smtp-sink.js';
import { callApi, launchBrowser, startE2eServer, tokenFor, type E2eServer } from './browser.js';

const WAIT = { timeout: 20_000 };
const admin = { email: 'admin-forms@example.test', password: 'correct horse forms battery', name: 'Ada Admin' };

let server: E2eServer;
let browser: Browser;
let context: BrowserContext;
let smtp: SmtpSink;
let token: string;

function api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
  return callApi<T>(server, token, method, path, body);
}

beforeAll(async () => {
  smtp = await startSmtpSink();
  server = await startE2eServer();
  browser = await launchBrowser();
  const user = await server.createAdmin(admin);
  token = await tokenFor(server, user.id);
  context = await browser.newContext({ baseURL: server.url, viewport: { width: 1400, height: 1000 }, timezoneId: 'Europe/London' });
}, 120_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
  await smtp?.close();
});

async function pick(page: Page, scope: ReturnType<Page['getByRole']>, label: string, option: string): Promise<void> {
  await scope.getByLabel(label).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

test('an admin creates a form, copies its public URL and embed snippet; a customer submits it and a case opens', async () => {
  const team = await api<{ id: string }>('POST', '/api/teams', { name: 'Web desk' });
  const billing = await api<{ id: string }>('POST', '/api/categories', { name: 'Billing' });
  const mailbox = await api<{ mailbox: { id: string } }>('POST', '/api/mailboxes', {
    name: 'Help',
    address: 'help@acme.test',
    smtp: { host: '127.0.0.1', port: smtp.port, secure: false },
  });

  const page = await context.newPage();
  page.setDefaultTimeout(WAIT.timeout);
  const pageErrors: Error[] = [];
  page.on('pageerror', (e) => pageErrors.push(e));
  await page.goto('/login');
  await page.locator('input[name="email"]').fill(admin.email);
  await page.locator('input[name="password"]').fill(admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/inbox/**', WAIT);

  // Settings → Channels → Web forms.
  await page.locator('nav').getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('tab', { name: 'Channels' }).click();
  await page.waitForURL('**/settings/channels/mailboxes', WAIT);
  await page.getByRole('tab', { name: 'Web forms' }).click();
  await page.waitForURL('**/settings/channels/forms', WAIT);
  await page.getByTestId('forms-empty').waitFor(WAIT);

  await page.getByRole('button', { name: 'New form' }).click();
  const dialog = page.getByRole('dialog', { name: 'New form' });
  await dialog.locator('input[name="name"]').fill('Contact us');
  expect(await dialog.locator('input[name="slug"]').inputValue()).toBe('contact-us');
  await pick(page, dialog, 'Team', 'Web desk');
  await pick(page, dialog, 'Mailbox', 'Help <help@acme.test>');
  await dialog.locator('textarea[name="confirmationText"]').fill('Thanks, we will answer within a day.');
  // A fifth field: a required choice whose answer picks the category.
  await dialog.getByRole('button', { name: 'Add field' }).click();
  await dialog.getByLabel('Label of field 5').fill('Topic');
  expect(await dialog.getByLabel('Key of field 5').inputValue()).toBe('topic');
  await pick(page, dialog, 'Kind of field 5', 'Choice (select)');
  const options = dialog.getByLabel('Options of field 5');
  await options.fill('Billing');
  await options.press('Enter');
  await options.fill('Delivery');
  await options.press('Enter');
  await dialog.getByLabel('Field 5 required').check();
  // Before "message": the customer picks a topic, then writes.
  await dialog.getByRole('button', { name: 'Move Topic up' }).click();
  await pick(page, dialog, 'Category from', 'Topic');
  await pick(page, dialog, 'Category for Billing', 'Billing');
  await page.screenshot({ path: '/tmp/frontline-form-editor.png', fullPage: true });
  await dialog.getByRole('button', { name: 'Create form' }).click();

  // The public page and the snippet, ready to copy.
  const publish = page.getByRole('dialog', { name: 'Publish Contact us' });
  const urlBox = publish.getByTestId('form-public-url');
  await urlBox.waitFor(WAIT);
  const url = (await urlBox.textContent())?.trim() ?? '';
  expect(url).toBe(`${server.url}/forms/contact-us`);
  expect(await publish.getByTestId('form-embed-snippet').textContent()).toBe(
    `<iframe src="${url}" title="Contact us" style="width:100%;min-height:640px;border:0" loading="lazy"></iframe>`,
  );
  await publish.getByRole('button', { name: 'Copy snippet' }).waitFor(WAIT);
  await publish.getByRole('button', { name: 'Done' }).click();
  await publish.waitFor({ state: 'hidden', ...WAIT });

  const [form] = (await api<{ items: Record<string, unknown>[] }>('GET', '/api/forms')).items;
  expect(form).toMatchObject({
    name: 'Contact us',
    slug: 'contact-us',
    active: true,
    teamId: team.id,
    mailboxId: mailbox.mailbox.id,
    categoryField: 'topic',
    categoryMap: { Billing: billing.id },
    confirmationText: 'Thanks, we will answer within a day.',
  });
  expect((form!.fields as { key: string; kind: string; required: boolean; options?: string[] }[]).map((f) => f.key)).toEqual([
    'name',
    'email',
    'subject',
    'topic',
    'message',
  ]);
  expect((form!.fields as { key: string; options?: string[] }[])[3]).toEqual({
    key: 'topic',
    label: 'Topic',
    kind: 'select',
    required: true,
    options: ['Billing', 'Delivery'],
  });
  const row = page.locator(`[data-testid="form-row"][data-form-id="${String(form!.id)}"]`);
  await row.waitFor(WAIT);
  expect(await row.textContent()).toContain('/forms/contact-us');
  expect(await row.textContent()).toContain('Web desk');

  // A customer opens the public URL and submits it.
  const visitor = await context.newPage();
  visitor.setDefaultTimeout(WAIT.timeout);
  visitor.on('pageerror', (e) => pageErrors.push(e));
  await visitor.goto(url);
  await visitor.locator('input[name="name"]').fill('Gail Green');
  await visitor.locator('input[name="email"]').fill('gail@example.org');
  await visitor.locator('input[name="subject"]').fill('Charged twice');
  await visitor.locator('select[name="topic"]').selectOption('Billing');
  await visitor.locator('textarea[name="message"]').fill('My card was charged twice for order 1001.');
  await visitor.getByRole('button', { name: 'Send' }).click();
  await visitor.getByText('Thanks, we will answer within a day.').waitFor(WAIT);

  // The case, through the API: a web case in the form's team with the mapped category.
  const found = await server.database.db.selectFrom('cases').select('id').where('subject', '=', 'Charged twice').executeTakeFirstOrThrow();
  const c = await api<Record<string, unknown> & { number: number }>('GET', `/api/cases/${found.id}`);
  expect(c).toMatchObject({
    channel: 'web',
    teamId: team.id,
    categoryId: billing.id,
    requester: { email: 'gail@example.org', name: 'Gail Green' },
  });
  // The in-process worker sends the confirmation through the form's mailbox.
  await expect.poll(() => smtp.received.length, { timeout: 20_000, interval: 500 }).toBe(1);
  expect(smtp.received[0]!.subject).toBe(`Charged twice [#${c.number}]`);
  expect(recipientOf(smtp.received[0]!)).toBe('gail@example.org');

  // The form is a channel: on the Channels page with its last submission.
  await page.locator('nav').getByRole('link', { name: 'Channels' }).click();
  const channel = page.getByTestId('channel-row').filter({ hasText: 'Contact us' });
  await channel.waitFor(WAIT);
  expect(await channel.textContent()).toContain('Form');
  expect(await channel.getByTestId('channel-last-inbound').textContent()).not.toBe('never');

  // Editing the name keeps everything else.
  await page.goto('/settings/channels/forms');
  await row.getByRole('button', { name: 'Edit Contact us' }).click();
  const edit = page.getByRole('dialog', { name: 'Edit Contact us' });
  await edit.locator('input[name="name"]').fill('Contact the team');
  expect(await edit.locator('input[name="slug"]').inputValue()).toBe('contact-us');
  await edit.getByRole('button', { name: 'Save form' }).click();
  await edit.waitFor({ state: 'hidden', ...WAIT });
  await row.getByText('Contact the team').waitFor(WAIT);
  const after = await api<Record<string, unknown>>('GET', `/api/forms/${String(form!.id)}`);
  expect(after).toMatchObject({ name: 'Contact the team', slug: 'contact-us', categoryMap: { Billing: billing.id } });
  expect(after.fields).toEqual(form!.fields);

  await page.screenshot({ path: '/tmp/frontline-forms.png', fullPage: true });
  expect(pageErrors).toEqual([]);
}, 120_000);
