/**
 * Each configuration against the best: differences paired by repeat (repeat r of every
 * configuration trains with the same seeds, so the seed-to-seed noise they share cancels), the
 * mean difference with its 95% t interval, and a two-sided p-value from the paired t-test or,
 * on request, the Wilcoxon signed-rank test.
 */
import type { STUDY_TESTS } from '../schemas/study.js';
import { pairedTTest, wilcoxonSignedRank, type Interval } from './inference.js';

export type StudyTest = (typeof STUDY_TESTS)[number];

/** Below this p-value the best counts as distinguishable from a configuration. */
export const ALPHA = 0.05;

export interface Comparison {
  /** Mean over the pairs of (this configuration's metric - the best's); without pairs, the difference of the means. */
  diff: number;
  /** 95% t interval of the mean paired difference; null below 2 pairs. */
  ci95: [number, number] | null;
  /** Two-sided p-value of `test`; null below 2 pairs, or when every pair is equal. */
  pValue: number | null;
  /** Repeats where both succeeded: the pairs compared. */
  n: number;
  test: StudyTest;
  /** pValue < 0.05: the best is distinguishable from this configuration (no correction for the number of comparisons). */
  distinguishable: boolean;
}

/** Repeat -> metric, for a configuration's succeeded trials. */
export type ByRepeat = ReadonlyMap<number, number>;

/** This configuration against the best, paired by repeat. */
export function compareWithBest(row: ByRepeat, best: ByRepeat, test: StudyTest): Comparison {
  const differences = [...row].filter(([repeat]) => best.has(repeat)).map(([repeat, value]) => value - best.get(repeat)!);
  if (differences.length === 0) {
    const mean = (m: ByRepeat) => [...m.values()].reduce((a, b) => a + b, 0) / m.size;
    return { diff: mean(row) - mean(best), ci95: null, pValue: null, n: 0, test, distinguishable: false };
  }
  const t = pairedTTest(differences);
  const pValue = test === 'wilcoxon' && differences.length >= 2 ? wilcoxonSignedRank(differences).pValue : t.pValue;
  return { diff: t.diff, ci95: t.ci as Interval | null, pValue, n: t.n, test, distinguishable: pValue !== null && pValue < ALPHA };
}
