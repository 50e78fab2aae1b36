/**
 * The transfer-learning acceptance experiment (Géron, "Hands-On Machine Learning", ch. 11),
 * run entirely over the HTTP API of a running service.
 *
 *   Task A: Fashion-MNIST without sandals (5) and shirts (6): 8 classes, a deep SELU net.
 *   Task B: sandal vs shirt with only 200 training samples.
 *   B from scratch vs B on A (all of A but its output layer, frozen for 4 epochs, then
 *   16 epochs of fine-tuning at a 10x lower learning rate), both with a Dense(1, sigmoid) head,
 *   both evaluated on every sandal and shirt of the test split.
 *
 * Usage (against a service whose DATASETS_DIR holds the real Fashion-MNIST):
 *
 *   TRAINING_URL=http://127.0.0.1:3300 npx tsx scripts/transfer-experiment.ts
 *
 * Options (environment): SEEDS=42,7 (one run per seed: A's sample, init and shuffling seed;
 * B's 200 samples use seed+1), A_LIMIT=10000 (task A training samples), A_EPOCHS=5,
 * B_LIMIT=200, B_LRS=0.001,0.01 (B's learning rates, each tried on the same A: plain SGD, the
 * same rate for B from scratch and for B on A's frozen phase; fine-tuning uses a tenth of it).
 * Prints a line per job and a summary table; with OUT=file.json also writes the results there.
 */
import fs from 'node:fs/promises';

const BASE_URL = (process.env.TRAINING_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
const SEEDS = (process.env.SEEDS ?? '42').split(',').map((s) => Number(s.trim()));
const A_LIMIT = Number(process.env.A_LIMIT ?? 10_000);
const A_EPOCHS = Number(process.env.A_EPOCHS ?? 5);
const B_LIMIT = Number(process.env.B_LIMIT ?? 200);
/** B's learning rates to try (each gives a B-scratch and a B-on-A job on the same A). */
const B_LRS = (process.env.B_LRS ?? process.env.B_LR ?? '0.001').split(',').map((s) => Number(s.trim()));

const A_CLASSES = [0, 1, 2, 3, 4, 7, 8, 9];
const B_CLASSES = [5, 6];

type Json = Record<string, any>;

async function api(method: string, path: string, body?: unknown): Promise<Json> {
  const res = await fetch(`${BASE_URL}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as Json;
}

/** Submits a job, waits for it to end and returns the job with its metrics. */
async function runJob(label: string, spec: Json): Promise<{ job: Json; epochs: Json[]; seconds: number }> {
  const started = Date.now();
  const { id } = await api('POST', '/jobs', spec);
  let job: Json;
  for (;;) {
    job = await api('GET', `/jobs/${id}`);
    if (['succeeded', 'failed', 'cancelled'].includes(job.status)) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const seconds = (Date.now() - started) / 1000;
  if (job.status !== 'succeeded') throw new Error(`${label} (job ${id}) ended ${job.status}: ${job.error}`);
  const { epochs } = await api('GET', `/jobs/${id}/metrics`);
  const acc = job.evaluation?.accuracy;
  console.log(`  ${label.padEnd(18)} job ${id}  ${seconds.toFixed(0)} s  test accuracy ${acc?.toFixed(4)}  (model ${job.modelId})`);
  return { job, epochs, seconds };
}

function taskA(seed: number): Json {
  const hidden = Array.from({ length: 5 }, (_, i) => ({
    type: 'Dense',
    name: `hidden${i + 1}`,
    units: 100,
    activation: 'selu',
    kernelInitializer: 'lecun_normal',
  }));
  return {
    name: `transfer-A-seed${seed}`,
    modelName: 'fashion-a',
    dataset: { builtin: 'fashion-mnist', split: 'train', classes: A_CLASSES, limit: A_LIMIT, seed },
    validation: { split: 0.1 },
    evaluate: { dataset: { builtin: 'fashion-mnist', split: 'test', classes: A_CLASSES } },
    model: {
      layers: [{ type: 'Flatten', name: 'flatten', inputShape: [28, 28] }, ...hidden, { type: 'Dense', name: 'output_a', units: 8, activation: 'softmax' }],
    },
    compile: { optimizer: { type: 'sgd', learningRate: 0.01, momentum: 0.9 }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
    fit: { epochs: A_EPOCHS, batchSize: 32, seed },
  };
}

function taskB(seed: number, lr: number, base?: string): Json {
  const common = {
    dataset: { builtin: 'fashion-mnist', split: 'train', classes: B_CLASSES, limit: B_LIMIT, seed: seed + 1 },
    evaluate: { dataset: { builtin: 'fashion-mnist', split: 'test', classes: B_CLASSES } },
    compile: { optimizer: { type: 'sgd', learningRate: lr }, loss: 'binary_crossentropy', metrics: ['accuracy'] },
  };
  if (!base) {
    const hidden = Array.from({ length: 5 }, () => ({ type: 'Dense', units: 100, activation: 'selu', kernelInitializer: 'lecun_normal' }));
    return {
      name: `transfer-B-scratch-seed${seed}-lr${lr}`,
      ...common,
      model: { layers: [{ type: 'Flatten', inputShape: [28, 28] }, ...hidden, { type: 'Dense', units: 1, activation: 'sigmoid' }] },
      fit: { epochs: 20, batchSize: 32, seed },
    };
  }
  return {
    name: `transfer-B-on-A-seed${seed}-lr${lr}`,
    ...common,
    base: { modelId: base, dropLast: 1, freeze: true },
    model: { layers: [{ type: 'Dense', name: 'output_b', units: 1, activation: 'sigmoid' }] },
    fit: { epochs: 4, batchSize: 32, seed },
    fineTune: { epochs: 16, optimizer: { type: 'sgd', learningRate: lr / 10 } },
  };
}

interface RunResult {
  seed: number;
  bLearningRate: number;
  aValAccuracy: number;
  aTestAccuracy: number;
  bScratchAccuracy: number;
  bOnAAccuracy: number;
  bScratchError: number;
  bOnAError: number;
  errorRatio: number;
  seconds: { a: number; bScratch: number; bOnA: number; total: number };
}

async function main(): Promise<void> {
  const health = await api('GET', '/health');
  console.log(`service ${BASE_URL}: backend ${health.backend}; seeds ${SEEDS.join(', ')}; A: ${A_LIMIT} samples, ${A_EPOCHS} epochs; B: ${B_LIMIT} samples, lr ${B_LRS.join(', ')}`);
  const results: RunResult[] = [];
  for (const seed of SEEDS) {
    console.log(`seed ${seed}`);
    const a = await runJob('A', taskA(seed));
    for (const lr of B_LRS) {
      const t0 = Date.now();
      const scratch = await runJob(`B scratch lr ${lr}`, taskB(seed, lr));
      const onA = await runJob(`B on A lr ${lr}`, taskB(seed, lr, a.job.modelId));
      const model = await api('GET', `/models/${onA.job.modelId}`);
      console.log(`  B on A reuses ${model.lineage.reusedLayers.join(', ')} of ${model.lineage.baseModelId}; phases ${onA.epochs.map((e) => e.phase[0]).join('')}`);
      const bScratchAccuracy = scratch.job.evaluation.accuracy as number;
      const bOnAAccuracy = onA.job.evaluation.accuracy as number;
      results.push({
        seed,
        bLearningRate: lr,
        aValAccuracy: a.epochs[a.epochs.length - 1].val_accuracy,
        aTestAccuracy: a.job.evaluation.accuracy,
        bScratchAccuracy,
        bOnAAccuracy,
        bScratchError: 1 - bScratchAccuracy,
        bOnAError: 1 - bOnAAccuracy,
        errorRatio: (1 - bScratchAccuracy) / Math.max(1e-9, 1 - bOnAAccuracy),
        seconds: { a: a.seconds, bScratch: scratch.seconds, bOnA: onA.seconds, total: a.seconds + (Date.now() - t0) / 1000 },
      });
    }
  }
  console.log('\n| seed | B lr | A val acc | A test acc | B scratch acc (err) | B on A acc (err) | error ratio | wall time |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const pct = (v: number) => `${(100 * v).toFixed(2)} %`;
  for (const r of results) {
    console.log(
      `| ${r.seed} | ${r.bLearningRate} | ${pct(r.aValAccuracy)} | ${pct(r.aTestAccuracy)} | ${pct(r.bScratchAccuracy)} (${pct(r.bScratchError)}) | ${pct(r.bOnAAccuracy)} (${pct(r.bOnAError)}) | ${r.errorRatio.toFixed(2)}x | ${r.seconds.total.toFixed(0)} s (A ${r.seconds.a.toFixed(0)}, B ${r.seconds.bScratch.toFixed(0)} + ${r.seconds.bOnA.toFixed(0)}) |`,
    );
  }
  if (process.env.OUT) await fs.writeFile(process.env.OUT, `${JSON.stringify({ config: { A_LIMIT, A_EPOCHS, B_LIMIT, B_LRS }, results }, null, 2)}\n`);
}

await main();
