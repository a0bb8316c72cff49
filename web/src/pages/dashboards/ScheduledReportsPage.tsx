// Dashboards → Scheduled reports: the dashboards that go out by email as a PDF with CSV files
// (docs/metrics.md, "Scheduled reports"). Lists each schedule with its filters, when it goes out
// (local hour in its own IANA zone), recipients, next run and how the last run went; creates,
// changes and deletes them, opens the PDF a run now would send and sends one at once. Report
// readers see their own schedules; managers and admins see everyone's (the API decides).
import {
  Anchor,
  Badge,
  Button,
  Group,
  Loader,
  Modal,
  NumberInput,
  Paper,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import { CHANNELS, type Channel } from '../../api-types';
import { CHANNEL_LABELS, labelOf } from '../../cases/labels';
import { useCategories, useTeams } from '../../cases/lookups';
import { ConfirmModal } from '../../components/ConfirmModal';
import { FormError } from '../../components/FormError';
import { QueryError } from '../../components/QueryError';
import { RelativeTime } from '../../components/RelativeTime';
import { formatDateTime } from '../../format';
import { notifyError, notifySuccess } from '../../notify';
import { queryKeys } from '../../query-keys';
import {
  SCHEDULE_DASHBOARDS,
  createSchedule,
  deleteSchedule,
  listSchedules,
  schedulePreviewUrl,
  sendScheduleNow,
  updateSchedule,
  type ReportSchedule,
  type ScheduleDashboard,
  type ScheduleFrequency,
  type ScheduleInput,
} from '../../schedule-api';
import { browserTimeZone, formatInZone, timeZoneNames } from '../../time-zones';

const DASHBOARD_LABELS: Record<ScheduleDashboard, string> = {
  operations: 'Operations',
  service_standards: 'Service standards',
  team_performance: 'Team performance',
  back_office: 'Back office',
};

const FREQUENCY_OPTIONS: { value: ScheduleFrequency; label: string }[] = [
  { value: 'daily', label: 'Daily' },
  { value: 'weekly', label: 'Weekly' },
  { value: 'monthly', label: 'Monthly' },
];

/** What each frequency reports on (the server picks the period; see scheduled-reports.ts). */
const PERIOD_COVERED: Record<ScheduleFrequency, string> = {
  daily: 'yesterday, compared with the day before',
  weekly: 'the seven days before the day it goes out, compared with the seven before those',
  monthly: 'last month, compared with the month before',
};

const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const HOUR_OPTIONS = Array.from({ length: 24 }, (_, hour) => ({ value: String(hour), label: `${String(hour).padStart(2, '0')}:00` }));
const DAY_OF_MONTH_OPTIONS = Array.from({ length: 28 }, (_, i) => ({ value: String(i + 1), label: String(i + 1) }));

// The same shape the server accepts (EmailSchema): something@something.tld, no spaces.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Addresses from a comma-, semicolon- or line-separated list, and those that are not addresses. */
function parseRecipients(text: string): { valid: string[]; invalid: string[] } {
  const words = text
    .split(/[\s,;]+/)
    .map((w) => w.trim())
    .filter(Boolean);
  const valid = [...new Set(words.filter((w) => EMAIL.test(w)).map((w) => w.toLowerCase()))];
  return { valid, invalid: words.filter((w) => !EMAIL.test(w)) };
}

const hourLabel = (hour: number) => `${String(hour).padStart(2, '0')}:00`;

/** "Weekly on Monday at 07:00", "Monthly on day 1 at 06:00". */
function describeWhen(s: Pick<ReportSchedule, 'frequency' | 'hour' | 'weekday' | 'dayOfMonth'>): string {
  if (s.frequency === 'weekly') return `Weekly on ${WEEKDAY_NAMES[(s.weekday ?? 1) - 1]} at ${hourLabel(s.hour)}`;
  if (s.frequency === 'monthly') return `Monthly on day ${s.dayOfMonth ?? 1} at ${hourLabel(s.hour)}`;
  return `Daily at ${hourLabel(s.hour)}`;
}

function useFilterNames() {
  const teams = useTeams();
  const categories = useCategories();
  return (filters: ReportSchedule['filters']): string => {
    const parts: string[] = [];
    if (filters.teamId) parts.push(`Team: ${teams.data?.find((t) => t.id === filters.teamId)?.name ?? '—'}`);
    if (filters.channel) parts.push(`Channel: ${labelOf(CHANNEL_LABELS, filters.channel)}`);
    if (filters.categoryId) parts.push(`Category: ${categories.data?.find((c) => c.id === filters.categoryId)?.path ?? '—'}`);
    return parts.length ? parts.join(' · ') : 'All cases';
  };
}

type Editing = { mode: 'new' } | { mode: 'edit'; schedule: ReportSchedule } | null;

export function ScheduledReportsPage() {
  const schedules = useQuery({ queryKey: queryKeys.reportSchedules, queryFn: listSchedules });
  const [editing, setEditing] = useState<Editing>(null);
  const [deleting, setDeleting] = useState<ReportSchedule | null>(null);
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: (id: string) => deleteSchedule(id),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.reportSchedules });
      notifySuccess(`Deleted ${deleting?.name ?? 'the schedule'}.`);
      setDeleting(null);
    },
  });

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={4}>Scheduled reports</Title>
          <Text size="sm" c="dimmed">
            A dashboard sent by email at a local hour, as a PDF with a written summary and the figures as CSV files.
          </Text>
        </div>
        <Button onClick={() => setEditing({ mode: 'new' })}>New schedule</Button>
      </Group>
      {schedules.isPending ? (
        <Loader size="sm" />
      ) : schedules.isError ? (
        <QueryError error={schedules.error} onRetry={() => void schedules.refetch()} />
      ) : schedules.data.length === 0 ? (
        <Paper withBorder p="lg" radius="md">
          <Text c="dimmed" size="sm" data-testid="schedules-empty">
            No scheduled reports yet. Create one to send a dashboard to managers every day, week or month.
          </Text>
        </Paper>
      ) : (
        <ScheduleTable items={schedules.data} onEdit={(schedule) => setEditing({ mode: 'edit', schedule })} onDelete={setDeleting} />
      )}
      <Modal
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={editing?.mode === 'edit' ? `Edit ${editing.schedule.name}` : 'New scheduled report'}
        size="lg"
      >
        {editing && (
          <ScheduleForm
            key={editing.mode === 'edit' ? editing.schedule.id : 'new'}
            schedule={editing.mode === 'edit' ? editing.schedule : undefined}
            onDone={() => setEditing(null)}
          />
        )}
      </Modal>
      <ConfirmModal
        opened={deleting !== null}
        title="Delete scheduled report"
        confirmLabel="Delete"
        loading={remove.isPending}
        error={remove.error}
        onConfirm={() => deleting && remove.mutate(deleting.id)}
        onClose={() => {
          remove.reset();
          setDeleting(null);
        }}
      >
        {deleting?.name} will no longer be sent. Emails already queued still go out.
      </ConfirmModal>
    </Stack>
  );
}

type TableProps = { items: ReportSchedule[]; onEdit: (s: ReportSchedule) => void; onDelete: (s: ReportSchedule) => void };

function ScheduleTable({ items, onEdit, onDelete }: TableProps) {
  const filterNames = useFilterNames();
  return (
    <Table.ScrollContainer minWidth={1100}>
      <Table verticalSpacing="sm" aria-label="Scheduled reports">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Report</Table.Th>
            <Table.Th>When</Table.Th>
            <Table.Th>Recipients</Table.Th>
            <Table.Th>Next run</Table.Th>
            <Table.Th>Last run</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((s) => (
            <Table.Tr key={s.id} data-testid="schedule-row" data-id={s.id}>
              <Table.Td>
                <Text size="sm" fw={500}>
                  {s.name}
                </Text>
                <Text size="xs" c="dimmed" data-testid="schedule-dashboard">
                  {DASHBOARD_LABELS[s.dashboard]} · {filterNames(s.filters)}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" data-testid="schedule-when">
                  {describeWhen(s)}
                </Text>
                <Text size="xs" c="dimmed" data-testid="schedule-zone">
                  {s.timeZone}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" data-testid="schedule-recipients">
                  {s.recipients.join(', ')}
                </Text>
              </Table.Td>
              <Table.Td>
                {s.active ? (
                  <Stack gap={0}>
                    <Text size="sm" data-testid="schedule-next-run" data-at={s.nextRunAt}>
                      {formatInZone(s.nextRunAt, s.timeZone)}
                    </Text>
                    <RelativeTime iso={s.nextRunAt} size="xs" c="dimmed" />
                  </Stack>
                ) : (
                  <Badge variant="light" color="gray" data-testid="schedule-paused">
                    Paused
                  </Badge>
                )}
              </Table.Td>
              <Table.Td>
                <LastRun schedule={s} />
              </Table.Td>
              <Table.Td>
                <ScheduleActions schedule={s} onEdit={() => onEdit(s)} onDelete={() => onDelete(s)} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function LastRun({ schedule }: { schedule: ReportSchedule }) {
  if (schedule.lastError)
    return (
      <Stack gap={2} data-testid="schedule-status" data-status="failed">
        <Badge color="red" variant="light">
          Failed
        </Badge>
        <Text size="xs" c="red">
          {schedule.lastError}
        </Text>
      </Stack>
    );
  if (!schedule.lastRunAt)
    return (
      <Text size="sm" c="dimmed" data-testid="schedule-status" data-status="never">
        Not run yet
      </Text>
    );
  return (
    <Stack gap={2} data-testid="schedule-status" data-status="sent">
      <Badge color="teal" variant="light">
        Sent
      </Badge>
      <Text size="xs">{formatDateTime(schedule.lastRunAt)}</Text>
    </Stack>
  );
}

function ScheduleActions({ schedule, onEdit, onDelete }: { schedule: ReportSchedule; onEdit: () => void; onDelete: () => void }) {
  const [sent, setSent] = useState<number | null>(null);
  const send = useMutation({
    mutationFn: () => sendScheduleNow(schedule.id),
    onSuccess: ({ emails }) => {
      setSent(emails);
      notifySuccess(`${schedule.name}: ${emails} email${emails === 1 ? '' : 's'} queued for sending.`);
    },
    onError: (error) => notifyError(error, `${schedule.name} was not sent`),
  });
  return (
    <Stack gap={4} align="flex-end">
      <Group gap="xs" wrap="nowrap">
        <Button size="compact-sm" variant="default" onClick={onEdit}>
          Edit
        </Button>
        <Button
          size="compact-sm"
          variant="default"
          component="a"
          href={schedulePreviewUrl(schedule.id)}
          target="_blank"
          rel="noopener"
          data-testid="schedule-preview"
        >
          Preview PDF
        </Button>
        <Button size="compact-sm" variant="light" loading={send.isPending} onClick={() => send.mutate()}>
          Send now
        </Button>
        <Button size="compact-sm" variant="subtle" color="red" onClick={onDelete}>
          Delete
        </Button>
      </Group>
      {sent !== null && (
        <Text size="xs" c="teal" data-testid="schedule-sent" data-emails={sent}>
          {sent} email{sent === 1 ? '' : 's'} queued just now
        </Text>
      )}
    </Stack>
  );
}

// --- the form ---------------------------------------------------------------------------------

type FormState = {
  name: string;
  dashboard: ScheduleDashboard;
  teamId: string | null;
  channel: string | null;
  categoryId: string | null;
  frequency: ScheduleFrequency;
  weekday: string;
  dayOfMonth: string;
  hour: string;
  timeZone: string | null;
  recipients: string;
  goalPercent: number;
  active: boolean;
};

function initialState(s: ReportSchedule | undefined): FormState {
  return {
    name: s?.name ?? '',
    dashboard: s?.dashboard ?? 'service_standards',
    teamId: s?.filters.teamId ?? null,
    channel: s?.filters.channel ?? null,
    categoryId: s?.filters.categoryId ?? null,
    frequency: s?.frequency ?? 'weekly',
    weekday: String(s?.weekday ?? 1),
    dayOfMonth: String(s?.dayOfMonth ?? 1),
    hour: String(s?.hour ?? 7),
    timeZone: s?.timeZone ?? browserTimeZone(),
    recipients: (s?.recipients ?? []).join('\n'),
    goalPercent: s?.goalPercent ?? 90,
    active: s?.active ?? true,
  };
}

/** The body the API takes, or the first thing the person still has to fix. */
function toInput(f: FormState): { input: ScheduleInput } | { problem: string } {
  const { valid, invalid } = parseRecipients(f.recipients);
  if (!f.name.trim()) return { problem: 'name' };
  if (!f.timeZone) return { problem: 'timeZone' };
  if (invalid.length > 0 || valid.length === 0) return { problem: 'recipients' };
  const filters: ScheduleInput['filters'] = {};
  if (f.teamId) filters.teamId = f.teamId;
  if (f.channel) filters.channel = f.channel;
  if (f.categoryId) filters.categoryId = f.categoryId;
  return {
    input: {
      name: f.name.trim(),
      dashboard: f.dashboard,
      filters,
      frequency: f.frequency,
      hour: Number(f.hour),
      weekday: f.frequency === 'weekly' ? Number(f.weekday) : null,
      dayOfMonth: f.frequency === 'monthly' ? Number(f.dayOfMonth) : null,
      timeZone: f.timeZone,
      recipients: valid,
      goalPercent: f.goalPercent,
      active: f.active,
    },
  };
}

function recipientsError(text: string): string | undefined {
  const { valid, invalid } = parseRecipients(text);
  if (invalid.length > 0) return `Not an email address: ${invalid.join(', ')}`;
  if (valid.length === 0) return 'Add at least one recipient';
  return undefined;
}

function ScheduleForm({ schedule, onDone }: { schedule?: ReportSchedule; onDone: () => void }) {
  const queryClient = useQueryClient();
  const [form, setForm] = useState<FormState>(() => initialState(schedule));
  const [submitted, setSubmitted] = useState(false);
  const zones = useMemo(() => timeZoneNames(schedule?.timeZone), [schedule?.timeZone]);
  const teams = useTeams();
  const categories = useCategories();
  const set = (change: Partial<FormState>) => setForm((old) => ({ ...old, ...change }));

  const save = useMutation({
    mutationFn: (input: ScheduleInput) => (schedule ? updateSchedule(schedule.id, input) : createSchedule(input)),
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.reportSchedules });
      notifySuccess(schedule ? `Saved ${saved.name}.` : `Created ${saved.name}.`);
      onDone();
    },
  });

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSubmitted(true);
    const result = toInput(form);
    if ('input' in result) save.mutate(result.input);
  }

  return (
    <form onSubmit={handleSubmit} noValidate aria-label="Scheduled report">
      <Stack>
        <TextInput
          label="Name"
          name="name"
          required
          data-autofocus
          value={form.name}
          onChange={(e) => set({ name: e.currentTarget.value })}
          error={submitted && !form.name.trim() ? 'Give the report a name' : undefined}
        />
        <Select
          label="Dashboard"
          name="dashboard"
          allowDeselect={false}
          data={SCHEDULE_DASHBOARDS.map((d) => ({ value: d, label: DASHBOARD_LABELS[d] }))}
          value={form.dashboard}
          onChange={(value) => value && set({ dashboard: value as ScheduleDashboard })}
        />
        <Group grow align="flex-start">
          <Select
            label="Team"
            placeholder="All teams"
            clearable
            data={(teams.data ?? []).map((t) => ({ value: t.id, label: t.name }))}
            value={form.teamId}
            onChange={(teamId) => set({ teamId })}
          />
          <Select
            label="Channel"
            placeholder="All channels"
            clearable
            data={CHANNELS.map((c: Channel) => ({ value: c, label: CHANNEL_LABELS[c] }))}
            value={form.channel}
            onChange={(channel) => set({ channel })}
          />
          <Select
            label="Category"
            placeholder="All categories"
            clearable
            searchable
            data={(categories.data ?? []).map((c) => ({ value: c.id, label: c.path }))}
            value={form.categoryId}
            onChange={(categoryId) => set({ categoryId })}
          />
        </Group>
        <div>
          <Text size="sm" fw={500} mb={4} id="schedule-frequency-label">
            Frequency
          </Text>
          <SegmentedControl
            aria-labelledby="schedule-frequency-label"
            data={FREQUENCY_OPTIONS}
            value={form.frequency}
            onChange={(value) => set({ frequency: value as ScheduleFrequency })}
          />
          <Text size="xs" c="dimmed" mt={4} data-testid="schedule-period">
            Reports on {PERIOD_COVERED[form.frequency]}.
          </Text>
        </div>
        <Group grow align="flex-start">
          {form.frequency === 'weekly' && (
            <Select
              label="Weekday"
              allowDeselect={false}
              data={WEEKDAY_NAMES.map((label, i) => ({ value: String(i + 1), label }))}
              value={form.weekday}
              onChange={(value) => value && set({ weekday: value })}
            />
          )}
          {form.frequency === 'monthly' && (
            <Select
              label="Day of the month"
              description="1 to 28, so that every month has it"
              allowDeselect={false}
              data={DAY_OF_MONTH_OPTIONS}
              value={form.dayOfMonth}
              onChange={(value) => value && set({ dayOfMonth: value })}
            />
          )}
          <Select
            label="Local time"
            allowDeselect={false}
            data={HOUR_OPTIONS}
            value={form.hour}
            onChange={(value) => value && set({ hour: value })}
          />
          <Select
            label="Time zone"
            description="The hour and the report's days are read in this zone."
            required
            searchable
            allowDeselect={false}
            data={zones}
            value={form.timeZone}
            onChange={(timeZone) => set({ timeZone })}
            nothingFoundMessage="No such time zone"
            maxDropdownHeight={280}
            error={submitted && !form.timeZone ? 'Choose a time zone' : undefined}
          />
        </Group>
        <Textarea
          label="Recipients"
          description="Email addresses, one per line or separated by commas."
          name="recipients"
          required
          autosize
          minRows={2}
          value={form.recipients}
          onChange={(e) => set({ recipients: e.currentTarget.value })}
          error={submitted ? recipientsError(form.recipients) : undefined}
        />
        <Group align="flex-end">
          <NumberInput
            label="Goal for service standards"
            description="The summary names every standard below it."
            suffix=" %"
            min={1}
            max={100}
            w={220}
            value={form.goalPercent}
            onChange={(value) => typeof value === 'number' && set({ goalPercent: value })}
          />
          <Switch label="Active" checked={form.active} onChange={(e) => set({ active: e.currentTarget.checked })} mb={8} />
        </Group>
        <FormError error={save.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending}>
            {schedule ? 'Save' : 'Create'}
          </Button>
        </Group>
        {schedule && (
          <Text size="xs" c="dimmed">
            Saving moves the next run to the first one after now under the new settings.{' '}
            <Anchor size="xs" href={schedulePreviewUrl(schedule.id)} target="_blank" rel="noopener">
              Preview the PDF as saved
            </Anchor>
          </Text>
        )}
      </Stack>
    </form>
  );
}
