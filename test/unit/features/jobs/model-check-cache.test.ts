import { describe, expect, it } from 'vitest';
import type { JobSpec } from '../../../../src/schemas/job-spec.js';
import { cachedModelCheck, type ModelCheck } from '../../../../src/features/jobs/model-check.js';
import { modelCheckInput } from '../../../../src/training/checks/model-check-input.js';
import { SpecCheckCache } from '../../../../src/features/jobs/model-check-cache.js';

const SPEC: JobSpec = {
  name: 'a',
  dataset: { builtin: 'fashion-mnist', limit: 256, seed: 1 },
  model: {
    layers: [
      { type: 'Flatten', inputShape: [28, 28] },
      { type: 'Dense', units: 10, activation: 'softmax' },
    ],
  },
  compile: { optimizer: { type: 'adam' }, loss: 'sparse_categorical_crossentropy' },
  fit: { epochs: 1, batchSize: 32 },
};
const CTX = { inputShape: [28, 28], classes: 10 };

/** A check that counts its calls and answers from the spec (as the real one does). */
function countingCheck() {
  const calls: unknown[] = [];
  const check: ModelCheck = async (spec) => {
    calls.push(spec);
    return { problems: spec.model.layers.length > 2 ? [{ path: '/model/layers', message: 'too many' }] : [], warnings: [] };
  };
  return { check, calls };
}

describe('spec check cache', () => {
  it('builds a repeated architecture once: name, fit, data view and validation are not part of the key', async () => {
    const { check, calls } = countingCheck();
    const again: JobSpec = {
      ...SPEC,
      name: 'b',
      fit: { epochs: 7, batchSize: 64, seed: 3 },
      dataset: { builtin: 'fashion-mnist', limit: 1000, seed: 9 },
      validation: { split: 0.1 },
    };
    for (const s of [SPEC, again, SPEC]) expect(await cachedModelCheck(check, modelCheckInput(s), CTX)).toEqual({ problems: [], warnings: [] });
    expect(calls).toHaveLength(1);
  });

  it('checks again when anything the check reads differs: layers, compile, task, standardize, the data shape', async () => {
    const { check, calls } = countingCheck();
    const variants: Array<[JobSpec, typeof CTX]> = [
      [SPEC, CTX],
      [{ ...SPEC, model: { layers: [...SPEC.model.layers, { type: 'Dense', units: 10 }] } }, CTX],
      [{ ...SPEC, compile: { ...SPEC.compile, loss: 'categorical_crossentropy' } }, CTX],
      [{ ...SPEC, task: 'autoencoder' }, CTX],
      [{ ...SPEC, dataset: { ...SPEC.dataset, standardize: true } }, CTX],
      [SPEC, { inputShape: [28, 28], classes: 5 }],
      [SPEC, { inputShape: [784], classes: 10 }],
    ];
    const results = [];
    for (const [s, ctx] of variants) results.push(await cachedModelCheck(check, modelCheckInput(s), ctx));
    expect(calls).toHaveLength(variants.length);
    expect(results[1].problems).toHaveLength(1);
  });

  it('gives the check only the parts it is keyed on', () => {
    expect(Object.keys(modelCheckInput({ ...SPEC, validation: { split: 0.1 }, diagnostics: { enabled: false } })).sort()).toEqual([
      'base',
      'compile',
      'dataset',
      'fineTune',
      'model',
      'task',
    ]);
    expect(modelCheckInput(SPEC).dataset).toEqual({ standardize: undefined });
  });

  it('shares one computation among callers asking at once, and keeps no failure', async () => {
    const cache = new SpecCheckCache<number>();
    let runs = 0;
    let release!: (n: number) => void;
    const slow = () => {
      runs += 1;
      return new Promise<number>((resolve) => (release = resolve));
    };
    const both = Promise.all([cache.get('k', slow), cache.get('k', slow)]);
    release(4);
    expect(await both).toEqual([4, 4]);
    expect(runs).toBe(1);

    await expect(cache.get('busy', async () => Promise.reject(new Error('503 busy')))).rejects.toThrow('busy');
    expect(await cache.get('busy', async () => 5)).toBe(5);
  });

  it('hands out copies, and drops the least recently used past its size', async () => {
    const cache = new SpecCheckCache<{ list: number[] }>(2);
    const first = await cache.get('a', async () => ({ list: [1] }));
    first.list.push(2);
    expect(await cache.get('a', async () => ({ list: [9] }))).toEqual({ list: [1] });
    await cache.get('b', async () => ({ list: [2] }));
    await cache.get('a', async () => ({ list: [9] })); // a is now the most recent
    await cache.get('c', async () => ({ list: [3] })); // b goes
    expect(cache.size).toBe(2);
    expect(await cache.get('b', async () => ({ list: [7] }))).toEqual({ list: [7] });
    expect(await cache.get('a', async () => ({ list: [9] }))).toEqual({ list: [9] }); // a went when b came back
  });
});
