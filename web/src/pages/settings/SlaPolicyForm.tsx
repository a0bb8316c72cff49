// One SLA policy: its calendar, its targets (first reply, next reply, periodic update, resolution),
// which cases it applies to, whether "on hold" or waiting on a department pauses it, when to warn
// before a breach, what to do when a warning or breach is raised (escalation rules), and whether
// it is in use.
import {
  ActionIcon,
  Button,
  Checkbox,
  Divider,
  Group,
  MultiSelect,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  TagsInput,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import {
  SLA_TARGET_NAMES,
  type CasePriority,
  type CaseType,
  type Channel,
  type CustomerTier,
  type SlaCalendar,
  type SlaConditions,
  type SlaPolicy,
  type SlaTargetName,
  type SlaTargets,
  type SlaWarning,
} from '../../api-types';
import { CHANNEL_LABELS, PRIORITY_LABELS, TIER_LABELS, TYPE_LABELS, optionsOf } from '../../cases/labels';
import { useCategories, useTeams } from '../../cases/lookups';
import { notifySuccess } from '../../notify';
import { queryKeys } from '../../query-keys';
import { createSlaPolicy, updateSlaPolicy, type PolicyInput } from '../../sla-api';
import { SlaFormError } from '../../sla/SlaFormError';
import { SLA_TARGET_DESCRIPTIONS, SLA_TARGET_LABELS } from '../../sla/sla-format';
import { SlaEscalationRulesEditor, escalationRows, escalationRule, hasAction } from './SlaEscalationRules';
import { SlaPreview, type PreviewTargets } from '../../sla/SlaPreview';

type Amount = number | string;
type TargetDraft = { hours: Amount; minutes: Amount; businessHours: boolean };
type WarningKind = 'percentUsed' | 'minutesLeft';
type WarningRow = { key: number; kind: WarningKind; value: Amount };

const DEFAULT_WARNINGS: SlaWarning[] = [{ percentUsed: 75 }, { minutesLeft: 15 }];

let rowKey = 0;
const nextKey = () => ++rowKey;

function targetDrafts(targets: SlaTargets | undefined): Record<SlaTargetName, TargetDraft> {
  return Object.fromEntries(
    SLA_TARGET_NAMES.map((name) => {
      const target = targets?.[name];
      return [
        name,
        target
          ? { hours: Math.floor(target.minutes / 60), minutes: target.minutes % 60, businessHours: target.businessHours }
          : { hours: '', minutes: '', businessHours: true },
      ];
    }),
  ) as Record<SlaTargetName, TargetDraft>;
}

function warningRows(warnings: SlaWarning[]): WarningRow[] {
  return warnings.map((w) =>
    'percentUsed' in w
      ? { key: nextKey(), kind: 'percentUsed', value: w.percentUsed }
      : { key: nextKey(), kind: 'minutesLeft', value: w.minutesLeft },
  );
}

const isNumber = (value: Amount): value is number => typeof value === 'number' && Number.isFinite(value);

/** A target's minutes, or null when both boxes are empty (no such target). */
function minutesOf(draft: TargetDraft): number | null {
  if (!isNumber(draft.hours) && !isNumber(draft.minutes)) return null;
  return (isNumber(draft.hours) ? draft.hours : 0) * 60 + (isNumber(draft.minutes) ? draft.minutes : 0);
}

/** The targets filled in so far, as the preview takes them. */
function previewTargets(targets: Record<SlaTargetName, TargetDraft>): PreviewTargets {
  const out: PreviewTargets = {};
  for (const name of SLA_TARGET_NAMES) {
    const minutes = minutesOf(targets[name]);
    if (minutes !== null) out[name] = { minutes, businessHours: targets[name].businessHours };
  }
  return out;
}

function nonEmpty<T>(values: T[]): T[] | undefined {
  return values.length > 0 ? values : undefined;
}

type Option = { value: string; label: string };

/** Options with the selected values kept even when the list no longer has them (deleted, inactive). */
function withSelected(options: Option[], selected: string[], unknownLabel: string): Option[] {
  const known = new Set(options.map((o) => o.value));
  return [...options, ...selected.filter((v) => !known.has(v)).map((value) => ({ value, label: unknownLabel }))];
}

type PolicyFormProps = {
  policy?: SlaPolicy;
  calendars: SlaCalendar[];
  onDone: () => void;
};

/** Creates a policy (added last in the order), or changes the given one. */
export function SlaPolicyForm({ policy, calendars, onDone }: PolicyFormProps) {
  const queryClient = useQueryClient();
  const teams = useTeams();
  const categories = useCategories();
  const conditions = policy?.conditions ?? {};

  const [name, setName] = useState(policy?.name ?? '');
  const [description, setDescription] = useState(policy?.description ?? '');
  const [calendarId, setCalendarId] = useState<string | null>(
    policy?.calendarId ?? (calendars.length === 1 ? (calendars[0]?.id ?? null) : null),
  );
  const [targets, setTargets] = useState(() => targetDrafts(policy?.targets));
  const [priorities, setPriorities] = useState<string[]>(conditions.priorities ?? []);
  const [types, setTypes] = useState<string[]>(conditions.types ?? []);
  const [channels, setChannels] = useState<string[]>(conditions.channels ?? []);
  const [tiers, setTiers] = useState<string[]>(conditions.tiers ?? []);
  const [teamIds, setTeamIds] = useState<string[]>(conditions.teamIds ?? []);
  const [categoryIds, setCategoryIds] = useState<string[]>(conditions.categoryIds ?? []);
  const [tags, setTags] = useState<string[]>(conditions.tags ?? []);
  const [pauseOnHold, setPauseOnHold] = useState(policy?.pauseOnHold ?? false);
  const [pauseOnDepartment, setPauseOnDepartment] = useState(policy?.pauseOnDepartment ?? false);
  const [escalations, setEscalations] = useState(() => escalationRows(policy?.escalations ?? []));
  const [warnings, setWarnings] = useState<WarningRow[]>(() => warningRows(policy?.warnings ?? DEFAULT_WARNINGS));
  const [active, setActive] = useState(policy?.active ?? true);
  const [submitted, setSubmitted] = useState(false);

  const save = useMutation({
    mutationFn: (input: PolicyInput) => (policy ? updateSlaPolicy(policy.id, input) : createSlaPolicy(input)),
    onSuccess: (saved) => {
      // Open cases are re-evaluated by the server's SLA scan; case pages re-read their clocks.
      void queryClient.invalidateQueries({ queryKey: queryKeys.slaPolicies });
      notifySuccess(policy ? `Saved ${saved.name}.` : `Created ${saved.name}.`);
      onDone();
    },
  });

  const setTarget = (name: SlaTargetName, change: Partial<TargetDraft>) =>
    setTargets((old) => ({ ...old, [name]: { ...old[name], ...change } }));
  const setWarning = (key: number, change: Partial<WarningRow>) =>
    setWarnings((old) => old.map((w) => (w.key === key ? { ...w, ...change } : w)));

  const anyTarget = SLA_TARGET_NAMES.some((name) => minutesOf(targets[name]) !== null);
  const badWarning = warnings.some((w) => !isNumber(w.value));
  const badEscalation = escalations.some((row) => !hasAction(row));

  const teamOptions = withSelected(
    (teams.data ?? []).map((t) => ({ value: t.id, label: t.name })),
    teamIds,
    'A deleted team',
  );
  const escalationTeamOptions = withSelected(
    (teams.data ?? []).map((t) => ({ value: t.id, label: t.name })),
    escalations.flatMap((row) => (row.teamId ? [row.teamId] : [])),
    'A deleted team',
  );
  const categoryOptions = withSelected(
    (categories.data ?? []).filter((c) => c.active || categoryIds.includes(c.id)).map((c) => ({ value: c.id, label: c.path || c.name })),
    categoryIds,
    'A deleted category',
  );

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSubmitted(true);
    if (!calendarId || !anyTarget || badWarning || badEscalation) return;
    const chosenTargets: SlaTargets = {};
    for (const target of SLA_TARGET_NAMES) {
      const minutes = minutesOf(targets[target]);
      if (minutes !== null) chosenTargets[target] = { minutes, businessHours: targets[target].businessHours };
    }
    const chosenConditions: SlaConditions = {
      priorities: nonEmpty(priorities as CasePriority[]),
      types: nonEmpty(types as CaseType[]),
      channels: nonEmpty(channels as Channel[]),
      tiers: nonEmpty(tiers as CustomerTier[]),
      teamIds: nonEmpty(teamIds),
      categoryIds: nonEmpty(categoryIds),
      tags: nonEmpty(tags.map((t) => t.trim().toLowerCase()).filter(Boolean)),
      // Not editable here yet; kept as they were.
      organisationIds: nonEmpty(conditions.organisationIds ?? []),
    };
    save.mutate({
      name: name.trim(),
      description: description.trim() || null,
      calendarId,
      targets: chosenTargets,
      // Empty conditions are left out (undefined is not sent): absent matches every case.
      conditions: chosenConditions,
      pauseOnHold,
      pauseOnDepartment,
      warnings: warnings.map((w) => (w.kind === 'percentUsed' ? { percentUsed: Number(w.value) } : { minutesLeft: Number(w.value) })),
      escalations: escalations.map(escalationRule),
      active,
    });
  }

  return (
    <form onSubmit={handleSubmit} noValidate>
      <Stack>
        <TextInput label="Name" name="name" required data-autofocus value={name} onChange={(event) => setName(event.currentTarget.value)} />
        <Textarea
          label="Description"
          name="description"
          autosize
          minRows={1}
          value={description}
          onChange={(event) => setDescription(event.currentTarget.value)}
        />
        <Select
          label="Calendar"
          description="Business hours are counted in this calendar's opening hours."
          name="calendarId"
          required
          allowDeselect={false}
          data={calendars.map((c) => ({ value: c.id, label: `${c.name} (${c.timeZone})` }))}
          value={calendarId}
          onChange={setCalendarId}
          nothingFoundMessage="Create a calendar first"
          error={submitted && !calendarId ? 'Choose a calendar' : undefined}
        />
        <Switch
          label="Active"
          description="Inactive policies are skipped when cases are matched."
          checked={active}
          onChange={(e) => setActive(e.currentTarget.checked)}
        />

        <Divider />
        <div>
          <Title order={5}>Targets</Title>
          <Text size="xs" c="dimmed">
            Leave a target empty for none. Business hours count only the calendar&apos;s open time; otherwise every minute counts.
          </Text>
        </div>
        <Stack gap="sm" data-testid="policy-targets">
          {SLA_TARGET_NAMES.map((target) => (
            <Group key={target} align="flex-end" wrap="nowrap" gap="sm">
              <Stack gap={0} style={{ flex: 1, minWidth: 0 }}>
                <Text size="sm" fw={500}>
                  {SLA_TARGET_LABELS[target]}
                </Text>
                <Text size="xs" c="dimmed">
                  {SLA_TARGET_DESCRIPTIONS[target]}
                </Text>
              </Stack>
              <NumberInput
                size="xs"
                w={80}
                label="Hours"
                aria-label={`${SLA_TARGET_LABELS[target]} hours`}
                min={0}
                max={8760}
                allowDecimal={false}
                allowNegative={false}
                value={targets[target].hours}
                onChange={(hours) => setTarget(target, { hours })}
              />
              <NumberInput
                size="xs"
                w={80}
                label="Minutes"
                aria-label={`${SLA_TARGET_LABELS[target]} minutes`}
                min={0}
                allowDecimal={false}
                allowNegative={false}
                value={targets[target].minutes}
                onChange={(minutes) => setTarget(target, { minutes })}
              />
              <Checkbox
                size="xs"
                mb={6}
                w={120}
                label="Business hours"
                aria-label={`${SLA_TARGET_LABELS[target]} in business hours`}
                checked={targets[target].businessHours}
                onChange={(event) => setTarget(target, { businessHours: event.currentTarget.checked })}
              />
            </Group>
          ))}
        </Stack>
        {submitted && !anyTarget && (
          <Text size="sm" c="red">
            Give at least one target.
          </Text>
        )}

        <Divider />
        <div>
          <Title order={5}>Applies to</Title>
          <Text size="xs" c="dimmed">
            Every condition filled in must hold; within one, any value listed matches. Leave all empty to cover every case.
          </Text>
        </div>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <MultiSelect
            label="Priorities"
            data={optionsOf(PRIORITY_LABELS)}
            value={priorities}
            onChange={setPriorities}
            clearable
            placeholder="Any"
          />
          <MultiSelect label="Types" data={optionsOf(TYPE_LABELS)} value={types} onChange={setTypes} clearable placeholder="Any" />
          <MultiSelect
            label="Channels"
            data={optionsOf(CHANNEL_LABELS)}
            value={channels}
            onChange={setChannels}
            clearable
            placeholder="Any"
          />
          <MultiSelect label="Customer tiers" data={optionsOf(TIER_LABELS)} value={tiers} onChange={setTiers} clearable placeholder="Any" />
          <MultiSelect
            label="Teams"
            data={teamOptions}
            value={teamIds}
            onChange={setTeamIds}
            searchable
            clearable
            placeholder="Any"
            nothingFoundMessage={teams.isPending ? 'Loading teams…' : 'No teams'}
          />
          <MultiSelect
            label="Categories"
            description="A category covers everything below it."
            data={categoryOptions}
            value={categoryIds}
            onChange={setCategoryIds}
            searchable
            clearable
            placeholder="Any"
            nothingFoundMessage={categories.isPending ? 'Loading categories…' : 'No categories'}
          />
        </SimpleGrid>
        <TagsInput
          label="Tags"
          description="The case has at least one of them. Press Enter after each."
          value={tags}
          onChange={setTags}
          clearable
          placeholder="Any"
        />
        {(conditions.organisationIds?.length ?? 0) > 0 && (
          <Text size="xs" c="dimmed">
            Also limited to {conditions.organisationIds?.length} organisation(s), set through the API.
          </Text>
        )}

        <Divider />
        <Checkbox
          label="Pause while on hold"
          description="Pending always pauses the clocks; this also pauses them while a case is on hold."
          checked={pauseOnHold}
          onChange={(event) => setPauseOnHold(event.currentTarget.checked)}
        />
        <Checkbox
          label="Pause while waiting on a department"
          description="Also pause the clocks while the case waits on an open request to another department."
          checked={pauseOnDepartment}
          onChange={(event) => setPauseOnDepartment(event.currentTarget.checked)}
        />

        <div>
          <Title order={5}>Warnings</Title>
          <Text size="xs" c="dimmed">
            Before a target is breached, the assignee and the team&apos;s leaders are notified at each of these points.
          </Text>
        </div>
        <Stack gap={6} data-testid="policy-warnings">
          {warnings.length === 0 && (
            <Text size="sm" c="dimmed">
              No warnings: only breaches are notified.
            </Text>
          )}
          {warnings.map((warning, index) => (
            <Group key={warning.key} gap="xs" wrap="nowrap" align="flex-start">
              <Select
                size="xs"
                w={170}
                aria-label={`Warning ${index + 1} kind`}
                allowDeselect={false}
                data={[
                  { value: 'percentUsed', label: 'Percent of time used' },
                  { value: 'minutesLeft', label: 'Minutes left' },
                ]}
                value={warning.kind}
                onChange={(kind) => kind && setWarning(warning.key, { kind: kind as WarningKind })}
              />
              <NumberInput
                size="xs"
                w={100}
                aria-label={`Warning ${index + 1} value`}
                min={1}
                max={warning.kind === 'percentUsed' ? 99 : 43200}
                allowDecimal={false}
                allowNegative={false}
                suffix={warning.kind === 'percentUsed' ? ' %' : ' min'}
                value={warning.value}
                error={submitted && !isNumber(warning.value) ? 'Required' : undefined}
                onChange={(value) => setWarning(warning.key, { value })}
              />
              <ActionIcon
                variant="subtle"
                color="red"
                mt={2}
                aria-label={`Remove warning ${index + 1}`}
                onClick={() => setWarnings((old) => old.filter((w) => w.key !== warning.key))}
              >
                ×
              </ActionIcon>
            </Group>
          ))}
          <Group>
            <Button
              size="compact-xs"
              variant="subtle"
              onClick={() => setWarnings((old) => [...old, { key: nextKey(), kind: 'minutesLeft', value: 30 }])}
            >
              Add warning
            </Button>
          </Group>
        </Stack>

        <div>
          <Title order={5}>Escalation</Title>
          <Text size="xs" c="dimmed">
            When a warning or a breach is raised, do more than notify. A priority is only ever raised; each rule runs once per alert.
          </Text>
        </div>
        <SlaEscalationRulesEditor
          rows={escalations}
          onChange={setEscalations}
          teamOptions={escalationTeamOptions}
          teamsLoading={teams.isPending}
          submitted={submitted}
        />

        <SlaPreview
          calendar={calendars.find((c) => c.id === calendarId) ?? null}
          targets={previewTargets(targets)}
          title="When would it be due?"
        />

        <SlaFormError error={save.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending}>
            {policy ? 'Save policy' : 'Create policy'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
