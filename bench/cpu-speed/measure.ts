/**
 * tfjs side of the CPU speed benchmark: one row (network, batch) trained the way the worker trains
 * a job (`runTrainingJob`), on 4,096 random samples like the reference's; the second epoch's
 * `fit` time (the `durationMs` a job's metrics report) gives samples/s, the first is the warm-up.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../../src/data/types.js';
import { runTrainingJob } from '../../src/training/loop/run-training.js';
import type { EpochMetrics } from '../../src/core/run-types.js';
import { SPEED_SAMPLES, speedJob, type SpeedModel } from './models.js';
import { profileKernels, type KernelTime } from './profile.js';

/** Uniform [0, 1) pixels and random labels, as the reference draws them. */
export function randomImages(samples = SPEED_SAMPLES, seed = 1): Dataset {
  let s = seed >>> 0;
  const next = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const features = new Float32Array(samples * 784).map(next);
  const labels = Int32Array.from({ length: samples }, () => Math.floor(next() * 10));
  return { features, labels, featureShape: [28, 28], samples, classes: 10 };
}

async function trainEpochs(model: SpeedModel, batch: number, data: Dataset, epochs: number): Promise<EpochMetrics[]> {
  const rows: EpochMetrics[] = [];
  await runTrainingJob({ spec: speedJob(model, batch, epochs), data: { train: data }, hooks: { onEpoch: (row) => void rows.push(row) } });
  return rows;
}

/** samples/s of the epoch after a warm-up epoch, as a job reports it. */
export async function jobSamplesPerSecond(model: SpeedModel, batch: number, data: Dataset): Promise<number> {
  const rows = await trainEpochs(model, batch, data, 2);
  return data.samples / (rows[1].durationMs / 1000);
}

export interface Profile {
  kernels: KernelTime[];
  /** Wall time of the profiled epoch's `fit`. */
  fitMs: number;
}

/** Kernel times over one epoch after a warm-up (each kernel call timed; slightly slower than unprofiled). */
export async function profileEpoch(model: SpeedModel, batch: number, data: Dataset): Promise<Profile> {
  let stop: (() => KernelTime[]) | null = null;
  let kernels: KernelTime[] = [];
  const rows: EpochMetrics[] = [];
  await runTrainingJob({
    spec: speedJob(model, batch, 2),
    data: { train: data },
    hooks: {
      onEpoch: (row) => {
        rows.push(row);
        // Time the epoch after the warm-up, and nothing after it.
        if (rows.length === 1) stop = profileKernels(tf.getBackend());
        else if (stop) kernels = stop();
      },
    },
  });
  return { kernels, fitMs: rows[1].durationMs };
}
