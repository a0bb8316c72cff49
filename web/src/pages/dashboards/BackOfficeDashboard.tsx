// Dashboards → Back office: how the other departments answer the front line's requests over the
// period (GET /api/reports/departments/turnaround): the share within each department's internal
// target (OLA) as a chart, and the turnaround table per department and member. Department
// requests have no case-level drill-down on the server yet: a department opens its request queue.
import { Loader, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { QueryError } from '../../components/QueryError';
import { ChartPanel, type ChartSeries } from '../../dashboards/ChartPanel';
import { REFRESH_MS } from '../../dashboards/Figure';
import { useDashboardPeriod } from '../../dashboards/filters';
import { fetchTurnaround } from '../../department-api';
import { queryKeys } from '../../query-keys';
import { TurnaroundTable } from '../../requests/TurnaroundTable';

/** A department's request queue, every status. */
const queueOf = (departmentId: string) => `/requests?department=${encodeURIComponent(departmentId)}&status=all`;

export function BackOfficeDashboard() {
  const navigate = useNavigate();
  const { period } = useDashboardPeriod();
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
      cells: departments.map((d) => ({
        value: d.withinOlaPercent,
        text: d.withinOlaPercent === null ? '—' : `${d.withinOlaPercent.toFixed(1)} %`,
        open: () => void navigate(queueOf(d.departmentId)),
      })),
    },
  ];

  return (
    <Stack gap="xl">
      <Text size="sm" c="dimmed">
        Requests asked in the period, by department. Team, channel and category do not apply to department requests. Times count the way
        each request&apos;s target does (business hours on the department calendar, or calendar time); open and overdue are as of now. A
        department (bar, cell or name) opens its request queue.
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
          <TurnaroundTable departments={departments} departmentLink={queueOf} />
        </>
      )}
    </Stack>
  );
}
