/**
 * Loads an imported model once, as the worker will, to check that it loads and to count its
 * parameters. Imported statically (tfjs included) by the API's worker threads, where it runs.
 */
import * as tf from '@tensorflow/tfjs';
import { ServiceError, invalid } from '../../core/errors.js';
// Registers the custom layers and activations a stored model may name.
import '../model/artifact.js';
import { summarizeModel } from '../model/summary.js';
import type { ModelSummary } from '../../core/run-types.js';

/** {@link loadForImport}, with tfjs's refusals turned into a 400 naming /modelJson. */
export async function loadImportedModel(modelJson: Record<string, unknown>, weights: Buffer): Promise<ModelSummary> {
  try {
    return await loadForImport(modelJson, weights);
  } catch (err) {
    if (err instanceof ServiceError) throw err;
    const message = describeLoadError(err);
    throw invalid(`the model does not load: ${message}`, [{ path: '/modelJson', message }]);
  }
}

/**
 * Loads the model once, as the worker will (same topology conversion, strict weight loading),
 * checks that /predict and a job can use it (one input, one output) and returns its summary.
 * Whatever it fails on, nothing stays allocated: tfjs builds the layers synchronously, so the
 * variables registered during that call are this import's alone and are disposed if it fails,
 * and every other tensor is freed with its scope.
 */
export async function loadForImport(modelJson: Record<string, unknown>, weights: Buffer): Promise<ModelSummary> {
  const json = modelJson as unknown as tf.io.ModelJSON;
  const engine = tf.engine();
  const variablesBefore = new Set(Object.keys(engine.registeredVariables));
  let building: Promise<tf.LayersModel>;
  let created: string[];
  engine.startScope();
  try {
    // Without a weightsManifest, modelFromJSON deserializes synchronously (the promise is already
    // settled), so no other request's tensors can be created inside this scope.
    building = tf.models.modelFromJSON({ modelTopology: json.modelTopology });
  } finally {
    created = Object.keys(engine.registeredVariables).filter((name) => !variablesBefore.has(name));
    engine.endScope();
  }
  let model: tf.LayersModel;
  try {
    model = await building;
  } catch (err) {
    // A layer that failed mid-build leaves the variables of the layers built before it.
    for (const name of created) engine.registeredVariables[name]?.dispose();
    throw err;
  }
  try {
    const specs = (json.weightsManifest ?? []).flatMap((group) => group.weights);
    const data = new Uint8Array(weights).buffer;
    tf.tidy(() => model.loadWeights(tf.io.decodeWeights(data, specs), true));
    if (json.trainingConfig) model.loadTrainingConfig(json.trainingConfig as never);
    if (model.inputs.length !== 1 || model.outputs.length !== 1) {
      const message = `the model has ${model.inputs.length} input(s) and ${model.outputs.length} output(s); only single-input, single-output models can be imported`;
      throw invalid(message, [{ path: '/modelJson/modelTopology', message }]);
    }
    return summarizeModel(model);
  } finally {
    model.dispose();
  }
}

/**
 * What tfjs said, when it speaks to the user (a ValueError naming a layer option); a JavaScript
 * engine error (stack overflow, a property of undefined) says nothing the user can act on.
 */
function describeLoadError(err: unknown): string {
  const internal =
    err instanceof RangeError || err instanceof TypeError || err instanceof ReferenceError || err instanceof SyntaxError || !(err instanceof Error);
  return internal ? 'the topology could not be read as a TensorFlow.js layers model' : err.message;
}
