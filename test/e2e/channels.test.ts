// The Channels page in a real browser: a mailbox whose SMTP relay refuses every connection fails
// its sends (the worker sends every few seconds), the health check turns it degraded, and the
// page shows the state, the reason, the failures and the change in the mailbox's history.
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { systemClock } from '../../src/lib/clock.js';
import { systemActor } from '../../src/modules/auth/permissions.js';
import { checkChannelHealth } from '../../src/modules/channels/channel-health.js';
import { insertToken } from '../../src/modules/tokens/tokens.service.js';
import { insertNewUser } from '../../src/modules/users/users.service.js';
import { simpleMail } from '../email-helpers.js';
import { launchBrowser, startE2eServer, type E2eServer } from './browser.js';

const WAIT = { timeout: 20_000 };
let server: E2eServer;
let browser: Browser;
let context: BrowserContext | undefined;

beforeAll(async () => {
  server = await startE2eServer();
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
});

test('a mailbox that cannot send shows as degraded on the Channels page, with why and its history', async () => {
  const manager = {
    email: 'manager-ch@example.test',
    password: 'correct horse channel battery',
    name: 'Mia Manager',
    role: 'manager' as const,
  };
  const user = await server.database.db.transaction().execute((trx) => insertNewUser(trx, manager, systemActor, new Date()));
  const token = (
    await server.database.db.transaction().execute((trx) => insertToken(trx, { name: 'e2e', userId: user.id }, systemActor, new Date()))
  ).secret;
  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  // Port 9 on the loopback refuses connections.
  const created = await api('POST', '/api/mailboxes', {
    name: 'Care desk',
    address: 'care@acme.test',
    smtp: { host: '127.0.0.1', port: 9, secure: false },
  });
  const inbound = await fetch(`${server.url}/api/inbound/email/${created.mailbox.id}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${created.inboundSecret}`, 'content-type': 'message/rfc822' },
    body: simpleMail({ from: 'dana@example.org', to: 'care@acme.test', subject: 'Where is my order?' }),
  });
  expect(inbound.status).toBe(201);
  const { caseId } = (await inbound.json()) as { caseId: string };
  await api('POST', `/api/cases/${caseId}/messages`, { kind: 'reply', body: 'Looking into it' });
  // The in-process worker sends every 5 s: wait for the failed attempt, then check health now.
  const ctx = { db: server.database.db, clock: systemClock, config: loadConfig({ logLevel: 'silent' }, {}) };
  await expect
    .poll(async () => (await api('GET', '/api/channels/health')).items[0].consecutiveErrors, { timeout: 20_000, interval: 500 })
    .toBeGreaterThan(0);
  await checkChannelHealth(ctx);

  context = await browser.newContext({ baseURL: server.url, viewport: { width: 1400, height: 900 }, timezoneId: 'Europe/London' });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT.timeout);
  const pageErrors: Error[] = [];
  page.on('pageerror', (e) => pageErrors.push(e));
  await page.goto('/login');
  await page.locator('input[name="email"]').fill(manager.email);
  await page.locator('input[name="password"]').fill(manager.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/inbox/**', WAIT);
  await page.getByRole('link', { name: 'Channels' }).click();
  const row = page.getByTestId('channel-row').filter({ hasText: 'Care desk' });
  await row.waitFor(WAIT);
  expect(await row.getAttribute('data-state')).toBe('degraded');
  expect(await row.getByTestId('channel-state').textContent()).toBe('Degraded');
  expect(await row.getByTestId('channel-reason').textContent()).toMatch(/failed/);
  await row.getByRole('button', { name: 'History' }).click();
  const history = page.getByTestId('channel-history');
  await history.waitFor(WAIT);
  expect(await history.textContent()).toContain('OK → Degraded');
  expect(pageErrors).toEqual([]);
}, 90_000);
