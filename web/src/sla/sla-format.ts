// Words and colours for service standards, shared by the settings pages, the case page and the
// event log: target names, clock states, and durations in minutes said as people say them.
import type { SlaState, SlaTargetName, SlaWarning, Weekday } from '../api-types';

export const SLA_TARGET_LABELS: Record<SlaTargetName, string> = {
  firstReply: 'First reply',
  nextReply: 'Next reply',
  periodicUpdate: 'Periodic update',
  resolution: 'Resolution',
};

export const SLA_TARGET_DESCRIPTIONS: Record<SlaTargetName, string> = {
  firstReply: 'From creation to the first public reply.',
  nextReply: 'From a customer message that waits for an answer to the next public reply.',
  periodicUpdate: 'From creation, and again after each public reply, to the next public reply.',
  resolution: 'From creation until the case is solved.',
};

export const SLA_STATE_LABELS: Record<SlaState, string> = {
  active: 'Running',
  paused: 'Paused',
  achieved: 'Met',
  breached: 'Breached',
  achieved_late: 'Met late',
};

export const SLA_STATE_COLORS: Record<SlaState, string> = {
  active: 'blue',
  paused: 'gray',
  achieved: 'teal',
  breached: 'red',
  achieved_late: 'orange',
};

export const WEEKDAY_LABELS: Record<Weekday, string> = {
  monday: 'Monday',
  tuesday: 'Tuesday',
  wednesday: 'Wednesday',
  thursday: 'Thursday',
  friday: 'Friday',
  saturday: 'Saturday',
  sunday: 'Sunday',
};

/** A target name from the server, readable even when this client does not know it yet. */
export function targetLabel(name: unknown): string {
  if (typeof name !== 'string' || name === '') return 'SLA';
  return SLA_TARGET_LABELS[name as SlaTargetName] ?? name.replace(/([A-Z])/g, ' $1').toLowerCase();
}

/** "45 min", "4 h", "1 h 30 min", "2 d 3 h": a length of time in whole minutes. */
export function formatMinutes(total: number): string {
  const minutes = Math.round(Math.abs(total));
  if (minutes < 60) return `${minutes} min`;
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  // Up to two days read best in hours ("36 h"); longer ones in days and hours.
  if (days < 2) return rest ? `${Math.floor(minutes / 60)} h ${rest} min` : `${Math.floor(minutes / 60)} h`;
  return [`${days} d`, hours ? `${hours} h` : '', rest ? `${rest} min` : ''].filter(Boolean).join(' ');
}

/** "75% used", "15 min left": a warning as the settings list it. */
export function describeWarning(warning: SlaWarning): string {
  return 'percentUsed' in warning ? `${warning.percentUsed}% used` : `${formatMinutes(warning.minutesLeft)} left`;
}

/** An alert key from the server ("percent_used:75", "minutes_left:15", "breach") in words. */
export function describeAlertKey(key: unknown): string {
  if (typeof key !== 'string') return 'a warning';
  if (key === 'breach') return 'breach';
  const [kind, amount] = key.split(':');
  const value = Number(amount);
  if (kind === 'percent_used' && Number.isFinite(value)) return `${value}% of the time used`;
  if (kind === 'minutes_left' && Number.isFinite(value)) return `${formatMinutes(value)} left`;
  return key.replace(/_/g, ' ');
}
