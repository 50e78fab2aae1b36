/**
 * One backend's side of `npm run bench:cnn`, run in a process of its own (the wasm thread count
 * can only be chosen once per process, and a backend too slow to finish is stopped by killing its
 * process): the convolutional network of the PyTorch reference (../shared/bench/torch_cnn.py),
 * built with tf.layers, trained by the service's training loop (`trainPhase`) with SGD on random
 * 28x28x1 images, one warm-up epoch then one timed epoch per batch size, then on the synchronous
 * single-threaded wasm backend one more epoch with every kernel timed.
 *
 * Usage: tsx bench/cpu-speed/cnn-train.ts <wasm|cpu|webgpu> [threads] [samples]; prints one JSON
 * line (`CnnRun`) on stdout.
 */
import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend } from '../../src/training/backend/backend.js';
import { trainPhase } from '../../src/training/loop/train.js';
import { buildCnn, CNN_BATCHES, type CnnRow, type CnnRun } from './cnn-model.js';
import { profileKernels } from './profile.js';

/** Uniform [0, 1) pixels and random labels, as the reference draws them. */
function randomData(samples: number): { x: tf.Tensor; y: tf.Tensor } {
  return tf.tidy(() => ({ x: tf.randomUniform([samples, 28, 28, 1], 0, 1, 'float32', 1), y: tf.randomUniform([samples], 0, 10, 'int32', 2).cast('float32') }));
}

/** Wall time of one epoch of the service's loop. */
async function epochMs(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, batchSize: number): Promise<number> {
  let ms = NaN;
  const hooks = { onEpoch: (row: { durationMs: number }) => void (ms = row.durationMs) };
  await trainPhase({ model, x, y, epochs: 1, batchSize, shuffle: true, seed: 1, phase: 'train', epochOffset: 0, hooks });
  return ms;
}

async function startBackend(name: string, threads: number): Promise<string | null> {
  if (name === 'webgpu') {
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    const gpu = create([]);
    // Node 20 has no global navigator; later versions have one without `gpu`.
    if (!globalThis.navigator) Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
    else Object.defineProperty(globalThis.navigator, 'gpu', { value: gpu, configurable: true });
    if (!(await gpu.requestAdapter())) return null;
    await import('@tensorflow/tfjs-backend-webgpu');
    return (await tf.setBackend('webgpu')) ? 'webgpu' : null;
  }
  await initBackend(name as 'wasm' | 'cpu', { wasmThreads: threads });
  return describeBackend();
}

async function main(): Promise<CnnRun> {
  const [name = 'wasm', threadsArg = '1', samplesArg = '4096'] = process.argv.slice(2);
  const threads = Number(threadsArg);
  const backend = await startBackend(name, threads);
  if (!backend) return { skipped: `no ${name} backend (no adapter, or it failed to start)` };
  const samples = Number(samplesArg);
  const { x, y } = randomData(samples);
  const rows: CnnRow[] = [];
  for (const batch of CNN_BATCHES) {
    const model = buildCnn();
    await epochMs(model, x, y, batch);
    const cpu = process.cpuUsage();
    const ms = await epochMs(model, x, y, batch);
    const { user, system } = process.cpuUsage(cpu);
    const row: CnnRow = { batch, samplesPerSecond: samples / (ms / 1000), samplesPerCpuSecond: samples / ((user + system) / 1e6) };
    // Not with two threads: the kernel profiler has hung there (bench/results.md, part (e)).
    if (name === 'wasm' && threads === 1) {
      const stop = profileKernels(tf.getBackend());
      const profiledMs = await epochMs(model, x, y, batch);
      row.profile = { kernels: stop(), epochMs: profiledMs };
    }
    rows.push(row);
    model.dispose();
    console.error(`  ${backend} batch ${batch}: ${Math.round(row.samplesPerSecond)} samples/s, ${Math.round(row.samplesPerCpuSecond)} per CPU-second`);
  }
  return { backend, samples, rows };
}

console.log(JSON.stringify(await main()));
