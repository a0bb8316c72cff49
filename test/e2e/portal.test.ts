// Web forms and the customer portal in a real browser against a real server: a customer submits
// the embeddable form page, asks for a sign-in link in the portal, signs in with the token from
// the outbox, sees the case the form opened and replies to it.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { systemActor } from '../../src/modules/auth/permissions.js';
import { insertToken } from '../../src/modules/tokens/tokens.service.js';
import { launchBrowser, startE2eServer, type E2eServer } from './browser.js';

const WAIT = { timeout: 15_000 };
const customer = 'gail@example.org';

let server: E2eServer;
let browser: Browser;
let context: BrowserContext;
let token: string;

async function api(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

beforeAll(async () => {
  server = await startE2eServer();
  browser = await launchBrowser();
  const admin = await server.createAdmin({ email: 'admin@example.test', password: 'correct horse battery staple', name: 'Ada' });
  token = (
    await server.database.db.transaction().execute((trx) => insertToken(trx, { name: 'e2e', userId: admin.id }, systemActor, new Date()))
  ).secret;
  // SMTP to a closed port: the outbox keeps the messages, which is all this test reads.
  const mailbox = (await api('POST', '/api/mailboxes', {
    name: 'Help',
    address: 'help@acme.test',
    smtp: { host: '127.0.0.1', port: 9, secure: false },
  })) as { mailbox: { id: string } };
  await api('POST', '/api/forms', {
    name: 'Contact us',
    slug: 'contact',
    mailboxId: mailbox.mailbox.id,
    fields: [
      { key: 'email', label: 'Email', kind: 'email', required: true },
      { key: 'subject', label: 'Subject', kind: 'text', required: true },
      { key: 'message', label: 'Message', kind: 'textarea', required: true },
    ],
    confirmationText: 'Thanks! We will be in touch.',
  });
  context = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 800 } });
}, 120_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
});

async function loginTokenFromOutbox(): Promise<string> {
  const row = await server.database.db
    .selectFrom('email_outbox')
    .select('body_text')
    .where('to_address', '=', customer)
    .where('subject', '=', 'Your sign-in link')
    .orderBy('created_at', 'desc')
    .executeTakeFirstOrThrow();
  const match = /\/portal\/login\?token=(\S+)/.exec(row.body_text);
  if (!match) throw new Error(`no link in: ${row.body_text}`);
  return decodeURIComponent(match[1]!);
}

test('submit the form page, sign in to the portal, see the case and reply', async () => {
  const page: Page = await context.newPage();
  page.setDefaultTimeout(WAIT.timeout);
  const pageErrors: Error[] = [];
  page.on('pageerror', (error) => pageErrors.push(error));

  await page.goto('/forms/contact');
  await page.locator('input[name="email"]').fill(customer);
  await page.locator('input[name="subject"]').fill('Broken kettle');
  await page.locator('textarea[name="message"]').fill('It stopped heating.');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByText('Thanks! We will be in touch.').waitFor(WAIT);

  await page.goto('/portal/login');
  await page.locator('input[name="email"]').fill(customer);
  await page.getByRole('button', { name: 'Email me a link' }).click();
  await page.getByText('Check your email').waitFor(WAIT);

  await page.goto(`/portal/login?token=${encodeURIComponent(await loginTokenFromOutbox())}`);
  await page.waitForURL((url) => url.pathname === '/portal', WAIT);
  await page.getByText(/Broken kettle/).click();
  await page.getByText('It stopped heating.').waitFor(WAIT);

  await page.locator('textarea[name="reply"]').fill('Any news?');
  await page.getByRole('button', { name: 'Send reply' }).click();
  await page.getByText('Any news?', { exact: true }).waitFor(WAIT);
  expect(await page.locator('textarea[name="reply"]').inputValue()).toBe('');
  expect(pageErrors).toEqual([]);
}, 120_000);
