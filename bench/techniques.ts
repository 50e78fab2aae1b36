/**
 * Measures each technique of docs/techniques.md on Fashion-MNIST through `runTrainingJob`, as
 * the worker runs a job, and prints a markdown table.
 *
 *   DATASETS_DIR=/work/shared/data npx tsx bench/techniques.ts [group...]
 *
 * Groups: init, activations, bn, clipping, optimizers, schedules, early, diagnostics (default: all;
 * run a few at a time on a small machine). Every recipe trains on 5,000 training images (limit 5000,
 * seed 42) for 5 epochs, batch 32, fit.seed 42, and validates on 2,000 test images the model never
 * trains on. Results are merged into bench/techniques-results.json (by recipe id) and the full
 * table is rewritten to bench/techniques-results.md. `--specs` prints each recipe's job spec instead.
 * Environment: TECH_SAMPLES, TECH_EPOCHS override the sample count and epochs; TFJS_BACKEND (default wasm).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobSpec, LayerSpec } from '../src/schemas/job-spec.js';
import { BN_ELU_MLP } from '../src/schemas/recipe-layers.js';
import { describeBackend, initBackend, type BackendPreference } from '../src/training/backend/backend.js';
import { TrainingDivergedError } from '../src/training/loop/train.js';
import type { EpochMetrics } from '../src/core/run-types.js';
import { load1, machine, sec, table, timeJob } from './common.js';

const SAMPLES = Number(process.env.TECH_SAMPLES ?? 5000);
const EPOCHS = Number(process.env.TECH_EPOCHS ?? 5);
const here = path.dirname(fileURLToPath(import.meta.url));
const JSON_OUT = path.join(here, 'techniques-results.json');
const MD_OUT = path.join(here, 'techniques-results.md');

type Optimizer = JobSpec['compile']['optimizer'];

const FLATTEN: LayerSpec = { type: 'Flatten', inputShape: [28, 28] };
const SOFTMAX: LayerSpec = { type: 'Dense', units: 10, activation: 'softmax' };
const SGD_M: Optimizer = { type: 'sgd', learningRate: 0.01, momentum: 0.9 };
/** Steps per epoch at batch 32. */
const STEPS = Math.ceil(SAMPLES / 32);

/** Flatten, Dense 300, Dense 100 (each with `hidden`'s options), softmax 10. */
function mlp(hidden: Partial<Record<string, unknown>>, after: LayerSpec[] = []): LayerSpec[] {
  return [FLATTEN, { type: 'Dense', units: 300, ...hidden } as LayerSpec, ...after, { type: 'Dense', units: 100, ...hidden } as LayerSpec, ...after, SOFTMAX];
}

function deep(activation: 'sigmoid' | 'selu', kernelInitializer: 'glorot_uniform' | 'lecun_normal'): LayerSpec[] {
  return [FLATTEN, ...Array.from({ length: 20 }, (): LayerSpec => ({ type: 'Dense', units: 32, activation, kernelInitializer })), SOFTMAX];
}

interface Recipe {
  id: string;
  group: string;
  label: string;
  layers: LayerSpec[];
  optimizer?: Optimizer;
  standardize?: boolean;
  epochs?: number;
  earlyStopping?: NonNullable<JobSpec['fit']['earlyStopping']>;
}

const HE_RELU = { activation: 'relu', kernelInitializer: 'he_normal' };

const RECIPES: Recipe[] = [
  // Initializers (relu, SGD momentum 0.9)
  { id: 'init-glorot', group: 'init', label: 'relu + glorot_uniform (the default)', layers: mlp({ activation: 'relu' }) },
  { id: 'init-he', group: 'init', label: 'relu + he_normal', layers: mlp(HE_RELU) },
  {
    id: 'init-vs',
    group: 'init',
    label: 'relu + VarianceScaling(scale 2, fan_avg, uniform)',
    layers: mlp({ activation: 'relu', kernelInitializer: { type: 'VarianceScaling', scale: 2, mode: 'fan_avg', distribution: 'uniform' } }),
  },
  // Activations (he_normal, SGD momentum 0.9)
  {
    id: 'act-leaky',
    group: 'activations',
    label: 'LeakyReLU(alpha 0.2) layer',
    layers: mlp({ kernelInitializer: 'he_normal' }, [{ type: 'LeakyReLU', alpha: 0.2 }]),
  },
  { id: 'act-prelu', group: 'activations', label: 'PReLU layer', layers: mlp({ kernelInitializer: 'he_normal' }, [{ type: 'PReLU' }]) },
  { id: 'act-rrelu', group: 'activations', label: 'RReLU(1/8, 1/3) layer', layers: mlp({ kernelInitializer: 'he_normal' }, [{ type: 'RReLU' }]) },
  { id: 'act-elu', group: 'activations', label: 'elu', layers: mlp({ activation: 'elu', kernelInitializer: 'he_normal' }) },
  {
    id: 'act-selu',
    group: 'activations',
    label: 'selu + lecun_normal, standardize: true',
    layers: mlp({ activation: 'selu', kernelInitializer: 'lecun_normal' }),
    standardize: true,
  },
  {
    id: 'act-selu-ad',
    group: 'activations',
    label: 'selu + lecun_normal + AlphaDropout(0.1), standardize',
    layers: mlp({ activation: 'selu', kernelInitializer: 'lecun_normal' }, [{ type: 'AlphaDropout', rate: 0.1 }]),
    standardize: true,
  },
  // Batch normalization
  {
    id: 'bn-after',
    group: 'bn',
    label: "BN after the activation (the book's model)",
    layers: [
      FLATTEN,
      { type: 'BatchNormalization' },
      { type: 'Dense', units: 300, activation: 'elu', kernelInitializer: 'he_normal' },
      { type: 'BatchNormalization' },
      { type: 'Dense', units: 100, activation: 'elu', kernelInitializer: 'he_normal' },
      { type: 'BatchNormalization' },
      SOFTMAX,
    ],
  },
  {
    id: 'bn-before',
    group: 'bn',
    label: 'BN before the activation, useBias: false',
    layers: BN_ELU_MLP,
  },
  // Gradient clipping (relu he_normal, SGD momentum 0.9)
  { id: 'clip-value', group: 'clipping', label: 'clipValue 1.0', layers: mlp(HE_RELU), optimizer: { ...SGD_M, clipValue: 1 } },
  { id: 'clip-norm', group: 'clipping', label: 'clipNorm 1.0 (per tensor)', layers: mlp(HE_RELU), optimizer: { ...SGD_M, clipNorm: 1 } },
  { id: 'clip-global', group: 'clipping', label: 'globalClipNorm 1.0', layers: mlp(HE_RELU), optimizer: { ...SGD_M, globalClipNorm: 1 } },
  // Optimizers (relu he_normal), Keras default learning rates unless given
  { id: 'opt-sgd', group: 'optimizers', label: 'sgd (lr 0.01)', layers: mlp(HE_RELU), optimizer: { type: 'sgd' } },
  { id: 'opt-momentum', group: 'optimizers', label: 'sgd lr 0.01, momentum 0.9', layers: mlp(HE_RELU), optimizer: SGD_M },
  { id: 'opt-nesterov', group: 'optimizers', label: 'sgd lr 0.01, momentum 0.9, nesterov', layers: mlp(HE_RELU), optimizer: { ...SGD_M, nesterov: true } },
  { id: 'opt-adagrad', group: 'optimizers', label: 'adagrad (lr 0.001)', layers: mlp(HE_RELU), optimizer: { type: 'adagrad' } },
  { id: 'opt-rmsprop', group: 'optimizers', label: 'rmsprop (lr 0.001, rho 0.9)', layers: mlp(HE_RELU), optimizer: { type: 'rmsprop' } },
  { id: 'opt-adam', group: 'optimizers', label: 'adam (lr 0.001)', layers: mlp(HE_RELU), optimizer: { type: 'adam' } },
  { id: 'opt-adamax', group: 'optimizers', label: 'adamax (lr 0.001)', layers: mlp(HE_RELU), optimizer: { type: 'adamax' } },
  { id: 'opt-adadelta', group: 'optimizers', label: 'adadelta (lr 0.001)', layers: mlp(HE_RELU), optimizer: { type: 'adadelta' } },
  // Learning-rate schedules (relu he_normal, SGD momentum 0.9)
  {
    id: 'sched-exp',
    group: 'schedules',
    label: `exponential_decay: 0.01 * 0.1^(step / ${EPOCHS * STEPS})`,
    layers: mlp(HE_RELU),
    optimizer: { ...SGD_M, schedule: { type: 'exponential_decay', decaySteps: EPOCHS * STEPS, decayRate: 0.1 } },
  },
  {
    id: 'sched-piecewise',
    group: 'schedules',
    label: `piecewise_constant: 0.01 / 0.005 / 0.001 at steps ${2 * STEPS}, ${4 * STEPS}`,
    layers: mlp(HE_RELU),
    optimizer: { ...SGD_M, schedule: { type: 'piecewise_constant', boundaries: [2 * STEPS, 4 * STEPS], values: [0.01, 0.005, 0.001] } },
  },
  // Early stopping (relu he_normal, adam)
  {
    id: 'early',
    group: 'early',
    label: 'adam, up to 20 epochs, earlyStopping val_loss patience 2, restoreBestWeights',
    layers: mlp(HE_RELU),
    optimizer: { type: 'adam' },
    epochs: 20,
    earlyStopping: { monitor: 'val_loss', patience: 2, restoreBestWeights: true },
  },
  // Diagnostics on deep nets (20 hidden layers of 32 units)
  { id: 'diag-sigmoid', group: 'diagnostics', label: '20 x Dense(32, sigmoid), glorot_uniform', layers: deep('sigmoid', 'glorot_uniform') },
  { id: 'diag-selu', group: 'diagnostics', label: '20 x Dense(32, selu), lecun_normal, standardize', layers: deep('selu', 'lecun_normal'), standardize: true },
  {
    id: 'diag-lr',
    group: 'diagnostics',
    label: 'relu he_normal, sgd lr 0.5 momentum 0.9 (too high)',
    layers: mlp(HE_RELU),
    optimizer: { type: 'sgd', learningRate: 0.5, momentum: 0.9 },
  },
  {
    id: 'diag-lr-clip',
    group: 'diagnostics',
    label: 'the same with globalClipNorm 1.0',
    layers: mlp(HE_RELU),
    optimizer: { type: 'sgd', learningRate: 0.5, momentum: 0.9, globalClipNorm: 1 },
  },
];

export function recipeSpec(r: Recipe): JobSpec {
  return {
    name: r.id,
    dataset: { builtin: 'fashion-mnist', split: 'train', limit: SAMPLES, seed: 42, ...(r.standardize ? { standardize: true } : {}) },
    validation: { dataset: { builtin: 'fashion-mnist', split: 'test', limit: 2000, seed: 1 } },
    model: { layers: r.layers },
    compile: { optimizer: r.optimizer ?? SGD_M, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
    fit: { epochs: r.epochs ?? EPOCHS, batchSize: 32, seed: 42, ...(r.earlyStopping ? { earlyStopping: r.earlyStopping } : {}) },
  };
}

interface Row {
  id: string;
  group: string;
  label: string;
  samples: number;
  epochs: number;
  valAccuracy: number | null;
  bestValAccuracy: number | null;
  accuracy: number | null;
  seconds: number;
  warnings: string[];
  outcome: string;
  /** Per epoch: [val_loss, val_accuracy]. */
  history: Array<[number | null, number | null]>;
  backend: string;
  at: string;
}

/** "early-stopped after N epochs", with the epoch whose weights were restored. */
function earlyOutcome(epochs: EpochMetrics[], spec: JobSpec): string {
  const es = spec.fit.earlyStopping;
  const monitor = es?.monitor ?? 'val_loss';
  const sign = monitor.endsWith('accuracy') ? -1 : 1;
  let best = epochs[0];
  for (const e of epochs) if (sign * ((e[monitor] as number) - (best[monitor] as number)) < 0) best = e;
  const restored = es?.restoreBestWeights
    ? `, weights of epoch ${best.epoch} restored (${monitor} ${(best[monitor] as number).toFixed(3)}, val_accuracy ${fmt(best.val_accuracy)})`
    : '';
  return `early-stopped after ${epochs.length} epochs${restored}`;
}

const fmt = (v: number | null) => (v == null ? '-' : v.toFixed(3));

function render(rows: Row[], backend: string): string {
  const order = new Map(RECIPES.map((r, i) => [r.id, i]));
  const sorted = [...rows].sort((a, b) => (order.get(a.id) ?? 99) - (order.get(b.id) ?? 99));
  return [
    `Fashion-MNIST: ${SAMPLES.toLocaleString('en-US')} training images (limit ${SAMPLES}, seed 42), validation on 2,000 test images; ` +
      `batch 32, fit.seed 42, ${EPOCHS} epochs unless said; backend ${backend}; ${machine()}.`,
    '',
    table(
      ['group', 'recipe', 'val_accuracy (last epoch)', 'best val_accuracy', 'train accuracy', 'epochs', 'time (s)', 'warnings / outcome'],
      sorted.map((r) => [
        r.group,
        r.label,
        fmt(r.valAccuracy),
        fmt(r.bestValAccuracy),
        fmt(r.accuracy),
        r.epochs,
        r.seconds.toFixed(1),
        [r.outcome === 'succeeded' ? '' : r.outcome, ...r.warnings].filter(Boolean).join('; ') || '-',
      ]),
    ),
  ].join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const groups = new Set(args.filter((a) => !a.startsWith('--')));
  const chosen = RECIPES.filter((r) => groups.size === 0 || groups.has(r.group) || groups.has(r.id));
  if (args.includes('--specs')) {
    for (const r of chosen) console.log(`// ${r.id}: ${r.label}\n${JSON.stringify(recipeSpec(r), null, 2)}`);
    return;
  }
  await initBackend((process.env.TFJS_BACKEND as BackendPreference | undefined) ?? 'wasm');
  const backend = await describeBackend();
  let saved: Row[] = [];
  try {
    saved = JSON.parse(await readFile(JSON_OUT, 'utf8')) as Row[];
  } catch {
    // First run.
  }
  const fresh: Row[] = [];
  for (const r of chosen) {
    const spec = recipeSpec(r);
    const base = { id: r.id, group: r.group, label: r.label, samples: SAMPLES, backend, at: new Date().toISOString() };
    const started = performance.now();
    try {
      const run = await timeJob(spec);
      const vals = run.epochs.map((e) => e.val_accuracy).filter((v): v is number => v != null);
      const last = run.epochs.at(-1);
      const kinds = run.result.warnings.map((w) => `${w.kind}${w.layer ? ` (${w.layer})` : ''}${w.epoch != null ? ` @${w.epoch}` : ''}`);
      fresh.push({
        ...base,
        epochs: run.result.epochsRun,
        valAccuracy: last?.val_accuracy ?? null,
        bestValAccuracy: vals.length ? Math.max(...vals) : null,
        accuracy: last?.accuracy ?? null,
        seconds: run.wallMs / 1000,
        warnings: kinds,
        history: run.epochs.map((e) => [e.val_loss, e.val_accuracy]),
        outcome: run.result.epochsRun < (spec.fit.epochs ?? 0) ? earlyOutcome(run.epochs, spec) : 'succeeded',
      });
    } catch (err) {
      if (!(err instanceof TrainingDivergedError)) throw err;
      fresh.push({
        ...base,
        epochs: err.epoch,
        valAccuracy: null,
        bestValAccuracy: null,
        accuracy: null,
        seconds: (performance.now() - started) / 1000,
        warnings: [],
        history: [],
        outcome: `failed: loss ${err.loss} at epoch ${err.epoch}, batch ${err.batch}`,
      });
    }
    const row = fresh.at(-1)!;
    console.error(
      `  ${r.id}: val_accuracy ${fmt(row.valAccuracy)} in ${sec(row.seconds * 1000)} s (load ${load1()}) ${row.outcome} ${row.warnings.join('; ')}`,
    );
    // Saved after every recipe, so a run cut short keeps what it measured.
    const merged = [...saved.filter((s) => !fresh.some((f) => f.id === s.id)), ...fresh];
    await writeFile(JSON_OUT, JSON.stringify(merged, null, 2) + '\n');
    await writeFile(
      MD_OUT,
      `# Technique results\n\nWritten by \`bench/techniques.ts\`; the numbers quoted in docs/techniques.md.\n\n${render(merged, backend)}\n`,
    );
  }
  console.log(render(fresh, backend));
}

await main();
