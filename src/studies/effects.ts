/**
 * What each parameter did on its own: the mean metric per value with its 95% interval, and the
 * share of the metric's variance the parameter explains (eta squared of a one-way decomposition:
 * the between-values sum of squares over the total sum of squares, over every succeeded trial).
 */
import { summarize, type Interval } from './inference.js';
import { valueKey } from './values.js';

export interface Effect {
  value: unknown;
  mean: number;
  n: number;
  /** 95% t interval of the mean over the trials with this value; null below 2 of them. */
  ci95: Interval | null;
}

/** A trial as effects see it: its parameters and its metric when it succeeded with a finite value. */
export interface ScoredTrial {
  parameters: Record<string, unknown>;
  value: number;
}

/** Parameter -> its values in first-seen order, each with the metrics of the trials that took it. */
function byParameter(trials: readonly ScoredTrial[], keys: readonly string[]): Map<string, Array<{ value: unknown; values: number[] }>> {
  const out = new Map<string, Array<{ value: unknown; values: number[] }>>();
  for (const key of keys) {
    const groups = new Map<string, { value: unknown; values: number[] }>();
    for (const t of trials) {
      if (!(key in t.parameters)) continue;
      const k = valueKey(t.parameters[key]);
      const group = groups.get(k) ?? { value: t.parameters[key], values: [] };
      group.values.push(t.value);
      groups.set(k, group);
    }
    out.set(key, [...groups.values()]);
  }
  return out;
}

/** For each parameter, the mean metric over every succeeded trial that took each of its values (averaging over the other parameters). */
export function marginalEffects(trials: readonly ScoredTrial[], keys: readonly string[]): Record<string, Effect[]> {
  // Built from entries, so any parameter name (a named parameter's key is the user's) is an own key.
  return Object.fromEntries(
    [...byParameter(trials, keys)].map(([key, groups]) => [
      key,
      groups.map((g) => {
        const s = summarize(g.values);
        return { value: g.value, mean: s.mean, n: s.n, ci95: s.ci };
      }),
    ]),
  );
}

/**
 * Parameter -> eta squared: sum over its values of n_v (mean_v - mean)^2, divided by the sum
 * over trials of (value - mean)^2. 0 for a parameter that took one value; null when the metric
 * did not vary at all (or fewer than 2 trials succeeded), where no share can be given. On a
 * balanced grid the shares of the parameters and of their interactions add up to 1 with the
 * repeat-to-repeat noise; with an unbalanced design they are each parameter's marginal share.
 */
export function importance(trials: readonly ScoredTrial[], keys: readonly string[]): Record<string, number | null> {
  return Object.fromEntries([...byParameter(trials, keys)].map(([key, groups]) => [key, etaSquared(groups.map((g) => g.values))]));
}

function etaSquared(groups: number[][]): number | null {
  const all = groups.flat();
  if (all.length < 2) return null;
  const mean = all.reduce((a, b) => a + b, 0) / all.length;
  const total = all.reduce((a, v) => a + (v - mean) ** 2, 0);
  const between = groups.reduce((a, g) => a + g.length * (g.reduce((x, y) => x + y, 0) / g.length - mean) ** 2, 0);
  return total > 0 ? Math.min(1, between / total) : null;
}
