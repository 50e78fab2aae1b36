/**
 * One case of the memory benchmark, in a process of its own (the parent, bench/memory-estimate.ts,
 * starts one per case): the wasm heap never shrinks and the kernel's peak-RSS mark (VmHWM) never
 * falls, so a fresh process is the only clean measurement. Trains the case the way the worker's
 * training process does (`initBackend`, then `runTrainingJob` with the worker's hooks: a stop
 * check after every batch, a checkpoint captured and copied as `saveCheckpoint` copies it), then
 * prints one `RESULT <json>` line.
 *
 * Argument: a JSON object `{ backend, model, batchSize, samples, maxBatches?, validationSplit?, epochs? }`.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/training/backend/backend.js';
import { runTrainingJob } from '../../src/training/loop/run-training.js';
import { randomImages } from '../cpu-speed/measure.js';
import { MEMORY_MODELS, memoryJob } from './models.js';

export interface CaseArgs {
  backend: 'wasm' | 'cpu';
  model: string;
  batchSize: number;
  samples: number;
  /** Stop (as a cancel would) after this many batches; by default the whole epoch runs. */
  maxBatches?: number;
  validationSplit?: number;
  /** Epochs to train (default 1): the shuffled copy of the data is made again each epoch. */
  epochs?: number;
}

export interface CaseResult {
  /** RSS with the backend loaded, before the job and its data (MB). */
  baselineRssMb: number;
  /** The process's peak RSS over the whole case (VmHWM, MB). */
  peakRssMb: number;
  /** The wasm module's linear memory at the start and at the end; it only grows (MB). */
  wasmHeapStartMb: number | null;
  wasmHeapMb: number | null;
  batchesRun: number;
  epochEnded: boolean;
  seconds: number;
  error: string | null;
}

const MB = 1024 * 1024;

/** A field of /proc/self/status, in MB (Linux). */
function procStatusMb(field: 'VmHWM' | 'VmRSS'): number {
  const line = readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return line ? Number(line.split(/\s+/)[1]) / 1024 : NaN;
}

function wasmHeapMb(): number | null {
  const heap = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8;
  return heap ? heap.byteLength / MB : null;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as CaseArgs;
  const model = MEMORY_MODELS.find((m) => m.id === args.model);
  if (!model) throw new Error(`unknown model ${args.model}`);
  await initBackend(args.backend);
  const baselineRssMb = procStatusMb('VmRSS');
  const wasmHeapStartMb = wasmHeapMb();
  // The decoded dataset the worker's cache holds is part of what the job costs.
  const data = randomImages(args.samples);
  let stopCalls = 0;
  let batchesRun = 0;
  let epochEnded = false;
  let epochsEnded = 0;
  // shouldStop is called once as each epoch starts, then after every batch.
  const epochsStarted = () => epochsEnded + 1;
  const started = performance.now();
  let error: string | null = null;
  try {
    await runTrainingJob({
      spec: memoryJob(model, args.batchSize, args.validationSplit, args.epochs),
      data: { train: data },
      hooks: {
        onEpoch: () => {
          epochEnded = true;
          epochsEnded++;
        },
        shouldStop: () => {
          stopCalls++;
          batchesRun = Math.max(0, stopCalls - epochsStarted());
          return args.maxBatches !== undefined && batchesRun >= args.maxBatches;
        },
        onCheckpoint: async (capture) => {
          const cp = await capture();
          // As saveCheckpoint: the row's byte fields are fresh copies.
          void [new Uint8Array(cp.model.data), new Uint8Array(cp.optimizer.data)];
        },
      },
    });
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }
  const result: CaseResult = {
    baselineRssMb,
    peakRssMb: procStatusMb('VmHWM'),
    wasmHeapStartMb,
    wasmHeapMb: wasmHeapMb(),
    batchesRun,
    epochEnded,
    seconds: (performance.now() - started) / 1000,
    error,
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
