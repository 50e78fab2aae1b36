/** The per-layer numbers the heat-map can show (GET /jobs/:id/diagnostics). */
export const HEATMAP_METRICS = {
  gradNorm: { label: 'log10 gradient norm', log: true },
  updateRatio: { label: 'log10 update ratio', log: true },
  activationStd: { label: 'activation std', log: false },
  deadFraction: { label: 'dead fraction', log: false },
} as const;
export type HeatmapMetric = keyof typeof HEATMAP_METRICS;

export interface DiagnosticsEpoch {
  epoch: number;
  layers: Array<{ name: string } & Partial<Record<HeatmapMetric, number>>>;
}

export interface HeatmapGrid {
  layers: string[];
  epochs: number[];
  /** values[layer * epochs.length + epochIndex]; NaN where there is no finite value. */
  values: Float64Array;
  min: number;
  max: number;
}

/**
 * Layers x epochs of one metric, on a log10 scale for the norms and ratios (they span orders of
 * magnitude: a vanishing stack is 1e-6 at the bottom and 1e-1 at the top). Zeros and non-finite
 * values are left out (NaN), so one dead layer does not squash the scale of the others.
 */
export function toHeatmapGrid(epochs: DiagnosticsEpoch[], metric: HeatmapMetric): HeatmapGrid {
  const layers: string[] = [];
  const index = new Map<string, number>();
  for (const e of epochs) {
    for (const l of e.layers) {
      if (!index.has(l.name)) {
        index.set(l.name, layers.length);
        layers.push(l.name);
      }
    }
  }
  const values = new Float64Array(layers.length * epochs.length).fill(NaN);
  const log = HEATMAP_METRICS[metric].log;
  let min = Infinity;
  let max = -Infinity;
  epochs.forEach((e, col) => {
    for (const l of e.layers) {
      const raw = l[metric];
      if (raw === undefined || !Number.isFinite(raw) || (log && raw <= 0)) continue;
      const v = log ? Math.log10(raw) : raw;
      values[index.get(l.name)! * epochs.length + col] = v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  });
  if (min === Infinity) [min, max] = [0, 1];
  return { layers, epochs: epochs.map((e) => e.epoch), values, min, max };
}
