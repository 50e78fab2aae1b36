import { describe, expect, it } from 'vitest';
import { aggregateStudy, type TrialOutcome } from '../../../src/studies/aggregate.js';
import { ashaDecision, ashaRungs, quantile } from '../../../src/studies/asha.js';

describe('ASHA', () => {
  it('places rungs at gracePeriod * eta^k below the last epoch', () => {
    expect(ashaRungs(9, { gracePeriod: 1, reductionFactor: 2 })).toEqual([1, 2, 4, 8]);
    expect(ashaRungs(27, { gracePeriod: 1, reductionFactor: 3 })).toEqual([1, 3, 9]);
    expect(ashaRungs(4, { gracePeriod: 2, reductionFactor: 2 })).toEqual([2]);
    expect(ashaRungs(2, { gracePeriod: 2, reductionFactor: 2 })).toEqual([]);
  });

  it('interpolates quantiles as numpy does', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([4, 1, 3], 0.5)).toBe(3);
    expect(quantile([10], 0.25)).toBe(10);
  });

  it('the first trial at a rung goes on; later ones stop unless within the best 1/eta', () => {
    expect(ashaDecision(0.9, [], 'min', 2)).toEqual({ stop: false, cutoff: null });
    // min: worse than the median of the earlier ones stops.
    expect(ashaDecision(0.9, [0.5], 'min', 2)).toEqual({ stop: true, cutoff: 0.5 });
    expect(ashaDecision(0.4, [0.5], 'min', 2).stop).toBe(false);
    expect(ashaDecision(0.6, [0.5, 0.9], 'min', 2)).toEqual({ stop: false, cutoff: 0.7 });
    // max with eta 4: only the top quarter goes on.
    expect(ashaDecision(0.72, [0.5, 0.6, 0.7, 0.9], 'max', 4)).toEqual({ stop: true, cutoff: expect.closeTo(0.75, 12) });
    expect(ashaDecision(0.8, [0.5, 0.6, 0.7, 0.9], 'max', 4).stop).toBe(false);
    // A diverged trial stops; earlier non-finite values are not compared with.
    expect(ashaDecision(Number.NaN, [0.5], 'min', 2).stop).toBe(true);
    expect(ashaDecision(0.9, [Number.NaN], 'min', 2).stop).toBe(false);
  });

  it('stops the worse half of alternating good and bad trials arriving one after another', () => {
    const values = [0.2, 0.9, 0.25, 0.95, 0.22, 0.91];
    const recorded: number[] = [];
    const stopped = values.map((v) => {
      const { stop } = ashaDecision(v, recorded, 'min', 2);
      recorded.push(v);
      return stop;
    });
    expect(stopped).toEqual([false, true, false, true, false, true]);
  });
});

const trial = (
  a: string,
  b: number,
  value: number | null,
  status: TrialOutcome['status'] = 'succeeded',
  warningKinds: string[] = [],
  repeat = 0,
): TrialOutcome => ({
  parameters: { act: a, lr: b },
  repeat,
  status,
  value,
  warningKinds,
});

describe('aggregateStudy', () => {
  it('ranks configurations by mean over repeats, reads effects and summarizes warnings per configuration', () => {
    const trials = [
      trial('relu', 0.1, 0.8),
      trial('relu', 0.1, 0.9),
      trial('relu', 0.01, 0.7),
      trial('relu', 0.01, 0.5),
      trial('sigmoid', 0.1, 0.3, 'succeeded', ['vanishing_gradients']),
      trial('sigmoid', 0.1, 0.1, 'succeeded', ['vanishing_gradients', 'saturation', 'vanishing_gradients']),
      trial('sigmoid', 0.01, null, 'failed', ['diverged']),
      trial('sigmoid', 0.01, 0.2, 'stopped', ['vanishing_gradients']),
      trial('sigmoid', 0.01, null, 'cancelled'),
    ];
    const { ranking, best, effects } = aggregateStudy(trials, 'max');
    expect(ranking.map((r) => [r.parameters, r.n])).toEqual([
      [{ act: 'relu', lr: 0.1 }, 2],
      [{ act: 'relu', lr: 0.01 }, 2],
      [{ act: 'sigmoid', lr: 0.1 }, 2],
      [{ act: 'sigmoid', lr: 0.01 }, 0],
    ]);
    expect(ranking[0].mean).toBeCloseTo(0.85, 12);
    expect(ranking[0].std).toBeCloseTo(Math.sqrt(0.005), 12);
    expect(ranking[3]).toMatchObject({ mean: null, std: null, stopped: 1, failed: 1, warnings: { diverged: 1, vanishing_gradients: 1 } });
    expect(best).toBe(ranking[0]);
    expect(ranking[2].warnings).toEqual({ vanishing_gradients: 2, saturation: 1 });
    expect(ranking[2].warningSummary).toEqual(['sigmoid + 0.1: vanishing_gradients in 2/2 seeds', 'sigmoid + 0.1: saturation in 1/2 seeds']);
    expect(ranking[3].warningSummary).toContain('sigmoid + 0.01: diverged in 1/2 seeds');
    expect(effects.act).toEqual([
      { value: 'relu', mean: expect.closeTo(0.725, 12), n: 4, ci95: [expect.any(Number), expect.any(Number)] },
      { value: 'sigmoid', mean: expect.closeTo(0.2, 12), n: 2, ci95: [expect.any(Number), expect.any(Number)] },
    ]);
    expect(effects.lr.map((e) => [e.value, e.n])).toEqual([
      [0.1, 4],
      [0.01, 2],
    ]);
    expect(aggregateStudy(trials, 'min').ranking[0].parameters).toEqual({ act: 'sigmoid', lr: 0.1 });
  });

  it('has no best before anything finished', () => {
    expect(aggregateStudy([trial('relu', 1, null, 'running')], 'min').best).toBeNull();
    expect(aggregateStudy([], 'min')).toEqual({ ranking: [], best: null, effects: {}, importance: {}, bestDistinguishable: null });
  });
});
