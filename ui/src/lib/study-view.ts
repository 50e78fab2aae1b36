/**
 * The study page's pure parts: which metric its curves open on, the shared scale of the
 * ranking's error bars, and the layout of the parallel-coordinates view of the trials.
 */

export const CURVE_METRICS = ['val_loss', 'val_accuracy', 'loss', 'accuracy'] as const;
export type CurveMetric = (typeof CURVE_METRICS)[number];

type EpochRow = Partial<Record<CurveMetric, number | null>>;

/** The metrics some trial has a value of: no val_* without a validation split, no accuracy without it compiled. */
export function availableMetrics(curves: ReadonlyArray<{ epochs: readonly EpochRow[] }>): CurveMetric[] {
  return CURVE_METRICS.filter((m) => curves.some((c) => c.epochs.some((e) => typeof e[m] === 'number')));
}

/** The study's own metric when the trials have it, else the first they have (loss when none reported yet). */
export function initialMetric(studyMetric: string, available: readonly CurveMetric[]): CurveMetric {
  return available.find((m) => m === studyMetric) ?? available[0] ?? 'loss';
}

/** A linear scale over every mean and interval end of the rows, padded 5% each side. */
export function intervalDomain(rows: ReadonlyArray<{ mean: number | null; ci95?: readonly [number, number] | null }>): [number, number] | null {
  const xs = rows.flatMap((r) => [r.mean, ...(r.ci95 ?? [])]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (!xs.length) return null;
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const pad = hi > lo ? (hi - lo) * 0.05 : Math.abs(lo) * 0.05 || 1;
  return [lo - pad, hi + pad];
}

export interface ParallelAxis {
  key: string;
  label: string;
  x: number;
  ticks: Array<{ y: number; label: string }>;
}

export interface ParallelLine {
  /** One point per axis, parameters first, the metric last. */
  points: Array<[number, number]>;
  value: number;
  /** 0 = best trial, 1 = worst. */
  rank: number;
}

interface TrialLike {
  parameters: Record<string, unknown>;
  value: number | null;
}

const label = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** Where each value of a parameter sits on its axis, 0 (bottom) to 1 (top): numbers by value (log when all positive and spanning 100x or more), others evenly in first-seen order. */
function axisScale(values: unknown[]): { at: (v: unknown) => number; ticks: Array<{ at: number; label: string }> } {
  const distinct = [...new Map(values.map((v) => [label(v), v])).values()];
  if (distinct.every((v) => typeof v === 'number' && Number.isFinite(v)) && distinct.length > 1) {
    const nums = distinct as number[];
    const log = nums.every((v) => v > 0) && Math.max(...nums) / Math.min(...nums) >= 100;
    const f = log ? Math.log10 : (v: number) => v;
    const lo = Math.min(...nums.map(f));
    const hi = Math.max(...nums.map(f));
    const at = (v: unknown) => (f(v as number) - lo) / (hi - lo);
    return { at, ticks: [...nums].sort((a, b) => a - b).map((v) => ({ at: at(v), label: label(v) })) };
  }
  const index = new Map(distinct.map((v, i) => [label(v), i]));
  const at = (v: unknown) => (distinct.length > 1 ? index.get(label(v))! / (distinct.length - 1) : 0.5);
  return { at, ticks: distinct.map((v) => ({ at: at(v), label: label(v) })) };
}

/**
 * One axis per parameter and one for the metric (better at the top), one line per trial with a
 * finite value, in an area of `width` x `height` with `pad` around it.
 */
export function parallelLayout(
  trials: readonly TrialLike[],
  metric: string,
  mode: 'min' | 'max',
  width: number,
  height: number,
  pad = 24,
): { axes: ParallelAxis[]; lines: ParallelLine[] } {
  const scored = trials.filter((t): t is TrialLike & { value: number } => typeof t.value === 'number' && Number.isFinite(t.value));
  const keys = [...new Set(trials.flatMap((t) => Object.keys(t.parameters)))];
  const values = scored.map((t) => t.value);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  // Better is up: the best value sits at the top whichever way the metric goes.
  const metricAt = (v: number) => (hi > lo ? (mode === 'min' ? (hi - v) / (hi - lo) : (v - lo) / (hi - lo)) : 0.5);
  const x = (i: number) => pad + (keys.length ? (i * (width - 2 * pad)) / keys.length : (width - 2 * pad) / 2);
  const y = (at: number) => height - pad - at * (height - 2 * pad);
  const scales = keys.map((k) => axisScale(trials.filter((t) => k in t.parameters).map((t) => t.parameters[k])));
  const metricTicks = scored.length ? [...new Set([lo, (lo + hi) / 2, hi])] : [];
  const axes: ParallelAxis[] = [
    ...keys.map((k, i) => ({ key: k, label: k.split('/').slice(-2).join('/'), x: x(i), ticks: scales[i].ticks.map((t) => ({ y: y(t.at), label: t.label })) })),
    { key: metric, label: metric, x: x(keys.length), ticks: metricTicks.map((v) => ({ y: y(metricAt(v)), label: v.toPrecision(4) })) },
  ];
  const ordered = [...scored].sort((a, b) => (mode === 'min' ? a.value - b.value : b.value - a.value));
  const lines = ordered.map((t, r) => ({
    points: [
      ...keys.map((k, i) => [x(i), y(k in t.parameters ? scales[i].at(t.parameters[k]) : 0.5)] as [number, number]),
      [x(keys.length), y(metricAt(t.value))] as [number, number],
    ],
    value: t.value,
    rank: ordered.length > 1 ? r / (ordered.length - 1) : 0,
  }));
  return { axes, lines };
}
