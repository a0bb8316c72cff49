// A small React wrapper around ECharts, built from echarts/core with only what the dashboards
// draw registered (bar and line charts on a grid, tooltip, legend, canvas), so the bundle carries
// nothing else. The chart follows its container's size and reports clicks on points.
import { useComputedColorScheme } from '@mantine/core';
import { BarChart, LineChart, type BarSeriesOption, type LineSeriesOption } from 'echarts/charts';
import {
  GridComponent,
  LegendPlainComponent,
  TooltipComponent,
  type GridComponentOption,
  type LegendComponentOption,
  type TooltipComponentOption,
} from 'echarts/components';
import { init, use, type ComposeOption, type EChartsType } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

use([BarChart, LineChart, GridComponent, LegendPlainComponent, TooltipComponent, CanvasRenderer]);

export type ChartOption = ComposeOption<
  BarSeriesOption | LineSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption
>;

export type PointClick = { seriesIndex: number; dataIndex: number };

type EChartProps = {
  option: ChartOption;
  height: number;
  /** What the chart shows, for screen readers (the data table beside it has the figures). */
  label: string;
  onPointClick?: (point: PointClick) => void;
};

export function EChart({ option, height, label, onPointClick }: EChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);
  const onClick = useRef(onPointClick);
  const scheme = useComputedColorScheme('light');

  useEffect(() => {
    onClick.current = onPointClick;
  }, [onPointClick]);

  // One instance per mounted container (and colour scheme); disposed with it.
  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const instance = init(element, scheme === 'dark' ? 'dark' : undefined, { renderer: 'canvas' });
    chart.current = instance;
    instance.on('click', (params) => {
      if (typeof params.seriesIndex === 'number' && typeof params.dataIndex === 'number')
        onClick.current?.({ seriesIndex: params.seriesIndex, dataIndex: params.dataIndex });
    });
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(element);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, [scheme]);

  useEffect(() => {
    chart.current?.setOption({ backgroundColor: 'transparent', ...option }, { notMerge: true });
  }, [option, scheme]);

  return <div ref={container} role="img" aria-label={label} style={{ width: '100%', height }} />;
}
