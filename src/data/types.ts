/**
 * An in-memory dataset: row-major float32 features and integer class labels.
 * Pure data, no tfjs: the data modules never import tfjs, Fastify, Prisma or BullMQ.
 */
export interface Dataset {
  /** samples * product(featureShape) values, sample after sample. */
  features: Float32Array;
  /** One class index (0..classes-1) per sample, or null for an unlabeled dataset. */
  labels: Int32Array | null;
  /** Shape of one sample, e.g. [28, 28] or [4]. */
  featureShape: number[];
  samples: number;
  /** Number of classes (max label + 1); 0 when unlabeled. */
  classes: number;
}

export type BuiltinName = 'fashion-mnist' | 'mnist' | 'cifar-10';
export type BuiltinSplit = 'train' | 'test';

/**
 * Largest number of classes a dataset may have. Labels are class indices, so a stray label of
 * 2^31 would otherwise ask for a softmax of two billion units.
 */
export const MAX_CLASSES = 100_000;
