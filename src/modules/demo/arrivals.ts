// When customers get in touch: a non-homogeneous Poisson process whose intensity follows the
// working day (quiet nights, a late-morning and an early-afternoon peak around a lunch dip) and
// the week (Monday heaviest, quiet weekends), in the operation's local time. The intensity is
// constant within each hour, so each hour's count is a Poisson draw and its instants are uniform
// within the hour: that is exactly the process, not an approximation of it.
import { DateTime } from 'luxon';
import { poisson, uniform, type Rng } from './random.js';

/** Relative contact volume by local hour (0 = midnight); only the ratios matter. */
export const hourOfDayShape: readonly number[] = [
  0.1, 0.06, 0.04, 0.03, 0.04, 0.08, 0.2, 0.45, 0.9, 1.3, 1.6, 1.7, 1.25, 1.45, 1.55, 1.4, 1.2, 0.95, 0.75, 0.6, 0.5, 0.4, 0.28, 0.16,
];

/** Relative contact volume by local weekday, Monday first (the weekend's backlog lands on Monday). */
export const dayOfWeekShape: readonly number[] = [1.3, 1.15, 1.05, 1.0, 0.95, 0.45, 0.3];

const HOUR = 3_600_000;

/** A stretch of constant intensity: [from, to) in epoch ms, with its relative weight per hour. */
export type Slot = { from: number; to: number; weight: number };

/** The relative intensity at an instant, from its local hour and weekday. */
export function intensityAt(at: number, timeZone: string): number {
  const local = DateTime.fromMillis(at, { zone: timeZone });
  return hourOfDayShape[local.hour]! * dayOfWeekShape[local.weekday - 1]!;
}

/**
 * Hour-long slots covering [from, to), cut on whole UTC hours (zones with half-hour offsets take
 * the intensity of the local hour the slot starts in); the first and last may be partial, and a
 * slot's weight is its intensity times the share of an hour it covers.
 */
export function intensitySlots(from: number, to: number, timeZone: string): Slot[] {
  if (!(to > from)) return [];
  const slots: Slot[] = [];
  for (let start = Math.floor(from / HOUR) * HOUR; start < to; start += HOUR) {
    const a = Math.max(start, from);
    const b = Math.min(start + HOUR, to);
    slots.push({ from: a, to: b, weight: (intensityAt(start, timeZone) * (b - a)) / HOUR });
  }
  return slots;
}

/**
 * Arrival instants (epoch ms, sorted) of the process over the slots, its intensity scaled so that
 * `expectedTotal` arrivals are expected in all. The realised total varies around it, as it would.
 */
export function sampleArrivals(rng: Rng, slots: readonly Slot[], expectedTotal: number): number[] {
  if (!(expectedTotal >= 0)) throw new RangeError('expectedTotal must be >= 0');
  const totalWeight = slots.reduce((sum, s) => sum + s.weight, 0);
  if (totalWeight === 0) return [];
  const scale = expectedTotal / totalWeight;
  const arrivals: number[] = [];
  for (const slot of slots) {
    const count = poisson(rng, slot.weight * scale);
    const within = Array.from({ length: count }, () => Math.floor(uniform(rng, slot.from, slot.to)));
    arrivals.push(...within.sort((x, y) => x - y));
  }
  return arrivals;
}
