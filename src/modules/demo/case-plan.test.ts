// Planned cases: the same for the same seed, in time order, done by people who may do them, with
// live channels only while someone answers, reopens before the auto-close, and the shares of
// department requests, pending waits and escalations near what the catalogue says.
import { describe, expect, test } from 'vitest';
import { businessMinutesBetween } from '../../lib/business-time.js';
import { categorySpecs, customerWakingHours, departmentSpecs, officeHours, supportHours, teamSpecs } from './catalogue.js';
import { planCase, type CasePlan, type PlanWorld } from './case-plan.js';
import { customerPool } from './people.js';
import { intensitySlots, sampleArrivals } from './arrivals.js';
import { createRng } from './random.js';

const DAY = 86_400_000;

/** The catalogue's operation with made-up user ids ("billing-agent-2"), no database needed. */
function world(seed: number): PlanWorld {
  const timeZone = 'Europe/London';
  const teams = {} as PlanWorld['teams'];
  for (const t of teamSpecs) teams[t.key] = { leader: `${t.key}-leader`, agents: [1, 2, 3].map((i) => `${t.key}-agent-${i}`) };
  const departments = {} as PlanWorld['departments'];
  for (const d of departmentSpecs) departments[d.key] = { name: d.name, members: [`${d.key}-head`, `${d.key}-clerk`], olas: d.olas };
  return {
    seed,
    support: { timeZone, weekly: supportHours },
    office: { timeZone, weekly: officeHours },
    waking: { timeZone, weekly: customerWakingHours },
    teams,
    departments,
    manager: 'manager',
    categories: categorySpecs,
    customers: customerPool(seed, 5000),
    autoCloseDays: 4,
  };
}

// Four weeks of arrivals from Monday 2 March 2026, as the demo draws them.
const start = Date.UTC(2026, 2, 2);
const arrivals = sampleArrivals(createRng(8), intensitySlots(start, start + 28 * DAY, 'Europe/London'), 3000);
const arrivalOf = (i: number) => arrivals[i % arrivals.length]!;

describe('planned cases', () => {
  const w = world(3);
  const plans: CasePlan[] = arrivals.map((at, i) => planCase(w, i, at));

  test('the same seed and index give the same plan; another seed another', () => {
    expect(planCase(world(3), 17, arrivalOf(17))).toEqual(plans[17]);
    expect(planCase(world(4), 17, arrivalOf(17)).opening.subject).not.toBe(undefined);
    const other = Array.from({ length: 20 }, (_, i) => planCase(world(4), i, arrivalOf(i)).opening.subject);
    expect(other).not.toEqual(plans.slice(0, 20).map((p) => p.opening.subject));
  });

  test('steps come in time order after the arrival, and every plan ends solved or waiting', () => {
    for (const p of plans) {
      let last = p.at;
      for (const s of p.steps) {
        expect(s.at).toBeGreaterThan(last);
        last = s.at;
      }
      expect(p.steps[0]!.kind).toBe('reply');
      expect(p.steps.some((s) => s.kind === 'reply' && s.status === 'solved')).toBe(true);
      expect(p.opening.subject).not.toMatch(/\{\w+\}/);
      expect(p.opening.body).not.toMatch(/\{\w+\}/);
    }
  });

  test('each step is done by someone who may: the team, the department asked, the manager', () => {
    for (const p of plans) {
      const team = w.teams[p.opening.team];
      expect([team.leader, ...team.agents]).toContain(p.opening.assignee);
      const asked = new Map<number, string>();
      for (const s of p.steps) {
        if (s.kind === 'reply' || s.kind === 'escalate') expect(s.by).toBe(p.opening.assignee);
        if (s.kind === 'note') expect(s.by).toBe('manager');
        if (s.kind === 'ask_department') asked.set(s.ref, s.department);
        if (s.kind === 'department_answer') expect(w.departments[asked.get(s.ref) as 'billing'].members).toContain(s.by);
      }
      // Business clients go to the business team.
      if (p.opening.customer.tier !== 'standard') expect(p.opening.team).toBe('business');
    }
  });

  test('phone, chat and counter contacts arrive only while the contact centre is open', () => {
    for (const p of plans.filter((x) => ['phone', 'chat', 'walk_in'].includes(x.opening.channel))) {
      expect(businessMinutesBetween(w.support, new Date(p.at), new Date(p.at + 60_000))).toBeGreaterThan(0);
    }
    expect(plans.filter((p) => p.opening.openedBy === 'agent').every((p) => ['phone', 'walk_in'].includes(p.opening.channel))).toBe(true);
  });

  test('a reopen comes before the solved case closes itself', () => {
    for (const p of plans) {
      const solves = p.steps.filter((s) => s.kind === 'reply' && s.status === 'solved');
      if (solves.length < 2) continue;
      const reopen = p.steps.find((s) => s.kind === 'customer' && s.at > solves[0]!.at)!;
      expect(reopen.at - solves[0]!.at).toBeLessThanOrEqual(0.8 * w.autoCloseDays * DAY);
    }
  });

  test('shares are near the catalogue: departments, pending waits, reopens, escalations, channels', () => {
    const share = (f: (p: CasePlan) => boolean) => plans.filter(f).length / plans.length;
    expect(share((p) => p.steps.some((s) => s.kind === 'ask_department'))).toBeGreaterThan(0.12);
    expect(share((p) => p.steps.some((s) => s.kind === 'ask_department'))).toBeLessThan(0.28);
    expect(share((p) => p.steps[0]!.kind === 'reply' && p.steps[0]!.status === 'pending')).toBeCloseTo(0.22, 1);
    expect(share((p) => p.steps.filter((s) => s.kind === 'reply' && s.status === 'solved').length > 1)).toBeCloseTo(0.055, 1);
    expect(share((p) => p.steps.some((s) => s.kind === 'escalate'))).toBeGreaterThan(0.005);
    expect(share((p) => p.steps.some((s) => s.kind === 'escalate'))).toBeLessThan(0.04);
    // The mix over a realistic day: live channels close at night, so written ones gain a little.
    const channel = (c: string) => share((p) => p.opening.channel === c);
    expect(channel('email')).toBeGreaterThan(0.4);
    expect(channel('email')).toBeLessThan(0.52);
    expect(channel('chat')).toBeGreaterThan(0.15);
    expect(channel('chat')).toBeLessThan(0.23);
    expect(channel('phone')).toBeGreaterThan(0.11);
    expect(channel('phone')).toBeLessThan(0.18);
    expect(channel('web')).toBeGreaterThan(0.12);
    expect(channel('web')).toBeLessThan(0.2);
  });
});
