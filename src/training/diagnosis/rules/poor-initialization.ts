/**
 * Poor initialization (SageMaker's poor_weight_initialization), measured on the first batch
 * before any step: SELU layers far from the mean 0 / std 1 they need to self-normalize (no
 * lecun_normal, or unstandardized inputs), and deep ReLU stacks whose signal shrinks layer by
 * layer (Glorot's variance is half what ReLU needs).
 */
import { orNull, perLayer, setLayerOption, standardize } from '../fixes.js';
import type { Finding, Rule } from '../types.js';
import { fmt, growthPerStep, hiddenLayers, num } from './helpers.js';

const RELU_FAMILY = new Set(['relu', 'relu6', 'leaky_relu', 'leakyrelu', 'prelu', 'rrelu', 'elu']);

/**
 * The ReLU-family hidden layers in runs that no normalization layer interrupts. A
 * BatchNormalization layer rescales each batch in training, so a shrinking std does not compound
 * across it (the probe, in inference mode, would still see an untrained one pass the shrink on).
 */
function reluRuns<L extends { detail: { activation: string | null; normalizes?: boolean } }>(hidden: L[]): L[][] {
  const runs: L[][] = [[]];
  for (const l of hidden) {
    if (l.detail.normalizes) runs.push([]);
    else if (RELU_FAMILY.has(l.detail.activation ?? '')) runs[runs.length - 1].push(l);
  }
  return runs;
}

export const poorInitialization: Rule<'seluStdLow' | 'seluStdHigh' | 'seluMean' | 'shrink' | 'minDepth'> = {
  kind: 'poor_initialization',
  when: 'start',
  thresholds: {
    // SELU's fixed point is (0, 1); outside [0.5, 2] the first layers are far enough off that the net may not converge to it.
    seluStdLow: { default: 0.5, minimum: 0, maximum: 1, description: 'Raise when a selu layer\'s activation std is below this (default 0.5)' },
    seluStdHigh: { default: 2, minimum: 1, maximum: 1e6, description: 'Raise when a selu layer\'s activation std is above this (default 2)' },
    seluMean: { default: 0.5, minimum: 0, maximum: 1e6, description: 'Raise when a selu layer\'s activation mean is further than this from 0 (default 0.5)' },
    // Glorot on ReLU layers shrinks the std by ~0.71 per layer; He keeps ~1.0. 0.8 splits the two.
    shrink: { default: 0.8, minimum: 0, maximum: 1, description: 'Raise when a ReLU stack\'s activation std shrinks below this factor per layer, on average (default 0.8)' },
    // Shrinking by 0.71 over three layers is only 2x; from four on it compounds past what training readily undoes.
    minDepth: { default: 4, minimum: 2, maximum: 200, description: 'ReLU-family hidden layers needed before the shrink is judged (default 4)' },
  },
  check(obs, ctx, t) {
    const out: Finding[] = [];
    const hidden = hiddenLayers(obs).filter((l) => Number.isFinite(l.activationStd));
    const selu = hidden.filter((l) => l.detail.activation === 'selu');
    const off = selu.filter((l) => l.activationStd < t.seluStdLow || l.activationStd > t.seluStdHigh || Math.abs(l.activationMean) > t.seluMean);
    if (off.length > 0) {
      const worst = off[0];
      const fix = [
        ...perLayer(ctx, selu.map((l) => l.name), (index, layer) => (layer.type === 'Dense' && layer.kernelInitializer !== 'lecun_normal' ? setLayerOption(index, 'kernelInitializer', 'lecun_normal') : [])),
        ...(ctx.spec.dataset.standardize ? [] : standardize()),
      ];
      out.push({
        layer: worst.name,
        severity: 'warning',
        message: `SELU is not self-normalizing here: on the first batch ${worst.name} has activation mean ${fmt(worst.activationMean)} and std ${fmt(worst.activationStd)} (it needs about 0 and 1).`,
        advice: 'SELU self-normalizes only with lecun_normal initialization on standardized inputs (dataset.standardize: true), in a plain stack of Dense layers.',
        evidence: { layer: worst.name, activationMean: num(worst.activationMean), activationStd: num(worst.activationStd), standardized: ctx.spec.dataset.standardize === true },
        fix: orNull(fix),
      });
    }
    for (const relu of reluRuns(hidden)) {
      if (relu.length < t.minDepth) continue;
      const shrink = growthPerStep(relu.map((l) => l.activationStd));
      if (!(shrink < t.shrink)) continue;
      const fix = perLayer(ctx, relu.map((l) => l.name), (index, layer) => (layer.type === 'Dense' ? setLayerOption(index, 'kernelInitializer', 'he_normal') : []));
      out.push({
        layer: relu[relu.length - 1].name,
        severity: 'warning',
        message: `The signal fades through the ReLU stack: on the first batch the activation std shrinks ${fmt(shrink)}x per layer, from ${fmt(relu[0].activationStd)} to ${fmt(relu[relu.length - 1].activationStd)}.`,
        advice: 'Initialize ReLU-family layers with He initialization (he_normal): Glorot keeps the variance only for symmetric activations like tanh.',
        evidence: { shrinkPerLayer: num(shrink), firstStd: num(relu[0].activationStd), lastStd: num(relu[relu.length - 1].activationStd), layers: relu.length, threshold: t.shrink },
        fix: orNull(fix),
      });
      break;
    }
    return out;
  },
};
