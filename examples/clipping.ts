/**
 * Gradient clipping: the same deliberately aggressive SGD (learning rate 0.1, momentum 0.9)
 * without clipping, with `clipValue` (each gradient component to [-1, 1]) and with `clipNorm`
 * (each gradient tensor rescaled to L2 norm <= 1, as tf.keras `clipnorm`).
 *
 *   TRAINING_URL=http://127.0.0.1:3000 npx tsx examples/clipping.ts
 */
import { RELU_HE_MLP } from '../src/schemas/recipe-layers.js';
import type { OptimizerSpec } from '../src/sdk/index.js';
import { EPOCHS, SAMPLES, client, train } from './shared.js';

const variants: Array<[string, OptimizerSpec]> = [
  ['no clipping', { type: 'sgd', learningRate: 0.1, momentum: 0.9 }],
  ['clipValue 1', { type: 'sgd', learningRate: 0.1, momentum: 0.9, clipValue: 1 }],
  ['clipNorm 1', { type: 'sgd', learningRate: 0.1, momentum: 0.9, clipNorm: 1 }],
];

const rows: string[] = [];
for (const [label, optimizer] of variants) {
  const spec = {
    name: `clipping: ${label}`,
    dataset: { builtin: 'fashion-mnist' as const, split: 'train' as const, limit: SAMPLES, seed: 42 },
    validation: { split: 0.1 },
    evaluate: { dataset: { builtin: 'fashion-mnist' as const, split: 'test' as const, limit: 2000, seed: 1 } },
    model: { layers: RELU_HE_MLP },
    compile: { optimizer, loss: 'sparse_categorical_crossentropy' as const, metrics: ['accuracy' as const] },
    fit: { epochs: EPOCHS, batchSize: 32, seed: 42 },
  };
  try {
    const job = await train(label, spec);
    const diag = await client.getDiagnostics(job.id);
    const maxGrad = Math.max(...diag.epochs.flatMap((e) => e.layers.map((l) => l.gradNorm)));
    rows.push(`${label.padEnd(12)} succeeded  test accuracy ${job.evaluation?.accuracy?.toFixed(4)}  largest probe gradNorm ${maxGrad.toFixed(3)}`);
  } catch (err) {
    rows.push(`${label.padEnd(12)} ${(err as Error).message}`);
  }
}
console.log('\nsummary:');
for (const row of rows) console.log(`  ${row}`);
