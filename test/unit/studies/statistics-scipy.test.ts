import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { incompleteBeta, logGamma, normalSf, studentTCdf, studentTQuantile, studentTSf } from '../../../src/studies/distributions.js';
import { pairedTTest, summarize, wilcoxonSignedRank } from '../../../src/studies/inference.js';

// Made by test/fixtures/statistics/make-scipy-reference.py with SciPy 1.10 (not run by the tests).
const ref = JSON.parse(readFileSync(new URL('../../fixtures/statistics/scipy-reference.json', import.meta.url), 'utf8'));

/** Within 1e-9, relative for numbers above 1 in size. */
function close(actual: number | null | undefined, expected: number, what: string) {
  expect(actual, what).not.toBeNull();
  const err = Math.abs((actual as number) - expected) / Math.max(1, Math.abs(expected));
  expect(err, `${what}: ${actual} vs SciPy ${expected}`).toBeLessThanOrEqual(1e-9);
}

describe('distributions against SciPy', () => {
  it('log-gamma and the regularized incomplete beta', () => {
    for (const r of ref.gammaln) close(logGamma(r.x), r.lgamma, `gammaln(${r.x})`);
    for (const r of ref.betainc) close(incompleteBeta(r.a, r.b, r.x), r.value, `betainc(${r.a}, ${r.b}, ${r.x})`);
  });

  it("Student's t CDF and survival function", () => {
    expect(ref.tCdf.length).toBeGreaterThan(300);
    for (const r of ref.tCdf) {
      close(studentTCdf(r.t, r.df), r.cdf, `t.cdf(${r.t}, ${r.df})`);
      close(studentTSf(r.t, r.df), r.sf, `t.sf(${r.t}, ${r.df})`);
    }
  });

  it("Student's t quantiles: to 1e-10 of a 40-digit reference, and to SciPy's own accuracy", () => {
    for (const r of ref.tPpf) {
      const q = studentTQuantile(r.p, r.df);
      expect(Math.abs(q - r.exact) / Math.max(1, Math.abs(r.exact)), `t.ppf(${r.p}, ${r.df})`).toBeLessThanOrEqual(1e-10);
      // SciPy 1.10's t.ppf is itself up to about 5e-9 (relative) off the exact quantile.
      expect(Math.abs(q - r.ppf) / Math.max(1, Math.abs(r.ppf)), `SciPy t.ppf(${r.p}, ${r.df})`).toBeLessThanOrEqual(1e-8);
    }
  });

  it('the standard normal survival function, far into the tails', () => {
    for (const r of ref.normalSf) close(normalSf(r.z), r.sf, `norm.sf(${r.z})`);
    // Tiny tails are compared relatively as well: a test's p-value may be that small.
    const far = ref.normalSf.find((r: { z: number }) => r.z === 8.5);
    expect(Math.abs(normalSf(8.5) / far.sf - 1)).toBeLessThan(1e-9);
  });
});

describe('inference against SciPy', () => {
  it('mean, sample sd and the 95% t interval (t.interval)', () => {
    for (const r of ref.summaries) {
      const s = summarize(r.values);
      close(s.mean, r.mean, 'mean');
      close(s.sd, r.sd, `sd of ${r.values.length}`);
      close(s.ci?.[0], r.ci[0], `ci low of ${r.values.length}`);
      close(s.ci?.[1], r.ci[1], `ci high of ${r.values.length}`);
    }
  });

  it('no sd and no interval for a single value', () => {
    expect(summarize([0.7])).toEqual({ mean: 0.7, sd: null, n: 1, ci: null });
  });

  it('the paired t-test (ttest_rel) and the interval of the mean difference', () => {
    for (const r of ref.pairedT) {
      const d = r.a.map((x: number, i: number) => x - r.b[i]);
      const t = pairedTTest(d);
      close(t.diff, r.diff, 'diff');
      close(t.ci?.[0], r.ci[0], 'ci low');
      close(t.ci?.[1], r.ci[1], 'ci high');
      close(t.pValue, r.pValue, `p of ${d.length} pairs`);
    }
  });

  it('paired t-test edge cases: one pair, identical runs, a constant difference', () => {
    expect(pairedTTest([0.2])).toMatchObject({ diff: 0.2, ci: null, pValue: null, n: 1 });
    expect(pairedTTest([0, 0, 0]).pValue).toBeNull();
    expect(pairedTTest([0.25, 0.25, 0.25])).toMatchObject({ pValue: 0, ci: [0.25, 0.25] });
  });

  it('the Wilcoxon signed-rank test: exact, with ties, with zeros and approximated', () => {
    for (const r of ref.wilcoxon) {
      const w = wilcoxonSignedRank(r.d);
      close(w.statistic, r.statistic, `statistic of ${r.d.length}`);
      close(w.pValue, r.pValue, `p of ${r.d.length} (${w.method})`);
    }
    expect(wilcoxonSignedRank(ref.wilcoxon[0].d).method).toBe('exact');
    expect(wilcoxonSignedRank(ref.wilcoxon[5].d).method).toBe('approx');
    expect(wilcoxonSignedRank([0, 0]).pValue).toBeNull();
  });
});
