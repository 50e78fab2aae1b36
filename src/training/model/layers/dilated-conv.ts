/**
 * tfjs's Conv2D, Conv1D and SeparableConv2D made trainable with `dilationRate` above 1. tfjs has no
 * gradient for a dilated convolution on any backend; these layers convolve with the kernel dilated
 * (zeros between its taps, `dilateKernel`) at dilation 1, the same values, whose gradients exist
 * (and run on the service's own wasm convolution gradients). The dilated kernel costs
 * ((k - 1) d + 1)^2 / k^2 times the taps: 25 instead of 9 for a 3x3 kernel at rate 2.
 *
 * Each keeps its Keras class name and config (with its `dilationRate`) and replaces tfjs's entry in
 * the serialization map, so saved models stay standard layers that load anywhere with tfjs's own
 * dilated forward convolution, and every model loaded in this process (artifacts, transfer bases)
 * trains. Importing this module installs them.
 *
 * The SeparableConv2D also saves its depthMultiplier, which tfjs's leaves out.
 *
 * DepthwiseConv2D is not among them: tfjs's layer ignores its dilationRate (it convolves undilated
 * and sizes its output so), so a dilated one would not compute in tfjs what it means in Keras.
 */
import * as tf from '@tensorflow/tfjs';
import { dilateKernel } from './dilate-kernel.js';

type ConvArgs = Parameters<typeof tf.layers.conv2d>[0];
type SeparableConvArgs = Parameters<typeof tf.layers.separableConv2d>[0];
type Kwargs = Record<string, unknown>;

// tfjs does not export the classes themselves (and a deep import would load a second copy of
// tfjs-layers), so take them from instances made by the public factories.
const TfjsConv2D = tf.layers.conv2d({ filters: 1, kernelSize: 1 }).constructor as new (args: ConvArgs) => ReturnType<typeof tf.layers.conv2d>;
const TfjsConv1D = tf.layers.conv1d({ filters: 1, kernelSize: 1 }).constructor as new (args: ConvArgs) => ReturnType<typeof tf.layers.conv1d>;
const TfjsSeparableConv2D = tf.layers.separableConv2d({ filters: 1, kernelSize: 1 }).constructor as new (
  args: SeparableConvArgs,
) => ReturnType<typeof tf.layers.separableConv2d>;

/** The fields tfjs's call() reads the kernel and the rate from (declared protected there). */
type DilatedFields = { dilationRate: number[] } & Record<'kernel' | 'depthwiseKernel', { read(): tf.Tensor }>;

/**
 * Runs tfjs's own call() (`call`) with the dilated kernel at dilation 1. That call reads the kernel
 * through `layer[field].read()` and the rate from `layer.dilationRate`, so both stand in for the
 * call and are put back after it; reusing it keeps every path of tfjs's (fused activations, bias,
 * channels first, the 1-D reshape) exactly as it is. An undilated layer runs unchanged.
 */
function callWithDilatedKernel(layer: object, field: 'kernel' | 'depthwiseKernel', call: () => tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[] {
  const self = layer as DilatedFields;
  const rates = self.dilationRate;
  if (rates.every((rate) => rate === 1)) return call();
  const weight = self[field];
  self[field] = { read: () => dilateKernel(weight.read(), rates) };
  self.dilationRate = rates.map(() => 1);
  try {
    return call();
  } finally {
    self[field] = weight;
    self.dilationRate = rates;
  }
}

/** Conv2D whose dilated form trains; see the module comment. */
export class Conv2D extends TfjsConv2D {
  static className = 'Conv2D';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    return callWithDilatedKernel(this, 'kernel', () => super.call(inputs, kwargs));
  }
}

/** Conv1D whose dilated form trains; see the module comment. */
export class Conv1D extends TfjsConv1D {
  static className = 'Conv1D';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    return callWithDilatedKernel(this, 'kernel', () => super.call(inputs, kwargs));
  }
}

/** SeparableConv2D whose dilated form trains (the depthwise kernel is the dilated one); see the module comment. */
export class SeparableConv2D extends TfjsSeparableConv2D {
  static className = 'SeparableConv2D';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    return callWithDilatedKernel(this, 'depthwiseKernel', () => super.call(inputs, kwargs));
  }

  override getConfig(): tf.serialization.ConfigDict {
    // tfjs leaves depthMultiplier out of the saved config (Keras keeps it), so a layer with a
    // multiplier above 1 loaded with 1 and its weights no longer fitted.
    return { ...super.getConfig(), depthMultiplier: this.depthMultiplier };
  }
}

// The casts: tfjs's SerializableConstructor type does not see the static className through the factory-derived bases.
for (const layer of [Conv2D, Conv1D, SeparableConv2D]) tf.serialization.registerClass(layer as any);
