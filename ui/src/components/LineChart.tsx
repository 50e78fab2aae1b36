import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  color: string;
  values: Array<number | null>;
  dash?: boolean;
}

interface Props {
  title: string;
  x: number[];
  series: ChartSeries[];
  /** Shade x >= this (the fine-tune phase); null for none. */
  shadeFrom?: number | null;
  /** The x axis spans at least 1..xMax (all planned epochs), so a live curve grows into its frame. */
  xMax?: number;
  shadeLabel?: string;
  yLabel?: string;
  height?: number;
}

/**
 * A line chart on uPlot (canvas; tens of thousands of points redraw in a few ms), sized to its
 * container. New points only call setData, so a growing curve does not rebuild the chart.
 */
export function LineChart({ title, x, series, shadeFrom = null, shadeLabel = 'fine-tune', yLabel, height = 260, xMax = 0 }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shade = useRef(shadeFrom);
  shade.current = shadeFrom;
  const span = useRef(xMax);
  span.current = xMax;
  const shape = series.map((s) => `${s.label}|${s.color}|${s.dash ?? false}`).join(',');

  useEffect(() => {
    const el = box.current!;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      scales: { x: { time: false, range: (_u, min, max) => [Math.min(1, min ?? 1), Math.max(max ?? 1, span.current, 2)] } },
      // Epochs are whole numbers: no 1.5 ticks.
      axes: [
        { label: 'epoch', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] },
        { label: yLabel, size: 60 },
      ],
      series: [
        { label: 'epoch' },
        ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, dash: s.dash ? [6, 4] : undefined, points: { size: 5 }, spanGaps: true })),
      ],
      hooks: {
        drawClear: [
          (u) => {
            if (shade.current === null || shade.current === undefined) return;
            const left = u.valToPos(shade.current - 0.5, 'x', true);
            const ctx = u.ctx;
            ctx.save();
            ctx.fillStyle = 'rgba(120, 120, 120, 0.15)';
            const x0 = Math.max(u.bbox.left, left);
            ctx.fillRect(x0, u.bbox.top, u.bbox.left + u.bbox.width - x0, u.bbox.height);
            ctx.fillStyle = '#555';
            ctx.font = `${12 * devicePixelRatio}px sans-serif`;
            ctx.fillText(shadeLabel, x0 + 4 * devicePixelRatio, u.bbox.top + 14 * devicePixelRatio);
            ctx.restore();
          },
        ],
      },
    };
    const u = new uPlot(opts, [x, ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    plot.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Rebuilt only when the set of series changes; data changes go through setData below.
  }, [shape, height, yLabel]);

  useEffect(() => {
    plot.current?.setData([x, ...series.map((s) => s.values)] as uPlot.AlignedData);
  }, [x, series, shadeFrom, xMax]);

  return (
    <figure class="chart" aria-label={title} data-points={x.length}>
      <figcaption>{title}</figcaption>
      <div ref={box} />
    </figure>
  );
}
