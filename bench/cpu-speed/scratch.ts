import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/training/backend.js';
import { buildModel } from '../../src/training/build-model.js';
import { SPEED_MODELS, SPEED_SAMPLES } from './models.js';
import { profileKernels } from './profile.js';

await initBackend((process.env.B as 'wasm') ?? 'wasm');
const x = tf.randomUniform([SPEED_SAMPLES, 28, 28]);
const y = tf.floor(tf.randomUniform([SPEED_SAMPLES], 0, 10));
for (const m of SPEED_MODELS) {
  for (const bs of [32, 256]) {
    const model = buildModel(m.layers, { inputShape: [28, 28], seed: 1 });
    model.compile({ optimizer: tf.train.sgd(0.01), loss: 'sparseCategoricalCrossentropy' });
    await model.fit(x, y, { batchSize: bs, epochs: 1, verbose: 0 });
    const stop = process.env.PROF ? profileKernels(tf.getBackend()) : null;
    const t0 = performance.now();
    await model.fit(x, y, { batchSize: bs, epochs: 1, verbose: 0, shuffle: true });
    const dt = performance.now() - t0;
    console.log(m.id, bs, Math.round(SPEED_SAMPLES / (dt / 1000)), 'samples/s', tf.memory().numTensors);
    if (stop) console.log(stop().slice(0, 12).map((k) => `${k.kernel} ${k.ms.toFixed(0)}ms/${k.calls}`).join(' | '));
    model.dispose();
  }
}
