/**
 * Ready-made studies. `chapter-11`: the comparisons of Hands-On ML's "Training Deep Neural
 * Networks" chapter on Fashion-MNIST - activation x initializer x batch normalization, three
 * seeds each - sized to finish in minutes on a laptop CPU (a deep, narrow network on a
 * subset, plain SGD so that initialization and normalization matter as in the book).
 */
import { PRESET_NAMES } from '../schemas/study.js';

export type PresetName = (typeof PRESET_NAMES)[number];

export interface PresetStudy {
  name: string;
  base: Record<string, unknown>;
  parameters: Record<string, unknown>;
  method: 'grid';
  repeats: number;
  metric: 'val_accuracy';
  mode: 'max';
  maxConcurrent: number;
}

const HIDDEN = 4;
const UNITS = 64;
/** Layer index of hidden Dense layer i (each followed by its batch-normalization slot). */
const dense = (i: number) => 1 + 2 * i;
const slot = (i: number) => 2 + 2 * i;
const hidden = Array.from({ length: HIDDEN }, (_, i) => i);

/** An identity layer (no weights) that holds a batch-normalization slot when BN is off, so layer indices never shift. */
const IDENTITY = { type: 'Activation', activation: 'linear' };

const perHiddenLayer = (field: string, value: unknown) => Object.fromEntries(hidden.map((i) => [`/model/layers/${dense(i)}/${field}`, value]));

export function chapter11(): PresetStudy {
  return {
    name: 'chapter-11',
    base: {
      name: 'chapter-11',
      dataset: { builtin: 'fashion-mnist', split: 'train', limit: 2000, seed: 11 },
      validation: { split: 0.2 },
      model: {
        layers: [
          { type: 'Flatten', inputShape: [28, 28] },
          ...hidden.flatMap(() => [{ type: 'Dense', units: UNITS, activation: 'relu', kernelInitializer: 'glorot_uniform' }, IDENTITY]),
          { type: 'Dense', units: 10, activation: 'softmax' },
        ],
      },
      compile: { optimizer: { type: 'sgd', learningRate: 0.01 }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
      fit: { epochs: 3, batchSize: 32, seed: 11 },
    },
    parameters: {
      activation: Object.fromEntries(['sigmoid', 'relu', 'elu', 'selu'].map((a) => [a, perHiddenLayer('activation', a)])),
      initializer: Object.fromEntries(['glorot_uniform', 'he_normal'].map((k) => [k, perHiddenLayer('kernelInitializer', k)])),
      batchNormalization: {
        off: Object.fromEntries(hidden.map((i) => [`/model/layers/${slot(i)}`, IDENTITY])),
        on: Object.fromEntries(hidden.map((i) => [`/model/layers/${slot(i)}`, { type: 'BatchNormalization' }])),
      },
    },
    method: 'grid',
    repeats: 3,
    metric: 'val_accuracy',
    mode: 'max',
    maxConcurrent: 4,
  };
}

export function preset(name: PresetName): PresetStudy {
  switch (name) {
    case 'chapter-11':
      return chapter11();
  }
}
