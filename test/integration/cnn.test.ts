import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../src/worker/checkpoint-store.js';
import { startHarness, waitForJob, waitUntil, type Harness } from '../support/harness.js';

const post = (h: Harness, url: string, payload: object) => h.app.inject({ method: 'POST', url, payload });

/** A tiny CNN on Fashion-MNIST images read as [28, 28, 1]; a few seconds on the cpu backend. */
const cnnJob = (over: Record<string, unknown> = {}) => ({
  dataset: { builtin: 'fashion-mnist', split: 'train', limit: 64, seed: 1 },
  validation: { split: 0.2 },
  model: {
    layers: [
      { type: 'Conv2D', filters: 4, kernelSize: 5, strides: 2, activation: 'relu', inputShape: [28, 28, 1] },
      { type: 'MaxPooling2D', poolSize: 2 },
      { type: 'SpatialDropout2D', rate: 0.1, seed: 4 },
      { type: 'Conv2D', filters: 8, kernelSize: 3, activation: 'relu' },
      { type: 'GlobalAveragePooling2D' },
      { type: 'Dense', units: 10, activation: 'softmax' },
    ],
  },
  compile: { optimizer: { type: 'adam', learningRate: 0.01 }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
  fit: { epochs: 1, batchSize: 32, seed: 3 },
  diagnostics: { probeSize: 16 },
  ...over,
});

/**
 * A CNN with state beyond its trainable weights, handed back mid-training and resumed:
 * BatchNormalization's moving mean and variance (which only the checkpoint carries over) and a
 * seeded SpatialDropout2D. It starts on the cpu backend, whose convolutions are slow, so the
 * hand-back has the time of the epochs after the first checkpoint to land in, and takes effect
 * within a batch; the wasm worker that resumes it trains those epochs in a fraction of that.
 */
const RESUMED_EPOCHS = 6;
const resumableCnnJob = () =>
  cnnJob({
    name: 'cnn-handed-back',
    dataset: { builtin: 'fashion-mnist', split: 'train', limit: 160, seed: 5 },
    model: {
      layers: [
        { type: 'Conv2D', filters: 4, kernelSize: 5, strides: 2, activation: 'relu', inputShape: [28, 28, 1] },
        { type: 'BatchNormalization' },
        { type: 'MaxPooling2D', poolSize: 2 },
        { type: 'SpatialDropout2D', rate: 0.1, seed: 4 },
        { type: 'Conv2D', filters: 8, kernelSize: 3, activation: 'relu' },
        { type: 'GlobalAveragePooling2D' },
        { type: 'Dense', units: 10, activation: 'softmax' },
      ],
    },
    fit: { epochs: RESUMED_EPOCHS, batchSize: 16, seed: 3 },
  });
/**
 * The checkpoint names weights by position in the model's order (tfjs's: every trainable weight,
 * then the others), so the BatchNormalization's moving mean and variance are the last two of 10.
 */
const BN_MOVING_MEAN = 'w8';
const BN_MOVING_VARIANCE = 'w9';

const image = Array.from({ length: 28 }, (_, r) => Array.from({ length: 28 }, (_, c) => [((r * 28 + c) % 9) / 9]));

describe('convolutional networks through the service', () => {
  let h: Harness;
  let modelId: string;
  let handedBackId: string;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  // The cpu backend has every convolution gradient; the wasm backend gets them from the service's own
  // kernels (src/training/kernels). Between the two, the cpu worker hands a CNN job back and the wasm
  // worker resumes it; the wasm worker stays for the tests after these.
  const trainsAndPredicts = (backend: 'cpu' | 'wasm') =>
    it(`on ${backend}: a CNN job trains in the worker, with diagnostics per layer, and its model predicts [h, w, c] images`, async () => {
      await h.stopWorkers();
      await h.startWorker({ TFJS_BACKEND: backend });
      const created = await post(h, '/jobs', cnnJob());
      expect(created.statusCode).toBe(201);
      const job = await waitForJob(h, created.json().id);
      expect(job.error).toBeNull();
      expect(job.status).toBe('succeeded');
      expect(job.backend).toBe(backend);
      modelId = job.modelId;

      const diagnostics = (await h.app.inject({ method: 'GET', url: `/jobs/${job.id}/diagnostics` })).json();
      expect(diagnostics.epochs[0].layers.map((l: { name: string }) => l.name)).toEqual(['conv2d', 'conv2d_1', 'dense']);

      const model = (await h.app.inject({ method: 'GET', url: `/models/${modelId}` })).json();
      expect(model.inputShape).toEqual([28, 28, 1]);
      expect(model.summary.totalParams).toBe(5 * 5 * 4 + 4 + 3 * 3 * 4 * 8 + 8 + 8 * 10 + 10);

      const predicted = await post(h, `/models/${modelId}/predict`, { inputs: [image] });
      expect(predicted.json()).toHaveProperty('outputs');
      const [outputs] = predicted.json().outputs as number[][];
      expect(outputs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      // The same values without the channel axis are read in the same order; a wrong size is a 400 naming the input.
      const grey = await post(h, `/models/${modelId}/predict`, { inputs: [image.map((row) => row.map((px) => px[0]))] });
      (grey.json().outputs[0] as number[]).forEach((v, i) => expect(v).toBeCloseTo(outputs[i], 6));
      const cropped = await post(h, `/models/${modelId}/predict`, { inputs: [image.slice(1)] });
      expect(cropped.statusCode).toBe(400);
      expect(JSON.stringify(cropped.json().details)).toContain('/inputs/0');

      // The artifact is a plain tfjs layers model (SpatialDropout2D registered by the service's own
      // import here, as any client registers a custom layer).
      await import('../../src/training/model/layers/spatial-dropout-2d.js');
      await tf.setBackend('cpu');
      const loaded = await tf.loadLayersModel(`${h.baseUrl}/models/${modelId}/artifact/model.json`);
      const local = tf.tidy(() => Array.from((loaded.predict(tf.tensor([image])) as tf.Tensor).dataSync()));
      loaded.dispose();
      local.forEach((v, i) => expect(v).toBeCloseTo(outputs[i], 4));
    });

  trainsAndPredicts('cpu');

  it('on cpu: a CNN with BatchNormalization and SpatialDropout2D is handed back after its first checkpoint (SIGTERM to its worker)', async () => {
    const created = await post(h, '/jobs', resumableCnnJob());
    expect(created.statusCode, created.body).toBe(201);
    handedBackId = created.json().id;
    await waitUntil(async () => (await h.db.checkpoint.count({ where: { runId: handedBackId } })) >= 1, 60_000);
    await h.stopWorkers(); // SIGTERM, and waits for the worker to exit

    const run = await h.db.run.findUniqueOrThrow({ where: { id: handedBackId } });
    expect(run.status, 'handed back unfinished, for another worker to resume').toBe('running');
    const checkpoint = (await loadCheckpoint(h.db, handedBackId))!;
    expect(checkpoint.epoch).toBeGreaterThanOrEqual(1);
    expect(checkpoint.epoch).toBeLessThan(RESUMED_EPOCHS);
    // BatchNormalization's moving statistics are in it, moved from their start (mean 0, variance 1) by its batches.
    const weights = tf.io.decodeWeights(checkpoint.model.data.slice().buffer, checkpoint.model.specs);
    expect(Object.keys(weights)).toHaveLength(10);
    const [mean, variance] = [weights[BN_MOVING_MEAN], weights[BN_MOVING_VARIANCE]].map((t) => Array.from(t.dataSync()));
    tf.dispose(Object.values(weights));
    expect(mean).toHaveLength(4);
    expect(mean.some((m) => Math.abs(m) > 1e-4)).toBe(true);
    expect(variance.some((v) => Math.abs(v - 1) > 1e-4)).toBe(true);
  });

  // Its worker also takes up the job handed back above (queued before this one): a checkpoint is
  // plain float32 weights and optimizer state, which a worker on another backend resumes as well.
  trainsAndPredicts('wasm');

  it('the handed-back CNN is resumed by the wasm worker from its checkpoint: each epoch once, and its model predicts', async () => {
    const job = await waitForJob(h, handedBackId);
    expect([job.status, job.error, job.backend]).toEqual(['succeeded', null, 'wasm']);
    expect(job.resumedFromEpoch).toBeGreaterThanOrEqual(1);
    const metrics = (await h.app.inject({ url: `/jobs/${handedBackId}/metrics` })).json();
    expect(metrics.epochs.map((e: { epoch: number }) => e.epoch)).toEqual(Array.from({ length: RESUMED_EPOCHS }, (_, i) => i + 1));

    const model = (await h.app.inject({ method: 'GET', url: `/models/${job.modelId}` })).json();
    // The two moving statistics of each of the 4 channels are the model's only weights that no gradient trains.
    expect(model.summary.nonTrainableParams).toBe(2 * 4);
    const predicted = await post(h, `/models/${job.modelId}/predict`, { inputs: [image] });
    expect(predicted.statusCode, predicted.body).toBe(200);
    expect((predicted.json().outputs[0] as number[]).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  });

  it('the CNN is a base for shirts vs sandals: frozen convolutions, then fine-tuned', async () => {
    const created = await post(
      h,
      '/jobs',
      cnnJob({
        dataset: { builtin: 'fashion-mnist', split: 'train', classes: [6, 5], limit: 40, seed: 2 },
        validation: undefined,
        base: { modelId, dropLast: 1, freeze: true },
        model: { layers: [{ type: 'Dense', units: 1, activation: 'sigmoid' }] },
        compile: { optimizer: { type: 'adam', learningRate: 0.01 }, loss: 'binary_crossentropy', metrics: ['accuracy'] },
        fit: { epochs: 1, batchSize: 20, seed: 1 },
        fineTune: { epochs: 1 },
        diagnostics: { enabled: false },
      }),
    );
    expect(created.statusCode).toBe(201);
    const job = await waitForJob(h, created.json().id);
    expect([job.status, job.error]).toEqual(['succeeded', null]);
    const model = (await h.app.inject({ method: 'GET', url: `/models/${job.modelId}` })).json();
    expect(model.summary.totalParams).toBe(5 * 5 * 4 + 4 + 3 * 3 * 4 * 8 + 8 + 8 + 1);
    expect(model.lineage.reusedLayers).toEqual(['conv2d', 'max_pooling2d', 'spatial_dropout2d', 'conv2d_1', 'global_average_pooling2d']);
  });

  it('a kernel larger than the image is refused at submission, naming the field', async () => {
    const layers = [
      { type: 'Conv2D', filters: 2, kernelSize: 30, inputShape: [28, 28, 1] },
      { type: 'Flatten' },
      { type: 'Dense', units: 10, activation: 'softmax' },
    ];
    const res = await post(h, '/jobs', cnnJob({ model: { layers } }));
    expect(res.statusCode).toBe(400);
    expect(res.json().details).toEqual([{ path: '/model/layers/0/kernelSize', message: expect.stringContaining('larger than the 28x28 input') }]);
  });

  it('imports a Keras-saved CNN and predicts what its weights compute', async () => {
    // Conv2D, one 2x2 filter [[1, 2], [3, 4]] and bias 0.5, on a 3x3 image 0..8; then Flatten.
    const modelJson = {
      format: 'layers-model',
      generatedBy: 'keras v2.15.0',
      convertedBy: 'TensorFlow.js Converter v4.22.0',
      modelTopology: {
        keras_version: '2.15.0',
        backend: 'tensorflow',
        model_config: {
          class_name: 'Sequential',
          config: {
            name: 'sequential',
            layers: [
              { class_name: 'InputLayer', config: { batch_input_shape: [null, 3, 3, 1], dtype: 'float32', sparse: false, name: 'input_1' } },
              {
                class_name: 'Conv2D',
                config: {
                  name: 'conv2d',
                  trainable: true,
                  dtype: 'float32',
                  filters: 1,
                  kernel_size: [2, 2],
                  strides: [1, 1],
                  padding: 'valid',
                  data_format: 'channels_last',
                  dilation_rate: [1, 1],
                  groups: 1,
                  activation: 'linear',
                  use_bias: true,
                  kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
                  bias_initializer: { class_name: 'Zeros', config: {} },
                  kernel_regularizer: null,
                  bias_regularizer: null,
                  activity_regularizer: null,
                  kernel_constraint: null,
                  bias_constraint: null,
                },
              },
              { class_name: 'Flatten', config: { name: 'flatten', trainable: true, dtype: 'float32', data_format: 'channels_last' } },
            ],
          },
        },
      },
      weightsManifest: [
        {
          paths: ['group1-shard1of1.bin'],
          weights: [
            { name: 'conv2d/kernel', shape: [2, 2, 1, 1], dtype: 'float32' },
            { name: 'conv2d/bias', shape: [1], dtype: 'float32' },
          ],
        },
      ],
    };
    const weights = Buffer.from(new Float32Array([1, 2, 3, 4, 0.5]).buffer).toString('base64');
    const res = await post(h, '/models', { modelJson, weights, name: 'keras-cnn' });
    expect(res.statusCode).toBe(201);
    expect(res.json().summary.totalParams).toBe(5);
    const input = [0, 1, 2].map((r) => [0, 1, 2].map((c) => [r * 3 + c]));
    const predicted = await post(h, `/models/${res.json().id}/predict`, { inputs: [input] });
    expect(predicted.json()).toEqual({ outputs: [[27.5, 37.5, 57.5, 67.5]] });
  });
});
