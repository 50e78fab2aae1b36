/**
 * Every layer type and every loss the spec offers, through the whole path: HTTP -> queue ->
 * worker (on each backend this machine has) -> stored artifact -> predict over HTTP, and the
 * artifact loaded by plain tfjs answering the same. A layer that trains but does not serialize,
 * or serializes but does not load (the custom RReLU, ELU, BatchNormalization), fails here.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAYER_TYPES, LOSSES } from '../../src/schemas/job-spec.js';
// Registers the service's custom layer classes with this process's tfjs, as a user's code must.
import '../../src/training/model/artifact.js';
import { smallFashionJob, startHarness, waitForJob, type Harness } from '../support/harness.js';

/** One network holding every layer type (the SELU block keeps its LeCun-normal init). */
const everyLayer = [
  { type: 'Flatten', inputShape: [28, 28] },
  { type: 'Dense', units: 24, useBias: false, kernelInitializer: 'lecun_uniform' },
  { type: 'BatchNormalization' },
  { type: 'Activation', activation: 'relu' },
  { type: 'Dropout', rate: 0.1, seed: 1 },
  { type: 'Dense', units: 24, kernelInitializer: 'he_uniform' },
  { type: 'LeakyReLU', alpha: 0.2 },
  { type: 'Dense', units: 24, kernelInitializer: 'he_normal' },
  { type: 'PReLU' },
  { type: 'Dense', units: 24, kernelInitializer: 'glorot_normal' },
  { type: 'ELU', alpha: 0.5 },
  // Weight penalties and a max-norm constraint: the penalty joins the loss, the constraint applies after each step.
  { type: 'Dense', units: 24, kernelRegularizer: { l2: 0.001 }, biasRegularizer: { l1: 0.001 }, kernelConstraint: { type: 'maxNorm', maxValue: 3 } },
  { type: 'RReLU', seed: 3 },
  { type: 'Dense', units: 24, activation: 'selu', kernelInitializer: 'lecun_normal' },
  { type: 'AlphaDropout', rate: 0.05, seed: 2 },
  { type: 'Dense', units: 784, activation: 'sigmoid' },
  // The convolutional layers, on the values as an image, then as a sequence.
  { type: 'Reshape', targetShape: [28, 28, 1] },
  { type: 'ZeroPadding2D', padding: 1 },
  { type: 'Conv2D', filters: 4, kernelSize: 3, strides: 2, activation: 'relu' },
  { type: 'SeparableConv2D', filters: 4, kernelSize: 3, padding: 'same' },
  // Dilated: tfjs has no gradient for it, the service's Conv2D trains it through a dilated kernel.
  { type: 'Conv2D', filters: 4, kernelSize: 3, dilationRate: 2, padding: 'same' },
  { type: 'DepthwiseConv2D', kernelSize: 3, depthwiseConstraint: { type: 'maxNorm', maxValue: 2, axis: [0, 1] } },
  { type: 'MaxPooling2D', poolSize: 2 },
  { type: 'SpatialDropout2D', rate: 0.1, seed: 6 },
  { type: 'AveragePooling2D', poolSize: 2 },
  { type: 'Reshape', targetShape: [9, 4] },
  { type: 'Conv1D', filters: 4, kernelSize: 3 },
  { type: 'Flatten' },
  { type: 'Reshape', targetShape: [7, 1, 4] },
  { type: 'GlobalMaxPooling2D' },
  { type: 'Reshape', targetShape: [2, 1, 2] },
  { type: 'GlobalAveragePooling2D' },
  { type: 'Dense', units: 10, activation: 'softmax' },
];

const image = Array.from({ length: 28 }, (_, r) => Array.from({ length: 28 }, (_, c) => ((r * 31 + c * 7) % 11) / 11));

/** The output layer and labels each loss takes on Fashion-MNIST (binary: a 2-class upload). */
function lossJob(loss: (typeof LOSSES)[number], twoClassDataset: string) {
  const fit = { epochs: 1, batchSize: 32, seed: 5 };
  if (loss === 'binary_crossentropy') {
    return {
      dataset: { id: twoClassDataset },
      model: {
        layers: [
          { type: 'Dense', inputShape: [4], units: 8, activation: 'relu' },
          { type: 'Dense', units: 1, activation: 'sigmoid' },
        ],
      },
      compile: { optimizer: { type: 'adam', learningRate: 0.01 }, loss, metrics: ['accuracy'] },
      fit,
    };
  }
  return smallFashionJob({
    name: `loss-${loss}`,
    dataset: { builtin: 'fashion-mnist', split: 'train', limit: 200, seed: 1 },
    evaluate: undefined,
    compile: { optimizer: { type: 'adam', learningRate: 0.003 }, loss, metrics: ['accuracy'] },
    fit,
  });
}

async function postJson(h: Harness, url: string, body: unknown) {
  const res = await fetch(`${h.baseUrl}${url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

/** Predicts over HTTP, then loads the artifact with plain tfjs and checks it answers the same. */
async function expectServedAndLoadable(h: Harness, modelId: string, input: unknown, width: number) {
  const predicted = await postJson(h, `/models/${modelId}/predict`, { inputs: [input] });
  expect(predicted.status, JSON.stringify(predicted.body)).toBe(200);
  const served = predicted.body.outputs[0] as number[];
  expect(served).toHaveLength(width);
  for (const v of served) expect(Number.isFinite(v)).toBe(true);
  await tf.setBackend('cpu');
  const loaded = await tf.loadLayersModel(`${h.baseUrl}/models/${modelId}/artifact/model.json`);
  const local = tf.tidy(() => (loaded.predict(tf.tensor([input as number[]])) as tf.Tensor).arraySync() as number[][]);
  loaded.dispose();
  local[0].forEach((v, i) => expect(v).toBeCloseTo(served[i], 4));
}

describe('every layer type and every loss, HTTP to predict', () => {
  let h: Harness;
  let twoClass: string;
  beforeAll(async () => {
    h = await startHarness({ redisUrl: process.env.REDIS_URL });
    const features = Array.from({ length: 64 }, (_, i) => [0, 1, 2, 3].map((f) => Math.sin(i * 7.3 + f * 1.7)));
    const created = await postJson(h, '/datasets', { name: 'two-class', features, labels: features.map((x) => (x[0] + x[1] > 0 ? 1 : 0)) });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    twoClass = created.body.id;
  });
  afterAll(async () => h?.close());

  it('the network covers every layer type of the schema', () => {
    expect(new Set(everyLayer.map((l) => l.type))).toEqual(new Set(LAYER_TYPES));
  });

  // cpu is tfjs's reference kernels, wasm what workers without a native build run; the loss
  // test below runs on `auto`, the native build where one is installed.
  it.each(['wasm', 'cpu'])('trains, stores and serves a network of every layer on the %s backend', async (backend) => {
    const worker = await h.startWorker({ TFJS_BACKEND: backend });
    try {
      const created = await postJson(
        h,
        '/jobs',
        smallFashionJob({
          name: `every-layer-${backend}`,
          dataset: { builtin: 'fashion-mnist', split: 'train', limit: 200, seed: 1 },
          model: { layers: everyLayer },
          evaluate: undefined,
          fit: { epochs: 1, batchSize: 32, seed: 9 },
        }),
      );
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const job = await waitForJob(h, created.body.id, 180_000);
      expect(job.error).toBeNull();
      expect(job.status).toBe('succeeded');
      expect(job.backend).toBe(backend);
      expect(Number.isFinite(job.metrics.loss)).toBe(true);
      const model = await (await fetch(`${h.baseUrl}/models/${job.modelId}`)).json();
      // Keras's count: BatchNormalization holds 4 vectors of 24, 2 of them not trainable.
      expect(model.summary.totalParams - model.summary.trainableParams).toBe(2 * 24);
      await expectServedAndLoadable(h, job.modelId, image, 10);
      // MC dropout over the network's Dropout, AlphaDropout and SpatialDropout2D (its BatchNormalization in inference): a std per output, seeded.
      const mc = { inputs: [image], mcDropout: { samples: 20, seed: 4 } };
      const sampled = await postJson(h, `/models/${job.modelId}/predict`, mc);
      expect(sampled.status, JSON.stringify(sampled.body)).toBe(200);
      expect(sampled.body.outputs[0]).toHaveLength(10);
      expect(sampled.body.std[0]).toHaveLength(10);
      expect(Math.max(...sampled.body.std[0])).toBeGreaterThan(0);
      expect((await postJson(h, `/models/${job.modelId}/predict`, mc)).body).toEqual(sampled.body);
    } finally {
      worker.kill('SIGTERM');
      await new Promise((r) => worker.once('exit', r));
    }
  });

  it('trains with every loss and serves the model', async () => {
    await h.startWorker({ TFJS_BACKEND: 'auto' });
    const ids: Array<[string, string]> = [];
    for (const loss of LOSSES) {
      const created = await postJson(h, '/jobs', lossJob(loss, twoClass));
      expect(created.status, `${loss}: ${JSON.stringify(created.body)}`).toBe(201);
      ids.push([loss, created.body.id]);
    }
    for (const [loss, id] of ids) {
      const job = await waitForJob(h, id, 180_000);
      expect(job.error, loss).toBeNull();
      expect(job.status, loss).toBe('succeeded');
      expect(Number.isFinite(job.metrics.loss), loss).toBe(true);
      if (loss === 'binary_crossentropy') {
        await expectServedAndLoadable(h, job.modelId, [0.1, -0.4, 0.3, 0.9], 1);
        // This network has no dropout layer to sample.
        const mc = await postJson(h, `/models/${job.modelId}/predict`, { inputs: [[0.1, -0.4, 0.3, 0.9]], mcDropout: { samples: 5 } });
        expect(mc.status).toBe(400);
        expect(mc.body.details).toMatchObject([{ path: '/mcDropout', message: expect.stringContaining('the model has no dropout layer') }]);
      } else await expectServedAndLoadable(h, job.modelId, image, 10);
    }
  });
});
