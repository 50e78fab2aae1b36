import { describe, expect, it } from 'vitest';
import type { LayerSpec } from '../../../../src/schemas/job-spec.js';
import { estimateParams, sizeLayers } from '../../../../src/training/sizing/param-estimate.js';

describe('estimateParams', () => {
  it("counts the chapter's BatchNormalization model as Keras does (271,346)", () => {
    const layers: LayerSpec[] = [
      { type: 'Flatten' },
      { type: 'BatchNormalization' },
      { type: 'Dense', units: 300, activation: 'elu', kernelInitializer: 'he_normal' },
      { type: 'BatchNormalization' },
      { type: 'Dense', units: 100, activation: 'elu', kernelInitializer: 'he_normal' },
      { type: 'BatchNormalization' },
      { type: 'Dense', units: 10, activation: 'softmax' },
    ];
    expect(estimateParams(layers, [28, 28])).toBe(271_346);
  });

  it('leaves out the bias of a Dense layer with useBias: false, and counts PReLU alphas per unit', () => {
    expect(estimateParams([{ type: 'Dense', units: 10, useBias: false }], [4])).toBe(40);
    expect(estimateParams([{ type: 'Dense', units: 10 }, { type: 'PReLU' }], [4])).toBe(60);
  });

  it('sees an absurd model before it is built', () => {
    expect(estimateParams([{ type: 'Flatten' }, { type: 'Dense', units: 65_536 }, { type: 'Dense', units: 65_536 }], [28, 28])).toBeGreaterThan(4e9);
  });
});

describe('sizeLayers: values a training step holds per sample', () => {
  it('counts the input batch, each Dense layer by its input and output widths and its activation, and views as nothing', () => {
    const mlp: LayerSpec[] = [
      { type: 'Flatten' },
      { type: 'Dense', units: 300, activation: 'relu' },
      { type: 'Dense', units: 100, activation: 'relu' },
      { type: 'Dense', units: 10, activation: 'softmax' },
    ];
    // 784 inputs + 3 x (784 + 300) + 2 x 300 + 3 x (300 + 100) + 2 x 100 + 3 x (100 + 10) + 4 x 10
    expect(sizeLayers(mlp, [28, 28]).stepValuesPerSample).toBe(6406);
    expect(sizeLayers([{ type: 'Reshape', targetShape: [784] }], [28, 28]).stepValuesPerSample).toBe(784);
  });

  it('costs a BatchNormalization or Dropout layer more than an activation layer of the same width', () => {
    const cost = (layer: LayerSpec) => sizeLayers([layer], [1000]).stepValuesPerSample - 1000;
    expect(cost({ type: 'BatchNormalization' })).toBeGreaterThan(cost({ type: 'Activation', activation: 'relu' }));
    expect(cost({ type: 'Dropout', rate: 0.5 })).toBeGreaterThan(cost({ type: 'ELU' }));
    expect(cost({ type: 'Activation', activation: 'gelu' })).toBeGreaterThan(cost({ type: 'Activation', activation: 'tanh' }));
  });
});
