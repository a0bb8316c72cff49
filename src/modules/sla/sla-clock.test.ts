// The SLA clock against hand-worked timelines. Unless a test says otherwise the calendar is London
// 09:00–17:00 on weekdays and dates are in January 2026 (GMT, so local time = UTC): Mon 5 Jan,
// Tue 6 Jan, Wed 7 Jan; Fri 9 Jan, Sat 10 Jan, Mon 12 Jan.
import { describe, expect, test } from 'vitest';
import type { BusinessCalendar } from '../../lib/business-time.js';
import { AppError } from '../../lib/errors.js';
import { computeSlaClocks, type SlaClockInput, type SlaEvent, type SlaTargets } from './sla-clock.js';

const nineToFive = [{ start: '09:00', end: '17:00' }];
const london: BusinessCalendar = {
  timeZone: 'Europe/London',
  weekly: { monday: nineToFive, tuesday: nineToFive, wednesday: nineToFive, thursday: nineToFive, friday: nineToFive },
};

const business = (minutes: number) => ({ minutes, businessHours: true });
const policy: SlaTargets = {
  firstReply: business(60),
  nextReply: business(120),
  periodicUpdate: business(240),
  resolution: business(960),
};

/** "2026-01-05 10:00" → that UTC instant. */
const t = (s: string) => new Date(`${s.replace(' ', 'T')}:00Z`);
const created = (s: string): SlaEvent => ({ at: t(s), kind: 'created' });
const status = (s: string, to: 'new' | 'open' | 'pending' | 'on_hold' | 'solved' | 'closed'): SlaEvent => ({
  at: t(s),
  kind: 'status',
  to,
});
const customer = (s: string): SlaEvent => ({ at: t(s), kind: 'customer_message' });
const reply = (s: string): SlaEvent => ({ at: t(s), kind: 'public_reply' });
const policyChange = (s: string, targets: SlaTargets): SlaEvent => ({ at: t(s), kind: 'policy_changed', targets });

function clocks(events: SlaEvent[], now: string, options: Partial<SlaClockInput> = {}) {
  return computeSlaClocks({ targets: policy, calendar: london, events, now: t(now), ...options });
}

describe('first reply', () => {
  test('a new case runs every clock that starts at creation', () => {
    const c = clocks([created('2026-01-05 10:00')], '2026-01-05 10:30');
    expect(c.firstReply).toMatchObject({
      state: 'active',
      startedAt: t('2026-01-05 10:00'),
      dueAt: t('2026-01-05 11:00'),
      elapsedMinutes: 30,
      remainingMinutes: 30,
      achievedAt: null,
      pausedIntervals: [],
    });
    expect(c.nextReply).toBeNull();
    expect(c.periodicUpdate).toMatchObject({ state: 'active', dueAt: t('2026-01-05 14:00') });
    // 960 = Mon 10:00–17:00 (420) + Tue (480) + Wed 09:00–10:00 (60).
    expect(c.resolution).toMatchObject({ state: 'active', dueAt: t('2026-01-07 10:00'), elapsedMinutes: 30 });
  });

  test('a reply before the due time achieves it', () => {
    const c = clocks([created('2026-01-05 10:00'), reply('2026-01-05 10:45')], '2026-01-05 12:00');
    expect(c.firstReply).toMatchObject({
      state: 'achieved',
      achievedAt: t('2026-01-05 10:45'),
      dueAt: t('2026-01-05 11:00'),
      elapsedMinutes: 45,
      remainingMinutes: 15,
    });
  });

  test('a reply after the due time is achieved late', () => {
    const c = clocks([created('2026-01-05 10:00'), reply('2026-01-05 11:30')], '2026-01-05 12:00');
    expect(c.firstReply).toMatchObject({ state: 'achieved_late', dueAt: t('2026-01-05 11:00'), elapsedMinutes: 90, remainingMinutes: -30 });
  });

  test('no reply after the due time is a breach; exactly at the due time it is not yet', () => {
    expect(clocks([created('2026-01-05 10:00')], '2026-01-05 11:00').firstReply?.state).toBe('active');
    expect(clocks([created('2026-01-05 10:00')], '2026-01-05 11:01').firstReply).toMatchObject({
      state: 'breached',
      dueAt: t('2026-01-05 11:00'),
      elapsedMinutes: 61,
      remainingMinutes: -1,
    });
  });

  test('a reply after closing that was due at closing is late although no open time was exceeded', () => {
    // Created 16:00, due 17:00; the reply at 18:00 counts 60 open minutes but comes after the due instant.
    const c = clocks([created('2026-01-05 16:00'), reply('2026-01-05 18:00')], '2026-01-05 19:00');
    expect(c.firstReply).toMatchObject({ state: 'achieved_late', dueAt: t('2026-01-05 17:00'), elapsedMinutes: 60, remainingMinutes: 0 });
  });

  test('a case created outside hours starts counting at the next opening', () => {
    // Created Fri 18:00: nothing counts until Mon 09:00; due Mon 10:00.
    const c = clocks([created('2026-01-09 18:00')], '2026-01-12 09:30');
    expect(c.firstReply).toMatchObject({ state: 'active', dueAt: t('2026-01-12 10:00'), elapsedMinutes: 30, remainingMinutes: 30 });
  });

  test('the due time crosses the spring-forward weekend in London', () => {
    // Created Fri 27 Mar 16:00 GMT (16:00Z): 60 on Friday; Mon 30 Mar 09:00 BST = 08:00Z + 60 = 09:00Z.
    const c = clocks([created('2026-03-27 16:00')], '2026-03-30 08:30', { targets: { firstReply: business(120) } });
    expect(c.firstReply).toMatchObject({ state: 'active', dueAt: t('2026-03-30 09:00'), elapsedMinutes: 90, remainingMinutes: 30 });
  });
});

describe('pauses', () => {
  test('pending pauses every clock and the due time is unknown until it ends', () => {
    const events = [created('2026-01-05 10:00'), status('2026-01-05 10:20', 'pending')];
    const paused = clocks(events, '2026-01-05 12:00');
    expect(paused.firstReply).toMatchObject({
      state: 'paused',
      dueAt: null,
      elapsedMinutes: 20,
      remainingMinutes: 40,
      pausedIntervals: [{ from: t('2026-01-05 10:20'), to: null }],
    });
    // Back to open at 13:00 with 40 minutes left: due 13:40.
    const resumed = clocks([...events, status('2026-01-05 13:00', 'open')], '2026-01-05 13:30');
    expect(resumed.firstReply).toMatchObject({
      state: 'active',
      dueAt: t('2026-01-05 13:40'),
      elapsedMinutes: 50,
      pausedIntervals: [{ from: t('2026-01-05 10:20'), to: t('2026-01-05 13:00') }],
    });
  });

  test('on hold pauses only when the policy says so', () => {
    const events = [created('2026-01-05 10:00'), status('2026-01-05 10:20', 'on_hold')];
    expect(clocks(events, '2026-01-05 11:30').firstReply).toMatchObject({ state: 'breached', dueAt: t('2026-01-05 11:00') });
    expect(clocks(events, '2026-01-05 11:30', { pauseOnHold: true }).firstReply).toMatchObject({ state: 'paused', elapsedMinutes: 20 });
  });

  test('a clock already past due stays breached while paused', () => {
    const events = [created('2026-01-05 10:00'), status('2026-01-05 11:30', 'pending')];
    expect(clocks(events, '2026-01-05 12:00').firstReply).toMatchObject({
      state: 'breached',
      dueAt: t('2026-01-05 11:00'),
      elapsedMinutes: 90,
    });
  });

  test('a pause of four weeks', () => {
    // Pending Mon 5 Jan 10:30 → Mon 2 Feb 10:00. Resolution 480: 30 used before; 450 left from Feb 2 10:00:
    // 420 to 17:00, then Tue 3 Feb 09:00 + 30 = 09:30. First reply had 30 left: due Feb 2 10:30, breached at 12:00.
    const events = [created('2026-01-05 10:00'), status('2026-01-05 10:30', 'pending'), status('2026-02-02 10:00', 'open')];
    const c = clocks(events, '2026-02-02 12:00', { targets: { ...policy, resolution: business(480) } });
    expect(c.resolution).toMatchObject({
      state: 'active',
      dueAt: t('2026-02-03 09:30'),
      elapsedMinutes: 150,
      remainingMinutes: 330,
      pausedIntervals: [{ from: t('2026-01-05 10:30'), to: t('2026-02-02 10:00') }],
    });
    expect(c.firstReply).toMatchObject({ state: 'breached', dueAt: t('2026-02-02 10:30') });
  });

  test('calendar-time targets pause too', () => {
    // 60 calendar minutes from Sat 10:00; pending 10:10–10:40; now 11:00: 10 + 20 used, due 11:30.
    const events = [created('2026-01-10 10:00'), status('2026-01-10 10:10', 'pending'), status('2026-01-10 10:40', 'open')];
    const c = clocks(events, '2026-01-10 11:00', { targets: { firstReply: { minutes: 60, businessHours: false } } });
    expect(c.firstReply).toMatchObject({ state: 'active', dueAt: t('2026-01-10 11:30'), elapsedMinutes: 30, businessHours: false });
  });

  test('extra pauses (waiting on a department) stop the clocks like pending', () => {
    const c = clocks([created('2026-01-05 10:00')], '2026-01-05 12:00', { extraPauses: [{ from: t('2026-01-05 10:15'), to: null }] });
    expect(c.firstReply).toMatchObject({
      state: 'paused',
      elapsedMinutes: 15,
      pausedIntervals: [{ from: t('2026-01-05 10:15'), to: null }],
    });
  });
});

describe('next reply and periodic update', () => {
  test('next reply runs from a customer message to the next reply; messages while a reply is owed start nothing', () => {
    const events = [
      created('2026-01-05 10:00'),
      customer('2026-01-05 10:10'), // first reply still owed: no next-reply clock
      reply('2026-01-05 10:30'),
      customer('2026-01-05 11:00'),
      customer('2026-01-05 11:30'), // next reply already owed
    ];
    expect(clocks(events.slice(0, 2), '2026-01-05 10:20').nextReply).toBeNull();
    expect(clocks(events, '2026-01-05 12:00').nextReply).toMatchObject({
      state: 'active',
      startedAt: t('2026-01-05 11:00'),
      dueAt: t('2026-01-05 13:00'),
      elapsedMinutes: 60,
    });
    // Answered at 12:30; the customer writes again at 14:00 and waits: due 16:00, breached at 16:30.
    const later = clocks([...events, reply('2026-01-05 12:30'), customer('2026-01-05 14:00')], '2026-01-05 16:30');
    expect(later.nextReply).toMatchObject({ state: 'breached', startedAt: t('2026-01-05 14:00'), dueAt: t('2026-01-05 16:00') });
    expect(later.nextReply?.cycles.map((c) => [c.state, c.achievedAt])).toEqual([
      ['achieved', t('2026-01-05 12:30')],
      ['breached', null],
    ]);
  });

  test('periodic update re-arms at every public reply', () => {
    // Cycle 1: 10:00 → reply 10:30 (achieved). Cycle 2: 10:30 → reply 16:00: 330 > 240, due 14:30, late.
    // Cycle 3 from Mon 16:00: 60 on Monday, Tue 09:00 + 180 = 12:00; at Tue 12:30 it is breached.
    const events = [created('2026-01-05 10:00'), reply('2026-01-05 10:30'), reply('2026-01-05 16:00')];
    const c = clocks(events, '2026-01-06 12:30');
    expect(c.periodicUpdate).toMatchObject({
      state: 'breached',
      startedAt: t('2026-01-05 16:00'),
      dueAt: t('2026-01-06 12:00'),
      elapsedMinutes: 270,
    });
    expect(c.periodicUpdate?.cycles.map((x) => [x.state, x.dueAt])).toEqual([
      ['achieved', t('2026-01-05 14:00')],
      ['achieved_late', t('2026-01-05 14:30')],
      ['breached', t('2026-01-06 12:00')],
    ]);
  });
});

describe('resolution, solve and reopen', () => {
  const oneDay = { ...policy, resolution: business(480) };

  test('solving achieves the resolution; reopening resumes it with the time already used', () => {
    const solved = [created('2026-01-05 10:00'), reply('2026-01-05 10:30'), status('2026-01-05 15:00', 'solved')];
    // Solved after 300 minutes; had it run on, 480 would have been used Tue 10:00.
    expect(clocks(solved, '2026-01-05 16:00', { targets: oneDay }).resolution).toMatchObject({
      state: 'achieved',
      achievedAt: t('2026-01-05 15:00'),
      dueAt: t('2026-01-06 10:00'),
      elapsedMinutes: 300,
    });
    // Reopened Tue 11:00: the solved stretch does not count; 180 left from 11:00 → due 14:00.
    const reopened = [...solved, status('2026-01-06 11:00', 'open')];
    expect(clocks(reopened, '2026-01-06 12:00', { targets: oneDay }).resolution).toMatchObject({
      state: 'active',
      startedAt: t('2026-01-05 10:00'),
      dueAt: t('2026-01-06 14:00'),
      achievedAt: null,
      elapsedMinutes: 360,
      remainingMinutes: 120,
    });
    // Solved again at 15:00: 300 + 240 = 540 minutes, after the 14:00 due time.
    const again = clocks([...reopened, status('2026-01-06 15:00', 'solved')], '2026-01-06 16:00', { targets: oneDay });
    expect(again.resolution).toMatchObject({ state: 'achieved_late', dueAt: t('2026-01-06 14:00'), elapsedMinutes: 540 });
    // The reopen started a new periodic-update cycle, ended by the second solve.
    expect(again.periodicUpdate?.cycles.map((x) => x.startedAt)).toEqual([
      t('2026-01-05 10:00'),
      t('2026-01-05 10:30'),
      t('2026-01-06 11:00'),
    ]);
  });

  test('solving ends the running reply clocks as met', () => {
    const events = [
      created('2026-01-05 10:00'),
      reply('2026-01-05 10:30'),
      customer('2026-01-05 11:00'),
      status('2026-01-05 11:30', 'solved'),
    ];
    const c = clocks(events, '2026-01-05 16:00');
    expect(c.nextReply).toMatchObject({ state: 'achieved', achievedAt: t('2026-01-05 11:30'), elapsedMinutes: 30 });
    expect(c.periodicUpdate).toMatchObject({ state: 'achieved', achievedAt: t('2026-01-05 11:30') });
  });

  test('a customer message on a solved case starts next reply from the message once reopened', () => {
    // Solved Mon 10:40; the customer writes Tue 09:30 and the case reopens: due 11:30.
    const base = [created('2026-01-05 10:00'), reply('2026-01-05 10:30'), status('2026-01-05 10:40', 'solved')];
    const messageFirst = clocks([...base, customer('2026-01-06 09:30'), status('2026-01-06 09:30', 'open')], '2026-01-06 10:00');
    const reopenFirst = clocks([...base, status('2026-01-06 09:30', 'open'), customer('2026-01-06 09:30')], '2026-01-06 10:00');
    for (const c of [messageFirst, reopenFirst]) {
      expect(c.nextReply).toMatchObject({
        state: 'active',
        startedAt: t('2026-01-06 09:30'),
        dueAt: t('2026-01-06 11:30'),
        elapsedMinutes: 30,
      });
    }
    // Without a reopen, a "thank you" on a solved case starts nothing.
    expect(clocks([...base, customer('2026-01-06 09:30')], '2026-01-06 12:00').nextReply).toBeNull();
  });

  test('closing a solved case changes nothing, and a reply on it does not re-arm the periodic update', () => {
    const events = [
      created('2026-01-05 10:00'),
      status('2026-01-05 11:00', 'solved'),
      status('2026-01-06 11:00', 'closed'),
      reply('2026-01-06 12:00'),
    ];
    const c = clocks(events, '2026-01-07 12:00');
    expect(c.resolution).toMatchObject({ state: 'achieved', achievedAt: t('2026-01-05 11:00'), elapsedMinutes: 60 });
    expect(c.periodicUpdate?.cycles).toHaveLength(1);
    // Solved at 11:00 without a reply: the solve counts as the first reply, at its due time.
    expect(c.firstReply).toMatchObject({ state: 'achieved', achievedAt: t('2026-01-05 11:00'), dueAt: t('2026-01-05 11:00') });
  });
});

describe('policy changes', () => {
  test('raising the priority shortens running targets and keeps the time used', () => {
    // Resolution 960 → 240 at 12:00 with 120 used: 120 left → due 14:00. First reply 60 → 30 at 10:20: due 10:30.
    const events = [
      created('2026-01-05 10:00'),
      policyChange('2026-01-05 10:20', { ...policy, firstReply: business(30) }),
      reply('2026-01-05 10:25'),
      policyChange('2026-01-05 12:00', { ...policy, firstReply: business(30), resolution: business(240) }),
    ];
    const c = clocks(events, '2026-01-05 13:00');
    expect(c.resolution).toMatchObject({
      state: 'active',
      targetMinutes: 240,
      dueAt: t('2026-01-05 14:00'),
      elapsedMinutes: 180,
      remainingMinutes: 60,
    });
    expect(c.firstReply).toMatchObject({ state: 'achieved', targetMinutes: 30, dueAt: t('2026-01-05 10:30') });
  });

  test('a new target already exceeded is due in the past', () => {
    // First reply 120 → 30 at 10:45 with 45 used: due 10:30, breached at 10:50, and a reply then is late.
    const events = [created('2026-01-05 10:00'), policyChange('2026-01-05 10:45', { firstReply: business(30) })];
    const base = { targets: { firstReply: business(120) } };
    expect(clocks(events, '2026-01-05 10:50', base).firstReply).toMatchObject({ state: 'breached', dueAt: t('2026-01-05 10:30') });
    expect(clocks([...events, reply('2026-01-05 10:50')], '2026-01-05 11:00', base).firstReply).toMatchObject({
      state: 'achieved_late',
      elapsedMinutes: 50,
    });
  });

  test('a change from business to calendar time counts the earlier time as it was measured', () => {
    // 360 business minutes used Mon 10:00–16:00; then 1440 calendar minutes: 1080 left from 16:00 → Tue 10:00.
    const events = [created('2026-01-05 10:00'), policyChange('2026-01-05 16:00', { resolution: { minutes: 1440, businessHours: false } })];
    const c = clocks(events, '2026-01-05 20:00', { targets: { resolution: business(960) } });
    expect(c.resolution).toMatchObject({
      state: 'active',
      businessHours: false,
      dueAt: t('2026-01-06 10:00'),
      elapsedMinutes: 600,
      remainingMinutes: 840,
    });
  });

  test('a met target keeps the policy it was met under; a dropped target is no longer tracked', () => {
    const events = [
      created('2026-01-05 10:00'),
      reply('2026-01-05 10:45'),
      policyChange('2026-01-05 11:00', { resolution: business(120) }),
    ];
    const c = clocks(events, '2026-01-05 11:30');
    expect(c.firstReply).toMatchObject({ state: 'achieved', targetMinutes: 60 });
    expect(c.periodicUpdate).toBeNull();
    expect(c.resolution).toMatchObject({ targetMinutes: 120, dueAt: t('2026-01-05 12:00') });
  });
});

describe('edges', () => {
  test('a zero-minute target is due at the start', () => {
    const events = [created('2026-01-10 10:00')];
    expect(clocks(events, '2026-01-10 10:00', { targets: { firstReply: business(0) } }).firstReply).toMatchObject({
      state: 'active',
      dueAt: t('2026-01-10 10:00'),
    });
    expect(clocks(events, '2026-01-10 10:01', { targets: { firstReply: business(0) } }).firstReply?.state).toBe('breached');
  });

  test('events after now are ignored and a timeline needs its creation', () => {
    const c = clocks([created('2026-01-05 10:00'), reply('2026-01-05 11:00')], '2026-01-05 10:30');
    expect(c.firstReply?.state).toBe('active');
    expect(() => clocks([reply('2026-01-05 11:00')], '2026-01-05 12:00')).toThrow(AppError);
  });
});

describe('warning and breach instants', () => {
  const warnings = [{ percentUsed: 75 }, { minutesLeft: 15 }];

  test('a running clock places each warning and the breach in business time', () => {
    // Created Fri 16:30: first reply (60 business min) runs 30 min on Friday, 30 on Monday.
    const c = clocks([created('2026-01-09 16:30')], '2026-01-09 16:40', { warnings });
    expect(c.firstReply!.alerts).toEqual([
      // 75 % = 45 min: 30 on Friday, then 15 on Monday from 09:00.
      { key: 'percent_used:75', at: t('2026-01-12 09:15') },
      // 15 min left = 45 min used: the same instant here.
      { key: 'minutes_left:15', at: t('2026-01-12 09:15') },
      { key: 'breach', at: t('2026-01-12 09:30') },
    ]);
    // Resolution 960 min = Fri 30 + Mon 480 + Tue 450 → Tue 16:30. 75 % = 720 → Tue 210 → 12:30;
    // 15 left = 945 → Tue 435 → 16:15.
    expect(c.resolution!.alerts).toEqual([
      { key: 'percent_used:75', at: t('2026-01-13 12:30') },
      { key: 'minutes_left:15', at: t('2026-01-13 16:15') },
      { key: 'breach', at: t('2026-01-13 16:30') },
    ]);
  });

  test('a met clock has no alerts; a paused one hides those it has not reached', () => {
    const c = clocks([created('2026-01-05 10:00'), reply('2026-01-05 10:20'), status('2026-01-05 10:30', 'pending')], '2026-01-05 11:00', {
      warnings,
    });
    expect(c.firstReply!.alerts).toEqual([]);
    // Periodic update restarted at 10:20 and paused at 10:30 after 10 of 240 minutes.
    expect(c.periodicUpdate).toMatchObject({ state: 'paused', dueAt: null });
    expect(c.periodicUpdate!.alerts).toEqual([
      { key: 'percent_used:75', at: null },
      { key: 'minutes_left:15', at: null },
      { key: 'breach', at: null },
    ]);
  });

  test('a warning larger than the target is placed at the start; one already passed keeps its past instant', () => {
    const c = clocks([created('2026-01-05 10:00')], '2026-01-05 10:50', { warnings: [{ minutesLeft: 90 }, { percentUsed: 50 }] });
    expect(c.firstReply!.alerts).toEqual([
      { key: 'minutes_left:90', at: t('2026-01-05 10:00') },
      { key: 'percent_used:50', at: t('2026-01-05 10:30') },
      { key: 'breach', at: t('2026-01-05 11:00') },
    ]);
  });
});
