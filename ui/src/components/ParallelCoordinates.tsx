import { colorTable } from '../lib/colors.js';
import { parallelLayout } from '../lib/study-view.js';

const WIDTH = 900;
const HEIGHT = 360;
// Room for the axis labels, centred on the first and last axes.
const PAD = 64;

/** Every trial as a line through one axis per parameter and one for the metric (better at the top); darker is better. */
export function ParallelCoordinates({
  trials,
  metric,
  mode,
}: {
  trials: ReadonlyArray<{ parameters: Record<string, unknown>; value: number | null }>;
  metric: string;
  mode: 'min' | 'max';
}) {
  const { axes, lines } = parallelLayout(trials, metric, mode, WIDTH, HEIGHT, PAD);
  const table = colorTable('viridis');
  const color = (rank: number) => {
    const t = Math.round(rank * 200) * 3;
    return `rgb(${table[t]},${table[t + 1]},${table[t + 2]})`;
  };
  return (
    <figure class="parallel" data-axes={axes.length} data-lines={lines.length}>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`Parallel coordinates: ${axes.map((a) => a.label).join(', ')}; one line per trial`}>
        {[...lines].reverse().map((l) => (
          <polyline
            class="trial-line"
            points={l.points.map((p) => p.join(',')).join(' ')}
            fill="none"
            stroke={color(l.rank)}
            stroke-width="1.5"
            stroke-opacity="0.8"
          >
            <title>
              {metric} {l.value.toPrecision(5)}
            </title>
          </polyline>
        ))}
        {axes.map((a) => (
          <g class="axis" data-axis={a.key}>
            <line x1={a.x} x2={a.x} y1={PAD} y2={HEIGHT - PAD} stroke="#333" />
            <text x={a.x} y={PAD - 16} text-anchor="middle" class="axis-label">
              {a.label}
            </text>
            {a.ticks.map((t) => (
              <text x={a.x + 5} y={t.y + 4} class="tick">
                {t.label.slice(0, 16)}
              </text>
            ))}
          </g>
        ))}
      </svg>
      <figcaption>One line per trial; the last axis is {metric}, better at the top; darker lines are better trials.</figcaption>
    </figure>
  );
}
