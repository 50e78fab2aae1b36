/**
 * Loss not decreasing (SageMaker's loss_not_decreasing, stalled_training, all_zero and
 * unchanged_tensor): no real improvement over `patience` epochs. When some layer's weights are
 * all zero (the symmetric start no gradient can break), the fix gives them a proper initializer.
 */
import { initializerFor, orNull, perLayer, setLayerOption } from '../fixes.js';
import type { Rule } from '../types.js';
import { num, trainedLayers } from './helpers.js';

export const lossNotDecreasing: Rule<'patience' | 'minImprovement'> = {
  kind: 'loss_not_decreasing',
  when: 'epoch',
  thresholds: {
    // Three epochs: one flat epoch is common noise, three in a row is a plateau (Keras's ReduceLROnPlateau examples use 2-10).
    patience: { default: 3, minimum: 1, maximum: 1000, description: 'Epochs without improvement before raising (default 3)' },
    // 1% of the loss: smaller gains over several whole epochs are not worth the compute.
    minImprovement: { default: 0.01, minimum: 0, maximum: 1, description: 'An improvement smaller than this fraction of the best loss does not count (default 0.01)' },
  },
  check(obs, ctx, t) {
    const losses = obs.history.map((h) => h.loss);
    const patience = Math.round(t.patience);
    if (losses.length <= patience) return [];
    const bestBefore = Math.min(...losses.slice(0, -patience));
    const bestRecent = Math.min(...losses.slice(-patience));
    if (bestRecent < bestBefore * (1 - t.minImprovement)) return [];
    const zero = trainedLayers(obs).filter((l) => l.weightNorm === 0 && !l.detail.isOutput);
    const fix = perLayer(ctx, zero.map((l) => l.name), (index, layer) =>
      layer.type === 'Dense' ? setLayerOption(index, 'kernelInitializer', initializerFor((layer.activation as string | undefined) ?? zero.find((z) => ctx.layerIndex[z.name] === index)?.detail.activation)) : [],
    );
    return [
      {
        layer: zero[0]?.name ?? null,
        severity: 'warning',
        message:
          `The loss has not improved by ${num(t.minImprovement * 100)}% in ${patience} epochs (best ${num(bestBefore)} before, ${num(bestRecent)} since).` +
          (zero.length ? ` The weights of ${zero.map((l) => l.name).join(', ')} are all zero, so every unit in them computes the same thing and gets the same (zero) gradient.` : ''),
        advice: zero.length
          ? 'Initialize the weights randomly (he_normal for ReLU layers, glorot_uniform for tanh/sigmoid) to break the symmetry.'
          : 'Try another learning rate or optimizer, a better initialization, or stop early (fit.earlyStopping).',
        evidence: { bestBefore: num(bestBefore), bestRecent: num(bestRecent), patience, zeroLayers: zero.map((l) => l.name).join(',') || null },
        fix: orNull(fix),
      },
    ];
  },
};
