// Settings → Service standards: the business calendars (opening hours, holidays) and the ordered
// SLA policies that set each case's targets. Managers and administrators (sla.manage) change them;
// everyone else who reaches the page sees them read-only.
import { Badge, Button, Drawer, Group, Loader, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { WEEKDAYS, SLA_TARGET_NAMES, type SlaCalendar, type SlaConditions, type SlaPolicy, type Weekday } from '../../api-types';
import { CHANNEL_LABELS, PRIORITY_LABELS, TIER_LABELS, TYPE_LABELS, labelOf } from '../../cases/labels';
import { useCategories, useTeams } from '../../cases/lookups';
import { ConfirmModal } from '../../components/ConfirmModal';
import { PageHeader } from '../../components/PageHeader';
import { QueryError } from '../../components/QueryError';
import { notifyError, notifySuccess } from '../../notify';
import { queryKeys } from '../../query-keys';
import { useCan } from '../../session';
import { deleteSlaCalendar, deleteSlaPolicy, listSlaCalendars, listSlaPolicies, reorderSlaPolicies } from '../../sla-api';
import { SLA_TARGET_LABELS, describeWarning, formatMinutes } from '../../sla/sla-format';
import { SlaCalendarForm } from './SlaCalendarForm';
import { SlaPolicyForm } from './SlaPolicyForm';

/** The drawer being shown: new (null) or an existing item. Kept while it slides shut. */
type Editing<T> = { item: T | null; key: number } | null;

export function SlaSettingsPage() {
  const can = useCan();
  const canManage = can('sla.manage');
  const calendars = useQuery({ queryKey: queryKeys.slaCalendars, queryFn: listSlaCalendars });
  const policies = useQuery({ queryKey: queryKeys.slaPolicies, queryFn: listSlaPolicies });

  const [editingCalendar, setEditingCalendar] = useState<Editing<SlaCalendar>>(null);
  const [calendarOpen, setCalendarOpen] = useState(false);
  const [editingPolicy, setEditingPolicy] = useState<Editing<SlaPolicy>>(null);
  const [policyOpen, setPolicyOpen] = useState(false);
  const [deletingCalendar, setDeletingCalendar] = useState<SlaCalendar | null>(null);
  const [deletingPolicy, setDeletingPolicy] = useState<SlaPolicy | null>(null);

  const openCalendar = (item: SlaCalendar | null) => {
    setEditingCalendar({ item, key: Date.now() });
    setCalendarOpen(true);
  };
  const openPolicy = (item: SlaPolicy | null) => {
    setEditingPolicy({ item, key: Date.now() });
    setPolicyOpen(true);
  };
  const calendarList = calendars.data ?? [];

  return (
    <Stack gap="xl">
      <PageHeader
        order={3}
        title="Service standards"
        description={
          canManage
            ? 'Business calendars say when the clock runs; policies set the reply and resolution targets of the cases they match. Changes apply to open cases at once.'
            : 'The business calendars and the targets cases are held to. Only managers and administrators can change them.'
        }
      />

      <section aria-label="Business calendars">
        <Group justify="space-between" mb="sm">
          <Title order={4}>Business calendars</Title>
          {canManage && <Button onClick={() => openCalendar(null)}>New calendar</Button>}
        </Group>
        {calendars.isPending ? (
          <Loader />
        ) : calendars.isError ? (
          <QueryError error={calendars.error} onRetry={() => void calendars.refetch()} />
        ) : (
          <CalendarTable
            calendars={calendars.data}
            onEdit={canManage ? openCalendar : undefined}
            onDelete={canManage ? setDeletingCalendar : undefined}
          />
        )}
      </section>

      <section aria-label="SLA policies">
        <Group justify="space-between" mb="sm">
          <div>
            <Title order={4}>Policies</Title>
            <Text size="sm" c="dimmed">
              Tried in this order: the first active policy whose conditions all hold applies to a case.
            </Text>
          </div>
          {canManage && (
            <Tooltip label="Create a business calendar first" disabled={calendarList.length > 0}>
              <Button onClick={() => openPolicy(null)} disabled={calendarList.length === 0}>
                New policy
              </Button>
            </Tooltip>
          )}
        </Group>
        {policies.isPending ? (
          <Loader />
        ) : policies.isError ? (
          <QueryError error={policies.error} onRetry={() => void policies.refetch()} />
        ) : (
          <PolicyTable
            policies={policies.data}
            calendars={calendarList}
            canManage={canManage}
            onEdit={openPolicy}
            onDelete={setDeletingPolicy}
          />
        )}
      </section>

      <Drawer
        opened={calendarOpen}
        onClose={() => setCalendarOpen(false)}
        position="right"
        size="xl"
        title={<Title order={4}>{editingCalendar?.item ? `Edit ${editingCalendar.item.name}` : 'New business calendar'}</Title>}
      >
        {editingCalendar && (
          <SlaCalendarForm key={editingCalendar.key} calendar={editingCalendar.item ?? undefined} onDone={() => setCalendarOpen(false)} />
        )}
      </Drawer>
      <Drawer
        opened={policyOpen}
        onClose={() => setPolicyOpen(false)}
        position="right"
        size="xl"
        title={<Title order={4}>{editingPolicy?.item ? `Edit ${editingPolicy.item.name}` : 'New SLA policy'}</Title>}
      >
        {editingPolicy && (
          <SlaPolicyForm
            key={editingPolicy.key}
            policy={editingPolicy.item ?? undefined}
            calendars={calendarList}
            onDone={() => setPolicyOpen(false)}
          />
        )}
      </Drawer>
      <DeleteCalendarModal calendar={deletingCalendar} onClose={() => setDeletingCalendar(null)} />
      <DeletePolicyModal policy={deletingPolicy} onClose={() => setDeletingPolicy(null)} />
    </Stack>
  );
}

// --- calendars ------------------------------------------------------------------------------

const SHORT_DAYS: Record<Weekday, string> = {
  monday: 'Mon',
  tuesday: 'Tue',
  wednesday: 'Wed',
  thursday: 'Thu',
  friday: 'Fri',
  saturday: 'Sat',
  sunday: 'Sun',
};

/** "Mon–Fri 09:00–17:00; Sat 10:00–14:00": runs of days with the same hours. */
function describeWeek(weekly: SlaCalendar['weekly']): string {
  const hours = WEEKDAYS.map((day) => (weekly[day] ?? []).map((i) => `${i.start}–${i.end}`).join(', '));
  const runs: string[] = [];
  let i = 0;
  while (i < WEEKDAYS.length) {
    let j = i;
    while (j + 1 < WEEKDAYS.length && hours[j + 1] === hours[i]) j += 1;
    const text = hours[i];
    if (text) {
      const first = SHORT_DAYS[WEEKDAYS[i] as Weekday];
      const last = SHORT_DAYS[WEEKDAYS[j] as Weekday];
      runs.push(`${i === j ? first : `${first}–${last}`} ${text}`);
    }
    i = j + 1;
  }
  return runs.length ? runs.join('; ') : 'Closed';
}

type CalendarTableProps = {
  calendars: SlaCalendar[];
  onEdit?: (calendar: SlaCalendar) => void;
  onDelete?: (calendar: SlaCalendar) => void;
};

function CalendarTable({ calendars, onEdit, onDelete }: CalendarTableProps) {
  if (calendars.length === 0) {
    return <Text c="dimmed">No business calendars yet. A policy needs one to count business hours.</Text>;
  }
  return (
    <Table.ScrollContainer minWidth={720}>
      <Table verticalSpacing="sm" data-testid="calendar-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Time zone</Table.Th>
            <Table.Th>Opening hours</Table.Th>
            <Table.Th ta="right">Holidays</Table.Th>
            {(onEdit || onDelete) && <Table.Th aria-label="Actions" />}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {calendars.map((calendar) => (
            <Table.Tr key={calendar.id} data-testid="calendar-row">
              <Table.Td fw={500}>{calendar.name}</Table.Td>
              <Table.Td>{calendar.timeZone}</Table.Td>
              <Table.Td>
                <Text size="sm">{describeWeek(calendar.weekly)}</Text>
              </Table.Td>
              <Table.Td ta="right">{calendar.holidays.length}</Table.Td>
              {(onEdit || onDelete) && (
                <Table.Td>
                  <Group gap={4} justify="flex-end" wrap="nowrap">
                    {onEdit && (
                      <Button size="xs" variant="subtle" onClick={() => onEdit(calendar)} aria-label={`Edit ${calendar.name}`}>
                        Edit
                      </Button>
                    )}
                    {onDelete && (
                      <Button
                        size="xs"
                        variant="subtle"
                        color="red"
                        onClick={() => onDelete(calendar)}
                        aria-label={`Delete ${calendar.name}`}
                      >
                        Delete
                      </Button>
                    )}
                  </Group>
                </Table.Td>
              )}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function DeleteCalendarModal({ calendar, onClose }: { calendar: SlaCalendar | null; onClose: () => void }) {
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: deleteSlaCalendar,
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.slaCalendars });
      notifySuccess(`Deleted ${calendar?.name ?? 'the calendar'}.`);
      close();
    },
  });

  function close() {
    remove.reset();
    onClose();
  }

  return (
    <ConfirmModal
      opened={calendar !== null}
      title="Delete calendar"
      confirmLabel="Delete"
      loading={remove.isPending}
      // A calendar a policy uses is refused (409) with the policy's name: shown here.
      error={remove.error}
      onConfirm={() => calendar && remove.mutate(calendar.id)}
      onClose={close}
    >
      Delete <strong>{calendar?.name}</strong>? A calendar that a policy uses cannot be deleted.
    </ConfirmModal>
  );
}

// --- policies -------------------------------------------------------------------------------

function describeTargets(policy: SlaPolicy): string[] {
  return SLA_TARGET_NAMES.flatMap((name) => {
    const target = policy.targets[name];
    if (!target) return [];
    return [`${SLA_TARGET_LABELS[name]}: ${formatMinutes(target.minutes)}${target.businessHours ? ' (business)' : ''}`];
  });
}

type Names = { team: (id: string) => string; category: (id: string) => string };

function describeConditions(conditions: SlaConditions, names: Names): string[] {
  const parts: string[] = [];
  const add = (label: string, values: string[] | undefined, word: (value: string) => string) => {
    if (values && values.length > 0) parts.push(`${label}: ${values.map(word).join(', ')}`);
  };
  add('Priority', conditions.priorities, (v) => labelOf(PRIORITY_LABELS, v));
  add('Type', conditions.types, (v) => labelOf(TYPE_LABELS, v));
  add('Channel', conditions.channels, (v) => labelOf(CHANNEL_LABELS, v));
  add('Tier', conditions.tiers, (v) => labelOf(TIER_LABELS, v));
  add('Team', conditions.teamIds, names.team);
  add('Category', conditions.categoryIds, names.category);
  add('Tag', conditions.tags, (v) => v);
  if (conditions.organisationIds?.length) parts.push(`${conditions.organisationIds.length} organisation(s)`);
  return parts;
}

type PolicyTableProps = {
  policies: SlaPolicy[];
  calendars: SlaCalendar[];
  canManage: boolean;
  onEdit: (policy: SlaPolicy) => void;
  onDelete: (policy: SlaPolicy) => void;
};

function PolicyTable({ policies, calendars, canManage, onEdit, onDelete }: PolicyTableProps) {
  const queryClient = useQueryClient();
  const teams = useTeams();
  const categories = useCategories();
  const names: Names = {
    team: (id) => teams.data?.find((t) => t.id === id)?.name ?? 'a team',
    category: (id) => {
      const category = categories.data?.find((c) => c.id === id);
      return category ? category.path || category.name : 'a category';
    },
  };

  const reorder = useMutation({
    mutationFn: reorderSlaPolicies,
    onMutate: async (ids) => {
      await queryClient.cancelQueries({ queryKey: queryKeys.slaPolicies });
      queryClient.setQueryData<SlaPolicy[]>(queryKeys.slaPolicies, (old) =>
        old ? ids.flatMap((id, position) => old.filter((p) => p.id === id).map((p) => ({ ...p, position }))) : old,
      );
    },
    onSuccess: (items) =>
      queryClient.setQueryData(
        queryKeys.slaPolicies,
        [...items].sort((a, b) => a.position - b.position),
      ),
    onError: (error) => {
      notifyError(error, 'Could not change the order');
      void queryClient.invalidateQueries({ queryKey: queryKeys.slaPolicies });
    },
  });

  function move(index: number, by: -1 | 1) {
    const ids = policies.map((p) => p.id);
    const other = index + by;
    if (other < 0 || other >= ids.length) return;
    [ids[index], ids[other]] = [ids[other] as string, ids[index] as string];
    reorder.mutate(ids);
  }

  if (policies.length === 0) {
    return <Text c="dimmed">No policies yet: cases have no targets.</Text>;
  }
  return (
    <Table.ScrollContainer minWidth={900}>
      <Table verticalSpacing="sm" data-testid="policy-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={40}>#</Table.Th>
            <Table.Th>Name</Table.Th>
            <Table.Th>Calendar</Table.Th>
            <Table.Th>Targets</Table.Th>
            <Table.Th>Applies to</Table.Th>
            <Table.Th>Status</Table.Th>
            {canManage && <Table.Th aria-label="Actions" />}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {policies.map((policy, index) => {
            const conditions = describeConditions(policy.conditions, names);
            return (
              <Table.Tr key={policy.id} data-testid="policy-row" data-policy-id={policy.id} opacity={policy.active ? 1 : 0.6}>
                <Table.Td>{index + 1}</Table.Td>
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {policy.name}
                  </Text>
                  {policy.description && (
                    <Text size="xs" c="dimmed" lineClamp={2}>
                      {policy.description}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{calendars.find((c) => c.id === policy.calendarId)?.name ?? '—'}</Table.Td>
                <Table.Td>
                  {describeTargets(policy).map((line) => (
                    <Text size="sm" key={line}>
                      {line}
                    </Text>
                  ))}
                  <Text size="xs" c="dimmed">
                    {policy.warnings.length ? `Warn at ${policy.warnings.map(describeWarning).join(', ')}` : 'No warnings'}
                    {policy.pauseOnHold ? ' · pauses on hold' : ''}
                    {policy.pauseOnDepartment ? ' · pauses while waiting on a department' : ''}
                    {policy.escalations?.length
                      ? ` · ${policy.escalations.length} escalation ${policy.escalations.length === 1 ? 'rule' : 'rules'}`
                      : ''}
                  </Text>
                </Table.Td>
                <Table.Td>
                  {conditions.length === 0 ? (
                    <Text size="sm">All cases</Text>
                  ) : (
                    conditions.map((line) => (
                      <Text size="sm" key={line}>
                        {line}
                      </Text>
                    ))
                  )}
                </Table.Td>
                <Table.Td>
                  <Badge variant="light" color={policy.active ? 'teal' : 'gray'}>
                    {policy.active ? 'Active' : 'Inactive'}
                  </Badge>
                </Table.Td>
                {canManage && (
                  <Table.Td>
                    <Group gap={4} justify="flex-end" wrap="nowrap">
                      <Button
                        size="xs"
                        variant="subtle"
                        disabled={index === 0 || reorder.isPending}
                        aria-label={`Move ${policy.name} up`}
                        onClick={() => move(index, -1)}
                      >
                        ↑
                      </Button>
                      <Button
                        size="xs"
                        variant="subtle"
                        disabled={index === policies.length - 1 || reorder.isPending}
                        aria-label={`Move ${policy.name} down`}
                        onClick={() => move(index, 1)}
                      >
                        ↓
                      </Button>
                      <Button size="xs" variant="subtle" onClick={() => onEdit(policy)} aria-label={`Edit ${policy.name}`}>
                        Edit
                      </Button>
                      <Button size="xs" variant="subtle" color="red" onClick={() => onDelete(policy)} aria-label={`Delete ${policy.name}`}>
                        Delete
                      </Button>
                    </Group>
                  </Table.Td>
                )}
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function DeletePolicyModal({ policy, onClose }: { policy: SlaPolicy | null; onClose: () => void }) {
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: deleteSlaPolicy,
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.slaPolicies });
      notifySuccess(`Deleted ${policy?.name ?? 'the policy'}.`);
      close();
    },
  });

  function close() {
    remove.reset();
    onClose();
  }

  return (
    <ConfirmModal
      opened={policy !== null}
      title="Delete policy"
      confirmLabel="Delete"
      loading={remove.isPending}
      error={remove.error}
      onConfirm={() => policy && remove.mutate(policy.id)}
      onClose={close}
    >
      Delete <strong>{policy?.name}</strong>? Its open cases are matched again to the remaining policies, keeping the time already used.
    </ConfirmModal>
  );
}
