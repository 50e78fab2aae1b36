/**
 * The chapter's transfer-learning case with a small convolutional base beside the dense one:
 * task A (Fashion-MNIST without sandals and shirts, 8 classes), then task B (sandal vs shirt on
 * 200 images) from scratch and on A, for several seeds. Runs in this process through the same
 * training code the worker runs (`runTrainingJob`), without the service, so it needs no database.
 *
 *   DATASETS_DIR=/path/to/datasets npx tsx scripts/transfer-cnn.ts
 *
 * Options (environment): TFJS_BACKEND=wasm (the service's convolution gradient kernels make it the
 * fastest CPU backend), A_LIMIT=5000, A_EPOCHS=5, A_SEED=42, B_SEEDS=1,2,3,4,5, B_LIMIT=200, ARCHS=dense,cnn,
 * EVAL_LIMIT (default: all 2,000 test sandals and shirts; A's on the 8,000 test images of its classes).
 * Prints one line per job and a Markdown table.
 */
import { loadBuiltin } from '../src/data/builtin.js';
import { applyView } from '../src/data/view.js';
import type { Dataset } from '../src/data/types.js';
import type { JobSpec, LayerSpec } from '../src/schemas/job-spec.js';
import { SMALL_CNN_BODY } from '../src/schemas/recipe-layers.js';
import type { ModelArtifact } from '../src/core/run-types.js';
import { initBackend, type BackendPreference } from '../src/training/backend/backend.js';
import { runTrainingJob } from '../src/training/loop/run-training.js';

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const DATASETS_DIR = env('DATASETS_DIR', './data/datasets');
const BACKEND = env('TFJS_BACKEND', 'wasm') as BackendPreference;
const A_LIMIT = Number(env('A_LIMIT', '5000'));
const A_EPOCHS = Number(env('A_EPOCHS', '5'));
const A_SEED = Number(env('A_SEED', '42'));
const B_LIMIT = Number(env('B_LIMIT', '200'));
const B_SEEDS = env('B_SEEDS', '1,2,3,4,5').split(',').map(Number);
const ARCHS = env('ARCHS', 'dense,cnn').split(',') as Array<'dense' | 'cnn'>;
const EVAL_LIMIT = process.env.EVAL_LIMIT ? Number(process.env.EVAL_LIMIT) : undefined;

const A_CLASSES = [0, 1, 2, 3, 4, 7, 8, 9];
const B_CLASSES = [5, 6];

/** The bodies (everything but the output layer) of task A's two networks. */
const BODIES: Record<'dense' | 'cnn', LayerSpec[]> = {
  // The book's: 5 x Dense(100, selu, lecun_normal).
  dense: [
    { type: 'Flatten', inputShape: [28, 28] },
    ...Array.from({ length: 5 }, () => ({ type: 'Dense', units: 100, activation: 'selu', kernelInitializer: 'lecun_normal' }) as LayerSpec),
  ],
  // A small CNN, the one the dashboard's "CNN base (task A)" recipe trains.
  cnn: SMALL_CNN_BODY,
};

const view = (ds: Dataset, classes: number[], limit: number | undefined, seed: number) => applyView(ds, { classes, limit, seed });

async function job(spec: JobSpec, train: Dataset, evaluate: Dataset, base?: ModelArtifact) {
  const started = Date.now();
  const result = await runTrainingJob({ spec, data: { train, evaluate }, base, hooks: { onEpoch: () => {} } });
  return { accuracy: result.evaluation?.accuracy ?? NaN, artifact: result.artifact, seconds: (Date.now() - started) / 1000 };
}

const common = (seed: number, epochs: number, batchSize: number) => ({
  dataset: { builtin: 'fashion-mnist' as const },
  fit: { epochs, batchSize, seed },
  diagnostics: { enabled: false },
});

async function main(): Promise<void> {
  console.log(`backend ${await initBackend(BACKEND)}`);
  const train = await loadBuiltin('fashion-mnist', 'train', { datasetsDir: DATASETS_DIR });
  const test = await loadBuiltin('fashion-mnist', 'test', { datasetsDir: DATASETS_DIR });
  const rows: string[] = [];
  for (const arch of ARCHS) {
    const body = BODIES[arch];
    const a = await job(
      {
        ...common(A_SEED, A_EPOCHS, 32),
        model: { layers: [...body, { type: 'Dense', units: 8, activation: 'softmax' }] },
        compile: { optimizer: { type: 'adam', learningRate: 0.001 }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
      },
      view(train, A_CLASSES, A_LIMIT, A_SEED),
      view(test, A_CLASSES, EVAL_LIMIT && EVAL_LIMIT * 4, 1),
    );
    console.log(`${arch} A: test accuracy ${(a.accuracy * 100).toFixed(2)} % (${a.seconds.toFixed(0)} s)`);
    const evaluate = view(test, B_CLASSES, EVAL_LIMIT, 1);
    const compileB = { optimizer: { type: 'adam' as const, learningRate: 0.003 }, loss: 'binary_crossentropy' as const, metrics: ['accuracy' as const] };
    for (const seed of B_SEEDS) {
      const trainB = view(train, B_CLASSES, B_LIMIT, seed + 1);
      const scratch = await job(
        { ...common(seed, 20, 16), model: { layers: [...body, { type: 'Dense', units: 1, activation: 'sigmoid' }] }, compile: compileB },
        trainB,
        evaluate,
      );
      const onA = await job(
        {
          ...common(seed, 4, 16),
          base: { modelId: 'a', dropLast: 1, freeze: true },
          model: { layers: [{ type: 'Dense', name: 'output_b', units: 1, activation: 'sigmoid' }] },
          compile: compileB,
          fineTune: { epochs: 16, optimizer: { type: 'adam', learningRate: 0.0003 } },
        },
        trainB,
        evaluate,
        a.artifact,
      );
      const errors = (acc: number) => Math.round((1 - acc) * evaluate.samples);
      const row = `| ${arch} | ${seed} | ${(scratch.accuracy * 100).toFixed(2)} % (${errors(scratch.accuracy)}) | ${(onA.accuracy * 100).toFixed(2)} % (${errors(onA.accuracy)}) |`;
      console.log(`${row} ${scratch.seconds.toFixed(0)} s + ${onA.seconds.toFixed(0)} s`);
      rows.push(row);
    }
  }
  console.log(`\n| base | B seed | B from scratch (errors) | B on A (errors) |\n| --- | ---: | ---: | ---: |\n${rows.join('\n')}`);
}

await main();
