import { Type, type Static } from 'typebox';
import { LiteralUnion, TaggedUnion } from './common.js';
import { DiagnosticRules } from './diagnosis.js';
import { depthwiseWeightOptions, kernelWeightOptions, separableWeightOptions } from './weight-regularization.js';

// ---------------------------------------------------------------- building blocks

export const KERAS_INITIALIZERS = [
  'glorot_uniform',
  'glorot_normal',
  'he_normal',
  'he_uniform',
  'lecun_normal',
  'lecun_uniform',
  'zeros',
  'ones',
  'random_normal',
  'random_uniform',
  'truncated_normal',
  'orthogonal',
  'identity',
] as const;
/** tfjs spells the same initializers in camelCase; both are accepted. */
export const TFJS_INITIALIZERS = [
  'glorotUniform',
  'glorotNormal',
  'heNormal',
  'heUniform',
  'leCunNormal',
  'leCunUniform',
  'lecunNormal',
  'lecunUniform',
  'randomNormal',
  'randomUniform',
  'truncatedNormal',
] as const;

export const VarianceScalingInitializer = Type.Object(
  {
    type: Type.Literal('VarianceScaling', { description: 'Initializer class: `VarianceScaling`' }),
    scale: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Multiplies the variance (default 1)' })),
    mode: Type.Optional(
      Type.Union([Type.Literal('fan_in'), Type.Literal('fan_out'), Type.Literal('fan_avg')], { description: 'Which fan divides the scale (default fan_in)' }),
    ),
    distribution: Type.Optional(
      Type.Union([Type.Literal('normal'), Type.Literal('truncated_normal'), Type.Literal('uniform')], {
        description: '`normal` is a truncated normal, as in Keras (default truncated_normal)',
      }),
    ),
    seed: Type.Optional(Type.Integer({ minimum: 0, description: 'Random seed for the initial values; overrides the one derived from `fit.seed`' })),
  },
  { additionalProperties: false, description: 'Keras VarianceScaling: variance = scale / fan' },
);

const initSeed = Type.Optional(Type.Integer({ minimum: 0, description: 'Random seed for the initial values; overrides the one derived from `fit.seed`' }));
/** Finite and bounded: a value of 1e300 would only produce Infinity weights. */
const initNumber = (description: string) => Type.Optional(Type.Number({ minimum: -1e6, maximum: 1e6, description }));
const initStddev = Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1e6, description: 'Standard deviation (default 0.05)' }));
const initGain = Type.Optional(Type.Number({ minimum: -1e6, maximum: 1e6, description: 'Multiplies the matrix (default 1)' }));
const initializerClass = <T extends string, P extends Record<string, import('typebox').TSchema>>(type: T, props: P, description: string) =>
  Type.Object({ type: Type.Literal(type, { description: `Initializer class: \`${type}\`` }), ...props }, { additionalProperties: false, description });

export const Initializer = Type.Union(
  [
    LiteralUnion([...KERAS_INITIALIZERS, ...TFJS_INITIALIZERS], {
      description: 'A Keras initializer name or its tfjs camelCase twin',
    }),
    VarianceScalingInitializer,
    initializerClass('RandomNormal', { mean: initNumber('Mean (default 0)'), stddev: initStddev, seed: initSeed }, 'Keras RandomNormal: a normal distribution'),
    initializerClass(
      'RandomUniform',
      { minval: initNumber('Lower bound (default -0.05)'), maxval: initNumber('Upper bound (default 0.05)'), seed: initSeed },
      'Keras RandomUniform: a uniform distribution on [minval, maxval)',
    ),
    initializerClass(
      'TruncatedNormal',
      { mean: initNumber('Mean (default 0)'), stddev: initStddev, seed: initSeed },
      'Keras TruncatedNormal: a normal distribution with values beyond 2 stddev redrawn',
    ),
    initializerClass('Constant', { value: initNumber('The value of every weight (default 0)') }, 'Keras Constant: every weight the same value'),
    initializerClass('Orthogonal', { gain: initGain, seed: initSeed }, 'Keras Orthogonal: a random orthogonal matrix times gain'),
    initializerClass('Identity', { gain: initGain }, 'Keras Identity: gain times the identity matrix (square 2D kernels only)'),
  ],
  {
    description:
      'Weight initializer: a name (`he_normal`), `{ type: "VarianceScaling", scale, mode, distribution }`, or a Keras initializer ' +
      'class with its arguments: RandomNormal, RandomUniform, TruncatedNormal, Constant, Orthogonal, Identity',
  },
);
/** The same schema with a field-specific description (validation unchanged). */
const initializer = (description: string) => Type.With(Initializer, { description });
export type Initializer = Static<typeof Initializer>;

export const ACTIVATIONS = [
  'relu',
  'relu6',
  'leaky_relu',
  'elu',
  'selu',
  'tanh',
  'sigmoid',
  'hard_sigmoid',
  'softmax',
  'softplus',
  'softsign',
  'swish',
  'gelu',
  'mish',
  'linear',
] as const;
export const Activation = LiteralUnion(ACTIVATIONS, { description: 'Activation function name (Keras spelling)' });
const activation = (description: string) => Type.With(Activation, { description });
export type ActivationName = (typeof ACTIVATIONS)[number];

const Shape = Type.Array(Type.Integer({ minimum: 1, maximum: 1_000_000 }), {
  minItems: 1,
  maxItems: 4,
  description:
    "Keras `input_shape`: one sample's shape without the batch dimension (1 to 4 dims), e.g. [28, 28]. Optional: the first layer gets the dataset's (or base model's) shape; when given it must match",
});

/** Options every layer takes. */
const common = {
  name: Type.Optional(
    Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]*$', maxLength: 64, description: 'Layer name (unique in the model); generated when absent' }),
  ),
  inputShape: Type.Optional(Shape),
  trainable: Type.Optional(Type.Boolean({ description: 'false freezes the layer' })),
};
const units = Type.Integer({ minimum: 1, maximum: 65_536, description: 'Number of output units' });
const rate = Type.Number({ minimum: 0, exclusiveMaximum: 1, description: 'Fraction of inputs to drop' });
const seed = Type.Integer({ minimum: 0, description: 'Random seed' });
const layer = <T extends string, P extends Record<string, import('typebox').TSchema>>(type: T, props: P, description: string) =>
  Type.Object(
    { type: Type.Literal(type, { description: `Layer class: \`${type}\` (Keras \`keras.layers.${type}\`)` }), ...common, ...props },
    { additionalProperties: false, description },
  );

/** A window size, stride or dilation: one integer for both axes, or [height, width] (Keras accepts both). */
const pair = (description: string, max = 1024) =>
  Type.Union([Type.Integer({ minimum: 1, maximum: max }), Type.Array(Type.Integer({ minimum: 1, maximum: max }), { minItems: 2, maxItems: 2 })], {
    description,
  });
/** The same for the 1-D layers: one integer, or a one-item list. */
const single = (description: string, max = 1024) =>
  Type.Union([Type.Integer({ minimum: 1, maximum: max }), Type.Array(Type.Integer({ minimum: 1, maximum: max }), { minItems: 1, maxItems: 1 })], {
    description,
  });
const filters = Type.Integer({ minimum: 1, maximum: 16_384, description: 'Keras `filters`: output channels, 1..16384' });
const padding = Type.Optional(
  Type.Union([Type.Literal('valid'), Type.Literal('same')], {
    description: 'Keras `padding`: `valid` (no padding, the output shrinks) or `same` (zero padding, output = ceil(input / strides)); default valid',
  }),
);
const convActivation = Type.Optional(activation('Keras `activation`: applied to the output; default linear (none)'));
const convUseBias = Type.Optional(Type.Boolean({ description: 'Keras `use_bias`: add one bias per output channel, default true' }));
const convBiasInitializer = Type.Optional(initializer('Keras `bias_initializer`: initial bias, default zeros'));
const depthMultiplier = Type.Optional(
  Type.Integer({ minimum: 1, maximum: 1024, description: 'Keras `depth_multiplier`: depthwise output channels per input channel, default 1' }),
);
const pooling = {
  poolSize: Type.Optional(pair('Keras `pool_size`: window [height, width] or one integer for both, default 2')),
  strides: Type.Optional(pair('Keras `strides`: step of the window, default poolSize')),
  padding,
};
const convWindow = {
  kernelSize: pair('Keras `kernel_size`: window [height, width] or one integer for both, e.g. 3'),
  strides: Type.Optional(pair('Keras `strides`: step of the window, default 1')),
  padding,
  dilationRate: Type.Optional(pair('Keras `dilation_rate`: spacing of the kernel taps, default 1; strides and dilationRate cannot both exceed 1')),
};

export const LayerSpec = TaggedUnion(
  [
    layer('Flatten', {}, 'Flattens its input to one dimension'),
    layer(
      'Reshape',
      {
        targetShape: Type.Array(Type.Integer({ minimum: 1, maximum: 1_000_000 }), {
          minItems: 1,
          maxItems: 4,
          description: 'Output shape without the batch dimension, e.g. [28, 28]',
        }),
      },
      'Reshapes its input (same number of values), e.g. a 784-unit decoder output back to 28x28',
    ),
    layer(
      'Dense',
      {
        units,
        activation: Type.Optional(activation('Keras `activation`: applied to the output; default linear (none)')),
        useBias: Type.Optional(
          Type.Boolean({ description: 'Keras `use_bias`: add a bias vector, default true; false when a BatchNormalization layer follows' }),
        ),
        kernelInitializer: Type.Optional(
          initializer('Keras `kernel_initializer`: initial weights, default glorot_uniform (he_normal suits ReLU/ELU, lecun_normal SELU)'),
        ),
        biasInitializer: Type.Optional(initializer('Keras `bias_initializer`: initial bias, default zeros')),
        ...kernelWeightOptions,
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
    layer('Activation', { activation: activation('The activation function to apply (Keras `activation`)') }, 'Applies an activation function'),
    layer('Dropout', { rate, seed: Type.Optional(seed) }, 'Dropout'),
    layer('AlphaDropout', { rate, seed: Type.Optional(seed) }, 'Dropout that keeps SELU self-normalization'),
    layer('LeakyReLU', { alpha: Type.Optional(Type.Number({ minimum: 0, description: 'Slope for x < 0 (default 0.3)' })) }, 'Leaky ReLU'),
    layer(
      'PReLU',
      {
        alphaInitializer: Type.Optional(initializer('Keras `alpha_initializer`: initial slopes, default zeros')),
        sharedAxes: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 4 }), { maxItems: 4, description: 'Axes along which alpha is shared' })),
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
    layer(
      'Conv2D',
      {
        filters,
        ...convWindow,
        activation: convActivation,
        useBias: convUseBias,
        kernelInitializer: Type.Optional(
          initializer('Keras `kernel_initializer`: initial weights, default glorot_uniform; fans are height x width x channels, as in Keras'),
        ),
        biasInitializer: convBiasInitializer,
        ...kernelWeightOptions,
      },
      '2-D convolution over [height, width, channels] samples (channels last)',
    ),
    layer(
      'SeparableConv2D',
      {
        filters,
        ...convWindow,
        depthMultiplier,
        activation: convActivation,
        useBias: convUseBias,
        depthwiseInitializer: Type.Optional(initializer('Keras `depthwise_initializer`: initial depthwise kernel, default glorot_uniform')),
        pointwiseInitializer: Type.Optional(initializer('Keras `pointwise_initializer`: initial 1x1 kernel, default glorot_uniform')),
        biasInitializer: convBiasInitializer,
        ...separableWeightOptions,
      },
      'Depthwise 2-D convolution followed by a 1x1 convolution that mixes the channels',
    ),
    layer(
      'DepthwiseConv2D',
      {
        ...convWindow,
        depthMultiplier,
        activation: convActivation,
        useBias: convUseBias,
        depthwiseInitializer: Type.Optional(initializer('Keras `depthwise_initializer`: initial depthwise kernel, default glorot_uniform')),
        biasInitializer: convBiasInitializer,
        ...depthwiseWeightOptions,
      },
      '2-D convolution of each channel on its own',
    ),
    layer(
      'Conv1D',
      {
        filters,
        kernelSize: single('Keras `kernel_size`: window length, e.g. 3'),
        strides: Type.Optional(single('Keras `strides`: step of the window, default 1')),
        padding,
        dilationRate: Type.Optional(single('Keras `dilation_rate`: spacing of the kernel taps, default 1')),
        activation: convActivation,
        useBias: convUseBias,
        kernelInitializer: Type.Optional(initializer('Keras `kernel_initializer`: initial weights, default glorot_uniform')),
        biasInitializer: convBiasInitializer,
        ...kernelWeightOptions,
      },
      '1-D convolution over [steps, channels] samples',
    ),
    layer('MaxPooling2D', pooling, 'Maximum over each window'),
    layer('AveragePooling2D', pooling, 'Mean over each window'),
    layer('GlobalAveragePooling2D', {}, 'Mean of each channel over height and width: [h, w, c] -> [c]'),
    layer('GlobalMaxPooling2D', {}, 'Maximum of each channel over height and width: [h, w, c] -> [c]'),
    layer(
      'ZeroPadding2D',
      {
        padding: Type.Optional(
          Type.Union(
            [
              Type.Integer({ minimum: 0, maximum: 1024 }),
              Type.Array(Type.Integer({ minimum: 0, maximum: 1024 }), { minItems: 2, maxItems: 2 }),
              Type.Array(Type.Array(Type.Integer({ minimum: 0, maximum: 1024 }), { minItems: 2, maxItems: 2 }), { minItems: 2, maxItems: 2 }),
            ],
            { description: 'Keras `padding`: n (all sides), [rows, cols] (symmetric), or [[top, bottom], [left, right]]; default 1' },
          ),
        ),
      },
      'Adds rows and columns of zeros around each image',
    ),
    layer('SpatialDropout2D', { rate, seed: Type.Optional(seed) }, 'Dropout of whole channels (feature maps) rather than single values'),
  ],
  { description: 'A layer; `type` is the Keras class name, options are its camelCase options' },
);
export type LayerSpec = Static<typeof LayerSpec>;
/** The convolutional layers: convolutions, poolings, padding and channel dropout on images (or sequences). */
export const CONV_LAYER_TYPES = [
  'Conv2D',
  'SeparableConv2D',
  'DepthwiseConv2D',
  'Conv1D',
  'MaxPooling2D',
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling2D',
  'ZeroPadding2D',
  'SpatialDropout2D',
] as const;
export const LAYER_TYPES = [
  'Flatten',
  'Reshape',
  'Dense',
  'BatchNormalization',
  'Activation',
  'Dropout',
  'AlphaDropout',
  'LeakyReLU',
  'PReLU',
  'ELU',
  'RReLU',
  ...CONV_LAYER_TYPES,
] as const;

// ---------------------------------------------------------------- optimizers

const clipping = {
  learningRate: Type.Optional(
    Type.Number({
      exclusiveMinimum: 0,
      maximum: 10,
      description: 'Keras `learning_rate`: step size, > 0 and at most 10; default as in Keras: 0.01 for sgd, 0.001 for the others',
    }),
  ),
  clipValue: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Clip each gradient component to [-clipValue, clipValue]' })),
  clipNorm: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Rescale each gradient tensor whose L2 norm exceeds this (tf.keras `clipnorm`)' })),
  globalClipNorm: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Rescale all gradients together when their global norm exceeds this' })),
  schedule: Type.Optional(
    TaggedUnion(
      [
        Type.Object(
          {
            type: Type.Literal('exponential_decay', { description: 'Schedule: `exponential_decay` (Keras `ExponentialDecay`)' }),
            decaySteps: Type.Integer({ minimum: 1, description: 'Steps (batches) per decay' }),
            decayRate: Type.Number({ exclusiveMinimum: 0, description: 'lr = learningRate * decayRate^(step/decaySteps)' }),
            staircase: Type.Optional(Type.Boolean({ description: 'Keras `staircase`: decay in whole steps (integer step/decaySteps); default false' })),
          },
          { additionalProperties: false },
        ),
        Type.Object(
          {
            type: Type.Literal('piecewise_constant', { description: 'Schedule: `piecewise_constant` (Keras `PiecewiseConstantDecay`)' }),
            boundaries: Type.Array(Type.Integer({ minimum: 0 }), {
              minItems: 1,
              maxItems: 1000,
              description: 'Steps (batches) at which the rate changes, increasing; at most 1000',
            }),
            values: Type.Array(Type.Number({ exclusiveMinimum: 0 }), {
              minItems: 2,
              maxItems: 1001,
              description: 'Learning rate before the first boundary, between each pair, and after the last: one more value than boundaries',
            }),
          },
          { additionalProperties: false },
        ),
      ],
      { description: 'Learning-rate schedule over steps' },
    ),
  ),
};
const epsilon = Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Keras `epsilon`: small constant for numerical stability, > 0, default 1e-7' }));
const beta1 = Type.Optional(
  Type.Number({ minimum: 0, exclusiveMaximum: 1, description: 'Keras `beta_1`: decay rate of the gradient average (first moment), 0 <= x < 1, default 0.9' }),
);
const beta2 = Type.Optional(
  Type.Number({
    minimum: 0,
    exclusiveMaximum: 1,
    description: 'Keras `beta_2`: decay rate of the squared-gradient average (second moment), 0 <= x < 1, default 0.999',
  }),
);
const OPTIMIZER_CLASSES: Record<string, string> = { sgd: 'SGD', adam: 'Adam', adamax: 'Adamax', rmsprop: 'RMSprop', adagrad: 'Adagrad', adadelta: 'Adadelta' };
const optimizer = <T extends string, P extends Record<string, import('typebox').TSchema>>(type: T, props: P) =>
  Type.Object(
    {
      type: Type.Literal(type, { description: `Optimizer: \`${type}\` (Keras \`keras.optimizers.${OPTIMIZER_CLASSES[type] ?? type}\`)` }),
      ...clipping,
      ...props,
    },
    { additionalProperties: false },
  );

export const OptimizerSpec = TaggedUnion(
  [
    optimizer('sgd', {
      momentum: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Keras `momentum`: 0..1, default 0 (plain SGD); 0.9 is a common choice' })),
      nesterov: Type.Optional(Type.Boolean({ description: 'Keras `nesterov`: use Nesterov momentum (needs momentum > 0), default false' })),
    }),
    optimizer('adam', { beta1, beta2, epsilon }),
    optimizer('adamax', { beta1, beta2, epsilon }),
    optimizer('rmsprop', {
      rho: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Keras `rho`: decay rate of the squared-gradient average, 0..1, default 0.9' })),
      momentum: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Keras `momentum`: 0..1, default 0' })),
      epsilon,
      centered: Type.Optional(Type.Boolean({ description: 'Keras `centered`: normalize by the estimated gradient variance, default false' })),
    }),
    optimizer('adagrad', {
      initialAccumulatorValue: Type.Optional(
        Type.Number({ exclusiveMinimum: 0, description: 'Keras `initial_accumulator_value`: starting value of the per-weight sums, > 0, default 0.1' }),
      ),
    }),
    optimizer('adadelta', {
      rho: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Keras `rho`: decay rate of the averages, 0..1, default 0.95' })),
      epsilon,
    }),
  ],
  { description: 'Optimizer; every one takes `learningRate`, the clipping options and a `schedule`' },
);
export type OptimizerSpec = Static<typeof OptimizerSpec>;

export const LOSSES = [
  'sparse_categorical_crossentropy',
  'categorical_crossentropy',
  'binary_crossentropy',
  'mse',
  'mean_squared_error',
  'mae',
  'mean_absolute_error',
] as const;
export const METRICS = ['accuracy'] as const;

// ---------------------------------------------------------------- data references

export const DatasetRef = Type.Object(
  {
    id: Type.Optional(Type.String({ maxLength: 100, description: 'An uploaded dataset id' })),
    builtin: Type.Optional(
      Type.Union([Type.Literal('fashion-mnist'), Type.Literal('mnist'), Type.Literal('cifar-10')], {
        description: 'A built-in dataset: `fashion-mnist` and `mnist` (28x28 grey), `cifar-10` (32x32x3 colour)',
      }),
    ),
    split: Type.Optional(Type.Union([Type.Literal('train'), Type.Literal('test')], { default: 'train', description: 'Built-in split' })),
    classes: Type.Optional(
      Type.Array(Type.Integer({ minimum: 0, maximum: 99_999 }), {
        minItems: 1,
        maxItems: 10_000,
        uniqueItems: true,
        description: 'Keep only these labels, renumbered 0..n-1 in this order; at most 10000',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, description: 'At most this many samples, chosen with `seed`' })),
    seed: Type.Optional(Type.Integer({ minimum: 0, description: 'Seed for the `limit` sample; default derived from `fit.seed`' })),
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
    epochs: Type.Integer({ minimum: 1, description: 'Keras `epochs`: passes over the training data, at least 1' }),
    batchSize: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 65_536, default: 32, description: 'Keras `batch_size`: samples per gradient step, 1..65536, default 32' }),
    ),
    shuffle: Type.Optional(Type.Boolean({ default: true, description: 'Keras `shuffle`: shuffle the training samples before each epoch, default true' })),
    seed: Type.Optional(
      Type.Integer({
        minimum: 0,
        description:
          "Seed of every random choice of the job: initial weights, dropout masks, random slopes, shuffling, `limit` samples (a layer's or dataset's own `seed` wins). Absent: the service picks one and stores it here",
      }),
    ),
    classWeight: Type.Optional(
      Type.Literal('balanced', {
        description: 'Keras `class_weight`: `balanced` weighs each class by n_samples / (n_classes * its count), so rare classes count as much as common ones',
      }),
    ),
    earlyStopping: Type.Optional(
      Type.Object(
        {
          monitor: Type.Optional(
            Type.Union([Type.Literal('val_loss'), Type.Literal('val_accuracy'), Type.Literal('loss'), Type.Literal('accuracy')], {
              default: 'val_loss',
              description: 'Keras `monitor`: the quantity to watch, default val_loss (the val_ ones need `validation`)',
            }),
          ),
          patience: Type.Optional(
            Type.Integer({ minimum: 0, default: 0, description: 'Keras `patience`: epochs without improvement before stopping, default 0' }),
          ),
          minDelta: Type.Optional(Type.Number({ minimum: 0, description: 'Keras `min_delta`: smallest change that counts as an improvement, default 0' })),
          restoreBestWeights: Type.Optional(
            Type.Boolean({ description: 'Keras `restore_best_weights`: end with the weights of the best epoch, default false' }),
          ),
        },
        { additionalProperties: false, description: 'Stop when `monitor` stops improving (Keras `EarlyStopping` callback)' },
      ),
    ),
  },
  { additionalProperties: false, description: 'How to train (Keras `model.fit` options)' },
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
    modelName: Type.Optional(
      Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', maxLength: 100, description: 'Register the trained model under this name, as its next version' }),
    ),
    dataset: DatasetRef,
    validation: Type.Optional(
      Type.Object(
        {
          split: Type.Optional(
            Type.Number({
              exclusiveMinimum: 0,
              exclusiveMaximum: 1,
              description: 'Keras `validation_split`: hold out this fraction of the training data (the last samples, as Keras), 0 < x < 1',
            }),
          ),
          dataset: Type.Optional(Type.With(DatasetRef, { description: 'Keras `validation_data`: a separate dataset to validate on' })),
        },
        {
          additionalProperties: false,
          description: 'Validation data, reported each epoch as `val_loss`/`val_accuracy`: a `split` of the training data or a `dataset`',
        },
      ),
    ),
    evaluate: Type.Optional(
      Type.Object(
        { dataset: Type.With(DatasetRef, { description: 'The dataset to evaluate on, e.g. a built-in `test` split' }) },
        {
          additionalProperties: false,
          description: "After training, evaluate on a held-out dataset (Keras `model.evaluate`); the result is the job's `evaluation`",
        },
      ),
    ),
    base: Type.Optional(
      Type.Object(
        {
          modelId: Type.String({ maxLength: 100, description: 'Stored model to build on' }),
          dropLast: Type.Optional(Type.Integer({ minimum: 0, default: 0, description: 'Drop this many top layers of the base' })),
          layers: Type.Optional(
            Type.Union([Type.Integer({ minimum: 1 }), Type.Array(Type.String({ maxLength: 200 }), { minItems: 1, maxItems: 1000 })], {
              description: 'Reuse only these layers: a count from the bottom, or a list of layer names',
            }),
          ),
          freeze: Type.Optional(Type.Boolean({ default: false, description: 'Freeze the reused layers during `fit`' })),
        },
        { additionalProperties: false, description: 'Transfer learning: start from the layers of a stored model (GET /models)' },
      ),
    ),
    model: Type.Object(
      { layers: Type.Array(LayerSpec, { maxItems: 200, description: 'Layers, bottom to top (appended on top of `base`), at most 200' }) },
      { additionalProperties: false, description: 'The network, a Keras `Sequential` model' },
    ),
    compile: Type.Object(
      {
        optimizer: OptimizerSpec,
        loss: LiteralUnion(LOSSES, { description: 'Keras loss name' }),
        metrics: Type.Optional(
          Type.Array(LiteralUnion(METRICS), { uniqueItems: true, description: 'Keras `metrics`: reported besides the loss; `accuracy` is the one offered' }),
        ),
      },
      { additionalProperties: false, description: 'Keras `model.compile` options: optimizer, loss, metrics' },
    ),
    fit: FitSpec,
    fineTune: Type.Optional(
      Type.Object(
        {
          epochs: Type.Integer({ minimum: 1, description: 'Epochs after unfreezing' }),
          optimizer: Type.Optional(
            Type.With(OptimizerSpec, { description: 'Optimizer for this phase, usually with a lower learning rate; default: `compile.optimizer`' }),
          ),
          unfreeze: Type.Optional(Type.Integer({ minimum: 1, description: 'Unfreeze only this many top reused layers; default all' })),
        },
        { additionalProperties: false, description: 'A second phase after `fit` (needs `base`): unfreeze the reused layers and train on' },
      ),
    ),
    diagnostics: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean({ default: true, description: 'Collect diagnostics, default true; false makes training a little faster' })),
          probeSize: Type.Optional(
            Type.Integer({ minimum: 8, maximum: 1024, default: 256, description: 'Samples in the fixed probe batch, 8..1024, default 256' }),
          ),
          rules: Type.Optional(DiagnosticRules),
        },
        { additionalProperties: false, description: 'Per-epoch gradient and activation health, read at GET /jobs/:id/diagnostics' },
      ),
    ),
  },
  { additionalProperties: false, title: 'JobSpec', description: 'What to train, on what, and how' },
);
export type JobSpec = Static<typeof JobSpec>;
