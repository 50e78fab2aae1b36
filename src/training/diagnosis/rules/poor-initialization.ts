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

export const poorInitialization: Rule<'poor_initialization'> = {
  kind: 'poor_initialization',
  check(obs, ctx, t) {
    const out: Finding[] = [];
    const hidden = hiddenLayers(obs).filter((l) => Number.isFinite(l.activationStd));
    const selu = hidden.filter((l) => l.detail.activation === 'selu');
    const off = selu.filter((l) => l.activationStd < t.seluStdLow || l.activationStd > t.seluStdHigh || Math.abs(l.activationMean) > t.seluMean);
    if (off.length > 0) {
      const worst = off[0];
      const fix = [
        ...perLayer(
          ctx,
          selu.map((l) => l.name),
          (index, layer) =>
            layer.type === 'Dense' && layer.kernelInitializer !== 'lecun_normal' ? setLayerOption(index, 'kernelInitializer', 'lecun_normal') : [],
        ),
        ...(ctx.spec.dataset.standardize ? [] : standardize()),
      ];
      out.push({
        layer: worst.name,
        severity: 'warning',
        message: `SELU is not self-normalizing here: on the first batch ${worst.name} has activation mean ${fmt(worst.activationMean)} and std ${fmt(worst.activationStd)} (it needs about 0 and 1).`,
        advice:
          'SELU self-normalizes only with lecun_normal initialization on standardized inputs (dataset.standardize: true), in a plain stack of Dense layers.',
        evidence: {
          layer: worst.name,
          activationMean: num(worst.activationMean),
          activationStd: num(worst.activationStd),
          standardized: ctx.spec.dataset.standardize === true,
        },
        fix: orNull(fix),
      });
    }
    for (const relu of reluRuns(hidden)) {
      if (relu.length < t.minDepth) continue;
      const shrink = growthPerStep(relu.map((l) => l.activationStd));
      if (!(shrink < t.shrink)) continue;
      const fix = perLayer(
        ctx,
        relu.map((l) => l.name),
        (index, layer) => (layer.type === 'Dense' ? setLayerOption(index, 'kernelInitializer', 'he_normal') : []),
      );
      out.push({
        layer: relu[relu.length - 1].name,
        severity: 'warning',
        message: `The signal fades through the ReLU stack: on the first batch the activation std shrinks ${fmt(shrink)}x per layer, from ${fmt(relu[0].activationStd)} to ${fmt(relu[relu.length - 1].activationStd)}.`,
        advice: 'Initialize ReLU-family layers with He initialization (he_normal): Glorot keeps the variance only for symmetric activations like tanh.',
        evidence: {
          shrinkPerLayer: num(shrink),
          firstStd: num(relu[0].activationStd),
          lastStd: num(relu[relu.length - 1].activationStd),
          layers: relu.length,
          threshold: t.shrink,
        },
        fix: orNull(fix),
      });
      break;
    }
    return out;
  },
};
