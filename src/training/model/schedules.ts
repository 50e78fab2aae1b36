/**
 * Learning-rate schedules over optimizer steps (one step = one batch), as Keras's
 * `ExponentialDecay` and `PiecewiseConstantDecay`.
 */
import type * as tf from '@tensorflow/tfjs';
import type { OptimizerSpec } from '../../schemas/job-spec.js';

/** The schedule part of an optimizer spec. */
export type ScheduleSpec = NonNullable<OptimizerSpec['schedule']>;

/**
 * The learning rate at `step` (0-based count of updates already applied).
 * `exponential_decay`: lr * decayRate^(step / decaySteps), the exponent floored with `staircase`.
 * `piecewise_constant`: values[i] while step <= boundaries[i] (Keras: the boundary step itself
 * still uses the earlier value), values[last] after the last boundary; `baseLr` is ignored.
 */
export function learningRateAt(schedule: ScheduleSpec, baseLr: number, step: number): number {
  switch (schedule.type) {
    case 'exponential_decay': {
      const p = step / schedule.decaySteps;
      return baseLr * Math.pow(schedule.decayRate, schedule.staircase ? Math.floor(p) : p);
    }
    case 'piecewise_constant': {
      const { boundaries, values } = schedule;
      for (let i = 0; i < boundaries.length; i++) {
        if (step <= boundaries[i]) return values[i];
      }
      return values[Math.min(boundaries.length, values.length - 1)];
    }
  }
}

/**
 * Sets an optimizer's learning rate. SGD and momentum cache `-lr` in a scalar tensor and
 * must go through `setLearningRate`; the others read the `learningRate` field on every step.
 */
export function setOptimizerLearningRate(optimizer: tf.Optimizer, lr: number): void {
  const o = optimizer as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
  if (o.learningRate === lr) return;
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

/**
 * Returns a hook to run before each update: it sets the rate for the current step, which is the
 * optimizer's own step count (Keras's `optimizer.iterations`). That count is part of the
 * optimizer's saved state, so a run resumed from a checkpoint continues the schedule.
 */
export function scheduleHook(optimizer: tf.Optimizer, schedule: ScheduleSpec, baseLr: number): () => void {
  return () => setOptimizerLearningRate(optimizer, learningRateAt(schedule, baseLr, optimizer.iterations));
}
