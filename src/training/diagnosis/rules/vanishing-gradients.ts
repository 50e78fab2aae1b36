/**
 * Vanishing gradients (SageMaker's vanishing_gradient): the lowest trained layer's gradient is
 * orders of magnitude below the top's, so the lower layers barely learn. The chapter's remedy:
 * a non-saturating activation with He initialization.
 */
import { initializerFor, perLayer, orNull, setLayerOption } from '../fixes.js';
import type { Observation, Rule } from '../types.js';
import { fmt, growthPerStep, num, trainedLayers, type LayerView } from './helpers.js';

const SATURATING = new Set(['sigmoid', 'tanh', 'hard_sigmoid', 'hardSigmoid', 'softsign']);

/**
 * The gradient's decay per layer down a stack of saturating hidden layers (sigmoid, tanh; no
 * normalization layer between), NaN with fewer than 3 of them. Across the whole net, layers of
 * very different sizes (784 inputs against 64) muddy a bottom/top ratio; within a stack of
 * like layers, a sigmoid's derivative (at most 0.25) shows as a steady shrink toward the input.
 */
function saturatingDecay(obs: Observation): { decay: number; bottom: LayerView; top: LayerView } | null {
  const hidden = trainedLayers(obs).filter((l) => !l.detail.isOutput && Number.isFinite(l.gradNorm));
  if (hidden.some((l) => l.detail.normalizes)) return null;
  const stack = hidden.filter((l) => SATURATING.has(String(l.detail.activation)));
  if (stack.length < 3 || stack.length < hidden.length) return null;
  const bottom = stack[0];
  const top = stack[stack.length - 1];
  if (!(top.gradNorm > 0)) return null;
  return { decay: growthPerStep(stack.map((l) => l.gradNorm).reverse()), bottom, top };
}

export const vanishingGradients: Rule<'vanishing_gradients'> = {
  kind: 'vanishing_gradients',
  check(obs, ctx, t) {
    const trained = trainedLayers(obs).filter((l) => Number.isFinite(l.gradNorm));
    if (trained.length < 2) return [];
    if (!(trained[trained.length - 1].gradNorm > 0)) return [];
    const whole = trained[0].gradNorm / trained[trained.length - 1].gradNorm;
    // The whole-net ratio first; failing that, the decay down a saturating stack.
    const stack = whole < t.ratio ? null : saturatingDecay(obs);
    const byStack = stack !== null && stack.decay < t.decay;
    if (whole >= t.ratio && !byStack) return [];
    const { bottom, top } = byStack ? stack : { bottom: trained[0], top: trained[trained.length - 1] };
    const ratio = bottom.gradNorm / top.gradNorm;
    const hidden = trained.filter((l) => !l.detail.isOutput).map((l) => l.name);
    const fix = perLayer(ctx, hidden, (index, layer) => [
      ...(layer.type === 'Dense' && SATURATING.has(String(layer.activation)) ? setLayerOption(index, 'activation', 'relu') : []),
      ...(layer.type === 'Dense'
        ? setLayerOption(
            index,
            'kernelInitializer',
            initializerFor(SATURATING.has(String(layer.activation)) ? 'relu' : (layer.activation as string | undefined)),
          )
        : []),
    ]);
    return [
      {
        layer: bottom.name,
        severity: ratio < t.ratio * 1e-3 ? 'critical' : 'warning',
        message:
          `Vanishing gradients: the gradient norm of ${bottom.name} (${fmt(bottom.gradNorm)}) is ${fmt(ratio)} times that of ${top.name} (${fmt(top.gradNorm)}), so the lower layers barely learn.` +
          (byStack ? ` Down the ${top.detail.activation} layers it shrinks ${fmt(stack.decay)}x per layer.` : ''),
        advice:
          'Use a non-saturating activation (relu, leaky_relu, elu, or selu with lecun_normal) with He initialization (he_normal), or add BatchNormalization layers.',
        evidence: {
          bottomLayer: bottom.name,
          bottomGradNorm: num(bottom.gradNorm),
          topLayer: top.name,
          topGradNorm: num(top.gradNorm),
          ratio: num(ratio),
          threshold: t.ratio,
          ...(byStack ? { decayPerLayer: num(stack.decay), decayThreshold: t.decay } : {}),
        },
        fix: orNull(fix),
      },
    ];
  },
};
