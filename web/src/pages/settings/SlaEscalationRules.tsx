// The escalation rules of an SLA policy: when a warning or the breach of a target (or any target)
// is raised, raise the priority, move the case to a team, add tags, and/or escalate it to the
// managers. Each rule runs once per alert, as the system, through the normal case update.
import { ActionIcon, Button, Checkbox, Group, Paper, Select, Stack, TagsInput, Text } from '@mantine/core';
import { SLA_TARGET_NAMES, type CasePriority, type SlaEscalationRule, type SlaTargetName } from '../../api-types';
import { PRIORITY_LABELS, optionsOf } from '../../cases/labels';
import { SLA_TARGET_LABELS } from '../../sla/sla-format';

export type EscalationRow = {
  key: number;
  on: 'warning' | 'breach';
  target: SlaTargetName | null;
  setPriority: CasePriority | null;
  teamId: string | null;
  addTags: string[];
  /** Marks the case escalated and notifies the managers (the API's notifyManagers / markEscalated). */
  escalate: boolean;
};

let rowKey = 0;

export function newEscalationRow(): EscalationRow {
  return { key: ++rowKey, on: 'breach', target: null, setPriority: null, teamId: null, addTags: [], escalate: true };
}

export function escalationRows(rules: readonly SlaEscalationRule[]): EscalationRow[] {
  return rules.map((rule) => ({
    key: ++rowKey,
    on: rule.on,
    target: rule.target ?? null,
    setPriority: rule.setPriority ?? null,
    teamId: rule.teamId ?? null,
    addTags: rule.addTags ?? [],
    escalate: Boolean(rule.notifyManagers || rule.markEscalated),
  }));
}

export function cleanTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map((t) => t.trim().toLowerCase()).filter(Boolean))];
}

/** Whether the rule does something; the server refuses a rule without an action. */
export function hasAction(row: EscalationRow): boolean {
  return row.setPriority !== null || row.teamId !== null || cleanTags(row.addTags).length > 0 || row.escalate;
}

export function escalationRule(row: EscalationRow): SlaEscalationRule {
  const rule: SlaEscalationRule = { on: row.on };
  if (row.target) rule.target = row.target;
  if (row.setPriority) rule.setPriority = row.setPriority;
  if (row.teamId) rule.teamId = row.teamId;
  const tags = cleanTags(row.addTags);
  if (tags.length > 0) rule.addTags = tags;
  if (row.escalate) rule.notifyManagers = true;
  return rule;
}

type Option = { value: string; label: string };

type EditorProps = {
  rows: EscalationRow[];
  onChange: (rows: EscalationRow[]) => void;
  teamOptions: Option[];
  teamsLoading: boolean;
  submitted: boolean;
};

const TARGET_OPTIONS: Option[] = [
  { value: 'any', label: 'Any target' },
  ...SLA_TARGET_NAMES.map((name) => ({ value: name, label: SLA_TARGET_LABELS[name] })),
];

export function SlaEscalationRulesEditor({ rows, onChange, teamOptions, teamsLoading, submitted }: EditorProps) {
  const set = (key: number, change: Partial<EscalationRow>) => onChange(rows.map((r) => (r.key === key ? { ...r, ...change } : r)));

  return (
    <Stack gap="xs" data-testid="policy-escalations">
      {rows.length === 0 && (
        <Text size="sm" c="dimmed">
          No escalation rules: warnings and breaches only notify.
        </Text>
      )}
      {rows.map((row, index) => {
        const n = index + 1;
        return (
          <Paper key={row.key} withBorder p="xs" data-testid="escalation-rule">
            <Stack gap={6}>
              <Group gap="xs" wrap="nowrap" align="flex-end">
                <Select
                  size="xs"
                  w={150}
                  label="When"
                  aria-label={`Escalation rule ${n} when`}
                  allowDeselect={false}
                  data={[
                    { value: 'warning', label: 'A warning is raised' },
                    { value: 'breach', label: 'A target is breached' },
                  ]}
                  value={row.on}
                  onChange={(on) => on && set(row.key, { on: on as EscalationRow['on'] })}
                />
                <Select
                  size="xs"
                  w={150}
                  label="For"
                  aria-label={`Escalation rule ${n} target`}
                  allowDeselect={false}
                  data={TARGET_OPTIONS}
                  value={row.target ?? 'any'}
                  onChange={(target) => set(row.key, { target: !target || target === 'any' ? null : (target as SlaTargetName) })}
                />
                <div style={{ flex: 1 }} />
                <ActionIcon
                  variant="subtle"
                  color="red"
                  mb={4}
                  aria-label={`Remove escalation rule ${n}`}
                  onClick={() => onChange(rows.filter((r) => r.key !== row.key))}
                >
                  ×
                </ActionIcon>
              </Group>
              <Group gap="xs" wrap="nowrap" align="flex-start">
                <Select
                  size="xs"
                  w={150}
                  label="Raise priority to"
                  aria-label={`Escalation rule ${n} raise priority to`}
                  placeholder="Leave as is"
                  clearable
                  data={optionsOf(PRIORITY_LABELS)}
                  value={row.setPriority}
                  onChange={(p) => set(row.key, { setPriority: (p as CasePriority | null) ?? null })}
                />
                <Select
                  size="xs"
                  w={170}
                  label="Move to team"
                  aria-label={`Escalation rule ${n} move to team`}
                  placeholder="Leave as is"
                  clearable
                  searchable
                  data={teamOptions}
                  value={row.teamId}
                  onChange={(teamId) => set(row.key, { teamId: teamId ?? null })}
                  nothingFoundMessage={teamsLoading ? 'Loading teams…' : 'No teams'}
                />
                <TagsInput
                  size="xs"
                  style={{ flex: 1, minWidth: 0 }}
                  label="Add tags"
                  aria-label={`Escalation rule ${n} add tags`}
                  placeholder="Enter after each"
                  maxTags={20}
                  value={row.addTags}
                  onChange={(addTags) => set(row.key, { addTags })}
                />
              </Group>
              <Checkbox
                size="xs"
                label="Escalate to the managers (mark the case escalated and notify managers and team leaders)"
                aria-label={`Escalation rule ${n} notify managers`}
                checked={row.escalate}
                onChange={(event) => set(row.key, { escalate: event.currentTarget.checked })}
              />
              {submitted && !hasAction(row) && (
                <Text size="xs" c="red">
                  Choose at least one action for this rule.
                </Text>
              )}
            </Stack>
          </Paper>
        );
      })}
      <Group>
        <Button size="compact-xs" variant="subtle" onClick={() => onChange([...rows, newEscalationRow()])}>
          Add escalation rule
        </Button>
      </Group>
    </Stack>
  );
}
