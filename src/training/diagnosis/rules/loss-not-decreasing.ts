/**
 * Loss not decreasing (SageMaker's loss_not_decreasing, stalled_training, all_zero and
 * unchanged_tensor): no real improvement over `patience` epochs. When some layer's weights are
 * all zero (the symmetric start no gradient can break), the fix gives them a proper initializer.
 */
import { initializerFor, orNull, perLayer, setLayerOption } from '../fixes.js';
import type { Rule } from '../types.js';
import { num, trainedLayers } from './helpers.js';

const SATURATING = new Set(['sigmoid', 'tanh', 'hard_sigmoid', 'hardSigmoid', 'softsign']);

/**
 * Every one of the last `epochs` losses within `margin` of what a model that learned nothing
 * scores, on either side (far above it is divergence, which other rules name).
 */
function atChance(losses: number[], baseline: number | null, epochs: number, margin: number): boolean {
  if (baseline === null || !(baseline > 0) || losses.length < epochs) return false;
  return losses.slice(-epochs).every((l) => Math.abs(l / baseline - 1) <= margin);
}

export const lossNotDecreasing: Rule<'loss_not_decreasing'> = {
  kind: 'loss_not_decreasing',
  check(obs, ctx, t) {
    const losses = obs.history.map((h) => h.loss);
    const patience = Math.round(t.patience);
    const chanceEpochs = Math.round(t.chanceEpochs);
    const chance = atChance(losses, ctx.baselineLoss, chanceEpochs, t.chanceMargin);
    const bestBefore = losses.length > patience ? Math.min(...losses.slice(0, -patience)) : NaN;
    const bestRecent = Math.min(...losses.slice(-patience));
    const plateau = bestRecent >= bestBefore * (1 - t.minImprovement);
    if (!chance && !plateau) return [];
    const hidden = trainedLayers(obs).filter((l) => !l.detail.isOutput);
    const zero = hidden.filter((l) => l.weightNorm === 0);
    const saturating = zero.length ? [] : hidden.filter((l) => SATURATING.has(String(l.detail.activation)));
    const fix = zero.length
      ? perLayer(
          ctx,
          zero.map((l) => l.name),
          (index, layer) =>
            layer.type === 'Dense'
              ? setLayerOption(
                  index,
                  'kernelInitializer',
                  initializerFor((layer.activation as string | undefined) ?? zero.find((z) => ctx.layerIndex[z.name] === index)?.detail.activation),
                )
              : [],
        )
      : perLayer(
          ctx,
          saturating.map((l) => l.name),
          (index, layer) =>
            layer.type === 'Dense' && SATURATING.has(String(layer.activation))
              ? [...setLayerOption(index, 'activation', 'relu'), ...setLayerOption(index, 'kernelInitializer', 'he_normal')]
              : [],
        );
    const what = chance
      ? `After ${losses.length} epochs the loss (${num(losses[losses.length - 1])}) is still at chance level (${num(ctx.baselineLoss!)} is what a model that learned nothing scores).`
      : `The loss has not improved by ${num(t.minImprovement * 100)}% in ${patience} epochs (best ${num(bestBefore)} before, ${num(bestRecent)} since).`;
    const why = zero.length
      ? ` The weights of ${zero.map((l) => l.name).join(', ')} are all zero, so every unit in them computes the same thing and gets the same (zero) gradient.`
      : saturating.length
        ? ` Its ${saturating.length} ${saturating[0].detail.activation} hidden layers pass back little gradient to the layers below them.`
        : '';
    return [
      {
        layer: zero[0]?.name ?? null,
        severity: 'warning',
        message: what + why,
        advice: zero.length
          ? 'Initialize the weights randomly (he_normal for ReLU layers, glorot_uniform for tanh/sigmoid) to break the symmetry.'
          : saturating.length
            ? 'Use a non-saturating activation (relu or elu) with He initialization (he_normal) in the hidden layers, add BatchNormalization, or train with an adaptive optimizer (adam).'
            : 'Try another learning rate or optimizer, a better initialization, or stop early (fit.earlyStopping).',
        evidence: {
          lastLoss: num(losses[losses.length - 1]),
          ...(chance
            ? { baselineLoss: num(ctx.baselineLoss!), chanceEpochs, chanceMargin: t.chanceMargin }
            : { bestBefore: num(bestBefore), bestRecent: num(bestRecent), patience }),
          zeroLayers: zero.map((l) => l.name).join(',') || null,
        },
        fix: orNull(fix),
      },
    ];
  },
};
