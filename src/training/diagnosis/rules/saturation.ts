/**
 * Saturation (SageMaker's saturated_activation): sigmoid/tanh units pinned near their limits,
 * where the derivative is ~0; and an output layer pinned to confident answers while the loss is
 * bad (a softmax driven to 0/1 by a step far too large: every gradient through it is ~0).
 */
import { clipNorm, orNull, perLayer, scaleLearningRate, setLayerOption } from '../fixes.js';
import type { Finding, Rule } from '../types.js';
import { hiddenLayers, lastLoss, layersOf, num } from './helpers.js';

const GLOROT = new Set(['glorot_uniform', 'glorot_normal', 'glorotUniform', 'glorotNormal']);

export const saturation: Rule<'saturation'> = {
  kind: 'saturation',
  check(obs, ctx, t) {
    const out: Finding[] = [];
    for (const l of hiddenLayers(obs)) {
      const sat = l.detail.saturatedFraction;
      if (sat == null || sat <= t.fraction) continue;
      const fix = perLayer(ctx, [l.name], (index, layer) => {
        if (layer.type !== 'Dense') return [];
        const init = layer.kernelInitializer;
        // Glorot is the init made for these activations; if it is already there, switch to ReLU + He.
        if (typeof init !== 'string' || !GLOROT.has(init)) return setLayerOption(index, 'kernelInitializer', 'glorot_uniform');
        return [...setLayerOption(index, 'activation', 'relu'), ...setLayerOption(index, 'kernelInitializer', 'he_normal')];
      });
      out.push({
        layer: l.name,
        severity: sat > 0.9 ? 'critical' : 'warning',
        message: `${Math.round(sat * 100)}% of the ${l.detail.activation} outputs of ${l.name} are near the function's limits, where its gradient is almost 0.`,
        advice:
          'Initialize with Glorot (glorot_uniform) so the inputs to the activation stay in its linear range, or switch to relu with he_normal, or add BatchNormalization.',
        evidence: { saturatedFraction: num(sat), threshold: t.fraction, activation: l.detail.activation },
        fix: orNull(fix),
      });
    }
    const output = layersOf(obs).find((l) => l.detail.isOutput);
    const loss = lastLoss(obs);
    const sat = output?.detail.saturatedFraction;
    if (output && sat != null && sat > t.outputFraction && loss != null && ctx.baselineLoss != null && loss > t.lossFactor * ctx.baselineLoss) {
      out.push({
        layer: output.name,
        severity: 'critical',
        message: `The output layer ${output.name} is saturated: ${Math.round(sat * 100)}% of samples get a ${output.detail.activation} output pinned at its limits while the loss (${num(loss)}) is ${num(loss / ctx.baselineLoss)} times that of a constant prediction, so almost no gradient flows back.`,
        advice: 'The steps were too large: lower the learning rate (by 10x) and clip the gradients (clipNorm).',
        evidence: { saturatedFraction: num(sat), loss: num(loss), baselineLoss: num(ctx.baselineLoss), threshold: t.outputFraction },
        fix: orNull([...scaleLearningRate(ctx.spec, 0.1), ...clipNorm(ctx.spec)]),
      });
    }
    return out;
  },
};
