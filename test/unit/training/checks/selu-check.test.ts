import { describe, expect, it } from 'vitest';
import type { JobSpec } from '../../../../src/schemas/job-spec.js';
import { checkSelfNormalization } from '../../../../src/training/checks/selu-check.js';

const spec = (layers: JobSpec['model']['layers'], standardize = true): JobSpec => ({
  dataset: { builtin: 'mnist', standardize },
  model: { layers },
  compile: { optimizer: { type: 'sgd' }, loss: 'sparse_categorical_crossentropy' },
  fit: { epochs: 1 },
});
const out = { type: 'Dense' as const, units: 10, activation: 'softmax' as const };

describe('checkSelfNormalization', () => {
  it('is silent for a proper selu stack, and for networks without selu', () => {
    const ok = spec([
      { type: 'Flatten', inputShape: [28, 28] },
      { type: 'Dense', units: 32, activation: 'selu', kernelInitializer: 'lecun_normal' },
      { type: 'AlphaDropout', rate: 0.1 },
      { type: 'Dense', units: 32, activation: 'selu', kernelInitializer: { type: 'VarianceScaling', scale: 1, mode: 'fan_in' } },
      out,
    ]);
    expect(checkSelfNormalization(ok)).toEqual([]);
    expect(checkSelfNormalization(spec([{ type: 'Dense', units: 8, activation: 'relu' }, { type: 'Dropout', rate: 0.5 }, out], false))).toEqual([]);
  });

  it('flags the initializer, Dropout, BatchNormalization, non-selu hidden layers and unstandardized data', () => {
    const warnings = checkSelfNormalization(
      spec(
        [
          { type: 'Dense', units: 32, activation: 'selu', name: 'a' },
          { type: 'Dropout', rate: 0.2, name: 'drop' },
          { type: 'BatchNormalization', name: 'bn' },
          { type: 'Dense', units: 32, activation: 'relu', kernelInitializer: 'he_normal', name: 'r' },
          out,
        ],
        false,
      ),
    );
    expect(warnings.every((w) => w.kind === 'self_normalization' && w.epoch === null)).toBe(true);
    expect(warnings.map((w) => w.layer)).toEqual(['a', 'drop', 'bn', 'r', null]);
    expect(warnings[0].message).toMatch(/lecun_normal/);
    expect(warnings[1].message).toMatch(/AlphaDropout/);
    expect(warnings[4].message).toMatch(/standardize/);
  });
});
