import { beforeAll, describe, expect, it } from 'vitest';
import type { JobSpec, LayerSpec } from '../../../../src/schemas/job-spec.js';
import { checkModelSpec, type CheckContext } from '../../../../src/training/checks/check-spec.js';
import { channelShape } from '../../../../src/training/model/shapes.js';
import { prepareData } from '../../../../src/training/loop/job-data.js';
import { bodyValidator } from '../../../../src/schemas/validate.js';
import { JobSpec as JobSpecSchema } from '../../../../src/schemas/job-spec.js';
import { useTestBackend } from '../../../support/test-backend.js';

beforeAll(async () => {
  await useTestBackend();
});

const CTX: CheckContext = { inputShape: [28, 28], classes: 10 };

function spec(layers: LayerSpec[]): JobSpec {
  return {
    dataset: { builtin: 'fashion-mnist' },
    model: { layers },
    compile: { optimizer: { type: 'adam' }, loss: 'sparse_categorical_crossentropy' },
    fit: { epochs: 1 },
  } as JobSpec;
}

const top: LayerSpec[] = [{ type: 'Flatten' }, { type: 'Dense', units: 10, activation: 'softmax' }];

describe('convolutional specs: shape problems named by field', () => {
  it('a CNN on inputShape [28, 28, 1] reads [28, 28] images with a channel axis', () => {
    expect(checkModelSpec(spec([{ type: 'Conv2D', filters: 4, kernelSize: 3, inputShape: [28, 28, 1] }, ...top]), CTX)).toEqual([]);
  });

  it('a Conv2D on [28, 28] samples says which inputShape to give', () => {
    expect(checkModelSpec(spec([{ type: 'Conv2D', filters: 4, kernelSize: 3 }, ...top]), CTX)).toEqual([
      { path: '/model/layers/0', message: expect.stringContaining("set the first layer's inputShape to [28, 28, 1]") },
    ]);
  });

  it('a kernel larger than its input', () => {
    const layers: LayerSpec[] = [
      { type: 'Conv2D', filters: 4, kernelSize: 5, strides: 2, inputShape: [28, 28, 1] },
      { type: 'MaxPooling2D', poolSize: 4 },
      { type: 'Conv2D', filters: 4, kernelSize: [4, 2] },
      ...top,
    ];
    // 28 -> 12 -> 3: a 4-row kernel leaves no output row.
    expect(checkModelSpec(spec(layers), CTX)).toEqual([
      { path: '/model/layers/2/kernelSize', message: expect.stringContaining('4x2 window is larger than the 3x3 input') },
    ]);
  });

  it('a dilated kernel counts its span, and a pool larger than the image names poolSize', () => {
    const dilated = [{ type: 'Conv2D', filters: 2, kernelSize: 5, dilationRate: 7, inputShape: [28, 28, 1] }, ...top] as LayerSpec[];
    expect(checkModelSpec(spec(dilated), CTX)[0].path).toBe('/model/layers/0/kernelSize');
    const pooled = [{ type: 'MaxPooling2D', poolSize: 29, inputShape: [28, 28, 1] }, ...top] as LayerSpec[];
    expect(checkModelSpec(spec(pooled), CTX)[0].path).toBe('/model/layers/0/poolSize');
  });

  it('dilated Conv2D, SeparableConv2D and Conv1D layers that fit are accepted; a dilated DepthwiseConv2D is refused', () => {
    const dilated = [
      { type: 'Conv2D', filters: 2, kernelSize: 3, dilationRate: [1, 2], inputShape: [28, 28, 1] },
      { type: 'SeparableConv2D', filters: 2, kernelSize: 3, dilationRate: 2, padding: 'same' },
      { type: 'Reshape', targetShape: [26 * 24, 2] },
      { type: 'Conv1D', filters: 2, kernelSize: 3, dilationRate: 4 },
      ...top,
    ] as LayerSpec[];
    expect(checkModelSpec(spec(dilated), CTX)).toEqual([]);
    // tfjs's DepthwiseConv2D ignores dilationRate: a saved model would not compute what the spec says.
    const depthwise = [{ type: 'DepthwiseConv2D', kernelSize: 3, dilationRate: 2, inputShape: [28, 28, 1] }, ...top] as LayerSpec[];
    expect(checkModelSpec(spec(depthwise), CTX)).toEqual([
      { path: '/model/layers/0/dilationRate', message: expect.stringContaining('ignores its dilationRate') },
    ]);
    const undilated = [{ type: 'DepthwiseConv2D', kernelSize: 3, dilationRate: 1, inputShape: [28, 28, 1] }, ...top] as LayerSpec[];
    expect(checkModelSpec(spec(undilated), CTX)).toEqual([]);
  });

  it('strides and dilation both above 1', () => {
    const layers = [{ type: 'Conv2D', filters: 2, kernelSize: 3, strides: 2, dilationRate: 2, inputShape: [28, 28, 1] }, ...top] as LayerSpec[];
    expect(checkModelSpec(spec(layers), CTX)).toEqual([{ path: '/model/layers/0/dilationRate', message: expect.stringContaining('cannot both exceed 1') }]);
  });

  it('a conv output fed to Dense without Flatten is flagged', () => {
    const layers = [
      { type: 'Conv2D', filters: 2, kernelSize: 3, inputShape: [28, 28, 1] },
      { type: 'Dense', units: 10, activation: 'softmax' },
    ] as LayerSpec[];
    expect(checkModelSpec(spec(layers), CTX)[0].message).toContain('add a Flatten layer');
  });

  it('the schema refuses bad options with their field', () => {
    const validate = bodyValidator().compile(JobSpecSchema);
    const bad = (layer: Record<string, unknown>) => (validate({ ...spec([]), model: { layers: [layer] } }) ? 'accepted' : validate.errors);
    const fields = (result: ReturnType<typeof bad>) => JSON.stringify(result);
    expect(fields(bad({ type: 'Conv2D', filters: 0, kernelSize: 3 }))).toContain('/model/layers/0/filters');
    expect(fields(bad({ type: 'Conv2D', filters: 2, kernelSize: [3, 3, 3] }))).toContain('/model/layers/0/kernelSize');
    expect(fields(bad({ type: 'Conv2D', filters: 2 }))).toContain('kernelSize');
    expect(fields(bad({ type: 'MaxPooling2D', padding: 'causal' }))).toContain('/model/layers/0/padding');
    expect(fields(bad({ type: 'SpatialDropout2D', rate: 1 }))).toContain('/model/layers/0/rate');
    expect(fields(bad({ type: 'ZeroPadding2D', padding: -1 }))).toContain('/model/layers/0/padding');
  });
});

describe('channelShape and the job data', () => {
  it('adds the channel axis only when the model asks for exactly that', () => {
    expect(channelShape([28, 28], [28, 28, 1])).toEqual([28, 28, 1]);
    expect(channelShape([28, 28], [28, 28])).toEqual([28, 28]);
    expect(channelShape([28, 28], [28, 28, 3])).toEqual([28, 28]);
    expect(channelShape([28, 28], [14, 56, 1])).toEqual([28, 28]);
    expect(channelShape([32, 32, 3], [32, 32, 3])).toEqual([32, 32, 3]);
    expect(channelShape([784], undefined)).toEqual([784]);
  });

  it('prepareData gives every split, and the saved preprocessing, the channel shape', () => {
    const ds = (n: number) => ({ features: new Float32Array(n * 4), labels: new Int32Array(n), featureShape: [2, 2], samples: n, classes: 1 });
    const s = spec([{ type: 'Conv2D', filters: 1, kernelSize: 1, inputShape: [2, 2, 1] }]);
    const prepared = prepareData({ ...s, validation: { split: 0.5 } }, { train: ds(4), evaluate: ds(2) });
    expect([prepared.train.featureShape, prepared.validation?.featureShape, prepared.evaluate?.featureShape]).toEqual([
      [2, 2, 1],
      [2, 2, 1],
      [2, 2, 1],
    ]);
    expect(prepared.preprocessing.featureShape).toEqual([2, 2, 1]);
  });
});
