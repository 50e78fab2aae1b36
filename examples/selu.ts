/**
 * SELU self-normalizing network: SELU activations, LeCun normal initialization and
 * standardized inputs (mean 0, std 1 per feature, computed on the training data and saved with
 * the model, so predictions are standardized alike).
 *
 *   TRAINING_URL=http://127.0.0.1:3000 npx tsx examples/selu.ts
 */
import { EPOCHS, SAMPLES, client, printSummary, train } from './shared.js';

const dense = (units: number) => ({ type: 'Dense' as const, units, activation: 'selu' as const, kernelInitializer: 'lecun_normal' as const });

const job = await train('selu', {
  name: 'selu',
  dataset: { builtin: 'fashion-mnist', split: 'train', limit: SAMPLES, seed: 42, standardize: true },
  validation: { split: 0.1 },
  evaluate: { dataset: { builtin: 'fashion-mnist', split: 'test', limit: 2000, seed: 1 } },
  model: {
    layers: [{ type: 'Flatten', inputShape: [28, 28] }, dense(300), dense(100), dense(100), dense(100), { type: 'Dense', units: 10, activation: 'softmax' }],
  },
  compile: { optimizer: { type: 'sgd', learningRate: 0.01, momentum: 0.9 }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
  fit: { epochs: EPOCHS, batchSize: 32, seed: 42 },
});

console.log(`model ${job.modelId}:`);
await printSummary(job.modelId!);

// Self-normalization: each SELU layer's activations should stay near mean 0, std 1.
const diag = await client.getDiagnostics(job.id);
const last = diag.epochs.at(-1);
for (const l of last?.layers ?? [])
  console.log(`  epoch ${last!.epoch} ${l.name.padEnd(14)} activation mean ${l.activationMean.toFixed(3)} std ${l.activationStd.toFixed(3)}`);

// The standardization is saved with the model: raw [0, 1] pixels go in as they are.
const blank = Array.from({ length: 28 }, () => Array.from({ length: 28 }, () => 0));
const { outputs } = await client.predict(job.modelId!, [blank]);
console.log(`  an all-black image -> class ${outputs[0].indexOf(Math.max(...outputs[0]))} (p = ${Math.max(...outputs[0]).toFixed(3)})`);
