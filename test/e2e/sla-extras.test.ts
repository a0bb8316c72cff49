// SLA in the lists, escalation and the email channel in a real browser against a real server: a
// case past its first-reply due shows "Breached" in the inbox and under the "Breached" quick filter;
// an agent escalates a case from its page and it shows as escalated and under the "Escalated"
// filter; an administrator creates a mailbox in Settings, sees its inbound secret once, and mail
// posted with that secret opens a case that reaches the inbox.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { Role } from '../../src/db/schema.js';
import { systemClock } from '../../src/lib/clock.js';
import type { ServiceContext } from '../../src/lib/context.js';
import { systemActor } from '../../src/modules/auth/permissions.js';
import { scanSla } from '../../src/modules/sla/sla-tracking.js';
import { insertToken } from '../../src/modules/tokens/tokens.service.js';
import { insertNewUser } from '../../src/modules/users/users.service.js';
import { simpleMail } from '../email-helpers.js';
import { callApi, type E2eServer, launchBrowser, startE2eServer } from './browser.js';

const WAIT = { timeout: 15_000 };

let server: E2eServer;
let browser: Browser;
let context: BrowserContext | undefined;
let admin: Awaited<ReturnType<typeof newUser>>;
let adminToken: string;
let calendarId: string;

type CaseView = { id: string; number: number; subject: string; escalatedAt: string | null; escalationReason: string | null };
type ListItem = { id: string; sla: { nextDueAt: string | null; breached: boolean } | null; escalatedAt: string | null };
type CasePage = { items: ListItem[] };

beforeAll(async () => {
  server = await startE2eServer();
  browser = await launchBrowser();
  admin = await newUser('admin', 'Ada Admin');
  adminToken = await tokenFor(admin.id);
  const calendar = await api<{ id: string }>('POST', '/api/sla/calendars', {
    name: 'Always open',
    timeZone: 'UTC',
    weekly: Object.fromEntries(
      ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((d) => [d, [{ start: '00:00', end: '24:00' }]]),
    ),
  });
  calendarId = calendar.id;
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
function api<T>(method: string, path: string, body?: unknown, token = adminToken): Promise<T> {
  return callApi<T>(server, token, method, path, body);
}

async function runSlaScan(): Promise<void> {
  const ctx: ServiceContext = { db: server.database.db, clock: systemClock, config: loadConfig({ logLevel: 'silent' }, {}) };
  await scanSla(ctx);
}

async function newPage(): Promise<{ page: Page; pageErrors: Error[] }> {
  context = await browser.newContext({ baseURL: server.url, viewport: { width: 1500, height: 950 }, timezoneId: 'Europe/London' });
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

function row(page: Page, caseId: string) {
  return page.locator(`[data-testid="case-row"][data-case-id="${caseId}"]`);
}

async function shownCaseIds(page: Page): Promise<string[]> {
  const ids = await page.locator('[data-testid="case-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-case-id') ?? ''));
  return ids;
}

async function quickFilter(page: Page, label: string, value: string): Promise<void> {
  await page.getByTestId('quick-filters').getByText(label, { exact: true }).click();
  await page.waitForURL(`**/inbox/views/**filter=${value}`, WAIT);
}

describe('SLA in lists, escalation and mailboxes', () => {
  test('a case past its first-reply due shows "Breached" in the inbox and under the "Breached" quick filter', async () => {
    // Policies matched by tag: one due the moment the case opens, one due in half an hour.
    await api('POST', '/api/sla/policies', {
      name: 'Instant breach',
      calendarId,
      targets: { firstReply: { minutes: 0, businessHours: false } },
      conditions: { tags: ['e2e-breach'] },
      warnings: [],
    });
    await api('POST', '/api/sla/policies', {
      name: 'Half hour',
      calendarId,
      targets: { firstReply: { minutes: 30, businessHours: false } },
      conditions: { tags: ['e2e-soon'] },
      warnings: [],
    });
    const breached = await api<CaseView>('POST', '/api/cases', {
      subject: 'Card payments fail at checkout',
      requester: { email: 'carla@example.test', name: 'Carla Customer' },
      message: { body: 'Every card is declined.' },
      tags: ['e2e-breach'],
    });
    const soon = await api<CaseView>('POST', '/api/cases', {
      subject: 'Invoice address is wrong',
      requester: { email: 'ivan@example.test', name: 'Ivan Invoice' },
      message: { body: 'Please change the address.' },
      tags: ['e2e-soon'],
    });
    const plain = await api<CaseView>('POST', '/api/cases', {
      subject: 'How do I change my password?',
      requester: { email: 'pat@example.test', name: 'Pat Plain' },
      message: { body: 'I forgot it.' },
    });
    // A zero-minute target is breached the instant the case opens, but the stored clock is written
    // as still running at that very instant (the state turns "breached" only once now > due) and
    // the scan does not come back to it; any later change to the case re-evaluates it. A note
    // after the due instant is that change (see the report: a server issue).
    await new Promise((resolve) => setTimeout(resolve, 20));
    await api('POST', `/api/cases/${breached.id}/messages`, { kind: 'note', body: 'Looking into it.' });
    await expect
      .poll(async () => {
        await runSlaScan();
        return (await api<CasePage>('GET', '/api/cases?sla=breached')).items.map((c) => c.id);
      }, WAIT)
      .toContain(breached.id);

    const { page, pageErrors } = await newPage();
    await signIn(page, admin.email, admin.password);
    await page.getByTestId('view-all_open').click();
    await row(page, breached.id).waitFor(WAIT);

    // The list row: red "Breached"; the half-hour case counts down in orange; no SLA, no badge.
    const breachedBadge = row(page, breached.id).getByTestId('sla-list-badge');
    await expect.poll(() => breachedBadge.getAttribute('data-state'), WAIT).toBe('breached');
    expect(await breachedBadge.textContent()).toBe('Breached');
    const soonBadge = row(page, soon.id).getByTestId('sla-list-badge');
    expect(await soonBadge.getAttribute('data-state')).toBe('at_risk');
    expect(await soonBadge.textContent()).toMatch(/^(29|30) min$/);
    expect(await row(page, plain.id).getByTestId('sla-list-badge').getAttribute('data-state')).toBe('none');

    // "Breached": only the breached case.
    await quickFilter(page, 'Breached', 'breached');
    await expect.poll(() => shownCaseIds(page), WAIT).toEqual([breached.id]);
    expect(await page.getByRole('heading', { name: /All open · Breached/ }).count()).toBe(1);

    // "Breaching within 1 hour": the half-hour case (and the breached one, whose due time has passed
    // without a reply, is not "active" any more).
    await quickFilter(page, 'Breaching within 1 hour', 'at_risk');
    await expect.poll(() => shownCaseIds(page), WAIT).toContain(soon.id);
    expect(await shownCaseIds(page)).not.toContain(plain.id);

    // "All" brings every case back; the filter survives a reload through the URL.
    await quickFilter(page, 'Breached', 'breached');
    await page.reload();
    await expect.poll(() => shownCaseIds(page), WAIT).toEqual([breached.id]);
    await page.getByTestId('quick-filters').getByText('All', { exact: true }).click();
    await expect.poll(async () => (await shownCaseIds(page)).length, WAIT).toBeGreaterThanOrEqual(3);

    expect(pageErrors).toEqual([]);
  });

  test('an agent escalates a case with a reason from its page; it shows as escalated and under the "Escalated" filter', async () => {
    const agent = await newUser('agent', 'Bea Agent');
    const escalated = await api<CaseView>('POST', '/api/cases', {
      subject: 'Customer threatens to cancel the contract',
      requester: { email: 'dana@example.test', name: 'Dana Director' },
      message: { body: 'Third outage this month. We are leaving.' },
      assigneeId: agent.id,
    });
    const calm = await api<CaseView>('POST', '/api/cases', {
      subject: 'Where can I download my invoice?',
      requester: { email: 'quinn@example.test', name: 'Quinn Quiet' },
      message: { body: 'Thanks!' },
      assigneeId: agent.id,
    });

    const { page, pageErrors } = await newPage();
    await signIn(page, agent.email, agent.password);
    await page.goto(`/cases/${escalated.id}`);
    await page.getByTestId('case-subject').waitFor(WAIT);
    expect(await page.getByTestId('case-escalated').count()).toBe(0);

    // "Escalate to manager" is in the case's "⋯" menu; a reason is required.
    await page.getByRole('button', { name: 'More actions' }).click();
    await page.getByRole('menuitem', { name: 'Escalate to manager' }).click();
    const modal = page.getByRole('dialog', { name: 'Escalate to manager' });
    await modal.getByRole('button', { name: 'Escalate', exact: true }).click();
    await modal.getByText('Give a reason').waitFor(WAIT);
    await modal.getByLabel('Reason').fill('Key account about to cancel; needs a goodwill credit only a manager can approve.');
    await modal.getByRole('button', { name: 'Escalate', exact: true }).click();
    await modal.waitFor({ state: 'hidden', ...WAIT });

    await page.getByTestId('case-escalated').waitFor(WAIT);
    expect(await page.getByTestId('case-escalation-reason').textContent()).toContain('needs a goodwill credit only a manager can approve');
    const stored = await api<CaseView>('GET', `/api/cases/${escalated.id}`);
    expect(stored.escalatedAt).not.toBeNull();
    expect(stored.escalationReason).toBe('Key account about to cancel; needs a goodwill credit only a manager can approve.');
    await page.getByRole('button', { name: 'More actions' }).click();
    await page.getByRole('menuitem', { name: 'Escalate again' }).waitFor(WAIT);
    await page.keyboard.press('Escape');

    // The event log says who escalated it and why.
    await page.getByRole('tab', { name: 'Events' }).click();
    await page
      .getByTestId('case-events')
      .getByText('Bea Agent escalated the case to the managers: “Key account about to cancel', { exact: false })
      .waitFor(WAIT);

    // In the inbox: the marker on the row, and the "Escalated" quick filter holds it alone.
    await page.goto('/inbox');
    await page.getByTestId('view-my_open').click();
    await row(page, calm.id).waitFor(WAIT);
    await row(page, escalated.id).getByTestId('escalated-marker').waitFor(WAIT);
    expect(await row(page, calm.id).getByTestId('escalated-marker').count()).toBe(0);
    await quickFilter(page, 'Escalated', 'escalated');
    await expect.poll(() => shownCaseIds(page), WAIT).toEqual([escalated.id]);

    expect(pageErrors).toEqual([]);
  });

  test('an admin creates a mailbox in Settings and sees its secret once; mail posted with it opens a case in the inbox', async () => {
    const team = await api<{ id: string }>('POST', '/api/teams', { name: 'Email desk' });
    const { page, pageErrors } = await newPage();
    await signIn(page, admin.email, admin.password);

    // Settings → Channels → Mailboxes.
    await page.locator('nav').getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('tab', { name: 'Channels' }).click();
    await page.waitForURL('**/settings/channels/mailboxes', WAIT);
    await page.getByTestId('mailboxes-empty').waitFor(WAIT);

    await page.getByRole('button', { name: 'New mailbox' }).click();
    let dialog = page.getByRole('dialog', { name: 'New mailbox' });
    await dialog.getByLabel('Name').fill('Support');
    await dialog.getByLabel('Address').fill('Help@Acme.test');
    await dialog.getByLabel('Team', { exact: true }).click();
    await page.getByRole('option', { name: 'Email desk' }).click();
    await dialog.getByRole('button', { name: 'Create mailbox' }).click();

    // The secret and the inbound URL, this once.
    const secretBox = dialog.getByTestId('mailbox-secret');
    await secretBox.waitFor(WAIT);
    const secret = (await secretBox.textContent())?.trim() ?? '';
    expect(secret).toMatch(/^flm_[A-Za-z0-9_-]{40,}$/);
    const [mailbox] = (await api<{ items: { id: string; address: string; teamId: string | null }[] }>('GET', '/api/mailboxes')).items;
    expect(mailbox).toMatchObject({ address: 'help@acme.test', teamId: team.id });
    expect(await dialog.getByTestId('mailbox-inbound-url').textContent()).toBe(`POST ${server.url}/api/inbound/email/${mailbox!.id}`);
    await dialog.getByRole('button', { name: 'Copy secret' }).waitFor(WAIT);
    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.waitFor({ state: 'hidden', ...WAIT });

    // Gone from the page once closed: the list shows the prefix only.
    const mailboxRow = page.locator(`[data-testid="mailbox-row"][data-mailbox-id="${mailbox!.id}"]`);
    await mailboxRow.waitFor(WAIT);
    expect(await mailboxRow.textContent()).toContain(`${secret.slice(0, 10)}…`);
    expect(await page.content()).not.toContain(secret);

    // A relay posts a customer's mail with the secret: a new case in the mailbox's team.
    const deliver = (raw: string, bearer = secret) =>
      fetch(`${server.url}/api/inbound/email/${mailbox!.id}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'message/rfc822' },
        body: raw,
      });
    const res = await deliver(
      simpleMail({
        from: 'Erin Email <erin@customer.example>',
        to: 'help@acme.test',
        subject: 'My parcel never arrived',
        body: 'Order 4411 was due last week.',
      }),
    );
    expect(res.status).toBe(201);
    const inbound = (await res.json()) as { caseId: string; threadedBy: string };
    expect(inbound.threadedBy).toBe('new_case');

    await page.locator('nav').getByRole('link', { name: 'Inbox' }).click();
    await page.getByTestId('view-all_open').click();
    const emailRow = row(page, inbound.caseId);
    await emailRow.waitFor(WAIT);
    expect(await emailRow.textContent()).toContain('My parcel never arrived');
    expect(await emailRow.textContent()).toContain('Email desk (unassigned)');

    // The case's message links to its original, as received.
    await emailRow.getByRole('link', { name: 'My parcel never arrived' }).click();
    await page.waitForURL(`**/cases/${inbound.caseId}`, WAIT);
    const rawLink = page.getByTestId('message-raw-link');
    await rawLink.waitFor(WAIT);
    const href = await rawLink.getAttribute('href');
    const raw = await page.request.get(href ?? '');
    expect(raw.status()).toBe(200);
    expect(raw.headers()['content-type']).toContain('message/rfc822');
    expect(await raw.text()).toContain('Order 4411 was due last week.');

    // Rotating shows the new secret once; the old one is refused from then on.
    await page.goto('/settings/channels/mailboxes');
    await mailboxRow.getByRole('button', { name: 'Rotate secret of Support' }).click();
    dialog = page.getByRole('dialog', { name: 'Rotate the secret of Support' });
    await dialog.getByRole('button', { name: 'Rotate secret' }).click();
    await dialog.getByTestId('mailbox-secret').waitFor(WAIT);
    const rotated = (await dialog.getByTestId('mailbox-secret').textContent())?.trim() ?? '';
    expect(rotated).toMatch(/^flm_/);
    expect(rotated).not.toBe(secret);
    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.waitFor({ state: 'hidden', ...WAIT });
    expect((await deliver(simpleMail({ from: 'erin@customer.example', to: 'help@acme.test', subject: 'Again' }))).status).toBe(401);

    // An auto-reply that matches no case opens none; it is listed as ignored mail.
    const ignored = await deliver(
      simpleMail({
        from: 'robot@elsewhere.example',
        to: 'help@acme.test',
        subject: 'Out of office',
        extraHeaders: ['Auto-Submitted: auto-replied'],
      }),
      rotated,
    );
    expect(ignored.status).toBe(202);
    await mailboxRow.getByRole('button', { name: 'Ignored mail of Support' }).click();
    const ignoredRow = page.getByTestId('ignored-row').filter({ hasText: 'Out of office' });
    await ignoredRow.waitFor(WAIT);
    expect(await ignoredRow.textContent()).toContain('Automated, matched no case');
    expect(await ignoredRow.textContent()).toContain('robot@elsewhere.example');

    await page.screenshot({ path: '/tmp/frontline-mailboxes.png', fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});
