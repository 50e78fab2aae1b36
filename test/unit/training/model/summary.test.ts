import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { summarizeModel } from '../../../../src/training/model/summary.js';
import { useTestBackend } from '../../../support/test-backend.js';

beforeAll(async () => {
  await useTestBackend();
});

describe('summarizeModel on what an imported topology may say', () => {
  it('gives integers or null as output dimensions and a boolean trainable, whatever tfjs took in', async () => {
    // tfjs builds this: it carries the batch "size" through and treats `trainable: {}` as true.
    const config = { name: 'd', units: 2, batch_input_shape: [{ junk: 1 }, 3], trainable: {} };
    const model = await tf.models.modelFromJSON({
      modelTopology: { class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'Dense', config }] } },
    } as never);
    try {
      const [layer] = summarizeModel(model).layers;
      expect(layer.outputShape).toEqual([null, 2]);
      expect(layer.trainable).toBe(true);
    } finally {
      model.dispose();
    }
  });
});
