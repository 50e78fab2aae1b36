import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { aggregateStudy, type TrialOutcome } from '../../../src/studies/aggregate.js';

// A 2x2 study with 5 repeats and SciPy's answers for it (test/fixtures/statistics/make-scipy-reference.py).
const { study } = JSON.parse(readFileSync(new URL('../../fixtures/statistics/scipy-reference.json', import.meta.url), 'utf8'));

type Row = {
  parameters: object;
  mean: number;
  std: number;
  ci95: [number, number];
  vsBest?: { diff: number; ci95: [number, number]; pValue: number; wilcoxonP: number };
};

function close(actual: number | null | undefined, expected: number, what: string) {
  expect(actual, what).not.toBeNull();
  expect(Math.abs((actual as number) - expected), `${what}: ${actual} vs SciPy ${expected}`).toBeLessThanOrEqual(1e-9);
}

const outcomes: TrialOutcome[] = study.trials.map((t: { parameters: Record<string, unknown>; repeat: number; value: number }) => ({
  ...t,
  status: 'succeeded',
  warningKinds: [],
}));

describe('a 2x2 study with 5 paired repeats, against SciPy', () => {
  it('ranks by mean with sd and the 95% t interval, and compares each row with the best by a paired t-test', () => {
    const agg = aggregateStudy(outcomes, 'min');
    expect(agg.ranking.map((r) => r.parameters)).toEqual(study.ranking.map((r: Row) => r.parameters));
    study.ranking.forEach((ref: Row, i: number) => {
      const row = agg.ranking[i];
      close(row.mean, ref.mean, `mean ${i}`);
      close(row.std, ref.std, `std ${i}`);
      close(row.ci95?.[0], ref.ci95[0], `ci low ${i}`);
      close(row.ci95?.[1], ref.ci95[1], `ci high ${i}`);
      if (!ref.vsBest) return expect(row.vsBest).toBeNull();
      close(row.vsBest?.diff, ref.vsBest.diff, `diff ${i}`);
      close(row.vsBest?.ci95?.[0], ref.vsBest.ci95[0], `diff ci low ${i}`);
      close(row.vsBest?.ci95?.[1], ref.vsBest.ci95[1], `diff ci high ${i}`);
      close(row.vsBest?.pValue, ref.vsBest.pValue, `p ${i}`);
      expect(row.vsBest).toMatchObject({ n: 5, test: 't', distinguishable: ref.vsBest.pValue < 0.05 });
    });
    // The runner-up is within the noise of the best, so the best is not distinguishable from all.
    expect(agg.ranking[1].vsBest?.distinguishable).toBe(false);
    expect(agg.bestDistinguishable).toBe(false);
  });

  it('pairing matters: the unpaired intervals overlap where the paired test separates the rows', () => {
    const agg = aggregateStudy(outcomes, 'min');
    const [best, , third] = agg.ranking;
    expect(third.ci95![0]).toBeLessThan(best.ci95![1]);
    expect(third.vsBest!.pValue).toBeLessThan(0.01);
  });

  it('the Wilcoxon signed-rank test on request', () => {
    const agg = aggregateStudy(outcomes, 'min', 'wilcoxon');
    study.ranking.slice(1).forEach((ref: Row, i: number) => {
      close(agg.ranking[i + 1].vsBest?.pValue, ref.vsBest!.wilcoxonP, `wilcoxon p ${i + 1}`);
      expect(agg.ranking[i + 1].vsBest?.test).toBe('wilcoxon');
    });
    // With 5 pairs the exact two-sided p-value cannot go below 2/32.
    expect(Math.min(...agg.ranking.slice(1).map((r) => r.vsBest!.pValue!))).toBe(0.0625);
  });

  it('effects per value with intervals, and eta squared per parameter', () => {
    const agg = aggregateStudy(outcomes, 'min');
    for (const [name, refs] of Object.entries(study.effects as Record<string, Array<{ value: unknown; mean: number; n: number; ci95: [number, number] }>>)) {
      refs.forEach((ref, i) => {
        const e = agg.effects[name][i];
        expect([e.value, e.n]).toEqual([ref.value, ref.n]);
        close(e.mean, ref.mean, `${name} mean`);
        close(e.ci95?.[0], ref.ci95[0], `${name} ci low`);
        close(e.ci95?.[1], ref.ci95[1], `${name} ci high`);
      });
      close(agg.importance[name], study.importance[name], `importance of ${name}`);
    }
  });
});

describe('statistics at the edges', () => {
  const t = (act: string, repeat: number, value: number | null, status: TrialOutcome['status'] = 'succeeded'): TrialOutcome => ({
    parameters: { act },
    repeat,
    value,
    status,
    warningKinds: [],
  });

  it('one run: no std, no interval; a row with no pair in common compares its means without a p-value', () => {
    const agg = aggregateStudy([t('relu', 0, 0.2), t('tanh', 1, 0.5), t('tanh', 2, 0.7), t('elu', 0, null, 'failed')], 'min');
    expect(agg.ranking[0]).toMatchObject({ parameters: { act: 'relu' }, n: 1, std: null, ci95: null, vsBest: null });
    expect(agg.ranking[1].vsBest).toMatchObject({ n: 0, ci95: null, pValue: null, distinguishable: false });
    expect(agg.ranking[1].vsBest!.diff).toBeCloseTo(0.4, 12);
    expect(agg.ranking[2]).toMatchObject({ mean: null, vsBest: null });
    expect(agg.bestDistinguishable).toBe(false);
  });

  it('pairs only the repeats both rows finished', () => {
    const agg = aggregateStudy([t('a', 0, 1), t('a', 1, 2), t('a', 2, 3), t('b', 0, 1.5), t('b', 1, 2.25), t('b', 2, null, 'failed')], 'min');
    // b (mean 1.875 over its two runs) is best; a's third repeat has no partner.
    expect(agg.ranking[0].parameters).toEqual({ act: 'b' });
    expect(agg.ranking[1].vsBest).toMatchObject({ n: 2, diff: -0.375 });
  });

  it('importance: 0 for a parameter that took one value, null where the metric never varied', () => {
    const fixed = aggregateStudy([t('a', 0, 1), t('a', 1, 1)], 'min');
    expect(fixed.importance).toEqual({ act: null });
    const one = aggregateStudy(
      [
        { ...t('a', 0, 1), parameters: { act: 'a', lr: 1 } },
        { ...t('a', 1, 2), parameters: { act: 'a', lr: 2 } },
      ],
      'min',
    );
    expect(one.importance).toEqual({ act: 0, lr: 1 });
  });

  it('a parameter named like a prototype key is an own key of effects and importance', () => {
    const trials = [0, 1, 2, 3].map((i) => ({ ...t('a', i, i), parameters: JSON.parse(`{"__proto__": ${i % 2}}`) as Record<string, unknown> }));
    const agg = aggregateStudy(trials, 'min');
    expect(Object.keys(agg.effects)).toEqual(['__proto__']);
    expect(Object.hasOwn(agg.importance, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(agg.effects)).toBe(Object.prototype);
  });
});
