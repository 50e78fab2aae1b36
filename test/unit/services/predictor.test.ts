import { randomUUID } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Predictor } from '../../../src/services/predictor.js';
import type { Db } from '../../../src/storage/prisma.js';
import { serializeModel } from '../../../src/training/artifact.js';
import type { ModelArtifact } from '../../../src/training/types.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A db holding `artifacts`; each findFirst answers after `delayMs`. */
function fakeDb(artifacts: Map<string, ModelArtifact>, delayMs = 5): Db {
  return {
    model: {
      async findFirst({ where }: { where: { id: string } }) {
        await new Promise((r) => setTimeout(r, delayMs));
        const a = artifacts.get(where.id);
        return a ? { modelJson: a.modelJson, weights: a.weights, preprocessing: null } : null;
      },
    },
  } as unknown as Db;
}

/** y = scale * (x1 + x2). */
async function artifact(scale: number): Promise<ModelArtifact> {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2], useBias: false, kernelInitializer: tf.initializers.constant({ value: scale }) })] });
  const a = await serializeModel(model);
  model.dispose();
  return a;
}

describe('Predictor', () => {
  it('with maxModels 1, concurrent predictions on two models both succeed (an evicted model is not disposed under a request)', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const artifacts = new Map([
      [a, await artifact(1)],
      [b, await artifact(10)],
    ]);
    const before = tf.memory().numTensors;
    const predictor = new Predictor(fakeDb(artifacts), 1);
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all([predictor.predict(a, [[1, 2]]), predictor.predict(b, [[1, 2]]), predictor.predict(a, [[2, 2]]), predictor.predict(b, [[0, 1]])]);
      expect(results.map((r) => r[0][0])).toEqual([3, 30, 4, 10]);
    }
    // Only the most recent model stays loaded (its kernel); every evicted one was disposed.
    await new Promise((r) => setTimeout(r, 20));
    expect(tf.memory().numTensors).toBe(before + 1);
    predictor.dispose();
    await new Promise((r) => setTimeout(r, 20));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('disposes a model dropped by dispose() only once its running prediction is done', async () => {
    const id = randomUUID();
    const before = tf.memory().numTensors;
    const predictor = new Predictor(fakeDb(new Map([[id, await artifact(2)]])), 1);
    const running = predictor.predict(id, [[1, 1]]);
    predictor.dispose();
    expect(await running).toEqual([[4]]);
    await new Promise((r) => setTimeout(r, 20));
    expect(tf.memory().numTensors).toBe(before);
  });
});
