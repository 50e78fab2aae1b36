/**
 * He initialization + ELU + Batch Normalization on Fashion-MNIST (the chapter's first recipe):
 * BN on the inputs and after each hidden Dense (which then needs no bias), ELU after BN.
 *
 *   TRAINING_URL=http://127.0.0.1:3000 npx tsx examples/he-elu-bn.ts
 */
import { BN_ELU_MLP } from '../src/schemas/recipe-layers.js';
import { EPOCHS, SAMPLES, client, printSummary, train } from './shared.js';

const job = await train('he-elu-bn', {
  name: 'he-elu-bn',
  dataset: { builtin: 'fashion-mnist', split: 'train', limit: SAMPLES, seed: 42 },
  validation: { split: 0.1 },
  evaluate: { dataset: { builtin: 'fashion-mnist', split: 'test', limit: 2000, seed: 1 } },
  model: { layers: BN_ELU_MLP },
  compile: { optimizer: { type: 'sgd', learningRate: 0.01, momentum: 0.9 }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
  fit: { epochs: EPOCHS, batchSize: 32, seed: 42 },
});

console.log(`model ${job.modelId} (backend ${job.backend}):`);
await printSummary(job.modelId!);

// Gradient health of the last epoch: with BN the gradient norms stay within an order of magnitude.
const diag = await client.getDiagnostics(job.id);
const last = diag.epochs.at(-1);
for (const l of last?.layers ?? []) {
  console.log(
    `  epoch ${last!.epoch} ${l.name.padEnd(28)} gradNorm ${l.gradNorm.toExponential(2)} updateRatio ${l.updateRatio.toExponential(2)} dead ${(l.deadFraction * 100).toFixed(1)}%`,
  );
}
