/**
 * The options of the convolutional spec layers and their Keras shorthands read as full values,
 * without tfjs: the model builder and the spec-only sizing share them.
 */
import type { ActivationName } from '../../schemas/job-spec.js';
import type { InitializerSpec } from './initializers.js';
import type { WeightRegularizationOptions } from './weight-regularization.js';

/** The options the convolutional layers read (see `LayerOptions`, which includes these). */
export interface ConvLayerOptions extends WeightRegularizationOptions {
  type: string;
  filters?: number;
  kernelSize?: number | number[];
  strides?: number | number[];
  padding?: 'valid' | 'same' | number | number[] | number[][];
  dilationRate?: number | number[];
  depthMultiplier?: number;
  poolSize?: number | number[];
  activation?: ActivationName;
  useBias?: boolean;
  kernelInitializer?: InitializerSpec;
  depthwiseInitializer?: InitializerSpec;
  pointwiseInitializer?: InitializerSpec;
  biasInitializer?: InitializerSpec;
  rate?: number;
  seed?: number;
}

/** A window option as the [height, width] pair (or the single length for 1-D layers) tfjs wants. */
export function windowOf(value: number | number[] | undefined, rank: 1 | 2, fallback: number): number[] {
  if (value === undefined) return Array<number>(rank).fill(fallback);
  return typeof value === 'number' ? Array<number>(rank).fill(value) : [...value];
}

/** ZeroPadding2D's `padding` as tfjs wants it: [[top, bottom], [left, right]]. */
export function zeroPaddingOf(padding: ConvLayerOptions['padding']): [[number, number], [number, number]] {
  if (padding === undefined || typeof padding === 'string')
    return [
      [1, 1],
      [1, 1],
    ];
  if (typeof padding === 'number')
    return [
      [padding, padding],
      [padding, padding],
    ];
  if (Array.isArray(padding[0])) {
    const [rows, cols] = padding as number[][];
    return [
      [rows[0], rows[1]],
      [cols[0], cols[1]],
    ];
  }
  const [rows, cols] = padding as number[];
  return [
    [rows, rows],
    [cols, cols],
  ];
}
