import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/training/backend.js';
import { uninstallWasmTrainingKernels, installWasmTrainingKernels } from '../../src/training/wasm-kernels/index.js';
await initBackend('wasm');
const shapes: Array<[number[], number[], boolean, boolean]> = [[[32, 300], [784, 300], false, true], [[32, 784], [32, 300], true, false], [[256, 300], [784, 300], false, true], [[256, 784], [256, 300], true, false], [[32, 784], [784, 300], false, false], [[256, 784], [784, 300], false, false]];
for (const [sa, sb, ta, tb] of shapes) {
  const a = tf.randomNormal(sa); const b = tf.randomNormal(sb);
  for (const mode of ['fast', 'fast', 'stock']) {
    if (mode === 'stock') uninstallWasmTrainingKernels(); else installWasmTrainingKernels();
    const reps = mode === 'stock' ? 5 : 50;
    const t: number[] = [];
    for (let r = 0; r < reps; r++) { const t0 = performance.now(); tf.matMul(a, b, ta, tb).dispose(); t.push(performance.now() - t0); }
    t.sort((x, y) => x - y);
    console.log(JSON.stringify([sa, sb, ta, tb]), mode, 'median ms', t[Math.floor(t.length / 2)].toFixed(3), 'min', t[0].toFixed(3));
  }
  installWasmTrainingKernels();
}
