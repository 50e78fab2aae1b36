import { describe, expect, it } from 'vitest';
import type { LayerSpec } from '../../../src/schemas/job-spec.js';
import { estimateParams } from '../../../src/training/param-estimate.js';

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
