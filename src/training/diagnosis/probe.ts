/**
 * Gradient-health diagnostics, measured once per epoch on a fixed probe batch.
 *
 * Cost: one forward and one backward pass over the probe batch per epoch plus a copy of each
 * layer's main weight tensor; nothing runs per batch. A probe of 256 samples costs about as much
 * as 8 training steps of batch 32 (for 784-300-100-10 on 2,000 samples, over a tenth of an epoch);
 * `runTrainingJob` caps the default probe at 5% of the training samples, which brings it to a few
 * percent of the epoch (`npm run bench`, part (a)).
 *
 * Definitions, per layer that has weights (the "main weight" is its kernel, or its first
 * trainable weight when it has no kernel, e.g. BatchNormalization's gamma):
 * - gradNorm: L2 norm of the gradient of the mean probe loss w.r.t. the main weight, measured in
 *   inference mode (Dropout off, BatchNormalization on its moving statistics) so the probe
 *   changes nothing. Frozen layers are measured too (their variables are made differentiable
 *   for the duration of the probe).
 * - weightNorm: L2 norm of the main weight at the end of the epoch.
 * - updateRatio: ||W_end - W_start|| / ||W_start|| / steps: the mean relative change per
 *   optimizer step over the epoch (W_start snapshot taken at the epoch start). Around 1e-3 is
 *   the usual healthy range; much smaller means the layer barely learns.
 * - activationMean / activationStd / deadFraction: statistics of the layer's "activation of
 *   interest" on the probe batch: its own output, or, when weightless same-shape layers follow
 *   it (Activation, LeakyReLU, ELU, RReLU, Dropout...), the output of the last of those, i.e.
 *   the value after the nonlinearity. A unit is dead when that value is exactly 0 for every
 *   probe sample; that is relu's `<= 0` region (relu outputs exact zeros), while elu, selu or
 *   leaky units can only be dead through underflow.
 */
import * as tf from '@tensorflow/tfjs';
import type { EpochDiagnostics, LayerDiagnostics } from '../../core/run-types.js';
import { layerInputShape } from '../model/shapes.js';
import type { LayerDetail } from './types.js';

/** Probe facts that are not part of the public `LayerDiagnostics`, used by the diagnosis rules. */
export type LayerProbeDetail = LayerDetail;

/** One epoch's diagnostics and the details the warnings need. */
export interface ProbeResult {
  diagnostics: EpochDiagnostics;
  details: LayerProbeDetail[];
}

/** Default number of training samples in the probe batch. */
export const DEFAULT_PROBE_SIZE = 256;

interface Tracked {
  layer: tf.layers.Layer;
  /** Index in the chain of the last layer whose output is this layer's activation of interest. */
  activationIndex: number;
  activation: string | null;
  /** A normalization layer (BatchNormalization): it rescales what flows through it in training. */
  normalizes: boolean;
}

type LossFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/**
 * Measures {@link EpochDiagnostics} for a compiled model whose layers form a chain (a Sequential
 * model, or a functional model that is a straight stack). Call `snapshot()` at each epoch
 * start (the end-of-epoch `measure()` re-snapshots, so once before training is enough) and
 * `dispose()` at the end.
 */
export class GradientProbe {
  private readonly x: tf.Tensor;
  private readonly y: tf.Tensor;
  private readonly chain: tf.layers.Layer[];
  private readonly tracked: Tracked[];
  private start = new Map<string, tf.Tensor>();

  constructor(
    private readonly model: tf.LayersModel,
    x: tf.Tensor,
    y: tf.Tensor,
    probeSize = DEFAULT_PROBE_SIZE,
  ) {
    const n = Math.min(probeSize, x.shape[0]);
    // The first n training samples: a fixed batch, so epochs are comparable.
    this.x = tf.slice(x, 0, n);
    this.y = tf.slice(y, 0, n);
    this.chain = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
    this.tracked = trackLayers(this.chain);
  }

  /** Copies each tracked layer's main weight as the epoch's starting point. */
  snapshot(): void {
    this.clearSnapshot();
    for (const t of this.tracked) this.start.set(t.layer.name, tf.clone(mainWeight(t.layer).read()));
  }

  /**
   * Runs the probe after an epoch of `steps` optimizer steps and re-snapshots for the next
   * epoch. Returns null when the model is not a chain of layers or was not compiled.
   */
  async measure(epoch: number, steps: number): Promise<ProbeResult | null> {
    const lossFn = compiledLoss(this.model);
    if (lossFn == null || this.tracked.length === 0) return null;
    const variables = this.tracked.map((t) => mainWeight(t.layer).read() as tf.Variable);
    // variableGrads skips non-trainable variables; frozen layers are measured as well.
    const wasTrainable = variables.map((v) => v.trainable);
    variables.forEach((v) => (v.trainable = true));
    let outputs: tf.Tensor[] = [];
    let grads: tf.NamedTensorMap = {};
    let value: tf.Scalar | null = null;
    try {
      ({ value, grads } = tf.variableGrads(() => {
        let h = this.x;
        outputs = [];
        for (const layer of this.chain) {
          h = layer.apply(h, { training: false }) as tf.Tensor;
          // Clones: the tape disposes tensors it saved for backprop, a kept original could go with them.
          outputs.push(tf.keep(tf.clone(h)));
        }
        return tf.mean(lossFn(this.y, h)) as tf.Scalar;
      }, variables));
    } catch {
      tf.dispose(outputs);
      return null;
    } finally {
      variables.forEach((v, i) => (v.trainable = wasTrainable[i]));
    }

    const perLayer = 8;
    const stats = tf.tidy(() =>
      tf.concat(
        this.tracked.map((t, i) => {
          const w = variables[i];
          const g = grads[w.name];
          const act = outputs[t.activationIndex];
          const flat = tf.reshape(act, [act.shape[0], -1]);
          const { mean, variance } = tf.moments(flat);
          // A unit is dead when it is 0 on every probe sample; for a convolution the unit is the
          // filter (channel), zero at every position of every sample.
          const units = act.rank > 2 ? tf.reshape(act, [-1, act.shape[act.rank - 1]]) : flat;
          const dead = tf.mean(tf.cast(tf.all(tf.equal(units, 0), 0), 'float32'));
          const start = this.start.get(t.layer.name);
          const diff = start ? tf.norm(tf.sub(w, start)) : tf.scalar(0);
          const startNorm = start ? tf.norm(start) : tf.scalar(0);
          return tf.stack([g ? tf.norm(g) : tf.scalar(NaN), tf.norm(w), diff, startNorm, mean, tf.sqrt(variance), dead, saturation(flat, t.activation)]);
        }),
      ),
    );
    // Read asynchronously: the webgpu backend cannot read a GPU buffer synchronously in Node.
    const v = await stats.data().finally(() => tf.dispose([stats, value, outputs, Object.values(grads)]));

    const layers: LayerDiagnostics[] = [];
    const details: LayerProbeDetail[] = [];
    this.tracked.forEach((t, i) => {
      const o = i * perLayer;
      const [gradNorm, weightNorm, diff, startNorm, mean, std, dead, sat] = Array.from(v.slice(o, o + perLayer));
      layers.push({
        name: t.layer.name,
        gradNorm,
        weightNorm,
        updateRatio: steps > 0 && startNorm > 0 ? diff / startNorm / steps : 0,
        activationMean: mean,
        activationStd: std,
        deadFraction: dead,
      });
      details.push({
        name: t.layer.name,
        trainable: t.layer.trainable && wasTrainable[i],
        activation: t.activation,
        saturatedFraction: Number.isNaN(sat) ? null : sat,
        isOutput: i === this.tracked.length - 1,
        normalizes: t.normalizes,
      });
    });
    this.snapshot();
    return { diagnostics: { epoch, layers }, details };
  }

  /** Frees the probe batch and the weight snapshot. */
  dispose(): void {
    this.clearSnapshot();
    tf.dispose([this.x, this.y]);
  }

  private clearSnapshot(): void {
    tf.dispose([...this.start.values()]);
    this.start = new Map();
  }
}

/** The compiled loss; a Sequential keeps it on its inner LayersModel. */
function compiledLoss(model: tf.LayersModel): LossFn | undefined {
  type WithLoss = { lossFunctions?: LossFn[]; model?: WithLoss };
  const m = model as unknown as WithLoss;
  return (m.lossFunctions ?? m.model?.lossFunctions)?.[0];
}

/** The layer's kernel, or its first trainable weight, or its first weight. */
function mainWeight(layer: tf.layers.Layer): tf.LayerVariable {
  const ws = layer.weights;
  return ws.find((w) => /(^|\/)kernel(_\d+)?$/.test(w.originalName)) ?? layer.trainableWeights[0] ?? ws[0];
}

function activationOf(layer: tf.layers.Layer): string | null {
  const cls = layer.getClassName();
  const config = layer.getConfig() as { activation?: unknown };
  if (typeof config.activation === 'string') return config.activation;
  if (cls === 'ReLU') return 'relu';
  if (cls === 'LeakyReLU' || cls === 'ELU' || cls === 'PReLU' || cls === 'RReLU' || cls === 'Softmax') return cls.toLowerCase();
  return null;
}

/** Picks the weighted layers and, for each, the index of its activation of interest. */
function trackLayers(chain: tf.layers.Layer[]): Tracked[] {
  const out: Tracked[] = [];
  chain.forEach((layer, i) => {
    if (layer.weights.length === 0) return;
    let last = i;
    let activation = activationOf(layer);
    while (last + 1 < chain.length && isElementwise(chain[last + 1])) {
      last += 1;
      // A later linear Activation (an identity placeholder) leaves relu(x) a relu's output.
      const next = activationOf(chain[last]);
      if (next !== null && (next !== 'linear' || activation === null)) activation = next;
    }
    out.push({ layer, activationIndex: last, activation, normalizes: NORMALIZING.has(layer.getClassName()) });
  });
  return out;
}

const NORMALIZING = new Set(['BatchNormalization', 'LayerNormalization']);

/** A weightless layer that keeps the shape: an activation, a dropout, a noise layer. */
function isElementwise(layer: tf.layers.Layer): boolean {
  if (layer.weights.length > 0) return false;
  try {
    return JSON.stringify(layer.outputShape) === JSON.stringify(layerInputShape(layer));
  } catch {
    return false;
  }
}

/**
 * Fraction of values within 5% of a sigmoid's (0, 1) or tanh's (-1, 1) limits; for softmax, the
 * fraction of samples whose top probability is above 0.99 (pinned to one answer); NaN otherwise.
 */
function saturation(flat: tf.Tensor, activation: string | null): tf.Scalar {
  if (activation === 'softmax') return tf.mean(tf.cast(tf.greater(tf.max(flat, 1), 0.99), 'float32'));
  if (activation === 'sigmoid' || activation === 'hard_sigmoid' || activation === 'hardSigmoid') {
    return tf.mean(tf.cast(tf.logicalOr(tf.less(flat, 0.05), tf.greater(flat, 0.95)), 'float32'));
  }
  if (activation === 'tanh') return tf.mean(tf.cast(tf.greater(tf.abs(flat), 0.95), 'float32'));
  return tf.scalar(NaN);
}
