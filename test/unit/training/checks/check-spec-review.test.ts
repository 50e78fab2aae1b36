import { beforeAll, describe, expect, it } from 'vitest';
import type { JobSpec, LayerSpec } from '../../../../src/schemas/job-spec.js';
import { checkModelSpec, type CheckContext } from '../../../../src/training/checks/check-spec.js';
import { useTestBackend } from '../../../support/test-backend.js';

beforeAll(async () => {
  await useTestBackend();
});

const CTX: CheckContext = { inputShape: [28, 28], classes: 10 };

const layers = (units: number, activation = 'softmax'): LayerSpec[] =>
  [
    { type: 'Flatten', inputShape: [28, 28] },
    { type: 'Dense', units: 16, activation: 'relu' },
    { type: 'Dense', units, activation },
  ] as LayerSpec[];

function spec(extra: Record<string, unknown> = {}, model: LayerSpec[] = layers(10)): JobSpec {
  return {
    dataset: { builtin: 'fashion-mnist' },
    model: { layers: model },
    compile: { optimizer: { type: 'sgd' }, loss: 'sparse_categorical_crossentropy' },
    fit: { epochs: 1 },
    ...extra,
  } as JobSpec;
}

const piecewise = (boundaries: number[], values: number[]) => ({ type: 'sgd', schedule: { type: 'piecewise_constant', boundaries, values } });

describe('checkModelSpec: piecewise_constant schedules (as Keras PiecewiseConstantDecay)', () => {
  it('accepts one more value than strictly increasing boundaries', () => {
    expect(checkModelSpec(spec({ compile: { optimizer: piecewise([10, 20], [0.1, 0.01, 0.001]), loss: 'sparse_categorical_crossentropy' } }), CTX)).toEqual([]);
  });

  it('refuses values that are not one more than boundaries, naming /compile/optimizer/schedule/values', () => {
    const problems = checkModelSpec(spec({ compile: { optimizer: piecewise([10, 20], [0.1, 0.01]), loss: 'sparse_categorical_crossentropy' } }), CTX);
    expect(problems).toEqual([{ path: '/compile/optimizer/schedule/values', message: expect.stringContaining('2 boundaries need 3 values, got 2') }]);
  });

  it('refuses boundaries that do not strictly increase, naming /compile/optimizer/schedule/boundaries', () => {
    for (const boundaries of [
      [20, 10],
      [10, 10],
    ]) {
      const problems = checkModelSpec(
        spec({ compile: { optimizer: piecewise(boundaries, [0.1, 0.01, 0.001]), loss: 'sparse_categorical_crossentropy' } }),
        CTX,
      );
      expect(problems).toEqual([{ path: '/compile/optimizer/schedule/boundaries', message: expect.stringContaining('strictly increasing') }]);
    }
  });

  it('checks the fineTune optimizer schedule too, under /fineTune/optimizer/schedule', () => {
    const problems = checkModelSpec(spec({ fineTune: { epochs: 1, optimizer: piecewise([5, 3], [0.1, 0.01, 0.001, 0.0001]) } }), CTX).map((p) => p.path);
    expect(problems).toContain('/fineTune/optimizer/schedule/boundaries');
    expect(problems).toContain('/fineTune/optimizer/schedule/values');
  });
});

describe('checkModelSpec: mse/mae on a classification task (labels one-hot to the output units)', () => {
  const regression = (loss: string, units: number, ctx = CTX) =>
    checkModelSpec(spec({ compile: { optimizer: { type: 'sgd' }, loss } }, layers(units, 'linear')), ctx);

  it('refuses a last layer with fewer units than classes, naming its units', () => {
    for (const loss of ['mse', 'mean_squared_error', 'mae', 'mean_absolute_error']) {
      expect(regression(loss, 5)).toEqual([{ path: '/model/layers/2/units', message: expect.stringContaining('expected 10 units, got 5') }]);
    }
  });

  it('refuses one unit for more than 2 classes and more units than classes', () => {
    expect(regression('mse', 1).map((p) => p.path)).toEqual(['/model/layers/2/units']);
    expect(regression('mse', 12).map((p) => p.path)).toEqual(['/model/layers/2/units']);
  });

  it('accepts one unit per class, or a single unit for 2 classes (the class index is regressed)', () => {
    expect(regression('mse', 10)).toEqual([]);
    expect(regression('mae', 1, { ...CTX, classes: 2 })).toEqual([]);
    expect(regression('mae', 2, { ...CTX, classes: 2 })).toEqual([]);
  });

  it('leaves the autoencoder task as it was', () => {
    const ae = spec({ task: 'autoencoder', compile: { optimizer: { type: 'sgd' }, loss: 'mse' } }, [
      { type: 'Flatten', inputShape: [28, 28] },
      { type: 'Dense', units: 16 },
      { type: 'Dense', units: 784, activation: 'sigmoid' },
      { type: 'Reshape', targetShape: [28, 28] },
    ] as LayerSpec[]);
    expect(checkModelSpec(ae, { inputShape: [28, 28], classes: 0 })).toEqual([]);
  });
});
