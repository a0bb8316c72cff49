// The case event log in words: "Ann Smith changed status from pending to open".
import { SLA_TARGET_NAMES, type CaseEvent } from '../api-types';
import { formatDateTime } from '../format';
import { describeAlertKey, formatMinutes, targetLabel } from '../sla/sla-format';
import { CHANNEL_LABELS, PRIORITY_LABELS, STATUS_LABELS, TYPE_LABELS, labelOf } from './labels';

export type EventNames = {
  user: (id: string) => string | undefined;
  team: (id: string) => string | undefined;
  category: (id: string) => string | undefined;
  field: (key: string) => string | undefined;
  department?: (id: string) => string | undefined;
};

type Fields = Record<string, unknown>;

function fields(value: unknown): Fields {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Fields) : {};
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function lower(labels: Record<string, string>, value: unknown): string {
  return labelOf(labels, str(value)).toLowerCase();
}

function quoted(value: unknown): string {
  return `“${str(value) ?? ''}”`;
}

function list(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

const LINK_PHRASES: Record<string, string> = {
  related: 'as related',
  duplicate_of: 'marking this case as its duplicate',
  parent_of: 'as a child of this case',
  child_of: 'as the parent of this case',
};

function linked(after: Fields): string {
  const phrase = LINK_PHRASES[str(after.kind) ?? ''];
  const other = typeof after.otherCaseNumber === 'number' ? `case #${after.otherCaseNumber}` : 'another case';
  return phrase ? `linked ${other} ${phrase}` : `linked ${other}`;
}

function messages(after: Fields): string {
  const n = typeof after.movedMessages === 'number' ? after.movedMessages : null;
  return n === null ? '' : ` (${n} message${n === 1 ? '' : 's'} moved)`;
}

/** 'into': another case was merged into this one; 'from': this case was merged into another. */
function merged(after: Fields, direction: 'into' | 'from'): string {
  const other = typeof after.number === 'number' ? `case #${after.number}` : 'another case';
  if (direction === 'into') return `merged ${other} into this one${messages(after)}`;
  return `merged this case into ${other}${messages(after)}, closing it`;
}

export function actorName(event: CaseEvent): string {
  if (event.actor.name) return event.actor.name;
  if (event.actor.type === 'customer') return 'The customer';
  if (event.actor.type === 'system') return 'Frontline';
  return 'Someone';
}

function assignment(event: CaseEvent, names: EventNames): string {
  const before = fields(event.before);
  const after = fields(event.after);
  const parts: string[] = [];
  const userName = (id: unknown) => (str(id) ? (names.user(id as string) ?? 'another user') : null);
  const teamName = (id: unknown) => (str(id) ? (names.team(id as string) ?? 'another team') : null);

  if ('assigneeId' in after && after.assigneeId !== before.assigneeId) {
    const to = str(after.assigneeId);
    if (!to) parts.push(`unassigned the case${userName(before.assigneeId) ? ` from ${userName(before.assigneeId)}` : ''}`);
    else if (event.actor.type === 'user' && to === event.actor.id) parts.push('took the case');
    else parts.push(`assigned the case to ${userName(to)}`);
  }
  if ('teamId' in after && after.teamId !== before.teamId) {
    const to = teamName(after.teamId);
    parts.push(to ? `moved it to team ${to}` : 'removed it from its team');
  }
  if (parts.length === 0) return 'changed the assignment';
  const sentence = list(parts);
  return after.reason === 'round_robin' ? `${sentence} (round robin)` : sentence;
}

function tagChanges(event: CaseEvent): string {
  const before = (fields(event.before).tags as string[] | undefined) ?? [];
  const after = (fields(event.after).tags as string[] | undefined) ?? [];
  const added = after.filter((t) => !before.includes(t));
  const removed = before.filter((t) => !after.includes(t));
  const parts: string[] = [];
  if (added.length) parts.push(`added ${added.length === 1 ? 'tag' : 'tags'} ${list(added)}`);
  if (removed.length) parts.push(`removed ${removed.length === 1 ? 'tag' : 'tags'} ${list(removed)}`);
  return parts.length ? list(parts) : 'changed the tags';
}

function customFieldChanges(event: CaseEvent, names: EventNames): string {
  const before = fields(fields(event.before).customFields);
  const after = fields(fields(event.after).customFields);
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
    (key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]),
  );
  if (keys.length === 0) return 'changed custom fields';
  const describe = (key: string) => {
    const label = names.field(key) ?? key;
    const value = after[key];
    return value === null || value === undefined || value === '' ? `cleared ${label}` : `set ${label} to ${String(value)}`;
  };
  return list(keys.map(describe));
}

/** "(first reply 30 min, resolution 8 h)": the targets an SLA policy change put in force. */
function targetSummary(value: unknown): string {
  const targets = fields(value);
  const parts = SLA_TARGET_NAMES.flatMap((name) => {
    const minutes = fields(targets[name]).minutes;
    return typeof minutes === 'number' ? [`${targetLabel(name).toLowerCase()} ${formatMinutes(minutes)}`] : [];
  });
  return parts.length ? ` (${parts.join(', ')})` : '';
}

function slaPolicyChange(event: CaseEvent): string {
  const before = fields(event.before);
  const after = fields(event.after);
  const from = str(before.name);
  const to = str(after.name);
  if (!str(after.policyId))
    return from ? `removed the service standard ${quoted(from)}: no policy matches now` : 'found no service standard for the case';
  const name = quoted(to ?? 'a policy');
  if (!str(before.policyId)) return `applied the service standard ${name}${targetSummary(after.targets)}`;
  if (before.policyId === after.policyId) return `applied the changed targets of ${name}${targetSummary(after.targets)}`;
  return `switched the service standard from ${quoted(from ?? 'another policy')} to ${name}${targetSummary(after.targets)}`;
}

function dueSuffix(after: Fields): string {
  const due = str(after.dueAt);
  return due ? ` (due ${formatDateTime(due)})` : '';
}

function slaWarning(event: CaseEvent): string {
  const after = fields(event.after);
  const target = targetLabel(after.target).toLowerCase();
  const alert = str(after.alert) ?? '';
  const [kind, amount] = alert.split(':');
  const value = Number(amount);
  if (kind === 'percent_used' && Number.isFinite(value)) return `warned that ${value}% of the ${target} time is used${dueSuffix(after)}`;
  if (kind === 'minutes_left' && Number.isFinite(value))
    return `warned that ${formatMinutes(value)} are left for the ${target}${dueSuffix(after)}`;
  return `warned about the ${target} target: ${describeAlertKey(alert)}${dueSuffix(after)}`;
}

function slaBreach(event: CaseEvent): string {
  const after = fields(event.after);
  return `recorded a breach of the ${targetLabel(after.target).toLowerCase()} target${dueSuffix(after)}`;
}

/** The department's name: carried by some events, else looked up by its id. */
function departmentName(after: Fields, names: EventNames): string | undefined {
  const id = str(after.departmentId);
  return str(after.department) ?? (id ? names.department?.(id) : undefined);
}

/** "the Billing request": a department request by its department's name, when known. */
function departmentRequestName(after: Fields, names: EventNames): string {
  const name = departmentName(after, names);
  return name ? `the ${name} request` : 'the department request';
}

function departmentRequest(event: CaseEvent, names: EventNames): string {
  const after = fields(event.after);
  const request = departmentRequestName(after, names);
  const due = str(after.dueAt);
  switch (event.kind) {
    case 'department_request_created': {
      const type = str(after.requestType);
      const about = type && type !== 'general' ? ` about ${type.replace(/_/g, ' ')}` : '';
      return `asked ${departmentName(after, names) ?? 'a department'}${about}${due ? `, due ${formatDateTime(due)}` : ''}`;
    }
    case 'department_request_clarification':
      return str(after.question)
        ? `asked for clarification on ${request}: ${quoted(after.question)}`
        : `asked for clarification on ${request}`;
    case 'department_request_clarified':
      return `clarified ${request}`;
    case 'department_request_assigned': {
      const to = str(after.assigneeId);
      if (!to) return `put ${request} back in the department queue`;
      if (event.actor.type === 'user' && to === event.actor.id) return `took ${request}`;
      return `assigned ${request} to ${names.user(to) ?? 'a colleague'}`;
    }
    case 'department_request_answered':
      return `answered ${request}${after.late === true ? ' (late)' : ''}`;
    case 'department_request_declined':
      return str(after.reason) ? `declined ${request}: ${quoted(after.reason)}` : `declined ${request}`;
    case 'department_request_cancelled':
      return `cancelled ${request}`;
    case 'department_request_escalated':
      return `escalated ${request} to the department head: it is overdue${due ? ` (was due ${formatDateTime(due)})` : ''}`;
    default:
      return event.kind.replace(/_/g, ' ');
  }
}

const AUTOMATED_KINDS: Record<string, string> = {
  auto_reply: 'an automatic reply',
  bounce: 'a bounce (undelivered mail report)',
  bulk: 'bulk mail',
};

/** Automated mail kept on the case without reopening or counting it. */
function automatedMessage(event: CaseEvent): string {
  const after = fields(event.after);
  const reason = str(after.reason);
  const what = (reason && AUTOMATED_KINDS[reason]) ?? 'an automated message';
  const channel = str(after.channel);
  const via = channel ? ` (${lower(CHANNEL_LABELS, channel)})` : '';
  return `${event.actor.type === 'system' ? 'received' : 'sent'} ${what}${via}; the case was left as it was`;
}

/** The event as a sentence: actor, then what they did. */
export function describeEvent(event: CaseEvent, names: EventNames): string {
  const who = actorName(event);
  const before = fields(event.before);
  const after = fields(event.after);
  const what = (() => {
    switch (event.kind) {
      case 'created': {
        const channel = str(after.channel);
        return channel ? `opened the case (${lower(CHANNEL_LABELS, channel)})` : 'opened the case';
      }
      case 'status_changed':
        return `changed status from ${lower(STATUS_LABELS, before.status)} to ${lower(STATUS_LABELS, after.status)}`;
      case 'priority_changed':
        return `changed priority from ${lower(PRIORITY_LABELS, before.priority)} to ${lower(PRIORITY_LABELS, after.priority)}`;
      case 'type_changed':
        return `changed type from ${lower(TYPE_LABELS, before.type)} to ${lower(TYPE_LABELS, after.type)}`;
      case 'subject_changed':
        return `changed the subject from ${quoted(before.subject)} to ${quoted(after.subject)}`;
      case 'category_changed': {
        const to = str(after.categoryId);
        return to ? `set the category to ${names.category(to) ?? 'another category'}` : 'removed the category';
      }
      case 'tags_changed':
        return tagChanges(event);
      case 'assignment_changed':
        return assignment(event, names);
      case 'custom_fields_changed':
        return customFieldChanges(event, names);
      case 'customer_message': {
        const channel = str(after.channel);
        return channel ? `wrote (${lower(CHANNEL_LABELS, channel)})` : 'wrote';
      }
      case 'public_reply':
        return 'replied to the customer';
      case 'internal_note':
        return 'added an internal note';
      case 'reopened':
        return 'reopened the case';
      case 'follow_up_created':
        return after.number !== undefined ? `opened follow-up case #${String(after.number)}` : 'opened a follow-up case';
      case 'follower_added': {
        const userId = str(after.userId);
        if (userId && event.actor.type === 'user' && userId === event.actor.id) return 'started following the case';
        return `added ${(userId && names.user(userId)) ?? 'someone'} as a follower`;
      }
      case 'follower_removed': {
        const userId = str(after.userId);
        if (userId && event.actor.type === 'user' && userId === event.actor.id) return 'stopped following the case';
        return `removed ${(userId && names.user(userId)) ?? 'someone'} from the followers`;
      }
      case 'macro_applied': {
        const name = str(after.macroName) ?? str(after.name);
        return name ? `applied the macro ${quoted(name)}` : 'applied a macro';
      }
      case 'auto_closed':
        return 'closed the case automatically';
      case 'linked':
        return linked(after);
      case 'unlinked':
        return typeof after.otherCaseNumber === 'number'
          ? `removed the link to case #${after.otherCaseNumber}`
          : 'removed the link to another case';
      case 'merged':
        return merged(after, 'into');
      case 'merged_into':
        return merged(after, 'from');
      case 'sla_policy_changed':
        return slaPolicyChange(event);
      case 'sla_warning':
        return slaWarning(event);
      case 'sla_breached':
        return slaBreach(event);
      case 'escalated': {
        const reason = str(after.reason);
        return `escalated the case to the managers${reason ? `: ${quoted(reason)}` : ''}`;
      }
      case 'automated_message':
        return automatedMessage(event);
      case 'department_request_created':
      case 'department_request_clarification':
      case 'department_request_clarified':
      case 'department_request_assigned':
      case 'department_request_answered':
      case 'department_request_declined':
      case 'department_request_cancelled':
      case 'department_request_escalated':
        return departmentRequest(event, names);
      default:
        return event.kind.replace(/_/g, ' ');
    }
  })();
  return `${who} ${what}`;
}
