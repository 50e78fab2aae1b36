/**
 * Asynchronous successive halving (ASHA, Li et al. 2018), in the stopping form Ray Tune's
 * ASHAScheduler and Determined's adaptive searcher use: rungs sit at `gracePeriod * eta^k`
 * epochs; when a trial reaches a rung, it is compared with the trials that reached that rung
 * before it, and stopped unless it is within their best 1/eta. Nothing waits for a rung to
 * fill, so no worker ever idles. The first trial at a rung always goes on.
 */

export type Mode = 'min' | 'max';

export interface AshaSettings {
  /** Epochs before the first rung: no trial is stopped earlier. */
  gracePeriod: number;
  /** eta: keep the best 1/eta at each rung. */
  reductionFactor: number;
}

export const DEFAULT_ASHA: AshaSettings = { gracePeriod: 1, reductionFactor: 2 };

/** The rung epochs below `maxEpochs`: gracePeriod, gracePeriod*eta, ... (the last epoch is not a rung: the trial ends there). */
export function ashaRungs(maxEpochs: number, settings: AshaSettings): number[] {
  const rungs: number[] = [];
  for (let r = settings.gracePeriod; r < maxEpochs; r *= settings.reductionFactor) rungs.push(Math.round(r));
  return [...new Set(rungs)];
}

/**
 * The `q`-quantile (0..1) of `values`, interpolated linearly between closest ranks
 * (numpy's default, which Ray Tune's cutoff uses).
 */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Whether a trial that reached a rung with `value` stops, given the values recorded at that rung
 * by earlier trials. A non-finite value (a diverged trial) stops whenever anything is recorded.
 */
export function ashaDecision(value: number, recorded: readonly number[], mode: Mode, reductionFactor: number): { stop: boolean; cutoff: number | null } {
  const finite = recorded.filter(Number.isFinite);
  if (finite.length === 0) return { stop: false, cutoff: null };
  if (!Number.isFinite(value)) return { stop: true, cutoff: null };
  const keep = 1 / reductionFactor;
  const cutoff = mode === 'max' ? quantile(finite, 1 - keep) : quantile(finite, keep);
  return { stop: mode === 'max' ? value < cutoff : value > cutoff, cutoff };
}
