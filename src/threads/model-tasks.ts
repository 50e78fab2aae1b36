/**
 * Worker-thread entry for the work that builds tfjs models (see `createThreadPool`): checking a
 * job spec by building its model (which allocates and initializes every weight), loading an
 * imported model, and predicting with a stored one (`predictTask`). tfjs is loaded once per
 * thread, at its start (the pool warms its threads).
 * Static imports only: under tsx, a worker thread's dynamic import() does not map .js to .ts.
 */
import { checkModelSpec, type CheckContext } from '../training/checks/check-spec.js';
import { loadImportedModel } from '../training/checks/import-check.js';
import { checkSelfNormalization } from '../training/checks/selu-check.js';
import type { ModelCheckInput } from '../training/checks/model-check-input.js';
import type { ModelSummary, TrainingWarning } from '../core/run-types.js';
import type { SpecProblem } from '../core/problems.js';
import { predictTask, type PredictInput, type PredictOutput } from './predict-task.js';
import { exportTask, type ExportInput } from './export-task.js';
import { capture, type Moved, type TaskResult } from './result.js';

export interface ModelTasks {
  checkSpec: { input: { spec: ModelCheckInput; ctx: CheckContext }; output: { problems: SpecProblem[]; warnings: TrainingWarning[] } };
  loadModel: { input: { modelJson: Record<string, unknown>; weights: Uint8Array }; output: ModelSummary };
  /** POST /models/:id/predict: the rows (moved) through the thread's cached model, or "not loaded". */
  predict: { input: PredictInput; output: PredictOutput };
  /** GET /models/:id/export?format=onnx: the stored model as an ONNX file (moved). */
  exportOnnx: { input: ExportInput; output: Uint8Array };
  /** Does nothing: started threads answer it once tfjs is loaded (warm-up). */
  ping: { input: null; output: 'pong' };
}

const handlers: {
  [K in keyof ModelTasks]: (input: ModelTasks[K]['input']) => Promise<ModelTasks[K]['output'] | Moved<ModelTasks[K]['output']>> | ModelTasks[K]['output'];
} = {
  checkSpec: ({ spec, ctx }) => {
    const problems = checkModelSpec(spec, ctx);
    return { problems, warnings: problems.length === 0 ? checkSelfNormalization(spec) : [] };
  },
  loadModel: ({ modelJson, weights }) => loadImportedModel(modelJson, Buffer.from(weights.buffer, weights.byteOffset, weights.byteLength)),
  predict: predictTask,
  exportOnnx: exportTask,
  ping: () => 'pong',
};

/** The thread's entry (piscina calls the default export): one task, its value or its client error as data. */
export default function runModelTask({ task, input }: { task: keyof ModelTasks; input: unknown }): Promise<TaskResult<unknown>> {
  return capture(() => (handlers[task] as (i: unknown) => unknown)(input));
}
