/**
 * The WebGPU backend trains as the cpu backend does: the same seeded jobs (every layer and
 * initializer, BatchNormalization's fused training step, every optimizer with clipping, a frozen
 * base then fine-tuning) give per-epoch losses that agree within {@link LOSS_TOLERANCE}, and a
 * model trained on WebGPU loads and predicts the same on cpu. Float32 sums run in another order on
 * the GPU, so the results agree closely, not bit for bit.
 *
 * Runs on whatever adapter the machine has (lavapipe on a machine without a GPU); skips, saying
 * so, only where there is none. Every read is asynchronous: the webgpu backend cannot read a GPU
 * buffer synchronously in Node (its `dataSync` needs a browser's OffscreenCanvas).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../../../src/data/types.js';
import type { JobSpec, OptimizerSpec } from '../../../../src/schemas/job-spec.js';
import { initBackend } from '../../../../src/training/backend/backend.js';
import { webgpuAdapter } from '../../../../src/training/backend/webgpu.js';
import { deserializeModel, serializeModel } from '../../../../src/training/model/artifact.js';
import { runTrainingJob, type RunJobArgs } from '../../../../src/training/loop/run-training.js';
import type { ModelArtifact } from '../../../../src/core/run-types.js';
import { webgpuAdapterHere } from '../../../support/webgpu-available.js';

/** Largest relative difference allowed between the two backends' per-epoch losses (on lavapipe they differ by at most about 2e-7). */
const LOSS_TOLERANCE = 1e-3;
/** Largest absolute difference between predicted probabilities on WebGPU and after loading on cpu. */
const PREDICT_TOLERANCE = 1e-4;

const adapter = webgpuAdapterHere();

function dataset(n: number, seed = 1): Dataset {
  let s = seed;
  const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
  const features = new Float32Array(n * 6);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < 6; f++) features[i * 6 + f] = rnd() * 2 + 1;
    labels[i] = features[i * 6] + features[i * 6 + 1] > 2 ? 1 : features[i * 6 + 2] > 1 ? 2 : 0;
  }
  return { features, labels, featureShape: [6], samples: n, classes: 3 };
}

const spec = (over: Partial<JobSpec> = {}): JobSpec => ({
  dataset: { id: 'd', standardize: true },
  model: {
    layers: [
      { type: 'Dense', units: 8, activation: 'relu' },
      { type: 'Dense', units: 3, activation: 'softmax' },
    ],
  },
  compile: { optimizer: { type: 'adam', learningRate: 0.01 }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
  fit: { epochs: 2, batchSize: 16, seed: 5 },
  ...over,
});

/** Every deterministic layer type and most initializers in one network, BatchNormalization in training mode among them. */
const EVERY_LAYER: JobSpec['model']['layers'] = [
  { type: 'Reshape', targetShape: [2, 3] },
  { type: 'Flatten' },
  { type: 'Dense', units: 12, kernelInitializer: 'he_normal', biasInitializer: 'random_uniform' },
  { type: 'BatchNormalization' },
  { type: 'ELU' },
  { type: 'Dense', units: 10, activation: 'selu', kernelInitializer: 'lecun_normal' },
  { type: 'PReLU', alphaInitializer: 'random_normal' },
  { type: 'Dense', units: 10, kernelInitializer: 'orthogonal', biasInitializer: 'ones' },
  { type: 'LeakyReLU', alpha: 0.2 },
  { type: 'Dense', units: 10, activation: 'tanh', kernelInitializer: 'identity' },
  { type: 'Activation', activation: 'softplus' },
  { type: 'Dense', units: 8, activation: 'sigmoid', kernelInitializer: 'truncated_normal' },
  { type: 'Dense', units: 3, activation: 'softmax', kernelInitializer: 'glorot_normal' },
] as JobSpec['model']['layers'];

const OPTIMIZERS: OptimizerSpec[] = [
  { type: 'sgd', learningRate: 0.05, momentum: 0.9, nesterov: true, clipValue: 0.5 },
  { type: 'adamax', learningRate: 0.01, clipNorm: 1 },
  { type: 'rmsprop', learningRate: 0.005, centered: true, momentum: 0.5, globalClipNorm: 1 },
  { type: 'adagrad', learningRate: 0.05 },
  { type: 'adadelta', learningRate: 1 },
] as OptimizerSpec[];

/** Losses per epoch (train and validation) and the artifact, trained on `backend`. */
async function train(backend: 'cpu' | 'webgpu', args: Omit<RunJobArgs, 'hooks'>) {
  await initBackend(backend);
  const losses: number[] = [];
  const result = await runTrainingJob({ ...args, hooks: { onEpoch: (r) => void losses.push(r.loss, r.val_loss ?? 0) } });
  expect(result.status).toBe('succeeded');
  return { losses, artifact: result.artifact };
}

async function expectSameTraining(args: Omit<RunJobArgs, 'hooks'>) {
  const cpu = await train('cpu', args);
  const gpu = await train('webgpu', args);
  expect(gpu.losses).toHaveLength(cpu.losses.length);
  gpu.losses.forEach((loss, i) => {
    expect(Number.isFinite(loss)).toBe(true);
    expect(Math.abs(loss - cpu.losses[i]) / Math.max(1, Math.abs(cpu.losses[i]))).toBeLessThan(LOSS_TOLERANCE);
  });
  return gpu;
}

async function predictions(artifact: ModelArtifact, x: tf.Tensor): Promise<Float32Array> {
  const { model } = await deserializeModel(artifact);
  const y = model.predict(x) as tf.Tensor;
  const values = (await y.data()) as Float32Array;
  y.dispose();
  model.dispose();
  return values;
}

describe.skipIf(!adapter)(`the webgpu backend trains as cpu does (${adapter?.description ?? 'no adapter'})`, () => {
  const data = { train: dataset(96) };
  let everyLayer: ModelArtifact;

  beforeAll(async () => {
    await initBackend('webgpu');
    // Small tensors whose values are on the CPU would otherwise run on tfjs's cpu kernels: this
    // test is about the GPU's.
    tf.env().set('WEBGPU_CPU_FORWARD', false);
    expect(webgpuAdapter()?.description).toBe(adapter?.description);
  });
  afterAll(async () => {
    tf.env().set('WEBGPU_CPU_FORWARD', true);
    await initBackend('cpu');
  });

  it('every layer and initializer, BatchNormalization training included, with validation', async () => {
    const gpu = await expectSameTraining({ spec: spec({ model: { layers: EVERY_LAYER }, validation: { split: 0.25 } }), data });
    everyLayer = gpu.artifact;
  });

  it('a model trained on webgpu loads and predicts the same on cpu', async () => {
    await initBackend('webgpu');
    const rows = tf.tensor2d(dataset(8, 3).features, [8, 6]);
    const onGpu = await predictions(everyLayer, rows);
    await initBackend('cpu');
    const onCpu = await predictions(everyLayer, tf.tensor2d(await rows.data(), [8, 6]));
    onCpu.forEach((v, i) => expect(Math.abs(v - onGpu[i])).toBeLessThan(PREDICT_TOLERANCE));
  });

  it.each(OPTIMIZERS.map((o) => [o.type, o] as const))('%s with its clipping', async (_type, optimizer) => {
    await expectSameTraining({ spec: spec({ compile: { optimizer, loss: 'sparse_categorical_crossentropy' } }), data });
  });

  it('a frozen base, then fine-tuning with every layer unfrozen', async () => {
    await initBackend('cpu');
    const baseModel = tf.sequential({
      layers: [
        tf.layers.dense({ units: 8, inputShape: [6], activation: 'relu', name: 'b1', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
        tf.layers.batchNormalization({ name: 'b_bn' }),
        tf.layers.dense({ units: 3, activation: 'softmax', name: 'b_out' }),
      ],
    });
    const base = await serializeModel(baseModel);
    baseModel.dispose();
    await expectSameTraining({
      spec: spec({
        base: { modelId: 'm', dropLast: 1, freeze: true },
        model: { layers: [{ type: 'Dense', units: 3, activation: 'softmax' }] },
        fineTune: { epochs: 1, optimizer: { type: 'sgd', learningRate: 0.01, momentum: 0.9 } },
      }),
      data,
      base,
    });
  });

  it('a job over what the adapter can bind fails with a clear error, and the next job trains', async () => {
    await initBackend('webgpu');
    const limit = (tf.backend() as unknown as { device: { limits: { maxStorageBufferBindingSize: number } } }).device.limits.maxStorageBufferBindingSize;
    // One hidden layer whose activations for a batch of 64 are just over the largest buffer a kernel may bind.
    const units = Math.ceil(limit / 4 / 64) + 1024;
    const tooWide = spec({
      model: {
        layers: [
          { type: 'Dense', units },
          { type: 'Dense', units: 3, activation: 'softmax' },
        ],
      },
      fit: { epochs: 1, batchSize: 64, seed: 1 },
    });
    const refused = runTrainingJob({ spec: { ...tooWide, diagnostics: { enabled: false } }, data: { train: dataset(64) }, hooks: { onEpoch: () => {} } });
    await expect(refused).rejects.toMatchObject({ name: 'GpuError', message: expect.stringMatching(/maximum storage buffer binding size.*fit\.batchSize/) });
    const next = await runTrainingJob({ spec: spec(), data, hooks: { onEpoch: () => {} } });
    expect(next.status).toBe('succeeded');
  });
});
