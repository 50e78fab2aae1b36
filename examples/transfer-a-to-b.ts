/**
 * Transfer learning, as in the chapter: task A = Fashion-MNIST without sandals (5) and shirts
 * (6), 8 classes; task B = sandal vs shirt with only 200 training samples. B is trained from
 * scratch, and on top of A's model (its last layer dropped, the rest frozen for 4 epochs, then
 * fine-tuned 16 epochs at a 10x lower learning rate). Both are evaluated on every sandal and
 * shirt of the test split.
 *
 *   TRAINING_URL=http://127.0.0.1:3000 npx tsx examples/transfer-a-to-b.ts
 */
import type { JobSpec } from '../src/sdk/index.js';
import { EPOCHS, SAMPLES, printSummary, train } from './shared.js';

const A_CLASSES = [0, 1, 2, 3, 4, 7, 8, 9];
const B_CLASSES = [5, 6]; // sandal -> 0, shirt -> 1
const hidden = [300, 100, 50, 50, 50].map((units) => ({ type: 'Dense' as const, units, activation: 'relu' as const, kernelInitializer: 'he_normal' as const }));
const testB = { dataset: { builtin: 'fashion-mnist' as const, split: 'test' as const, classes: B_CLASSES } };
const trainB = { builtin: 'fashion-mnist' as const, split: 'train' as const, classes: B_CLASSES, limit: 200, seed: 7 };
const sgd = (learningRate: number) => ({ type: 'sgd' as const, learningRate, momentum: 0.9 });

// Task A: 8 classes.
const a = await train('A', {
  name: 'task-A',
  dataset: { builtin: 'fashion-mnist', split: 'train', classes: A_CLASSES, limit: SAMPLES, seed: 42 },
  validation: { split: 0.1 },
  model: { layers: [{ type: 'Flatten', inputShape: [28, 28] }, ...hidden, { type: 'Dense', units: 8, activation: 'softmax' }] },
  compile: { optimizer: sgd(0.01), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
  fit: { epochs: EPOCHS, batchSize: 32, seed: 42 },
});

// Task B from scratch: the same architecture, a single sigmoid output, 20 epochs.
const scratch: JobSpec = {
  name: 'task-B-scratch',
  dataset: trainB,
  evaluate: testB,
  model: { layers: [{ type: 'Flatten', inputShape: [28, 28] }, ...hidden, { type: 'Dense', units: 1, activation: 'sigmoid' }] },
  compile: { optimizer: sgd(0.01), loss: 'binary_crossentropy', metrics: ['accuracy'] },
  fit: { epochs: 20, batchSize: 32, seed: 42 },
};
const b = await train('B scratch', scratch);

// Task B on A: reuse A without its output layer, frozen for 4 epochs, then fine-tuned.
const bOnA = await train('B on A', {
  name: 'task-B-on-A',
  dataset: trainB,
  evaluate: testB,
  base: { modelId: a.modelId!, dropLast: 1, freeze: true },
  model: { layers: [{ type: 'Dense', units: 1, activation: 'sigmoid' }] },
  compile: { optimizer: sgd(0.01), loss: 'binary_crossentropy', metrics: ['accuracy'] },
  fit: { epochs: 4, batchSize: 32, seed: 42 },
  fineTune: { epochs: 16, optimizer: sgd(0.001) },
});
console.log('B on A:');
await printSummary(bOnA.modelId!);

const errScratch = 1 - (b.evaluation?.accuracy ?? 0);
const errOnA = 1 - (bOnA.evaluation?.accuracy ?? 0);
console.log(`\ntest (sandal vs shirt, ${B_CLASSES.length} classes of the test split):`);
console.log(`  B from scratch: accuracy ${(1 - errScratch).toFixed(4)} (error ${(errScratch * 100).toFixed(2)}%)`);
console.log(`  B on A:         accuracy ${(1 - errOnA).toFixed(4)} (error ${(errOnA * 100).toFixed(2)}%)`);
console.log(
  `  error rate ${errOnA < errScratch ? `divided by ${(errScratch / Math.max(errOnA, 1e-9)).toFixed(2)}` : `not lower (${(errOnA / Math.max(errScratch, 1e-9)).toFixed(2)}x)`} with transfer`,
);
