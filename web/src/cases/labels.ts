// Words and colours for case fields, so every page says "On hold" and paints urgent red alike.
import type { CasePriority, CaseStatus, CaseType, Channel, CustomerTier } from '../api-types';

export const STATUS_LABELS: Record<CaseStatus, string> = {
  new: 'New',
  open: 'Open',
  pending: 'Pending',
  on_hold: 'On hold',
  solved: 'Solved',
  closed: 'Closed',
};

export const STATUS_COLORS: Record<CaseStatus, string> = {
  new: 'yellow',
  open: 'red',
  pending: 'blue',
  on_hold: 'dark',
  solved: 'gray',
  closed: 'gray',
};

export const PRIORITY_LABELS: Record<CasePriority, string> = { low: 'Low', normal: 'Normal', high: 'High', urgent: 'Urgent' };

export const PRIORITY_COLORS: Record<CasePriority, string> = { low: 'gray', normal: 'blue', high: 'orange', urgent: 'red' };

export const TYPE_LABELS: Record<CaseType, string> = {
  question: 'Question',
  complaint: 'Complaint',
  service_request: 'Service request',
  incident: 'Incident',
};

export const CHANNEL_LABELS: Record<Channel, string> = {
  email: 'Email',
  web: 'Web form',
  portal: 'Portal',
  chat: 'Chat',
  phone: 'Phone',
  sms: 'SMS',
  messaging: 'Messaging',
  walk_in: 'Walk-in',
  api: 'API',
  internal: 'Internal',
};

export const TIER_LABELS: Record<CustomerTier, string> = { standard: 'Standard', priority: 'Priority', vip: 'VIP' };

export const TIER_COLORS: Record<CustomerTier, string> = { standard: 'gray', priority: 'indigo', vip: 'grape' };

/** Select options from a label table, in the table's order. */
export function optionsOf<K extends string>(labels: Record<K, string>, only?: readonly K[]): { value: K; label: string }[] {
  const keys = only ?? (Object.keys(labels) as K[]);
  return keys.map((value) => ({ value, label: labels[value] }));
}

/** A label for a value the table may not know yet (a newer server): the value, readable. */
export function labelOf(labels: Record<string, string>, value: string | null | undefined): string {
  if (!value) return '—';
  return labels[value] ?? value.replace(/_/g, ' ');
}
