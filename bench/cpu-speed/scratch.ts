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
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await model.fit(x, y, { batchSize: bs, epochs: 1, verbose: 0, shuffle: true });
    const dt = performance.now() - t0;
    const c = process.cpuUsage(c0);
    const cpu = (c.user + c.system) / 1000;
    console.log(m.id, bs, Math.round(SPEED_SAMPLES / (dt / 1000)), 'samples/s wall', Math.round(SPEED_SAMPLES / (cpu / 1000)), 'per cpu-s', tf.memory().numTensors);
    if (stop) {
      const ks = stop();
      console.log('kernel total', ks.reduce((a, k) => a + k.ms, 0).toFixed(0), 'of', dt.toFixed(0), 'ms');
      console.log(ks.slice(0, 14).map((k) => `${k.kernel} ${k.ms.toFixed(0)}ms/${k.calls}`).join(' | '));
    }
    model.dispose();
  }
}
