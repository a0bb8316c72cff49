// A department's service terms, in its drawer under Settings → Departments: the business calendar
// its internal targets count on, and the targets (OLAs) per request type, `*` being the default
// for any other type. Without any, a request is due in one working day (480 business minutes).
import { ActionIcon, Button, Group, Loader, NumberInput, Select, Stack, Switch, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { FormError } from '../../components/FormError';
import { QueryError } from '../../components/QueryError';
import { fetchDepartmentService, saveDepartmentService, type DepartmentService, type Ola } from '../../department-api';
import { notifySuccess } from '../../notify';
import { queryKeys } from '../../query-keys';
import { requestTypeLabel } from '../../requests/request-ui';
import { useCan } from '../../session';
import { listSlaCalendars } from '../../sla-api';
import { formatMinutes } from '../../sla/sla-format';

const REQUEST_TYPE = /^[a-z][a-z0-9_]{0,49}$/;

export function DepartmentServiceSection({ departmentId, canManage }: { departmentId: string; canManage: boolean }) {
  const service = useQuery({ queryKey: queryKeys.departmentService(departmentId), queryFn: () => fetchDepartmentService(departmentId) });

  return (
    <section aria-label="Service terms" data-testid="department-service">
      <Title order={5} mb={4}>
        Service terms
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        How quickly the department answers the front line. Each request is due by the target for its type (or the default, “*”), counted on
        the calendar; with no target it is due in one working day.
      </Text>
      {service.isPending ? (
        <Loader size="sm" />
      ) : service.isError ? (
        <QueryError error={service.error} onRetry={() => void service.refetch()} />
      ) : canManage ? (
        <ServiceForm key={JSON.stringify(service.data)} departmentId={departmentId} service={service.data} />
      ) : (
        <ServiceSummary service={service.data} />
      )}
    </section>
  );
}

function useCalendars() {
  const can = useCan();
  // Calendars are readable by case workers and report readers; anyone else sees the id only.
  return useQuery({
    queryKey: queryKeys.slaCalendars,
    queryFn: listSlaCalendars,
    enabled: can('cases.work') || can('reports.read') || can('cases.read_all'),
  });
}

function ServiceSummary({ service }: { service: DepartmentService }) {
  const calendars = useCalendars();
  const calendar = service.calendarId ? (calendars.data?.find((c) => c.id === service.calendarId)?.name ?? 'A business calendar') : null;
  return (
    <Stack gap="xs">
      <Text size="sm">Calendar: {calendar ?? 'none (targets count calendar time)'}</Text>
      {service.olas.length === 0 ? (
        <Text size="sm" c="dimmed">
          No internal targets: requests are due in one working day.
        </Text>
      ) : (
        service.olas.map((ola) => (
          <Text size="sm" key={ola.requestType}>
            {requestTypeLabel(ola.requestType)}: {formatMinutes(ola.minutes)}
            {ola.businessHours ? ' (business hours)' : ''}
          </Text>
        ))
      )}
    </Stack>
  );
}

type Row = { key: number; requestType: string; minutes: number | ''; businessHours: boolean };

let nextKey = 1;
const toRow = (ola: Ola): Row => ({ key: nextKey++, ...ola });

function rowError(row: Row, rows: Row[]): string | undefined {
  const type = row.requestType.trim();
  if (!type) return 'Required';
  if (type !== '*' && !REQUEST_TYPE.test(type)) return 'Lower-case letters, digits and _ (or * for the default)';
  if (rows.filter((r) => r.requestType.trim() === type).length > 1) return 'Each type once';
  return undefined;
}

function ServiceForm({ departmentId, service }: { departmentId: string; service: DepartmentService }) {
  const queryClient = useQueryClient();
  const calendars = useCalendars();
  const [calendarId, setCalendarId] = useState<string | null>(service.calendarId);
  const [rows, setRows] = useState<Row[]>(() => service.olas.map(toRow));

  const save = useMutation({
    mutationFn: (input: DepartmentService) => saveDepartmentService(departmentId, input),
    onSuccess: (saved) => {
      queryClient.setQueryData(queryKeys.departmentService(departmentId), saved);
      notifySuccess('Service terms saved. New requests get the new targets; earlier ones keep their due times.');
    },
  });

  const update = (key: number, change: Partial<Row>) => setRows((old) => old.map((r) => (r.key === key ? { ...r, ...change } : r)));
  const invalid = rows.some((r) => rowError(r, rows) || r.minutes === '' || r.minutes < 1);

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (invalid) return;
    save.mutate({
      calendarId,
      olas: rows.map((r) => ({ requestType: r.requestType.trim(), minutes: Number(r.minutes), businessHours: r.businessHours })),
    });
  }

  const calendarOptions = (calendars.data ?? []).map((c) => ({ value: c.id, label: `${c.name} (${c.timeZone})` }));
  if (calendarId && !calendarOptions.some((o) => o.value === calendarId))
    calendarOptions.push({ value: calendarId, label: 'Current calendar' });

  return (
    <form onSubmit={handleSubmit}>
      <Stack gap="sm">
        <Select
          label="Business calendar"
          description="Business-hours targets count only its opening hours. Without one, targets count calendar time."
          placeholder={calendars.isPending ? 'Loading calendars…' : 'None: calendar time'}
          data={calendarOptions}
          value={calendarId}
          onChange={setCalendarId}
          clearable
          nothingFoundMessage="No calendars yet (Settings → Service standards)"
        />
        <Text size="sm" fw={500}>
          Internal targets
        </Text>
        {rows.length === 0 ? (
          <Text size="sm" c="dimmed">
            None: every request is due in one working day.
          </Text>
        ) : (
          <Table verticalSpacing={4} data-testid="ola-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Request type</Table.Th>
                <Table.Th w={130}>Minutes</Table.Th>
                <Table.Th w={110}>Business hours</Table.Th>
                <Table.Th w={40} aria-label="Remove" />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((row, index) => (
                <Table.Tr key={row.key} data-testid="ola-row">
                  <Table.Td>
                    <TextInput
                      size="xs"
                      aria-label={`Request type ${index + 1}`}
                      placeholder="refund_approval, or * for any other"
                      value={row.requestType}
                      onChange={(event) => update(row.key, { requestType: event.currentTarget.value })}
                      error={row.requestType ? rowError(row, rows) : undefined}
                    />
                  </Table.Td>
                  <Table.Td>
                    <NumberInput
                      size="xs"
                      aria-label={`Minutes ${index + 1}`}
                      min={1}
                      max={525_600}
                      allowDecimal={false}
                      value={row.minutes}
                      onChange={(value) => update(row.key, { minutes: typeof value === 'number' ? value : '' })}
                      description={typeof row.minutes === 'number' && row.minutes >= 60 ? formatMinutes(row.minutes) : undefined}
                    />
                  </Table.Td>
                  <Table.Td>
                    <Switch
                      aria-label={`Business hours ${index + 1}`}
                      checked={row.businessHours}
                      onChange={(event) => update(row.key, { businessHours: event.currentTarget.checked })}
                    />
                  </Table.Td>
                  <Table.Td>
                    <ActionIcon
                      variant="subtle"
                      color="red"
                      aria-label={`Remove target ${index + 1}`}
                      onClick={() => setRows((old) => old.filter((r) => r.key !== row.key))}
                    >
                      ×
                    </ActionIcon>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        <Group justify="space-between">
          <Button
            size="xs"
            variant="light"
            onClick={() =>
              setRows((old) => [
                ...old,
                toRow({ requestType: old.some((r) => r.requestType.trim() === '*') ? '' : '*', minutes: 480, businessHours: true }),
              ])
            }
          >
            Add target
          </Button>
          <Button type="submit" size="xs" loading={save.isPending} disabled={invalid}>
            Save service terms
          </Button>
        </Group>
        <FormError error={save.error} />
      </Stack>
    </form>
  );
}
