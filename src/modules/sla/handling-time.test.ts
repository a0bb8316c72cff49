// Expected handling time: norms from solved cases (hand-computed), the fallback from specific to
// general, the wording on the case, and the outlier list.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type Requester, type TestApp } from '../../../test/helpers.js';
import type { Actor } from '../auth/permissions.js';
import { computeNorms, formatMinutes, listOutliers, normFor, recomputeHandlingNorms } from './handling-time.js';

describe('norms (pure)', () => {
  const solved = (minutes: number[], category: string | null = 'refund', type = 'question', channel = 'email') =>
    minutes.map((m) => ({ category_id: category, type, channel, minutes: m }));

  test('median, p80 and p90 per group and for each coarser level; small groups are left out', () => {
    const norms = computeNorms([...solved([60, 120, 180, 240, 300, 600]), ...solved([30, 30], 'refund', 'question', 'phone')]);
    // Email questions: sorted 60 120 180 240 300 600 → median (180+240)/2 = 210; p80 = 5th = 300; p90 = 6th = 600.
    expect(norms.find((n) => n.categoryId === 'refund' && n.type === 'question' && n.channel === 'email')).toMatchObject({
      sampleSize: 6,
      medianMinutes: 210,
      p80Minutes: 300,
      p90Minutes: 600,
    });
    // Two phone cases are too few for their own norm, but count at the category level (8 cases).
    expect(norms.find((n) => n.channel === 'phone')).toBeUndefined();
    const category = norms.find((n) => n.categoryId === 'refund' && n.type === '*' && n.channel === '*');
    // 30 30 60 120 180 240 300 600 → median 150, p80 = 7th (ceil 6.4) = 300, p90 = 8th = 600.
    expect(category).toMatchObject({ sampleSize: 8, medianMinutes: 150, p80Minutes: 300, p90Minutes: 600 });
    // Phone questions fall back to refund questions on any channel (the same 8 cases).
    expect(normFor(norms, { category_id: 'refund', type: 'question', channel: 'phone' })).toMatchObject({
      type: 'question',
      channel: '*',
      sampleSize: 8,
    });
    expect(normFor(norms, { category_id: 'refund', type: 'complaint', channel: 'email' })).toBe(category);
    expect(normFor(norms, { category_id: 'other', type: 'question', channel: 'email' })).toMatchObject({
      categoryId: null,
      type: '*',
      channel: '*',
    });
  });

  test('durations read the way a person says them', () => {
    expect(formatMinutes(45)).toBe('45 min');
    expect(formatMinutes(200)).toBe('3 h 20 min');
    expect(formatMinutes(1440 + 240)).toBe('1 day 4 h');
    expect(formatMinutes(2880)).toBe('2 days');
  });
});

describe('on cases', () => {
  let t: TestApp;
  let manager: { as: Requester; user: { id: string; name: string; email: string } };
  let agent: { as: Requester };
  let categoryId: string;

  beforeAll(async () => {
    t = await startTestApp({ start: '2026-11-02T08:00:00Z' });
    manager = await t.userWithToken('manager');
    agent = await t.userWithToken('agent');
    categoryId = (await manager.as({ method: 'POST', url: '/api/categories', body: { name: 'Refunds' } })).json().id;
  });
  afterAll(() => t.close());

  async function solvedCase(startIso: string, minutes: number) {
    t.clock.set(startIso);
    const c = (
      await agent.as({ method: 'POST', url: '/api/cases', body: { subject: 'Refund', categoryId, requester: { email: 'h@example.com' } } })
    ).json();
    t.clock.advance({ minutes });
    const res = await agent.as({ method: 'PATCH', url: `/api/cases/${c.id}`, body: { version: c.version, status: 'solved' } });
    expect(res.statusCode, res.body).toBe(200);
  }

  test('the case page says what is usual and flags an open case older than the p90', async () => {
    for (const [i, m] of [60, 120, 180, 240, 300, 600].entries()) await solvedCase(`2026-11-0${i + 2}T09:00:00Z`, m);
    t.clock.set('2026-11-20T09:00:00Z');
    expect(await recomputeHandlingNorms(t.ctx)).toMatchObject({ solvedCases: 6 });
    const old = (
      await agent.as({
        method: 'POST',
        url: '/api/cases',
        body: { subject: 'Old refund', categoryId, requester: { email: 'h@example.com' } },
      })
    ).json();
    t.clock.set('2026-11-20T14:00:00Z');
    const young = (
      await agent.as({
        method: 'POST',
        url: '/api/cases',
        body: { subject: 'New refund', categoryId, requester: { email: 'h@example.com' } },
      })
    ).json();
    t.clock.set('2026-11-20T20:01:00Z');
    const e = (await agent.as({ url: `/api/cases/${old.id}/expected-handling` })).json();
    expect(e).toMatchObject({
      usually: 'usually solved within 5 h',
      ageMinutes: 661,
      outlier: true,
      norm: { medianMinutes: 210, p90Minutes: 600, sampleSize: 6 },
    });
    expect((await agent.as({ url: `/api/cases/${young.id}/expected-handling` })).json()).toMatchObject({ outlier: false, ageMinutes: 361 });
    const outliers = (await manager.as({ url: '/api/sla/outliers' })).json().items;
    expect(outliers.map((o: { caseId: string }) => o.caseId)).toEqual([old.id]);
    expect((await agent.as({ url: '/api/sla/outliers' })).statusCode).toBe(403);

    // More outliers than asked for: taken a few at a time, the search stops early with the same top.
    for (const hour of ['10', '11', '12', '13']) {
      t.clock.set(`2026-11-19T${hour}:30:00Z`);
      const res = await agent.as({
        method: 'POST',
        url: '/api/cases',
        body: { subject: `Older ${hour}`, categoryId, requester: { email: 'h@example.com' } },
      });
      expect(res.statusCode).toBe(201);
    }
    t.clock.set('2026-11-20T20:01:00Z');
    const asManager: Actor = { userId: manager.user.id, name: manager.user.name, email: manager.user.email, role: 'manager', via: 'token' };
    const all = await listOutliers(t.ctx, { limit: 50 }, asManager);
    expect(all).toHaveLength(5);
    const top = await listOutliers(t.ctx, { limit: 2, chunk: 1 }, asManager);
    expect(top.map((o) => o.caseId)).toEqual(all.slice(0, 2).map((o) => o.caseId));
    expect(all.map((o) => o.ageMinutes)).toEqual([...all.map((o) => o.ageMinutes)].sort((a, b) => b - a));
  });
});
