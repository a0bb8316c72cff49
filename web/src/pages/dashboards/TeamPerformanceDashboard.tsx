// Dashboards → Team performance: solved, first reply and resolution times, reopen and one-touch
// rates and replies per case over the period — as headline figures (with their change when
// comparing), solved per team as a chart, and per team and per agent as tables whose every cell
// opens the cases it counts.
import { Paper, SimpleGrid, Stack, Table, Text, Title, UnstyledButton, Loader } from '@mantine/core';
import { useQueries } from '@tanstack/react-query';
import { QueryError } from '../../components/QueryError';
import { ChartPanel, type ChartSeries } from '../../dashboards/ChartPanel';
import { drillPart, useDrill } from '../../dashboards/drill';
import { MetricFigure, REFRESH_MS } from '../../dashboards/Figure';
import { useDashboardPeriod, type DashboardPeriod, type Period } from '../../dashboards/filters';
import { formatValue, useGroupNames, type Better } from '../../dashboards/format';
import { queryKeys } from '../../query-keys';
import { METRICS, fetchMetric, type MetricId, type MetricQuery, type MetricRow } from '../../report-api';

const COLUMNS: { metric: MetricId; label: string; better: Better; description: string }[] = [
  { metric: 'solved', label: 'Solved', better: 'higher', description: 'Cases whose final solve falls in the period.' },
  {
    metric: 'first_reply_time',
    label: 'First reply time',
    better: 'lower',
    description: 'Mean time to the first public reply, for cases first answered in the period (business time where an SLA applies).',
  },
  {
    metric: 'resolution_time',
    label: 'Resolution time',
    better: 'lower',
    description: 'Mean time from creation to the final solve, for cases solved in the period (business time where an SLA applies).',
  },
  { metric: 'reopen_rate', label: 'Reopen rate', better: 'lower', description: 'Solved cases that were reopened at least once.' },
  { metric: 'one_touch_rate', label: 'One-touch rate', better: 'higher', description: 'Solved cases with exactly one public reply.' },
  { metric: 'replies_per_case', label: 'Replies per case', better: 'lower', description: 'Mean public replies per solved case.' },
];

export function TeamPerformanceDashboard() {
  const state = useDashboardPeriod();
  if (!state.period) return <Text c="dimmed">Pick a period to see performance.</Text>;
  return (
    <Stack gap="xl">
      <SimpleGrid cols={{ base: 1, xs: 2, md: 3, xl: 6 }}>
        {COLUMNS.map((c) => (
          <MetricFigure
            key={c.metric}
            testId={`figure-${c.metric}`}
            label={c.label}
            metric={c.metric}
            query={state.dims}
            period={state.period!}
            previous={state.previous}
            better={c.better}
            description={c.description}
          />
        ))}
      </SimpleGrid>
      <SolvedByTeam state={state} period={state.period} />
      <PerformanceTable state={state} period={state.period} groupBy="team" />
      <PerformanceTable state={state} period={state.period} groupBy="agent" />
    </Stack>
  );
}

/** Every column's metric grouped by team or agent, one query each. */
function usePerformance(state: DashboardPeriod, period: Period, groupBy: 'team' | 'agent') {
  const queries = COLUMNS.map((): MetricQuery => ({ ...state.dims, from: period.from, to: period.to, groupBy }));
  const results = useQueries({
    queries: COLUMNS.map((c, i) => ({
      queryKey: queryKeys.reportMetric(c.metric, queries[i]!),
      queryFn: () => fetchMetric(c.metric, queries[i]!),
      refetchInterval: REFRESH_MS,
    })),
  });
  const failed = results.find((r) => r.isError);
  return {
    queries,
    rows: results.map((r) => r.data?.rows ?? []),
    loading: results.some((r) => r.isPending),
    error: failed?.error,
    retry: () => void failed?.refetch(),
  };
}

function SolvedByTeam({ state, period }: { state: DashboardPeriod; period: Period }) {
  const drill = useDrill();
  const name = useGroupNames();
  const data = usePerformance(state, period, 'team');
  const solved = [...(data.rows[0] ?? [])].sort((a, b) => name('team', a.group).localeCompare(name('team', b.group)));
  const series: ChartSeries[] = [
    {
      name: 'Solved',
      type: 'bar',
      cells: solved.map((row) => ({
        value: row.value,
        cases: row.cases,
        open: () =>
          drill({
            title: `Solved, ${name('team', row.group)}`,
            figure: formatValue('cases', row.value),
            expected: row.cases,
            source: { kind: 'metric', parts: [drillPart('solved', data.queries[0]!, row.group)] },
          }),
      })),
    },
  ];
  return (
    <ChartPanel
      testId="solved-by-team"
      title="Solved per team"
      description="Cases whose final solve falls in the period, by the team they belong to now."
      categories={solved.map((row) => name('team', row.group))}
      categoryHeader="Team"
      series={series}
      unit="cases"
      height={240}
      loading={data.loading}
      error={data.error}
      onRetry={data.retry}
      empty="No case was solved in this period."
    />
  );
}

function PerformanceTable({ state, period, groupBy }: { state: DashboardPeriod; period: Period; groupBy: 'team' | 'agent' }) {
  const drill = useDrill();
  const name = useGroupNames();
  const data = usePerformance(state, period, groupBy);
  const byGroup = (i: number) => new Map((data.rows[i] ?? []).map((r) => [r.group, r]));
  const maps = COLUMNS.map((_, i) => byGroup(i));
  const groups = [...new Set(data.rows.flatMap((rows) => rows.map((r) => r.group)))];
  // Most solved first, then by name.
  groups.sort((a, b) => (maps[0]!.get(b)?.cases ?? 0) - (maps[0]!.get(a)?.cases ?? 0) || name(groupBy, a).localeCompare(name(groupBy, b)));
  const title = groupBy === 'team' ? 'Per team' : 'Per agent';

  const open = (column: (typeof COLUMNS)[number], i: number, row: MetricRow) =>
    drill({
      title: `${column.label}, ${name(groupBy, row.group)}`,
      figure: formatValue(METRICS[column.metric].unit, row.value),
      expected: row.cases,
      note: METRICS[column.metric].unit === 'cases' ? undefined : `The ${row.cases} cases the figure is computed from.`,
      source: { kind: 'metric', parts: [drillPart(column.metric, data.queries[i]!, row.group)] },
    });

  return (
    <Paper withBorder p="md" radius="md" data-testid={`performance-${groupBy}`}>
      <Title order={5}>{title}</Title>
      <Text size="xs" c="dimmed" mb="sm">
        {groupBy === 'team' ? 'By the team each case belongs to now.' : 'By the agent each case is assigned to now.'} Small figures under a
        value: how many cases it is computed from.
      </Text>
      {data.loading ? (
        <Loader size="sm" />
      ) : data.error ? (
        <QueryError error={data.error} onRetry={data.retry} />
      ) : groups.length === 0 ? (
        <Text c="dimmed" size="sm">
          Nothing was solved or answered in this period.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={860}>
          <Table verticalSpacing="xs" highlightOnHover fz="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{groupBy === 'team' ? 'Team' : 'Agent'}</Table.Th>
                {COLUMNS.map((c) => (
                  <Table.Th key={c.metric} ta="right" title={c.description}>
                    {c.label}
                  </Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {groups.map((group) => (
                <Table.Tr key={group} data-testid="performance-row" data-group={group}>
                  <Table.Th scope="row" fw={500}>
                    {name(groupBy, group)}
                  </Table.Th>
                  {COLUMNS.map((c, i) => {
                    const row = maps[i]!.get(group);
                    return (
                      <Table.Td key={c.metric} ta="right">
                        {row ? (
                          <UnstyledButton
                            onClick={() => open(c, i, row)}
                            ta="right"
                            data-testid="performance-cell"
                            data-metric={c.metric}
                            data-cases={row.cases}
                            aria-label={`${c.label}, ${name(groupBy, group)}: ${formatValue(METRICS[c.metric].unit, row.value)} from ${row.cases} cases. Show the cases`}
                          >
                            <Text span size="sm" c="blue" td="underline">
                              {formatValue(METRICS[c.metric].unit, row.value)}
                            </Text>
                            {METRICS[c.metric].unit !== 'cases' && (
                              <Text size="xs" c="dimmed">
                                {row.cases}
                              </Text>
                            )}
                          </UnstyledButton>
                        ) : (
                          <Text span c="dimmed">
                            —
                          </Text>
                        )}
                      </Table.Td>
                    );
                  })}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Paper>
  );
}
