/**
 * Exploding gradients (SageMaker's exploding_tensor on gradients): norms that grow from the top
 * layer down, or are huge. With clipping configured the steps are already bounded, so this rule
 * stands down and `diverged` / `loss_not_decreasing` judge the outcome instead.
 */
import { clipNorm, orNull } from '../fixes.js';
import type { Rule } from '../types.js';
import { fmt, num, trainedLayers } from './helpers.js';

export const explodingGradients: Rule<'exploding_gradients'> = {
  kind: 'exploding_gradients',
  check(obs, ctx, t) {
    const o = ctx.spec.compile.optimizer as { clipNorm?: number; clipValue?: number; globalClipNorm?: number };
    if (o.clipNorm != null || o.clipValue != null || o.globalClipNorm != null) return [];
    const trained = trainedLayers(obs).filter((l) => Number.isFinite(l.gradNorm));
    if (trained.length === 0) return [];
    const bottom = trained[0];
    const top = trained[trained.length - 1];
    const ratio = top.gradNorm > 0 ? bottom.gradNorm / top.gradNorm : NaN;
    const biggest = trained.reduce((a, b) => (b.gradNorm > a.gradNorm ? b : a));
    const growing = trained.length >= 2 && ratio > t.ratio;
    if (!growing && !(biggest.gradNorm > t.norm)) return [];
    const layer = growing ? bottom : biggest;
    return [
      {
        layer: layer.name,
        severity: 'critical',
        message: growing
          ? `Exploding gradients: the gradient norm grows ${fmt(ratio)}-fold from ${top.name} down to ${bottom.name}.`
          : `Exploding gradients: the gradient norm of ${biggest.name} is ${fmt(biggest.gradNorm)}.`,
        advice: 'Clip the gradients (compile.optimizer.clipNorm: 1), lower the learning rate, or add BatchNormalization layers.',
        evidence: {
          layer: layer.name,
          gradNorm: num(layer.gradNorm),
          topGradNorm: num(top.gradNorm),
          ratio: num(ratio),
          normThreshold: t.norm,
          ratioThreshold: t.ratio,
        },
        fix: orNull(clipNorm(ctx.spec)),
      },
    ];
  },
};
