import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ServiceError } from '../../../../src/core/errors.js';
import { importModel } from '../../../../src/features/models/import-model.js';
import type { Db } from '../../../../src/infra/db/prisma.js';
import { serializeModel } from '../../../../src/training/model/artifact.js';
import { OPEN_PRINCIPAL } from '../../../../src/core/principal.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A db that must not be reached: every import here fails before anything is stored. */
const db = new Proxy(
  {},
  {
    get: () => {
      throw new Error('the db was used');
    },
  },
) as unknown as Db;

async function body(model: tf.LayersModel) {
  const { modelJson, weights } = await serializeModel(model);
  model.dispose();
  return { modelJson, weights: Buffer.from(weights).toString('base64') };
}

/** Imports, expecting a 400; returns its error and checks that no tensor or variable is left. */
async function refused(payload: { modelJson: Record<string, unknown>; weights: string }): Promise<ServiceError> {
  const tensors = tf.memory().numTensors;
  const variables = Object.keys(tf.engine().registeredVariables).length;
  const err = await importModel(db, OPEN_PRINCIPAL, payload, { maxParams: 1_000_000, maxLayers: 200 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ServiceError);
  expect((err as ServiceError).statusCode).toBe(400);
  expect(tf.memory().numTensors).toBe(tensors);
  expect(Object.keys(tf.engine().registeredVariables).length).toBe(variables);
  return err as ServiceError;
}

type TopologyLayers = Array<{ class_name: string; config: Record<string, unknown> }>;
function layersOf(payload: { modelJson: Record<string, unknown> }): TopologyLayers {
  const topology = payload.modelJson.modelTopology as { model_config?: { config: { layers: TopologyLayers } }; config?: { layers: TopologyLayers } };
  return (topology.model_config ?? topology).config!.layers;
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

  it('leaks nothing when a layer after built ones does not build (the model failed mid-build)', async () => {
    const payload = await body(twoLayers());
    const layers = layersOf(payload);
    layers[layers.length - 1].config.activation = 'no_such_activation';
    const err = await refused(payload);
    expect(err.message).toContain('does not load');
  });

  it('refuses a layer class it cannot size before building anything, naming it', async () => {
    const payload = await body(twoLayers());
    const layers = layersOf(payload);
    layers[layers.length - 1].class_name = 'NoSuchLayer';
    const err = await refused(payload);
    expect(err.details?.[0].path).toMatch(/\/layers\/1\/class_name$/);
    expect(err.message).toContain('"NoSuchLayer" cannot be imported');
  });

  it('refuses a 400M-parameter topology with empty weights at once, without building it', async () => {
    const modelJson = {
      format: 'layers-model',
      modelTopology: {
        class_name: 'Sequential',
        config: { name: 's', layers: [{ class_name: 'Dense', config: { units: 20000, batch_input_shape: [null, 20000] } }] },
      },
      weightsManifest: [],
    };
    const started = Date.now();
    const err = await refused({ modelJson, weights: '' });
    expect(err.message).toContain('400,020,000 parameters');
    expect(err.message).toContain('MAX_PARAMS');
    // Building it took 35 s and 3.4 GB; sized from its text it is refused in well under a second.
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('refuses a topology that needs more weights than the manifest gives', async () => {
    const modelJson = {
      format: 'layers-model',
      modelTopology: {
        class_name: 'Sequential',
        config: { name: 's', layers: [{ class_name: 'Dense', config: { units: 100, batch_input_shape: [null, 100] } }] },
      },
      weightsManifest: [],
    };
    const err = await refused({ modelJson, weights: '' });
    expect(err.details?.[0]).toMatchObject({ path: '/modelJson/weightsManifest' });
    expect(err.message).toContain('10,100');
  });

  it('refuses preprocessing with std 0 or a non-finite mean, naming the entry', async () => {
    const payload = await body(twoLayers());
    payload.modelJson.userDefinedMetadata = { preprocessing: { featureShape: [3], standardize: { mean: [0, 0, 0], std: [1, 0, 1] } } };
    const err = await refused(payload);
    expect(err.details?.map((d) => d.path)).toEqual(['/modelJson/userDefinedMetadata/preprocessing/standardize/std/1']);
  });

  it('refuses a non-numeric initializer parameter before building (tfjs would hang on it), naming it', async () => {
    const payload = await body(twoLayers());
    const layer = layersOf(payload)[0];
    layer.config.kernel_initializer = { class_name: 'VarianceScaling', config: { scale: {}, mode: 'fan_avg', distribution: 'truncated_normal', seed: null } };
    const started = Date.now();
    const err = await refused(payload);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(err.details?.[0].path).toMatch(/^\/modelJson\/modelTopology\/.*\/layers\/0\/config\/kernel_initializer\/config\/scale$/);
  });

  it('refuses a format that is not "layers-model", whatever it is, naming it', async () => {
    for (const format of ['graph-model', { toString: 'I>' }, [1], 5]) {
      const payload = await body(twoLayers());
      payload.modelJson.format = format;
      const err = await refused(payload);
      expect(
        err.details?.map((d) => d.path),
        JSON.stringify(format),
      ).toEqual(['/modelJson/format']);
    }
  });

  it('refuses a 10,000-deep array inside modelJson with a 400, not a stack overflow', async () => {
    const payload = await body(twoLayers());
    let deep: unknown = [];
    for (let i = 0; i < 10_000; i++) deep = [deep];
    payload.modelJson.junk = deep;
    const err = await refused(payload);
    expect(err.message).toContain('nests deeper than 64 levels');
    expect(err.message).not.toMatch(/call stack/i);
  });

  it('refuses a 50 MB junk key in modelJson with a 413', async () => {
    const payload = await body(twoLayers());
    payload.modelJson.junk = 'x'.repeat(50 * 1024 * 1024);
    const err = (await importModel(db, OPEN_PRINCIPAL, payload, { maxParams: 1_000_000, maxLayers: 200 }).catch((e: unknown) => e)) as ServiceError;
    expect(err.statusCode).toBe(413);
    expect(err.details?.[0].path).toBe('/modelJson');
  });
});
