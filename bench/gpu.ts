/**
 * `npm run bench:gpu`: training speed on every backend this machine has, in one run.
 *
 * Rows: the chapter's 784-300-100-10 ReLU network at batch 32 and 256, its BatchNormalization +
 * ELU network at batch 256, and the largest network the service accepts by default (about 9.6
 * million parameters, under MAX_PARAMS' 10 million: 784-2000-2000-2000-10) at batch 256. Each
 * backend runs in a child process of its own (a process holds one backend), trained the way the
 * worker trains a job (`runTrainingJob`, diagnostics off, SGD) on random 28x28 images:
 * samples/s = samples / the second epoch's `fit` time; "first epoch" = from the child's start
 * (loading tfjs and the backend, Dawn's device included) to the end of the first epoch of its
 * first job, shader compilation included. A backend that cannot load here is listed as such.
 * Environment: BENCH_GPU_SAMPLES (per epoch, default 2048; the large network and the cpu backend
 * take a quarter of it), BENCH_GPU_BACKENDS (default tensorflow,webgpu,wasm,cpu).
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { JobSpec } from '../src/schemas/job-spec.js';
import { SPEED_MODELS, speedJob, type SpeedModel } from './cpu-speed/models.js';

const started = performance.now();
const SAMPLES = Number(process.env.BENCH_GPU_SAMPLES ?? 2048);
const BACKENDS = (process.env.BENCH_GPU_BACKENDS ?? 'tensorflow,webgpu,wasm,cpu').split(',');

const LARGEST: SpeedModel = {
  id: 'dense_relu',
  label: '784-2000-2000-2000-10 ReLU (9.6 M parameters)',
  layers: [
    { type: 'Flatten', inputShape: [28, 28] },
    ...[0, 1, 2].map(() => ({ type: 'Dense' as const, units: 2000, activation: 'relu' as const, kernelInitializer: 'he_normal' as const })),
    { type: 'Dense', units: 10, activation: 'softmax' },
  ],
};
const [MLP, BN_ELU] = SPEED_MODELS;
const ROWS = [
  { model: MLP, batch: 32, large: false },
  { model: MLP, batch: 256, large: false },
  { model: BN_ELU, batch: 256, large: false },
  { model: LARGEST, batch: 256, large: true },
];

interface ChildReport {
  backend: string;
  detail?: string;
  error?: string;
  firstEpochMs?: number;
  rows: Array<{ label: string; batch: number; samples: number; samplesPerSecond: number }>;
}

async function child(preference: string): Promise<ChildReport> {
  const { describeBackend, initBackend } = await import('../src/training/backend/backend.js');
  const { runTrainingJob } = await import('../src/training/loop/run-training.js');
  const { randomImages } = await import('./cpu-speed/measure.js');
  try {
    await initBackend(preference as 'cpu');
  } catch (err) {
    return { backend: preference, error: (err as Error).message, rows: [] };
  }
  const report: ChildReport = { backend: preference, detail: await describeBackend(), rows: [] };
  for (const row of ROWS) {
    const samples = row.large || preference === 'cpu' ? Math.max(row.batch, SAMPLES / 4) : SAMPLES;
    const durations: number[] = [];
    const spec: JobSpec = speedJob(row.model, row.batch, 2);
    await runTrainingJob({
      spec,
      data: { train: randomImages(samples) },
      hooks: {
        onEpoch: (r) => {
          durations.push(r.durationMs);
          report.firstEpochMs ??= performance.now() - started;
        },
      },
    });
    report.rows.push({ label: row.model.label, batch: row.batch, samples, samplesPerSecond: samples / (durations[1] / 1000) });
  }
  return report;
}

function parent(): void {
  const self = fileURLToPath(import.meta.url);
  const reports: ChildReport[] = BACKENDS.map((backend) => {
    console.error(`training on ${backend}...`);
    try {
      const out = execFileSync(process.execPath, ['--import', 'tsx', self, '--child', backend], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      return JSON.parse(out.trim().split('\n').pop()!) as ChildReport;
    } catch (err) {
      return { backend, error: `the child process failed: ${(err as Error).message.split('\n')[0]}`, rows: [] };
    }
  });
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const ran = reports.filter((r) => !r.error);
  console.log(`${os.cpus().length} x ${os.cpus()[0]?.model ?? 'CPU'}, Node ${process.version}, load average ${os.loadavg()[0].toFixed(1)} at the end\n`);
  console.log(`| samples/s | ${ran.map((r) => r.detail).join(' | ')} |`);
  console.log(`| --- | ${ran.map(() => '---').join(' | ')} |`);
  ROWS.forEach((row, i) =>
    console.log(
      `| ${row.model.label}, batch ${row.batch} | ${ran.map((r) => `${fmt(r.rows[i].samplesPerSecond)} (${r.rows[i].samples} samples)`).join(' | ')} |`,
    ),
  );
  console.log(`| time to first epoch (s) | ${ran.map((r) => ((r.firstEpochMs ?? NaN) / 1000).toFixed(1)).join(' | ')} |`);
  for (const r of reports.filter((r) => r.error)) console.log(`\n${r.backend}: not available here (${r.error})`);
}

const at = process.argv.indexOf('--child');
if (at >= 0) {
  const report = await child(process.argv[at + 1]);
  process.stdout.write(`\n${JSON.stringify(report)}\n`);
  process.exit(0);
} else {
  parent();
}
