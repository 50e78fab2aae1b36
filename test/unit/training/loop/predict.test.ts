import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceError } from '../../../../src/core/errors.js';
import { predictRows } from '../../../../src/training/loop/predict.js';
import { useTestBackend } from '../../../support/test-backend.js';

beforeAll(async () => {
  await useTestBackend();
});

const models: tf.LayersModel[] = [];
afterAll(() => models.forEach((m) => m.dispose()));
const keep = <T extends tf.LayersModel>(m: T) => (models.push(m), m);

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('did not throw');
}

describe('predictRows', () => {
  it('refuses a model with two outputs with a 400 naming the output count, leaving no tensors', () => {
    const input = tf.input({ shape: [2] });
    const a = tf.layers.dense({ units: 1 }).apply(input) as tf.SymbolicTensor;
    const b = tf.layers.dense({ units: 3 }).apply(input) as tf.SymbolicTensor;
    const model = keep(tf.model({ inputs: input, outputs: [a, b] }));
    const before = tf.memory().numTensors;
    const err = thrown(() => predictRows(model, [[1, 2]]));
    expect(err).toBeInstanceOf(ServiceError);
    expect((err as ServiceError).statusCode).toBe(400);
    expect((err as ServiceError).message).toBe('this model has 2 outputs; /predict serves single-input, single-output models');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a model with two inputs with a 400', () => {
    const x1 = tf.input({ shape: [2] });
    const x2 = tf.input({ shape: [2] });
    const merged = tf.layers.concatenate().apply([x1, x2]) as tf.SymbolicTensor;
    const model = keep(tf.model({ inputs: [x1, x2], outputs: tf.layers.dense({ units: 1 }).apply(merged) as tf.SymbolicTensor }));
    const err = thrown(() => predictRows(model, [[1, 2]]));
    expect(err).toBeInstanceOf(ServiceError);
    expect((err as ServiceError).statusCode).toBe(400);
    expect((err as ServiceError).message).toContain('this model has 2 inputs');
  });

  /** Takes [steps, 3] samples of any length and averages over the steps. */
  const openModel = () => {
    const input = tf.input({ shape: [null, 3] });
    const pooled = tf.layers.globalAveragePooling1d().apply(input) as tf.SymbolicTensor;
    return keep(tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2, kernelInitializer: 'ones' }).apply(pooled) as tf.SymbolicTensor }));
  };

  it('fills an open input dimension from the saved feature shape instead of taking it as 1', () => {
    const model = openModel();
    const sample = [
      [1, 2, 3],
      [3, 4, 5],
    ];
    const rows = predictRows(model, [sample], { featureShape: [2, 3] });
    // Mean over the 2 steps is [2, 3, 4]; a ones kernel sums it.
    expect(rows[0][0]).toBeCloseTo(9);
    expect(rows[0][1]).toBeCloseTo(9);
  });

  it('refuses with a 400 an open input dimension that nothing can fill', () => {
    const model = openModel();
    const err = thrown(() => predictRows(model, [[[1, 2, 3]]]));
    expect(err).toBeInstanceOf(ServiceError);
    expect((err as ServiceError).statusCode).toBe(400);
    expect((err as ServiceError).message).toContain('[None, 3]');
  });

  it('still predicts a plain single-input, single-output model', () => {
    const model = keep(tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2], kernelInitializer: 'ones', biasInitializer: 'zeros' })] }));
    expect(
      predictRows(model, [
        [1, 2],
        [3, 4],
      ]),
    ).toEqual([[3], [7]]);
  });
});
