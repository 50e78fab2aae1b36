import { describe, expect, it } from 'vitest';
import type { JobSpec, LayerSpec } from '../../../../src/schemas/job-spec.js';
import { checkMemory } from '../../../../src/features/jobs/memory-check.js';
import { sizeLayers } from '../../../../src/training/sizing/param-estimate.js';

const WIDE: LayerSpec[] = [
  { type: 'Flatten' },
  { type: 'Dense', units: 3000, activation: 'relu' },
  { type: 'Dense', units: 1000, activation: 'relu' },
  { type: 'Dense', units: 10, activation: 'softmax' },
];

function check(
  config: { TFJS_BACKEND: 'auto' | 'wasm' | 'cpu' | 'tensorflow' | 'webgpu'; MAX_JOB_MEMORY_MB: number },
  batchSize: number,
  layers = WIDE,
  samples = 60_000,
) {
  const spec = {
    dataset: { builtin: 'mnist', split: 'train' },
    model: { layers },
    compile: { optimizer: { type: 'adam' }, loss: 'sparse_categorical_crossentropy' },
    fit: { epochs: 3, batchSize },
  } as JobSpec;
  const stack = sizeLayers(layers, [28, 28]);
  return checkMemory(config, spec, {
    params: stack.params,
    stepValuesPerSample: stack.stepValuesPerSample,
    samples,
    featureValues: 784,
    classes: 10,
    otherSamples: 0,
  });
}

describe('checkMemory', () => {
  it("refuses the issue's job (3000-1000-10, batch 65,536, 60,000 MNIST images) on the wasm backend whatever MAX_JOB_MEMORY_MB allows, naming fit.batchSize and the 4 GiB limit", () => {
    for (const backend of ['wasm', 'auto'] as const) {
      const problems = check({ TFJS_BACKEND: backend, MAX_JOB_MEMORY_MB: 1_000_000 }, 65_536);
      expect(problems).toHaveLength(1);
      expect(problems[0].path).toBe('/fit/batchSize');
      expect(problems[0].message).toMatch(/training would need about [\d,]+ MB of tensor memory/);
      expect(problems[0].message).toContain('wasm32 memory of at most 4,096 MB (4 GiB)');
      expect(problems[0].message).toMatch(/use a fit\.batchSize of at most [\d,]+$/);
    }
  });

  it('suggests a batch size that the check then accepts', () => {
    const config = { TFJS_BACKEND: 'wasm' as const, MAX_JOB_MEMORY_MB: 1_000_000 };
    const largest = Number(/at most ([\d,]+)$/.exec(check(config, 65_536)[0].message)![1].replace(/,/g, ''));
    expect(largest).toBeGreaterThan(16_384); // batch 16,384 trained, at 2.9 GB of wasm heap
    expect(check(config, largest)).toEqual([]);
    expect(check(config, largest + 1)).toHaveLength(1);
  });

  it('leaves the ceiling out on backends without one, where MAX_JOB_MEMORY_MB still holds', () => {
    expect(check({ TFJS_BACKEND: 'cpu', MAX_JOB_MEMORY_MB: 1_000_000 }, 65_536)).toEqual([]);
    const [problem] = check({ TFJS_BACKEND: 'tensorflow', MAX_JOB_MEMORY_MB: 4096 }, 65_536);
    expect(problem.path).toBe('/fit/batchSize');
    expect(problem.message).toContain('the limit is 4,096 MB (MAX_JOB_MEMORY_MB)');
  });

  it('on webgpu, MAX_JOB_MEMORY_MB (the GPU memory a job may use) is the limit, not the wasm ceiling', () => {
    expect(check({ TFJS_BACKEND: 'webgpu', MAX_JOB_MEMORY_MB: 1_000_000 }, 65_536)).toEqual([]);
    const [problem] = check({ TFJS_BACKEND: 'webgpu', MAX_JOB_MEMORY_MB: 8192 }, 65_536);
    expect(problem.path).toBe('/fit/batchSize');
    expect(problem.message).toContain('the limit is 8,192 MB (MAX_JOB_MEMORY_MB)');
  });

  it('names the layers when the weights weigh most, with the parameter count; the dataset when the data does', () => {
    const layers: LayerSpec[] = [{ type: 'Flatten' }, { type: 'Dense', units: 4096, activation: 'relu' }, { type: 'Dense', units: 10, activation: 'softmax' }];
    const [problem] = check({ TFJS_BACKEND: 'wasm', MAX_JOB_MEMORY_MB: 200 }, 32, layers, 600);
    expect(problem.path).toBe('/model/layers');
    expect(problem.message).toContain('3,256,330 parameters');
    expect(problem.message).toContain('MAX_JOB_MEMORY_MB');
    expect(check({ TFJS_BACKEND: 'wasm', MAX_JOB_MEMORY_MB: 500 }, 32, layers.slice(0, 1).concat(layers.slice(2)))[0].path).toBe('/dataset');
  });

  it("accepts the chapter's models at the usual batch sizes under the default limit", () => {
    const mlp: LayerSpec[] = [
      { type: 'Flatten' },
      { type: 'Dense', units: 300, activation: 'relu' },
      { type: 'Dense', units: 100, activation: 'relu' },
      { type: 'Dense', units: 10, activation: 'softmax' },
    ];
    for (const batch of [32, 256, 4096]) {
      expect(check({ TFJS_BACKEND: 'auto', MAX_JOB_MEMORY_MB: 4096 }, batch, mlp)).toEqual([]);
      expect(check({ TFJS_BACKEND: 'auto', MAX_JOB_MEMORY_MB: 4096 }, batch)).toEqual([]);
    }
  });
});
