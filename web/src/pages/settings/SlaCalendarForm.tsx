// One business calendar: its name, time zone, weekly opening hours (several intervals a day) and
// holidays (whole dates or part of a date), with holidays importable from an iCalendar file.
import {
  ActionIcon,
  Alert,
  Button,
  Checkbox,
  Divider,
  FileInput,
  Group,
  List,
  NumberInput,
  Select,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo, useRef, useState, type FormEvent } from 'react';
import { WEEKDAYS, type Holiday, type HolidayImportResult, type OpeningInterval, type SlaCalendar, type Weekday } from '../../api-types';
import { FormError } from '../../components/FormError';
import { notifySuccess } from '../../notify';
import { queryKeys } from '../../query-keys';
import { createSlaCalendar, importCalendarHolidays, updateSlaCalendar, type CalendarInput } from '../../sla-api';
import { SlaFormError } from '../../sla/SlaFormError';
import { formatMinutes, WEEKDAY_LABELS } from '../../sla/sla-format';
import { SlaPreview, type PreviewCalendar } from '../../sla/SlaPreview';

const WALL_TIME = /^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/;
const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;

type IntervalRow = { key: number; start: string; end: string };
type HolidayRow = { key: number; date: string; partial: boolean; start: string; end: string };

let rowKey = 0;
const nextKey = () => ++rowKey;

function intervalRow(interval: OpeningInterval): IntervalRow {
  return { key: nextKey(), start: interval.start, end: interval.end };
}

function holidayRow(holiday: Holiday): HolidayRow {
  return typeof holiday === 'string'
    ? { key: nextKey(), date: holiday, partial: false, start: '', end: '' }
    : { key: nextKey(), date: holiday.date, partial: true, start: holiday.start, end: holiday.end };
}

function holidayOf(row: HolidayRow): Holiday {
  return row.partial ? { date: row.date, start: row.start, end: row.end } : row.date;
}

/** The same holiday however it was written, to tell imported ones from those already listed. */
function holidayKey(holiday: Holiday): string {
  return typeof holiday === 'string' ? holiday : `${holiday.date} ${holiday.start}-${holiday.end}`;
}

function emptyWeek(): Record<Weekday, IntervalRow[]> {
  return Object.fromEntries(WEEKDAYS.map((day) => [day, [] as IntervalRow[]])) as Record<Weekday, IntervalRow[]>;
}

function weekOf(weekly: SlaCalendar['weekly']): Record<Weekday, IntervalRow[]> {
  const week = emptyWeek();
  for (const day of WEEKDAYS) week[day] = (weekly[day] ?? []).map(intervalRow);
  return week;
}

/** Monday to Friday, 09:00–17:00: where most service desks start. */
function officeHours(): Record<Weekday, IntervalRow[]> {
  const week = emptyWeek();
  for (const day of WEEKDAYS.slice(0, 5)) week[day] = [intervalRow({ start: '09:00', end: '17:00' })];
  return week;
}

function aroundTheClock(): Record<Weekday, IntervalRow[]> {
  const week = emptyWeek();
  for (const day of WEEKDAYS) week[day] = [intervalRow({ start: '00:00', end: '24:00' })];
  return week;
}

/** Every IANA zone the browser knows, with UTC, for a searchable picker. */
function timeZoneOptions(current: string): string[] {
  let zones: string[] = [];
  try {
    zones = Intl.supportedValuesOf('timeZone');
  } catch {
    // An older browser: the current value and UTC still make a usable list.
  }
  const all = new Set([...zones, 'UTC']);
  if (current) all.add(current);
  return [...all].sort();
}

function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

function timeError(value: string, required: boolean): string | undefined {
  if (!value) return required ? 'Required' : undefined;
  return WALL_TIME.test(value) ? undefined : 'Use HH:MM';
}

type CalendarFormProps = {
  calendar?: SlaCalendar;
  onDone: () => void;
};

/** Creates a calendar, or changes the given one. */
export function SlaCalendarForm({ calendar, onDone }: CalendarFormProps) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(calendar?.name ?? '');
  const [timeZone, setTimeZone] = useState<string | null>(calendar?.timeZone ?? browserTimeZone());
  const [week, setWeek] = useState<Record<Weekday, IntervalRow[]>>(() => (calendar ? weekOf(calendar.weekly) : officeHours()));
  const [holidays, setHolidays] = useState<HolidayRow[]>(() => (calendar?.holidays ?? []).map(holidayRow));
  const [submitted, setSubmitted] = useState(false);
  const zones = useMemo(() => timeZoneOptions(calendar?.timeZone ?? ''), [calendar?.timeZone]);

  const save = useMutation({
    mutationFn: (input: CalendarInput) => (calendar ? updateSlaCalendar(calendar.id, input) : createSlaCalendar(input)),
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.slaCalendars });
      notifySuccess(calendar ? `Saved ${saved.name}.` : `Created ${saved.name}.`);
      onDone();
    },
  });

  const setDay = (day: Weekday, update: (rows: IntervalRow[]) => IntervalRow[]) => setWeek((old) => ({ ...old, [day]: update(old[day]) }));
  const setHoliday = (key: number, change: Partial<HolidayRow>) =>
    setHolidays((old) => old.map((row) => (row.key === key ? { ...row, ...change } : row)));

  const invalidTimes = WEEKDAYS.some((day) => week[day].some((row) => timeError(row.start, true) || timeError(row.end, true)));
  const invalidHolidays = holidays.some(
    (row) => !LOCAL_DATE.test(row.date) || (row.partial && (timeError(row.start, true) || timeError(row.end, true))),
  );
  const noHours = WEEKDAYS.every((day) => week[day].length === 0);

  const [sampleMinutes, setSampleMinutes] = useState(240);
  // The calendar as edited so far, for the live preview; null while it cannot be valid.
  const previewCalendar: PreviewCalendar | null =
    invalidTimes || invalidHolidays || noHours || !timeZone
      ? null
      : {
          timeZone,
          weekly: Object.fromEntries(
            WEEKDAYS.filter((d) => week[d].length > 0).map((d) => [d, week[d].map(({ start, end }) => ({ start, end }))]),
          ),
          holidays: holidays.map(holidayOf),
        };

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSubmitted(true);
    if (invalidTimes || invalidHolidays || noHours || !timeZone) return;
    const weekly: CalendarInput['weekly'] = {};
    for (const day of WEEKDAYS) {
      if (week[day].length > 0) weekly[day] = week[day].map(({ start, end }) => ({ start, end }));
    }
    save.mutate({ name: name.trim(), timeZone, weekly, holidays: holidays.map(holidayOf) });
  }

  /** Imported holidays are stored at once; add the new ones to the list being edited. */
  function addImported(result: HolidayImportResult, known: Set<string>) {
    const listed = new Set(holidays.map((row) => holidayKey(holidayOf(row))));
    const added = result.calendar.holidays.filter((h) => !known.has(holidayKey(h)) && !listed.has(holidayKey(h)));
    setHolidays((old) => [...old, ...added.map(holidayRow)]);
  }

  return (
    <form onSubmit={handleSubmit} noValidate>
      <Stack>
        <TextInput label="Name" name="name" required data-autofocus value={name} onChange={(event) => setName(event.currentTarget.value)} />
        <Select
          label="Time zone"
          description="Opening hours and holidays are read in this zone."
          name="timeZone"
          required
          searchable
          allowDeselect={false}
          data={zones}
          value={timeZone}
          onChange={setTimeZone}
          nothingFoundMessage="No such time zone"
          maxDropdownHeight={280}
          error={submitted && !timeZone ? 'Choose a time zone' : undefined}
        />

        <Divider />
        <Group justify="space-between" align="flex-end">
          <div>
            <Title order={5}>Opening hours</Title>
            <Text size="xs" c="dimmed">
              Times as &quot;HH:MM&quot;; 24:00 is the end of the day; an end before the start runs overnight. A day without hours is
              closed.
            </Text>
          </div>
          <Group gap="xs">
            <Button size="compact-xs" variant="default" onClick={() => setWeek(officeHours())}>
              Mon–Fri 9–17
            </Button>
            <Button size="compact-xs" variant="default" onClick={() => setWeek(aroundTheClock())}>
              24/7
            </Button>
          </Group>
        </Group>
        <Stack gap="xs" data-testid="calendar-weekly">
          {WEEKDAYS.map((day) => (
            <Group key={day} align="flex-start" wrap="nowrap" gap="sm" data-testid={`weekday-${day}`}>
              <Text size="sm" fw={500} w={96} pt={6}>
                {WEEKDAY_LABELS[day]}
              </Text>
              <Stack gap={6} style={{ flex: 1 }}>
                {week[day].length === 0 && (
                  <Text size="sm" c="dimmed" pt={6}>
                    Closed
                  </Text>
                )}
                {week[day].map((row, index) => (
                  <Group key={row.key} gap="xs" wrap="nowrap" align="flex-start">
                    <TextInput
                      size="xs"
                      w={84}
                      aria-label={`${WEEKDAY_LABELS[day]} interval ${index + 1} start`}
                      placeholder="09:00"
                      value={row.start}
                      error={timeError(row.start, submitted)}
                      onChange={(event) => {
                        const start = event.currentTarget.value;
                        setDay(day, (rows) => rows.map((r) => (r.key === row.key ? { ...r, start } : r)));
                      }}
                    />
                    <Text size="sm" pt={4}>
                      –
                    </Text>
                    <TextInput
                      size="xs"
                      w={84}
                      aria-label={`${WEEKDAY_LABELS[day]} interval ${index + 1} end`}
                      placeholder="17:00"
                      value={row.end}
                      error={timeError(row.end, submitted)}
                      onChange={(event) => {
                        const end = event.currentTarget.value;
                        setDay(day, (rows) => rows.map((r) => (r.key === row.key ? { ...r, end } : r)));
                      }}
                    />
                    <ActionIcon
                      variant="subtle"
                      color="red"
                      mt={2}
                      aria-label={`Remove ${WEEKDAY_LABELS[day]} interval ${index + 1}`}
                      onClick={() => setDay(day, (rows) => rows.filter((r) => r.key !== row.key))}
                    >
                      ×
                    </ActionIcon>
                  </Group>
                ))}
              </Stack>
              <Button
                size="compact-xs"
                variant="subtle"
                mt={4}
                aria-label={`Add hours on ${WEEKDAY_LABELS[day]}`}
                onClick={() => {
                  // A further interval starts where the last one ended, when that can be a start.
                  const lastEnd = week[day].at(-1)?.end;
                  const next = lastEnd && lastEnd !== '24:00' ? { start: lastEnd, end: '' } : { start: '09:00', end: '17:00' };
                  setDay(day, (rows) => [...rows, intervalRow(next)]);
                }}
              >
                Add hours
              </Button>
            </Group>
          ))}
        </Stack>
        {submitted && noHours && (
          <Text size="sm" c="red">
            Give at least one day opening hours.
          </Text>
        )}

        <Divider />
        <Group justify="space-between" align="flex-end">
          <div>
            <Title order={5}>Holidays</Title>
            <Text size="xs" c="dimmed">
              A holiday closes its whole local date, or only part of it.
            </Text>
          </div>
          <Button
            size="compact-xs"
            variant="subtle"
            onClick={() => setHolidays((old) => [...old, { key: nextKey(), date: '', partial: false, start: '', end: '' }])}
          >
            Add holiday
          </Button>
        </Group>
        {holidays.length === 0 ? (
          <Text size="sm" c="dimmed">
            No holidays.
          </Text>
        ) : (
          <Stack gap={6} data-testid="calendar-holidays">
            {holidays.map((row, index) => (
              <Group key={row.key} gap="xs" wrap="nowrap" align="flex-start" data-testid="holiday-row">
                <TextInput
                  size="xs"
                  type="date"
                  w={150}
                  aria-label={`Holiday ${index + 1} date`}
                  value={row.date}
                  error={submitted && !LOCAL_DATE.test(row.date) ? 'Choose a date' : undefined}
                  onChange={(event) => setHoliday(row.key, { date: event.currentTarget.value })}
                />
                <Checkbox
                  size="xs"
                  mt={6}
                  label="Part of the day"
                  checked={row.partial}
                  onChange={(event) => {
                    const partial = event.currentTarget.checked;
                    setHoliday(row.key, partial ? { partial, start: row.start || '12:00', end: row.end || '24:00' } : { partial });
                  }}
                />
                {row.partial && (
                  <>
                    <TextInput
                      size="xs"
                      w={76}
                      aria-label={`Holiday ${index + 1} start`}
                      placeholder="12:00"
                      value={row.start}
                      error={timeError(row.start, submitted)}
                      onChange={(event) => setHoliday(row.key, { start: event.currentTarget.value })}
                    />
                    <Text size="sm" pt={4}>
                      –
                    </Text>
                    <TextInput
                      size="xs"
                      w={76}
                      aria-label={`Holiday ${index + 1} end`}
                      placeholder="24:00"
                      value={row.end}
                      error={timeError(row.end, submitted)}
                      onChange={(event) => setHoliday(row.key, { end: event.currentTarget.value })}
                    />
                  </>
                )}
                <ActionIcon
                  variant="subtle"
                  color="red"
                  mt={2}
                  ml="auto"
                  aria-label={`Remove holiday ${index + 1}`}
                  onClick={() => setHolidays((old) => old.filter((r) => r.key !== row.key))}
                >
                  ×
                </ActionIcon>
              </Group>
            ))}
          </Stack>
        )}
        {calendar ? (
          <HolidayImport calendar={calendar} onImported={addImported} />
        ) : (
          <Text size="xs" c="dimmed">
            Holidays can be imported from an .ics file once the calendar is created.
          </Text>
        )}

        <SlaPreview
          calendar={previewCalendar}
          targets={{ [`${formatMinutes(sampleMinutes)} of business time`]: { minutes: sampleMinutes, businessHours: true } }}
          title="A sample target on these hours"
        />
        <NumberInput
          label="Sample target (minutes)"
          min={0}
          max={525600}
          value={sampleMinutes}
          onChange={(v: string | number) => setSampleMinutes(typeof v === 'number' ? v : 0)}
          w={200}
        />

        <SlaFormError error={save.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending}>
            {calendar ? 'Save calendar' : 'Create calendar'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

type HolidayImportProps = {
  calendar: SlaCalendar;
  /** `known`: the holidays the server held before this import. */
  onImported: (result: HolidayImportResult, known: Set<string>) => void;
};

/** Sends an .ics file's text; the server adds its holidays and says what it could not read. */
function HolidayImport({ calendar, onImported }: HolidayImportProps) {
  const queryClient = useQueryClient();
  // What the server holds, kept across several imports while the form stays open.
  const known = useRef(new Set(calendar.holidays.map(holidayKey)));
  const [fileName, setFileName] = useState<string | null>(null);

  const importFile = useMutation({
    mutationFn: async (file: File) => importCalendarHolidays(calendar.id, await file.text()),
    onSuccess: (result) => {
      onImported(result, known.current);
      known.current = new Set(result.calendar.holidays.map(holidayKey));
      void queryClient.invalidateQueries({ queryKey: queryKeys.slaCalendars });
    },
  });

  return (
    <Stack gap="xs">
      <FileInput
        label="Import .ics"
        description="Adds the holidays of an iCalendar file (exported from a calendar app or a public holiday feed). They are saved at once."
        placeholder={fileName ?? 'Choose a file'}
        accept=".ics,text/calendar"
        value={null}
        clearable={false}
        disabled={importFile.isPending}
        fileInputProps={{ 'aria-label': 'iCalendar file' }}
        data-testid="ics-import"
        onChange={(file) => {
          if (!file) return;
          setFileName(file.name);
          importFile.mutate(file);
        }}
      />
      <FormError error={importFile.error} />
      {importFile.data && <ImportOutcome result={importFile.data} />}
    </Stack>
  );
}

function ImportOutcome({ result }: { result: HolidayImportResult }) {
  return (
    <Alert color={result.skipped.length ? 'yellow' : 'teal'} variant="light" data-testid="ics-import-result">
      <Text size="sm">
        {result.added === 0 ? 'No new holidays were added.' : `Added ${result.added} ${result.added === 1 ? 'holiday' : 'holidays'}.`}
        {result.skipped.length > 0 && ` Skipped ${result.skipped.length}:`}
      </Text>
      {result.skipped.length > 0 && (
        <List size="xs" mt={4}>
          {result.skipped.map((entry, index) => (
            <List.Item key={`${entry.uid ?? ''}-${index}`}>
              {entry.summary ?? entry.uid ?? 'An event without a name'} — {entry.reason}
            </List.Item>
          ))}
        </List>
      )}
    </Alert>
  );
}
