/**
 * The `predict` task of a model thread (`ModelTasks`): runs a stored model on packed rows off the
 * API's event loop (inline, the loop is held for the whole prediction; in a thread only for the
 * hand-offs), and writes the response's JSON here too (serializing a wide output on the loop took
 * longer than the prediction itself; `npm run bench:responsiveness`). Each thread keeps the models
 * it loaded; one it does not have is answered "not loaded" (the rows go back, moved) and the API
 * sends it the stored artifact.
 */
import type * as tf from '@tensorflow/tfjs';
import { deserializeModel } from '../training/model/artifact.js';
import { packedBuffers, type PackedRows } from '../training/loop/packed-rows.js';
import { outputRows, predictPacked, type PackedOutputs } from '../training/loop/predict.js';
import { predictMcDropout } from '../training/loop/predict-mc-dropout.js';
import type { McDropoutRequest } from '../training/loop/mc-dropout-work.js';
import type { Preprocessing } from '../core/run-types.js';
import { ModelCache, NOT_LOADED } from './model-cache.js';
import { listenToModelCaches } from './predict-channel.js';
import { Moved } from './result.js';

/** A stored model as the API sends it on a miss; `weights` may be a view of a SharedArrayBuffer (read once, sent to any thread). */
export interface PredictArtifact {
  modelJson: Record<string, unknown>;
  weights: Uint8Array;
}

export interface PredictInput {
  modelId: string;
  rows: PackedRows;
  artifact?: PredictArtifact;
  /** Answer the mean and standard deviation over this many passes with dropout active. */
  mcDropout?: McDropoutRequest;
}

/** The response body (`{"outputs":[...]}`, plus `"std"` with MC dropout, UTF-8 JSON, moved), or the rows back when this thread does not have the model. */
export type PredictOutput = { loaded: true; json: Uint8Array } | { loaded: false; rows: PackedRows };

type Loaded = { model: tf.LayersModel; preprocessing?: Preprocessing };

/** Per thread: at most 8 models and 256 MiB of weights (the most recent one is kept whatever its size). */
export const PREDICT_CACHE_LIMITS = { maxModels: 8, maxBytes: 256 * 1024 * 1024 };

const cache = new ModelCache<Loaded>({ dispose: ({ model }) => model.dispose(), ...PREDICT_CACHE_LIMITS });
listenToModelCaches((message) => ('forget' in message ? cache.forget(message.forget) : cache.clear()));

/** The ids of the models this thread keeps, least recently used first (for tests). */
export const cachedModelIds = () => cache.ids();

export async function predictTask({ modelId, rows, artifact, mcDropout }: PredictInput): Promise<Moved<PredictOutput>> {
  const load = artifact && { bytes: artifact.weights.byteLength, load: () => deserializeModel(artifact) };
  const answer = ({ model, preprocessing }: Loaded) => {
    if (!mcDropout) return outputsJson(predictPacked(model, rows, preprocessing));
    const { mean, std } = predictMcDropout(model, rows, preprocessing, mcDropout);
    return outputsJson(mean, std);
  };
  const json = await cache.use(modelId, answer, load);
  if (json === NOT_LOADED) return new Moved<PredictOutput>({ loaded: false, rows }, packedBuffers(rows));
  return new Moved<PredictOutput>({ loaded: true, json }, [json.buffer as ArrayBuffer]);
}

/** `{"outputs":[[...],...]}` (and `"std"`) as the route's serializer wrote it (the same numbers, the same text), in a buffer of its own. */
function outputsJson(outputs: PackedOutputs, std?: PackedOutputs): Uint8Array {
  const body = std ? { outputs: outputRows(outputs), std: outputRows(std) } : { outputs: outputRows(outputs) };
  const json = new TextEncoder().encode(JSON.stringify(body));
  return json.byteOffset === 0 && json.byteLength === json.buffer.byteLength ? json : json.slice();
}
