// Dashboards → Back office: how the other departments answer the front line's requests over the
// period (GET /api/reports/departments/turnaround): the share within each department's internal
// target (OLA) as a chart, and the turnaround table per department and member. Every figure (a
// bar, a data-table cell, a table cell) opens the exact requests it counts, each linking to its
// case (GET /api/reports/departments/turnaround/requests); a department's name opens its queue.
import { Loader, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { QueryError } from '../../components/QueryError';
import { ChartPanel, type ChartSeries } from '../../dashboards/ChartPanel';
import { REFRESH_MS } from '../../dashboards/Figure';
import { useDashboardPeriod, type Period } from '../../dashboards/filters';
import { useRequestDrill, type RequestDrillRequest } from '../../dashboards/RequestDrill';
import { TurnaroundTable, type TurnaroundFigureClick } from '../../requests/TurnaroundTable';
import { fetchTurnaround, type TurnaroundOutcome } from '../../department-api';
import { queryKeys } from '../../query-keys';

/** A department's request queue, every status. */
const queueOf = (departmentId: string) => `/requests?department=${encodeURIComponent(departmentId)}&status=all`;

/** What each count's list holds, said above it. */
const OUTCOME_NOTES: Record<TurnaroundOutcome, string> = {
  requests: 'Requests asked in the period, cancelled ones left out.',
  responded: 'The requests the first-response times are taken over: asked in the period and responded to (answer, question or decline).',
  completed: 'Requests asked in the period and answered or declined: what the completion times are taken over.',
  answered: 'Requests asked in the period and answered.',
  declined: 'Requests asked in the period and declined.',
  judged:
    'What the share within target is out of: requests asked in the period and completed, or still open past their due time. Each says whether it made its target.',
  within_ola: 'Requests asked in the period and completed by their due time.',
  late: 'Requests asked in the period and completed after their due time, or still open past it.',
  open_now: 'Requests open or waiting on a clarification now, whenever they were asked.',
  overdue_now: 'Requests open or waiting on a clarification now and past their due time, whenever they were asked.',
};

function drillOf(period: Period, click: TurnaroundFigureClick): RequestDrillRequest {
  return {
    title: `${click.label}: ${click.who}`,
    figure: click.text,
    note: OUTCOME_NOTES[click.outcome],
    expected: click.count,
    query: { from: period.from, to: period.to, departmentId: click.departmentId, memberId: click.memberId, outcome: click.outcome },
  };
}

export function BackOfficeDashboard() {
  const { period } = useDashboardPeriod();
  const drill = useRequestDrill();
  const report = useQuery({
    queryKey: queryKeys.departmentTurnaround(period?.from ?? '', period?.to ?? ''),
    queryFn: () => fetchTurnaround({ from: period!.from, to: period!.to }),
    enabled: period !== null,
    refetchInterval: REFRESH_MS,
  });
  if (!period) return <Text c="dimmed">Pick a period to see turnaround.</Text>;
  if (report.isPending) return <Loader />;
  if (report.isError) return <QueryError error={report.error} onRetry={() => void report.refetch()} />;
  const departments = report.data.departments;

  const series: ChartSeries[] = [
    {
      name: 'Within target',
      type: 'bar',
      cells: departments.map((d) => {
        const text = d.withinOlaPercent === null ? '—' : `${d.withinOlaPercent.toFixed(1)} %`;
        const click = { departmentId: d.departmentId, who: d.departmentName, outcome: 'judged' as const, label: 'Within target' };
        return {
          value: d.withinOlaPercent,
          text,
          cases: d.judged,
          open: () => drill.open(drillOf(period, { ...click, text, count: d.judged })),
        };
      }),
    },
  ];

  return (
    <Stack gap="xl">
      <Text size="sm" c="dimmed">
        Requests asked in the period, by department. Team, channel and category do not apply to department requests. Times count the way
        each request&apos;s target does (business hours on the department calendar, or calendar time); open and overdue are as of now. Every
        figure (bar or cell) lists the requests it counts; a department&apos;s name opens its request queue.
      </Text>
      {departments.length === 0 ? (
        <Text c="dimmed">No departments yet.</Text>
      ) : (
        <>
          <ChartPanel
            testId="within-ola"
            title="Within internal target"
            description="Completed requests answered or declined by their due time, out of those completed or overdue."
            categories={departments.map((d) => d.departmentName)}
            categoryHeader="Department"
            series={series}
            unit="percent"
            height={240}
            empty="No request was completed or overdue in this period."
          />
          <TurnaroundTable departments={departments} departmentLink={queueOf} onOpen={(click) => drill.open(drillOf(period, click))} />
        </>
      )}
      {drill.drawer}
    </Stack>
  );
}
