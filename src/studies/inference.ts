/**
 * What a study says about its numbers: a mean with its Student's t interval, the paired t-test
 * and the Wilcoxon signed-rank test on paired differences. Each follows SciPy's definitions
 * (`scipy.stats.t.interval`, `ttest_rel`, `wilcoxon` with its defaults), and the unit tests hold
 * them to SciPy's answers.
 */
import { normalSf, studentTQuantile, studentTSf } from './distributions.js';

export type Interval = [number, number];

export interface Summary {
  mean: number;
  /** Sample standard deviation (n - 1); null for a single value, where it does not exist. */
  sd: number | null;
  n: number;
  /** The interval for the mean at `level` (Student's t, n - 1 degrees of freedom); null below 2 values. */
  ci: Interval | null;
}

// A study asks for the same few quantiles (one per repeat count) once per row: remember them.
const quantiles = new Map<string, number>();
function tQuantile(p: number, df: number): number {
  const key = `${p}|${df}`;
  let q = quantiles.get(key);
  if (q === undefined) {
    q = studentTQuantile(p, df);
    if (quantiles.size >= 1000) quantiles.clear();
    quantiles.set(key, q);
  }
  return q;
}

/** Mean, sample sd and the t interval of the mean (`level` 0.95 for a 95% interval). */
export function summarize(values: readonly number[], level = 0.95): Summary {
  const n = values.length;
  if (n === 0) throw new RangeError('nothing to summarize');
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, sd: null, n, ci: null };
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const half = tQuantile((1 + level) / 2, n - 1) * (sd / Math.sqrt(n));
  return { mean, sd, n, ci: [mean - half, mean + half] };
}

export interface PairedTest {
  /** Mean of the differences. */
  diff: number;
  /** Its t interval; null below 2 pairs. */
  ci: Interval | null;
  /** Two-sided p-value; null below 2 pairs, or when every difference is 0 (the test is undefined there, as SciPy's nan). */
  pValue: number | null;
  n: number;
}

/** The paired t-test on differences d = a - b (two-sided), as `scipy.stats.ttest_rel(a, b)`. */
export function pairedTTest(differences: readonly number[], level = 0.95): PairedTest {
  const { mean, sd, n, ci } = summarize(differences, level);
  if (sd === null) return { diff: mean, ci: null, pValue: null, n };
  if (sd === 0) return { diff: mean, ci, pValue: mean === 0 ? null : 0, n };
  const t = mean / (sd / Math.sqrt(n));
  return { diff: mean, ci, pValue: Math.min(1, 2 * studentTSf(Math.abs(t), n - 1)), n };
}

export interface WilcoxonResult {
  /** min(R+, R-), SciPy's two-sided statistic. */
  statistic: number;
  pValue: number | null;
  method: 'exact' | 'approx';
}

/** 1-based ranks, ties given their average rank (`scipy.stats.rankdata`). */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length);
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && order[end + 1][0] === order[start][0]) end++;
    for (let k = start; k <= end; k++) ranks[order[k][1]] = (start + end) / 2 + 1;
    start = end + 1;
  }
  return ranks;
}

/** P(R+ = r) for r = 0..n(n+1)/2 under the null: SciPy's recurrence, exact in doubles for n <= 50. */
export function wilcoxonDistribution(n: number): number[] {
  let c = [1];
  for (let k = 1; k <= n; k++) {
    const next = new Array<number>((k * (k + 1)) / 2 + 1).fill(0);
    c.forEach((p, i) => {
      next[i] += p * 0.5;
      next[i + k] += p * 0.5;
    });
    c = next;
  }
  return c;
}

/**
 * The Wilcoxon signed-rank test on paired differences, two-sided, as SciPy 1.10's
 * `wilcoxon(d)` with its defaults: the exact null distribution for up to 50 pairs with no zero
 * difference; otherwise the normal approximation with zero differences dropped ("wilcox"), the
 * tie correction to the variance and no continuity correction.
 */
export function wilcoxonSignedRank(differences: readonly number[]): WilcoxonResult {
  const zeros = differences.filter((d) => d === 0).length;
  const method = differences.length <= 50 && zeros === 0 ? 'exact' : 'approx';
  const d = method === 'approx' ? differences.filter((x) => x !== 0) : [...differences];
  const ranks = averageRanks(d.map(Math.abs));
  let rPlus = 0;
  let rMinus = 0;
  d.forEach((x, i) => {
    if (x > 0) rPlus += ranks[i];
    else if (x < 0) rMinus += ranks[i];
  });
  const statistic = Math.min(rPlus, rMinus);
  const count = d.length;
  if (count === 0) return { statistic, pValue: null, method };
  if (method === 'exact') return { statistic, pValue: exactPValue(count, Math.trunc(rPlus)), method };
  let variance = count * (count + 1) * (2 * count + 1);
  for (const t of tieSizes(ranks)) variance -= 0.5 * t * (t * t - 1);
  const z = (statistic - (count * (count + 1)) / 4) / Math.sqrt(variance / 24);
  return { statistic, pValue: 2 * normalSf(Math.abs(z)), method };
}

// At most 50 of them (the exact test's limit), each at most 1,276 numbers.
const distributions = new Map<number, number[]>();

function exactPValue(n: number, rPlus: number): number {
  let pmf = distributions.get(n);
  if (!pmf) distributions.set(n, (pmf = wilcoxonDistribution(n)));
  if (rPlus === Math.floor((pmf.length - 1) / 2)) return 1;
  let less = 0;
  let greater = 0;
  pmf.forEach((p, r) => {
    if (r <= rPlus) less += p;
    if (r >= rPlus) greater += p;
  });
  return Math.min(1, Math.max(0, 2 * Math.min(less, greater)));
}

/** The sizes of the groups of equal ranks with more than one member. */
function tieSizes(ranks: readonly number[]): number[] {
  const counts = new Map<number, number>();
  for (const r of ranks) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts.values()].filter((c) => c > 1);
}
