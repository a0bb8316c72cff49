// A mailbox's sending and polling servers in a real browser against a real server: an admin sets
// SMTP and IMAP (folder, move after processing) in Settings → Channels → Mailboxes; the API stores
// them with the passwords, which the page never shows; a failed IMAP poll (a refused connection)
// shows in the list and in the mailbox's poll health; saving again without a password keeps it.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { systemClock } from '../../src/lib/clock.js';
import { findPolledMailbox, pollMailboxOnce } from '../../src/modules/email/imap-poller.js';
import { callApi, launchBrowser, startE2eServer, tokenFor, type E2eServer } from './browser.js';

const WAIT = { timeout: 20_000 };
const admin = { email: 'admin-mail@example.test', password: 'correct horse mailbox battery', name: 'Ada Admin' };

let server: E2eServer;
let browser: Browser;
let context: BrowserContext;
let token: string;

function api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
  return callApi<T>(server, token, method, path, body);
}

beforeAll(async () => {
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
});

async function storedSettings(id: string) {
  return server.database.db
    .selectFrom('mailboxes')
    .select(['smtp_settings', 'imap_settings'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

async function openEditor(page: Page, name: string) {
  await page.getByRole('button', { name: `Edit ${name}` }).click();
  const dialog = page.getByRole('dialog', { name: `Edit ${name}` });
  await dialog.waitFor(WAIT);
  return dialog;
}

test('an admin sets SMTP and IMAP polling on a mailbox; a failed poll shows; the password stays write-only', async () => {
  const created = await api<{ mailbox: { id: string } }>('POST', '/api/mailboxes', { name: 'Support', address: 'support@acme.test' });
  const id = created.mailbox.id;

  const page = await context.newPage();
  page.setDefaultTimeout(WAIT.timeout);
  const pageErrors: Error[] = [];
  page.on('pageerror', (e) => pageErrors.push(e));
  await page.goto('/login');
  await page.locator('input[name="email"]').fill(admin.email);
  await page.locator('input[name="password"]').fill(admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/inbox/**', WAIT);
  await page.goto('/settings/channels/mailboxes');
  const row = page.locator(`[data-testid="mailbox-row"][data-mailbox-id="${id}"]`);
  await row.waitFor(WAIT);
  expect(await row.getByTestId('mailbox-polling').textContent()).toBe('Not set up');

  let dialog = await openEditor(page, 'Support');
  await dialog.getByLabel('Send replies from this mailbox').check();
  await dialog.getByLabel('SMTP host').fill('smtp.acme.test');
  await dialog.getByLabel('SMTP port').fill('2525');
  await dialog.getByLabel('SMTP user').fill('relay');
  await dialog.getByLabel('SMTP password').fill('smtp-secret');
  await dialog.getByLabel('Fetch mail from an IMAP folder').check();
  // Port 9 on the loopback refuses connections: every poll fails.
  await dialog.getByLabel('IMAP host').fill('127.0.0.1');
  await dialog.getByLabel('IMAP port').fill('9');
  await dialog.getByLabel('IMAP: TLS from the start').uncheck();
  await dialog.getByLabel('IMAP user').fill('support');
  await dialog.getByLabel('IMAP password').fill('imap-secret');
  await dialog.locator('input[name="imapFolder"]').fill('Support');
  await dialog.getByText('Move it to a folder').click();
  await dialog.locator('input[name="imapMoveToFolder"]').fill('Done');
  await page.screenshot({ path: '/tmp/frontline-mailbox-settings.png', fullPage: true });
  await dialog.getByRole('button', { name: 'Save mailbox' }).click();
  await dialog.waitFor({ state: 'hidden', ...WAIT });

  const mailbox = await api<Record<string, unknown>>('GET', `/api/mailboxes/${id}`);
  expect(mailbox.smtp).toEqual({ host: 'smtp.acme.test', port: 2525, secure: false, username: 'relay', hasPassword: true });
  expect(mailbox.imap).toEqual({
    host: '127.0.0.1',
    port: 9,
    secure: false,
    username: 'support',
    hasPassword: true,
    folder: 'Support',
    enabled: true,
    afterProcessing: 'move',
    moveToFolder: 'Done',
  });
  expect((await storedSettings(id)).imap_settings).toMatchObject({ password: 'imap-secret' });
  expect(await page.content()).not.toContain('imap-secret');

  // One poll, as the worker would make it: refused.
  const ctx = { db: server.database.db, clock: systemClock, config: loadConfig({ logLevel: 'silent' }, {}) };
  const polled = await findPolledMailbox(ctx, id);
  expect(polled).not.toBeNull();
  const logger = { info() {}, error() {} };
  await expect(pollMailboxOnce(polled!, { ctx, logger, pollSeconds: 60 })).rejects.toThrow();

  await page.reload();
  await row.waitFor(WAIT);
  await expect.poll(async () => row.getByTestId('mailbox-polling').textContent(), WAIT).toMatch(/127\.0\.0\.1 · Support\d+ failed poll/);
  dialog = await openEditor(page, 'Support');
  const pollHealth = dialog.getByTestId('mailbox-poll-health');
  await pollHealth.waitFor(WAIT);
  expect(await pollHealth.textContent()).toMatch(/Last good poll: never/);
  expect(await pollHealth.textContent()).toMatch(/Failed polls in a row: [1-9]/);
  expect(await pollHealth.textContent()).toMatch(/Last error .*ECONNREFUSED|Last error .*connect/i);
  expect(await dialog.getByLabel('IMAP password').inputValue()).toBe('');

  // Another port, no password typed: the stored one is kept (same host and user).
  await dialog.getByLabel('IMAP port').fill('10');
  await dialog.getByRole('button', { name: 'Save mailbox' }).click();
  await dialog.waitFor({ state: 'hidden', ...WAIT });
  const stored = await storedSettings(id);
  expect(stored.imap_settings).toMatchObject({ port: 10, password: 'imap-secret' });
  expect(stored.smtp_settings).toMatchObject({ password: 'smtp-secret' });

  expect(pageErrors).toEqual([]);
}, 120_000);
