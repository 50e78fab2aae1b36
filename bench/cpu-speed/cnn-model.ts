/**
 * The network of `npm run bench:cnn` and what a backend's run reports: the PyTorch reference's
 * convolutional network (../shared/bench/torch_cnn.py), built with tf.layers as Keras would build it.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelTime } from './profile.js';

export const CNN_BATCHES = [32, 128] as const;

/** The reference's network, as Keras would build it (225,034 parameters). */
export function buildCnn(): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: 'relu' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.sgd(0.01), loss: 'sparseCategoricalCrossentropy' });
  return model;
}

export interface CnnRow {
  batch: number;
  samplesPerSecond: number;
  /** Samples per second of this process's CPU time over the same epoch: on a loaded machine, nearer what a quiet one gives (one thread). */
  samplesPerCpuSecond: number;
  /** Kernel times of one profiled epoch, slowest first, with that epoch's wall time. */
  profile?: { kernels: KernelTime[]; epochMs: number };
}

export type CnnRun = { backend: string; samples: number; rows: CnnRow[] } | { skipped: string };
