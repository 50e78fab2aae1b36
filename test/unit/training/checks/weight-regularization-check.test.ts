import { beforeAll, describe, expect, it } from 'vitest';
import { ServiceError } from '../../../../src/core/errors.js';
import { JobSpec as JobSpecSchema, type JobSpec, type LayerSpec } from '../../../../src/schemas/job-spec.js';
import { compileBodyCheck } from '../../../../src/schemas/validate.js';
import { checkModelSpec, type CheckContext } from '../../../../src/training/checks/check-spec.js';
import { useTestBackend } from '../../../support/test-backend.js';

beforeAll(async () => {
  await useTestBackend();
});

const CTX: CheckContext = { inputShape: [8, 8, 1], classes: 3 };

function spec(layers: unknown[]): JobSpec {
  return {
    dataset: { id: 'd' },
    model: { layers },
    compile: { optimizer: { type: 'adam' }, loss: 'sparse_categorical_crossentropy' },
    fit: { epochs: 1 },
  } as JobSpec;
}

const top: LayerSpec[] = [{ type: 'Flatten' }, { type: 'Dense', units: 3, activation: 'softmax' }];

describe('weight penalties and constraints in the job spec', () => {
  const check = compileBodyCheck(JobSpecSchema);
  /** The 400's details for a body whose only layer is `layer` (followed by a top), or 'accepted'. */
  const refusal = (layer: Record<string, unknown>) => {
    try {
      check(spec([layer, ...top]));
      return 'accepted';
    } catch (err) {
      if (!(err instanceof ServiceError)) throw err;
      expect(err.statusCode).toBe(400);
      return err.details;
    }
  };

  it('accepts them on Dense and on each convolution, under the tfjs (Keras camelCase) names', () => {
    const l2 = { l2: 0.01 };
    const maxNorm = { type: 'maxNorm', maxValue: 3 };
    expect(refusal({ type: 'Dense', units: 4, kernelRegularizer: { l1: 0.001, l2: 0.01 }, biasRegularizer: l2, kernelConstraint: maxNorm })).toBe('accepted');
    expect(refusal({ type: 'Conv2D', filters: 2, kernelSize: 3, kernelRegularizer: l2, kernelConstraint: { ...maxNorm, axis: [0, 1, 2] } })).toBe('accepted');
    expect(refusal({ type: 'Conv1D', filters: 2, kernelSize: 3, kernelRegularizer: l2, biasConstraint: { type: 'nonNeg' } })).toBe('accepted');
    expect(
      refusal({
        type: 'SeparableConv2D',
        filters: 2,
        kernelSize: 3,
        depthwiseRegularizer: l2,
        pointwiseRegularizer: { l1: 0.1 },
        depthwiseConstraint: { type: 'unitNorm', axis: 2 },
        pointwiseConstraint: maxNorm,
      }),
    ).toBe('accepted');
    expect(refusal({ type: 'DepthwiseConv2D', kernelSize: 3, depthwiseRegularizer: l2, depthwiseConstraint: maxNorm, biasRegularizer: l2 })).toBe('accepted');
  });

  it('refuses bad penalties with a 400 naming the field', () => {
    const dense = (kernelRegularizer: unknown) => refusal({ type: 'Dense', units: 4, kernelRegularizer });
    expect(dense({ l2: -0.01 })).toEqual([{ path: '/model/layers/0/kernelRegularizer/l2', message: 'must be >= 0' }]);
    expect(dense({ l1: 2 })).toEqual([{ path: '/model/layers/0/kernelRegularizer/l1', message: 'must be <= 1' }]);
    // JSON has no NaN: JSON.stringify sends null, and null is not a number.
    expect(dense(JSON.parse(JSON.stringify({ l2: NaN })))).toEqual([{ path: '/model/layers/0/kernelRegularizer/l2', message: 'must be number' }]);
    expect(dense({})).toEqual([{ path: '/model/layers/0/kernelRegularizer', message: 'give at least one of: l1, l2' }]);
    expect(dense({ l3: 0.1 })).toEqual([{ path: '/model/layers/0/kernelRegularizer/l3', message: 'unknown option "l3"' }]);
  });

  it('refuses bad constraints with a 400 naming the field', () => {
    const dense = (kernelConstraint: unknown) => refusal({ type: 'Dense', units: 4, kernelConstraint });
    expect(dense({ type: 'minMaxNorm', maxValue: 1 })).toEqual([
      { path: '/model/layers/0/kernelConstraint/type', message: 'unknown type "minMaxNorm"; allowed: maxNorm, unitNorm, nonNeg' },
    ]);
    expect(dense({ type: 'maxNorm' })).toEqual([{ path: '/model/layers/0/kernelConstraint/maxValue', message: 'is required' }]);
    expect(dense({ type: 'maxNorm', maxValue: 0 })).toEqual([{ path: '/model/layers/0/kernelConstraint/maxValue', message: 'must be > 0' }]);
    expect(dense({ type: 'maxNorm', maxValue: 2, axis: 1.5 })).not.toBe('accepted');
    expect(dense({ type: 'nonNeg', axis: 0 })).toEqual([{ path: '/model/layers/0/kernelConstraint/axis', message: 'unknown option "axis"' }]);
  });

  it('refuses them on a layer without that weight', () => {
    expect(refusal({ type: 'Dropout', rate: 0.5, kernelRegularizer: { l2: 0.01 } })).toEqual([
      { path: '/model/layers/0/kernelRegularizer', message: 'unknown option "kernelRegularizer"' },
    ]);
    expect(refusal({ type: 'BatchNormalization', kernelConstraint: { type: 'nonNeg' } })).toEqual([
      { path: '/model/layers/0/kernelConstraint', message: 'unknown option "kernelConstraint"' },
    ]);
    // The separable and depthwise convolutions have no `kernel` (Keras and tfjs refuse kernel_regularizer there too).
    expect(refusal({ type: 'SeparableConv2D', filters: 2, kernelSize: 3, kernelRegularizer: { l2: 0.01 } })).toEqual([
      { path: '/model/layers/0/kernelRegularizer', message: 'unknown option "kernelRegularizer"' },
    ]);
    expect(refusal({ type: 'Conv2D', filters: 2, kernelSize: 3, pointwiseConstraint: { type: 'nonNeg' } })).toEqual([
      { path: '/model/layers/0/pointwiseConstraint', message: 'unknown option "pointwiseConstraint"' },
    ]);
  });

  it('check-spec flags a bias option without a bias and a constraint axis the weight lacks', () => {
    const layers = [
      { type: 'Conv2D', filters: 2, kernelSize: 3, inputShape: [8, 8, 1], kernelConstraint: { type: 'maxNorm', maxValue: 2, axis: [0, 1, 2] } },
      { type: 'DepthwiseConv2D', kernelSize: 3, useBias: false, biasRegularizer: { l2: 0.1 }, depthwiseConstraint: { type: 'unitNorm', axis: 3 } },
      { type: 'Flatten' },
      { type: 'Dense', units: 3, activation: 'softmax', kernelConstraint: { type: 'maxNorm', maxValue: 2, axis: [0, 2] }, biasConstraint: { type: 'nonNeg' } },
    ];
    expect(checkModelSpec(spec(layers), CTX)).toEqual([
      { path: '/model/layers/1/biasRegularizer', message: 'the layer has no bias (useBias is false): remove biasRegularizer or set useBias' },
      { path: '/model/layers/3/kernelConstraint/axis', message: "Dense's kernel weight has 2 axes (0..1), so there is no axis 2" },
    ]);
    const conv1d = [{ type: 'Conv1D', filters: 2, kernelSize: 3, inputShape: [8, 1], biasConstraint: { type: 'maxNorm', maxValue: 1, axis: 1 } }, ...top];
    expect(checkModelSpec(spec(conv1d), { inputShape: [8, 1], classes: 3 })).toEqual([
      { path: '/model/layers/0/biasConstraint/axis', message: "Conv1D's bias weight has 1 axis (0..0), so there is no axis 1" },
    ]);
  });
});
