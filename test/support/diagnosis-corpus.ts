/**
 * The labeled corpus of the diagnosis rules: broken recipes (each made to fail one way, labeled
 * with the kind it must raise) and healthy recipes from the chapter (which must raise nothing).
 * Small nets on the committed Fashion-MNIST fixture (1,200 training images), a few epochs, so the
 * whole corpus trains in well under a minute. Used by test/unit/training/diagnosis/corpus.test.ts
 * and scripts/diagnosis-corpus.ts (which writes docs/diagnosis.md).
 */
import { applyView, loadBuiltin, splitValidation } from '../../src/data/index.js';
import type { Dataset } from '../../src/data/types.js';
import type { JobSpec, LayerSpec } from '../../src/schemas/job-spec.js';
import { applySpecPatch, fixesOf } from '../../src/training/diagnosis/patch.js';
import { runTrainingJob } from '../../src/training/loop/run-training.js';
import type { ModelArtifact, TrainingWarning } from '../../src/core/run-types.js';

export const FIXTURES = 'test/fixtures/datasets';

/** The datasets a recipe trains on: the fixture, or a variant the spec alone cannot express. */
export interface CorpusData {
  train: Dataset;
  validation?: Dataset;
  base?: ModelArtifact;
}

export interface Recipe {
  name: string;
  /** The kind it must raise; null for a healthy recipe (it must raise none). */
  kind: string | null;
  /** What the recipe shows, for the docs. */
  about: string;
  spec: JobSpec;
  /** Variant data (raw pixels, skewed labels, a base model); default: the fixture through the spec's view. */
  data?: (fixture: Fixture) => Promise<CorpusData> | CorpusData;
  /**
   * The loss the fix must lower: the last epoch's training loss, or the validation data's loss on
   * the model the job returns (with early stopping's restoreBestWeights, the best epoch's weights).
   */
  lossKey?: 'loss' | 'val_loss';
}

export interface Fixture {
  train: Dataset;
  test: Dataset;
}

export async function loadFixture(): Promise<Fixture> {
  const opts = { datasetsDir: FIXTURES, verifyChecksums: false };
  return { train: await loadBuiltin('fashion-mnist', 'train', opts), test: await loadBuiltin('fashion-mnist', 'test', opts) };
}

const flatten: LayerSpec = { type: 'Flatten', inputShape: [28, 28] };
const softmax: LayerSpec = { type: 'Dense', name: 'output', units: 10, activation: 'softmax' };
const dense = (name: string, units: number, extra: Record<string, unknown> = {}) => ({ type: 'Dense', name, units, ...extra }) as LayerSpec;
const adam = (learningRate = 0.001) => ({ type: 'adam' as const, learningRate });

function spec(layers: LayerSpec[], over: Partial<JobSpec> = {}, fit: Partial<JobSpec['fit']> = {}): JobSpec {
  return {
    dataset: { builtin: 'fashion-mnist', split: 'train', limit: 600, seed: 1 },
    model: { layers: [flatten, ...layers, softmax] },
    compile: { optimizer: adam(), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
    ...over,
    fit: { epochs: 4, batchSize: 32, seed: 7, ...fit },
  };
}

/** The fixture with its pixels back on the 0-255 scale of a raw upload. */
function rawPixels(ds: Dataset): Dataset {
  return { ...ds, features: Float32Array.from(ds.features, (v) => v * 255) };
}

const heRelu = (name: string, units = 64) => dense(name, units, { activation: 'relu', kernelInitializer: 'he_normal' });

export const HEALTHY: Recipe[] = [
  { name: 'he-relu', kind: null, about: 'Dense 64-64 ReLU with He init, Adam', spec: spec([heRelu('h1'), heRelu('h2')]) },
  {
    name: 'he-elu-bn',
    kind: null,
    about: 'Dense 64 He (no bias), BatchNormalization, ELU',
    spec: spec([
      dense('h1', 64, { kernelInitializer: 'he_normal', useBias: false }),
      { type: 'BatchNormalization' },
      { type: 'Activation', activation: 'elu' },
    ]),
  },
  {
    name: 'selu-lecun-standardized',
    kind: null,
    about: 'Three Dense 64 SELU with LeCun normal on standardized inputs',
    spec: spec(
      [1, 2, 3].map((i) => dense(`h${i}`, 64, { activation: 'selu', kernelInitializer: 'lecun_normal' })),
      {
        dataset: { builtin: 'fashion-mnist', split: 'train', limit: 600, seed: 1, standardize: true },
      },
    ),
  },
  {
    name: 'leaky-relu',
    kind: null,
    about: 'Dense 64 He + LeakyReLU(0.2)',
    spec: spec([dense('h1', 64, { kernelInitializer: 'he_normal' }), { type: 'LeakyReLU', alpha: 0.2 }]),
  },
  { name: 'prelu', kind: null, about: 'Dense 64 He + PReLU', spec: spec([dense('h1', 64, { kernelInitializer: 'he_normal' }), { type: 'PReLU' }]) },
  {
    name: 'clipped-sgd',
    kind: null,
    about: 'He/ReLU with SGD momentum 0.9 and clipNorm 1',
    spec: spec([heRelu('h1'), heRelu('h2')], {
      compile: { optimizer: { type: 'sgd', learningRate: 0.01, momentum: 0.9, clipNorm: 1 }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
    }),
  },
  {
    name: 'transfer-fine-tune',
    kind: null,
    about: 'A model trained on classes 0-4 reused (frozen, then fine-tuned at a 10x lower rate) for sandals vs shirts',
    spec: {
      dataset: { builtin: 'fashion-mnist', split: 'train', classes: [5, 6] },
      base: { modelId: 'task-a', dropLast: 1, freeze: true },
      model: { layers: [dense('head', 1, { activation: 'sigmoid' })] },
      compile: { optimizer: adam(0.003), loss: 'binary_crossentropy', metrics: ['accuracy'] },
      fit: { epochs: 3, batchSize: 16, seed: 7 },
      fineTune: { epochs: 2, optimizer: adam(0.0003) },
    },
    data: async (f) => {
      const taskA = spec([heRelu('a1'), heRelu('a2', 32)], { dataset: { builtin: 'fashion-mnist', split: 'train', classes: [0, 1, 2, 3, 4] } });
      taskA.model.layers[taskA.model.layers.length - 1] = dense('a_out', 5, { activation: 'softmax' });
      const base = await runTrainingJob({ spec: taskA, data: { train: applyView(f.train, taskA.dataset) }, hooks: { onEpoch: () => {} } });
      return { train: applyView(f.train, { classes: [5, 6] }), base: base.artifact };
    },
  },
  {
    name: 'glorot-relu-bn',
    kind: null,
    about: 'Four Dense 64 ReLU (Glorot) each followed by BatchNormalization, Adam: the normalization keeps the signal that Glorot alone would let fade',
    spec: spec(Array.from({ length: 4 }, (_, i) => [dense(`r${i + 1}`, 64, { activation: 'relu' }), { type: 'BatchNormalization' } as LayerSpec]).flat()),
  },
  {
    name: 'autoencoder',
    kind: null,
    about: 'A 784-64-784 autoencoder (He/ReLU coder, sigmoid decoder), mse',
    spec: {
      task: 'autoencoder',
      dataset: { builtin: 'fashion-mnist', split: 'train', limit: 600, seed: 1 },
      model: { layers: [flatten, heRelu('code'), dense('decoded', 784, { activation: 'sigmoid' }), { type: 'Reshape', targetShape: [28, 28] }] },
      compile: { optimizer: adam(0.003), loss: 'mse' },
      fit: { epochs: 4, batchSize: 32, seed: 7 },
    },
  },
];

const sigmoidStack = Array.from({ length: 8 }, (_, i) => dense(`s${i + 1}`, 32, { activation: 'sigmoid' }));
const linearStack = Array.from({ length: 10 }, (_, i) => dense(`l${i + 1}`, 50, { kernelInitializer: { type: 'VarianceScaling', scale: 20 } }));
const sgd = (learningRate: number) => ({
  compile: { optimizer: { type: 'sgd' as const, learningRate }, loss: 'sparse_categorical_crossentropy' as const, metrics: ['accuracy' as const] },
});

export const BROKEN: Recipe[] = [
  { name: 'deep-sigmoid', kind: 'vanishing_gradients', about: 'Eight Dense 32 sigmoid layers (Glorot), SGD 0.01', spec: spec(sigmoidStack, sgd(0.01)) },
  {
    name: 'mse-raw-pixels',
    kind: 'exploding_gradients',
    about: 'mse on a linear output over 0-255 pixels, SGD 1e-3 and no clipping',
    spec: {
      ...spec([heRelu('h1', 32)], { compile: { optimizer: { type: 'sgd', learningRate: 0.001 }, loss: 'mse' } }),
      model: { layers: [flatten, heRelu('h1', 32), dense('output', 10)] },
    },
    data: (f) => ({ train: rawPixels(applyView(f.train, { limit: 600, seed: 1 })) }),
  },
  {
    name: 'scale-20-linear',
    kind: 'exploding_activations',
    about: "Ten linear Dense 50 with VarianceScaling scale 20 (the issue's job), SGD 0.01",
    spec: spec(linearStack, sgd(0.01)),
  },
  {
    name: 'negative-bias-relu',
    kind: 'dead_units',
    about: 'Dense 64 ReLU whose biases start at -10',
    spec: spec([dense('h1', 64, { activation: 'relu', kernelInitializer: 'he_normal', biasInitializer: { type: 'Constant', value: -10 } })]),
  },
  {
    name: 'tanh-random-normal-1',
    kind: 'saturation',
    about: 'Dense 64 tanh initialized with RandomNormal(stddev 1)',
    spec: spec([
      dense('h1', 64, { activation: 'tanh', kernelInitializer: { type: 'RandomNormal', stddev: 1 } }),
      dense('h2', 64, { activation: 'tanh', kernelInitializer: { type: 'RandomNormal', stddev: 1 } }),
    ]),
  },
  { name: 'sgd-lr-10', kind: 'diverged', about: "SGD with learning rate 10 on 784-32-10 (the issue's job)", spec: spec([heRelu('h1', 32)], sgd(10)) },
  {
    name: 'adam-lr-0.05',
    kind: 'learning_rate_too_high',
    about: 'Adam at 0.05',
    spec: spec([heRelu('h1'), heRelu('h2')], { compile: { optimizer: adam(0.05), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] } }),
  },
  { name: 'sgd-lr-1e-5', kind: 'learning_rate_too_low', about: 'SGD at 1e-5', spec: spec([heRelu('h1'), heRelu('h2')], sgd(1e-5)) },
  {
    name: 'zero-init',
    kind: 'loss_not_decreasing',
    about: 'Dense 64-64 ReLU with every kernel initialized to zeros',
    spec: spec(
      [dense('h1', 64, { activation: 'relu', kernelInitializer: 'zeros' }), dense('h2', 64, { activation: 'relu', kernelInitializer: 'zeros' })],
      {},
      { epochs: 5 },
    ),
  },
  {
    name: 'big-net-small-data',
    kind: 'overfitting',
    about: 'Dense 256-256 with Adam 0.003 on 100 samples for 12 epochs, validated on 100 others',
    spec: spec(
      [heRelu('h1', 256), heRelu('h2', 256)],
      {
        dataset: { builtin: 'fashion-mnist', split: 'train', limit: 200, seed: 1 },
        validation: { split: 0.5 },
        compile: { optimizer: adam(0.003), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
      },
      { epochs: 12 },
    ),
    lossKey: 'val_loss',
  },
  {
    name: 'deep-relu-glorot',
    kind: 'poor_initialization',
    about: 'Six Dense 64 ReLU layers with the default Glorot init, SGD 0.01',
    spec: spec(
      Array.from({ length: 6 }, (_, i) => dense(`r${i + 1}`, 64, { activation: 'relu' })),
      sgd(0.01),
    ),
  },
  {
    name: 'chapter-sigmoid',
    kind: 'vanishing_gradients',
    about: "The chapter-11 study's sigmoid network: four Dense 64 sigmoid (Glorot), SGD 0.01; it stays at chance",
    spec: spec(
      Array.from({ length: 4 }, (_, i) => dense(`s${i + 1}`, 64, { activation: 'sigmoid' })),
      sgd(0.01),
    ),
  },
  {
    name: 'relu-glorot-placeholders',
    kind: 'poor_initialization',
    about: 'Four Dense 64 ReLU (Glorot), each followed by an identity Activation("linear") as a study\'s "no batch norm" slot, SGD 0.01',
    spec: spec(
      Array.from({ length: 4 }, (_, i) => [dense(`p${i + 1}`, 64, { activation: 'relu' }), { type: 'Activation', activation: 'linear' } as LayerSpec]).flat(),
      sgd(0.01),
    ),
  },
  {
    name: 'raw-pixels',
    kind: 'unscaled_inputs',
    about: '0-255 pixels (a raw upload) into He/ReLU with Adam',
    spec: spec([heRelu('h1'), heRelu('h2')]),
    data: (f) => ({ train: rawPixels(applyView(f.train, { limit: 600, seed: 1 })) }),
  },
  {
    name: 'skewed-labels',
    kind: 'class_imbalance',
    about: 'T-shirts vs trousers with 1 trouser for every 20 T-shirts, validated on the balanced test split',
    spec: spec([heRelu('h1')], { dataset: { builtin: 'fashion-mnist', split: 'train', classes: [0, 1] } }),
    data: (f) => {
      const two = applyView(f.train, { classes: [0, 1] });
      const keep = Array.from(two.labels!, (l, i) => (l === 0 || i % 20 === 0 ? i : -1)).filter((i) => i >= 0);
      const size = two.features.length / two.samples;
      const features = new Float32Array(keep.length * size);
      keep.forEach((s, j) => features.set(two.features.subarray(s * size, (s + 1) * size), j * size));
      return {
        train: { ...two, features, labels: Int32Array.from(keep, (s) => two.labels![s]), samples: keep.length },
        validation: applyView(f.test, { classes: [0, 1] }),
      };
    },
    lossKey: 'val_loss',
  },
];

export interface RecipeRun {
  warnings: TrainingWarning[];
  kinds: string[];
  finalLoss: number;
  status: string;
  error?: string;
}

/** Trains a recipe's spec (or a patched one) through the pure training module, as the worker does. */
export async function runRecipe(recipe: Recipe, fixture: Fixture, specOverride?: JobSpec): Promise<RecipeRun> {
  const s = specOverride ?? recipe.spec;
  const data = recipe.data ? await recipe.data(fixture) : { train: applyView(fixture.train, s.dataset) };
  let validation = data.validation;
  let train = data.train;
  if (!validation && s.validation?.split) ({ train, validation } = splitValidation(train, s.validation.split));
  const rows: Array<{ loss: number; val_loss: number | null }> = [];
  const warnings: TrainingWarning[] = [];
  try {
    const onValidation = recipe.lossKey === 'val_loss';
    const result = await runTrainingJob({
      spec: { ...s, validation: undefined, ...(onValidation ? { evaluate: { dataset: s.dataset } } : {}) },
      data: { train, validation, evaluate: onValidation ? validation : undefined },
      base: data.base,
      hooks: { onEpoch: (r) => void rows.push(r), onWarnings: (w) => void warnings.push(...w), onDiagnostics: (_, w) => void warnings.push(...w) },
    });
    const finalLoss = onValidation ? (result.evaluation?.loss ?? NaN) : rows[rows.length - 1].loss;
    return { warnings: result.warnings, kinds: unique(result.warnings), finalLoss, status: result.status };
  } catch (err) {
    return { warnings, kinds: unique(warnings), finalLoss: Infinity, status: 'failed', error: (err as Error).message };
  }
}

const unique = (warnings: TrainingWarning[]) => [...new Set(warnings.filter((w) => w.kind !== 'self_normalization').map((w) => w.kind))];

/** The recipe's spec with the fixes of its warnings of its own kind applied. */
export function fixedSpec(recipe: Recipe, run: RecipeRun): JobSpec {
  const own = run.warnings.filter((w) => w.kind === recipe.kind);
  return applySpecPatch(recipe.spec, fixesOf(own, true)) as JobSpec;
}
