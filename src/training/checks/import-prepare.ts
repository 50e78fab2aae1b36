import { invalid, tooLarge } from '../../core/errors.js';
import { checkInitializers } from './initializer-check.js';
import { checkPreprocessing } from './preprocessing-check.js';
import { sizeTopology } from '../sizing/topology-size.js';
import { SpecError } from '../../core/problems.js';
import { exceedsJsonLimits } from '../../core/json-size.js';

/**
 * Bounds on an imported model.json (topology and manifest, not the weights): a converted Keras
 * model of tens of layers takes tens of kilobytes and nests about 12 levels deep.
 */
export const MODEL_JSON_LIMITS = { maxDepth: 64, maxBytes: 4 * 1024 * 1024 };

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, float16: 2 };

interface WeightSpec {
  name: string;
  shape: number[];
  dtype?: string;
  quantization?: { dtype: string };
}

/** The weight specs of a weightsManifest, checked entry by entry (it comes from the client). */
function manifestWeights(manifest: unknown): WeightSpec[] {
  const bad = (path: string, message: string) => invalid('modelJson.weightsManifest is malformed', [{ path: `/modelJson/weightsManifest${path}`, message }]);
  if (manifest === undefined) return [];
  if (!Array.isArray(manifest)) throw bad('', 'must be an array of { paths, weights } groups');
  return manifest.flatMap((group: unknown, g) => {
    const weights = (group as { weights?: unknown } | null)?.weights;
    if (!Array.isArray(weights)) throw bad(`/${g}/weights`, 'must be an array of { name, shape, dtype }');
    return weights.map((w: unknown, i) => {
      const spec = w as Partial<WeightSpec> | null;
      if (typeof spec?.name !== 'string') throw bad(`/${g}/weights/${i}/name`, 'must be a string');
      if (!Array.isArray(spec.shape) || !spec.shape.every((d) => Number.isInteger(d) && d >= 0))
        throw bad(`/${g}/weights/${i}/shape`, 'must be an array of non-negative integers');
      const dtype = spec.quantization?.dtype ?? spec.dtype ?? 'float32';
      if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, dtype))
        throw bad(`/${g}/weights/${i}/dtype`, `must be one of ${Object.keys(DTYPE_BYTES).join(', ')}`);
      return spec as WeightSpec;
    });
  });
}

/** An import's body once checked: the model.json to store (its manifest rewritten) and the decoded weights. */
export interface PreparedImport {
  modelJson: Record<string, unknown>;
  weights: Uint8Array;
  name?: string;
}

/**
 * Everything an import checks before the database and tfjs are involved: the model.json's size
 * and nesting, its topology (parameters and layers counted from the text), initializers,
 * preprocessing, and the weights (decoded from base64: as many bytes as the manifest says, all
 * finite). Pure, so a data thread runs it (its `parseModelImport` task): on the event loop, the
 * base64 decode and the finite check of a large import's weights alone would block it noticeably.
 */
export function prepareImport(
  body: { modelJson: Record<string, unknown>; weights: string; name?: string },
  limits: { maxParams: number; maxLayers: number },
): PreparedImport {
  const over = exceedsJsonLimits(body.modelJson, MODEL_JSON_LIMITS, '/modelJson');
  if (over) {
    const problem = [{ path: over.path, message: over.message }];
    throw over.message.startsWith('nests')
      ? invalid(`modelJson ${over.message}`, problem)
      : tooLarge(`modelJson ${over.message} (the weights travel in \`weights\`)`, problem);
  }
  const json = body.modelJson as { modelTopology?: unknown; weightsManifest?: Array<{ paths: string[]; weights: WeightSpec[] }>; format?: string };
  if (!json.modelTopology || typeof json.modelTopology !== 'object') {
    throw invalid('modelJson is not a TensorFlow.js layers model', [{ path: '/modelJson/modelTopology', message: 'is required (a layers-model topology)' }]);
  }
  if (json.format && json.format !== 'layers-model') {
    // Not always a string: an object whose `toString` is not a function made the message itself throw (a 500).
    const message =
      typeof json.format === 'string'
        ? `is "${json.format.slice(0, 100)}"; a graph model cannot be a base, convert with --output_format=tfjs_layers_model`
        : 'must be "layers-model"';
    throw invalid('only layers models can be imported', [{ path: '/modelJson/format', message }]);
  }
  const specs = manifestWeights(json.weightsManifest);
  const manifestParams = specs.reduce((sum, w) => sum + w.shape.reduce((a, b) => a * b, 1), 0);
  checkSize(json.modelTopology, manifestParams, limits);
  const badInitializer = checkInitializers(json.modelTopology, '/modelJson/modelTopology');
  if (badInitializer) throw invalid(`${badInitializer.path}: ${badInitializer.message}`, [badInitializer]);
  const preprocessing = (json as { userDefinedMetadata?: { preprocessing?: unknown } }).userDefinedMetadata?.preprocessing;
  const badPreprocessing = checkPreprocessing(preprocessing, '/modelJson/userDefinedMetadata/preprocessing');
  if (badPreprocessing.length > 0)
    throw invalid(`the model's preprocessing cannot be applied: ${badPreprocessing[0].path}: ${badPreprocessing[0].message}`, badPreprocessing);
  const weights = Buffer.from(body.weights, 'base64');
  const expected = specs.reduce((sum, w) => sum + w.shape.reduce((a, b) => a * b, 1) * (DTYPE_BYTES[w.quantization?.dtype ?? w.dtype ?? 'float32'] ?? 4), 0);
  if (weights.byteLength !== expected) {
    throw invalid('weights do not match the manifest', [
      { path: '/weights', message: `has ${weights.byteLength} bytes; the weightsManifest describes ${expected}` },
    ]);
  }
  const nonFinite = firstNonFiniteWeight(specs, weights);
  if (nonFinite)
    throw invalid(`weight ${nonFinite} holds NaN or Infinity; such a model predicts NaN and trains nothing`, [
      { path: '/weights', message: `${nonFinite} is not finite` },
    ]);
  const modelJson = { ...body.modelJson, weightsManifest: [{ paths: ['weights.bin'], weights: specs }] };
  return { modelJson, weights, name: body.name };
}

/**
 * Sizes the topology from its text (parameters, layers) and refuses it before tfjs builds
 * anything: building allocates every weight, so a 242-byte topology could otherwise take
 * gigabytes and block the event loop for tens of seconds.
 */
function checkSize(topology: unknown, manifestParams: number, limits: { maxParams: number; maxLayers: number }): void {
  let size;
  try {
    size = sizeTopology(topology);
  } catch (err) {
    if (err instanceof SpecError) throw invalid(err.message, err.details);
    throw err;
  }
  const path = '/modelJson/modelTopology';
  if (size.layers > limits.maxLayers)
    throw invalid(`the model has ${size.layers} layers; the limit is ${limits.maxLayers} (MAX_LAYERS)`, [
      { path, message: `at most ${limits.maxLayers} layers` },
    ]);
  if (size.params > limits.maxParams) {
    const message = `the model has ${size.params.toLocaleString('en')} parameters; the limit is ${limits.maxParams.toLocaleString('en')} (MAX_PARAMS)`;
    throw invalid(message, [{ path, message }]);
  }
  if (size.params > manifestParams) {
    const message = `the topology needs ${size.params.toLocaleString('en')} weight values, the weightsManifest describes ${manifestParams.toLocaleString('en')}`;
    throw invalid(`weights do not match the topology: ${message}`, [{ path: '/modelJson/weightsManifest', message }]);
  }
}

/** The name of the first float32 weight holding NaN or Infinity, or null. */
function firstNonFiniteWeight(specs: WeightSpec[], weights: Uint8Array): string | null {
  let offset = 0;
  for (const spec of specs) {
    const dtype = spec.quantization?.dtype ?? spec.dtype ?? 'float32';
    const bytes = spec.shape.reduce((a, b) => a * b, 1) * (DTYPE_BYTES[dtype] ?? 4);
    if (dtype === 'float32' && !spec.quantization) {
      const values = new Float32Array(weights.buffer.slice(weights.byteOffset + offset, weights.byteOffset + offset + bytes));
      for (const v of values) if (!Number.isFinite(v)) return spec.name;
    }
    offset += bytes;
  }
  return null;
}
