/**
 * Dead units (SageMaker's dead_relu): ReLU units that output 0 for every probe sample, so no
 * gradient reaches their weights again. The chapter's remedy: a leaky variant and He initialization.
 */
import { orNull, perLayer, setLayerOption } from '../fixes.js';
import type { JsonPatch, Rule } from '../types.js';
import { hiddenLayers, num } from './helpers.js';

export const deadUnits: Rule<'dead_units'> = {
  kind: 'dead_units',
  check(obs, ctx, t) {
    return hiddenLayers(obs)
      .filter((l) => l.deadFraction > t.fraction)
      .map((l) => {
        const fix = perLayer(ctx, [l.name], (index, layer) => {
          const out: JsonPatch = [];
          const next = ctx.spec.model.layers[index + 1] as { type: string; activation?: string } | undefined;
          if (layer.type === 'Dense' && (layer.activation === 'relu' || layer.activation === 'relu6'))
            out.push(...setLayerOption(index, 'activation', 'leaky_relu'));
          else if (next?.type === 'Activation' && next.activation === 'relu') out.push(...setLayerOption(index + 1, 'activation', 'leaky_relu'));
          if (layer.type === 'Dense') out.push(...setLayerOption(index, 'kernelInitializer', 'he_normal'));
          // A negative constant bias is the classic way to kill ReLUs on purpose.
          const bias = layer.biasInitializer as { type?: string; value?: number } | undefined;
          if (bias?.type === 'Constant' && (bias.value ?? 0) < 0) out.push({ op: 'remove', path: `/model/layers/${index}/biasInitializer` });
          return out;
        });
        return {
          layer: l.name,
          severity: l.deadFraction > 0.9 ? ('critical' as const) : ('warning' as const),
          message: `${Math.round(l.deadFraction * 100)}% of the units of ${l.name} output 0 for every probe sample (dead ReLUs).`,
          advice: 'Use leaky_relu, elu or selu instead of relu, with He initialization (he_normal), or a lower learning rate.',
          evidence: { deadFraction: num(l.deadFraction), threshold: t.fraction, activation: l.detail.activation },
          fix: orNull(fix),
        };
      });
  },
};
