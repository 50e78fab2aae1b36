/**
 * The spec's weight penalties and constraints (`kernelRegularizer`, `biasConstraint`, ...) as the
 * tfjs layer arguments of the same names. Dense and the convolutions take them all from here.
 */
import * as tf from '@tensorflow/tfjs';
import type { Regularizer, WeightConstraint } from '../../schemas/weight-regularization.js';

/** The weights a spec layer may penalize or constrain, by tfjs's (and Keras's camelCased) option stem. */
export const WEIGHT_NAMES = ['kernel', 'depthwise', 'pointwise', 'bias'] as const;
export type WeightName = (typeof WEIGHT_NAMES)[number];

/** The spec options: `kernelRegularizer`, `kernelConstraint`, `biasRegularizer`, ... */
export type WeightRegularizationOptions = { [K in `${WeightName}Regularizer`]?: Regularizer } & { [K in `${WeightName}Constraint`]?: WeightConstraint };

type TfRegularizer = ReturnType<typeof tf.regularizers.l1l2>;
type TfConstraint = ReturnType<typeof tf.constraints.maxNorm>;

/** Keras `L1L2`: an absent factor is 0 (tfjs's `l1l2` would make it 0.01). */
export function makeRegularizer(spec: Regularizer): TfRegularizer {
  return tf.regularizers.l1l2({ l1: spec.l1 ?? 0, l2: spec.l2 ?? 0 });
}

/** Keras `MaxNorm`, `UnitNorm` and `NonNeg`; tfjs's default axis is 0, as Keras's. */
export function makeConstraint(spec: WeightConstraint): TfConstraint {
  // tfjs types `axis` as one number, but its norms are a tf.sum over `axis`, which takes a list too (as Keras's).
  const axis = spec.type === 'nonNeg' ? undefined : (spec.axis as number | undefined);
  switch (spec.type) {
    case 'maxNorm':
      return tf.constraints.maxNorm({ maxValue: spec.maxValue, axis });
    case 'unitNorm':
      return tf.constraints.unitNorm({ axis });
    default:
      return tf.constraints.nonNeg();
  }
}

/** The tfjs arguments for the penalties and constraints a spec layer sets (none when it sets none). */
export function weightRegularizationArgs(spec: WeightRegularizationOptions): Record<string, TfRegularizer | TfConstraint> {
  const args: Record<string, TfRegularizer | TfConstraint> = {};
  for (const weight of WEIGHT_NAMES) {
    const regularizer = spec[`${weight}Regularizer`];
    const constraint = spec[`${weight}Constraint`];
    if (regularizer) args[`${weight}Regularizer`] = makeRegularizer(regularizer);
    if (constraint) args[`${weight}Constraint`] = makeConstraint(constraint);
  }
  return args;
}
