/**
 * Checkpointable state for tfjs's Adamax, whose `getWeights()` / `setWeights()` throw "not
 * implemented" (tfjs 4.22): without them the per-epoch checkpoint, and so every adamax job, fails.
 * The state is laid out as tfjs's Adam lays out its own: the step counter first, then every first
 * moment, then every weighted infinity norm, so a checkpoint reads like any other optimizer's.
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedTensor } from './optimizer-fixes.js';

interface Slot {
  originalName: string;
  variable: tf.Variable;
}

/** The private fields of tfjs's AdamaxOptimizer this module reads and writes. */
interface AdamaxInternals {
  beta1: number;
  iteration: tf.Variable;
  accBeta1: tf.Variable;
  accumulatedFirstMoment: Slot[];
  accumulatedWeightedInfNorm: Slot[];
  saveIterations(): Promise<NamedTensor>;
  extractIterations(weights: NamedTensor[]): Promise<NamedTensor[]>;
  iterations: number;
}

/** Gives an Adamax optimizer working `getWeights()` / `setWeights()`; other optimizers pass through. */
export function withAdamaxState(optimizer: tf.Optimizer): tf.Optimizer {
  if (optimizer.getClassName() !== 'Adamax') return optimizer;
  const o = optimizer as unknown as AdamaxInternals;
  optimizer.getWeights = async () => {
    const slots = [...o.accumulatedFirstMoment, ...o.accumulatedWeightedInfNorm];
    return [await o.saveIterations(), ...slots.map((s) => ({ name: s.originalName, tensor: s.variable }))];
  };
  optimizer.setWeights = async (weights: NamedTensor[]) => {
    const rest = await o.extractIterations(weights);
    const steps = o.iterations;
    // Adamax keeps the step twice: `iteration` (for its decay) and accBeta1 = beta1^(steps + 1).
    tf.tidy(() => {
      o.iteration.assign(tf.scalar(steps));
      o.accBeta1.assign(tf.scalar(o.beta1 ** (steps + 1)));
    });
    tf.dispose([...o.accumulatedFirstMoment, ...o.accumulatedWeightedInfNorm].map((s) => s.variable));
    const half = rest.length / 2;
    const slot = (w: NamedTensor): Slot => ({ originalName: w.name, variable: w.tensor.variable(false) });
    o.accumulatedFirstMoment = rest.slice(0, half).map(slot);
    o.accumulatedWeightedInfNorm = rest.slice(half).map(slot);
  };
  return optimizer;
}
