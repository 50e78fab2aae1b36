/**
 * Vanishing gradients (SageMaker's vanishing_gradient): the lowest trained layer's gradient is
 * orders of magnitude below the top's, so the lower layers barely learn. The chapter's remedy:
 * a non-saturating activation with He initialization.
 */
import { initializerFor, perLayer, orNull, setLayerOption } from '../fixes.js';
import type { Rule } from '../types.js';
import { fmt, num, trainedLayers } from './helpers.js';

const SATURATING = new Set(['sigmoid', 'tanh', 'hard_sigmoid', 'hardSigmoid', 'softsign']);

export const vanishingGradients: Rule<'ratio'> = {
  kind: 'vanishing_gradients',
  when: 'epoch',
  thresholds: {
    // Three orders of magnitude: Glorot & Bengio's deep sigmoid nets show 1e-3..1e-5 bottom/top; a healthy ReLU net stays within ~1e-1.
    ratio: { default: 1e-3, minimum: 1e-12, maximum: 1, description: 'Raise when the bottom/top gradient-norm ratio is below this (default 1e-3)' },
  },
  check(obs, ctx, t) {
    const trained = trainedLayers(obs).filter((l) => Number.isFinite(l.gradNorm));
    if (trained.length < 2) return [];
    const bottom = trained[0];
    const top = trained[trained.length - 1];
    if (!(top.gradNorm > 0)) return [];
    const ratio = bottom.gradNorm / top.gradNorm;
    if (ratio >= t.ratio) return [];
    const hidden = trained.filter((l) => !l.detail.isOutput).map((l) => l.name);
    const fix = perLayer(ctx, hidden, (index, layer) => [
      ...(layer.type === 'Dense' && SATURATING.has(String(layer.activation)) ? setLayerOption(index, 'activation', 'relu') : []),
      ...(layer.type === 'Dense' ? setLayerOption(index, 'kernelInitializer', initializerFor(SATURATING.has(String(layer.activation)) ? 'relu' : (layer.activation as string | undefined))) : []),
    ]);
    return [
      {
        layer: bottom.name,
        severity: ratio < t.ratio * 1e-3 ? 'critical' : 'warning',
        message: `Vanishing gradients: the gradient norm of ${bottom.name} (${fmt(bottom.gradNorm)}) is ${fmt(ratio)} times that of ${top.name} (${fmt(top.gradNorm)}), so the lower layers barely learn.`,
        advice: 'Use a non-saturating activation (relu, leaky_relu, elu, or selu with lecun_normal) with He initialization (he_normal), or add BatchNormalization layers.',
        evidence: { bottomLayer: bottom.name, bottomGradNorm: num(bottom.gradNorm), topLayer: top.name, topGradNorm: num(top.gradNorm), ratio: num(ratio), threshold: t.ratio },
        fix: orNull(fix),
      },
    ];
  },
};
