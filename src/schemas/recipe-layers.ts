/**
 * The layer lists of the chapter's networks that several places train: the dashboard's recipes,
 * the scripts, the benchmarks, the examples and the tests. One definition each, so that a
 * benchmark, a test and the recipe a user starts from are the same network. Plain data (the type
 * import is erased), so the dashboard's bundle takes it as it is.
 */
import type { LayerSpec } from './job-spec.js';

/** Fashion-MNIST's and MNIST's 28 x 28 grey images, as a vector of 784. */
const FLATTEN_28X28: LayerSpec = { type: 'Flatten', inputShape: [28, 28] };
const SOFTMAX_10: LayerSpec = { type: 'Dense', units: 10, activation: 'softmax' };

/** The chapter's 784-300-100-10 network: ReLU with He initialization. */
export const RELU_HE_MLP: LayerSpec[] = [
  FLATTEN_28X28,
  { type: 'Dense', units: 300, activation: 'relu', kernelInitializer: 'he_normal' },
  { type: 'Dense', units: 100, activation: 'relu', kernelInitializer: 'he_normal' },
  SOFTMAX_10,
];

/**
 * Its BatchNormalization + ELU variant, as the chapter writes it: BN on the inputs and before each
 * activation, and no bias in a Dense layer that a BN follows (the BN's offset does its work).
 */
export const BN_ELU_MLP: LayerSpec[] = [
  FLATTEN_28X28,
  { type: 'BatchNormalization' },
  { type: 'Dense', units: 300, kernelInitializer: 'he_normal', useBias: false },
  { type: 'BatchNormalization' },
  { type: 'Activation', activation: 'elu' },
  { type: 'Dense', units: 100, kernelInitializer: 'he_normal', useBias: false },
  { type: 'BatchNormalization' },
  { type: 'Activation', activation: 'elu' },
  SOFTMAX_10,
];

/**
 * The small convolutional base of the transfer-learning chapter, on images read as [28, 28, 1]:
 * two convolution + pooling stages, then one dense layer. No output layer: each task puts its own
 * on top (8 classes for task A, one sigmoid for task B).
 */
export const SMALL_CNN_BODY: LayerSpec[] = [
  { type: 'Conv2D', filters: 8, kernelSize: 3, activation: 'relu', kernelInitializer: 'he_normal', inputShape: [28, 28, 1] },
  { type: 'MaxPooling2D' },
  { type: 'Conv2D', filters: 16, kernelSize: 3, activation: 'relu', kernelInitializer: 'he_normal' },
  { type: 'MaxPooling2D' },
  { type: 'Flatten' },
  { type: 'Dense', units: 64, activation: 'relu', kernelInitializer: 'he_normal' },
];
