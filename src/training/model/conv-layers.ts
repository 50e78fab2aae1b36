/**
 * The convolutional spec layers as tfjs layers: convolutions, pooling, zero padding and channel
 * dropout, channels last. Unset options take Keras's defaults.
 */
import * as tf from '@tensorflow/tfjs';
import { toTfjsActivation } from './activations.js';
import { BIAS_SEED_OFFSET, makeInitializer, type InitializerSpec } from './initializers.js';
import { SpatialDropout2D } from './layers/spatial-dropout-2d.js';
import { Conv1D, Conv2D, SeparableConv2D } from './layers/dilated-conv.js';
import { DepthwiseConv2D } from './layers/depthwise-conv.js';
import { weightRegularizationArgs } from './weight-regularization.js';
import { windowOf, zeroPaddingOf, type ConvLayerOptions } from './conv-options.js';

/** Offsets between the seeds of one layer's weights, so the draws differ. */
const SEED_OFFSETS = { bias: BIAS_SEED_OFFSET, pointwise: 104_729 } as const;

/** Common layer options: name, trainable, inputShape. */
type Common = { name?: string; trainable?: boolean; inputShape?: number[] };

const padMode = (padding: ConvLayerOptions['padding']): 'same' | 'valid' => (padding === 'same' ? 'same' : 'valid');

function init(spec: InitializerSpec | undefined, fallback: InitializerSpec, seed: number | undefined, offset = 0) {
  return makeInitializer(spec ?? fallback, seed === undefined ? undefined : seed + offset);
}

/**
 * Conv2D, SeparableConv2D, DepthwiseConv2D and Conv1D; the first three as the service's layers that train dilated,
 * DepthwiseConv2D as the service's that saves its constraint.
 */
function convolution(spec: ConvLayerOptions, common: Common, seed: number | undefined): tf.layers.Layer {
  const rank = spec.type === 'Conv1D' ? 1 : 2;
  const window = {
    kernelSize: windowOf(spec.kernelSize, rank, 1) as [number, number],
    strides: windowOf(spec.strides, rank, 1) as [number, number],
    dilationRate: windowOf(spec.dilationRate, rank, 1) as [number, number],
    padding: padMode(spec.padding),
    activation: toTfjsActivation(spec.activation ?? 'linear'),
    useBias: spec.useBias ?? true,
    biasInitializer: init(spec.biasInitializer, 'zeros', seed, SEED_OFFSETS.bias),
    // The schema allows only the weights each layer has: kernel (Conv2D, Conv1D), depthwise and pointwise (SeparableConv2D), depthwise (DepthwiseConv2D).
    ...weightRegularizationArgs(spec),
  } as const;
  switch (spec.type) {
    case 'Conv2D':
      return new Conv2D({
        ...common,
        ...window,
        filters: spec.filters as number,
        kernelInitializer: init(spec.kernelInitializer, 'glorot_uniform', seed),
      });
    case 'Conv1D':
      // tfjs takes a 1-D layer's window options as plain numbers.
      return new Conv1D({
        ...common,
        ...window,
        kernelSize: window.kernelSize[0],
        strides: window.strides[0],
        dilationRate: window.dilationRate[0],
        filters: spec.filters as number,
        kernelInitializer: init(spec.kernelInitializer, 'glorot_uniform', seed),
      });
    case 'SeparableConv2D':
      return new SeparableConv2D({
        ...common,
        ...window,
        filters: spec.filters as number,
        depthMultiplier: spec.depthMultiplier ?? 1,
        depthwiseInitializer: init(spec.depthwiseInitializer, 'glorot_uniform', seed),
        pointwiseInitializer: init(spec.pointwiseInitializer, 'glorot_uniform', seed, SEED_OFFSETS.pointwise),
      });
    default:
      // Our DepthwiseConv2D: tfjs's saves its regularizer in place of its constraint.
      return new DepthwiseConv2D({
        ...common,
        ...window,
        kernelSize: window.kernelSize,
        depthMultiplier: spec.depthMultiplier ?? 1,
        depthwiseInitializer: init(spec.depthwiseInitializer, 'glorot_uniform', seed),
      });
  }
}

/** The tfjs layer for a convolutional spec layer, or undefined when `spec.type` is not one. */
export function createConvLayer(spec: ConvLayerOptions, common: Common, seed: number | undefined): tf.layers.Layer | undefined {
  switch (spec.type) {
    case 'Conv2D':
    case 'Conv1D':
    case 'SeparableConv2D':
    case 'DepthwiseConv2D':
      return convolution(spec, common, seed);
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const poolSize = windowOf(spec.poolSize, 2, 2) as [number, number];
      const args = { ...common, poolSize, strides: windowOf(spec.strides ?? poolSize, 2, 2) as [number, number], padding: padMode(spec.padding) };
      return spec.type === 'MaxPooling2D' ? tf.layers.maxPooling2d(args) : tf.layers.averagePooling2d(args);
    }
    case 'GlobalAveragePooling2D':
      return tf.layers.globalAveragePooling2d(common);
    case 'GlobalMaxPooling2D':
      return tf.layers.globalMaxPooling2d(common);
    case 'ZeroPadding2D':
      return tf.layers.zeroPadding2d({ ...common, padding: zeroPaddingOf(spec.padding) });
    case 'SpatialDropout2D':
      return new SpatialDropout2D({ ...common, rate: spec.rate as number, seed: spec.seed });
    default:
      return undefined;
  }
}
