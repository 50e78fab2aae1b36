/**
 * Keeps a model's dropout layers, and only them, drawing masks while it predicts (MC dropout).
 * `model.apply(x, { training: true })` would do it by putting every layer in training mode, but
 * BatchNormalization would then normalize with the batch's statistics and move its moving ones
 * (Keras's MCDropout subclass keeps it in inference for that reason); switching the service's
 * dropout classes on one by one leaves the rest of the model exactly as `model.predict` runs it.
 */
import type * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../../core/random.js';
import { isSampledDropout, type SampledDropout } from './layers/seeded-dropout.js';

/** The model's dropout layers that drop anything (0 < rate < 1), nested models' included, in model order. */
export function dropoutLayers(model: tf.LayersModel): SampledDropout[] {
  const found: SampledDropout[] = [];
  const walk = (layers: tf.layers.Layer[]) => {
    for (const layer of layers) {
      if (isSampledDropout(layer)) {
        if (layer.dropRate > 0 && layer.dropRate < 1) found.push(layer);
      } else if (Array.isArray((layer as { layers?: unknown }).layers)) {
        walk((layer as unknown as { layers: tf.layers.Layer[] }).layers);
      }
    }
  };
  walk(model.layers);
  return found;
}

/**
 * Runs `fn` with `layers` dropping units at inference. Layer i draws from its own stream,
 * derived from `seed` (fresh draws without one), so a seed gives the same masks every time.
 * `fn` must be synchronous: the layers belong to a cached model other requests use afterwards.
 */
export function withDropoutSampling<T>(layers: SampledDropout[], seed: number | undefined, fn: () => T): T {
  layers.forEach((layer, i) => layer.startSampling(seed === undefined ? undefined : deriveSeed(seed, 'mc-dropout', i)));
  try {
    return fn();
  } finally {
    for (const layer of layers) layer.stopSampling();
  }
}
