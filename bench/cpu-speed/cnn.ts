/**
 * `npm run bench:cnn`: convolutional training speed on the CPU against PyTorch, in one run.
 *
 * The PyTorch reference (../shared/bench/torch_cnn.py, or TORCH_CNN_BENCH) runs first; then each
 * backend of BENCH_CNN_BACKENDS (default `wasm:1,wasm:2,cpu,webgpu`; `wasm:2` is the wasm backend
 * with two XNNPACK threads) trains the same network in a process of its own (cnn-train.ts), one
 * after the other so they do not compete. wasm trains on 4,096 samples like the reference; cpu and
 * webgpu, far slower, on BENCH_CNN_SLOW_SAMPLES (default 512), each within BENCH_CNN_CAP_S seconds
 * (default 300; a backend that runs out of time is reported as such). The table, and where a
 * profiled wasm epoch spent its time, are printed and written to BENCH_CNN_OUT (default
 * bench/cnn-results.md; `-`: not written).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { load1, table } from '../common.js';
import { CNN_BATCHES, type CnnRow, type CnnRun } from './cnn-model.js';
import { runTorchReference, TORCH_CNN_SCRIPT } from './torch.js';

const started = Date.now();
const log = (line: string) => console.error(`  [${((Date.now() - started) / 1000).toFixed(0)} s, load ${load1()}] ${line}`);
const CAP_S = Number(process.env.BENCH_CNN_CAP_S ?? 300);
const SLOW_SAMPLES = Number(process.env.BENCH_CNN_SLOW_SAMPLES ?? 512);
const TARGET = 0.25;

interface Column {
  label: string;
  run: CnnRun;
}

/** Runs cnn-train.ts for one backend; a run past the cap is killed and reported as skipped. */
function trainIn(backend: string, threads: number, samples: number): Promise<CnnRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/cpu-speed/cnn-train.ts', backend, String(threads), String(samples)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => void (stdout += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), CAP_S * 1000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').at(-1) ?? '';
      if (signal === 'SIGKILL') resolve({ skipped: `did not finish within ${CAP_S} s` });
      else if (code !== 0 || !line.startsWith('{')) resolve({ skipped: `exited with code ${code}` });
      else resolve(JSON.parse(line) as CnnRun);
    });
  });
}

const fmt = (n: number | undefined) => (n === undefined ? '-' : Math.round(n).toLocaleString('en-US'));
const rowOf = (run: CnnRun, batch: number): CnnRow | undefined => ('rows' in run ? run.rows.find((r) => r.batch === batch) : undefined);

/** "Conv2D 30% (48), ...": the largest kernels' share of a profiled epoch, and what ran outside kernels. */
function profileLine(row: CnnRow): string {
  if (!row.profile) return '-';
  const { kernels, epochMs } = row.profile;
  const inKernels = kernels.reduce((a, k) => a + k.ms, 0);
  const top = kernels.slice(0, 8).map((k) => `${k.kernel} ${((k.ms / epochMs) * 100).toFixed(0)}% (${k.calls})`);
  return `${top.join(', ')}; outside kernels ${(((epochMs - inKernels) / epochMs) * 100).toFixed(0)}%`;
}

const loads = [os.loadavg()[0]];
log(`PyTorch reference (${TORCH_CNN_SCRIPT})`);
const torch = runTorchReference(TORCH_CNN_SCRIPT);
loads.push(os.loadavg()[0]);
const columns: Column[] = [];
for (const entry of (process.env.BENCH_CNN_BACKENDS ?? 'wasm:1,wasm:2,cpu,webgpu').split(',')) {
  const [backend, threadsText = '1'] = entry.trim().split(':');
  const samples = backend === 'wasm' ? 4096 : SLOW_SAMPLES;
  log(`${entry}: ${samples} samples`);
  columns.push({ label: backend === 'wasm' ? `wasm, ${threadsText} thread(s)` : backend, run: await trainIn(backend, Number(threadsText), samples) });
  loads.push(os.loadavg()[0]);
}

const torchAt = (batch: number) => ('figures' in torch ? torch.figures.get(`cnn/${batch}`) : undefined);
const rows = CNN_BATCHES.map((batch) => [
  batch,
  fmt(torchAt(batch)),
  ...columns.flatMap(({ run }) => {
    const sps = rowOf(run, batch)?.samplesPerSecond;
    const ref = torchAt(batch);
    return [fmt(sps), sps === undefined || ref === undefined ? '-' : (sps / ref).toFixed(2), fmt(rowOf(run, batch)?.samplesPerCpuSecond)];
  }),
  String(TARGET),
]);
const backends = columns.map(({ label, run }) => `${label}: ${'rows' in run ? `${run.backend}, ${run.samples} samples` : run.skipped}`);
const lines = [
  '# Convolutional training speed on the CPU (`npm run bench:cnn`)',
  '',
  `Run ${new Date(started).toISOString().slice(0, 16).replace('T', ' ')} UTC. Conv2D 32 3x3 ReLU, MaxPooling2D 2, Conv2D 64 3x3 ReLU, MaxPooling2D 2, ` +
    `Flatten, Dense 128 ReLU, Dense 10 (225,034 parameters), SGD, random 28x28x1 images, the service's training loop; samples/s of the epoch after a warm-up. ` +
    `PyTorch + OpenBLAS (torch_cnn.py, 4,096 samples) in the same run. Backends: ${backends.join('; ')}. ` +
    `Load average (1 min) ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)} on ${os.cpus().length} cores; the whole run took ${((Date.now() - started) / 60_000).toFixed(1)} min.`,
  ...('error' in torch ? ['', `PyTorch reference skipped: ${torch.error}.`] : []),
  '',
  table(['batch', 'PyTorch + OpenBLAS', ...columns.flatMap(({ label }) => [label, 'ratio', 'per CPU-second']), 'target ratio'], rows),
  '',
  "Samples/s are wall-clock, as a job reports them. 'Per CPU-second' divides by the process's own CPU time instead (one thread: what a quiet machine's wall clock would give, roughly); PyTorch uses two threads, so its CPU time is not comparable.",
  '',
  'Where a profiled epoch spent its time (share of the epoch, calls):',
  '',
  ...columns.flatMap(({ label, run }) =>
    'rows' in run ? run.rows.filter((r) => r.profile).map((r) => `- ${label}, batch ${r.batch}: ${profileLine(r)}`) : [],
  ),
];
console.log(lines.join('\n'));
const out = process.env.BENCH_CNN_OUT ?? 'bench/cnn-results.md';
if (out !== '-') {
  writeFileSync(out, lines.join('\n') + '\n');
  console.error(`written to ${out}`);
}
