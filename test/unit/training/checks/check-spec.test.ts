import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobSpec, LayerSpec } from '../../../../src/schemas/job-spec.js';
import { checkModelSpec, type CheckContext } from '../../../../src/training/checks/check-spec.js';
import { useTestBackend } from '../../../support/test-backend.js';

beforeAll(async () => {
  await useTestBackend();
});

const CTX: CheckContext = { inputShape: [28, 28], classes: 10 };

function spec(layers: LayerSpec[], extra: Partial<JobSpec> = {}): JobSpec {
  return {
    dataset: { builtin: 'fashion-mnist' },
    model: { layers },
    compile: { optimizer: { type: 'sgd' }, loss: 'sparse_categorical_crossentropy' },
    fit: { epochs: 1 },
    ...extra,
  } as JobSpec;
}

const GOOD: LayerSpec[] = [
  { type: 'Flatten', inputShape: [28, 28] },
  { type: 'Dense', units: 30, activation: 'relu' },
  { type: 'Dense', units: 10, activation: 'softmax' },
];

const paths = (s: JobSpec, ctx: CheckContext = CTX) => checkModelSpec(s, ctx).map((p) => p.path);

describe('checkModelSpec', () => {
  it('accepts a good spec and leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    expect(checkModelSpec(spec(GOOD), CTX)).toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('flags a first-layer inputShape that disagrees with the dataset', () => {
    const problems = checkModelSpec(spec([{ type: 'Flatten', inputShape: [32, 32] }, ...GOOD.slice(1)]), CTX);
    expect(problems).toEqual([{ path: '/model/layers/0/inputShape', message: expect.stringContaining('[28, 28]') }]);
  });

  it('flags the wrong number of output units and a missing softmax', () => {
    const problems = checkModelSpec(spec([GOOD[0], GOOD[1], { type: 'Dense', units: 5, activation: 'relu' }]), CTX);
    expect(problems.map((p) => p.path)).toEqual(['/model/layers/2/units', '/model/layers/2/activation']);
    expect(problems[0].message).toContain('expected 10 units');
  });

  it('flags binary_crossentropy with more than one unit', () => {
    const s = spec(GOOD, { compile: { optimizer: { type: 'sgd' }, loss: 'binary_crossentropy' } } as Partial<JobSpec>);
    const problems = checkModelSpec(s, { ...CTX, classes: 2 });
    expect(problems[0]).toEqual({ path: '/model/layers/2/units', message: expect.stringContaining('expected 1 unit') });
  });

  it('flags Dense on a non-flat input: add a Flatten layer', () => {
    const problems = checkModelSpec(
      spec([
        { type: 'Dense', units: 30 },
        { type: 'Dense', units: 10, activation: 'softmax' },
      ]),
      CTX,
    );
    expect(problems).toEqual([{ path: '/model/layers/0', message: expect.stringContaining('add a Flatten layer before') }]);
  });

  it('pins a tfjs build error to its layer', () => {
    const problems = checkModelSpec(spec([GOOD[0], { type: 'Dense', units: 30, kernelInitializer: 'identity' }, GOOD[2]]), CTX);
    expect(problems.map((p) => p.path)).toEqual(['/model/layers/1']);
    expect(problems[0].message).toMatch(/^Dense cannot be built on inputs of shape \[784\]/);
  });

  it('flags duplicate layer names and RReLU lower > upper', () => {
    const problems = checkModelSpec(
      spec([{ ...GOOD[0], name: 'a' } as LayerSpec, { type: 'RReLU', lower: 0.5, upper: 0.2 }, { type: 'Dense', units: 10, activation: 'softmax', name: 'a' }]),
      CTX,
    );
    expect(problems.map((p) => p.path).sort()).toEqual(['/model/layers/1/lower', '/model/layers/2/name']);
  });

  it('flags an empty model without a base, and fineTune without a base', () => {
    expect(paths(spec([], { fineTune: { epochs: 1 } }))).toEqual(['/fineTune', '/model/layers']);
  });

  it('checks an autoencoder output shape and loss', () => {
    const ae: LayerSpec[] = [GOOD[0], { type: 'Dense', units: 30 }, { type: 'Dense', units: 784 }];
    const s = spec(ae, { task: 'autoencoder', compile: { optimizer: { type: 'sgd' }, loss: 'mse' } } as Partial<JobSpec>);
    expect(checkModelSpec(s, CTX)[0]).toEqual({ path: '/model/layers/2', message: expect.stringContaining('[28, 28]') });
    const flat = { ...CTX, inputShape: [784] };
    const ok = spec(
      [
        { type: 'Dense', units: 30 },
        { type: 'Dense', units: 784, activation: 'sigmoid' },
      ],
      { task: 'autoencoder', compile: { optimizer: { type: 'sgd' }, loss: 'mse' } } as Partial<JobSpec>,
    );
    expect(checkModelSpec(ok, flat)).toEqual([]);
    expect(paths({ ...ok, compile: { ...ok.compile, loss: 'sparse_categorical_crossentropy' } }, flat)).toEqual(['/compile/loss']);
  });

  describe('with a base', () => {
    const base = {
      inputShape: [28, 28],
      outputShape: [null, 10],
      layerNames: ['flatten', 'dense', 'dense_1', 'out'],
      layerCount: 4,
      layerOutputShapes: [[784], [100], [50], [10]],
    };
    const top: LayerSpec[] = [{ type: 'Dense', units: 1, activation: 'sigmoid' }];
    const tl = (b: Record<string, unknown>, extra: Partial<JobSpec> = {}) =>
      spec(top, { base: { modelId: 'm1', ...b }, compile: { optimizer: { type: 'sgd' }, loss: 'binary_crossentropy' }, ...extra } as Partial<JobSpec>);
    const ctx = { ...CTX, classes: 2, base };

    it('accepts the book transfer spec', () => {
      expect(checkModelSpec(tl({ dropLast: 1, freeze: true }, { fineTune: { epochs: 2, unfreeze: 3 } }), ctx)).toEqual([]);
    });

    it('flags dropLast >= layer count, unknown names and too large unfreeze', () => {
      expect(paths(tl({ dropLast: 4 }), ctx)).toEqual(['/base/dropLast']);
      const problems = checkModelSpec(tl({ dropLast: 1, layers: ['flatten', 'out', 'nope'] }), ctx);
      expect(problems[0]).toEqual({ path: '/base/layers', message: expect.stringContaining('out, nope') });
      expect(paths(tl({ dropLast: 1 }, { fineTune: { epochs: 1, unfreeze: 4 } }), ctx)).toEqual(['/fineTune/unfreeze']);
      expect(paths(tl({ layers: 5 }), ctx)).toEqual(['/base/layers']);
    });

    it('checks the new layers against the shape at the cut and names against the base', () => {
      const wrong = spec([{ type: 'Dense', units: 1, activation: 'sigmoid', inputShape: [100], name: 'dense' }], {
        base: { modelId: 'm1', dropLast: 1 },
        compile: { optimizer: { type: 'sgd' }, loss: 'binary_crossentropy' },
      } as Partial<JobSpec>);
      expect(paths(wrong, ctx).sort()).toEqual(['/model/layers/0/inputShape', '/model/layers/0/name']);
      expect(paths(tl({}), { ...ctx, inputShape: [784] })).toEqual(['/base/modelId']);
    });
  });
});

describe('Reshape', () => {
  const autoencoder = (targetShape: number[]): JobSpec => ({
    task: 'autoencoder',
    dataset: { builtin: 'fashion-mnist' },
    model: {
      layers: [
        { type: 'Flatten' },
        { type: 'Dense', units: 32, activation: 'selu', kernelInitializer: 'lecun_normal' },
        { type: 'Dense', units: 784, activation: 'sigmoid' },
        { type: 'Reshape', targetShape },
      ],
    },
    compile: { optimizer: { type: 'adam' }, loss: 'mse' },
    fit: { epochs: 1 },
  });

  it('lets an autoencoder decode back to the 28x28 input shape', () => {
    expect(checkModelSpec(autoencoder([28, 28]), { inputShape: [28, 28], classes: 0 })).toEqual([]);
  });

  it('names the Reshape layer whose target shape does not hold its input', () => {
    const problems = checkModelSpec(autoencoder([27, 28]), { inputShape: [28, 28], classes: 0 });
    expect(problems.map((p) => p.path)).toContain('/model/layers/3');
  });
});

describe('checkModelSpec with initializer classes', () => {
  it('accepts the Keras classes with arguments and pins a non-square Identity kernel to its layer', () => {
    const dense = (units: number, kernelInitializer: unknown) =>
      ({ type: 'Dense', units, kernelInitializer, activation: units === 10 ? 'softmax' : 'relu' }) as LayerSpec;
    const layers = [
      { type: 'Flatten' },
      dense(20, { type: 'RandomNormal', mean: 0, stddev: 0.1, seed: 3 }),
      dense(20, { type: 'Identity', gain: 2 }),
      dense(20, { type: 'Orthogonal', gain: 1.5 }),
      dense(10, { type: 'Constant', value: 0.01 }),
    ] as LayerSpec[];
    expect(checkModelSpec(spec(layers), CTX)).toEqual([]);
    const bad = [...layers.slice(0, 4), dense(10, { type: 'Identity' })];
    expect(paths(spec(bad))).toEqual(['/model/layers/4']);
  });
});
