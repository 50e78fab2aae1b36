import type { LayerSpec } from '../../schemas/job-spec.js';
import { INPUT_VALUES, layerStepValues } from './step-memory.js';
import { CONV_LAYER_TYPES, sizeConvLayer } from './conv-size.js';
import type { ConvLayerOptions } from '../model/conv-options.js';

/** What a stack of layers will hold, counted from the spec alone. */
export interface StackSize {
  params: number;
  /** Values the layers output for one sample, summed over the layers (what backprop keeps). */
  activationsPerSample: number;
  /**
   * Values one training step holds per sample (see {@link layerStepValues}): the input batch, each layer's
   * outputs, their gradients and the temporaries of both.
   */
  stepValuesPerSample: number;
}

/**
 * Sizes a stack of layers from the spec alone (no tfjs, no allocation), so an absurd spec
 * (Dense 65536 x 65536) is refused before anything is built. Exact for the layer types we
 * offer; `inputShape` is what the first layer receives.
 */
export function sizeLayers(layers: readonly LayerSpec[], inputShape: readonly number[]): StackSize {
  let shape = [...inputShape];
  let params = 0;
  let activationsPerSample = 0;
  const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  let stepValuesPerSample = INPUT_VALUES * size(shape);
  for (const layer of layers) {
    const last = shape[shape.length - 1] ?? 1;
    const inputValues = size(shape);
    switch (layer.type) {
      case 'Flatten':
        shape = [size(shape)];
        break;
      case 'Reshape':
        shape = [...layer.targetShape];
        break;
      case 'Dense':
        params += last * layer.units + (layer.useBias === false ? 0 : layer.units);
        shape = [...shape.slice(0, -1), layer.units];
        break;
      case 'BatchNormalization':
        params += 4 * last;
        break;
      case 'PReLU': {
        const shared = new Set(layer.sharedAxes ?? []);
        params += shape.reduce((n, d, i) => (shared.has(i + 1) ? n : n * d), 1);
        break;
      }
      default:
        if (CONV_LAYER_TYPES.has(layer.type)) {
          // A layer that does not fit its input keeps the shape here; check-spec reports it.
          const sized = sizeConvLayer(layer as ConvLayerOptions, shape);
          if ('params' in sized) {
            params += sized.params;
            shape = sized.output;
          }
        }
        break;
    }
    activationsPerSample += size(shape);
    stepValuesPerSample += layerStepValues(layer, inputValues, size(shape));
  }
  return { params, activationsPerSample, stepValuesPerSample };
}

/** The parameters a stack of layers will have (see {@link sizeLayers}). */
export function estimateParams(layers: readonly LayerSpec[], inputShape: readonly number[]): number {
  return sizeLayers(layers, inputShape).params;
}
