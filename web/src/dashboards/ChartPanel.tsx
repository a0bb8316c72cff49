// A chart with its accessible twin: the same figures as a data table (toggled under the chart),
// whose cells open the cases behind them exactly as clicking the chart's points does.
import { Button, Group, Loader, Paper, Stack, Table, Text, Title, UnstyledButton } from '@mantine/core';
import { useId, useMemo, useState } from 'react';
import { QueryError } from '../components/QueryError';
import type { MetricUnit } from '../report-api';
import { formatMinutes } from '../sla/sla-format';
import { EChart, type ChartOption } from './EChart';
import { formatValue } from './format';

/** One point: its value, how it reads, how many cases it counts and what clicking it opens. */
export type ChartCell = { value: number | null; text?: string; cases?: number; open?: () => void };

export type ChartSeries = {
  name: string;
  type: 'bar' | 'line';
  cells: (ChartCell | null)[];
  /** In the data table only (the parts of an average drawn as one line, say). */
  tableOnly?: boolean;
};

// Mantine's blue, orange, teal, grape, red and yellow (shade 6).
const PALETTE = ['#228be6', '#fd7e14', '#12b886', '#be4bdb', '#fa5252', '#fab005'];

type ChartPanelProps = {
  testId: string;
  title: string;
  description?: string;
  /** The x axis: hours, days, teams, targets… */
  categories: string[];
  /** The first column of the data table. */
  categoryHeader: string;
  series: ChartSeries[];
  unit: MetricUnit;
  height?: number;
  loading?: boolean;
  error?: unknown;
  onRetry?: () => void;
  /** Said instead of an empty chart. */
  empty?: string;
};

function axisLabel(unit: MetricUnit) {
  return (value: number) => (unit === 'minutes' ? formatMinutes(value) : unit === 'percent' ? `${value} %` : String(value));
}

export function ChartPanel(props: ChartPanelProps) {
  const { testId, title, description, categories, categoryHeader, series, unit, height = 280, loading, error, onRetry, empty } = props;
  const [showTable, setShowTable] = useState(false);
  const tableId = useId();
  const drawn = series.filter((s) => !s.tableOnly);

  // The option only changes with the figures (not with every render's new click handlers).
  const shape = JSON.stringify([categories, drawn.map((s) => [s.name, s.type, s.cells.map((c) => c?.value ?? null)]), unit]);
  const option = useMemo<ChartOption>(() => {
    const [cats, lines, u] = JSON.parse(shape) as [string[], [string, 'bar' | 'line', (number | null)[]][], MetricUnit];
    return {
      color: PALETTE,
      animationDuration: 300,
      grid: { left: 56, right: 16, top: lines.length > 1 ? 40 : 16, bottom: 32 },
      tooltip: {
        trigger: 'axis',
        valueFormatter: (value) => (typeof value === 'number' ? formatValue(u, value) : '—'),
      },
      legend: lines.length > 1 ? { top: 0, data: lines.map(([name]) => name) } : undefined,
      xAxis: { type: 'category', data: cats, axisLabel: { hideOverlap: true } },
      yAxis: {
        type: 'value',
        max: u === 'percent' ? 100 : undefined,
        minInterval: u === 'cases' ? 1 : undefined,
        axisLabel: { formatter: axisLabel(u) },
      },
      series: lines.map(([name, type, values]) =>
        type === 'bar'
          ? { name, type: 'bar', data: values, barMaxWidth: 36, cursor: 'pointer' }
          : { name, type: 'line', data: values, connectNulls: true, symbolSize: 8, cursor: 'pointer' },
      ),
    };
  }, [shape]);

  const hasData = series.some((s) => s.cells.some((c) => c && c.value !== null));

  return (
    <Paper withBorder p="md" radius="md" data-testid={testId}>
      <Group justify="space-between" align="flex-start" mb="xs" wrap="nowrap">
        <div>
          <Title order={5}>{title}</Title>
          {description && (
            <Text size="xs" c="dimmed">
              {description}
            </Text>
          )}
        </div>
        <Button
          size="compact-xs"
          variant="subtle"
          onClick={() => setShowTable((v) => !v)}
          aria-expanded={showTable}
          aria-controls={tableId}
          data-testid={`${testId}-toggle`}
        >
          {showTable ? 'Hide data table' : 'Show data table'}
        </Button>
      </Group>
      {loading ? (
        <Stack h={height} justify="center" align="center">
          <Loader size="sm" />
        </Stack>
      ) : error ? (
        <QueryError error={error} onRetry={onRetry} />
      ) : !hasData && empty ? (
        <Text c="dimmed" size="sm" py="md" data-testid={`${testId}-empty`}>
          {empty}
        </Text>
      ) : (
        <EChart
          option={option}
          height={height}
          label={`${title}: chart. Show the data table for the figures.`}
          onPointClick={({ seriesIndex, dataIndex }) => drawn[seriesIndex]?.cells[dataIndex]?.open?.()}
        />
      )}
      {showTable && !loading && !error && (
        <Table.ScrollContainer minWidth={360} mt="sm">
          <Table id={tableId} withTableBorder verticalSpacing={4} fz="sm" data-testid={`${testId}-table`}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{categoryHeader}</Table.Th>
                {series.map((s) => (
                  <Table.Th key={s.name} ta="right">
                    {s.name}
                  </Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {categories.map((category, index) => (
                <Table.Tr key={category}>
                  <Table.Th scope="row" fw={500}>
                    {category}
                  </Table.Th>
                  {series.map((s) => (
                    <Table.Td key={s.name} ta="right">
                      <Cell cell={s.cells[index] ?? null} unit={unit} category={category} series={s.name} />
                    </Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Paper>
  );
}

function Cell({ cell, unit, category, series }: { cell: ChartCell | null; unit: MetricUnit; category: string; series: string }) {
  if (!cell)
    return (
      <Text span c="dimmed">
        —
      </Text>
    );
  const text = cell.text ?? formatValue(unit, cell.value);
  const cases = cell.cases === undefined ? '' : ` (${cell.cases} ${cell.cases === 1 ? 'case' : 'cases'})`;
  const data = { 'data-testid': 'chart-cell', 'data-category': category, 'data-series': series, 'data-cases': cell.cases };
  if (!cell.open)
    return (
      <Text span {...data}>
        {text}
      </Text>
    );
  return (
    <UnstyledButton
      onClick={cell.open}
      fz="sm"
      c="blue"
      td="underline"
      aria-label={`${series}, ${category}: ${text}${cases}. Show the cases`}
      {...data}
    >
      {text}
    </UnstyledButton>
  );
}
