// The drill-down of the Back office dashboard: the exact department requests one turnaround count
// counts (GET /api/reports/departments/turnaround/requests), one page at a time, each with its
// case (a link) and its own times and verdict. Same drawer, total and row test ids as the case
// drill-down of drill.tsx, whose sources are cases rather than requests.
import { Alert, Anchor, Drawer, Loader, Pagination, Stack, Table, Text } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { QueryError } from '../components/QueryError';
import { fetchTurnaroundRequests, type TurnaroundDrillItem, type TurnaroundDrillQuery } from '../department-api';
import { formatDateTime } from '../format';
import { queryKeys } from '../query-keys';
import { RequestStatusBadge } from '../requests/request-ui';
import { formatMinutes } from '../sla/sla-format';
import { DRILL_PAGE_SIZE } from './drill';

export type RequestDrillRequest = {
  title: string;
  /** The figure as shown ("3", "40 %"), repeated at the top of the list. */
  figure?: string;
  /** A sentence on what the list holds. */
  note?: string;
  /** How many requests the figure counts: the list's total should be exactly this. */
  expected?: number;
  query: TurnaroundDrillQuery;
};

/** Under the turnaround report's own key, so whatever refreshes the report refreshes its lists. */
const drillKey = (query: TurnaroundDrillQuery, page: number) =>
  [...queryKeys.departmentTurnaround(query.from, query.to), 'requests', query, page] as const;

/** The drawer, and how to open it on a figure's requests. */
export function useRequestDrill(): { open: (request: RequestDrillRequest) => void; drawer: ReactNode } {
  const [request, setRequest] = useState<RequestDrillRequest | null>(null);
  // A new key per opening: the page number starts again at 1 for every figure.
  const [opening, setOpening] = useState(0);
  const open = (next: RequestDrillRequest) => {
    setRequest(next);
    setOpening((n) => n + 1);
  };
  const drawer = (
    <Drawer
      opened={request !== null}
      onClose={() => setRequest(null)}
      position="right"
      size="64rem"
      title={<Text fw={600}>{request?.title}</Text>}
      data-testid="drill-drawer"
    >
      {request && <RequestDrillContent key={opening} request={request} />}
    </Drawer>
  );
  return { open, drawer };
}

function RequestDrillContent({ request }: { request: RequestDrillRequest }) {
  const [page, setPage] = useState(1);
  const result = useQuery({
    queryKey: drillKey(request.query, page),
    placeholderData: keepPreviousData,
    queryFn: () => fetchTurnaroundRequests(request.query, { limit: DRILL_PAGE_SIZE, offset: (page - 1) * DRILL_PAGE_SIZE }),
  });
  const total = result.data?.total;
  const pages = total === undefined ? 1 : Math.max(1, Math.ceil(total / DRILL_PAGE_SIZE));
  return (
    <Stack gap="sm">
      {request.figure !== undefined && (
        <Text size="sm">
          Figure: <b>{request.figure}</b>
        </Text>
      )}
      {request.note && (
        <Text size="sm" c="dimmed">
          {request.note}
        </Text>
      )}
      {result.isPending ? (
        <Loader size="sm" />
      ) : result.isError ? (
        <QueryError error={result.error} onRetry={() => void result.refetch()} />
      ) : (
        <>
          <Text fw={600} data-testid="drill-total" data-total={result.data.total}>
            {result.data.total.toLocaleString()} {result.data.total === 1 ? 'request' : 'requests'}
          </Text>
          {request.expected !== undefined && request.expected !== result.data.total && (
            <Alert color="yellow" data-testid="drill-mismatch">
              The figure counted {request.expected} requests and this list has {result.data.total}: requests changed since the figure was
              loaded.
            </Alert>
          )}
          {result.data.items.length === 0 ? (
            <Text c="dimmed" size="sm">
              No requests.
            </Text>
          ) : (
            <RequestDrillTable items={result.data.items} />
          )}
          {pages > 1 && <Pagination total={pages} value={page} onChange={setPage} size="sm" data-testid="drill-pagination" />}
        </>
      )}
    </Stack>
  );
}

const minutes = (value: number | null) => (value === null ? '—' : formatMinutes(value));

function Verdict({ withinOla }: { withinOla: boolean | null }) {
  if (withinOla === null)
    return (
      <Text size="sm" c="dimmed">
        Not yet due
      </Text>
    );
  return (
    <Text size="sm" fw={500} c={withinOla ? 'teal' : 'red'} style={{ whiteSpace: 'nowrap' }}>
      {withinOla ? 'Within target' : 'Late'}
    </Text>
  );
}

function RequestDrillTable({ items }: { items: TurnaroundDrillItem[] }) {
  // The department is in the title when the figure is one department's.
  const severalDepartments = new Set(items.map((r) => r.departmentId)).size > 1;
  return (
    <Table.ScrollContainer minWidth={720}>
      <Table verticalSpacing={6} highlightOnHover data-testid="drill-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Request and case</Table.Th>
            {severalDepartments && <Table.Th>Department</Table.Th>}
            <Table.Th>Assignee</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Asked</Table.Th>
            <Table.Th>Completed</Table.Th>
            <Table.Th ta="right">First response / completion</Table.Th>
            <Table.Th>Target</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((r) => (
            <Table.Tr key={r.id} data-testid="drill-row" data-request-id={r.id} data-case-id={r.caseId ?? ''}>
              <Table.Td maw={240}>
                <Anchor component={Link} to={`/requests/${r.id}`} size="sm" fw={500}>
                  Request #{r.number}
                </Anchor>
                {r.caseId ? (
                  <Anchor component={Link} to={`/cases/${r.caseId}`} size="xs" lineClamp={1} data-testid="drill-case-link">
                    Case #{r.caseNumber} {r.caseSubject}
                  </Anchor>
                ) : (
                  <Text size="xs" c="dimmed">
                    Case not in your teams
                  </Text>
                )}
              </Table.Td>
              {severalDepartments && (
                <Table.Td>
                  <Text size="sm">{r.departmentName}</Text>
                </Table.Td>
              )}
              <Table.Td>
                <Text size="sm" c={r.assigneeName ? undefined : 'dimmed'}>
                  {r.assigneeName ?? 'Unassigned'}
                </Text>
              </Table.Td>
              <Table.Td miw={130}>
                <RequestStatusBadge status={r.status} />
              </Table.Td>
              <Table.Td>
                <Text size="xs">{formatDateTime(r.createdAt)}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="xs">{formatDateTime(r.completedAt)}</Text>
              </Table.Td>
              <Table.Td ta="right">
                <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                  {minutes(r.firstResponseMinutes)} / {minutes(r.completionMinutes)}
                </Text>
              </Table.Td>
              <Table.Td>
                <Verdict withinOla={r.withinOla} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
