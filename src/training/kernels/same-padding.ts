/**
 * Forward convolutions on the wasm backend with `same` padding, given as the explicit padding it
 * means.
 *
 * The stock kernels hand `same` to XNNPACK as its TensorFlow-same-padding flag, and some shapes
 * then come out wrong: a filter one tap wide or high with a stride above 1 (a 1x3 or 3x1 filter at
 * stride 2, for example) gives zeros or values shifted against the cpu backend's. The same padding
 * spelled out as numbers (tfjs's own computation, which every backend shares) gives the right
 * values on every shape tried.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelArgs } from './kernel-args.js';
import type { KernelReplacement } from './replace-kernel.js';

type Pad = Parameters<typeof tf.backend_util.computeConv2DInfo>[4];

/** `same` as the explicit padding tfjs computes for it, for this input, filter, stride and dilation. */
export function explicitSamePadding(xShape: number[], filterShape: number[], attrs: NonNullable<KernelArgs['attrs']>, depthwise: boolean): Pad {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as number | [number, number],
    (attrs.dilations as number | [number, number] | undefined) ?? 1,
    'same',
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    depthwise,
  );
  const { top, bottom, left, right } = info.padInfo;
  return [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
}

function withExplicitSame(depthwise: boolean): (stock: tf.KernelFunc) => tf.KernelFunc {
  return (stock) => (args: KernelArgs) => {
    const { inputs, attrs } = args;
    const { x, filter } = inputs;
    if (!attrs || attrs.pad !== 'same' || !x || !filter || x.shape.length !== 4) return stock(args);
    return stock({ ...args, attrs: { ...attrs, pad: explicitSamePadding(x.shape, filter.shape, attrs, depthwise) as unknown as tf.NamedAttrMap[string] } });
  };
}

export const samePaddingReplacements: KernelReplacement[] = [
  { kernelName: 'Conv2D', wrap: withExplicitSame(false) },
  { kernelName: 'FusedConv2D', wrap: withExplicitSame(false) },
  { kernelName: 'DepthwiseConv2dNative', wrap: withExplicitSame(true) },
  { kernelName: 'FusedDepthwiseConv2D', wrap: withExplicitSame(true) },
];
