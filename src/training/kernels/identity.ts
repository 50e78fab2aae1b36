/**
 * `Identity` on the wasm backend as a shared buffer instead of a copy.
 *
 * While a gradient is being recorded, tfjs keeps a clone (`Identity`) of every tensor a gradient
 * will need: about a hundred per training step of the chapter's network, the input batch and
 * every activation among them. The stock wasm kernel copies each into a new buffer. Tensor values
 * are never written after a kernel made them, so the clone can share the buffer, counted by
 * reference as `Reshape` already does on this backend (and `Identity` on the cpu backend).
 */
import type * as tf from '@tensorflow/tfjs';
import type { KernelArgs } from './kernel-args.js';
import type { KernelReplacement } from './replace-kernel.js';

interface RefCountingBackend {
  incRef(dataId: object): void;
}

function shareBuffer(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { x } = args.inputs;
    if (!x || x.dtype === 'string') return stock(args);
    (args.backend as RefCountingBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}

export const identityReplacements: KernelReplacement[] = [{ kernelName: 'Identity', wrap: shareBuffer }];
