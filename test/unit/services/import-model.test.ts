import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { HttpError } from '../../../src/errors.js';
import { importModel } from '../../../src/services/import-model.js';
import type { Db } from '../../../src/storage/prisma.js';
import { serializeModel } from '../../../src/training/artifact.js';
import { OPEN_PRINCIPAL } from '../../../src/auth/principal.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A db that must not be reached: every import here fails before anything is stored. */
const db = new Proxy({}, { get: () => { throw new Error('the db was used'); } }) as unknown as Db;

async function body(model: tf.LayersModel) {
  const { modelJson, weights } = await serializeModel(model);
  model.dispose();
  return { modelJson, weights: Buffer.from(weights).toString('base64') };
}

/** Imports, expecting a 400; returns its error and checks that no tensor or variable is left. */
async function refused(payload: { modelJson: Record<string, unknown>; weights: string }): Promise<HttpError> {
  const tensors = tf.memory().numTensors;
  const variables = Object.keys(tf.engine().registeredVariables).length;
  const err = await importModel(db, OPEN_PRINCIPAL, payload).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HttpError);
  expect((err as HttpError).statusCode).toBe(400);
  expect(tf.memory().numTensors).toBe(tensors);
  expect(Object.keys(tf.engine().registeredVariables).length).toBe(variables);
  return err as HttpError;
}

const twoLayers = () =>
  tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [3], activation: 'relu' }), tf.layers.dense({ units: 2, activation: 'softmax' })] });

describe('importModel', () => {
  it('refuses a model with two outputs, naming the topology, and leaks nothing', async () => {
    const input = tf.input({ shape: [3] });
    const a = tf.layers.dense({ units: 1 }).apply(input) as tf.SymbolicTensor;
    const b = tf.layers.dense({ units: 2 }).apply(input) as tf.SymbolicTensor;
    const err = await refused(await body(tf.model({ inputs: input, outputs: [a, b] })));
    expect(err.message).toContain('1 input(s) and 2 output(s)');
    expect(err.details?.map((d) => d.path)).toEqual(['/modelJson/modelTopology']);
  });

  it('refuses a model with two inputs and leaks nothing', async () => {
    const x1 = tf.input({ shape: [3] });
    const x2 = tf.input({ shape: [3] });
    const merged = tf.layers.concatenate().apply([x1, x2]) as tf.SymbolicTensor;
    const err = await refused(await body(tf.model({ inputs: [x1, x2], outputs: tf.layers.dense({ units: 1 }).apply(merged) as tf.SymbolicTensor })));
    expect(err.message).toContain('2 input(s)');
  });

  it('leaks nothing when the weights do not fit the layers (the model was built, then loading failed)', async () => {
    const payload = await body(twoLayers());
    // Same byte count, other shapes: the manifest check passes, tfjs refuses the weights.
    const manifest = payload.modelJson.weightsManifest as Array<{ weights: Array<{ shape: number[] }> }>;
    manifest[0].weights[0].shape = [4, 3];
    const err = await refused(payload);
    expect(err.details?.map((d) => d.path)).toEqual(['/modelJson']);
  });

  it('leaks nothing when a layer after built ones is unknown (the model failed mid-build)', async () => {
    const payload = await body(twoLayers());
    const topology = payload.modelJson.modelTopology as { model_config?: { config: { layers: Array<{ class_name: string }> } }; config?: { layers: Array<{ class_name: string }> } };
    const layers = (topology.model_config ?? topology).config!.layers;
    layers[layers.length - 1].class_name = 'NoSuchLayer';
    const err = await refused(payload);
    expect(err.message).toContain('does not load');
  });
});
