/**
 * One layer-cost measurement of the memory benchmark, in a process of its own: the input
 * (28x28, flattened), the given layers, a softmax Dense layer of 10, trained with sgd (whose step
 * holds little beyond the gradients) for one epoch of `samples` random samples in batches of
 * `batch`. Prints `RESULT <json>`: the peak RSS the epoch added, per sample of a batch, in float32
 * values. src/training/sizing/step-memory.ts takes its coefficients from these figures.
 *
 * Arguments: the layers as JSON, the batch size, the samples (default one batch).
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import type { LayerSpec } from '../../src/schemas/job-spec.js';
import { initBackend } from '../../src/training/backend/backend.js';
import { buildModel } from '../../src/training/model/build-model.js';
import { tfjsLoss } from '../../src/training/model/losses.js';
import { createOptimizer } from '../../src/training/model/optimizers.js';

const statusMb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;

async function main(): Promise<void> {
  const [layersJson, batchArg, samplesArg] = process.argv.slice(2);
  const layers = JSON.parse(layersJson) as LayerSpec[];
  const batch = Number(batchArg);
  const samples = Number(samplesArg ?? batch);
  await initBackend('wasm');
  const model = buildModel([{ type: 'Flatten', inputShape: [28, 28] }, ...layers, { type: 'Dense', units: 10, activation: 'softmax' }], {
    inputShape: [28, 28],
    seed: 1,
  });
  model.compile({ optimizer: createOptimizer({ type: 'sgd' }), loss: tfjsLoss('sparse_categorical_crossentropy'), metrics: ['accuracy'] });
  const x = tf.randomUniform([samples, 28, 28]);
  const y = tf.tensor2d(
    Float32Array.from({ length: samples }, (_, i) => i % 10),
    [samples, 1],
  );
  const before = statusMb('VmRSS');
  await model.fit(x, y, { batchSize: batch, epochs: 1, shuffle: false, verbose: 0 });
  const valuesPerSample = ((statusMb('VmHWM') - before) * 2 ** 20) / 4 / batch;
  process.stdout.write(`RESULT ${JSON.stringify({ valuesPerSample })}\n`);
}

await main();
