// Headline figures: one number for the period, clickable to the cases it counts, and, when
// comparing, its change against the previous period of equal length (whose figure opens too).
import { Box, Group, Paper, Skeleton, Text, Tooltip, UnstyledButton } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { queryKeys } from '../query-keys';
import { METRICS, fetchMetric, type MetricId, type MetricQuery, type MetricResult } from '../report-api';
import { drillPart, useDrill } from './drill';
import type { Period } from './filters';
import { CHANGE_COLORS, describeChange, formatValue, type Better } from './format';

/** Figures move with every case change; read them again this often while the page is open. */
export const REFRESH_MS = 60_000;

export function useMetric(metric: MetricId, query: MetricQuery | null) {
  return useQuery({
    queryKey: queryKeys.reportMetric(metric, query ?? { from: '', to: '', groupBy: 'total' }),
    queryFn: () => fetchMetric(metric, query!),
    enabled: query !== null,
    refetchInterval: REFRESH_MS,
  });
}

/** The one row of a `groupBy=total` answer: no row means no case counted. */
export function totalOf(result: MetricResult | undefined): { value: number | null; cases: number } {
  const row = result?.rows.find((r) => r.group === 'total');
  if (row) return { value: row.value, cases: row.cases };
  return { value: result?.unit === 'cases' ? 0 : null, cases: 0 };
}

type FigureCardProps = {
  testId: string;
  label: string;
  /** The figure, formatted; undefined while loading. */
  value: string | undefined;
  /** What clicking the figure opens; absent for figures without cases behind them. */
  onOpen?: () => void;
  /** A line under the figure: its change, a link, a note. */
  footer?: ReactNode;
  description?: string;
  error?: boolean;
};

/** A headline figure's card. */
export function FigureCard({ testId, label, value, onOpen, footer, description, error }: FigureCardProps) {
  const figure =
    value === undefined ? (
      <Skeleton h={34} w={80} my={2} />
    ) : (
      <Text fz={28} fw={700} lh={1.3} data-testid={`${testId}-value`}>
        {value}
      </Text>
    );
  return (
    <Paper withBorder p="md" radius="md" data-testid={testId}>
      <Tooltip label={description} disabled={!description} multiline w={280} withArrow>
        <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
          {label}
        </Text>
      </Tooltip>
      {error ? (
        <Text c="red" size="sm" py={6}>
          Could not load
        </Text>
      ) : onOpen && value !== undefined ? (
        <UnstyledButton onClick={onOpen} aria-label={`${label}: ${value}. Show the cases`} data-testid={`${testId}-open`}>
          {figure}
        </UnstyledButton>
      ) : (
        figure
      )}
      {footer && <Box mt={4}>{footer}</Box>}
    </Paper>
  );
}

type MetricFigureProps = {
  testId: string;
  label: string;
  metric: MetricId;
  /** Filters and options beyond the period (dimensions, time zone, SLA target). */
  query: Omit<MetricQuery, 'from' | 'to' | 'groupBy'>;
  period: Period;
  previous: Period | null;
  better: Better;
  /** Titles the drill-down when the label alone is not enough ("Created today"). */
  drillTitle?: string;
  description?: string;
};

/** A metric's total over the period, with its change against the previous period when comparing. */
export function MetricFigure({ testId, label, metric, query, period, previous, better, drillTitle, description }: MetricFigureProps) {
  const drill = useDrill();
  const unit = METRICS[metric].unit;
  const currentQuery: MetricQuery = { ...query, from: period.from, to: period.to, groupBy: 'total' };
  const previousQuery: MetricQuery | null = previous ? { ...query, from: previous.from, to: previous.to, groupBy: 'total' } : null;
  const current = useMetric(metric, currentQuery);
  const before = useMetric(metric, previousQuery);
  const now = totalOf(current.data);
  const then = totalOf(before.data);
  const value = current.data ? formatValue(unit, now.value) : undefined;
  const open = (q: MetricQuery, figure: string, cases: number, when: string) =>
    drill({
      title: `${drillTitle ?? label}${when}`,
      figure,
      expected: cases,
      note: unit === 'cases' ? undefined : `The ${cases} cases the figure is computed from.`,
      source: { kind: 'metric', parts: [drillPart(metric, q, 'total')] },
    });

  let footer: ReactNode = null;
  if (previousQuery) {
    const change = current.data && before.data ? describeChange(unit, now.value, then.value, better) : null;
    const previousValue = before.data ? formatValue(unit, then.value) : '…';
    footer = (
      <Group gap={6} wrap="nowrap" data-testid={`${testId}-change`}>
        <Text size="sm" fw={600} c={change ? CHANGE_COLORS[change.tone] : 'dimmed'}>
          {change?.text ?? '—'}
        </Text>
        <Text size="xs" c="dimmed">
          vs{' '}
          <UnstyledButton
            fz="xs"
            c="dimmed"
            td="underline"
            disabled={!before.data}
            onClick={() => open(previousQuery, previousValue, then.cases, ' (previous period)')}
            data-testid={`${testId}-previous`}
          >
            {previousValue}
          </UnstyledButton>{' '}
          before
        </Text>
      </Group>
    );
  }

  return (
    <FigureCard
      testId={testId}
      label={label}
      value={value}
      error={current.isError}
      description={description}
      onOpen={value !== undefined ? () => open(currentQuery, value, now.cases, '') : undefined}
      footer={footer}
    />
  );
}
