import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { JobSpec, LayerSpec } from '../../../../src/schemas/job-spec.js';
import {
  WASM_HEAP_LIMIT,
  estimateJobMemory,
  jobMemoryInputs,
  largestBatchWithin,
  optimizerSlots,
  optimizerStepValues,
} from '../../../../src/training/sizing/memory-estimate.js';
import { sizeLayers } from '../../../../src/training/sizing/param-estimate.js';

const MB = 1024 * 1024;

/** What `npm run bench:memory` recorded: one training process per case, 60,000 random 28x28 samples. */
interface Recorded {
  backend: 'wasm' | 'cpu';
  model: string;
  batchSize: number;
  samples: number;
  validationSplit?: number;
  result: { baselineRssMb: number; peakRssMb: number; wasmHeapMb: number | null; error: string | null };
}
const recorded = JSON.parse(readFileSync(new URL('../../../../bench/memory-results.json', import.meta.url), 'utf8')) as Recorded[];

/** The benchmark's networks (bench/memory/models.ts), as the API sizes them. */
const FLATTEN: LayerSpec = { type: 'Flatten' };
const MODELS: Record<string, LayerSpec[]> = {
  dense_relu: [
    FLATTEN,
    { type: 'Dense', units: 300, activation: 'relu' },
    { type: 'Dense', units: 100, activation: 'relu' },
    { type: 'Dense', units: 10, activation: 'softmax' },
  ],
  bn_elu: [
    FLATTEN,
    { type: 'BatchNormalization' },
    { type: 'Dense', units: 300, useBias: false },
    { type: 'BatchNormalization' },
    { type: 'Activation', activation: 'elu' },
    { type: 'Dense', units: 100, useBias: false },
    { type: 'BatchNormalization' },
    { type: 'Activation', activation: 'elu' },
    { type: 'Dense', units: 10, activation: 'softmax' },
  ],
  wide: [
    FLATTEN,
    { type: 'Dense', units: 3000, activation: 'relu' },
    { type: 'Dense', units: 1000, activation: 'relu' },
    { type: 'Dense', units: 10, activation: 'softmax' },
  ],
};

function mnistJob(layers: LayerSpec[], batchSize: number, validationSplit?: number): JobSpec {
  return {
    dataset: { builtin: 'mnist', split: 'train' },
    model: { layers },
    compile: { optimizer: { type: 'adam', learningRate: 0.001 }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
    fit: { epochs: 1, batchSize },
    ...(validationSplit ? { validation: { split: validationSplit } } : {}),
  } as JobSpec;
}

function estimate(layers: LayerSpec[], batchSize: number, samples = 60_000, validationSplit?: number) {
  const spec = mnistJob(layers, batchSize, validationSplit);
  const stack = sizeLayers(layers, [28, 28]);
  const inputs = jobMemoryInputs(spec, {
    params: stack.params,
    stepValuesPerSample: stack.stepValuesPerSample,
    samples,
    featureValues: 784,
    classes: 10,
    otherSamples: 0,
  });
  return { inputs, memory: estimateJobMemory(inputs) };
}

describe('job memory estimate', () => {
  it('counts the optimizer state each optimizer keeps per weight, and what its step holds', () => {
    expect(optimizerSlots({ type: 'sgd' })).toBe(0);
    expect(optimizerSlots({ type: 'sgd', momentum: 0.9 })).toBe(1);
    expect(optimizerSlots({ type: 'adam' })).toBe(2);
    expect(optimizerSlots({ type: 'rmsprop', momentum: 0.9, centered: true })).toBe(3);
    // adam's update keeps about 14 temporaries per weight alive besides its gradient and 2 slots.
    expect(optimizerStepValues({ type: 'adam' })).toBeGreaterThanOrEqual(17);
    expect(optimizerStepValues({ type: 'sgd' })).toBeLessThan(optimizerStepValues({ type: 'sgd', momentum: 0.9 }));
    expect(optimizerStepValues({ type: 'adam', clipNorm: 1 })).toBe(optimizerStepValues({ type: 'adam' }) + 1);
  });

  it("sizes the issue's 49.9M-parameter job at about 4 GB of weights and adam's step", () => {
    const { params } = sizeLayers([{ type: 'Flatten' }, { type: 'Dense', units: 63_600 }, { type: 'Dense', units: 10 }], [28, 28]);
    expect(params).toBeGreaterThan(49_900_000);
    const inputs = {
      params,
      stepValuesPerSample: 0,
      batchSize: 1,
      optimizerValues: optimizerStepValues({ type: 'adam' }),
      slots: 2,
      samples: 0,
      trainSamples: 0,
      featureValues: 0,
      labelValues: 0,
      probeSamples: 0,
      standardize: false,
    };
    expect(estimateJobMemory(inputs).weights).toBeGreaterThan(3_700_000_000);
  });

  it('stays at least 10% above every peak the benchmark measured: the process RSS, and the wasm heap', () => {
    expect(recorded.length).toBeGreaterThanOrEqual(15);
    for (const c of recorded) {
      const { memory } = estimate(MODELS[c.model], c.batchSize, c.samples, c.validationSplit);
      const name = `${c.backend} ${c.model} batch ${c.batchSize}`;
      const rss = (c.result.peakRssMb - c.result.baselineRssMb) * MB;
      expect(memory.total, name).toBeGreaterThanOrEqual(1.1 * rss);
      if (c.result.wasmHeapMb !== null) expect(memory.tensors, name).toBeGreaterThanOrEqual(1.1 * c.result.wasmHeapMb * MB);
    }
  });

  it('puts a job the wasm backend could not hold above its 4 GiB heap: 3000-1000-10 at batch 65,536 on 60,000 MNIST images', () => {
    const crashed = recorded.find((c) => c.backend === 'wasm' && c.model === 'wide' && c.batchSize === 65_536);
    expect(crashed?.result.error).toMatch(/Aborted|out of bounds/);
    const { inputs, memory } = estimate(MODELS.wide, 65_536);
    expect(inputs.batchSize).toBe(60_000);
    expect(memory.tensors).toBeGreaterThan(WASM_HEAP_LIMIT);
    // What the old estimate gave (params x (3 + slots) + outputs x batch x 2 + data, in floats): under the ceiling.
    const stack = sizeLayers(MODELS.wide, [28, 28]);
    const old = (stack.params * 5 + stack.activationsPerSample * 60_000 * 2 + 60_000 * 784) * 4;
    expect(old).toBeLessThan(WASM_HEAP_LIMIT);
  });

  it('finds the largest batch size that fits a limit', () => {
    const { inputs } = estimate(MODELS.wide, 65_536);
    const largest = largestBatchWithin(inputs, 'tensors', WASM_HEAP_LIMIT);
    expect(largest).toBeGreaterThan(16_384); // it ran, measured well under the ceiling
    expect(estimateJobMemory({ ...inputs, batchSize: largest }).tensors).toBeLessThanOrEqual(WASM_HEAP_LIMIT);
    expect(estimateJobMemory({ ...inputs, batchSize: largest + 1 }).tensors).toBeGreaterThan(WASM_HEAP_LIMIT);
    expect(largestBatchWithin(inputs, 'tensors', 100 * MB)).toBe(0);
  });

  it('counts one-hot labels per class, an autoencoder its inputs as targets, and the validation data', () => {
    const stack = sizeLayers(MODELS.dense_relu, [28, 28]);
    const size = { params: stack.params, stepValuesPerSample: stack.stepValuesPerSample, samples: 1000, featureValues: 784, classes: 10, otherSamples: 500 };
    const sparse = jobMemoryInputs(mnistJob(MODELS.dense_relu, 32), size);
    expect(sparse.labelValues).toBe(1);
    expect(sparse.samples).toBe(1500);
    expect(sparse.trainSamples).toBe(1000);
    const oneHot = jobMemoryInputs(
      { ...mnistJob(MODELS.dense_relu, 32), compile: { optimizer: { type: 'sgd' }, loss: 'categorical_crossentropy' } } as JobSpec,
      size,
    );
    expect(oneHot.labelValues).toBe(10);
    expect(jobMemoryInputs({ ...mnistJob(MODELS.dense_relu, 32), task: 'autoencoder' } as JobSpec, size).labelValues).toBe(784);
    // The batch is at most the training part of a split.
    expect(jobMemoryInputs(mnistJob(MODELS.dense_relu, 4096, 0.5), size).batchSize).toBe(500);
  });
});
