import type { OptimizerSpec } from '../schemas/job-spec.js';

const BYTES = 4; // float32

/**
 * Per-weight state each optimizer keeps besides the weight itself (tfjs): momentum or moment
 * estimates, squared-gradient accumulators.
 */
export function optimizerSlots(optimizer: OptimizerSpec): number {
  switch (optimizer.type) {
    case 'sgd':
      return (optimizer.momentum ?? 0) > 0 ? 1 : 0;
    case 'adam':
    case 'adamax':
    case 'adadelta':
      return 2;
    case 'rmsprop':
      return 1 + ((optimizer.momentum ?? 0) > 0 ? 1 : 0) + (optimizer.centered ? 1 : 0);
    case 'adagrad':
      return 1;
    default:
      return 2;
  }
}

/** The parts of a job's training memory, in bytes. */
export interface JobMemory {
  /** Weights, their gradients and the optimizer's slots, plus a checkpoint copy of them. */
  weights: number;
  /** Forward activations and their gradients for one batch. */
  activations: number;
  /** The training data as float32 tensors. */
  data: number;
  total: number;
}

/**
 * Estimates what training a job takes: params x (weight + gradient + optimizer slots + a
 * checkpoint copy) x 4 bytes, activations x batch x 2 (forward and backward) x 4 bytes, and the
 * data tensor. An estimate from below: tfjs's temporaries come on top.
 */
export function estimateJobMemory(args: { params: number; activationsPerSample: number; batchSize: number; slots: number; dataValues: number }): JobMemory {
  const weights = args.params * (3 + args.slots) * BYTES;
  const activations = args.activationsPerSample * args.batchSize * 2 * BYTES;
  const data = args.dataValues * BYTES;
  return { weights, activations, data, total: weights + activations + data };
}
