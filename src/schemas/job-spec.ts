import { Type, type Static } from 'typebox';
import { LiteralUnion, TaggedUnion } from './common.js';

// ---------------------------------------------------------------- building blocks

export const KERAS_INITIALIZERS = [
  'glorot_uniform', 'glorot_normal', 'he_normal', 'he_uniform', 'lecun_normal', 'lecun_uniform',
  'zeros', 'ones', 'random_normal', 'random_uniform', 'truncated_normal', 'orthogonal', 'identity',
] as const;
/** tfjs spells the same initializers in camelCase; both are accepted. */
export const TFJS_INITIALIZERS = [
  'glorotUniform', 'glorotNormal', 'heNormal', 'heUniform', 'leCunNormal', 'leCunUniform', 'lecunNormal', 'lecunUniform',
  'randomNormal', 'randomUniform', 'truncatedNormal',
] as const;

export const VarianceScalingInitializer = Type.Object(
  {
    type: Type.Literal('VarianceScaling'),
    scale: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Multiplies the variance (default 1)' })),
    mode: Type.Optional(Type.Union([Type.Literal('fan_in'), Type.Literal('fan_out'), Type.Literal('fan_avg')], { description: 'Which fan divides the scale (default fan_in)' })),
    distribution: Type.Optional(
      Type.Union([Type.Literal('normal'), Type.Literal('truncated_normal'), Type.Literal('uniform')], {
        description: '`normal` is a truncated normal, as in Keras (default truncated_normal)',
      }),
    ),
    seed: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false, description: 'Keras VarianceScaling: variance = scale / fan' },
);

export const Initializer = Type.Union(
  [
    LiteralUnion([...KERAS_INITIALIZERS, ...TFJS_INITIALIZERS], {
      description: 'A Keras initializer name or its tfjs camelCase twin',
    }),
    VarianceScalingInitializer,
  ],
  { description: 'Weight initializer: a name (`he_normal`) or `{ type: "VarianceScaling", scale, mode, distribution }`' },
);
export type Initializer = Static<typeof Initializer>;

export const ACTIVATIONS = [
  'relu', 'relu6', 'leaky_relu', 'elu', 'selu', 'tanh', 'sigmoid', 'hard_sigmoid', 'softmax', 'softplus', 'softsign',
  'swish', 'gelu', 'mish', 'linear',
] as const;
export const Activation = LiteralUnion(ACTIVATIONS, { description: 'Activation function name (Keras spelling)' });
export type ActivationName = (typeof ACTIVATIONS)[number];

const Shape = Type.Array(Type.Integer({ minimum: 1, maximum: 1_000_000 }), { minItems: 1, maxItems: 4, description: 'A shape without the batch dimension' });

/** Options every layer takes. */
const common = {
  name: Type.Optional(Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]*$', maxLength: 64, description: 'Layer name (unique in the model); generated when absent' })),
  inputShape: Type.Optional(Shape),
  trainable: Type.Optional(Type.Boolean({ description: 'false freezes the layer' })),
};
const units = Type.Integer({ minimum: 1, maximum: 65_536, description: 'Number of output units' });
const rate = Type.Number({ minimum: 0, exclusiveMaximum: 1, description: 'Fraction of inputs to drop' });
const seed = Type.Integer({ minimum: 0, description: 'Random seed' });
const layer = <T extends string, P extends Record<string, import('typebox').TSchema>>(type: T, props: P, description: string) =>
  Type.Object({ type: Type.Literal(type), ...common, ...props }, { additionalProperties: false, description });

export const LayerSpec = TaggedUnion(
  [
    layer('Flatten', {}, 'Flattens its input to one dimension'),
    layer(
      'Reshape',
      { targetShape: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 4, description: 'Output shape without the batch dimension, e.g. [28, 28]' }) },
      'Reshapes its input (same number of values), e.g. a 784-unit decoder output back to 28x28',
    ),
    layer(
      'Dense',
      {
        units,
        activation: Type.Optional(Activation),
        useBias: Type.Optional(Type.Boolean({ description: 'false when a BatchNormalization layer follows' })),
        kernelInitializer: Type.Optional(Initializer),
        biasInitializer: Type.Optional(Initializer),
      },
      'Fully connected layer',
    ),
    layer(
      'BatchNormalization',
      {
        momentum: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Moving average momentum (Keras default 0.99)' })),
        epsilon: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Added to the variance (Keras default 0.001)' })),
        center: Type.Optional(Type.Boolean({ description: 'Learn an offset (beta)' })),
        scale: Type.Optional(Type.Boolean({ description: 'Learn a scale (gamma)' })),
      },
      'Batch normalization: 4 vectors per input, 2 trainable (gamma, beta), 2 not (moving mean, variance)',
    ),
    layer('Activation', { activation: Activation }, 'Applies an activation function'),
    layer('Dropout', { rate, seed: Type.Optional(seed) }, 'Dropout'),
    layer('AlphaDropout', { rate, seed: Type.Optional(seed) }, 'Dropout that keeps SELU self-normalization'),
    layer('LeakyReLU', { alpha: Type.Optional(Type.Number({ minimum: 0, description: 'Slope for x < 0 (default 0.3)' })) }, 'Leaky ReLU'),
    layer(
      'PReLU',
      {
        alphaInitializer: Type.Optional(Initializer),
        sharedAxes: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { description: 'Axes along which alpha is shared' })),
      },
      'Parametric ReLU: the slope for x < 0 is learned per unit',
    ),
    layer('ELU', { alpha: Type.Optional(Type.Number({ minimum: 0, description: 'Scale for x < 0 (default 1)' })) }, 'Exponential linear unit'),
    layer(
      'RReLU',
      {
        lower: Type.Optional(Type.Number({ minimum: 0, description: 'Lowest random slope (default 1/8)' })),
        upper: Type.Optional(Type.Number({ minimum: 0, description: 'Highest random slope (default 1/3)' })),
        seed: Type.Optional(seed),
      },
      'Randomized leaky ReLU: slope drawn from U(lower, upper) in training, their mean at inference',
    ),
  ],
  { description: 'A layer; `type` is the Keras class name, options are its camelCase options' },
);
export type LayerSpec = Static<typeof LayerSpec>;
export const LAYER_TYPES = ['Flatten', 'Reshape', 'Dense', 'BatchNormalization', 'Activation', 'Dropout', 'AlphaDropout', 'LeakyReLU', 'PReLU', 'ELU', 'RReLU'] as const;

// ---------------------------------------------------------------- optimizers

const clipping = {
  learningRate: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10, description: 'Learning rate' })),
  clipValue: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Clip each gradient component to [-clipValue, clipValue]' })),
  clipNorm: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Rescale each gradient tensor whose L2 norm exceeds this (tf.keras `clipnorm`)' })),
  globalClipNorm: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Rescale all gradients together when their global norm exceeds this' })),
  schedule: Type.Optional(
    TaggedUnion(
      [
        Type.Object(
          {
            type: Type.Literal('exponential_decay'),
            decaySteps: Type.Integer({ minimum: 1, description: 'Steps (batches) per decay' }),
            decayRate: Type.Number({ exclusiveMinimum: 0, description: 'lr = learningRate * decayRate^(step/decaySteps)' }),
            staircase: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        Type.Object(
          {
            type: Type.Literal('piecewise_constant'),
            boundaries: Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1, description: 'Step boundaries' }),
            values: Type.Array(Type.Number({ exclusiveMinimum: 0 }), { minItems: 2, description: 'One more value than boundaries' }),
          },
          { additionalProperties: false },
        ),
      ],
      { description: 'Learning-rate schedule over steps' },
    ),
  ),
};
const epsilon = Type.Optional(Type.Number({ exclusiveMinimum: 0 }));
const optimizer = <T extends string, P extends Record<string, import('typebox').TSchema>>(type: T, props: P) =>
  Type.Object({ type: Type.Literal(type), ...clipping, ...props }, { additionalProperties: false });

export const OptimizerSpec = TaggedUnion(
  [
    optimizer('sgd', { momentum: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })), nesterov: Type.Optional(Type.Boolean()) }),
    optimizer('adam', { beta1: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1 })), beta2: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1 })), epsilon }),
    optimizer('adamax', { beta1: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1 })), beta2: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1 })), epsilon }),
    optimizer('rmsprop', { rho: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })), momentum: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })), epsilon, centered: Type.Optional(Type.Boolean()) }),
    optimizer('adagrad', { initialAccumulatorValue: Type.Optional(Type.Number({ exclusiveMinimum: 0 })) }),
    optimizer('adadelta', { rho: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })), epsilon }),
  ],
  { description: 'Optimizer; every one takes `learningRate`, the clipping options and a `schedule`' },
);
export type OptimizerSpec = Static<typeof OptimizerSpec>;

export const LOSSES = ['sparse_categorical_crossentropy', 'categorical_crossentropy', 'binary_crossentropy', 'mse', 'mean_squared_error', 'mae', 'mean_absolute_error'] as const;
export const METRICS = ['accuracy'] as const;

// ---------------------------------------------------------------- data references

export const DatasetRef = Type.Object(
  {
    id: Type.Optional(Type.String({ maxLength: 100, description: 'An uploaded dataset id' })),
    builtin: Type.Optional(Type.Union([Type.Literal('fashion-mnist'), Type.Literal('mnist')], { description: 'A built-in dataset' })),
    split: Type.Optional(Type.Union([Type.Literal('train'), Type.Literal('test')], { default: 'train', description: 'Built-in split' })),
    classes: Type.Optional(
      Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1, uniqueItems: true, description: 'Keep only these labels, renumbered 0..n-1 in this order' }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, description: 'At most this many samples, chosen with `seed`' })),
    seed: Type.Optional(Type.Integer({ minimum: 0, description: 'Seed for the `limit` sample' })),
    standardize: Type.Optional(
      Type.Boolean({ description: 'Per-feature mean/std from the training data, applied alike to validation, evaluation and prediction' }),
    ),
  },
  { additionalProperties: false, description: '`{ id }` for an uploaded dataset or `{ builtin, split }`, with view options' },
);
export type DatasetRef = Static<typeof DatasetRef>;

// ---------------------------------------------------------------- the job spec

export const FitSpec = Type.Object(
  {
    epochs: Type.Integer({ minimum: 1, description: 'Training epochs' }),
    batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_536, default: 32 })),
    shuffle: Type.Optional(Type.Boolean({ default: true })),
    seed: Type.Optional(Type.Integer({ minimum: 0, description: 'Seed for shuffling and weight initialization' })),
    earlyStopping: Type.Optional(
      Type.Object(
        {
          monitor: Type.Optional(Type.Union([Type.Literal('val_loss'), Type.Literal('val_accuracy'), Type.Literal('loss'), Type.Literal('accuracy')], { default: 'val_loss' })),
          patience: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
          minDelta: Type.Optional(Type.Number({ minimum: 0 })),
          restoreBestWeights: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const JobSpec = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 200, description: 'A label for the job' })),
    task: Type.Optional(
      Type.Union([Type.Literal('classification'), Type.Literal('autoencoder')], {
        default: 'classification',
        description: '`autoencoder` trains the model to reconstruct its inputs; labels are ignored',
      }),
    ),
    modelName: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', maxLength: 100, description: 'Register the trained model under this name, as its next version' })),
    dataset: DatasetRef,
    validation: Type.Optional(
      Type.Object(
        {
          split: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'Hold out this fraction of the training data (the last samples, as Keras)' })),
          dataset: Type.Optional(DatasetRef),
        },
        { additionalProperties: false },
      ),
    ),
    evaluate: Type.Optional(Type.Object({ dataset: DatasetRef }, { additionalProperties: false })),
    base: Type.Optional(
      Type.Object(
        {
          modelId: Type.String({ maxLength: 100, description: 'Stored model to build on' }),
          dropLast: Type.Optional(Type.Integer({ minimum: 0, default: 0, description: 'Drop this many top layers of the base' })),
          layers: Type.Optional(
            Type.Union([Type.Integer({ minimum: 1 }), Type.Array(Type.String(), { minItems: 1 })], {
              description: 'Reuse only these layers: a count from the bottom, or a list of layer names',
            }),
          ),
          freeze: Type.Optional(Type.Boolean({ default: false, description: 'Freeze the reused layers during `fit`' })),
        },
        { additionalProperties: false },
      ),
    ),
    model: Type.Object({ layers: Type.Array(LayerSpec, { maxItems: 200, description: 'Layers, bottom to top (appended on top of `base`)' }) }, { additionalProperties: false }),
    compile: Type.Object(
      {
        optimizer: OptimizerSpec,
        loss: LiteralUnion(LOSSES, { description: 'Keras loss name' }),
        metrics: Type.Optional(Type.Array(LiteralUnion(METRICS), { uniqueItems: true })),
      },
      { additionalProperties: false },
    ),
    fit: FitSpec,
    fineTune: Type.Optional(
      Type.Object(
        {
          epochs: Type.Integer({ minimum: 1, description: 'Epochs after unfreezing' }),
          optimizer: Type.Optional(OptimizerSpec),
          unfreeze: Type.Optional(Type.Integer({ minimum: 1, description: 'Unfreeze only this many top reused layers' })),
        },
        { additionalProperties: false },
      ),
    ),
    diagnostics: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean({ default: true })),
          probeSize: Type.Optional(Type.Integer({ minimum: 8, maximum: 1024, default: 256, description: 'Samples in the fixed probe batch' })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, title: 'JobSpec', description: 'What to train, on what, and how' },
);
export type JobSpec = Static<typeof JobSpec>;
