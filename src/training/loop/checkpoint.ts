import * as tf from '@tensorflow/tfjs';

/**
 * A training checkpoint: every model weight (trainable or not, so BatchNormalization's moving
 * statistics too) and the optimizer's state (its step counter, moments, accumulators), after a
 * given epoch. Encoded in the tfjs weights format: a spec list plus one byte buffer each.
 */
export interface Checkpoint {
  /** The last epoch it includes (1-based, counted across phases). */
  epoch: number;
  phase: 'train' | 'fine_tune';
  /** Epochs run before this phase began (its first epoch is phaseStart + 1). */
  phaseStart: number;
  model: { specs: tf.io.WeightsManifestEntry[]; data: Uint8Array };
  optimizer: { specs: tf.io.WeightsManifestEntry[]; data: Uint8Array };
}

async function encode(named: Array<{ name: string; tensor: tf.Tensor }>): Promise<{ specs: tf.io.WeightsManifestEntry[]; data: Uint8Array }> {
  const { data, specs } = await tf.io.encodeWeights(named);
  return { specs, data: new Uint8Array(tf.io.CompositeArrayBuffer.join(data)) };
}

function decode(encoded: { specs: tf.io.WeightsManifestEntry[]; data: Uint8Array }): tf.NamedTensorMap {
  return tf.io.decodeWeights(encoded.data.slice().buffer, encoded.specs);
}

/** Captures the model's and the optimizer's state after `epoch`. */
export async function captureCheckpoint(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  at: { epoch: number; phase: 'train' | 'fine_tune'; phaseStart: number },
): Promise<Checkpoint> {
  // Positional names: a resumed model is rebuilt from the same spec, so weights line up by order
  // even where tfjs gives layers fresh unique names.
  const modelWeights = model.weights.map((w, i) => ({ name: `w${i}`, tensor: w.read() }));
  const optimizerWeights = await optimizer.getWeights();
  try {
    return { ...at, model: await encode(modelWeights), optimizer: await encode(optimizerWeights) };
  } finally {
    // getWeights() returns the optimizer's own variables plus a fresh scalar of its step count.
    tf.dispose(optimizerWeights.map((w) => w.tensor).filter((t) => !(t instanceof tf.Variable)));
  }
}

/** Puts a checkpoint's state back into a model built and compiled from the same spec. */
export async function restoreCheckpoint(model: tf.LayersModel, optimizer: tf.Optimizer, checkpoint: Checkpoint): Promise<void> {
  const weights = decode(checkpoint.model);
  if (Object.keys(weights).length !== model.weights.length) {
    tf.dispose(Object.values(weights));
    throw new Error(`checkpoint has ${Object.keys(weights).length} weights, the model ${model.weights.length}`);
  }
  model.weights.forEach((w, i) => w.write(weights[`w${i}`]));
  tf.dispose(Object.values(weights));
  const state = decode(checkpoint.optimizer);
  const named = checkpoint.optimizer.specs.map((s) => ({ name: s.name, tensor: state[s.name] }));
  if (named.length > 0) await optimizer.setWeights(named);
  tf.dispose(Object.values(state));
}
