/**
 * Converts models to and from the stored artifact: a TensorFlow.js layers-format model.json plus weights.bin.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelArtifact, Preprocessing } from '../../core/run-types.js';
// Registers the custom classes a stored model may name (leaky_relu, RReLU, Keras-behaving BatchNormalization, ELU with any alpha,
// convolutions that train dilated, a DepthwiseConv2D that saves its constraint).
import './activations.js';
import './layers/batch-normalization.js';
import './layers/depthwise-conv.js';
import './layers/dilated-conv.js';
import './layers/elu.js';
import './layers/rrelu.js';
import './layers/seeded-dropout.js';
import './layers/spatial-dropout-2d.js';
// Loaded weights are the saved ones, whatever their constraints.
import './plain-weight-writes.js';

/** The file name the weights manifest points to; the API serves the bytes under it. */
export const WEIGHTS_FILE = 'weights.bin';

/**
 * Serializes a model to the tfjs layers format. `preprocessing` is kept in the model.json's
 * `userDefinedMetadata`, so it travels with the model.
 */
export async function serializeModel(model: tf.LayersModel, preprocessing?: Preprocessing): Promise<ModelArtifact> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!saved?.modelTopology) throw new Error('tfjs saved no model topology');
  const data = saved.weightData;
  // tfjs may hand the weights over as several buffers; weights.bin is their concatenation.
  const bytes = data === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(data);
  const modelJson: Record<string, unknown> = {
    modelTopology: saved.modelTopology,
    format: saved.format ?? 'layers-model',
    generatedBy: saved.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: saved.convertedBy ?? null,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: saved.weightSpecs ?? [] }],
  };
  if (saved.trainingConfig) modelJson['trainingConfig'] = saved.trainingConfig;
  if (preprocessing) modelJson['userDefinedMetadata'] = { preprocessing };
  return { modelJson, weights: new Uint8Array(bytes) };
}

/** Loads a model (and its preprocessing, if saved) from an artifact. The caller disposes the model. */
export async function deserializeModel(artifact: ModelArtifact): Promise<{ model: tf.LayersModel; preprocessing?: Preprocessing }> {
  const json = artifact.modelJson as unknown as tf.io.ModelJSON & { userDefinedMetadata?: { preprocessing?: Preprocessing } };
  const manifest = json.weightsManifest ?? [];
  const weightSpecs = manifest.flatMap((group) => group.weights);
  // Copy into a fresh ArrayBuffer: the Uint8Array may be a view into a larger (e.g. Node Buffer pool) buffer.
  const weightData = artifact.weights.slice().buffer;
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs,
      weightData,
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy,
      trainingConfig: json.trainingConfig,
    }),
  );
  const preprocessing = json.userDefinedMetadata?.preprocessing;
  return preprocessing ? { model, preprocessing } : { model };
}
