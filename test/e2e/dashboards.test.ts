// The manager dashboards in a real browser against a real server (real clock): cases are seeded
// through the API now — two teams, agents, replies and solves, one case left unassigned — and a
// manager opens Dashboards. The headline figures say what was seeded, and every figure opens
// exactly the cases it counts: "Created today" lists the cases created, "Unassigned open" the one
// nobody took, a cell of the hourly chart's data table and a bar of the "Solved per team" chart
// (through its data table, as ECharts draws on a canvas) list as many cases as they show.
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
let context: BrowserContext | undefined;
let adminToken: string;

type CaseView = { id: string; number: number; version: number };

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

async function tokenFor(userId: string): Promise<string> {
  const created = await server.database.db
    .transaction()
    .execute((trx) => insertToken(trx, { name: 'e2e seed', userId }, systemActor, new Date()));
  return created.secret;
}

/** The API as a script would use it: JSON, Bearer token, errors fail the test with their body. */
function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  return callApi<T>(server, adminToken, method, path, body);
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

/** The drill-down drawer's total, once loaded, and the case ids it lists (first page). */
async function drillDown(page: Page): Promise<{ total: number; ids: string[] }> {
  const total = drawer(page).getByTestId('drill-total');
  await total.waitFor(WAIT);
  const count = Number(await total.getAttribute('data-total'));
  await expect.poll(() => drawer(page).getByTestId('drill-row').count(), WAIT).toBe(Math.min(count, 25));
  const ids = await drawer(page)
    .getByTestId('drill-row')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-case-id') ?? ''));
  return { total: count, ids };
}

async function closeDrawer(page: Page): Promise<void> {
  await page.keyboard.press('Escape');
  await drawer(page).waitFor({ state: 'hidden', ...WAIT });
}

describe('manager dashboards', () => {
  test('headline figures count the seeded cases and every figure drills down to exactly its cases', async () => {
    const manager = await newUser('manager', 'Mia Manager');
    const ann = await newUser('agent', 'Ann Agent');
    const ben = await newUser('agent', 'Ben Agent');
    const alpha = await api<{ id: string }>('POST', '/api/teams', { name: 'Alpha desk' });
    const beta = await api<{ id: string }>('POST', '/api/teams', { name: 'Beta desk' });
    await api('PUT', `/api/teams/${alpha.id}/members/${ann.id}`, { membership: 'member' });
    await api('PUT', `/api/teams/${beta.id}/members/${ben.id}`, { membership: 'member' });

    // A first-reply target of zero minutes for tagged cases: due the instant the case opens, so
    // any reply meets it late — judged, and missed, within the period that ends now.
    const calendar = await api<{ id: string }>('POST', '/api/sla/calendars', {
      name: 'Always open',
      timeZone: 'UTC',
      weekly: Object.fromEntries(
        ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((d) => [d, [{ start: '00:00', end: '24:00' }]]),
      ),
    });
    await api('POST', '/api/sla/policies', {
      name: 'Instant first reply',
      calendarId: calendar.id,
      targets: { firstReply: { minutes: 0, businessHours: false } },
      conditions: { tags: ['e2e-instant'] },
      warnings: [],
    });

    let n = 0;
    const newCase = async (input: { teamId?: string; assigneeId?: string; channel?: string; tags?: string[] }) => {
      n += 1;
      return api<CaseView>('POST', '/api/cases', {
        subject: `Dashboard case ${n}`,
        requester: { email: `customer${n}@example.test`, name: `Customer ${n}` },
        message: { body: `Question number ${n}.` },
        channel: input.channel ?? 'email',
        ...input,
      });
    };
    const reply = (c: CaseView, status?: string) =>
      api('POST', `/api/cases/${c.id}/messages`, { kind: 'reply', body: 'Here is the answer.', ...(status ? { status } : {}) });

    // Alpha: two solved, one answered and still open. Beta: one solved, one untouched. One case
    // with neither team nor assignee.
    // The four answered cases carry the zero-minute first-reply target.
    const instant = ['e2e-instant'];
    const a1 = await newCase({ teamId: alpha.id, assigneeId: ann.id, tags: instant });
    const a2 = await newCase({ teamId: alpha.id, assigneeId: ann.id, channel: 'chat', tags: instant });
    const a3 = await newCase({ teamId: alpha.id, assigneeId: ann.id, tags: instant });
    const b1 = await newCase({ teamId: beta.id, assigneeId: ben.id, tags: instant });
    const b2 = await newCase({ teamId: beta.id, assigneeId: ben.id });
    const loose = await newCase({});
    await reply(a1, 'solved');
    await reply(a2, 'solved');
    await reply(a3);
    await reply(b1, 'solved');
    const created = [a1, a2, a3, b1, b2, loose].map((c) => c.id).sort();

    const { page, pageErrors } = await newPage();
    await signIn(page, manager);
    await page.locator('nav').getByRole('link', { name: 'Dashboards' }).click();
    await page.waitForURL('**/dashboards/operations', WAIT);

    // Operations today: created today = 6, and its drill-down lists exactly those six cases.
    await expect.poll(() => page.getByTestId('figure-created-value').textContent(), WAIT).toBe('6');
    await page.getByTestId('figure-created-open').click();
    const createdDrill = await drillDown(page);
    expect(createdDrill.total).toBe(6);
    expect([...createdDrill.ids].sort()).toEqual(created);
    expect(await drawer(page).getByTestId('drill-mismatch').count()).toBe(0);
    await closeDrawer(page);

    // Solved today = 3; unassigned open = 1, the loose case.
    await expect.poll(() => page.getByTestId('figure-solved-value').textContent(), WAIT).toBe('3');
    await expect.poll(() => page.getByTestId('figure-unassigned-value').textContent(), WAIT).toBe('1');
    await page.getByTestId('figure-unassigned-open').click();
    expect(await drillDown(page)).toEqual({ total: 1, ids: [loose.id] });
    await closeDrawer(page);

    // Compare with the previous period (yesterday until now, when nothing was created): +6; the
    // choice is kept in the URL.
    await page.getByRole('switch', { name: 'Compare with previous period' }).click();
    await page.waitForURL('**/dashboards/operations?compare=1', WAIT);
    await expect.poll(() => page.getByTestId('figure-created-change').textContent(), WAIT).toContain('+6');
    await page.getByTestId('figure-created-previous').click();
    expect((await drillDown(page)).total).toBe(0);
    await closeDrawer(page);

    // The hourly chart's data table: today's cells add up to 6, and the busiest cell opens as
    // many cases as it shows.
    const hourly = page.getByTestId('created-by-hour');
    await hourly.getByTestId('created-by-hour-toggle').click();
    const todayCells = hourly.locator('[data-testid="chart-cell"][data-series="Today"]');
    await expect.poll(() => todayCells.count(), WAIT).toBeGreaterThan(0);
    const counts = (await todayCells.allTextContents()).map(Number);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(6);
    const busiest = todayCells.nth(counts.indexOf(Math.max(...counts)));
    const busiestCount = Number(await busiest.textContent());
    await busiest.click();
    const hourDrill = await drillDown(page);
    expect(hourDrill.total).toBe(busiestCount);
    expect(hourDrill.ids.every((id) => created.includes(id))).toBe(true);
    await closeDrawer(page);

    // Team performance (last 7 days by default, filters carried over): the "Solved per team"
    // chart's Alpha bar, through its data table, says 2 and opens Alpha's two solved cases.
    await page.getByRole('tab', { name: 'Team performance' }).click();
    await page.waitForURL('**/dashboards/team-performance?compare=1', WAIT);
    await expect.poll(() => page.getByTestId('figure-solved-value').textContent(), WAIT).toBe('3');
    const solvedChart = page.getByTestId('solved-by-team');
    await solvedChart.locator('canvas').first().waitFor(WAIT);
    // On the canvas itself: the Alpha bar (full height, the first of two) is in the middle of the
    // left half of the plot (the grid's insets are 56 px left, 16 px right, top and 32 px bottom).
    const canvas = solvedChart.locator('canvas').first();
    const box = (await canvas.boundingBox())!;
    await canvas.click({ position: { x: 56 + (box.width - 72) / 4, y: 16 + (box.height - 48) / 2 } });
    const barDrill = await drillDown(page);
    expect(barDrill.total).toBe(2);
    expect([...barDrill.ids].sort()).toEqual([a1.id, a2.id].sort());
    await closeDrawer(page);
    // Its accessible twin, the data table, says and opens the same.
    await solvedChart.getByTestId('solved-by-team-toggle').click();
    const alphaBar = solvedChart.locator('[data-testid="chart-cell"][data-category="Alpha desk"][data-series="Solved"]');
    await expect.poll(() => alphaBar.textContent(), WAIT).toBe('2');
    expect(await alphaBar.getAttribute('data-cases')).toBe('2');
    await alphaBar.click();
    const alphaDrill = await drillDown(page);
    expect(alphaDrill.total).toBe(2);
    expect([...alphaDrill.ids].sort()).toEqual([a1.id, a2.id].sort());
    await closeDrawer(page);

    // The per-agent table: Ben's one-touch rate is 100 % of one solved case, and opens that case.
    const benRow = page.locator(`[data-testid="performance-row"][data-group="${ben.id}"]`);
    const benOneTouch = benRow.locator('[data-testid="performance-cell"][data-metric="one_touch_rate"]');
    await expect.poll(() => benOneTouch.getAttribute('data-cases'), WAIT).toBe('1');
    await benOneTouch.click();
    expect(await drillDown(page)).toEqual({ total: 1, ids: [b1.id] });

    // A row of the drill-down opens its case.
    await drawer(page).getByTestId('drill-row').getByRole('link').click();
    await page.waitForURL(`**/cases/${b1.id}`, WAIT);

    // Service standards: first-reply attainment 0 % of the four answered cases, all late.
    await page.goto('/dashboards/service-standards');
    await expect.poll(() => page.getByTestId('figure-sla-firstReply-value').textContent(), WAIT).toBe('0.0 %');
    await page.getByTestId('figure-sla-firstReply-open').click();
    const attainmentDrill = await drillDown(page);
    expect([...attainmentDrill.ids].sort()).toEqual([a1.id, a2.id, a3.id, b1.id].sort());
    expect(attainmentDrill.total).toBe(4);
    await closeDrawer(page);

    // The gap analysis against the default 90 % goal: −90 points, falling short most in Alpha
    // (three judged cycles; Beta's one is too few to count) and on email (three).
    const gap = page.locator('[data-testid="gap-row"][data-target="firstReply"]');
    await expect.poll(() => gap.getByTestId('gap-value').textContent(), WAIT).toBe('−90.0 pts');
    const worstTeam = gap.locator('[data-testid="gap-worst"][data-by="team"]');
    expect(await worstTeam.textContent()).toContain('Alpha desk');
    expect(await worstTeam.getAttribute('data-cases')).toBe('3');
    await worstTeam.click();
    const worstDrill = await drillDown(page);
    expect(worstDrill.total).toBe(3);
    expect([...worstDrill.ids].sort()).toEqual([a1.id, a2.id, a3.id].sort());
    await closeDrawer(page);
    expect(await gap.locator('[data-testid="gap-worst"][data-by="channel"]').textContent()).toContain('Email');
    // The worst hour of the day comes from the API's hour_of_day grouping: the hour (local) the
    // four cycles fell due in (three of them if the seeding straddled an hour), and its cases.
    const worstHour = gap.locator('[data-testid="gap-worst"][data-by="hour_of_day"]');
    const hourCases = Number(await worstHour.getAttribute('data-cases'));
    expect(hourCases).toBeGreaterThanOrEqual(3);
    expect(await worstHour.textContent()).toMatch(/^\d\d:00–\d\d:00 0\.0 %/);
    await worstHour.click();
    const worstHourDrill = await drillDown(page);
    expect(worstHourDrill.total).toBe(hourCases);
    expect(worstHourDrill.ids.every((id) => [a1.id, a2.id, a3.id, b1.id].includes(id))).toBe(true);
    await closeDrawer(page);
    // The goal is the manager's own: changed here, it is kept in this browser.
    await gap.getByLabel('First reply goal (%)').fill('95');
    await expect.poll(() => gap.getByTestId('gap-value').textContent(), WAIT).toBe('−95.0 pts');
    await page.reload();
    await expect.poll(() => gap.getByTestId('gap-value').textContent(), WAIT).toBe('−95.0 pts');

    // The per-team chart's data table: Alpha's first-reply point counts the same three cycles.
    const byTeam = page.getByTestId('sla-by-team');
    await byTeam.getByTestId('sla-by-team-toggle').click();
    const alphaPoint = byTeam.locator('[data-testid="chart-cell"][data-category="Alpha desk"][data-series="First reply"]');
    await expect.poll(() => alphaPoint.textContent(), WAIT).toBe('0.0 %');
    await alphaPoint.click();
    expect((await drillDown(page)).total).toBe(Number(await alphaPoint.getAttribute('data-cases')));
    await closeDrawer(page);

    // Back office renders (no departments here).
    await page.getByRole('tab', { name: 'Back office' }).click();
    await page.waitForURL('**/dashboards/back-office', WAIT);
    await page.getByText('No departments yet.').waitFor(WAIT);

    await page.screenshot({ path: '/tmp/frontline-dashboards.png', fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});
