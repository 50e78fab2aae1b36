/**
 * Unscaled inputs (SageMaker's check_input_images): features far outside the unit range, e.g.
 * raw 0-255 pixels, with no standardization: the first layer's pre-activations start huge.
 */
import { standardize } from '../fixes.js';
import type { Rule } from '../types.js';
import { fmt, num } from './helpers.js';

export const unscaledInputs: Rule<'unscaled_inputs'> = {
  kind: 'unscaled_inputs',
  check(obs, ctx, t) {
    if (ctx.spec.dataset.standardize || ctx.spec.base) return [];
    const { mean, std, absMax } = ctx.input;
    if (!(std > t.maxStd) && !(Math.abs(mean) > t.maxMean)) return [];
    return [
      {
        layer: null,
        severity: 'warning',
        message: `The input features are not scaled: mean ${fmt(mean)}, std ${fmt(std)}, largest magnitude ${fmt(absMax)} (initializers assume about 0 and 1).`,
        advice: 'Standardize the inputs (dataset.standardize: true): the mean and std come from the training data and are saved with the model.',
        evidence: { mean: num(mean), std: num(std), absMax: num(absMax), maxStd: t.maxStd },
        fix: standardize(),
      },
    ];
  },
};
