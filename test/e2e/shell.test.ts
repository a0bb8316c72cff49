// The web app in a real browser against a real server: first-run setup, signing in and out, the
// navigation shell, and the Settings pages (teams, users, API tokens).
// One server for the whole file, so the tests run in order: the first one needs a database with
// no users; the later ones make their own admins.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, startE2eServer, type E2eServer } from './browser.js';

const SECTION_LABELS = ['Inbox', 'Customers', 'Requests', 'Dashboards', 'Team', 'Quality', 'Workforce', 'Channels', 'Settings'];
const WAIT = { timeout: 15_000 };

let server: E2eServer;
let browser: Browser;
let context: BrowserContext | undefined;

beforeAll(async () => {
  // One after the other: both are heavy on a small machine.
  server = await startE2eServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

afterEach(async () => {
  await context?.close();
  context = undefined;
});

/** A fresh browser profile (no cookies) per test; page errors fail the test. */
async function newPage(): Promise<{ page: Page; pageErrors: Error[] }> {
  context = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT.timeout);
  const pageErrors: Error[] = [];
  page.on('pageerror', (error) => pageErrors.push(error));
  return { page, pageErrors };
}

function pathOf(page: Page): string {
  return new URL(page.url()).pathname;
}

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="password"]').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

let adminCounter = 0;
async function newAdmin(): Promise<{ email: string; password: string; name: string }> {
  adminCounter += 1;
  const admin = {
    email: `admin-${adminCounter}@example.test`,
    password: `correct horse ${adminCounter} battery`,
    name: `Ada Admin ${adminCounter}`,
  };
  await server.createAdmin(admin);
  return admin;
}

describe('the web app', () => {
  test('first-run setup: the printed one-time link creates the first admin and signs them in', async () => {
    expect(server.setupUrl).toMatch(/\/setup\?token=/);
    // The link is what an operator sees in the terminal.
    expect(server.printed.some((line) => line.trim() === server.setupUrl)).toBe(true);

    const { page, pageErrors } = await newPage();
    await page.goto(server.setupUrl!);
    await page.locator('input[name="name"]').fill('Sam Setup');
    await page.locator('input[name="email"]').fill('sam.setup@example.test');
    await page.locator('input[name="password"]').fill('first admin password');
    await page.locator('input[name="passwordConfirmation"]').fill('first admin password');
    await page.getByRole('button', { name: 'Create administrator' }).click();

    await page.waitForURL('**/inbox', WAIT);
    await expect.poll(() => page.locator('[data-testid="current-user"]').textContent(), WAIT).toBe('Sam Setup');
    await expect.poll(() => page.getByRole('heading', { name: 'Inbox' }).count(), WAIT).toBeGreaterThan(0);

    // Signed in by a real session cookie: the API agrees.
    const me = (await page.evaluate(async () => (await fetch('/api/auth/me')).json())) as { user: { email: string; role: string } };
    expect(me.user).toMatchObject({ email: 'sam.setup@example.test', role: 'admin' });

    // The one-time link is spent: opening it again says an admin exists.
    await page.goto(server.setupUrl!);
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Already set up' }).count(), WAIT).toBe(1);
    expect(pageErrors).toEqual([]);
  });

  test('sign in: the shell shows the navigation; a wrong password shows the API error', async () => {
    const admin = await newAdmin();
    const { page, pageErrors } = await newPage();

    await signIn(page, admin.email, 'not the password');
    const alert = page.getByRole('alert').filter({ hasText: 'wrong email or password' });
    await alert.waitFor(WAIT);
    expect(pathOf(page)).toBe('/login');
    expect(await page.locator('[data-testid="current-user"]').count()).toBe(0);

    await page.locator('input[name="password"]').fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/inbox', WAIT);
    await expect.poll(() => page.locator('[data-testid="current-user"]').textContent(), WAIT).toBe(admin.name);

    const nav = page.locator('nav');
    await nav.getByRole('link', { name: 'Inbox' }).waitFor(WAIT);
    expect((await nav.getByRole('link').allTextContents()).map((t) => t.trim())).toEqual(SECTION_LABELS);

    // The links lead somewhere: Customers shows its page and is marked as the current section.
    await nav.getByRole('link', { name: 'Customers' }).click();
    await page.waitForURL('**/customers', WAIT);
    await expect.poll(() => page.getByRole('heading', { name: 'Customers' }).count(), WAIT).toBeGreaterThan(0);

    await page.screenshot({ path: '/tmp/frontline-shell.png', fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  test('settings: an admin creates a team, a user and an API token that works', async () => {
    const admin = await newAdmin();
    const { page, pageErrors } = await newPage();
    await signIn(page, admin.email, admin.password);
    await page.waitForURL('**/inbox', WAIT);

    // Teams
    await page.locator('nav').getByRole('link', { name: 'Settings' }).click();
    await page.waitForURL('**/settings/users', WAIT);
    await page.getByRole('tab', { name: 'Teams' }).click();
    await page.waitForURL('**/settings/teams', WAIT);
    await page.getByRole('button', { name: 'New team' }).click();
    const teamDialog = page.getByRole('dialog', { name: 'New team' });
    await teamDialog.locator('input[name="name"]').fill('Tier 2 escalations');
    await teamDialog.locator('textarea[name="description"]').fill('Hard cases from tier 1');
    await teamDialog.getByRole('button', { name: 'Create team' }).click();
    await teamDialog.waitFor({ state: 'hidden', ...WAIT });
    const teamRow = page.getByRole('row').filter({ hasText: 'Tier 2 escalations' });
    await teamRow.waitFor(WAIT);
    expect(await teamRow.textContent()).toContain('Hard cases from tier 1');

    // Users
    await page.getByRole('tab', { name: 'Users' }).click();
    await page.waitForURL('**/settings/users', WAIT);
    await page.getByRole('button', { name: 'New user' }).click();
    const userDialog = page.getByRole('dialog', { name: 'New user' });
    await userDialog.locator('input[name="name"]').fill('Nina Newhire');
    await userDialog.locator('input[name="email"]').fill('nina.newhire@example.test');
    await userDialog.locator('input[name="password"]').fill('a good long password');
    await userDialog.getByRole('button', { name: 'Create user' }).click();
    await userDialog.waitFor({ state: 'hidden', ...WAIT });
    const userRow = page.getByRole('row').filter({ hasText: 'nina.newhire@example.test' });
    await userRow.waitFor(WAIT);
    expect(await userRow.textContent()).toContain('Nina Newhire');

    // API tokens
    await page.getByRole('tab', { name: 'API tokens' }).click();
    await page.waitForURL('**/settings/tokens', WAIT);
    await page.getByRole('button', { name: 'New token' }).click();
    const tokenDialog = page.getByRole('dialog', { name: 'New API token' });
    await tokenDialog.locator('input[name="name"]').fill('E2E script');
    await tokenDialog.getByRole('button', { name: 'Create token' }).click();
    const secretBox = page.locator('[data-testid="token-secret"]');
    await secretBox.waitFor(WAIT);
    const secret = (await secretBox.textContent())?.trim() ?? '';
    expect(secret.startsWith('flt_')).toBe(true);
    await page.getByRole('button', { name: 'Done' }).click();
    await secretBox.waitFor({ state: 'detached', ...WAIT });
    await page.getByRole('row').filter({ hasText: 'E2E script' }).waitFor(WAIT);

    // The secret is a working credential, outside the browser.
    const res = await fetch(`${server.url}/api/auth/me`, { headers: { authorization: `Bearer ${secret}` } });
    expect(res.status).toBe(200);
    const me = (await res.json()) as { user: { email: string } };
    expect(me.user.email).toBe(admin.email);
    expect(pageErrors).toEqual([]);
  });

  test('sign out: back to /login, and reloading /inbox stays signed out', async () => {
    const admin = await newAdmin();
    const { page, pageErrors } = await newPage();
    await signIn(page, admin.email, admin.password);
    await page.waitForURL('**/inbox', WAIT);
    await page.locator('[data-testid="current-user"]').waitFor(WAIT);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/login', WAIT);
    await page.getByRole('button', { name: 'Sign in' }).waitFor(WAIT);

    // A full reload: nothing cached in the page, so only the server's answer counts.
    await page.goto('/inbox');
    await page.waitForURL('**/login', WAIT);
    await page.getByRole('button', { name: 'Sign in' }).waitFor(WAIT);
    expect(await page.locator('[data-testid="current-user"]').count()).toBe(0);
    const status = await page.evaluate(async () => (await fetch('/api/auth/me')).status);
    expect(status).toBe(401);
    expect(pageErrors).toEqual([]);
  });
});
