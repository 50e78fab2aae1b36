/**
 * Part (e) of `npm run bench`: CPU training speed against PyTorch, the table of issue 15.
 *
 * For each network and batch size: samples/s with tfjs's stock wasm kernels ("before") and with
 * the service's training kernels ("after", src/training/wasm-kernels), both through
 * `runTrainingJob`, and the PyTorch reference, all in one run, BENCH_SPEED_REPEATS times
 * (alternating before/after), medians. Then a kernel profile of one epoch per row, before and
 * after. Environment: BENCH_SPEED_REPEATS (default 3), TORCH_BENCH (the reference script).
 */
import os from 'node:os';
import { describeBackend, initBackend } from '../../src/training/backend/backend.js';
import { installWasmTrainingKernels, uninstallWasmTrainingKernels } from '../../src/training/kernels/index.js';
import { load1, median, table } from '../common.js';
import { SPEED_BATCHES, SPEED_MODELS, SPEED_SAMPLES, type SpeedModel } from './models.js';
import { jobSamplesPerSecond, profileEpoch, randomImages, type Profile } from './measure.js';
import { runTorchReference } from './torch.js';

type Say = (line?: string) => void;

const REPEATS = Math.max(1, Number(process.env.BENCH_SPEED_REPEATS ?? 3));
const ROWS = SPEED_MODELS.flatMap((model) => SPEED_BATCHES.map((batch) => ({ model, batch, key: `${model.id}/${batch}` })));

const fmt = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '-' : Math.round(n).toLocaleString('en-US'));
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? '-' : (a / b).toFixed(2));

async function withKernels<T>(fast: boolean, f: () => Promise<T>): Promise<T> {
  if (fast) installWasmTrainingKernels();
  else uninstallWasmTrainingKernels();
  try {
    return await f();
  } finally {
    installWasmTrainingKernels();
  }
}

function profileLine(p: Profile): string {
  const total = p.kernels.reduce((a, k) => a + k.ms, 0);
  const top = p.kernels
    .slice(0, 6)
    .map((k) => `${k.kernel} ${((k.ms / p.fitMs) * 100).toFixed(0)}% (${k.calls})`)
    .join(', ');
  return `${top}; outside kernels ${(((p.fitMs - total) / p.fitMs) * 100).toFixed(0)}%`;
}

export async function benchCpuSpeed(say: Say): Promise<void> {
  say('## (e) CPU training speed against PyTorch');
  say();
  await initBackend('wasm');
  const backend = await describeBackend();
  const data = randomImages();
  const torchRuns: Array<Map<string, number>> = [];
  let torchError: string | null = null;
  const before = new Map<string, number[]>();
  const after = new Map<string, number[]>();
  const loads: number[] = [];
  const push = (m: Map<string, number[]>, k: string, v: number) => m.set(k, [...(m.get(k) ?? []), v]);
  for (let r = 0; r < REPEATS; r++) {
    const torch = runTorchReference();
    if ('figures' in torch) torchRuns.push(torch.figures);
    else torchError = torch.error;
    for (const { model, batch, key } of ROWS) {
      // Alternate which goes first, so drift in the machine's load hits both alike.
      for (const fast of r % 2 === 0 ? [false, true] : [true, false]) {
        const sps = await withKernels(fast, () => jobSamplesPerSecond(model, batch, data));
        push(fast ? after : before, key, sps);
        loads.push(os.loadavg()[0]);
        console.error(`  (e) ${r + 1}/${REPEATS} ${key} ${fast ? 'after ' : 'before'}: ${fmt(sps)} samples/s (load ${load1()})`);
      }
    }
  }
  const torchMedian = (key: string) => (torchRuns.length > 0 ? median(torchRuns.map((t) => t.get(key) ?? NaN)) : undefined);
  say(
    `Each network trained as a job (\`runTrainingJob\`, SGD lr 0.01, no diagnostics) on ${SPEED_SAMPLES.toLocaleString('en-US')} random 28x28 samples; ` +
      `samples/s = samples / the second epoch's \`fit\` time (the first is a warm-up), backend ${backend}, one thread. ` +
      '"Before": tfjs-backend-wasm\'s stock kernels; "after": with the service\'s training kernels (src/training/wasm-kernels). ' +
      "Both train through the service's layers, so both have its fused BatchNormalization training step (src/training/model/layers/batch-norm-training.ts). " +
      `PyTorch: ../shared/bench/torch_mlp.py with OpenBLAS, run in the same bench between the tfjs rows. ${REPEATS} rounds, medians; ` +
      `load average during the rounds ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)} on ${os.cpus().length} cores shared with other work.`,
  );
  say();
  if (torchError && torchRuns.length === 0) say(`**PyTorch reference skipped: ${torchError}.** The ratio columns are empty.`);
  say();
  const rows = ROWS.map(({ model, batch, key }) => {
    const t = torchMedian(key);
    const b = median(before.get(key) ?? []);
    const a = median(after.get(key) ?? []);
    const target = batch <= 32 ? 0.5 : 0.25;
    return [
      model.label,
      batch,
      fmt(t),
      fmt(b),
      ratio(b, t),
      fmt(a),
      ratio(a, t),
      `${(a / b).toFixed(1)}x`,
      t === undefined ? '-' : a / t >= target ? `>= ${target}: met` : `>= ${target}: not met`,
    ];
  });
  say(table(['model', 'batch', 'PyTorch + OpenBLAS', 'tfjs wasm before', 'ratio before', 'tfjs wasm after', 'ratio after', 'speed-up', 'target'], rows));
  say();
  say(
    'Per round (samples/s, before / after' +
      (torchRuns.length ? ' / PyTorch' : '') +
      '): ' +
      ROWS.map(
        ({ key }) =>
          `${key}: ${(before.get(key) ?? []).map(fmt).join(', ')} / ${(after.get(key) ?? []).map(fmt).join(', ')}${torchRuns.length ? ` / ${torchRuns.map((t) => fmt(t.get(key))).join(', ')}` : ''}`,
      ).join('; ') +
      '.',
  );
  say();
  await profileRows(say, data);
}

async function profileRows(say: Say, data: ReturnType<typeof randomImages>): Promise<void> {
  say('### Profile: top kernels by time, before and after');
  say();
  say(
    "One epoch after a warm-up, every kernel call timed (share of the epoch's `fit` wall time, calls in parentheses). " +
      "\"Outside kernels\" is the rest: tfjs's engine (tape, tensor bookkeeping, tidy), the layers' training loop and the optimizer's JavaScript.",
  );
  say();
  const rows: string[][] = [];
  for (const { model, batch } of ROWS) {
    const label = (m: SpeedModel) => `${m.label}, batch ${batch}`;
    const b = await withKernels(false, () => profileEpoch(model, batch, data));
    const a = await withKernels(true, () => profileEpoch(model, batch, data));
    rows.push([label(model), profileLine(b), profileLine(a)]);
  }
  say(table(['row', 'before', 'after'], rows));
  say();
}
