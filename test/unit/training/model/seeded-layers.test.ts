import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AlphaDropout, Dropout } from '../../../../src/training/model/layers/seeded-dropout.js';
import { SpatialDropout2D } from '../../../../src/training/model/layers/spatial-dropout-2d.js';
import { RReLU } from '../../../../src/training/model/layers/rrelu.js';
import { seededLayerTypes, withLayerSeed } from '../../../../src/training/model/layer-seeds.js';
import { buildModel } from '../../../../src/training/model/build-model.js';
import type { LayerSpec } from '../../../../src/schemas/job-spec.js';
import { useTestBackend } from '../../../support/test-backend.js';

beforeAll(async () => {
  await useTestBackend();
});

const x = () => tf.linspace(-1, 1, 64).reshape([4, 16]);

/** The outputs of `steps` training calls of a fresh layer from `make`. */
function trainingOutputs(make: () => tf.layers.Layer, steps: number): number[][] {
  const layer = make();
  const input = x();
  const out = Array.from({ length: steps }, () => {
    const y = layer.apply(input, { training: true }) as tf.Tensor;
    const values = Array.from(y.dataSync());
    y.dispose();
    return values;
  });
  input.dispose();
  return out;
}

describe.each([
  ['Dropout', (seed?: number) => new Dropout({ rate: 0.5, seed })],
  ['AlphaDropout', (seed?: number) => new AlphaDropout({ rate: 0.5, seed })],
  ['RReLU', (seed?: number) => new RReLU({ seed })],
] as const)('%s', (_name, make) => {
  it('draws a new mask every training step, and the same sequence for the same seed', () => {
    const [a1, a2, a3] = trainingOutputs(() => make(3), 3);
    expect(a2).not.toEqual(a1);
    expect(a3).not.toEqual(a2);
    expect(trainingOutputs(() => make(3), 3)).toEqual([a1, a2, a3]);
    expect(trainingOutputs(() => make(4), 1)[0]).not.toEqual(a1);
  });

  it('draws afresh without a seed, takes a seed later, and keeps its own over a later one', () => {
    expect(trainingOutputs(() => make(), 1)).not.toEqual(trainingOutputs(() => make(), 1));
    const late = make();
    (late as unknown as { seedIfUnset(s: number): void }).seedIfUnset(3);
    expect(trainingOutputs(() => late, 2)).toEqual(trainingOutputs(() => make(3), 2));
    const own = make(3);
    (own as unknown as { seedIfUnset(s: number): void }).seedIfUnset(9);
    expect(own.getConfig()['seed']).toBe(3);
  });
});

describe('SpatialDropout2D', () => {
  /** Each training step's output on a [2, 3, 3, 4] input of ones, from a fresh layer seeded `seed`. */
  function steps(seed: number, n: number): number[][] {
    const layer = new SpatialDropout2D({ rate: 0.5, seed });
    const input = tf.ones([2, 3, 3, 4]);
    const out = Array.from({ length: n }, () => {
      const y = layer.apply(input, { training: true }) as tf.Tensor;
      const values = Array.from(y.dataSync());
      y.dispose();
      return values;
    });
    input.dispose();
    return out;
  }

  it('drops whole channels, a new set every step, the same sequence for the same seed', () => {
    const [a, b] = steps(5, 2);
    expect(b).not.toEqual(a);
    expect(steps(5, 2)).toEqual([a, b]);
    // Every position of one sample's channel is kept (2 = 1 / (1 - rate)) or dropped together.
    for (let sample = 0; sample < 2; sample++) {
      for (let channel = 0; channel < 4; channel++) {
        const values = Array.from({ length: 9 }, (_, p) => a[sample * 36 + p * 4 + channel]);
        expect(new Set(values).size).toBe(1);
        expect([0, 2]).toContain(values[0]);
      }
    }
  });
});

describe('seeding from the job seed', () => {
  it('finds the layer types that take a seed in the schema', () => {
    expect([...seededLayerTypes()].sort()).toEqual(['AlphaDropout', 'Dropout', 'RReLU', 'SpatialDropout2D']);
  });

  it("fills a derived seed into random layers only, distinct per index, and keeps a layer's own", () => {
    const dropout: LayerSpec = { type: 'Dropout', rate: 0.2 };
    const dense: LayerSpec = { type: 'Dense', units: 2 };
    const a = withLayerSeed(dropout, 1, 42) as { seed?: number };
    const b = withLayerSeed(dropout, 2, 42) as { seed?: number };
    expect(Number.isInteger(a.seed)).toBe(true);
    expect(b.seed).not.toBe(a.seed);
    expect((withLayerSeed(dropout, 1, 43) as { seed?: number }).seed).not.toBe(a.seed);
    expect(withLayerSeed(dense, 1, 42)).toBe(dense);
    expect(withLayerSeed({ ...dropout, seed: 5 } as LayerSpec, 1, 42)).toMatchObject({ seed: 5 });
    expect(withLayerSeed(dropout, 1, undefined)).toBe(dropout);
  });

  it('builds Dropout layers that save their derived seed, so a saved model replays', () => {
    const model = buildModel([{ type: 'Dense', units: 4 }, { type: 'Dropout', rate: 0.5 }, { type: 'AlphaDropout', rate: 0.1 }, { type: 'RReLU' }], {
      inputShape: [3],
      seed: 42,
    });
    const seeds = model.layers.slice(1).map((l) => l.getConfig()['seed']);
    expect(seeds.every((s) => Number.isInteger(s))).toBe(true);
    expect(new Set(seeds).size).toBe(3);
    model.dispose();
  });
});
