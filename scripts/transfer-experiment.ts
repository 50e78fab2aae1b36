/**
 * The transfer-learning acceptance experiment (Géron, "Hands-On Machine Learning", ch. 11),
 * run entirely over the HTTP API of a running service.
 *
 *   Task A: Fashion-MNIST without sandals (5) and shirts (6): 8 classes, a deep SELU net.
 *   Task B: sandal vs shirt with only 200 training samples.
 *   B from scratch vs B on A (all of A but its output layer, frozen for 4 epochs, then
 *   16 epochs of fine-tuning at a 10x lower learning rate), both with a Dense(1, sigmoid) head,
 *   both evaluated on every sandal and shirt of the test split (2,000 images).
 *
 * The structure above is fixed; what can vary is how A is trained and how B is optimized.
 * One invocation trains one task A (or reuses it, see A_CACHE) and then runs every B setup of
 * B_CONFIGS for every seed of B_SEEDS, each as a pair of jobs: B from scratch and B on A.
 *
 * Usage (against a service whose DATASETS_DIR holds the real Fashion-MNIST):
 *
 *   TRAINING_URL=http://127.0.0.1:3300 A_LIMIT=20000 B_CONFIGS=adam:0.001:16 B_SEEDS=42,7,123 \
 *     npx tsx scripts/transfer-experiment.ts
 *
 * Options (environment):
 *   A_LIMIT=10000      task A training samples (drawn with A_SEED), 10% of them for validation
 *   A_EPOCHS=5         task A epochs (batch A_BATCH=32)
 *   A_SEED=42          task A's sample, initialization and shuffling seed
 *   A_ARCH=selu        selu: Flatten -> 5 x Dense(100, selu, lecun_normal) -> Dense(8, softmax)
 *                      (the book's); bn: Flatten -> 5 x [Dense(100, he_normal, no bias) ->
 *                      BatchNormalization -> elu] -> Dense(8, softmax)
 *   A_OPT=momentum:0.01  task A's optimizer, `type:learningRate` (see B_CONFIGS for the types)
 *   STANDARDIZE=0      1: `standardize: true` on A's and B's datasets (each job fits its own
 *                      statistics on its own training data: B on A does NOT reuse A's)
 *   B_CONFIGS=sgd:0.001:32  comma-separated B setups `optimizer:learningRate:batchSize`;
 *                      optimizer is sgd (plain), momentum (SGD, momentum 0.9) or adam. The same
 *                      optimizer and rate train B from scratch (20 epochs) and B on A's frozen
 *                      phase (4 epochs); B on A's fine-tuning (16 epochs) uses the same type at a
 *                      tenth of the rate.
 *   B_SEEDS=42         B seeds: seed s initializes and shuffles both B jobs and draws B's
 *                      B_LIMIT=200 training samples with seed s + 1
 *   A_CACHE=file.json  remember task A's model per A setup in this file, so a later invocation
 *                      with the same A setup reuses it instead of retraining it
 *   LABEL=name         a label for this invocation's rows; OUT=file.json appends the results there
 *
 * Prints a line per job and a Markdown table of every run; the legacy variables SEEDS (A and B
 * seed alike) and B_LRS (plain SGD, batch 32) still work when B_SEEDS / B_CONFIGS are unset.
 */
import fs from 'node:fs/promises';

const BASE_URL = (process.env.TRAINING_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
const list = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const LEGACY_SEEDS = process.env.SEEDS ? list(process.env.SEEDS).map(Number) : undefined;
const A_LIMIT = Number(process.env.A_LIMIT ?? 10_000);
const A_EPOCHS = Number(process.env.A_EPOCHS ?? 5);
const A_BATCH = Number(process.env.A_BATCH ?? 32);
const A_SEED = Number(process.env.A_SEED ?? LEGACY_SEEDS?.[0] ?? 42);
const A_ARCH = (process.env.A_ARCH ?? 'selu') as 'selu' | 'bn';
const A_OPT = process.env.A_OPT ?? 'momentum:0.01';
const STANDARDIZE = process.env.STANDARDIZE === '1' || process.env.STANDARDIZE === 'true';
const B_LIMIT = Number(process.env.B_LIMIT ?? 200);
const B_SEEDS = list(process.env.B_SEEDS ?? (LEGACY_SEEDS ?? [42]).join(',')).map(Number);
const B_CONFIGS = list(
  process.env.B_CONFIGS ??
    list(process.env.B_LRS ?? process.env.B_LR ?? '0.001')
      .map((lr) => `sgd:${lr}:32`)
      .join(','),
).map(parseBConfig);
const LABEL = process.env.LABEL ?? '';

const A_CLASSES = [0, 1, 2, 3, 4, 7, 8, 9];
const B_CLASSES = [5, 6];

if (A_ARCH !== 'selu' && A_ARCH !== 'bn') throw new Error(`A_ARCH must be selu or bn, not ${A_ARCH}`);
if (LEGACY_SEEDS && LEGACY_SEEDS.length > 1 && !process.env.A_SEED) {
  console.warn('note: SEEDS with several seeds now trains one task A (seed A_SEED, default the first seed) for all of them');
}

type Json = Record<string, any>;
type OptimizerType = 'sgd' | 'momentum' | 'adam';

interface BConfig {
  optimizer: OptimizerType;
  learningRate: number;
  batchSize: number;
}

function parseOptimizer(type: string, learningRate: number): Json {
  if (!(learningRate > 0)) throw new Error(`bad learning rate ${learningRate}`);
  if (type === 'sgd') return { type: 'sgd', learningRate };
  if (type === 'momentum') return { type: 'sgd', learningRate, momentum: 0.9 };
  if (type === 'adam') return { type: 'adam', learningRate };
  throw new Error(`optimizer must be sgd, momentum or adam, not ${type}`);
}

function parseBConfig(text: string): BConfig {
  const [optimizer, lr, batch] = text.split(':');
  const config = { optimizer: optimizer as OptimizerType, learningRate: Number(lr), batchSize: Number(batch ?? 32) };
  parseOptimizer(config.optimizer, config.learningRate);
  if (!Number.isInteger(config.batchSize) || config.batchSize < 1) throw new Error(`bad batch size in ${text}`);
  return config;
}

/** A tenth of a learning rate, without float noise (0.003 / 10 is 0.00030000000000000003). */
const tenth = (lr: number) => Number((lr / 10).toPrecision(6));
const describeB = (c: BConfig) => `${c.optimizer} ${c.learningRate}/${tenth(c.learningRate)}, batch ${c.batchSize}`;

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
  const { id } = await api('POST', '/jobs', spec);
  let job: Json;
  for (;;) {
    job = await api('GET', `/jobs/${id}`);
    if (['succeeded', 'failed', 'cancelled'].includes(job.status)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  if (job.status !== 'succeeded') throw new Error(`${label} (job ${id}) ended ${job.status}: ${job.error}`);
  // Time spent running (startedAt..finishedAt), not waiting in the queue or for the poll.
  const seconds = (Date.parse(job.finishedAt) - Date.parse(job.startedAt)) / 1000;
  const { epochs } = await api('GET', `/jobs/${id}/metrics`);
  const acc = job.evaluation?.accuracy;
  console.log(`  ${label.padEnd(34)} job ${id}  ${seconds.toFixed(1)} s  test accuracy ${acc?.toFixed(4)}  (model ${job.modelId})`);
  return { job, epochs, seconds };
}

/** A's 5 hidden blocks (named, so B on A's lineage lists them). */
function hiddenLayers(arch: 'selu' | 'bn', named: boolean): Json[] {
  const name = (base: string, i: number) => (named ? { name: `${base}${i + 1}` } : {});
  if (arch === 'selu') {
    return Array.from({ length: 5 }, (_, i) => ({
      type: 'Dense',
      ...name('hidden', i),
      units: 100,
      activation: 'selu',
      kernelInitializer: 'lecun_normal',
    }));
  }
  return Array.from({ length: 5 }, (_, i) => [
    { type: 'Dense', ...name('hidden', i), units: 100, kernelInitializer: 'he_normal', useBias: false },
    { type: 'BatchNormalization', ...name('bn', i) },
    { type: 'Activation', ...name('elu', i), activation: 'elu' },
  ]).flat();
}

/** Task A's spec; everything in it but `name` identifies the A setup (the A_CACHE key). */
function taskA(): Json {
  const [type, lr] = A_OPT.split(':');
  return {
    name: `transfer-A-${A_ARCH}-${A_LIMIT}x${A_EPOCHS}-seed${A_SEED}`,
    modelName: 'fashion-a',
    dataset: { builtin: 'fashion-mnist', split: 'train', classes: A_CLASSES, limit: A_LIMIT, seed: A_SEED, ...(STANDARDIZE ? { standardize: true } : {}) },
    validation: { split: 0.1 },
    evaluate: { dataset: { builtin: 'fashion-mnist', split: 'test', classes: A_CLASSES } },
    model: {
      layers: [
        { type: 'Flatten', name: 'flatten', inputShape: [28, 28] },
        ...hiddenLayers(A_ARCH, true),
        { type: 'Dense', name: 'output_a', units: 8, activation: 'softmax' },
      ],
    },
    compile: { optimizer: parseOptimizer(type, Number(lr)), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
    fit: { epochs: A_EPOCHS, batchSize: A_BATCH, seed: A_SEED },
  };
}

/** B from scratch (no `base`) or B on A: same data, loss, head, optimizer family and 20 epochs in all. */
function taskB(seed: number, config: BConfig, base?: string): Json {
  const optimizer = parseOptimizer(config.optimizer, config.learningRate);
  const tag = `${config.optimizer}${config.learningRate}-b${config.batchSize}-seed${seed}`;
  const common = {
    dataset: { builtin: 'fashion-mnist', split: 'train', classes: B_CLASSES, limit: B_LIMIT, seed: seed + 1, ...(STANDARDIZE ? { standardize: true } : {}) },
    evaluate: { dataset: { builtin: 'fashion-mnist', split: 'test', classes: B_CLASSES } },
    compile: { optimizer, loss: 'binary_crossentropy', metrics: ['accuracy'] },
  };
  if (!base) {
    return {
      name: `transfer-B-scratch-${tag}`,
      ...common,
      model: { layers: [{ type: 'Flatten', inputShape: [28, 28] }, ...hiddenLayers(A_ARCH, false), { type: 'Dense', units: 1, activation: 'sigmoid' }] },
      fit: { epochs: 20, batchSize: config.batchSize, seed },
    };
  }
  return {
    name: `transfer-B-on-A-${tag}`,
    ...common,
    base: { modelId: base, dropLast: 1, freeze: true },
    model: { layers: [{ type: 'Dense', name: 'output_b', units: 1, activation: 'sigmoid' }] },
    fit: { epochs: 4, batchSize: config.batchSize, seed },
    fineTune: { epochs: 16, optimizer: { ...optimizer, learningRate: tenth(config.learningRate) } },
  };
}

interface ASetup {
  modelId: string;
  jobId: string;
  valAccuracy: number;
  testAccuracy: number;
  seconds: number;
  reused: boolean;
}

/** Trains task A, or finds it in A_CACHE (checking that the model still exists on the service). */
async function getTaskA(): Promise<ASetup> {
  const spec = taskA();
  const { name: _name, ...identity } = spec;
  const key = JSON.stringify(identity);
  const cacheFile = process.env.A_CACHE;
  let cache: Record<string, Omit<ASetup, 'reused'>> = {};
  if (cacheFile) cache = JSON.parse(await fs.readFile(cacheFile, 'utf8').catch(() => '{}'));
  const hit = cache[key];
  if (hit) {
    try {
      await api('GET', `/models/${hit.modelId}`);
      console.log(
        `  A (reused from ${cacheFile})`.padEnd(36) +
          ` job ${hit.jobId}  ${hit.seconds.toFixed(1)} s  test accuracy ${hit.testAccuracy.toFixed(4)}  (model ${hit.modelId})`,
      );
      return { ...hit, reused: true };
    } catch {
      console.log(`  cached A model ${hit.modelId} is gone; retraining`);
    }
  }
  const a = await runJob('A', spec);
  const result = {
    modelId: a.job.modelId as string,
    jobId: a.job.id as string,
    valAccuracy: a.epochs[a.epochs.length - 1].val_accuracy as number,
    testAccuracy: a.job.evaluation.accuracy as number,
    seconds: a.seconds,
  };
  if (cacheFile) {
    cache = JSON.parse(await fs.readFile(cacheFile, 'utf8').catch(() => '{}'));
    cache[key] = result;
    await fs.writeFile(cacheFile, `${JSON.stringify(cache, null, 2)}\n`);
  }
  return { ...result, reused: false };
}

interface RunResult {
  label: string;
  a: {
    arch: string;
    limit: number;
    epochs: number;
    seed: number;
    optimizer: string;
    standardize: boolean;
    modelId: string;
    valAccuracy: number;
    testAccuracy: number;
    seconds: number;
  };
  b: BConfig & { seed: number; sampleSeed: number };
  bScratchAccuracy: number;
  bOnAAccuracy: number;
  /** B on A's training accuracy after the 4 frozen epochs and after all 20. */
  bOnATrainAccuracy: { frozen: number; final: number };
  bScratchTrainAccuracy: number;
  errorRatio: number;
  seconds: { bScratch: number; bOnA: number };
  jobs: { bScratch: string; bOnA: string };
}

const pct = (v: number) => `${(100 * v).toFixed(2)} %`;
const ratio = (scratch: number, onA: number) => (1 - scratch) / Math.max(1e-9, 1 - onA);
const ratioText = (r: number) => (r >= 1e8 ? '∞ (no error)' : `${r.toFixed(2)}x`);

async function main(): Promise<void> {
  const health = await api('GET', '/health');
  console.log(
    `service ${BASE_URL}: backend ${health.backendDetail ?? health.backend}; A: ${A_ARCH}, ${A_LIMIT} samples, ${A_EPOCHS} epochs, ${A_OPT}, seed ${A_SEED}` +
      `${STANDARDIZE ? ', standardized' : ''}; B: ${B_LIMIT} samples, seeds ${B_SEEDS.join(', ')}; ${B_CONFIGS.map(describeB).join('; ')}`,
  );
  const a = await getTaskA();
  const results: RunResult[] = [];
  for (const config of B_CONFIGS) {
    console.log(`B: ${describeB(config)}`);
    for (const seed of B_SEEDS) {
      const scratch = await runJob(`B scratch seed ${seed}`, taskB(seed, config));
      const onA = await runJob(`B on A seed ${seed}`, taskB(seed, config, a.modelId));
      const phases = onA.epochs.map((e) => e.phase[0]).join('');
      if (phases !== 'tttt' + 'f'.repeat(16)) throw new Error(`B on A ran phases ${phases}, expected 4 train + 16 fine_tune`);
      const bScratchAccuracy = scratch.job.evaluation.accuracy as number;
      const bOnAAccuracy = onA.job.evaluation.accuracy as number;
      results.push({
        label: LABEL,
        a: {
          arch: A_ARCH,
          limit: A_LIMIT,
          epochs: A_EPOCHS,
          seed: A_SEED,
          optimizer: A_OPT,
          standardize: STANDARDIZE,
          modelId: a.modelId,
          valAccuracy: a.valAccuracy,
          testAccuracy: a.testAccuracy,
          seconds: a.seconds,
        },
        b: { ...config, seed, sampleSeed: seed + 1 },
        bScratchAccuracy,
        bOnAAccuracy,
        bOnATrainAccuracy: { frozen: onA.epochs[3].accuracy, final: onA.epochs[onA.epochs.length - 1].accuracy },
        bScratchTrainAccuracy: scratch.epochs[scratch.epochs.length - 1].accuracy,
        errorRatio: ratio(bScratchAccuracy, bOnAAccuracy),
        seconds: { bScratch: scratch.seconds, bOnA: onA.seconds },
        jobs: { bScratch: scratch.job.id, bOnA: onA.job.id },
      });
    }
  }

  console.log(
    `\nA: ${A_ARCH}, ${A_LIMIT} samples x ${A_EPOCHS} epochs, ${A_OPT}; val acc ${pct(a.valAccuracy)}, test acc ${pct(a.testAccuracy)}, ${a.seconds.toFixed(0)} s${a.reused ? ' (reused)' : ''}`,
  );
  console.log(
    '\n| B optimizer (lr / fine-tune lr) | batch | seed | B scratch acc (errors) | B on A acc (errors) | error ratio | B on A train acc after frozen / final | wall time (scratch + on A) |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const errors = (acc: number) => Math.round((1 - acc) * 2000);
  for (const config of B_CONFIGS) {
    const rows = results.filter((r) => r.b.optimizer === config.optimizer && r.b.learningRate === config.learningRate && r.b.batchSize === config.batchSize);
    for (const r of rows) {
      console.log(
        `| ${r.b.optimizer} ${r.b.learningRate} / ${tenth(r.b.learningRate)} | ${r.b.batchSize} | ${r.b.seed} | ${pct(r.bScratchAccuracy)} (${errors(r.bScratchAccuracy)}) | ${pct(r.bOnAAccuracy)} (${errors(r.bOnAAccuracy)}) | ${ratioText(r.errorRatio)} | ${pct(r.bOnATrainAccuracy.frozen)} / ${pct(r.bOnATrainAccuracy.final)} | ${r.seconds.bScratch.toFixed(1)} + ${r.seconds.bOnA.toFixed(1)} s |`,
      );
    }
    const mean = (f: (r: RunResult) => number) => rows.reduce((s, r) => s + f(r), 0) / rows.length;
    const ms = mean((r) => r.bScratchAccuracy);
    const mo = mean((r) => r.bOnAAccuracy);
    console.log(`| **mean** | | | **${pct(ms)}** | **${pct(mo)}** | **${ratioText(ratio(ms, mo))}** | | |`);
  }
  if (process.env.OUT) {
    const previous = JSON.parse(await fs.readFile(process.env.OUT, 'utf8').catch(() => '{"runs":[]}'));
    previous.runs.push(...results);
    await fs.writeFile(process.env.OUT, `${JSON.stringify(previous, null, 2)}\n`);
  }
}

await main();
