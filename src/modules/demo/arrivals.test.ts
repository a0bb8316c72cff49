// Arrivals: the right number on average, quiet nights and weekends, peaks in the late morning and
// early afternoon of the operation's own time zone, and the same instants for the same seed.
import { DateTime } from 'luxon';
import { describe, expect, test } from 'vitest';
import { hourOfDayShape, intensitySlots, sampleArrivals } from './arrivals.js';
import { EventQueue } from './event-queue.js';
import { createRng, deriveRng } from './random.js';

const HOUR = 3_600_000;
// Monday 5 January 2026, midnight UTC; eight whole weeks.
const from = Date.UTC(2026, 0, 5);
const to = from + 56 * 24 * HOUR;

describe('intensity slots', () => {
  test('cover the window hour by hour, partial at the ends', () => {
    const slots = intensitySlots(from + 30 * 60_000, from + 3 * HOUR, 'UTC');
    expect(slots.map((s) => [s.from - from, s.to - from])).toEqual([
      [30 * 60_000, HOUR],
      [HOUR, 2 * HOUR],
      [2 * HOUR, 3 * HOUR],
    ]);
    // Monday 00:30–01:00 is half an hour at midnight's intensity.
    expect(slots[0]!.weight).toBeCloseTo((hourOfDayShape[0]! * 1.3) / 2, 10);
    expect(intensitySlots(to, from, 'UTC')).toEqual([]);
  });

  test('the shape peaks late morning and early afternoon around a lunch dip', () => {
    const peak = Math.max(...hourOfDayShape);
    expect(hourOfDayShape.indexOf(peak)).toBe(11);
    expect(hourOfDayShape[12]!).toBeLessThan(hourOfDayShape[11]!);
    expect(hourOfDayShape[14]!).toBeGreaterThan(hourOfDayShape[12]!);
    expect(Math.max(...hourOfDayShape.slice(0, 6))).toBeLessThan(peak / 10);
  });
});

describe('sampled arrivals', () => {
  const expected = 12_000;
  const arrivals = sampleArrivals(createRng(5), intensitySlots(from, to, 'Europe/Paris'), expected);
  const local = arrivals.map((a) => DateTime.fromMillis(a, { zone: 'Europe/Paris' }));

  test('total about the expected number, sorted, inside the window', () => {
    expect(Math.abs(arrivals.length - expected)).toBeLessThan(5 * Math.sqrt(expected));
    expect(arrivals.every((a, i) => i === 0 || a >= arrivals[i - 1]!)).toBe(true);
    expect(arrivals[0]!).toBeGreaterThanOrEqual(from);
    expect(arrivals.at(-1)!).toBeLessThan(to);
  });

  test('follow the working day and the week in local time', () => {
    const byHour = Array.from({ length: 24 }, (_, h) => local.filter((d) => d.hour === h).length);
    expect(byHour.indexOf(Math.max(...byHour))).toBeGreaterThanOrEqual(10);
    expect(byHour.indexOf(Math.max(...byHour))).toBeLessThanOrEqual(15);
    expect(byHour[3]! * 10).toBeLessThan(byHour[11]!);
    const byDay = Array.from({ length: 7 }, (_, d) => local.filter((x) => x.weekday === d + 1).length);
    expect(byDay[6]! * 3).toBeLessThan(byDay[0]!);
    expect(byDay[5]!).toBeLessThan(byDay[4]!);
  });

  test('the same seed gives the same instants; scaling follows the expected total', () => {
    const slots = intensitySlots(from, from + 7 * 24 * HOUR, 'UTC');
    expect(sampleArrivals(deriveRng(3, 'a'), slots, 500)).toEqual(sampleArrivals(deriveRng(3, 'a'), slots, 500));
    expect(sampleArrivals(createRng(1), slots, 0)).toEqual([]);
    const mean = (n: number) => {
      let total = 0;
      for (let i = 0; i < 200; i++) total += sampleArrivals(deriveRng(i, 'mean'), slots, n).length;
      return total / 200;
    };
    expect(mean(50) / 50).toBeCloseTo(1, 1);
    expect(() => sampleArrivals(createRng(1), slots, -1)).toThrow(RangeError);
  });
});

test('the agenda gives entries by instant, and same-instant entries in the order they came', () => {
  const q = new EventQueue<string>();
  const rng = createRng(11);
  const input = Array.from({ length: 300 }, (_, i) => ({ at: Math.floor(rng() * 50), name: `e${i}` }));
  for (const e of input) q.push(e.at, e.name);
  expect(q.size).toBe(300);
  const out: string[] = [];
  while (q.size > 0) out.push(q.pop()!.item);
  expect(out).toEqual([...input].sort((a, b) => a.at - b.at).map((e) => e.name));
  expect(q.pop()).toBeUndefined();
  expect(q.peekAt()).toBe(Infinity);
});
