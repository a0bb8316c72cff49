// Dashboards → Service standards: SLA attainment per target over the period (with its change when
// comparing), over time and per team; a gap analysis against goals the manager sets (kept in this
// browser) showing where each target falls short most; and, live, the running targets already
// breached or due soon (GET /api/sla/at-risk) and the open cases taking much longer than cases
// like them usually do (GET /api/sla/outliers: older than their norm's p90). Rows open the case.
import { Badge, Group, Loader, NumberInput, Paper, Select, SimpleGrid, Stack, Table, Text, Title, UnstyledButton } from '@mantine/core';
import { useQueries, useQuery } from '@tanstack/react-query';
import { useEffect, useState, type KeyboardEvent } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { PRIORITY_COLORS, PRIORITY_LABELS, STATUS_LABELS, labelOf } from '../../cases/labels';
import { useActiveUsers, useTeams } from '../../cases/lookups';
import { QueryError } from '../../components/QueryError';
import { RelativeTime } from '../../components/RelativeTime';
import { ChartPanel, type ChartSeries } from '../../dashboards/ChartPanel';
import { drillPart, useDrill } from '../../dashboards/drill';
import { MetricFigure, REFRESH_MS } from '../../dashboards/Figure';
import { timeBuckets, useDashboardPeriod, type DashboardPeriod, type Period } from '../../dashboards/filters';
import { formatValue, useGroupNames } from '../../dashboards/format';
import { queryKeys } from '../../query-keys';
import { SLA_TARGETS, fetchMetric, type DrillPart, type MetricQuery, type SlaTarget } from '../../report-api';
import { listSlaAtRisk, listSlaOutliers, type AtRiskItem, type OutlierItem } from '../../sla-api';
import { SLA_STATE_COLORS, SLA_STATE_LABELS, SLA_TARGET_LABELS, formatMinutes, targetLabel } from '../../sla/sla-format';

const WINDOWS = [
  { value: '30', label: 'Due within 30 minutes' },
  { value: '60', label: 'Due within 1 hour' },
  { value: '240', label: 'Due within 4 hours' },
  { value: '480', label: 'Due within 8 hours' },
  { value: '1440', label: 'Due within 1 day' },
];

/** A group (team, category…) needs this many judged cycles before it can be called the worst. */
const MIN_CASES = 3;
const DEFAULT_GOAL = 90;
const GOALS_KEY = 'frontline.dashboards.slaGoals';

function useNames() {
  const teams = useTeams();
  const users = useActiveUsers();
  const teamNames = new Map((teams.data ?? []).map((t) => [t.id, t.name]));
  const userNames = new Map((users.data ?? []).map((u) => [u.id, u.name]));
  return {
    // Roles without the staff directory cannot read the names: a dash rather than a wrong word.
    team: (id: string | null) => (id ? (teamNames.get(id) ?? '—') : 'No team'),
    user: (id: string | null) => (id ? (userNames.get(id) ?? '—') : 'Unassigned'),
  };
}

/** A table row that opens its case on click or Enter. */
function useRowLink() {
  const navigate = useNavigate();
  return (caseId: string) => ({
    onClick: () => void navigate(`/cases/${caseId}`),
    onKeyDown: (event: KeyboardEvent) => {
      if (event.key === 'Enter') void navigate(`/cases/${caseId}`);
    },
    tabIndex: 0,
    style: { cursor: 'pointer' },
  });
}

export function ServiceStandardsDashboard() {
  const state = useDashboardPeriod();
  const names = useNames();
  const teamId = state.filters.teamId;
  const { hash } = useLocation();

  // "Open the at-risk list" from Operations lands here with #at-risk.
  useEffect(() => {
    if (hash === '#at-risk') document.getElementById('at-risk')?.scrollIntoView({ block: 'start' });
  }, [hash]);

  return (
    <Stack gap="xl">
      {state.period ? (
        <>
          <AttainmentFigures state={state} period={state.period} />
          <SimpleGrid cols={{ base: 1, lg: 2 }}>
            <AttainmentOverTime state={state} period={state.period} />
            <AttainmentByTeam state={state} period={state.period} />
          </SimpleGrid>
          <GapAnalysis state={state} period={state.period} />
        </>
      ) : (
        <Text c="dimmed">Pick a period to see attainment.</Text>
      )}
      <AtRiskSection teamId={teamId} names={names} />
      <OutliersSection teamId={teamId} names={names} />
    </Stack>
  );
}

// --- attainment ---------------------------------------------------------------------------

const TARGET_DESCRIPTIONS = 'Cycles met on time out of those judged (met, met late, or breached), by due time.';

function AttainmentFigures({ state, period }: { state: DashboardPeriod; period: Period }) {
  return (
    <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }}>
      {SLA_TARGETS.map((target) => (
        <MetricFigure
          key={target}
          testId={`figure-sla-${target}`}
          label={`${SLA_TARGET_LABELS[target]} attainment`}
          metric="sla_attainment"
          query={{ ...state.dims, target }}
          period={period}
          previous={state.previous}
          better="higher"
          description={TARGET_DESCRIPTIONS}
        />
      ))}
    </SimpleGrid>
  );
}

/** The four targets' attainment grouped the same way, one query each. */
function useAttainment(state: DashboardPeriod, period: Period, groupBy: MetricQuery['groupBy']) {
  const queries = SLA_TARGETS.map((target): MetricQuery => ({ ...state.dims, target, from: period.from, to: period.to, groupBy }));
  const results = useQueries({
    queries: queries.map((q) => ({
      queryKey: queryKeys.reportMetric('sla_attainment', q),
      queryFn: () => fetchMetric('sla_attainment', q),
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

function AttainmentOverTime({ state, period }: { state: DashboardPeriod; period: Period }) {
  const drill = useDrill();
  const name = useGroupNames();
  const unit = period.days <= 1 ? 'hour' : 'day';
  const data = useAttainment(state, period, unit);
  const buckets = timeBuckets(period, unit);
  const series: ChartSeries[] = SLA_TARGETS.map((target, t) => ({
    name: SLA_TARGET_LABELS[target],
    type: 'line',
    cells: buckets.map((bucket) => {
      const row = data.rows[t]?.find((r) => r.group === bucket);
      if (!row) return null;
      return {
        value: row.value,
        cases: row.cases,
        open: () =>
          drill({
            title: `${SLA_TARGET_LABELS[target]} attainment, ${name(unit, bucket)}`,
            figure: formatValue('percent', row.value),
            expected: row.cases,
            note: `The ${row.cases} cycles judged: due in this ${unit}, met on time or not.`,
            source: { kind: 'metric', parts: [drillPart('sla_attainment', data.queries[t]!, bucket)] },
          }),
      };
    }),
  }));
  return (
    <ChartPanel
      testId="sla-over-time"
      title={`Attainment by ${unit}`}
      description="Share of the cycles due in each bucket that were met on time, per target."
      categories={buckets.map((b) => name(unit, b))}
      categoryHeader={unit === 'hour' ? 'Hour' : 'Day'}
      series={series}
      unit="percent"
      loading={data.loading}
      error={data.error}
      onRetry={data.retry}
      empty="No target fell due in this period."
    />
  );
}

function AttainmentByTeam({ state, period }: { state: DashboardPeriod; period: Period }) {
  const drill = useDrill();
  const name = useGroupNames();
  const data = useAttainment(state, period, 'team');
  const teams = [...new Set(data.rows.flatMap((rows) => rows.map((r) => r.group)))].sort((a, b) =>
    name('team', a).localeCompare(name('team', b)),
  );
  const series: ChartSeries[] = SLA_TARGETS.map((target, t) => ({
    name: SLA_TARGET_LABELS[target],
    type: 'bar',
    cells: teams.map((team) => {
      const row = data.rows[t]?.find((r) => r.group === team);
      if (!row) return null;
      return {
        value: row.value,
        cases: row.cases,
        open: () =>
          drill({
            title: `${SLA_TARGET_LABELS[target]} attainment, ${name('team', team)}`,
            figure: formatValue('percent', row.value),
            expected: row.cases,
            note: `The ${row.cases} cycles judged in the period.`,
            source: { kind: 'metric', parts: [drillPart('sla_attainment', data.queries[t]!, team)] },
          }),
      };
    }),
  }));
  return (
    <ChartPanel
      testId="sla-by-team"
      title="Attainment by team"
      description="Share of the cycles due in the period that were met on time, per team and target."
      categories={teams.map((team) => name('team', team))}
      categoryHeader="Team"
      series={series}
      unit="percent"
      loading={data.loading}
      error={data.error}
      onRetry={data.retry}
      empty="No target fell due in this period."
    />
  );
}

// --- gap analysis ---------------------------------------------------------------------------

type Goals = Record<SlaTarget, number>;

function readGoals(): Goals {
  const goals = Object.fromEntries(SLA_TARGETS.map((t) => [t, DEFAULT_GOAL])) as Goals;
  try {
    const stored = JSON.parse(window.localStorage.getItem(GOALS_KEY) ?? '{}') as Record<string, unknown>;
    for (const t of SLA_TARGETS) {
      const value = stored[t];
      if (typeof value === 'number' && value > 0 && value <= 100) goals[t] = value;
    }
  } catch {
    // Unreadable or unavailable storage: the defaults.
  }
  return goals;
}

/** The attainment goals, per target, kept in this browser. */
function useGoals(): [Goals, (target: SlaTarget, goal: number) => void] {
  const [goals, setGoals] = useState(readGoals);
  const setGoal = (target: SlaTarget, goal: number) => {
    const next = { ...goals, [target]: goal };
    setGoals(next);
    try {
      window.localStorage.setItem(GOALS_KEY, JSON.stringify(next));
    } catch {
      // Private mode or full storage: the goal lasts for this page only.
    }
  };
  return [goals, setGoal];
}

type Shortfall = { label: string; value: number; cases: number; parts: DrillPart[] };

const WORST_BY = [
  { groupBy: 'team', header: 'Worst team' },
  { groupBy: 'category', header: 'Worst category' },
  { groupBy: 'channel', header: 'Worst channel' },
  { groupBy: 'hour_of_day', header: 'Worst hour of day' },
] as const;

/** The lowest attainment among groups with at least MIN_CASES judged cycles (more cycles breaks a tie). */
function worstOf(candidates: Shortfall[]): Shortfall | null {
  const eligible = candidates.filter((c) => c.cases >= MIN_CASES);
  eligible.sort((a, b) => a.value - b.value || b.cases - a.cases);
  return eligible[0] ?? null;
}

function GapAnalysis({ state, period }: { state: DashboardPeriod; period: Period }) {
  const drill = useDrill();
  const name = useGroupNames();
  const [goals, setGoal] = useGoals();
  const totals = useAttainment(state, period, 'total');
  const team = useAttainment(state, period, 'team');
  const category = useAttainment(state, period, 'category');
  const channel = useAttainment(state, period, 'channel');
  // The server adds up each local hour of the day over the period (groupBy=hour_of_day).
  const hour = useAttainment(state, period, 'hour_of_day');
  const all = [totals, team, category, channel, hour];
  const failed = all.find((d) => d.error);

  const shortfalls = (t: number) => {
    const dimension = (data: typeof team, groupBy: 'team' | 'category' | 'channel' | 'hour_of_day') =>
      (data.rows[t] ?? [])
        .filter((r) => r.value !== null)
        .map((r) => ({
          label: name(groupBy, r.group),
          value: r.value!,
          cases: r.cases,
          parts: [drillPart('sla_attainment', data.queries[t]!, r.group)],
        }));
    return [
      worstOf(dimension(team, 'team')),
      worstOf(dimension(category, 'category')),
      worstOf(dimension(channel, 'channel')),
      worstOf(dimension(hour, 'hour_of_day')),
    ];
  };

  return (
    <Paper withBorder p="md" radius="md" data-testid="gap-analysis">
      <Title order={5}>Gap analysis</Title>
      <Text size="xs" c="dimmed" mb="sm">
        Each target against its goal (set here, kept in this browser), and where it falls short most: the lowest attainment among teams,
        categories, channels and hours of the day with at least {MIN_CASES} judged cycles.
      </Text>
      {all.some((d) => d.loading) ? (
        <Loader size="sm" />
      ) : failed ? (
        <QueryError error={failed.error} onRetry={failed.retry} />
      ) : (
        <Table.ScrollContainer minWidth={980}>
          <Table verticalSpacing="xs" fz="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Target</Table.Th>
                <Table.Th w={110}>Goal</Table.Th>
                <Table.Th ta="right">Actual</Table.Th>
                <Table.Th ta="right">Gap</Table.Th>
                {WORST_BY.map((w) => (
                  <Table.Th key={w.groupBy}>{w.header}</Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {SLA_TARGETS.map((target, t) => {
                const label = SLA_TARGET_LABELS[target];
                const row = totals.rows[t]?.find((r) => r.group === 'total');
                const total = { value: row?.value ?? null, cases: row?.cases ?? 0 };
                const gap = total.value === null ? null : total.value - goals[target];
                const open = (title: string, figure: string, cases: number, parts: DrillPart[]) =>
                  drill({
                    title,
                    figure,
                    expected: cases,
                    note: `The ${cases} cycles judged.`,
                    source: { kind: 'metric', parts },
                  });
                return (
                  <Table.Tr key={target} data-testid="gap-row" data-target={target}>
                    <Table.Td fw={500}>{label}</Table.Td>
                    <Table.Td>
                      <NumberInput
                        aria-label={`${label} goal (%)`}
                        size="xs"
                        min={1}
                        max={100}
                        decimalScale={1}
                        suffix=" %"
                        value={goals[target]}
                        onChange={(value) => typeof value === 'number' && value > 0 && value <= 100 && setGoal(target, value)}
                      />
                    </Table.Td>
                    <Table.Td ta="right">
                      {total.cases === 0 ? (
                        <Text span c="dimmed" size="sm">
                          —
                        </Text>
                      ) : (
                        <UnstyledButton
                          fz="sm"
                          c="blue"
                          td="underline"
                          data-testid="gap-actual"
                          onClick={() =>
                            open(`${label} attainment`, formatValue('percent', total.value), total.cases, [
                              drillPart('sla_attainment', totals.queries[t]!, 'total'),
                            ])
                          }
                        >
                          {formatValue('percent', total.value)}
                        </UnstyledButton>
                      )}
                    </Table.Td>
                    <Table.Td ta="right">
                      {gap === null ? (
                        '—'
                      ) : (
                        <Badge variant="light" color={gap >= 0 ? 'teal' : 'red'} data-testid="gap-value">
                          {gap >= 0 ? '+' : '−'}
                          {Math.abs(gap).toFixed(1)} pts
                        </Badge>
                      )}
                    </Table.Td>
                    {shortfalls(t).map((worst, i) => (
                      <Table.Td key={WORST_BY[i]!.groupBy}>
                        {worst ? (
                          <UnstyledButton
                            fz="sm"
                            data-testid="gap-worst"
                            data-by={WORST_BY[i]!.groupBy}
                            data-cases={worst.cases}
                            onClick={() =>
                              open(`${label} attainment, ${worst.label}`, formatValue('percent', worst.value), worst.cases, worst.parts)
                            }
                            aria-label={`${WORST_BY[i]!.header} for ${label}: ${worst.label}, ${formatValue('percent', worst.value)} of ${worst.cases} cycles. Show the cases`}
                          >
                            <Text span size="sm" fw={500}>
                              {worst.label}
                            </Text>{' '}
                            <Text span size="sm" c={worst.value < goals[target] ? 'red' : 'dimmed'} td="underline">
                              {formatValue('percent', worst.value)}
                            </Text>{' '}
                            <Text span size="xs" c="dimmed">
                              ({worst.cases})
                            </Text>
                          </UnstyledButton>
                        ) : (
                          <Text span size="sm" c="dimmed">
                            —
                          </Text>
                        )}
                      </Table.Td>
                    ))}
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Paper>
  );
}

type Names = ReturnType<typeof useNames>;

function AtRiskSection({ teamId, names }: { teamId: string | null; names: Names }) {
  const [within, setWithin] = useState('60');
  const withinMinutes = Number(within);
  const atRisk = useQuery({
    queryKey: queryKeys.slaAtRisk(withinMinutes, teamId ?? ''),
    queryFn: () => listSlaAtRisk({ withinMinutes, teamId: teamId ?? undefined }),
    refetchInterval: REFRESH_MS,
  });
  const rowLink = useRowLink();

  return (
    <section aria-label="At risk" id="at-risk">
      <Group justify="space-between" mb="sm">
        <div>
          <Title order={4}>At risk</Title>
          <Text size="xs" c="dimmed">
            Running targets already breached or falling due soon, soonest first.
          </Text>
        </div>
        <Select
          aria-label="Window"
          allowDeselect={false}
          w={220}
          data={WINDOWS}
          value={within}
          onChange={(value) => value && setWithin(value)}
        />
      </Group>
      {atRisk.isPending ? (
        <Loader size="sm" />
      ) : atRisk.isError ? (
        <QueryError error={atRisk.error} onRetry={() => void atRisk.refetch()} />
      ) : atRisk.data.length === 0 ? (
        <Text c="dimmed" size="sm" data-testid="at-risk-empty">
          Nothing is breached or due in this window.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={820}>
          <Table highlightOnHover verticalSpacing="xs" aria-label="Cases at risk">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Case</Table.Th>
                <Table.Th w={130}>Target</Table.Th>
                <Table.Th w={110}>State</Table.Th>
                <Table.Th w={150}>Due</Table.Th>
                <Table.Th>Team</Table.Th>
                <Table.Th>Assignee</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {atRisk.data.map((item) => (
                <AtRiskRow key={`${item.caseId}:${item.target}`} item={item} names={names} link={rowLink(item.caseId)} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </section>
  );
}

function AtRiskRow({ item, names, link }: { item: AtRiskItem; names: Names; link: ReturnType<ReturnType<typeof useRowLink>> }) {
  const overdue = item.state === 'breached' || (item.minutesUntilDue !== null && item.minutesUntilDue < 0);
  const state = overdue ? 'breached' : item.state;
  return (
    <Table.Tr data-testid="at-risk-row" data-case-id={item.caseId} {...link}>
      <Table.Td>
        <Group gap="xs" wrap="nowrap">
          <Text size="sm" c="dimmed">
            #{item.number}
          </Text>
          <Text size="sm" fw={500} truncate maw={320}>
            {item.subject}
          </Text>
          <Badge size="xs" variant="light" color={PRIORITY_COLORS[item.priority as keyof typeof PRIORITY_COLORS] ?? 'gray'}>
            {labelOf(PRIORITY_LABELS, item.priority)}
          </Badge>
        </Group>
      </Table.Td>
      <Table.Td>{targetLabel(item.target)}</Table.Td>
      <Table.Td>
        <Badge
          size="sm"
          variant={overdue ? 'filled' : 'light'}
          color={overdue ? 'red' : (SLA_STATE_COLORS[state as keyof typeof SLA_STATE_COLORS] ?? 'orange')}
        >
          {overdue ? 'Breached' : (SLA_STATE_LABELS[state as keyof typeof SLA_STATE_LABELS] ?? state)}
        </Badge>
      </Table.Td>
      <Table.Td>
        <Stack gap={0}>
          <RelativeTime iso={item.dueAt} c={overdue ? 'red' : undefined} />
          {item.minutesUntilDue !== null && (
            <Text size="xs" c="dimmed">
              {overdue
                ? item.minutesUntilDue < 0
                  ? `${formatMinutes(item.minutesUntilDue)} over`
                  : 'overdue'
                : `${formatMinutes(item.minutesUntilDue)} left`}
            </Text>
          )}
        </Stack>
      </Table.Td>
      <Table.Td>{names.team(item.teamId)}</Table.Td>
      <Table.Td>{names.user(item.assigneeId)}</Table.Td>
    </Table.Tr>
  );
}

function OutliersSection({ teamId, names }: { teamId: string | null; names: Names }) {
  const outliers = useQuery({
    queryKey: queryKeys.slaOutliers(teamId ?? ''),
    queryFn: () => listSlaOutliers({ teamId: teamId ?? undefined }),
    refetchInterval: 5 * REFRESH_MS,
  });
  const rowLink = useRowLink();

  return (
    <section aria-label="Outliers">
      <div>
        <Title order={4}>Taking longer than usual</Title>
        <Text size="xs" c="dimmed" mb="sm">
          Open cases older than nine in ten similar cases took to solve (same category, type and channel, solved in the last 180 days;
          recomputed nightly). Most overdue first.
        </Text>
      </div>
      {outliers.isPending ? (
        <Loader size="sm" />
      ) : outliers.isError ? (
        <QueryError error={outliers.error} onRetry={() => void outliers.refetch()} />
      ) : outliers.data.length === 0 ? (
        <Text c="dimmed" size="sm" data-testid="outliers-empty">
          No open case is taking longer than usual (or too few cases were solved yet to say what usual is).
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={820}>
          <Table highlightOnHover verticalSpacing="xs" aria-label="Outlier cases">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Case</Table.Th>
                <Table.Th w={100}>Status</Table.Th>
                <Table.Th w={120}>Age</Table.Th>
                <Table.Th w={120}>Usual (p90)</Table.Th>
                <Table.Th w={90}>Ratio</Table.Th>
                <Table.Th>Team</Table.Th>
                <Table.Th>Assignee</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {outliers.data.map((item) => (
                <OutlierRow key={item.caseId} item={item} names={names} link={rowLink(item.caseId)} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </section>
  );
}

function OutlierRow({ item, names, link }: { item: OutlierItem; names: Names; link: ReturnType<ReturnType<typeof useRowLink>> }) {
  const ratio = item.p90Minutes > 0 ? item.ageMinutes / item.p90Minutes : null;
  return (
    <Table.Tr data-testid="outlier-row" data-case-id={item.caseId} {...link}>
      <Table.Td>
        <Group gap="xs" wrap="nowrap">
          <Text size="sm" c="dimmed">
            #{item.number}
          </Text>
          <Text size="sm" fw={500} truncate maw={360}>
            {item.subject}
          </Text>
        </Group>
      </Table.Td>
      <Table.Td>{labelOf(STATUS_LABELS, item.status)}</Table.Td>
      <Table.Td>{formatMinutes(item.ageMinutes)}</Table.Td>
      <Table.Td title={`Median ${formatMinutes(item.norm.medianMinutes)}, from ${item.norm.sampleSize} cases`}>
        {formatMinutes(item.p90Minutes)}
      </Table.Td>
      <Table.Td>
        <Badge size="sm" variant="light" color={ratio !== null && ratio >= 2 ? 'red' : 'orange'}>
          {ratio !== null ? `${ratio.toFixed(1)}×` : '—'}
        </Badge>
      </Table.Td>
      <Table.Td>{names.team(item.teamId)}</Table.Td>
      <Table.Td>{names.user(item.assigneeId)}</Table.Td>
    </Table.Tr>
  );
}
