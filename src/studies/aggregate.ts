/**
 * A study's results read out: configurations ranked by the metric as mean ± std over their
 * repeats, the best one, each parameter's marginal effect, and which diagnosis warnings each
 * configuration raised in how many of its runs.
 */
import type { Mode } from './asha.js';

/** What aggregation needs to know about one trial. */
export interface TrialOutcome {
  parameters: Record<string, unknown>;
  /** `succeeded` counts in the ranking; `stopped` (ASHA) and `failed` are counted beside it. */
  status: 'pending' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'stopped';
  /** The metric at the trial's last epoch, or null. */
  value: number | null;
  /** The warning kinds the run raised (each counted once per run). */
  warningKinds: readonly string[];
}

export interface RankingEntry {
  parameters: Record<string, unknown>;
  /** Mean of the metric over the configuration's finished runs; null when none finished. */
  mean: number | null;
  /** Sample standard deviation (n - 1); 0 for a single run, null for none. */
  std: number | null;
  n: number;
  stopped: number;
  failed: number;
  /** Warning kind -> in how many of the configuration's runs it appeared. */
  warnings: Record<string, number>;
  /** The same in words: "sigmoid + glorot_uniform: vanishing_gradients in 3/3 seeds". */
  warningSummary: string[];
}

export interface Effect {
  value: unknown;
  mean: number;
  n: number;
}

export interface StudyAggregate {
  ranking: RankingEntry[];
  best: RankingEntry | null;
  effects: Record<string, Effect[]>;
}

/** A stable key for a value of any JSON type. */
export function valueKey(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

/** How a value reads in a sentence: strings bare, everything else as JSON. */
export function valueLabel(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function meanStd(values: readonly number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, std: Math.sqrt(variance) };
}

const ENDED = new Set(['succeeded', 'failed', 'stopped']);

/** Ranks configurations (best first by `mode`; those with no finished run last) and reads out effects and warnings. */
export function aggregateStudy(trials: readonly TrialOutcome[], mode: Mode): StudyAggregate {
  const groups = new Map<string, TrialOutcome[]>();
  for (const t of trials) {
    const key = valueKey(t.parameters);
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  const ranking = [...groups.values()].map((group) => rankingEntry(group));
  const sign = mode === 'max' ? -1 : 1;
  ranking.sort((a, b) => {
    if (a.mean === null || b.mean === null) return a.mean === null ? (b.mean === null ? 0 : 1) : -1;
    return sign * (a.mean - b.mean);
  });
  return { ranking, best: ranking[0]?.mean !== null && ranking[0] ? ranking[0] : null, effects: marginalEffects(trials) };
}

function rankingEntry(group: TrialOutcome[]): RankingEntry {
  const values = group.filter((t) => t.status === 'succeeded' && t.value !== null && Number.isFinite(t.value)).map((t) => t.value as number);
  const stats = values.length ? meanStd(values) : null;
  const ran = group.filter((t) => ENDED.has(t.status));
  const warnings: Record<string, number> = {};
  for (const t of ran) for (const kind of new Set(t.warningKinds)) warnings[kind] = (warnings[kind] ?? 0) + 1;
  const label = Object.values(group[0].parameters).map(valueLabel).join(' + ');
  const warningSummary = Object.entries(warnings)
    .sort(([, a], [, b]) => b - a)
    .map(([kind, count]) => `${label}: ${kind} in ${count}/${ran.length} seeds`);
  return {
    parameters: group[0].parameters,
    mean: stats?.mean ?? null,
    std: stats?.std ?? null,
    n: values.length,
    stopped: group.filter((t) => t.status === 'stopped').length,
    failed: group.filter((t) => t.status === 'failed').length,
    warnings,
    warningSummary,
  };
}

/** For each parameter, the mean metric over every finished run that took each of its values (averaging over the other parameters). */
function marginalEffects(trials: readonly TrialOutcome[]): Record<string, Effect[]> {
  const effects: Record<string, Effect[]> = {};
  const keys = [...new Set(trials.flatMap((t) => Object.keys(t.parameters)))];
  for (const key of keys) {
    const byValue = new Map<string, { value: unknown; values: number[] }>();
    for (const t of trials) {
      if (!(key in t.parameters)) continue;
      const k = valueKey(t.parameters[key]);
      const entry = byValue.get(k) ?? { value: t.parameters[key], values: [] };
      if (t.status === 'succeeded' && t.value !== null && Number.isFinite(t.value)) entry.values.push(t.value);
      byValue.set(k, entry);
    }
    effects[key] = [...byValue.values()].filter((e) => e.values.length > 0).map((e) => ({ value: e.value, mean: meanStd(e.values).mean, n: e.values.length }));
  }
  return effects;
}
