import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { serializeModel } from '../../../../src/training/model/artifact.js';
import { sizeTopology } from '../../../../src/training/sizing/topology-size.js';
import { SpecError } from '../../../../src/core/problems.js';
import { useTestBackend } from '../../../support/test-backend.js';

beforeAll(async () => {
  await useTestBackend();
});

/** Sizes the model's saved topology and returns it beside tfjs's own count. */
async function both(model: tf.LayersModel) {
  const expected = model.countParams();
  const { modelJson } = await serializeModel(model);
  model.dispose();
  return { size: sizeTopology(modelJson.modelTopology), expected };
}

describe('sizeTopology', () => {
  it('counts a Dense/BatchNormalization/PReLU stack exactly as tfjs does', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [28, 28] }),
        tf.layers.batchNormalization(),
        tf.layers.dense({ units: 300, useBias: false }),
        tf.layers.batchNormalization({ center: false }),
        tf.layers.prelu(),
        tf.layers.dropout({ rate: 0.2 }),
        tf.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    const { size, expected } = await both(model);
    expect(size.params).toBe(expected);
    expect(size.layers).toBe(7);
  });

  it('counts convolutions and pooling (valid and same padding, strides) exactly', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, padding: 'same' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.conv2d({ filters: 16, kernelSize: [3, 5], strides: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 10 }),
      ],
    });
    const { size, expected } = await both(model);
    expect(size.params).toBe(expected);
  });

  it('follows a functional graph with a merge', async () => {
    const input = tf.input({ shape: [6] });
    const a = tf.layers.dense({ units: 4 }).apply(input) as tf.SymbolicTensor;
    const b = tf.layers.dense({ units: 5 }).apply(input) as tf.SymbolicTensor;
    const joined = tf.layers.concatenate().apply([a, b]) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 2 }).apply(joined) as tf.SymbolicTensor;
    const { size, expected } = await both(tf.model({ inputs: input, outputs: out }));
    expect(size.params).toBe(expected);
  });

  it('sizes a 400M-parameter Dense from 200 bytes of text, allocating nothing', () => {
    const before = tf.memory().numBytes;
    const size = sizeTopology({
      class_name: 'Sequential',
      config: { layers: [{ class_name: 'Dense', config: { units: 20000, batch_input_shape: [null, 20000] } }] },
    });
    expect(size.params).toBe(400_020_000);
    expect(tf.memory().numBytes).toBe(before);
  });

  it('refuses what it cannot size, naming the field', () => {
    const refusal = (topology: unknown) => {
      try {
        sizeTopology(topology);
      } catch (err) {
        expect(err).toBeInstanceOf(SpecError);
        return (err as SpecError).details[0];
      }
      throw new Error('not refused');
    };
    expect(
      refusal({ class_name: 'Sequential', config: { layers: [{ class_name: 'LSTM', config: { units: 4, batch_input_shape: [null, 3, 2] } }] } }).path,
    ).toBe('/modelJson/modelTopology/config/layers/0/class_name');
    expect(refusal({ class_name: 'Sequential', config: { layers: [{ class_name: 'Dense', config: { units: 4 } }] } }).message).toContain('batch_input_shape');
    expect(refusal({ class_name: 'Sequential', config: { layers: [{ class_name: 'Dense', config: { units: -1, batch_input_shape: [null, 3] } }] } }).path).toBe(
      '/modelJson/modelTopology/config/layers/0/config/units',
    );
    expect(refusal({ class_name: 'Sequential', config: {} }).path).toBe('/modelJson/modelTopology/config/layers');
    // The batch dimension is checked too: tfjs would carry an object there into the stored summary.
    for (const batch of [{ a: 1 }, -1, 1.5, '1', true]) {
      expect(
        refusal({ class_name: 'Sequential', config: { layers: [{ class_name: 'Dense', config: { units: 2, batch_input_shape: [batch, 3] } }] } }).path,
        JSON.stringify(batch),
      ).toBe('/modelJson/modelTopology/config/layers/0/config/batch_input_shape');
    }
    expect(
      sizeTopology({ class_name: 'Sequential', config: { layers: [{ class_name: 'Dense', config: { units: 2, batch_input_shape: [32, 3] } }] } }).params,
    ).toBe(8);
  });
});
