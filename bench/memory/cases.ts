/** The cases of the memory benchmark, and the estimates each is set against. */
import { estimateJobMemory, jobMemoryInputs, optimizerSlots } from '../../src/training/sizing/memory-estimate.js';
import { sizeLayers } from '../../src/training/sizing/param-estimate.js';
import type { LayerSpec, OptimizerSpec } from '../../src/schemas/job-spec.js';
import type { CaseArgs } from './case.js';
import { MEMORY_MODELS, memoryJob } from './models.js';

const WIDE_HIDDEN: LayerSpec[] = [
  { type: 'Dense', units: 3000, activation: 'relu' },
  { type: 'Dense', units: 1000, activation: 'relu' },
];

export type MemoryCase = CaseArgs;

/** MNIST's training split: the issue's job trained on all of it. */
const SAMPLES = 60_000;

const BATCHES = [32, 256, 4096, 16_384, 65_536];

/**
 * Whole epochs where they take a minute or so; the wide network stops after three batches below
 * batch 16,384 (its memory does not change after the first batches, its epoch takes minutes).
 * On the cpu backend (several times slower) fewer cases, fewer batches.
 */
export const MEMORY_CASES: MemoryCase[] = [
  ...['dense_relu', 'bn_elu'].flatMap((model) => BATCHES.map((batchSize): MemoryCase => ({ backend: 'wasm', model, batchSize, samples: SAMPLES }))),
  ...BATCHES.map((batchSize): MemoryCase => ({
    backend: 'wasm',
    model: 'wide',
    batchSize,
    samples: SAMPLES,
    ...(batchSize < 16_384 ? { maxBatches: 3 } : {}),
  })),
  { backend: 'wasm', model: 'dense_relu', batchSize: 4096, samples: SAMPLES, validationSplit: 0.1 },
  { backend: 'wasm', model: 'bn_elu', batchSize: 65_536, samples: SAMPLES, validationSplit: 0.1 },
  { backend: 'wasm', model: 'wide', batchSize: 16_384, samples: SAMPLES, validationSplit: 0.1 },
  { backend: 'wasm', model: 'dense_relu', batchSize: 16_384, samples: SAMPLES, epochs: 3 },
  { backend: 'wasm', model: 'bn_elu', batchSize: 16_384, samples: SAMPLES, epochs: 3 },
  { backend: 'cpu', model: 'dense_relu', batchSize: 32, samples: SAMPLES, maxBatches: 300 },
  { backend: 'cpu', model: 'dense_relu', batchSize: 4096, samples: SAMPLES, maxBatches: 3 },
  { backend: 'cpu', model: 'dense_relu', batchSize: 16_384, samples: SAMPLES, maxBatches: 2 },
  { backend: 'cpu', model: 'bn_elu', batchSize: 4096, samples: SAMPLES, maxBatches: 2 },
  { backend: 'cpu', model: 'wide', batchSize: 256, samples: SAMPLES, maxBatches: 3 },
  { backend: 'cpu', model: 'wide', batchSize: 4096, samples: SAMPLES, maxBatches: 1 },
];

/** Layer stacks whose training step the estimate's per-layer coefficients are read from (`--layers`). */
export const LAYER_STACKS: Array<{ label: string; layers: LayerSpec[]; batch: number; samples?: number }> = [
  { label: '(none)', layers: [], batch: 8192 },
  ...(
    [
      'linear',
      'relu',
      'elu',
      'tanh',
      'sigmoid',
      'softplus',
      'softmax',
      'leaky_relu',
      'relu6',
      'hard_sigmoid',
      'selu',
      'swish',
      'mish',
      'softsign',
      'gelu',
    ] as const
  ).map((activation) => ({
    label: `Dense 1000 ${activation}`,
    layers: [{ type: 'Dense' as const, units: 1000, activation }],
    batch: 8192,
  })),
  ...(['relu', 'tanh', 'selu', 'gelu'] as const).map((activation) => ({
    label: `Dense 1000, Activation ${activation}`,
    layers: [
      { type: 'Dense' as const, units: 1000 },
      { type: 'Activation' as const, activation },
    ],
    batch: 8192,
  })),
  { label: 'BatchNormalization', layers: [{ type: 'BatchNormalization' }], batch: 8192 },
  {
    label: 'Dense 1000 relu, Dropout 0.5',
    layers: [
      { type: 'Dense', units: 1000, activation: 'relu' },
      { type: 'Dropout', rate: 0.5 },
    ],
    batch: 8192,
  },
  ...(['LeakyReLU', 'PReLU', 'ELU', 'RReLU'] as const).map((type) => ({
    label: `Dense 1000, ${type}`,
    layers: [{ type: 'Dense' as const, units: 1000 }, { type }] as LayerSpec[],
    batch: 8192,
  })),
  {
    label: 'Dense 1000, AlphaDropout 0.1',
    layers: [
      { type: 'Dense', units: 1000 },
      { type: 'AlphaDropout', rate: 0.1 },
    ],
    batch: 8192,
  },
  { label: 'Dense 3000 relu, Dense 1000 relu', layers: WIDE_HIDDEN, batch: 8192 },
  { label: 'Dense 3000 relu, Dense 1000 relu (3 batches)', layers: WIDE_HIDDEN, batch: 8192, samples: 3 * 8192 },
];

/** Optimizers whose step the estimate's per-weight figures are read from (`--layers`). */
export const OPTIMIZERS: OptimizerSpec[] = [
  { type: 'sgd' },
  { type: 'sgd', momentum: 0.9 },
  { type: 'adam' },
  { type: 'adamax' },
  { type: 'rmsprop', momentum: 0.9, centered: true },
  { type: 'adagrad' },
  { type: 'adadelta' },
  { type: 'adam', clipNorm: 1 },
  { type: 'adam', globalClipNorm: 1 },
];

export const caseName = (c: MemoryCase) =>
  `${c.backend}/${c.model}/${c.batchSize}${c.validationSplit ? `/val${c.validationSplit}` : ''}${c.epochs ? `/epochs${c.epochs}` : ''}`;

/** The estimate POST /jobs made before this benchmark: weights x (3 + slots), layer outputs x batch x 2, the data once. */
function oldEstimate(params: number, activationsPerSample: number, batchSize: number, slots: number, dataValues: number): number {
  return params * (3 + slots) * 4 + activationsPerSample * batchSize * 2 * 4 + dataValues * 4;
}

/** What POST /jobs estimates for a case, in bytes: as src/features/jobs/memory-check.ts computes it. */
export function estimateFor(c: MemoryCase): { old: number; total: number; tensors: number } {
  const model = MEMORY_MODELS.find((m) => m.id === c.model)!;
  const spec = memoryJob(model, c.batchSize, c.validationSplit, c.epochs);
  const stack = sizeLayers(spec.model.layers, [28, 28]);
  const inputs = jobMemoryInputs(spec, {
    params: stack.params,
    stepValuesPerSample: stack.stepValuesPerSample,
    samples: c.samples,
    featureValues: 784,
    classes: 10,
    otherSamples: 0,
  });
  const memory = estimateJobMemory(inputs);
  return {
    old: oldEstimate(stack.params, stack.activationsPerSample, inputs.batchSize, optimizerSlots(spec.compile.optimizer), inputs.samples * inputs.featureValues),
    total: memory.total,
    tensors: memory.tensors,
  };
}
