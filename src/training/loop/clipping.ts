/**
 * Gradient clipping for tfjs optimizers, with tf.keras semantics.
 *
 * tfjs optimizers have no `clipnorm`/`clipvalue`, so clipping is done by wrapping the
 * optimizer's `applyGradients`: `Optimizer.minimize` (which `model.fit` calls) computes the
 * gradients and hands them to `applyGradients`, so every training step passes through here.
 */
import * as tf from '@tensorflow/tfjs';

/** The clipping options of an optimizer spec. */
export interface ClipOptions {
  /** Clip each gradient component to [-clipValue, clipValue] (Keras `clipvalue`). */
  clipValue?: number;
  /** Rescale each gradient tensor whose own L2 norm exceeds this (Keras `clipnorm`, per tensor). */
  clipNorm?: number;
  /** Rescale all gradients together when their global L2 norm exceeds this (Keras `global_clipnorm`). */
  globalClipNorm?: number;
}

/** True when any clipping option is set. */
export function hasClipping(opts: ClipOptions): boolean {
  return opts.clipValue != null || opts.clipNorm != null || opts.globalClipNorm != null;
}

/**
 * Clips a list of gradient tensors, in the order value, per-tensor norm, global norm.
 * Returns new tensors (the caller owns them and the inputs are untouched).
 */
export function clipGradients(grads: tf.Tensor[], opts: ClipOptions): tf.Tensor[] {
  return tf.tidy(() => {
    let out = grads.map((g) => g);
    if (opts.clipValue != null) {
      const c = opts.clipValue;
      out = out.map((g) => tf.clipByValue(g, -c, c));
    }
    if (opts.clipNorm != null) {
      const maxNorm = opts.clipNorm;
      // tf.clip_by_norm: g * maxNorm / max(norm, maxNorm), so tensors under the limit are unchanged.
      out = out.map((g) => tf.mul(g, tf.div(maxNorm, tf.maximum(tf.norm(g), maxNorm))));
    }
    if (opts.globalClipNorm != null) {
      const maxNorm = opts.globalClipNorm;
      const globalNorm = tf.sqrt(tf.addN(out.map((g) => tf.sum(tf.square(g)))));
      // tf.clip_by_global_norm: every tensor scaled by maxNorm / max(globalNorm, maxNorm).
      const scale = tf.div(maxNorm, tf.maximum(globalNorm, maxNorm));
      out = out.map((g) => tf.mul(g, scale));
    }
    // Copies for untouched tensors, so the result never aliases the caller's inputs.
    return out.map((g, i) => (g === grads[i] ? tf.clone(g) : g));
  });
}

/** Gradients in either form `Optimizer.applyGradients` accepts. */
type Gradients = tf.NamedTensorMap | NamedTensor[];
interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/**
 * Makes `optimizer` clip the gradients before every update, by replacing its
 * `applyGradients` on the instance. `beforeApply` (if given) runs first on every step,
 * which is where learning-rate schedules update the rate.
 */
export function installGradientHook(optimizer: tf.Optimizer, opts: ClipOptions, beforeApply?: () => void): tf.Optimizer {
  const clip = hasClipping(opts);
  if (!clip && beforeApply == null) return optimizer;
  const original = optimizer.applyGradients.bind(optimizer);
  optimizer.applyGradients = (grads: Gradients): void => {
    beforeApply?.();
    if (!clip) {
      original(grads);
      return;
    }
    const named: NamedTensor[] = Array.isArray(grads) ? grads : Object.keys(grads).map((name) => ({ name, tensor: grads[name] }));
    // Frozen variables can arrive with a null gradient; leave those out of the norms.
    const present = named.filter((g) => g.tensor != null);
    const clipped = clipGradients(
      present.map((g) => g.tensor),
      opts,
    );
    try {
      original(present.map((g, i) => ({ name: g.name, tensor: clipped[i] })));
    } finally {
      tf.dispose(clipped);
    }
  };
  return optimizer;
}
