import { invalid } from '../errors.js';
import type { Db } from '../storage/prisma.js';
import { getModel, storeModel } from './models.js';

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
      if (!Array.isArray(spec.shape) || !spec.shape.every((d) => Number.isInteger(d) && d >= 0)) throw bad(`/${g}/weights/${i}/shape`, 'must be an array of non-negative integers');
      const dtype = spec.quantization?.dtype ?? spec.dtype ?? 'float32';
      if (!(dtype in DTYPE_BYTES)) throw bad(`/${g}/weights/${i}/dtype`, `must be one of ${Object.keys(DTYPE_BYTES).join(', ')}`);
      return spec as WeightSpec;
    });
  });
}

/**
 * Imports a TensorFlow.js layers model trained elsewhere (e.g. a Keras model converted by
 * tensorflowjs_converter), so a job can use it as its `base`. The model must load: it is
 * deserialized once here, which also gives its summary.
 */
export async function importModel(db: Db, body: { modelJson: Record<string, unknown>; weights: string; name?: string }) {
  const json = body.modelJson as { modelTopology?: unknown; weightsManifest?: Array<{ paths: string[]; weights: WeightSpec[] }>; format?: string };
  if (!json.modelTopology || typeof json.modelTopology !== 'object') {
    throw invalid('modelJson is not a TensorFlow.js layers model', [{ path: '/modelJson/modelTopology', message: 'is required (a layers-model topology)' }]);
  }
  if (json.format && json.format !== 'layers-model') {
    throw invalid('only layers models can be imported', [{ path: '/modelJson/format', message: `is "${json.format}"; a graph model cannot be a base, convert with --output_format=tfjs_layers_model` }]);
  }
  const specs = manifestWeights(json.weightsManifest);
  const weights = Buffer.from(body.weights, 'base64');
  const expected = specs.reduce((sum, w) => sum + w.shape.reduce((a, b) => a * b, 1) * (DTYPE_BYTES[w.quantization?.dtype ?? w.dtype ?? 'float32'] ?? 4), 0);
  if (weights.byteLength !== expected) {
    throw invalid('weights do not match the manifest', [
      { path: '/weights', message: `has ${weights.byteLength} bytes; the weightsManifest describes ${expected}` },
    ]);
  }
  const modelJson = { ...body.modelJson, weightsManifest: [{ paths: ['weights.bin'], weights: specs }] };

  const { deserializeModel } = await import('../training/artifact.js');
  const { summarizeModel } = await import('../training/summary.js');
  let summary;
  try {
    const { model } = await deserializeModel({ modelJson, weights });
    summary = summarizeModel(model);
    model.dispose();
  } catch (err) {
    throw invalid(`the model does not load: ${(err as Error).message}`, [{ path: '/modelJson', message: (err as Error).message }]);
  }
  const id = await storeModel(db, { jobId: null, name: body.name, summary, modelJson, weights, source: 'imported' });
  return getModel(db, id);
}
