/**
 * `npm run bench`: the service's training benchmarks, printed and written to bench/results.md.
 *
 *   (a) diagnostics overhead: the same job with `diagnostics: { enabled: false }` and with the
 *       default diagnostics, on the wasm backend, repeated (alternating order), medians compared;
 *   (b) training throughput (samples/s) on each backend that loads (tensorflow, wasm, cpu);
 *   (c) the wall time of the foundation issue's "done" job (Fashion-MNIST, 2,000 samples,
 *       3 epochs, 784-300-100-10) through `runTrainingJob`;
 *   (d) memory: 100 small jobs in a row in one process (what a worker's training process runs),
 *       tf.memory().numTensors and RSS after each;
 *   (e) CPU training speed against PyTorch, before and after the wasm training kernels, with a
 *       kernel profile (bench/cpu-speed/).
 *   (f)-(i) the service (bench/service.ts; need DATABASE_URL, and REDIS_URL for Redis): API
 *       throughput as a share of a Fastify hello-world, queue pickup, worker overhead, 1 vs 2 workers.
 *
 * Environment: DATASETS_DIR (default ./data/datasets, downloaded there when missing),
 * BENCH_REPEATS (pairs of runs for (a), default 9), BENCH_OUT (default bench/results.md; empty
 * to skip writing), BENCH_ONLY (e.g. `a,c` to run some parts; the sections of the parts not run
 * are kept from the existing file).
 */
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobSpec } from '../src/schemas/job-spec.js';
import { RELU_HE_MLP } from '../src/schemas/recipe-layers.js';
import { describeBackend, initBackend, type BackendPreference } from '../src/training/backend/backend.js';
import { benchCpuSpeed } from './cpu-speed/index.js';
import { serviceBenchmarks } from './service-report.js';
import { DATASETS_DIR, load1, loadRef, machine, median, sec, table, timeJob, type TimedRun } from './common.js';

const REPEATS = Math.max(1, Number(process.env.BENCH_REPEATS ?? 9));
const here = path.dirname(fileURLToPath(import.meta.url));
const OUT = process.env.BENCH_OUT ?? path.join(here, 'results.md');
const ONLY = new Set((process.env.BENCH_ONLY ?? 'a,b,c,d,e,f,g,h,i').split(',').map((s) => s.trim()));

/** The job of (a) and (b): 784-300-100-10 relu he_normal, adam, 2,000 samples, batch 32. */
function overheadJob(epochs: number, diagnostics: boolean | 'default'): JobSpec {
  return {
    name: 'bench-diagnostics',
    dataset: { builtin: 'fashion-mnist', split: 'train', limit: 2000, seed: 42 },
    model: { layers: RELU_HE_MLP },
    compile: { optimizer: { type: 'adam' }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
    fit: { epochs, batchSize: 32, seed: 42 },
    // The default is no `diagnostics` key at all, as a user's spec would have it.
    ...(diagnostics === 'default' ? {} : { diagnostics: { enabled: diagnostics } }),
  };
}

/** The foundation issue's "done" job, as it is posted with curl. */
const DONE_JOB: JobSpec = {
  name: 'done-criterion',
  dataset: { builtin: 'fashion-mnist', split: 'train', limit: 2000, seed: 42 },
  validation: { split: 0.1 },
  evaluate: { dataset: { builtin: 'fashion-mnist', split: 'test', limit: 1000, seed: 1 } },
  model: { layers: RELU_HE_MLP },
  compile: { optimizer: { type: 'sgd', learningRate: 0.01, momentum: 0.9 }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
  fit: { epochs: 3, batchSize: 32, seed: 42 },
};

const out: string[] = [];
const say = (line = '') => {
  console.log(line);
  out.push(line);
};

async function useBackend(b: BackendPreference): Promise<string | null> {
  try {
    await initBackend(b);
    return await describeBackend();
  } catch {
    return null;
  }
}

async function benchOverhead(): Promise<void> {
  const backend = await useBackend('wasm');
  say('## (a) Diagnostics overhead');
  say();
  if (!backend) {
    say('The wasm backend could not be initialised here; skipped.');
    say();
    return;
  }
  // Warm-up: the first job on a backend compiles kernels and allocates; not counted.
  await timeJob(overheadJob(1, false));
  const off: TimedRun[] = [];
  const on: TimedRun[] = [];
  const loads: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    // Alternate which goes first so drift in the machine's load hits both alike.
    const order: Array<'off' | 'on'> = i % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
    for (const which of order) {
      const run = await timeJob(overheadJob(3, which === 'off' ? false : 'default'));
      (which === 'off' ? off : on).push(run);
      loads.push(os.loadavg()[0]);
      console.error(`  (a) run ${i + 1}/${REPEATS} diagnostics ${which}: ${sec(run.trainMs)} s wall, ${sec(run.trainCpuMs)} s CPU (load ${load1()})`);
    }
  }
  const stats = (runs: TimedRun[]) => ({
    wall: median(runs.map((r) => r.trainMs)),
    cpu: median(runs.map((r) => r.trainCpuMs)),
    fit: median(runs.map((r) => r.fitMs)),
    probe: median(runs.map((r) => r.probeMs)),
  });
  const a = stats(off);
  const b = stats(on);
  const pct = (x: number, base: number) => `${(((x - base) / base) * 100).toFixed(1)}%`;
  const probeShare = median(on.map((r) => r.probeMs / r.fitMs));
  say(
    `Job: 784-300-100-10 relu he_normal, adam, Fashion-MNIST 2,000 training samples (no validation), batch 32, 3 epochs, ` +
      `backend ${backend}; ${REPEATS} runs of each, alternating which goes first, after one warm-up run; medians. ` +
      "Training time = from the `runTrainingJob` call until the last epoch's hooks returned: model building, 3 epochs of `fit`, " +
      'and with diagnostics the probe set-up and the 3 per-epoch probe passes (the final serialization, the same for both, is left out). ' +
      "CPU time is this process's user + system time over the same span: the wasm backend computes on the main thread, so it is " +
      'less disturbed than wall time by other work on the shared machine.',
  );
  say();
  say(
    table(
      ['diagnostics', 'training wall time, median (s)', 'runs (s)', 'CPU time, median (s)', 'probe passes, median (s)', 'final train accuracy'],
      [
        ['`{ enabled: false }`', sec(a.wall), off.map((r) => sec(r.trainMs)).join(', '), sec(a.cpu), '-', off[0].epochs.at(-1)?.accuracy?.toFixed(3) ?? '-'],
        [
          'default (probe of 100 samples)',
          sec(b.wall),
          on.map((r) => sec(r.trainMs)).join(', '),
          sec(b.cpu),
          sec(b.probe),
          on[0].epochs.at(-1)?.accuracy?.toFixed(3) ?? '-',
        ],
      ],
    ),
  );
  say();
  say(
    `**Overhead (target at most 10%): ${pct(b.cpu, a.cpu)} in CPU time, ${pct(b.wall, a.wall)} in wall time** (median with diagnostics vs median without). ` +
      `Measured inside the runs with diagnostics, the probe passes took ${(probeShare * 100).toFixed(1)}% of the \`fit\` time (median). ` +
      `Wall-time overhead per pair: ${off.map((r, i) => pct(on[i].trainMs, r.trainMs)).join(', ')}; ` +
      `load average during (a) ${loads.map((l) => l.toFixed(1)).join(', ')}. ` +
      'On a 3-second job on a shared machine the per-pair spread is several points either way, so the end-to-end medians move ' +
      "from run to run; the probe passes' share of `fit`, measured within each run, is the steadier figure.",
  );
  say();
}

async function benchThroughput(): Promise<void> {
  say('## (b) Training throughput per backend');
  say();
  say("Same model and data as (a), diagnostics off, batch 32; samples/s = 2,000 / the epoch's `fit` time (median over the epochs after a warm-up run).");
  say();
  const rows: Array<Array<string | number>> = [];
  const plan: Array<[BackendPreference, number]> = [
    ['tensorflow', 3],
    ['wasm', 3],
    ['cpu', 2],
  ];
  for (const [b, epochs] of plan) {
    const backend = await useBackend(b);
    if (!backend) {
      rows.push([b, 'not available here', '-', '-']);
      continue;
    }
    await timeJob(overheadJob(1, false));
    const run = await timeJob(overheadJob(epochs, false));
    const epochMs = median(run.epochs.map((e) => e.durationMs));
    console.error(`  (b) ${backend}: ${run.epochs.map((e) => sec(e.durationMs)).join(', ')} s per epoch (load ${load1()})`);
    rows.push([backend, Math.round(2000 / (epochMs / 1000)).toLocaleString('en-US'), sec(epochMs), String(epochs)]);
  }
  say(table(['backend', 'samples/s', 'epoch (s)', 'epochs timed'], rows));
  say();
}

async function benchDoneJob(): Promise<void> {
  const backend = await useBackend('auto');
  say('## (c) The foundation "done" job');
  say();
  const run = await timeJob(DONE_JOB);
  const last = run.epochs.at(-1);
  say(
    'Fashion-MNIST train, `limit: 2000` (1,800 train + 10% validation), 784-300-100-10 relu he_normal, sgd lr 0.01 momentum 0.9, ' +
      `3 epochs, batch 32, default diagnostics, evaluation on 1,000 test samples; backend \`auto\` -> ${backend} (the service's default).`,
  );
  say();
  say(
    table(
      ['runTrainingJob wall time (s)', 'of which fit (s)', 'val_accuracy (epoch 3)', 'test accuracy (1,000 samples)'],
      [[sec(run.wallMs), sec(run.fitMs), last?.val_accuracy?.toFixed(3) ?? '-', run.result.evaluation?.accuracy?.toFixed(3) ?? '-']],
    ),
  );
  say(
    `Loading the data is not part of that time: reading and decoding the full IDX files (60,000 train + 10,000 test images) ` +
      `took ${sec(loadMs)} s once at the start of this bench; the worker keeps decoded datasets in its cache.`,
  );
  say();
}

async function benchMemory(): Promise<void> {
  await useBackend('auto');
  const tf = await import('@tensorflow/tfjs');
  const { runTrainingJob } = await import('../src/training/loop/run-training.js');
  const jobs = Number(process.env.BENCH_MEMORY_JOBS ?? 100);
  const data = { train: await loadRef({ builtin: 'fashion-mnist', split: 'train', limit: 256, seed: 1 }) };
  const spec: JobSpec = { ...overheadJob(1, 'default'), dataset: { builtin: 'fashion-mnist', limit: 256, seed: 1 }, validation: { split: 0.25 } };
  const tensors: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < jobs; i++) {
    await runTrainingJob({ spec: { ...spec, fit: { ...spec.fit, seed: i } }, data, hooks: { onEpoch: () => {} } });
    tensors.push(tf.memory().numTensors);
    rss.push(process.memoryUsage().rss / 2 ** 20);
  }
  say('## (d) Memory over many jobs');
  say();
  say(`${jobs} jobs in a row in one process (784-300-100-10, 256 samples, 1 epoch, diagnostics on, backend ${await describeBackend()}).`);
  say();
  say(
    table(
      ['numTensors after job 1', `after job ${jobs}`, 'RSS after job 1 (MB)', `after job ${jobs} (MB)`, `growth jobs 1-${jobs} (MB)`],
      [[tensors[0], tensors[jobs - 1], rss[0].toFixed(0), rss[jobs - 1].toFixed(0), (rss[jobs - 1] - rss[0]).toFixed(1)]],
    ),
  );
  say();
}

/**
 * The new results, with the sections of the parts not run this time (`## (x)` headings) taken from
 * the previous file, in part order, so `BENCH_ONLY=e` does not erase (a)-(d).
 */
function keepSectionsNotRun(previous: string, fresh: string): string {
  const sections = (text: string) => new Map([...text.matchAll(/^## \((\w)\)[^]*?(?=^## \(|^Total bench time|(?![^]))/gm)].map((m) => [m[1], m[0]]));
  const old = sections(previous);
  const now = sections(fresh);
  const parts = [...new Set([...old.keys(), ...now.keys()])].sort();
  const head = fresh.slice(0, fresh.search(/^## \(/m) === -1 ? fresh.length : fresh.search(/^## \(/m));
  const tail = fresh.match(/^Total bench time.*$/m)?.[0] ?? '';
  // When each kept section was run: the previous file's own note says which it kept and from
  // when; the rest are from its run.
  const lastRun = previous.match(/^Run (\S+ \S+ UTC)/m)?.[1] ?? 'an earlier run';
  const keptBefore = [...previous.matchAll(/Sections ((?:\(\w\)(?:, )?)+) are from the run of (\S+ \S+ UTC), kept as they were\./g)];
  const runOf = (p: string) => keptBefore.find((m) => m[1].includes(`(${p})`))?.[2] ?? lastRun;
  const byRun = new Map<string, string[]>();
  for (const p of parts.filter((x) => !now.has(x))) byRun.set(runOf(p), [...(byRun.get(runOf(p)) ?? []), `(${p})`]);
  const note =
    byRun.size > 0 ? `${[...byRun].map(([when, ps]) => `Sections ${ps.join(', ')} are from the run of ${when}, kept as they were.`).join(' ')}\n\n` : '';
  // Hand-written sections after the total (e.g. issue 9's responsiveness results) stay too.
  const after = previous.match(/^Total bench time.*\n([^]*)$/m)?.[1]?.trim() ?? '';
  return head + note + parts.map((p) => now.get(p) ?? old.get(p)).join('') + tail + '\n' + (after ? `\n${after}\n` : '');
}

const started = new Date();
// Decode the full files once up front (the worker caches them too), so no part times it.
const loadStart = performance.now();
await loadRef({ builtin: 'fashion-mnist', split: 'train' });
await loadRef({ builtin: 'fashion-mnist', split: 'test' });
const loadMs = performance.now() - loadStart;
say('# Benchmarks');
say();
say(
  `Run ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC with \`npm run bench\` on ${machine()}; load average at start ${load1()} (the machine is shared, so timings carry noise).`,
);
say(`Data: ${DATASETS_DIR === path.resolve('./data/datasets') ? '`./data/datasets`' : '`DATASETS_DIR`'} (the original Fashion-MNIST files).`);
say();
if (ONLY.has('a')) await benchOverhead();
if (ONLY.has('b')) await benchThroughput();
if (ONLY.has('c')) await benchDoneJob();
if (ONLY.has('d')) await benchMemory();
if (ONLY.has('e')) await benchCpuSpeed(say);
if (['f', 'g', 'h', 'i'].some((p) => ONLY.has(p))) await serviceBenchmarks(ONLY, say);
say(`Total bench time: ${sec(Date.now() - started.getTime())} s.`);

if (OUT) {
  await writeFile(OUT, keepSectionsNotRun(await readFile(OUT, 'utf8').catch(() => ''), out.join('\n') + '\n'));
  console.error(`written to ${OUT}`);
}
// Done: a connection some part left open (the pickup part's queue clients) must not keep the
// process, and so a one-command re-run, from ending.
process.exit(0);
