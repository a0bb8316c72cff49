// Service standards in a real browser against a real server: an administrator sets up a business
// calendar (hours, a holiday, an .ics import) and SLA policies in Settings; a new case then shows
// its policy and first-reply clock on its page; a breach reaches the assignee's notification bell,
// which opens the case and marks notifications read.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { Role } from '../../src/db/schema.js';
import { systemClock } from '../../src/lib/clock.js';
import type { ServiceContext } from '../../src/lib/context.js';
import { systemActor } from '../../src/modules/auth/permissions.js';
import { notifyUsers } from '../../src/modules/notifications/notifications.service.js';
import { scanSla } from '../../src/modules/sla/sla-tracking.js';
import { insertToken } from '../../src/modules/tokens/tokens.service.js';
import { insertNewUser } from '../../src/modules/users/users.service.js';
import { callApi, type E2eServer, launchBrowser, startE2eServer } from './browser.js';

const WAIT = { timeout: 15_000 };

let server: E2eServer;
let browser: Browser;
let context: BrowserContext | undefined;
let admin: Awaited<ReturnType<typeof newUser>>;
let adminToken: string;

type CaseView = { id: string; number: number; subject: string; version: number };
type Calendar = {
  id: string;
  name: string;
  timeZone: string;
  weekly: Record<string, { start: string; end: string }[]>;
  holidays: unknown[];
};
type Policy = {
  id: string;
  name: string;
  position: number;
  calendarId: string;
  targets: Record<string, { minutes: number; businessHours: boolean }>;
};
type Notifications = { items: { id: string; caseId: string | null; title: string; readAt: string | null }[]; unread: number };

beforeAll(async () => {
  server = await startE2eServer();
  browser = await launchBrowser();
  admin = await newUser('admin', 'Ada Admin');
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
function api<T>(method: string, path: string, body?: unknown, token = adminToken): Promise<T> {
  return callApi<T>(server, token, method, path, body);
}

/** One pass of the SLA scan, as the worker runs it every few seconds. */
async function runSlaScan(): Promise<void> {
  const ctx: ServiceContext = { db: server.database.db, clock: systemClock, config: loadConfig({ logLevel: 'silent' }, {}) };
  await scanSla(ctx);
}

async function newPage(): Promise<{ page: Page; pageErrors: Error[] }> {
  context = await browser.newContext({ baseURL: server.url, viewport: { width: 1400, height: 900 }, timezoneId: 'Europe/London' });
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

function bellCount(page: Page): Promise<number> {
  return page
    .locator('[data-testid="notification-count"]')
    .getAttribute('data-unread')
    .then((value) => Number(value));
}

const ICS = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//Frontline e2e//EN',
  'BEGIN:VEVENT',
  'UID:boxing-day-2030@example.test',
  'DTSTAMP:20300101T000000Z',
  'SUMMARY:Boxing Day',
  'DTSTART;VALUE=DATE:20301226',
  'END:VEVENT',
  'BEGIN:VEVENT',
  'UID:party-2030@example.test',
  'DTSTAMP:20300101T000000Z',
  'SUMMARY:Office party',
  'STATUS:CANCELLED',
  'DTSTART;VALUE=DATE:20301220',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

describe('service standards', () => {
  test('an admin sets up a calendar and policies in Settings; a new case shows its policy and first-reply clock', async () => {
    const { page, pageErrors } = await newPage();
    await signIn(page, admin.email, admin.password);

    // Settings → Service standards.
    await page.locator('nav').getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('tab', { name: 'Service standards' }).click();
    await page.waitForURL('**/settings/sla', WAIT);
    await page.getByText('No business calendars yet.').waitFor(WAIT);

    // A calendar: London time, open around the clock except Sunday afternoons, Christmas off.
    await page.getByRole('button', { name: 'New calendar' }).click();
    let drawer = page.getByRole('dialog', { name: 'New business calendar' });
    await drawer.getByLabel('Name').fill('London support desk');
    await drawer.getByLabel('Time zone').click();
    await drawer.getByLabel('Time zone').fill('Europe/Lond');
    await page.getByRole('option', { name: 'Europe/London' }).click();
    await drawer.getByRole('button', { name: '24/7' }).click();
    await drawer.getByRole('button', { name: 'Remove Sunday interval 1' }).click();
    await drawer.getByTestId('weekday-sunday').getByText('Closed').waitFor(WAIT);
    await drawer.getByRole('button', { name: 'Add hours on Sunday' }).click();
    // A malformed time is caught before it is sent.
    await drawer.getByLabel('Sunday interval 1 end').fill('1pm');
    await drawer.getByRole('button', { name: 'Create calendar' }).click();
    await drawer.getByText('Use HH:MM').waitFor(WAIT);
    await drawer.getByLabel('Sunday interval 1 end').fill('13:00');
    await drawer.getByRole('button', { name: 'Add holiday' }).click();
    await drawer.getByLabel('Holiday 1 date').fill('2030-12-25');
    await drawer.getByRole('button', { name: 'Create calendar' }).click();
    await drawer.waitFor({ state: 'hidden', ...WAIT });

    const calendarRow = page.locator('[data-testid="calendar-row"]').filter({ hasText: 'London support desk' });
    await calendarRow.waitFor(WAIT);
    expect(await calendarRow.textContent()).toContain('Europe/London');
    expect(await calendarRow.textContent()).toContain('Mon–Sat 00:00–24:00; Sun 09:00–13:00');
    const [calendar] = await api<{ items: Calendar[] }>('GET', '/api/sla/calendars').then((r) => r.items);
    expect(calendar).toMatchObject({ name: 'London support desk', timeZone: 'Europe/London', holidays: ['2030-12-25'] });
    expect(calendar!.weekly.sunday).toEqual([{ start: '09:00', end: '13:00' }]);

    // Holidays from an .ics file: one added, the cancelled event skipped with its reason.
    await calendarRow.getByRole('button', { name: 'Edit London support desk' }).click();
    drawer = page.getByRole('dialog', { name: 'Edit London support desk' });
    await drawer.locator('input[type="file"]').setInputFiles({ name: 'holidays.ics', mimeType: 'text/calendar', buffer: Buffer.from(ICS) });
    const importResult = drawer.getByTestId('ics-import-result');
    await importResult.waitFor(WAIT);
    expect(await importResult.textContent()).toContain('Added 1 holiday.');
    expect(await importResult.textContent()).toContain('Office party');
    await drawer.getByLabel('Holiday 2 date').waitFor(WAIT);
    expect(await drawer.getByLabel('Holiday 2 date').inputValue()).toBe('2030-12-26');
    await drawer.getByRole('button', { name: 'Save calendar' }).click();
    await drawer.waitFor({ state: 'hidden', ...WAIT });
    await expect
      .poll(async () => (await api<Calendar>('GET', `/api/sla/calendars/${calendar!.id}`)).holidays, WAIT)
      .toEqual(['2030-12-25', '2030-12-26']);

    // A policy: urgent cases get a first reply within 30 minutes, counted around the clock.
    await page.getByRole('button', { name: 'New policy' }).click();
    drawer = page.getByRole('dialog', { name: 'New SLA policy' });
    await drawer.getByLabel('First reply minutes').fill('30');
    await drawer.getByLabel('First reply in business hours').uncheck();
    await drawer.getByLabel('Resolution hours').fill('8');
    // The live preview says when a case opened now would be due, as the server computes it.
    const previewRow = drawer.getByTestId('sla-preview-firstReply');

    await previewRow.waitFor(WAIT);
    await expect.poll(async () => previewRow.textContent(), WAIT).toMatch(/in (29|30) minutes/);
    // The server's validation message is shown when the name is missing.
    await drawer.getByRole('button', { name: 'Create policy' }).click();
    await drawer.getByRole('alert').filter({ hasText: 'Name' }).waitFor(WAIT);
    await drawer.getByLabel('Name').fill('Urgent replies');
    await drawer.getByLabel('Priorities').click();
    await page.getByRole('option', { name: 'Urgent' }).click();
    await drawer.getByLabel('Name').click();
    await drawer.getByRole('button', { name: 'Create policy' }).click();
    const urgentRow = page.locator('[data-testid="policy-row"]').filter({ hasText: 'Urgent replies' });
    await urgentRow.waitFor(WAIT);
    expect(await urgentRow.textContent()).toContain('First reply: 30 min');
    expect(await urgentRow.textContent()).toContain('Priority: Urgent');
    const [urgent] = await api<{ items: Policy[] }>('GET', '/api/sla/policies').then((r) => r.items);
    expect(urgent).toMatchObject({
      name: 'Urgent replies',
      calendarId: calendar!.id,
      targets: { firstReply: { minutes: 30, businessHours: false }, resolution: { minutes: 480, businessHours: true } },
      conditions: { priorities: ['urgent'] },
    });

    // The calendar is in use: deleting it is refused with the server's reason.
    await calendarRow.getByRole('button', { name: 'Delete London support desk' }).click();
    const confirm = page.getByRole('dialog').filter({ hasText: 'Delete calendar' });
    await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
    await confirm.getByRole('alert').filter({ hasText: 'the calendar is used by the policy "Urgent replies"' }).waitFor(WAIT);
    await confirm.getByRole('button', { name: 'Cancel' }).click();

    // Order: a second policy (made through the API) moves to the top with the arrow buttons.
    const low = await api<Policy>('POST', '/api/sla/policies', {
      name: 'Low priority',
      calendarId: calendar!.id,
      targets: { firstReply: { minutes: 24 * 60, businessHours: true } },
      conditions: { priorities: ['low'] },
    });
    await page.reload();
    await page.getByRole('button', { name: 'Move Low priority up' }).click();
    await expect
      .poll(async () => (await api<{ items: Policy[] }>('GET', '/api/sla/policies')).items.map((p) => p.name), WAIT)
      .toEqual(['Low priority', 'Urgent replies']);
    await expect.poll(() => page.locator('[data-testid="policy-row"]').first().getAttribute('data-policy-id'), WAIT).toBe(low.id);

    // An urgent case: its page shows the policy and a running first-reply clock due in 30 minutes.
    const created = await api<CaseView>('POST', '/api/cases', {
      subject: 'Payment terminal is down',
      requester: { email: 'shop.owner@example.test', name: 'Olu Shop' },
      message: { body: 'None of our card terminals accept payments.' },
      priority: 'urgent',
    });
    await page.goto(`/cases/${created.id}`);
    const sla = page.getByTestId('case-sla');
    await expect.poll(() => sla.getByTestId('case-sla-policy').textContent(), WAIT).toBe('Urgent replies');
    const firstReply = sla.locator('[data-testid="sla-target"][data-target="firstReply"]');
    await expect.poll(() => firstReply.getAttribute('data-state'), WAIT).toBe('active');
    expect(await firstReply.getByTestId('sla-badge').textContent()).toBe('Running');
    expect(await firstReply.getByTestId('sla-due').textContent()).toMatch(/^in (29|30) minutes$/);
    expect(await firstReply.getByTestId('sla-left').textContent()).toMatch(/^(29|30) min left$/);
    const resolution = sla.locator('[data-testid="sla-target"][data-target="resolution"]');
    expect(await resolution.getByTestId('sla-left').textContent()).toMatch(/in business hours$/);

    // The event log says which standard applies.
    await page.getByRole('tab', { name: 'Events' }).click();
    await page
      .getByTestId('case-events')
      .getByText('Frontline applied the service standard “Urgent replies” (first reply 30 min, resolution 8 h)')
      .waitFor(WAIT);

    // A public reply meets the target: the badge follows without a reload.
    await page.getByRole('tab', { name: 'Details' }).click();
    await api('POST', `/api/cases/${created.id}/messages`, { kind: 'reply', body: 'We are on it; an engineer is on the way.' });
    await expect.poll(() => firstReply.getAttribute('data-state'), WAIT).toBe('achieved');
    expect(await firstReply.getByTestId('sla-badge').textContent()).toBe('Met');

    await page.screenshot({ path: '/tmp/frontline-sla-case.png', fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  test('a breach reaches the assignee’s bell; opening it goes to the case and marks it read; "Mark all read" clears the rest', async () => {
    const agent = await newUser('agent', 'Bea Agent');
    const agentToken = await tokenFor(agent.id);
    const calendar = await api<Calendar>('POST', '/api/sla/calendars', {
      name: 'Always open',
      timeZone: 'UTC',
      weekly: Object.fromEntries(
        ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((d) => [d, [{ start: '00:00', end: '24:00' }]]),
      ),
    });
    // Placed first, matched only by its tag: due the moment the case opens.
    const instant = await api<Policy>('POST', '/api/sla/policies', {
      name: 'Instant breach',
      calendarId: calendar.id,
      targets: { firstReply: { minutes: 0, businessHours: false } },
      conditions: { tags: ['e2e-breach'] },
      warnings: [],
    });
    const others = (await api<{ items: Policy[] }>('GET', '/api/sla/policies')).items.filter((p) => p.id !== instant.id);
    await api('PUT', '/api/sla/policies/order', { ids: [instant.id, ...others.map((p) => p.id)] });

    const created = await api<CaseView>('POST', '/api/cases', {
      subject: 'Server room is flooding',
      requester: { email: 'facilities@example.test', name: 'Fay Facilities' },
      message: { body: 'Water is coming in under the door.' },
      tags: ['e2e-breach'],
      assigneeId: agent.id,
    });
    // The breach is raised at once or by the next scan; run one rather than wait for the worker.
    await expect
      .poll(async () => {
        await runSlaScan();
        return (await api<Notifications>('GET', '/api/notifications', undefined, agentToken)).items.filter((n) => n.caseId === created.id)
          .length;
      }, WAIT)
      .toBe(1);
    // And a notification about no case, straight from the service the SLA scan uses.
    await server.database.db
      .transaction()
      .execute((trx) =>
        notifyUsers(trx, [agent.id], { kind: 'announcement', caseId: null, title: 'Holiday hours start on Monday', at: new Date() }),
      );

    const { page, pageErrors } = await newPage();
    await signIn(page, agent.email, agent.password);
    await expect.poll(() => bellCount(page), WAIT).toBe(2);
    await page.getByRole('button', { name: 'Notifications (2 unread)' }).click();
    const items = page.getByTestId('notification-item');
    await expect.poll(() => items.count(), WAIT).toBe(2);
    const breach = items.filter({ hasText: `Case #${created.number}: first reply target breached` });
    expect(await breach.getAttribute('data-read')).toBe('false');

    // Opening the breach goes to the case and marks that notification read.
    await breach.click();
    await page.waitForURL(`**/cases/${created.id}`, WAIT);
    await expect.poll(() => bellCount(page), WAIT).toBe(1);
    await expect
      .poll(async () => {
        const list = await api<Notifications>('GET', '/api/notifications', undefined, agentToken);
        return list.items.map((n) => [n.title.startsWith(`Case #${created.number}`), n.readAt !== null]);
      }, WAIT)
      .toEqual(
        expect.arrayContaining([
          [true, true],
          [false, false],
        ]),
      );

    // The case page shows the breach, and the event log records it.
    const sla = page.getByTestId('case-sla');
    await expect.poll(() => sla.getByTestId('case-sla-policy').textContent(), WAIT).toBe('Instant breach');
    const firstReply = sla.locator('[data-testid="sla-target"][data-target="firstReply"]');
    await expect.poll(() => firstReply.getAttribute('data-state'), WAIT).toBe('breached');
    expect(await firstReply.getByTestId('sla-badge').textContent()).toBe('Breached');
    await page.getByRole('tab', { name: 'Events' }).click();
    await page.getByTestId('case-events').getByText('Frontline recorded a breach of the first reply target').waitFor(WAIT);

    // "Mark all read" clears the rest.
    await page.getByRole('button', { name: 'Notifications (1 unread)' }).click();
    await page.getByRole('button', { name: 'Mark all read' }).click();
    await expect.poll(() => bellCount(page), WAIT).toBe(0);
    await expect.poll(async () => (await api<Notifications>('GET', '/api/notifications', undefined, agentToken)).unread, WAIT).toBe(0);
    expect(await page.getByTestId('notification-item').filter({ hasText: 'Holiday hours start on Monday' }).getAttribute('data-read')).toBe(
      'true',
    );
    await page.keyboard.press('Escape');

    // An agent may read the standards but not change them, and is not offered the tab.
    await page.goto('/settings/users');
    await page.getByRole('tab', { name: 'Users' }).waitFor(WAIT);
    expect(await page.getByRole('tab', { name: 'Service standards' }).count()).toBe(0);
    await page.goto('/settings/sla');
    await page.locator('[data-testid="policy-row"]').filter({ hasText: 'Instant breach' }).waitFor(WAIT);
    expect(await page.getByRole('button', { name: 'New policy' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Edit Instant breach' }).count()).toBe(0);

    expect(pageErrors).toEqual([]);
  });
});
