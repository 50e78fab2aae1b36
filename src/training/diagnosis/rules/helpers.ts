/** Small readers the rules share. */
import type { LayerDiagnostics } from '../../../core/run-types.js';
import type { LayerDetail, Observation } from '../types.js';

export interface LayerView extends LayerDiagnostics {
  detail: LayerDetail;
}

/** Every probed layer with its details, bottom to top. */
export function layersOf(obs: Observation): LayerView[] {
  const details = new Map(obs.details.map((d) => [d.name, d]));
  return obs.layers.flatMap((l) => {
    const detail = details.get(l.name);
    return detail ? [{ ...l, detail }] : [];
  });
}

/** The layers being trained in this phase. */
export const trainedLayers = (obs: Observation) => layersOf(obs).filter((l) => l.detail.trainable);

/** Hidden layers (every probed layer but the output one). */
export const hiddenLayers = (obs: Observation) => layersOf(obs).filter((l) => !l.detail.isOutput);

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Geometric mean of the ratios between consecutive values (how much each step multiplies). */
export function growthPerStep(values: number[]): number {
  if (values.length < 2 || values[0] <= 0) return NaN;
  const last = values[values.length - 1];
  return last <= 0 ? 0 : (last / values[0]) ** (1 / (values.length - 1));
}

/** A number for a message: 3 decimals in the everyday range, else exponent notation. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return v === 0 ? '0' : Math.abs(v) >= 1e-2 && Math.abs(v) < 1e4 ? Number(v.toFixed(3)).toString() : v.toExponential(2);
}

/** Rounds evidence to 4 significant digits (JSON-safe: non-finite values become strings). */
export function num(v: number): number | string {
  return Number.isFinite(v) ? Number(v.toPrecision(4)) : String(v);
}

/** The training loss of the last finished epoch, if any. */
export const lastLoss = (obs: Observation): number | null => obs.history.at(-1)?.loss ?? null;
