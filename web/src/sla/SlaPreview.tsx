// The live preview on the calendar and policy forms: for a start instant (now by default), when
// each target would fall due under the calendar being edited, as the server computes it
// (POST /api/sla/preview). It follows every edit of the form, a moment after typing stops.
import { Alert, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { apiRequest, describeError } from '../api';
import type { Holiday, OpeningInterval, Weekday } from '../api-types';
import { formatRelative } from '../format';
import { targetLabel } from './sla-format';

export type PreviewCalendar = { timeZone: string; weekly: Partial<Record<Weekday, OpeningInterval[]>>; holidays: Holiday[] };
export type PreviewTargets = Record<string, { minutes: number; businessHours: boolean }>;

/** "2026-11-23T09:30" in the browser's zone for a datetime-local input. */
function localInputValue(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function inZone(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat(undefined, {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(iso));
}

export function SlaPreview({
  calendar,
  targets,
  title = 'Preview',
}: {
  calendar: PreviewCalendar | null;
  targets: PreviewTargets;
  title?: string;
}) {
  const [start, setStart] = useState(() => localInputValue(new Date()));
  const startDate = new Date(start);
  // Only the fields the preview takes: a stored calendar also carries its id, name and times.
  const body =
    calendar && Object.keys(targets).length > 0 && !Number.isNaN(startDate.getTime())
      ? {
          calendar: { timeZone: calendar.timeZone, weekly: calendar.weekly, holidays: calendar.holidays },
          start: startDate.toISOString(),
          targets,
        }
      : null;
  const [debounced] = useDebouncedValue(body, 400);
  const preview = useQuery({
    queryKey: ['sla-preview', JSON.stringify(debounced)],
    queryFn: () => apiRequest<{ due: Record<string, string> }>('/api/sla/preview', { method: 'POST', body: debounced }),
    enabled: debounced !== null,
    placeholderData: keepPreviousData,
    retry: false,
  });
  return (
    <Stack gap="xs" data-testid="sla-preview">
      <Title order={5}>{title}</Title>
      <Group align="end">
        <TextInput
          type="datetime-local"
          label="A case opened at"
          description="Your own time zone"
          value={start}
          onChange={(event) => setStart(event.currentTarget.value)}
        />
      </Group>
      {!body && (
        <Text c="dimmed" size="sm">
          Choose a calendar and at least one target to see when it would be due.
        </Text>
      )}
      {body && preview.isError && (
        <Alert color="red" title="Cannot compute the due times">
          {describeError(preview.error)}
        </Alert>
      )}
      {body && preview.data && (
        <Table withTableBorder>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Target</Table.Th>
              <Table.Th>Due ({calendar!.timeZone})</Table.Th>
              <Table.Th>From now</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {Object.entries(preview.data.due).map(([name, due]) => (
              <Table.Tr key={name} data-testid={`sla-preview-${name}`}>
                <Table.Td>{targetLabel(name)}</Table.Td>
                <Table.Td>{inZone(due, calendar!.timeZone)}</Table.Td>
                <Table.Td>{formatRelative(due)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
