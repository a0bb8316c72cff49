// Coordination (managers, team leaders and other report readers): which cases wait on two or more
// departments at once, which requests are overdue in each department, and each department's
// turnaround over a chosen period — per department and, expanded, per member.
import { Anchor, Badge, Group, Loader, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { QueryError } from '../../components/QueryError';
import { fetchCoordination, fetchTurnaround, type CoordinationView } from '../../department-api';
import { queryKeys } from '../../query-keys';
import { REQUEST_STATUS_LABELS, RequestDue, usePersonNames } from '../../requests/request-ui';
import { TurnaroundTable } from '../../requests/TurnaroundTable';
import { useCan } from '../../session';
import { RequestsHeader } from './RequestsPage';

const REFRESH_MS = 60_000;
const DEFAULT_DAYS = 30;

export function CoordinationPage() {
  const can = useCan();
  if (!can('reports.read')) {
    return (
      <Stack>
        <RequestsHeader />
        <Text c="dimmed">The coordination view is for managers, team leaders and others who read reports.</Text>
      </Stack>
    );
  }
  return (
    <Stack gap="xl">
      <div>
        <RequestsHeader />
        <CoordinationSections />
      </div>
      <TurnaroundSection />
    </Stack>
  );
}

function CoordinationSections() {
  const coordination = useQuery({ queryKey: queryKeys.departmentCoordination, queryFn: fetchCoordination, refetchInterval: REFRESH_MS });
  if (coordination.isPending) return <Loader />;
  if (coordination.isError && !coordination.data)
    return <QueryError error={coordination.error} onRetry={() => void coordination.refetch()} />;
  return (
    <Stack gap="xl">
      <WaitingOnSeveral cases={coordination.data.casesWaitingOnSeveral} />
      <OverdueByDepartment departments={coordination.data.overdueByDepartment} />
    </Stack>
  );
}

function WaitingOnSeveral({ cases }: { cases: CoordinationView['casesWaitingOnSeveral'] }) {
  const can = useCan();
  const canSeeCases = can('cases.work') || can('cases.read_all');
  return (
    <section aria-label="Cases waiting on several departments">
      <Title order={4} mb={4}>
        Cases waiting on several departments
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Longest waiting first. A case that needs two answers is only as quick as the slower one.
      </Text>
      {cases.length === 0 ? (
        <Text c="dimmed">No case is waiting on more than one department.</Text>
      ) : (
        <Table verticalSpacing="sm" data-testid="coordination-cases">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Case</Table.Th>
              <Table.Th>Waiting on</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {cases.map((c) => (
              <Table.Tr key={c.caseId}>
                <Table.Td maw={360}>
                  {canSeeCases ? (
                    <Anchor component={Link} to={`/cases/${c.caseId}`} size="sm" fw={500}>
                      #{c.number} {c.subject}
                    </Anchor>
                  ) : (
                    <Text size="sm" fw={500}>
                      #{c.number} {c.subject}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Stack gap={4}>
                    {c.requests.map((r) => (
                      <Group key={r.requestId} gap="xs" wrap="nowrap">
                        <Anchor component={Link} to={`/requests/${r.requestId}`} size="sm">
                          {r.departmentName}
                        </Anchor>
                        <Badge size="sm" variant="light" color={r.status === 'open' ? 'blue' : 'orange'}>
                          {REQUEST_STATUS_LABELS[r.status]}
                        </Badge>
                        <RequestDue status={r.status} dueAt={r.dueAt} completedAt={null} lateMinutes={r.lateMinutes} size="xs" />
                      </Group>
                    ))}
                  </Stack>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </section>
  );
}

function OverdueByDepartment({ departments }: { departments: CoordinationView['overdueByDepartment'] }) {
  const nameOf = usePersonNames(departments.map((d) => d.departmentId));
  return (
    <section aria-label="Overdue requests by department">
      <Title order={4} mb={4}>
        Overdue requests by department
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Requests past their internal target and still waiting, oldest due first.
      </Text>
      {departments.length === 0 ? (
        <Text c="dimmed">No request is overdue.</Text>
      ) : (
        <Stack gap="md" data-testid="coordination-overdue">
          {departments.map((d) => (
            <Paper key={d.departmentId} withBorder p="sm">
              <Group gap="xs" mb="xs">
                <Text fw={600}>{d.departmentName}</Text>
                <Badge color="red" variant="light">
                  {d.overdue.length} overdue
                </Badge>
              </Group>
              <Table verticalSpacing={4}>
                <Table.Tbody>
                  {d.overdue.map((r) => (
                    <Table.Tr key={r.id}>
                      <Table.Td w={70}>
                        <Anchor component={Link} to={`/requests/${r.id}`} size="sm" fw={600}>
                          #{r.number}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" lineClamp={1}>
                          {r.question}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <RequestDue {...r} size="xs" />
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" c={r.assigneeId ? undefined : 'dimmed'}>
                          {r.assigneeId ? (nameOf(r.assigneeId) ?? 'A colleague') : 'Unassigned'}
                        </Text>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Paper>
          ))}
        </Stack>
      )}
    </section>
  );
}

// --- turnaround -----------------------------------------------------------------------------

/** "2030-01-31" in the viewer's own calendar. */
function localDate(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The period as instants: from the start of the first day to the end of the last, local time. */
function periodOf(from: string, to: string): { from: string; to: string } | null {
  const start = new Date(`${from}T00:00:00`);
  const end = new Date(`${to}T00:00:00`);
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) return null;
  end.setDate(end.getDate() + 1);
  if (!(start < end)) return null;
  return { from: start.toISOString(), to: end.toISOString() };
}

function TurnaroundSection() {
  const [from, setFrom] = useState(() => {
    const d = new Date();
    d.setDate(d.getDate() - DEFAULT_DAYS);
    return localDate(d);
  });
  const [to, setTo] = useState(() => localDate(new Date()));
  const period = periodOf(from, to);
  const report = useQuery({
    queryKey: queryKeys.departmentTurnaround(period?.from ?? '', period?.to ?? ''),
    queryFn: () => fetchTurnaround(period as { from: string; to: string }),
    enabled: period !== null,
  });

  return (
    <section aria-label="Department turnaround">
      <Group justify="space-between" align="flex-end" mb="sm">
        <div>
          <Title order={4}>Turnaround</Title>
          <Text size="sm" c="dimmed">
            Requests asked in the period. Times count the way each request's target does (business hours on the department calendar, or
            calendar time); open and overdue are as of now.
          </Text>
        </div>
        <Group gap="sm" align="flex-end">
          <TextInput type="date" label="From" value={from} onChange={(e) => setFrom(e.currentTarget.value)} max={to} />
          <TextInput
            type="date"
            label="To"
            value={to}
            onChange={(e) => setTo(e.currentTarget.value)}
            min={from}
            error={period === null ? 'Pick a period that ends after it starts' : undefined}
          />
        </Group>
      </Group>
      {period === null ? null : report.isPending ? (
        <Loader />
      ) : report.isError && !report.data ? (
        <QueryError error={report.error} onRetry={() => void report.refetch()} />
      ) : report.data.departments.length === 0 ? (
        <Text c="dimmed">No departments yet.</Text>
      ) : (
        <TurnaroundTable departments={report.data.departments} />
      )}
    </section>
  );
}
