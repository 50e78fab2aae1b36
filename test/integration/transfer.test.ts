/**
 * Transfer learning through HTTP, on the committed Fashion-MNIST fixtures: a model for task A
 * (8 classes), then task B (sandal vs shirt) built on A's layers, with a real worker process.
 * Checks the mechanics (phases, the base left untouched, lineage, layer selection, partial
 * unfreezing, frozen BatchNormalization) and the shape checks made when a job is posted.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE_BACKENDS, startHarness, waitForJob, type Harness } from '../support/harness.js';

const A_CLASSES = [0, 1, 2, 3, 4, 7, 8, 9];
const A_LAYERS = ['a_flatten', 'a_hidden1', 'a_bn', 'a_hidden2', 'a_out'];

const taskA = {
  name: 'task-a',
  modelName: 'transfer-test-a',
  dataset: { builtin: 'fashion-mnist', split: 'train', classes: A_CLASSES, limit: 400, seed: 1 },
  validation: { split: 0.2 },
  model: {
    layers: [
      { type: 'Flatten', name: 'a_flatten', inputShape: [28, 28] },
      { type: 'Dense', name: 'a_hidden1', units: 24, activation: 'relu', kernelInitializer: 'he_normal' },
      { type: 'BatchNormalization', name: 'a_bn' },
      { type: 'Dense', name: 'a_hidden2', units: 16, activation: 'relu', kernelInitializer: 'he_normal' },
      { type: 'Dense', name: 'a_out', units: 8, activation: 'softmax' },
    ],
  },
  compile: { optimizer: { type: 'adam', learningRate: 0.003 }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
  fit: { epochs: 2, batchSize: 32, seed: 3 },
};

/** A task-B job on the model `base`; `extra` replaces top-level fields. */
function taskB(base: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    name: 'task-b',
    dataset: { builtin: 'fashion-mnist', split: 'train', classes: [5, 6], limit: 120, seed: 2 },
    base,
    model: { layers: [{ type: 'Dense', units: 1, activation: 'sigmoid' }] },
    compile: { optimizer: { type: 'sgd', learningRate: 0.01 }, loss: 'binary_crossentropy', metrics: ['accuracy'] },
    fit: { epochs: 1, batchSize: 32, seed: 4 },
    diagnostics: { enabled: false },
    ...extra,
  };
}

describe.each(QUEUE_BACKENDS.slice(0, 1))('transfer learning over HTTP ($name queue)', ({ redisUrl }) => {
  let h: Harness;
  let modelA: string;
  let weightsA: Buffer;

  const post = async (url: string, body: unknown) => {
    const res = await fetch(`${h.baseUrl}${url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const get = async (url: string) => (await fetch(`${h.baseUrl}${url}`)).json() as Promise<Record<string, any>>;
  const weightsOf = async (modelId: string) => Buffer.from(await (await fetch(`${h.baseUrl}/models/${modelId}/artifact/weights.bin`)).arrayBuffer());
  /** Runs a job to success and returns it. */
  const train = async (spec: unknown) => {
    const created = await post('/jobs', spec);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const job = await waitForJob(h, created.body.id);
    expect(job.error).toBeNull();
    expect(job.status).toBe('succeeded');
    return job;
  };
  /** Each named layer's weights, as plain arrays, read with tf.loadLayersModel from the artifact URL. */
  const layerWeights = async (modelId: string, names: string[]) => {
    const model = await tf.loadLayersModel(`${h.baseUrl}/models/${modelId}/artifact/model.json`);
    try {
      return Object.fromEntries(
        names.map((name) => [
          name,
          model
            .getLayer(name)
            .getWeights()
            .map((w) => Array.from(w.dataSync())),
        ]),
      );
    } finally {
      model.dispose();
    }
  };

  beforeAll(async () => {
    await tf.setBackend('cpu');
    h = await startHarness({ redisUrl });
    await h.startWorker();
    const job = await train(taskA);
    modelA = job.modelId;
    weightsA = await weightsOf(modelA);
  }, 240_000);
  afterAll(async () => h?.close());

  it('trains task B on A: frozen then fine-tuned, A untouched, lineage recorded', async () => {
    const a = await get(`/models/${modelA}`);
    expect(a.summary.layers.map((l: { name: string }) => l.name)).toEqual(A_LAYERS);
    expect(a.name).toBe('transfer-test-a');
    expect(a.version).toBe(1);

    const job = await train(
      taskB(
        { modelId: modelA, dropLast: 1, freeze: true },
        {
          modelName: 'transfer-test-b',
          fit: { epochs: 2, batchSize: 32, seed: 4 },
          fineTune: { epochs: 2, optimizer: { type: 'sgd', learningRate: 0.001 } },
          evaluate: { dataset: { builtin: 'fashion-mnist', split: 'test', classes: [5, 6] } },
        },
      ),
    );
    const { epochs } = await get(`/jobs/${job.id}/metrics`);
    expect(epochs.map((e: { epoch: number; phase: string }) => [e.epoch, e.phase])).toEqual([
      [1, 'train'],
      [2, 'train'],
      [3, 'fine_tune'],
      [4, 'fine_tune'],
    ]);
    for (const row of epochs) expect(Number.isFinite(row.loss)).toBe(true);
    // A few epochs on 120 samples: the quality is the acceptance experiment's business, not this test's.
    expect(job.evaluation.accuracy).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(job.evaluation.loss)).toBe(true);

    // The stored base never changes.
    expect((await weightsOf(modelA)).equals(weightsA)).toBe(true);

    const b = await get(`/models/${job.modelId}`);
    expect(b.lineage).toEqual({ baseModelId: modelA, reusedLayers: A_LAYERS.slice(0, -1), baseModelDeleted: false });
    expect(b.summary.layers.map((l: { name: string }) => l.name).slice(0, 4)).toEqual(A_LAYERS.slice(0, -1));
    expect(b.summary.layers).toHaveLength(5);
    // After fine-tuning everything is trainable again.
    expect(b.summary.layers.every((l: { trainable: boolean }) => l.trainable)).toBe(true);
    expect(b.summary.totalParams).toBe(784 * 24 + 24 + 4 * 24 + 24 * 16 + 16 + 16 + 1);
    expect(b.inputShape).toEqual([28, 28]);
    // The registry: B is version 1 of its own name; A's name lists A only.
    expect(b.name).toBe('transfer-test-b');
    const versions = await get('/models?name=transfer-test-a');
    expect(versions.items.map((m: { id: string }) => m.id)).toEqual([modelA]);

    // The transferred model predicts through the API.
    const image = Array.from({ length: 28 }, (_, r) => Array.from({ length: 28 }, (_, c) => ((r + c) % 5) / 5));
    const predicted = await post(`/models/${job.modelId}/predict`, { inputs: [image] });
    expect(predicted.status).toBe(200);
    expect(predicted.body.outputs[0]).toHaveLength(1);
  });

  it('reuses a count of layers with freeze: a frozen BatchNormalization keeps its moving statistics', async () => {
    const frozen = await train(taskB({ modelId: modelA, layers: 3, freeze: true }));
    const model = await get(`/models/${frozen.modelId}`);
    expect(model.lineage).toEqual({ baseModelId: modelA, reusedLayers: ['a_flatten', 'a_hidden1', 'a_bn'], baseModelDeleted: false });
    expect(model.summary.layers.map((l: { trainable: boolean }) => l.trainable)).toEqual([false, false, false, true]);
    const [fromA, fromB] = await Promise.all([layerWeights(modelA, ['a_hidden1', 'a_bn']), layerWeights(frozen.modelId, ['a_hidden1', 'a_bn'])]);
    // gamma, beta, moving mean, moving variance: all four exactly as in A.
    expect(fromB.a_bn).toHaveLength(4);
    expect(fromB).toEqual(fromA);

    // The control: the same job unfrozen trains the BatchNormalization layer and moves its statistics.
    const unfrozen = await train(taskB({ modelId: modelA, layers: 3, freeze: false }));
    const moved = await layerWeights(unfrozen.modelId, ['a_bn']);
    expect(moved.a_bn[2]).not.toEqual(fromA.a_bn[2]);
    expect(moved.a_bn[3]).not.toEqual(fromA.a_bn[3]);
    expect((await weightsOf(modelA)).equals(weightsA)).toBe(true);
  });

  it('reuses layers by name and unfreezes only the top one for fine-tuning', async () => {
    const names = ['a_flatten', 'a_hidden1', 'a_bn', 'a_hidden2'];
    const job = await train(
      taskB({ modelId: modelA, layers: names, freeze: true }, { fineTune: { epochs: 1, unfreeze: 1, optimizer: { type: 'sgd', learningRate: 0.001 } } }),
    );
    const { epochs } = await get(`/jobs/${job.id}/metrics`);
    expect(epochs.map((e: { phase: string }) => e.phase)).toEqual(['train', 'fine_tune']);
    const model = await get(`/models/${job.modelId}`);
    expect(model.lineage).toEqual({ baseModelId: modelA, reusedLayers: names, baseModelDeleted: false });
    expect(model.summary.layers.map((l: { trainable: boolean }) => l.trainable)).toEqual([false, false, false, true, true]);
    const [fromA, fromB] = await Promise.all([layerWeights(modelA, names.slice(1)), layerWeights(job.modelId, names.slice(1))]);
    // Still frozen: unchanged. Unfrozen for the fine-tuning epoch: trained.
    expect(fromB.a_hidden1).toEqual(fromA.a_hidden1);
    expect(fromB.a_bn).toEqual(fromA.a_bn);
    expect(fromB.a_hidden2[0]).not.toEqual(fromA.a_hidden2[0]);
  });

  it('rejects at POST a base whose input shape differs from the dataset', async () => {
    const features = Array.from({ length: 8 }, (_, i) => [i, i % 2, (i * 3) % 5, 1]);
    const ds = await post('/datasets', { name: 'four-features', features, labels: features.map((_, i) => i % 2) });
    expect(ds.status).toBe(201);
    const res = await post('/jobs', taskB({ modelId: modelA, dropLast: 1 }, { dataset: { id: ds.body.id } }));
    expect(res.status).toBe(400);
    const problem = res.body.details.find((d: { path: string }) => d.path === '/dataset');
    expect(problem?.message).toContain('[28,28]');
    expect(problem?.message).toContain('[4]');
  });

  it('rejects at POST a head that does not fit the reused layers, naming the layer', async () => {
    // Flatten needs at least 2-D samples; the reused layers output [16].
    const flatten = await post(
      '/jobs',
      taskB({ modelId: modelA, dropLast: 1 }, { model: { layers: [{ type: 'Flatten' }, { type: 'Dense', units: 1, activation: 'sigmoid' }] } }),
    );
    expect(flatten.status).toBe(400);
    expect(flatten.body.details[0]).toEqual({ path: '/model/layers/0', message: expect.stringContaining('Flatten') });

    const shape = await post(
      '/jobs',
      taskB({ modelId: modelA, dropLast: 1 }, { model: { layers: [{ type: 'Dense', units: 1, activation: 'sigmoid', inputShape: [24] }] } }),
    );
    expect(shape.status).toBe(400);
    expect(shape.body.details[0]).toEqual({ path: '/model/layers/0/inputShape', message: expect.stringContaining('[16]') });

    // A's output is 8 classes; a binary head on all of A is fine, a 3-unit softmax on B's 2 classes is not.
    const units = await post(
      '/jobs',
      taskB(
        { modelId: modelA, dropLast: 1 },
        {
          model: { layers: [{ type: 'Dense', units: 3, activation: 'softmax' }] },
          compile: { optimizer: { type: 'sgd' }, loss: 'sparse_categorical_crossentropy' },
        },
      ),
    );
    expect(units.status).toBe(400);
    expect(units.body.details[0].path).toBe('/model/layers/0/units');
  });

  it('rejects at POST unknown base layer names, and layers cut off by dropLast', async () => {
    const res = await post('/jobs', taskB({ modelId: modelA, dropLast: 1, layers: ['a_flatten', 'nope', 'a_out'] }));
    expect(res.status).toBe(400);
    const problem = res.body.details.find((d: { path: string }) => d.path.startsWith('/base/layers'));
    expect(problem?.message).toContain('nope, a_out');
    expect(problem?.message).toContain('a_hidden2');

    const unfreeze = await post('/jobs', taskB({ modelId: modelA, layers: 2, freeze: true }, { fineTune: { epochs: 1, unfreeze: 3 } }));
    expect(unfreeze.status).toBe(400);
    expect(unfreeze.body.details.map((d: { path: string }) => d.path)).toContain('/fineTune/unfreeze');

    const missing = await post('/jobs', taskB({ modelId: '00000000-0000-4000-8000-000000000000', dropLast: 1 }));
    expect(missing.status).toBe(404);
    expect(missing.body.details[0].path).toBe('/base/modelId');
  });
});
