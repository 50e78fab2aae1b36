/**
 * Three small recipes in the spirit of the deep-networks chapter, each with random layers in it:
 * ReLU + Dropout, SELU + AlphaDropout, and BatchNormalization + RReLU (+ Dropout). Sized for
 * {@link tinyDataset} so a replay test trains each in well under a second.
 */
import type { JobSpec } from '../../src/schemas/job-spec.js';

type Layers = JobSpec['model']['layers'];

const recipe = (name: string, layers: Layers, optimizer: JobSpec['compile']['optimizer'], standardize = false): JobSpec => ({
  name,
  dataset: { id: 'd', ...(standardize ? { standardize: true } : {}) },
  validation: { split: 0.25 },
  model: { layers },
  compile: { optimizer, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
  fit: { epochs: 3, batchSize: 16 },
  diagnostics: { enabled: false },
});

export const REFERENCE_SPECS: JobSpec[] = [
  recipe(
    'relu-dropout',
    [
      { type: 'Dense', units: 16, activation: 'relu', kernelInitializer: 'he_normal' },
      { type: 'Dropout', rate: 0.3 },
      { type: 'Dense', units: 8, activation: 'relu', kernelInitializer: 'he_normal' },
      { type: 'Dropout', rate: 0.2 },
      { type: 'Dense', units: 2, activation: 'softmax' },
    ],
    { type: 'sgd', learningRate: 0.05, momentum: 0.9 },
  ),
  recipe(
    'selu-alpha-dropout',
    [
      { type: 'Dense', units: 16, activation: 'selu', kernelInitializer: 'lecun_normal' },
      { type: 'AlphaDropout', rate: 0.1 },
      { type: 'Dense', units: 8, activation: 'selu', kernelInitializer: 'lecun_normal' },
      { type: 'AlphaDropout', rate: 0.1 },
      { type: 'Dense', units: 2, activation: 'softmax' },
    ],
    { type: 'sgd', learningRate: 0.02, momentum: 0.9 },
    true,
  ),
  recipe(
    'bn-rrelu',
    [
      { type: 'Dense', units: 16, kernelInitializer: 'he_normal', useBias: false },
      { type: 'BatchNormalization' },
      { type: 'RReLU' },
      { type: 'Dense', units: 8, kernelInitializer: 'he_normal', useBias: false },
      { type: 'BatchNormalization' },
      { type: 'RReLU' },
      { type: 'Dropout', rate: 0.2 },
      { type: 'Dense', units: 2, activation: 'softmax' },
    ],
    { type: 'adam', learningRate: 0.01 },
  ),
];

/** The recipe with `fit.seed` set. */
export function seeded(spec: JobSpec, seed: number): JobSpec {
  return { ...spec, fit: { ...spec.fit, seed } };
}
