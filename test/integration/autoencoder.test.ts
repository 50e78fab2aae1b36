/**
 * Unsupervised pretraining through HTTP: an autoencoder (`task: "autoencoder"`) trained on a
 * dataset uploaded without labels, and on a built-in whose labels it ignores; then supervised
 * jobs that reuse its encoder (`base` with `dropLast: 1`, i.e. all but the decoder).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBuiltin, type Dataset } from '../../src/data/index.js';
import { FIXTURE_DATASETS, QUEUE_BACKENDS, startHarness, waitForJob, type Harness } from '../support/harness.js';

/** Samples [from, to) of a dataset as flat rows of 784 values, rounded to keep the body small. */
function flatRows(ds: Dataset, from: number, to: number): number[][] {
  const size = ds.featureShape.reduce((a, b) => a * b, 1);
  return Array.from({ length: to - from }, (_, i) =>
    Array.from(ds.features.subarray((from + i) * size, (from + i + 1) * size), (v) => Math.round(v * 1000) / 1000),
  );
}

const AE_COMPILE = { optimizer: { type: 'adam', learningRate: 0.005 }, loss: 'mse' };

describe.each(QUEUE_BACKENDS.slice(0, 1))('autoencoder pretraining over HTTP ($name queue)', ({ redisUrl }) => {
  let h: Harness;
  let fashion: Dataset;

  const post = async (url: string, body: unknown) => {
    const res = await fetch(`${h.baseUrl}${url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const get = async (url: string) => (await fetch(`${h.baseUrl}${url}`)).json() as Promise<Record<string, any>>;
  const train = async (spec: unknown) => {
    const created = await post('/jobs', spec);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const job = await waitForJob(h, created.body.id);
    expect(job.error).toBeNull();
    expect(job.status).toBe('succeeded');
    return job;
  };

  beforeAll(async () => {
    fashion = await loadBuiltin('fashion-mnist', 'train', { datasetsDir: FIXTURE_DATASETS, verifyChecksums: false });
    h = await startHarness({ redisUrl });
    await h.startWorker();
  });
  afterAll(async () => h?.close());

  it('pretrains on unlabeled uploaded data, then a small labeled set reuses the encoder', async () => {
    const unlabeled = await post('/datasets', { name: 'fashion-unlabeled', features: flatRows(fashion, 0, 400) });
    expect(unlabeled.status).toBe(201);
    expect(unlabeled.body).toMatchObject({ samples: 400, featureShape: [784], classes: 0 });

    // Without labels only an autoencoder can train on it.
    const supervised = await post('/jobs', {
      dataset: { id: unlabeled.body.id },
      model: { layers: [{ type: 'Dense', units: 10, activation: 'softmax', inputShape: [784] }] },
      compile: { optimizer: { type: 'sgd' }, loss: 'sparse_categorical_crossentropy' },
      fit: { epochs: 1 },
    });
    expect(supervised.status).toBe(400);
    expect(supervised.body.details[0]).toEqual({ path: '/dataset', message: expect.stringContaining('autoencoder') });

    const ae = await train({
      name: 'fashion-autoencoder',
      task: 'autoencoder',
      modelName: 'fashion-encoder',
      dataset: { id: unlabeled.body.id },
      validation: { split: 0.1 },
      model: {
        layers: [
          { type: 'Dense', name: 'encoder', units: 32, activation: 'selu', kernelInitializer: 'lecun_normal', inputShape: [784] },
          { type: 'Dense', name: 'decoder', units: 784, activation: 'sigmoid' },
        ],
      },
      compile: AE_COMPILE,
      fit: { epochs: 4, batchSize: 32, seed: 1 },
      diagnostics: { enabled: false },
    });
    const { epochs } = await get(`/jobs/${ae.id}/metrics`);
    expect(epochs).toHaveLength(4);
    expect(epochs[3].loss).toBeLessThan(epochs[0].loss);
    expect(Number.isFinite(epochs[3].val_loss)).toBe(true);
    expect(epochs[3].accuracy ?? null).toBeNull();
    // It reconstructs: one output per input value, each in [0, 1].
    const predicted = await post(`/models/${ae.modelId}/predict`, { inputs: flatRows(fashion, 500, 502) });
    expect(predicted.status).toBe(200);
    expect(predicted.body.outputs[0]).toHaveLength(784);
    expect(predicted.body.outputs[0].every((v: number) => v >= 0 && v <= 1)).toBe(true);
    const registered = await get('/models?name=fashion-encoder');
    expect(registered.items.map((m: { id: string; version: number }) => [m.id, m.version])).toEqual([[ae.modelId, 1]]);

    // A few labeled samples: a classifier on the pretrained encoder.
    const labeled = await post('/datasets', {
      name: 'fashion-labeled',
      features: flatRows(fashion, 400, 600),
      labels: Array.from(fashion.labels!.subarray(400, 600)),
    });
    expect(labeled.status).toBe(201);
    const classifier = await train({
      dataset: { id: labeled.body.id },
      base: { modelId: ae.modelId, dropLast: 1, freeze: true },
      model: { layers: [{ type: 'Dense', units: 10, activation: 'softmax' }] },
      compile: { optimizer: { type: 'adam', learningRate: 0.01 }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
      fit: { epochs: 3, batchSize: 32, seed: 2 },
      fineTune: { epochs: 1, optimizer: { type: 'adam', learningRate: 0.001 } },
      diagnostics: { enabled: false },
    });
    const model = await get(`/models/${classifier.modelId}`);
    expect(model.lineage).toEqual({ baseModelId: ae.modelId, reusedLayers: ['encoder'], baseModelDeleted: false });
    expect(model.summary.totalParams).toBe(784 * 32 + 32 + 32 * 10 + 10);
    const metrics = await get(`/jobs/${classifier.id}/metrics`);
    expect(metrics.epochs.map((e: { phase: string }) => e.phase)).toEqual(['train', 'train', 'train', 'fine_tune']);
    // 10 classes: well above chance on its own training data.
    expect(metrics.epochs[3].accuracy).toBeGreaterThan(0.3);
  });

  it('pretrains on a built-in, ignoring its labels, and a classifier builds on the encoder', async () => {
    // There is no Reshape layer, so the output must keep the [28, 28] shape: Dense layers on
    // 28x28 samples work row by row (each row of 28 pixels encoded to 12 values and back).
    const ae = await train({
      task: 'autoencoder',
      dataset: { builtin: 'fashion-mnist', split: 'train', limit: 300, seed: 3 },
      evaluate: { dataset: { builtin: 'fashion-mnist', split: 'test', limit: 100, seed: 4 } },
      model: {
        layers: [
          { type: 'Dense', name: 'row_encoder', units: 12, activation: 'selu', kernelInitializer: 'lecun_normal', inputShape: [28, 28] },
          { type: 'Dense', name: 'row_decoder', units: 28, activation: 'sigmoid' },
        ],
      },
      compile: AE_COMPILE,
      fit: { epochs: 2, batchSize: 32, seed: 1 },
      diagnostics: { enabled: false },
    });
    expect(Number.isFinite(ae.evaluation.loss)).toBe(true);
    expect(ae.evaluation.accuracy ?? null).toBeNull();

    const classifier = await train({
      dataset: { builtin: 'fashion-mnist', split: 'train', classes: [5, 6], limit: 100, seed: 5 },
      base: { modelId: ae.modelId, dropLast: 1, freeze: true },
      model: { layers: [{ type: 'Flatten' }, { type: 'Dense', units: 1, activation: 'sigmoid' }] },
      compile: { optimizer: { type: 'sgd', learningRate: 0.01 }, loss: 'binary_crossentropy', metrics: ['accuracy'] },
      fit: { epochs: 2, batchSize: 32, seed: 2 },
      diagnostics: { enabled: false },
    });
    const model = await get(`/models/${classifier.modelId}`);
    expect(model.lineage).toEqual({ baseModelId: ae.modelId, reusedLayers: ['row_encoder'], baseModelDeleted: false });
    expect(model.summary.layers.map((l: { outputShape: unknown[] }) => l.outputShape)).toEqual([
      [null, 28, 12],
      [null, 336],
      [null, 1],
    ]);
  });

  it('rejects at POST an autoencoder whose output shape is not its input shape', async () => {
    // Flatten -> ... -> Dense(784) outputs [784] for [28, 28] samples: without a Reshape layer
    // the reconstruction would not have the input's shape, so the spec names the last layer.
    const res = await post('/jobs', {
      task: 'autoencoder',
      dataset: { builtin: 'fashion-mnist', split: 'train', limit: 100 },
      model: {
        layers: [
          { type: 'Flatten', inputShape: [28, 28] },
          { type: 'Dense', units: 32, activation: 'selu' },
          { type: 'Dense', units: 784, activation: 'sigmoid' },
        ],
      },
      compile: AE_COMPILE,
      fit: { epochs: 1 },
    });
    expect(res.status).toBe(400);
    expect(res.body.details[0]).toEqual({ path: '/model/layers/2', message: expect.stringContaining('[28, 28]') });

    const wrongLoss = await post('/jobs', {
      task: 'autoencoder',
      dataset: { builtin: 'fashion-mnist', split: 'train', limit: 100 },
      model: {
        layers: [
          { type: 'Dense', units: 8, inputShape: [28, 28] },
          { type: 'Dense', units: 28, activation: 'sigmoid' },
        ],
      },
      compile: { optimizer: { type: 'sgd' }, loss: 'sparse_categorical_crossentropy' },
      fit: { epochs: 1 },
    });
    expect(wrongLoss.status).toBe(400);
    expect(wrongLoss.body.details.map((d: { path: string }) => d.path)).toContain('/compile/loss');
  });
});
