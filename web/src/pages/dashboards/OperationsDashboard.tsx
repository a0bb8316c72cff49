// Dashboards → Operations today: cases created and solved today, the backlog now, cases at risk of
// breaching a target, open cases nobody has taken; and today's arrivals hour by hour against the
// average of the same weekday over the last four weeks.
import { Anchor, SimpleGrid, Stack, Text } from '@mantine/core';
import { useQueries, useQuery } from '@tanstack/react-query';
import { Link, useLocation } from 'react-router';
import { queryKeys } from '../../query-keys';
import { fetchMetric, listUnassignedOpen, type CaseDimensionFilters, type MetricQuery } from '../../report-api';
import { listSlaAtRisk } from '../../sla-api';
import { ChartPanel, type ChartCell, type ChartSeries } from '../../dashboards/ChartPanel';
import { drillPart, useDrill } from '../../dashboards/drill';
import { FigureCard, MetricFigure, REFRESH_MS } from '../../dashboards/Figure';
import {
  caseFilters,
  endOfNow,
  localDay,
  periodOfDays,
  previousPeriod,
  shiftDay,
  useDashboardPeriod,
  type DashboardPeriod,
  type Period,
} from '../../dashboards/filters';
import { dayLabel } from '../../dashboards/format';

/** The at-risk window the figure counts: breached, or due within the hour. */
const AT_RISK_MINUTES = 60;
const WEEKS_BACK = 4;

export function OperationsDashboard() {
  const state = useDashboardPeriod({ today: true });
  const { filters, period, previous, dims, now } = state;
  if (!period) return null;
  // The backlog at the end of the current quarter hour: every case open now.
  const end = endOfNow(now);
  const backlogNow: Period = { from: new Date(end.getTime() - 15 * 60_000).toISOString(), to: end.toISOString(), days: 1 };
  return (
    <Stack gap="lg">
      <SimpleGrid cols={{ base: 1, xs: 2, md: 5 }}>
        <MetricFigure
          testId="figure-created"
          label="Created today"
          metric="created"
          query={dims}
          period={period}
          previous={previous}
          better="neither"
          description="Cases opened since midnight."
        />
        <MetricFigure
          testId="figure-solved"
          label="Solved today"
          metric="solved"
          query={dims}
          period={period}
          previous={previous}
          better="higher"
          description="Cases whose final solve was today (solved or closed now)."
        />
        <MetricFigure
          testId="figure-backlog"
          label="Backlog now"
          metric="backlog"
          query={dims}
          period={backlogNow}
          previous={previous ? previousPeriod(backlogNow) : null}
          better="lower"
          description="Cases not solved or closed right now; pending and on hold count. Compared with the same time yesterday."
        />
        <AtRiskFigure teamId={filters.teamId ?? undefined} />
        <UnassignedFigure filters={caseFilters(filters)} />
      </SimpleGrid>
      <CreatedByHour state={state} period={period} />
    </Stack>
  );
}

function AtRiskFigure({ teamId }: { teamId?: string }) {
  const drill = useDrill();
  const { search } = useLocation();
  const atRisk = useQuery({
    queryKey: queryKeys.slaAtRisk(AT_RISK_MINUTES, teamId ?? ''),
    queryFn: () => listSlaAtRisk({ withinMinutes: AT_RISK_MINUTES, teamId }),
    refetchInterval: REFRESH_MS,
  });
  const cases = atRisk.data ? new Set(atRisk.data.map((item) => item.caseId)).size : undefined;
  return (
    <FigureCard
      testId="figure-at-risk"
      label="At risk of breach"
      value={cases?.toLocaleString()}
      error={atRisk.isError}
      description="Cases with a running target already breached or due within the hour. Filtered by team only."
      onOpen={() =>
        drill({
          title: 'At risk of breach',
          figure: String(cases),
          expected: cases,
          note: 'Cases with a running target already breached or due within the hour, soonest first.',
          source: { kind: 'at-risk', withinMinutes: AT_RISK_MINUTES, teamId },
        })
      }
      footer={
        <Anchor component={Link} to={{ pathname: '/dashboards/service-standards', search, hash: 'at-risk' }} size="xs">
          Open the at-risk list
        </Anchor>
      }
    />
  );
}

function UnassignedFigure({ filters }: { filters: CaseDimensionFilters }) {
  const drill = useDrill();
  const unassigned = useQuery({
    queryKey: queryKeys.unassignedOpen(filters),
    queryFn: () => listUnassignedOpen(filters, undefined, 1),
    refetchInterval: REFRESH_MS,
  });
  const total = unassigned.data?.total;
  return (
    <FigureCard
      testId="figure-unassigned"
      label="Unassigned open"
      value={total?.toLocaleString()}
      error={unassigned.isError}
      description="New or open cases nobody is assigned to, right now."
      onOpen={() =>
        drill({
          title: 'Unassigned open cases',
          figure: String(total),
          expected: total,
          note: 'New or open cases nobody is assigned to, oldest first.',
          source: { kind: 'unassigned', filters },
        })
      }
    />
  );
}

const HOURS = Array.from({ length: 24 }, (_, h) => `${String(h).padStart(2, '0')}:00`);
const weekdayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'long' });

function CreatedByHour({ state, period }: { state: DashboardPeriod; period: Period }) {
  const drill = useDrill();
  const { dims, now } = state;
  const today = localDay(new Date(now));
  const pastDays = Array.from({ length: WEEKS_BACK }, (_, i) => shiftDay(today, -7 * (i + 1)));
  const days = [today, ...pastDays];
  const queries: MetricQuery[] = days.map((day, i) => {
    const p = i === 0 ? period : periodOfDays(day, day, now)!;
    return { ...dims, from: p.from, to: p.to, groupBy: 'hour' };
  });
  const results = useQueries({
    queries: queries.map((q, i) => ({
      queryKey: queryKeys.reportMetric('created', q),
      queryFn: () => fetchMetric('created', q),
      refetchInterval: i === 0 ? REFRESH_MS : false,
      staleTime: i === 0 ? undefined : 10 * 60_000,
    })),
  });
  const currentHour = new Date(now).getHours();
  const weekday = weekdayFormat.format(new Date(now));

  const cellOf = (dayIndex: number, hour: number): ChartCell | null => {
    const day = days[dayIndex]!;
    if (dayIndex === 0 && hour > currentHour) return null;
    const group = `${day}T${HOURS[hour]}`;
    const row = results[dayIndex]?.data?.rows.find((r) => r.group === group);
    const cases = row?.cases ?? 0;
    const when = dayIndex === 0 ? 'today' : dayLabel(day);
    return {
      value: cases,
      cases,
      open: () =>
        drill({
          title: `Created ${when}, ${HOURS[hour]}–${HOURS[(hour + 1) % 24]}`,
          figure: String(cases),
          expected: cases,
          source: { kind: 'metric', parts: [drillPart('created', queries[dayIndex]!, group)] },
        }),
    };
  };

  const averageOf = (hour: number): ChartCell => {
    const parts = pastDays.map((day, i) => {
      const group = `${day}T${HOURS[hour]}`;
      return {
        part: drillPart('created', queries[i + 1]!, group),
        cases: results[i + 1]?.data?.rows.find((r) => r.group === group)?.cases ?? 0,
      };
    });
    const sum = parts.reduce((n, p) => n + p.cases, 0);
    const average = sum / WEEKS_BACK;
    return {
      value: Math.round(average * 10) / 10,
      text: average.toFixed(1),
      cases: sum,
      open: () =>
        drill({
          title: `Created on the last ${WEEKS_BACK} ${weekday}s, ${HOURS[hour]}–${HOURS[(hour + 1) % 24]}`,
          figure: `${average.toFixed(1)} a day on average`,
          expected: sum,
          note: `The ${sum} cases of the ${WEEKS_BACK} days averaged (${pastDays.map(dayLabel).join(', ')}).`,
          source: { kind: 'metric', parts: parts.filter((p) => p.cases > 0).map((p) => p.part) },
        }),
    };
  };

  const hours = HOURS.map((_, h) => h);
  const series: ChartSeries[] = [
    { name: 'Today', type: 'bar', cells: hours.map((h) => cellOf(0, h)) },
    { name: `Average of the last ${WEEKS_BACK} ${weekday}s`, type: 'line', cells: hours.map(averageOf) },
    ...pastDays.map((day, i) => ({
      name: dayLabel(day),
      type: 'line' as const,
      tableOnly: true,
      cells: hours.map((h) => cellOf(i + 1, h)),
    })),
  ];
  const failed = results.find((r) => r.isError);

  return (
    <Stack gap={4}>
      <ChartPanel
        testId="created-by-hour"
        title="Created by hour"
        description={`Cases opened each hour today, against the average of the same hour on the last ${WEEKS_BACK} ${weekday}s.`}
        categories={HOURS}
        categoryHeader="Hour"
        series={series}
        unit="cases"
        loading={results.some((r) => r.isPending)}
        error={failed?.error}
        onRetry={() => void failed?.refetch()}
      />
      <Text size="xs" c="dimmed">
        Hours are local to this browser&apos;s time zone.
      </Text>
    </Stack>
  );
}
