/**
 * The networks the memory benchmark trains: the chapter's two MNIST models and a wide one (the
 * 3000-1000-10 of the hardening issue), as job specs so the service's own builder makes them.
 */
import type { JobSpec } from '../../src/schemas/job-spec.js';
import { SPEED_MODELS } from '../cpu-speed/models.js';

export interface MemoryModel {
  id: string;
  label: string;
  layers: JobSpec['model']['layers'];
}

export const MEMORY_MODELS: MemoryModel[] = [
  ...SPEED_MODELS.map(({ id, label, layers }) => ({ id, label, layers })),
  {
    id: 'wide',
    label: '784-3000-1000-10 ReLU',
    layers: [
      { type: 'Flatten', inputShape: [28, 28] },
      { type: 'Dense', units: 3000, activation: 'relu' },
      { type: 'Dense', units: 1000, activation: 'relu' },
      { type: 'Dense', units: 10, activation: 'softmax' },
    ],
  },
];

/** The job a user would post for one case: adam (two slots per weight), default diagnostics. */
export function memoryJob(model: MemoryModel, batchSize: number, validationSplit?: number, epochs = 1): JobSpec {
  return {
    name: `memory-${model.id}-${batchSize}`,
    dataset: { builtin: 'mnist', split: 'train' },
    model: { layers: model.layers },
    compile: { optimizer: { type: 'adam', learningRate: 0.001 }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
    fit: { epochs, batchSize, seed: 1 },
    ...(validationSplit ? { validation: { split: validationSplit } } : {}),
  };
}
