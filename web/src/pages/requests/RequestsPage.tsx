// Requests: the back office's queue of questions from the front line (its departments' requests,
// open first by due time), filtered by department, status, "mine" and "overdue"; managers and
// team leaders also get the coordination view on a second tab.
import { Anchor, Group, Loader, Select, Stack, Switch, Table, Tabs, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useLocation, useNavigate, useSearchParams } from 'react-router';
import { PageHeader } from '../../components/PageHeader';
import { QueryError } from '../../components/QueryError';
import { listDepartmentRequests, type DepartmentRequest, type RequestFilters } from '../../department-api';
import { queryKeys } from '../../query-keys';
import { RequestDue, RequestStatusBadge, requestTypeLabel, useDepartments, usePersonNames } from '../../requests/request-ui';
import { useCan } from '../../session';

/** Queues move with time (due, late) as well as with changes: read them again this often. */
const REFRESH_MS = 30_000;

const STATUS_FILTERS: { value: string; label: string; statuses: string }[] = [
  { value: 'waiting', label: 'Waiting (open or needing clarification)', statuses: 'open,clarification_requested' },
  { value: 'open', label: 'Open', statuses: 'open' },
  { value: 'clarification_requested', label: 'Needs clarification', statuses: 'clarification_requested' },
  { value: 'answered', label: 'Answered', statuses: 'answered' },
  { value: 'declined', label: 'Declined', statuses: 'declined' },
  { value: 'cancelled', label: 'Cancelled', statuses: 'cancelled' },
  { value: 'all', label: 'All', statuses: '' },
];

/** The Queue / Coordination tabs, the second only for those who read reports. */
export function RequestsHeader() {
  const can = useCan();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const current = pathname.startsWith('/requests/coordination') ? 'coordination' : 'queue';
  return (
    <>
      <PageHeader
        title="Department requests"
        description="Questions the front line asked other departments about its cases, each due by the department's internal target."
      />
      {can('reports.read') && (
        <Tabs
          value={current}
          onChange={(value) => void navigate(value === 'coordination' ? '/requests/coordination' : '/requests')}
          mb="lg"
        >
          <Tabs.List>
            <Tabs.Tab value="queue">Queue</Tabs.Tab>
            <Tabs.Tab value="coordination">Coordination</Tabs.Tab>
          </Tabs.List>
        </Tabs>
      )}
    </>
  );
}

export function RequestsPage() {
  const [params, setParams] = useSearchParams();
  const departments = useDepartments();
  const statusValue = params.get('status') ?? 'waiting';
  const filters: RequestFilters = {
    departmentId: params.get('department') ?? undefined,
    status: STATUS_FILTERS.find((f) => f.value === statusValue)?.statuses || undefined,
    mine: params.get('mine') === '1',
    overdue: params.get('overdue') === '1',
  };
  const requests = useQuery({
    queryKey: queryKeys.departmentRequestList(filters),
    queryFn: () => listDepartmentRequests(filters),
    refetchInterval: REFRESH_MS,
  });

  const setParam = (key: string, value: string | null) =>
    setParams(
      (old) => {
        const next = new URLSearchParams(old);
        if (value === null || value === '') next.delete(key);
        else next.set(key, value);
        return next;
      },
      { replace: true },
    );

  return (
    <Stack gap="md">
      <RequestsHeader />
      <Group align="flex-end" gap="md" data-testid="request-filters">
        <Select
          label="Department"
          placeholder="All departments"
          data={(departments.data ?? []).map((d) => ({ value: d.id, label: d.name }))}
          value={filters.departmentId ?? null}
          onChange={(value) => setParam('department', value)}
          clearable
          searchable
          w={220}
        />
        <Select
          label="Status"
          data={STATUS_FILTERS.map(({ value, label }) => ({ value, label }))}
          value={statusValue}
          onChange={(value) => setParam('status', value === 'waiting' ? null : value)}
          allowDeselect={false}
          w={300}
        />
        <Switch
          label="Assigned to me"
          checked={filters.mine}
          onChange={(e) => setParam('mine', e.currentTarget.checked ? '1' : null)}
          mb={8}
        />
        <Switch
          label="Overdue only"
          checked={filters.overdue}
          onChange={(e) => setParam('overdue', e.currentTarget.checked ? '1' : null)}
          mb={8}
        />
      </Group>
      {requests.isPending ? (
        <Loader />
      ) : requests.isError && !requests.data ? (
        <QueryError error={requests.error} onRetry={() => void requests.refetch()} />
      ) : (
        <RequestTable requests={requests.data} />
      )}
    </Stack>
  );
}

function RequestTable({ requests }: { requests: DepartmentRequest[] }) {
  const nameOf = usePersonNames(requests.map((r) => r.departmentId));
  if (requests.length === 0) {
    return (
      <Text c="dimmed" data-testid="request-queue-empty">
        No requests match these filters.
      </Text>
    );
  }
  return (
    <Table.ScrollContainer minWidth={900}>
      <Table verticalSpacing="sm" highlightOnHover data-testid="request-queue">
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={70}>#</Table.Th>
            <Table.Th>Department</Table.Th>
            <Table.Th>Question</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Due</Table.Th>
            <Table.Th>Assignee</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {requests.map((request) => (
            <Table.Tr key={request.id} data-testid="request-row" data-request-id={request.id} data-status={request.status}>
              <Table.Td>
                <Anchor component={Link} to={`/requests/${request.id}`} fw={600}>
                  #{request.number}
                </Anchor>
              </Table.Td>
              <Table.Td>{request.departmentName}</Table.Td>
              <Table.Td maw={420}>
                <Anchor component={Link} to={`/requests/${request.id}`} c="inherit" size="sm" lineClamp={2}>
                  {request.question}
                </Anchor>
                {request.requestType !== 'general' && (
                  <Text size="xs" c="dimmed">
                    {requestTypeLabel(request.requestType)}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <RequestStatusBadge status={request.status} />
              </Table.Td>
              <Table.Td>
                <RequestDue {...request} />
              </Table.Td>
              <Table.Td>
                {request.assigneeId ? (
                  <Text size="sm">{nameOf(request.assigneeId) ?? 'A colleague'}</Text>
                ) : (
                  <Text size="sm" c="dimmed">
                    Unassigned
                  </Text>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
