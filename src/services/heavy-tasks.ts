/**
 * The CPU-heavy request work, run in the worker threads of {@link ./heavy-pool.ts} so the API's
 * event loop keeps answering: big CSV and JSON dataset parses, spec checks that build a model,
 * and loading an imported model. Each task takes and returns plain, cloneable values; an error
 * comes back as data (its class would not survive the thread boundary) and is rebuilt there.
 */
import { datasetFromJson, parseCsvDataset } from '../data/index.js';
import type { Dataset } from '../data/types.js';
import { HttpError } from '../errors.js';
import type { JobSpec } from '../schemas/job-spec.js';
// Static imports only: under tsx, a worker thread's dynamic import() does not map .js to .ts.
import { checkModelSpec, type CheckContext } from '../training/check-spec.js';
import { checkSelfNormalization } from '../training/selu-check.js';
import { loadImportedModel } from '../training/import-check.js';
import { SpecError, type SpecProblem, type TrainingWarning } from '../training/types.js';

export type TaskError = { kind: 'spec' | 'http'; message: string; details: SpecProblem[]; statusCode?: number; code?: string };
export type TaskResult<T> = { ok: true; value: T } | { ok: false; error: TaskError };

export interface Tasks {
  parseCsv: { input: { text: string; labelColumn?: string }; output: { dataset: Dataset; labelNames: string[] | null } };
  parseJsonDataset: { input: { text: string }; output: { dataset: Dataset; name: string } };
  checkSpec: { input: { spec: JobSpec; ctx: CheckContext }; output: { problems: SpecProblem[]; warnings: TrainingWarning[] } };
  loadModel: { input: { modelJson: Record<string, unknown>; weights: Uint8Array }; output: unknown };
}

const handlers: { [K in keyof Tasks]: (input: Tasks[K]['input']) => Promise<Tasks[K]['output']> | Tasks[K]['output'] } = {
  parseCsv: ({ text, labelColumn }) => {
    const parsed = parseCsvDataset(text, { labelColumn });
    return { dataset: parsed.dataset, labelNames: parsed.labelNames };
  },
  parseJsonDataset: ({ text }) => {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      throw new HttpError(400, 'invalid_json', `the body is not valid JSON: ${(err as Error).message}`, [{ path: '', message: 'not valid JSON' }]);
    }
    const { name, features, labels, ...rest } = (body ?? {}) as Record<string, unknown>;
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined) throw new SpecError(`unknown option "${unknown}"`, [{ path: `/${unknown}`, message: `unknown option "${unknown}"` }]);
    if (typeof name !== 'string' || name.length < 1 || name.length > 200) throw new SpecError('/name: must be a string of 1 to 200 characters', [{ path: '/name', message: 'must be a string of 1 to 200 characters' }]);
    return { name, dataset: datasetFromJson({ features, labels } as never) };
  },
  checkSpec: ({ spec, ctx }) => {
    const problems = checkModelSpec(spec, ctx);
    return { problems, warnings: problems.length === 0 ? checkSelfNormalization(spec) : [] };
  },
  loadModel: ({ modelJson, weights }) => loadImportedModel(modelJson, Buffer.from(weights.buffer, weights.byteOffset, weights.byteLength)),
};

/** The worker thread's entry: runs one task, returning its value or its error as data. */
export default async function runTask({ task, input }: { task: keyof Tasks; input: unknown }): Promise<TaskResult<unknown>> {
  try {
    return { ok: true, value: await (handlers[task] as (i: unknown) => unknown)(input) };
  } catch (err) {
    if (err instanceof SpecError) return { ok: false, error: { kind: 'spec', message: err.message, details: err.details } };
    if (err instanceof HttpError) return { ok: false, error: { kind: 'http', message: err.message, details: err.details ?? [], statusCode: err.statusCode, code: err.code } };
    throw err;
  }
}
