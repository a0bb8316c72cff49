// The drill-down: every figure on the dashboards opens the exact cases it counts in a drawer, one
// page at a time, each linking to its case, with the total (which equals the figure's case count).
// Metric figures come from GET /api/reports/metrics/:metric/cases with the figure's own query and
// group; live counts from the case list or the at-risk report they were counted from.
import { Alert, Anchor, Badge, Button, Drawer, Group, Loader, Pagination, Stack, Table, Text } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { createContext, useContext, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { PRIORITY_COLORS, PRIORITY_LABELS, STATUS_LABELS, CHANNEL_LABELS, labelOf } from '../cases/labels';
import { QueryError } from '../components/QueryError';
import { formatDateTime } from '../format';
import { queryKeys } from '../query-keys';
import {
  fetchCombinedCases,
  listUnassignedOpen,
  type CaseDimensionFilters,
  type DrillPart,
  type MetricId,
  type MetricQuery,
} from '../report-api';
import { listSlaAtRisk } from '../sla-api';
import { formatMinutes } from '../sla/sla-format';
import { useGroupNames } from './format';

export const DRILL_PAGE_SIZE = 25;

export type DrillSource =
  /** The cases behind one metric figure, or several added up. */
  | { kind: 'metric'; parts: DrillPart[] }
  /** Open cases nobody is assigned to, now. */
  | { kind: 'unassigned'; filters: CaseDimensionFilters }
  /** Cases with a running target breached or due within the window, now. */
  | { kind: 'at-risk'; withinMinutes: number; teamId?: string };

export type DrillRequest = {
  title: string;
  /** The figure as shown ("12", "93.5 %"), repeated at the top of the list. */
  figure?: string;
  /** A sentence on what the list holds, when the title alone does not say it. */
  note?: string;
  /** How many cases the figure counts: the list's total should be exactly this. */
  expected?: number;
  source: DrillSource;
};

const DrillContext = createContext<(request: DrillRequest) => void>(() => undefined);

/** Opens the drill-down drawer. */
export function useDrill(): (request: DrillRequest) => void {
  return useContext(DrillContext);
}

/** One drill part: a metric's query and the group of the row. */
export function drillPart(metric: MetricId, query: MetricQuery, group: string): DrillPart {
  return { metric, query, group };
}

export function DrillProvider({ children }: { children: ReactNode }) {
  const [request, setRequest] = useState<DrillRequest | null>(null);
  // A new key per opening: the page number starts again at 1 for every figure.
  const [opening, setOpening] = useState(0);
  const open = (next: DrillRequest) => {
    setRequest(next);
    setOpening((n) => n + 1);
  };
  return (
    <DrillContext.Provider value={open}>
      {children}
      <Drawer
        opened={request !== null}
        onClose={() => setRequest(null)}
        position="right"
        size="xl"
        title={<Text fw={600}>{request?.title}</Text>}
        data-testid="drill-drawer"
      >
        {request && <DrillContent key={opening} request={request} />}
      </Drawer>
    </DrillContext.Provider>
  );
}

type Row = {
  id: string;
  number: number;
  subject: string;
  status: string;
  priority: string;
  channel: string;
  teamId: string | null;
  assigneeId: string | null;
  countedAt: string | null;
  value: number | null;
};

type Loaded = { total: number; rows: Row[]; hasNext: boolean };

function DrillContent({ request }: { request: DrillRequest }) {
  const { source } = request;
  const [page, setPage] = useState(1);
  // Cursor pages (the case list): the cursor of each page reached so far.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);

  const result = useQuery({
    queryKey: queryKeys.reportDrill(source, page),
    placeholderData: keepPreviousData,
    queryFn: async (): Promise<Loaded & { nextCursor?: string | null }> => {
      if (source.kind === 'metric') {
        const data = await fetchCombinedCases(source.parts, { limit: DRILL_PAGE_SIZE, offset: (page - 1) * DRILL_PAGE_SIZE });
        return { total: data.total, rows: data.items, hasNext: page * DRILL_PAGE_SIZE < data.total };
      }
      if (source.kind === 'unassigned') {
        const data = await listUnassignedOpen(source.filters, cursors[page - 1], DRILL_PAGE_SIZE);
        const rows = data.items.map((c) => ({ ...c, countedAt: c.createdAt, value: null }));
        return { total: data.total ?? rows.length, rows, hasNext: data.nextCursor !== null, nextCursor: data.nextCursor };
      }
      const items = await listSlaAtRisk({ withinMinutes: source.withinMinutes, teamId: source.teamId });
      const seen = new Map<string, Row>();
      for (const item of items) {
        if (seen.has(item.caseId)) continue;
        seen.set(item.caseId, {
          id: item.caseId,
          number: item.number,
          subject: item.subject,
          status: item.status,
          priority: item.priority,
          channel: '',
          teamId: item.teamId,
          assigneeId: item.assigneeId,
          countedAt: item.dueAt,
          value: item.minutesUntilDue,
        });
      }
      const all = [...seen.values()];
      const start = (page - 1) * DRILL_PAGE_SIZE;
      return { total: all.length, rows: all.slice(start, start + DRILL_PAGE_SIZE), hasNext: start + DRILL_PAGE_SIZE < all.length };
    },
  });

  const goNext = () => {
    const next = result.data?.nextCursor;
    if (source.kind === 'unassigned' && next) setCursors((old) => [...old.slice(0, page), next]);
    setPage(page + 1);
  };

  const total = result.data?.total;
  const pages = total === undefined ? 1 : Math.max(1, Math.ceil(total / DRILL_PAGE_SIZE));
  const metric = source.kind === 'metric' ? source.parts[0]?.metric : undefined;

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
          <Group justify="space-between">
            <Text fw={600} data-testid="drill-total" data-total={result.data.total}>
              {result.data.total.toLocaleString()} {result.data.total === 1 ? 'case' : 'cases'}
            </Text>
            {source.kind === 'metric' && source.parts.length === 1 && <ExportLink part={source.parts[0]!} />}
          </Group>
          {request.expected !== undefined && request.expected !== result.data.total && (
            <Alert color="yellow" data-testid="drill-mismatch">
              The figure counted {request.expected} cases and this list has {result.data.total}: cases changed since the figure was loaded.
            </Alert>
          )}
          {result.data.rows.length === 0 ? (
            <Text c="dimmed" size="sm">
              No cases.
            </Text>
          ) : (
            <DrillTable rows={result.data.rows} metric={metric} atRisk={source.kind === 'at-risk'} />
          )}
          {source.kind === 'unassigned' ? (
            <Group justify="flex-end" gap="xs">
              <Button size="xs" variant="default" disabled={page === 1} onClick={() => setPage(page - 1)}>
                Previous
              </Button>
              <Text size="sm">
                Page {page} of {pages}
              </Text>
              <Button size="xs" variant="default" disabled={!result.data.hasNext} onClick={goNext}>
                Next
              </Button>
            </Group>
          ) : (
            pages > 1 && <Pagination total={pages} value={page} onChange={setPage} size="sm" data-testid="drill-pagination" />
          )}
        </>
      )}
    </Stack>
  );
}

/** The column a metric's own per-case value goes in, and how to say it. */
const VALUE_COLUMNS: Partial<Record<MetricId, { header: string; format: (value: number) => string }>> = {
  first_reply_time: { header: 'First reply', format: formatMinutes },
  resolution_time: { header: 'Resolution', format: formatMinutes },
  replies_per_case: { header: 'Replies', format: (v) => String(v) },
  reopen_rate: { header: 'Reopened', format: (v) => (v ? 'Yes' : 'No') },
  one_touch_rate: { header: 'One touch', format: (v) => (v ? 'Yes' : 'No') },
  sla_attainment: { header: 'On time', format: (v) => (v ? 'Met' : 'Missed') },
  escalation_rate: { header: 'Escalated', format: (v) => (v ? 'Yes' : 'No') },
};

const COUNTED_AT: Partial<Record<MetricId, string>> = {
  created: 'Created',
  backlog: 'Open at',
  first_reply_time: 'First replied',
  sla_attainment: 'Due',
  escalation_rate: 'Created',
};

function DrillTable({ rows, metric, atRisk }: { rows: Row[]; metric?: MetricId; atRisk: boolean }) {
  const name = useGroupNames();
  const valueColumn = metric ? VALUE_COLUMNS[metric] : undefined;
  const countedHeader = atRisk ? 'Due' : metric ? (COUNTED_AT[metric] ?? 'Solved') : 'Created';
  return (
    <Table.ScrollContainer minWidth={720}>
      <Table verticalSpacing={6} highlightOnHover data-testid="drill-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Case</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Priority</Table.Th>
            {!atRisk && <Table.Th>Channel</Table.Th>}
            <Table.Th>Team</Table.Th>
            <Table.Th>Assignee</Table.Th>
            <Table.Th>{countedHeader}</Table.Th>
            {valueColumn && <Table.Th ta="right">{valueColumn.header}</Table.Th>}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row) => (
            <Table.Tr key={row.id} data-testid="drill-row" data-case-id={row.id}>
              <Table.Td maw={300}>
                <Anchor component={Link} to={`/cases/${row.id}`} size="sm" lineClamp={1}>
                  #{row.number} {row.subject}
                </Anchor>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{labelOf(STATUS_LABELS, row.status)}</Text>
              </Table.Td>
              <Table.Td>
                <Badge size="xs" variant="light" color={PRIORITY_COLORS[row.priority as keyof typeof PRIORITY_COLORS] ?? 'gray'}>
                  {labelOf(PRIORITY_LABELS, row.priority)}
                </Badge>
              </Table.Td>
              {!atRisk && (
                <Table.Td>
                  <Text size="sm">{labelOf(CHANNEL_LABELS, row.channel)}</Text>
                </Table.Td>
              )}
              <Table.Td>
                <Text size="sm">{name('team', row.teamId ?? 'none')}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{name('agent', row.assigneeId ?? 'none')}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" c={atRisk && row.value !== null && row.value < 0 ? 'red' : undefined}>
                  {formatDateTime(row.countedAt)}
                </Text>
              </Table.Td>
              {valueColumn && (
                <Table.Td ta="right">
                  <Text size="sm">{row.value === null ? '—' : valueColumn.format(row.value)}</Text>
                </Table.Td>
              )}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** The same cases as a CSV file (the server streams every page). */
function ExportLink({ part }: { part: DrillPart }) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(part.query)) if (value) params.set(key, String(value));
  params.set('group', part.group);
  params.set('format', 'csv');
  return (
    <Anchor size="sm" href={`/api/reports/metrics/${encodeURIComponent(part.metric)}/cases/export?${params.toString()}`}>
      Download CSV
    </Anchor>
  );
}
