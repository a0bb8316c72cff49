// A refused service-standards form: the API's message, and when it names several problems
// (`details.issues` of a validation_failed answer), each on its own line with its field in words.
import { Alert, List } from '@mantine/core';
import { ApiError, describeError } from '../api';
import { FormError } from '../components/FormError';
import { SLA_TARGET_LABELS, WEEKDAY_LABELS } from './sla-format';

type Issue = { path: string; message: string };

function issuesOf(error: unknown): Issue[] {
  if (!(error instanceof ApiError)) return [];
  const issues = (error.details as { issues?: unknown } | undefined)?.issues;
  if (!Array.isArray(issues)) return [];
  return issues.flatMap((issue: unknown) => {
    const i = issue as { path?: unknown; message?: unknown };
    return typeof i.message === 'string' ? [{ path: typeof i.path === 'string' ? i.path : '', message: i.message }] : [];
  });
}

const WORDS: Record<string, string> = {
  ...WEEKDAY_LABELS,
  ...SLA_TARGET_LABELS,
  name: 'Name',
  timeZone: 'Time zone',
  weekly: 'Opening hours',
  holidays: 'Holiday',
  calendarId: 'Calendar',
  targets: 'Targets',
  conditions: 'Conditions',
  warnings: 'Warning',
  escalations: 'Escalation rule',
  setPriority: 'priority',
  teamId: 'team',
  addTags: 'tags',
  on: 'when',
  target: 'target',
  minutes: 'minutes',
  start: 'start',
  end: 'end',
  date: 'date',
  percentUsed: 'percent used',
  minutesLeft: 'minutes left',
};

/** "weekly.monday.0.end" → "Monday, interval 1, end". */
export function describeIssuePath(path: string): string {
  const parts = path.split('.').filter(Boolean);
  const words: string[] = [];
  for (const part of parts) {
    if (/^\d+$/.test(part)) {
      const previous = words.at(-1);
      const n = Number(part) + 1;
      if (previous === 'Holiday' || previous === 'Warning' || previous === 'Escalation rule') words[words.length - 1] = `${previous} ${n}`;
      else if (previous === 'tags') words.push(`tag ${n}`);
      else words.push(`interval ${n}`);
    } else if (part !== 'weekly' || parts.length === 1) {
      words.push(WORDS[part] ?? part);
    }
  }
  return words.join(', ');
}

export function SlaFormError({ error }: { error: unknown }) {
  if (!error) return null;
  const issues = issuesOf(error);
  if (issues.length === 0) return <FormError error={error} />;
  return (
    <Alert color="red" variant="light" role="alert" title={issues.length > 1 ? 'Please correct these' : undefined}>
      {issues.length === 1 ? (
        `${issues[0]?.path ? `${describeIssuePath(issues[0].path)}: ` : ''}${issues[0]?.message ?? describeError(error)}`
      ) : (
        <List size="sm">
          {issues.map((issue, index) => (
            <List.Item key={index}>
              {issue.path ? `${describeIssuePath(issue.path)}: ` : ''}
              {issue.message}
            </List.Item>
          ))}
        </List>
      )}
    </Alert>
  );
}
