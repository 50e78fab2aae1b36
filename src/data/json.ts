import { ProblemCollector, pointer, specError } from '../core/problems.js';
import { featureSize } from './dataset.js';
import { FLOAT32_MAX } from './float32.js';
import { MAX_CLASSES, type Dataset } from './types.js';

/** A dataset as sent in a JSON body: one nested array per sample, optional class labels. */
export interface JsonDatasetBody {
  features: number[][] | number[][][];
  labels?: number[];
}

/** Shape of a nested array, following first elements; [] for a scalar. */
function shapeOf(value: unknown): number[] {
  const shape: number[] = [];
  let v = value;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0];
  }
  return shape;
}

/**
 * Copies one sample into `out` at `offset`, checking that it has exactly `shape` and holds
 * finite numbers; reports the first problems with paths such as `/features/3/1`.
 * @returns the offset after the sample.
 */
function copySample(value: unknown, shape: number[], depth: number, path: string, out: Float32Array, offset: number, problems: ProblemCollector): number {
  if (depth === shape.length) {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      problems.add(path, `expected a finite number, got ${describe(value)}`);
    } else if (Math.abs(value) > FLOAT32_MAX) {
      problems.add(path, `${value} is beyond float32 range (|x| <= ${FLOAT32_MAX}), in which features are stored`);
    } else {
      out[offset] = value;
    }
    return offset + 1;
  }
  const stride = featureSize(shape.slice(depth + 1));
  if (!Array.isArray(value) || value.length !== shape[depth]) {
    const got = Array.isArray(value) ? `${value.length} items` : describe(value);
    problems.add(path, `expected an array of ${shape[depth]} items (every sample must have shape [${shape.join(', ')}]), got ${got}`);
    return offset + shape[depth] * stride;
  }
  for (let i = 0; i < value.length && !problems.full; i++) {
    offset = copySample(value[i], shape, depth + 1, `${path}/${i}`, out, offset, problems);
  }
  return offset;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 20 ? value.slice(0, 20) + '…' : value)}`;
  return typeof value;
}

/**
 * Builds a dataset from a JSON body. Every sample must have the shape of the first one
 * (rectangular), values must be finite numbers, labels non-negative integers, one per sample.
 * Problems name the offending element: `/features/3/1`, `/labels/7`.
 * @throws SpecError for input the user must fix.
 */
export function datasetFromJson(body: JsonDatasetBody): Dataset {
  // The body comes from the network: check even what the type promises.
  const raw = body as unknown as { features?: unknown; labels?: unknown };
  if (raw === null || typeof raw !== 'object') specError('', 'expected an object with `features` (and optionally `labels`)');
  const samplesIn = raw.features;
  if (!Array.isArray(samplesIn) || samplesIn.length === 0) specError('/features', 'expected a non-empty array of samples');

  const shape = shapeOf(samplesIn[0]);
  if (shape.length === 0) specError('/features/0', 'each sample must be an array of numbers (or of arrays of numbers)');
  if (shape.length > 3) specError('/features/0', `a sample may have at most 3 dimensions, this one has ${shape.length}`);
  if (shape.some((d) => d === 0)) specError('/features/0', `a sample must not be empty (shape [${shape.join(', ')}])`);

  const size = featureSize(shape);
  const features = new Float32Array(samplesIn.length * size);
  const problems = new ProblemCollector('invalid dataset');
  for (let s = 0; s < samplesIn.length && !problems.full; s++) {
    copySample(samplesIn[s], shape, 0, pointer('', 'features', s), features, s * size, problems);
  }

  let labels: Int32Array | null = null;
  let classes = 0;
  if (raw.labels !== undefined && raw.labels !== null) {
    const labelsIn = raw.labels;
    if (!Array.isArray(labelsIn)) {
      problems.add('/labels', `expected an array of class indices, got ${describe(labelsIn)}`);
    } else if (labelsIn.length !== samplesIn.length) {
      problems.add('/labels', `there are ${labelsIn.length} labels for ${samplesIn.length} samples; give one label per sample`);
    } else {
      labels = new Int32Array(labelsIn.length);
      for (let i = 0; i < labelsIn.length && !problems.full; i++) {
        const label: unknown = labelsIn[i];
        if (typeof label !== 'number' || !Number.isInteger(label) || label < 0 || label >= MAX_CLASSES) {
          problems.add(pointer('', 'labels', i), `expected a class index from 0 to ${MAX_CLASSES - 1}, got ${describe(label)}`);
        } else {
          labels[i] = label;
          if (label + 1 > classes) classes = label + 1;
        }
      }
    }
  }
  problems.throwIfAny();
  return { features, labels, featureShape: shape, samples: samplesIn.length, classes };
}
