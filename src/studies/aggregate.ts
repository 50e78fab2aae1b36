/**
 * A study's results read out: configurations ranked by the metric (mean, standard deviation and
 * 95% interval over their repeats), each against the best (paired by repeat), the best one, each
 * parameter's marginal effect and share of the variance, and which diagnosis warnings each
 * configuration raised in how many of its runs.
 */
import type { Mode } from './asha.js';
import { compareWithBest, type ByRepeat, type Comparison, type StudyTest } from './compare.js';
import { importance, marginalEffects, type Effect, type ScoredTrial } from './effects.js';
import { summarize } from './inference.js';
import { valueKey, valueLabel } from './values.js';

/** What aggregation needs to know about one trial. */
export interface TrialOutcome {
  parameters: Record<string, unknown>;
  /** Its repeat: repeat r of every configuration trains with the same seeds, which pairs them. */
  repeat: number;
  /** `succeeded` counts in the ranking; `stopped` (ASHA) and `failed` are counted beside it. */
  status: 'pending' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'stopped';
  /** The metric at the trial's last epoch, or null. */
  value: number | null;
  /** The warning kinds the run raised (each counted once per run). */
  warningKinds: readonly string[];
}

export interface RankingEntry {
  parameters: Record<string, unknown>;
  /** Mean of the metric over the configuration's succeeded runs; null when none succeeded. */
  mean: number | null;
  /** Sample standard deviation (n - 1); null below 2 runs, where there is none. */
  std: number | null;
  n: number;
  /** 95% interval of the mean (Student's t, n - 1 degrees of freedom); null below 2 runs. */
  ci95: [number, number] | null;
  /** Against the best configuration, paired by repeat; null for the best itself and for a configuration with no result. */
  vsBest: Comparison | null;
  stopped: number;
  failed: number;
  /** Warning kind -> in how many of the configuration's runs it appeared. */
  warnings: Record<string, number>;
  /** The same in words: "sigmoid + glorot_uniform: vanishing_gradients in 3/3 seeds". */
  warningSummary: string[];
}

export interface StudyAggregate {
  ranking: RankingEntry[];
  best: RankingEntry | null;
  effects: Record<string, Effect[]>;
  /** Parameter -> share of the metric's variance it explains (eta squared); null where the metric did not vary. */
  importance: Record<string, number | null>;
  /** Whether the best is distinguishable from every other configuration with a result; null with fewer than two of them. */
  bestDistinguishable: boolean | null;
}

const ENDED = new Set(['succeeded', 'failed', 'stopped']);

const succeeded = (t: TrialOutcome): t is TrialOutcome & { value: number } => t.status === 'succeeded' && t.value !== null && Number.isFinite(t.value);

/** Ranks configurations (best first by `mode`; those with no finished run last), compares each with the best and reads out effects and warnings. */
export function aggregateStudy(trials: readonly TrialOutcome[], mode: Mode, test: StudyTest = 't'): StudyAggregate {
  const groups = new Map<string, TrialOutcome[]>();
  for (const t of trials) {
    const key = valueKey(t.parameters);
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  const rows = [...groups.values()].map((group) => ({ entry: rankingEntry(group), byRepeat: byRepeat(group) }));
  const sign = mode === 'max' ? -1 : 1;
  rows.sort(({ entry: a }, { entry: b }) => {
    if (a.mean === null || b.mean === null) return a.mean === null ? (b.mean === null ? 0 : 1) : -1;
    return sign * (a.mean - b.mean);
  });
  const top = rows[0]?.entry.mean !== null && rows[0] ? rows[0] : null;
  if (top) for (const row of rows.slice(1)) if (row.entry.mean !== null) row.entry.vsBest = compareWithBest(row.byRepeat, top.byRepeat, test);
  const ranking = rows.map((r) => r.entry);
  const compared = ranking.filter((r) => r.vsBest);
  const scored: ScoredTrial[] = trials.filter(succeeded).map((t) => ({ parameters: t.parameters, value: t.value }));
  const keys = [...new Set(trials.flatMap((t) => Object.keys(t.parameters)))];
  return {
    ranking,
    best: top?.entry ?? null,
    effects: marginalEffects(scored, keys),
    importance: importance(scored, keys),
    bestDistinguishable: compared.length ? compared.every((r) => r.vsBest!.distinguishable) : null,
  };
}

/** Repeat -> metric over the group's succeeded trials (a repeat seen twice keeps its first). */
function byRepeat(group: TrialOutcome[]): ByRepeat {
  const out = new Map<number, number>();
  for (const t of group.filter(succeeded)) if (!out.has(t.repeat)) out.set(t.repeat, t.value);
  return out;
}

function rankingEntry(group: TrialOutcome[]): RankingEntry {
  const values = group.filter(succeeded).map((t) => t.value);
  const stats = values.length ? summarize(values) : null;
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
    std: stats?.sd ?? null,
    n: values.length,
    ci95: stats?.ci ?? null,
    vsBest: null,
    stopped: group.filter((t) => t.status === 'stopped').length,
    failed: group.filter((t) => t.status === 'failed').length,
    warnings,
    warningSummary,
  };
}
