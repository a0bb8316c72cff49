// Figures in words for the dashboards: a value in its unit, its change against the previous
// period, and the names of the groups a metric is split by (teams, agents, categories…).
import { useQuery } from '@tanstack/react-query';
import { listGroups, listUsers } from '../api';
import { CHANNEL_LABELS, PRIORITY_LABELS, TYPE_LABELS, labelOf } from '../cases/labels';
import { useCategories } from '../cases/lookups';
import { queryKeys } from '../query-keys';
import type { GroupBy, MetricUnit } from '../report-api';
import { useCan } from '../session';
import { formatMinutes } from '../sla/sla-format';

export function formatValue(unit: MetricUnit, value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  switch (unit) {
    case 'cases':
      return value.toLocaleString();
    case 'minutes':
      return value > 0 && value < 0.5 ? '< 1 min' : formatMinutes(value);
    case 'percent':
      return `${value.toFixed(1)} %`;
    case 'replies':
      return value.toFixed(2);
  }
}

/** Which way is good: more solved is, more reopened is not, more created is neither. */
export type Better = 'higher' | 'lower' | 'neither';

export type Change = { text: string; tone: 'good' | 'bad' | 'flat' | 'neutral' };

/** "+3 (+25 %)", "−12 min", "+2.5 pts": the change from the previous period, or null if unknown. */
export function describeChange(unit: MetricUnit, current: number | null, previous: number | null, better: Better): Change | null {
  if (current === null || previous === null) return null;
  const diff = current - previous;
  const sign = diff > 0 ? '+' : diff < 0 ? '−' : '±';
  const abs = Math.abs(diff);
  let text: string;
  if (unit === 'cases') {
    const relative = previous !== 0 ? ` (${sign}${Math.round((abs / previous) * 100)} %)` : '';
    text = `${sign}${abs.toLocaleString()}${relative}`;
  } else if (unit === 'minutes') text = `${sign}${formatMinutes(abs)}`;
  else if (unit === 'percent') text = `${sign}${abs.toFixed(1)} pts`;
  else text = `${sign}${abs.toFixed(2)}`;
  const tone: Change['tone'] = diff === 0 ? 'flat' : better === 'neither' ? 'neutral' : diff > 0 === (better === 'higher') ? 'good' : 'bad';
  return { text, tone };
}

export const CHANGE_COLORS: Record<Change['tone'], string> = { good: 'teal', bad: 'red', flat: 'dimmed', neutral: 'blue' };

/** "09:00" from an hour bucket "2030-01-31T09:00". */
export const hourOf = (group: string): string => group.slice(11, 16);

/** "09:00–10:00" from an hour-of-day group "09". */
export function hourOfDayLabel(group: string): string {
  const hour = Number(group);
  if (!Number.isInteger(hour)) return group;
  return `${group.padStart(2, '0')}:00–${String((hour + 1) % 24).padStart(2, '0')}:00`;
}

const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short' });

/** "Mon 31 Jan" from a day bucket "2030-01-31" (a local calendar day on the server's side too). */
export function dayLabel(group: string): string {
  const date = new Date(`${group}T12:00:00`);
  return Number.isNaN(date.getTime()) ? group : dayFormat.format(date);
}

/** Names for the groups of every grouping; roles without the staff directory see a dash for people and teams. */
export function useGroupNames(): (groupBy: GroupBy, group: string) => string {
  const can = useCan();
  const users = useQuery({
    queryKey: queryKeys.userList({}),
    queryFn: () => listUsers({}),
    enabled: can('users.read'),
    staleTime: 5 * 60_000,
  });
  const teams = useQuery({
    queryKey: queryKeys.groupList('teams'),
    queryFn: () => listGroups('teams'),
    enabled: can('teams.read'),
    staleTime: 5 * 60_000,
  });
  const categories = useCategories();
  const userNames = new Map((users.data?.items ?? []).map((u) => [u.id, u.name]));
  const teamNames = new Map((teams.data?.items ?? []).map((t) => [t.id, t.name]));
  const categoryNames = new Map((categories.data ?? []).map((c) => [c.id, c.path]));
  return (groupBy, group) => {
    switch (groupBy) {
      case 'team':
        return group === 'none' ? 'No team' : (teamNames.get(group) ?? '—');
      case 'agent':
        return group === 'none' ? 'Unassigned' : (userNames.get(group) ?? '—');
      case 'category':
        return group === 'none' ? 'No category' : (categoryNames.get(group) ?? '—');
      case 'channel':
        return labelOf(CHANNEL_LABELS, group);
      case 'priority':
        return labelOf(PRIORITY_LABELS, group);
      case 'type':
        return labelOf(TYPE_LABELS, group);
      case 'hour':
        return hourOf(group);
      case 'hour_of_day':
        return hourOfDayLabel(group);
      case 'weekday':
        return group;
      case 'day':
        return dayLabel(group);
      case 'total':
        return 'Total';
      default:
        return group;
    }
  };
}
