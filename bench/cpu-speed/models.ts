/**
 * The two networks of the CPU speed benchmark, the same as the PyTorch reference
 * (../shared/bench/torch_mlp.py): 784-300-100-10 ReLU, and the chapter's BatchNormalization + ELU
 * network (BN before each activation, Dense without bias where a BN follows), as job specs so the
 * service's own model builder makes them.
 */
import type { JobSpec } from '../../src/schemas/job-spec.js';
import { BN_ELU_MLP, RELU_HE_MLP } from '../../src/schemas/recipe-layers.js';

type Layers = JobSpec['model']['layers'];

export interface SpeedModel {
  id: 'dense_relu' | 'bn_elu';
  label: string;
  layers: Layers;
}

export const SPEED_MODELS: SpeedModel[] = [
  {
    id: 'dense_relu',
    label: '784-300-100-10 ReLU',
    layers: RELU_HE_MLP,
  },
  {
    id: 'bn_elu',
    label: "BN + ELU (the chapter's)",
    layers: BN_ELU_MLP,
  },
];

export const SPEED_BATCHES = [32, 256] as const;
/** As many samples as the reference trains on per epoch. */
export const SPEED_SAMPLES = 4096;

/** The job a user would post for one row of the table: SGD, one epoch per call, no diagnostics. */
export function speedJob(model: SpeedModel, batchSize: number, epochs: number): JobSpec {
  return {
    name: `speed-${model.id}-${batchSize}`,
    dataset: { builtin: 'fashion-mnist', split: 'train', limit: SPEED_SAMPLES, seed: 1 },
    model: { layers: model.layers },
    compile: { optimizer: { type: 'sgd', learningRate: 0.01 }, loss: 'sparse_categorical_crossentropy' },
    fit: { epochs, batchSize, seed: 1 },
    diagnostics: { enabled: false },
  };
}
