/**
 * Worker-thread entry for dataset parsing (see `createThreadPool`): big CSV and JSON dataset
 * bodies are decoded, checked and converted here, off the API's event loop. It imports only the
 * parsers and the body schema, never tfjs, so a thread starts in well under a second.
 * Static imports only: under tsx, a worker thread's dynamic import() does not map .js to .ts.
 */
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { parseCsvDataset } from '../data/csv.js';
import { datasetFromJson } from '../data/json.js';
import type { Dataset } from '../data/types.js';
import { ServiceError, invalid } from '../core/errors.js';
import { AJV_OPTIONS, describeAjvError, type AjvError } from '../schemas/ajv.js';
import { DatasetJsonBody } from '../schemas/dataset.js';
import { NUL_OR_LONE_SURROGATE, unstorableText } from '../schemas/unstorable.js';
import { ModelImportBody, PredictBody } from '../schemas/model.js';
import { compileBodyCheck } from '../schemas/validate.js';
import { packRows, packedBuffers, type PackedRows } from '../training/loop/packed-rows.js';
import { checkMcDropoutWork, type McDropoutRequest } from '../training/loop/mc-dropout-work.js';
import { prepareImport, type PreparedImport } from '../training/checks/import-prepare.js';
import { parseJsonBody } from './json-body.js';
import { capture, Moved, type TaskResult } from './result.js';

export interface DataTasks {
  parseCsv: { input: { bytes: Uint8Array; labelColumn?: string }; output: { dataset: Dataset; labelNames: string[] | null } };
  parseJsonDataset: { input: { bytes: Uint8Array }; output: { dataset: Dataset; name: string } };
  /** A POST /models/:id/predict body: parsed, checked against PredictBody (and its MC dropout work bounded), its rows packed. */
  parsePredictBody: { input: { bytes: Uint8Array }; output: { rows: PackedRows; mcDropout?: McDropoutRequest } };
  /** A POST /models body: parsed, checked against ModelImportBody and by prepareImport. */
  parseModelImport: { input: { bytes: Uint8Array; limits: { maxParams: number; maxLayers: number } }; output: PreparedImport };
  /** Does nothing: started threads answer it once their modules are loaded (warm-up). */
  ping: { input: null; output: 'pong' };
}

// Compiled as the thread starts (the pool warms a thread of each kind at start-up), not by the
// first request it serves: each takes tens of milliseconds.
const checkPredictBody = compileBodyCheck(PredictBody);
const checkImportBody = compileBodyCheck(ModelImportBody);

/** A dataset's sample arrays, moved back rather than copied (a 60 MB JSON dataset's are 43 MB). */
const datasetBuffers = (ds: Dataset): ArrayBuffer[] =>
  [ds.features, ds.labels]
    .filter((a): a is Float32Array | Int32Array => a !== null && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength)
    .map((a) => a.buffer as ArrayBuffer);

/** Weights small enough to come from Node's shared buffer pool are copied: moving the pool would empty its neighbours. */
const ownBytes = (bytes: Uint8Array) => (bytes.byteLength < 64 * 1024 ? new Uint8Array(bytes) : bytes);

// The same schema, options and messages as the route's own validator (`installValidators`).
const validateJsonBody = addFormats.default(new Ajv({ ...AJV_OPTIONS, coerceTypes: false })).compile(DatasetJsonBody);

/** UTF-8 as the API decoded bodies before (invalid bytes become U+FFFD). */
const decodeUtf8 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');

const handlers: { [K in keyof DataTasks]: (input: DataTasks[K]['input']) => DataTasks[K]['output'] | Moved<DataTasks[K]['output']> } = {
  parseCsv: ({ bytes, labelColumn }) => {
    const text = decodeUtf8(bytes);
    // Checked here rather than by the API's preValidation hook, which would scan it on the loop.
    if (text.includes('\u0000')) throw invalid('text with a NUL character cannot be stored', [{ path: '/file', message: 'contains a NUL character' }]);
    const parsed = parseCsvDataset(text, { labelColumn });
    return new Moved({ dataset: parsed.dataset, labelNames: parsed.labelNames }, datasetBuffers(parsed.dataset));
  },
  parseJsonDataset: ({ bytes }) => {
    let body: unknown;
    try {
      body = JSON.parse(decodeUtf8(bytes));
    } catch (err) {
      throw new ServiceError('invalid_json', `the body is not valid JSON: ${(err as Error).message}`, [{ path: '', message: 'not valid JSON' }]);
    }
    if (!validateJsonBody(body)) {
      const details = (validateJsonBody.errors ?? []).map((e) => describeAjvError(e as AjvError, 'body'));
      throw invalid(`${details[0]?.path || '/'}: ${details[0]?.message ?? 'invalid'}`, details);
    }
    const { name, features, labels } = body as DatasetJsonBody;
    if (NUL_OR_LONE_SURROGATE.test(name)) throw unstorableText('/name');
    const dataset = datasetFromJson({ features, labels } as never);
    return new Moved({ name, dataset }, datasetBuffers(dataset));
  },
  parsePredictBody: ({ bytes }) => {
    const body = parseJsonBody(bytes);
    checkPredictBody(body);
    const { inputs, mcDropout } = body as { inputs: unknown[]; mcDropout?: McDropoutRequest };
    if (mcDropout) checkMcDropoutWork(mcDropout, inputs.length);
    const rows = packRows(inputs);
    return new Moved(mcDropout ? { rows, mcDropout } : { rows }, packedBuffers(rows));
  },
  parseModelImport: ({ bytes, limits }) => {
    const body = parseJsonBody(bytes);
    checkImportBody(body);
    const prepared = prepareImport(body as { modelJson: Record<string, unknown>; weights: string; name?: string }, limits);
    const weights = ownBytes(prepared.weights);
    return new Moved({ ...prepared, weights }, [weights.buffer as ArrayBuffer]);
  },
  ping: () => 'pong',
};

/** The thread's entry (piscina calls the default export): one task, its value or its client error as data. */
export default function runDataTask({ task, input }: { task: keyof DataTasks; input: unknown }): Promise<TaskResult<unknown>> {
  return capture(() => (handlers[task] as (i: unknown) => unknown)(input));
}
