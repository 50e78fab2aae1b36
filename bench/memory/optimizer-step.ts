/**
 * One optimizer-cost measurement of the memory benchmark, in a process of its own: the wide
 * network (5.4M weights) trained for two steps at batch 32 with the given optimizer, under
 * `tf.profile`. Prints `RESULT <json>`: the engine's peak tensor bytes above the weights, per
 * weight, in float32 values (gradients, slots and the update's temporaries).
 * src/training/sizing/memory-estimate.ts's `optimizerStepValues` takes its figures from these.
 *
 * Argument: the optimizer spec as JSON.
 */
import * as tf from '@tensorflow/tfjs';
import type { OptimizerSpec } from '../../src/schemas/job-spec.js';
import { initBackend } from '../../src/training/backend/backend.js';
import { buildModel } from '../../src/training/model/build-model.js';
import { tfjsLoss } from '../../src/training/model/losses.js';
import { createOptimizer } from '../../src/training/model/optimizers.js';
import { MEMORY_MODELS } from './models.js';

async function main(): Promise<void> {
  const optimizer = JSON.parse(process.argv[2]) as OptimizerSpec;
  await initBackend('wasm');
  const wide = MEMORY_MODELS.find((m) => m.id === 'wide')!;
  const model = buildModel(wide.layers, { inputShape: [28, 28], seed: 1 });
  model.compile({ optimizer: createOptimizer(optimizer), loss: tfjsLoss('sparse_categorical_crossentropy'), metrics: ['accuracy'] });
  const x = tf.randomUniform([32, 28, 28]);
  const y = tf.tensor2d(
    Float32Array.from({ length: 32 }, (_, i) => i % 10),
    [32, 1],
  );
  const before = tf.memory().numBytes;
  const info = await tf.profile(async () => {
    await model.fit(x, y, { batchSize: 32, epochs: 2, shuffle: false, verbose: 0 });
  });
  const valuesPerWeight = (info.peakBytes - before) / 4 / model.countParams();
  process.stdout.write(`RESULT ${JSON.stringify({ valuesPerWeight })}\n`);
}

await main();
