/**
 * Exploding activations (SageMaker's exploding_tensor on outputs): before any training step, the
 * activations' scale multiplies layer over layer, the sign of an initialization whose variance is
 * too large for the layer's activation (and no BatchNormalization to rein it in).
 */
import { initializerFor, orNull, perLayer, setLayerOption } from '../fixes.js';
import type { Rule } from '../types.js';
import { fmt, growthPerStep, hiddenLayers, num } from './helpers.js';

export const explodingActivations: Rule<'exploding_activations'> = {
  kind: 'exploding_activations',
  check(obs, ctx, t) {
    const hidden = hiddenLayers(obs).filter((l) => Number.isFinite(l.activationStd));
    if (hidden.length < t.minLayers) return [];
    const stds = hidden.map((l) => l.activationStd);
    const growth = growthPerStep(stds);
    if (!(growth > t.growth)) return [];
    const top = hidden[hidden.length - 1];
    const fix = perLayer(
      ctx,
      hidden.map((l) => l.name),
      (index, layer) =>
        layer.type === 'Dense'
          ? setLayerOption(
              index,
              'kernelInitializer',
              initializerFor(hidden.find((h) => ctx.layerIndex[h.name] === index)?.detail.activation ?? (layer.activation as string | undefined)),
            )
          : [],
    );
    return [
      {
        layer: top.name,
        severity: growth > t.growth * 2 ? 'critical' : 'warning',
        message: `Exploding activations: on the first batch the activation std grows ${fmt(growth)}x per layer, from ${fmt(stds[0])} in ${hidden[0].name} to ${fmt(top.activationStd)} in ${top.name}.`,
        advice:
          'Initialize each layer for its activation so the variance is preserved (he_normal for the ReLU family, lecun_normal for selu and linear, glorot for tanh/sigmoid), or add BatchNormalization layers.',
        evidence: { growthPerLayer: num(growth), firstStd: num(stds[0]), lastStd: num(top.activationStd), layers: hidden.length, threshold: t.growth },
        fix: orNull(fix),
      },
    ];
  },
};
