import { Type, type Static } from 'typebox';
import { TaggedUnion } from './common.js';

// The weight penalties and constraints a layer with weights takes (Keras `*_regularizer` and
// `*_constraint`), for Dense and the convolutions.

/**
 * A penalty factor. Past 1 the penalty of any real layer dwarfs the loss and training only
 * shrinks the weights, so larger values are refused rather than trained.
 */
const factor = (description: string) => Type.Optional(Type.Number({ minimum: 0, maximum: 1, description }));

export const Regularizer = Type.Object(
  {
    l1: factor('Keras `l1`: adds l1 * sum(|w|) to the loss; 0..1, default 0'),
    l2: factor('Keras `l2`: adds l2 * sum(w²) to the loss; 0..1, default 0 (0.01 is a common start; Keras `l2(0.01)`)'),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    description: 'Keras `L1L2` weight penalty `{ l1, l2 }` (give at least one); the penalty is added to the training loss',
  },
);
export type Regularizer = Static<typeof Regularizer>;

/**
 * Constraint axes: one axis or several, of the weight's own dimensions (a Dense kernel is
 * [inputs, units], a Conv2D kernel [height, width, channels, filters]).
 */
const axis = Type.Optional(
  Type.Union(
    [Type.Integer({ minimum: 0, maximum: 3 }), Type.Array(Type.Integer({ minimum: 0, maximum: 3 }), { minItems: 1, maxItems: 4, uniqueItems: true })],
    {
      description:
        'Keras `axis`: the weight axes each norm is taken over, default 0: for a Dense kernel [inputs, units] that is each unit’s incoming weights; for a Conv2D kernel use [0, 1, 2] (each filter)',
    },
  ),
);

export const WeightConstraint = TaggedUnion(
  [
    Type.Object(
      {
        type: Type.Literal('maxNorm', {
          description: 'Keras `MaxNorm`: after each training step, rescale the weights whose norm along `axis` exceeds `maxValue`',
        }),
        maxValue: Type.Number({ exclusiveMinimum: 0, maximum: 1e6, description: 'Keras `max_value`: the largest norm allowed, > 0 (1 to 5 are common)' }),
        axis,
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        type: Type.Literal('unitNorm', { description: 'Keras `UnitNorm`: after each training step, rescale the weights to norm 1 along `axis`' }),
        axis,
      },
      { additionalProperties: false },
    ),
    Type.Object(
      { type: Type.Literal('nonNeg', { description: 'Keras `NonNeg`: after each training step, set negative weights to 0' }) },
      { additionalProperties: false },
    ),
  ],
  { description: 'A weight constraint, applied after every training step: `maxNorm`, `unitNorm` or `nonNeg`' },
);
export type WeightConstraint = Static<typeof WeightConstraint>;

const regularizer = (description: string) => Type.Optional(Type.With(Regularizer, { description }));
const constraint = (description: string) => Type.Optional(Type.With(WeightConstraint, { description }));

/** The bias's penalty and constraint, on every layer with weights. */
const biasOptions = {
  biasRegularizer: regularizer('Keras `bias_regularizer`: penalty on the bias, `{ l1, l2 }`'),
  biasConstraint: constraint('Keras `bias_constraint`: constraint on the bias after each step (its only axis is 0)'),
};

/** Dense, Conv2D and Conv1D: one kernel and a bias. */
export const kernelWeightOptions = {
  kernelRegularizer: regularizer('Keras `kernel_regularizer`: penalty on the kernel, `{ l1, l2 }`, e.g. `{ l2: 0.01 }`'),
  kernelConstraint: constraint('Keras `kernel_constraint`: constraint on the kernel after each step, e.g. `{ type: "maxNorm", maxValue: 3 }`'),
  ...biasOptions,
};

/** DepthwiseConv2D: a depthwise kernel and a bias. */
export const depthwiseWeightOptions = {
  depthwiseRegularizer: regularizer('Keras `depthwise_regularizer`: penalty on the depthwise kernel, `{ l1, l2 }`'),
  depthwiseConstraint: constraint('Keras `depthwise_constraint`: constraint on the depthwise kernel [height, width, channels, multiplier] after each step'),
  ...biasOptions,
};

/** SeparableConv2D: a depthwise kernel, a pointwise (1x1) kernel and a bias. */
export const separableWeightOptions = {
  ...depthwiseWeightOptions,
  pointwiseRegularizer: regularizer('Keras `pointwise_regularizer`: penalty on the 1x1 kernel, `{ l1, l2 }`'),
  pointwiseConstraint: constraint('Keras `pointwise_constraint`: constraint on the 1x1 kernel [1, 1, channels, filters] after each step'),
};
