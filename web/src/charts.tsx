/**
 * uPlot charts. uPlot draws on a canvas and sizes its elements through the CSSOM (allowed by
 * the CSP); its stylesheet is bundled as a file by vite through the import below.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef } from 'preact/hooks';

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];

function width(el: HTMLElement): number {
  return Math.max(320, Math.min(1100, el.clientWidth || 800));
}

function useChart(make: (el: HTMLElement) => uPlot | null, deps: unknown[]) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const chart = make(el);
    if (!chart) return;
    const ro = new ResizeObserver(() => chart.setSize({ width: width(el), height: chart.height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      chart.destroy();
    };
  }, deps);
  return ref;
}

/** Several series over time; `x` in epoch seconds. */
export function TimeChart({
  x,
  series,
  label,
  height = 260,
}: {
  x: number[];
  series: { name: string; values: (number | null)[] }[];
  label: string;
  height?: number;
}) {
  const ref = useChart(
    (el) =>
      x.length === 0
        ? null
        : new uPlot(
            {
              width: width(el),
              height,
              series: [
                {},
                ...series.map((s, i) => ({
                  label: s.name,
                  stroke: PALETTE[i % PALETTE.length],
                  width: 1.5,
                  // Posts dwarf findings: each series gets its own scale so none flattens.
                  scale: s.name === 'posts' ? 'posts' : 'n',
                })),
              ],
              axes: [
                {},
                { scale: 'posts', label: 'posts' },
                { scale: 'n', side: 1, label: 'count', grid: { show: false } },
              ],
              scales: { x: { time: true } },
            },
            [x, ...series.map((s) => s.values)] as uPlot.AlignedData,
            el,
          ),
    [x, series, height],
  );
  return <div ref={ref} class="chart" role="img" aria-label={label} />;
}

/** A bar chart over categories (countries, ASNs, days). */
export function BarChart({
  labels,
  values,
  name,
  label,
  height = 240,
}: {
  labels: string[];
  values: number[];
  name: string;
  label: string;
  height?: number;
}) {
  const ref = useChart(
    (el) =>
      labels.length === 0
        ? null
        : new uPlot(
            {
              width: width(el),
              height,
              series: [
                { label: 'category', value: (_u, v) => (v === null ? '' : (labels[Math.round(v)] ?? '')) },
                {
                  label: name,
                  fill: '#2563eb99',
                  stroke: '#2563eb',
                  paths: uPlot.paths.bars!({ size: [0.7, 60] }),
                  points: { show: false },
                },
              ],
              scales: { x: { time: false, range: [-0.5, labels.length - 0.5] } },
              axes: [
                {
                  splits: () => labels.map((_, i) => i),
                  values: (_u, splits) => splits.map((i) => labels[i] ?? ''),
                  rotate: labels.length > 12 ? -45 : 0,
                  size: labels.length > 12 ? 70 : 40,
                },
                {},
              ],
              legend: { show: true },
            } as uPlot.Options,
            [labels.map((_, i) => i), values],
            el,
          ),
    [labels, values, height],
  );
  return <div ref={ref} class="chart" role="img" aria-label={label} />;
}
