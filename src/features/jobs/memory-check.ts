/**
 * A job's training memory against what the worker can hold, checked at POST /jobs so that a job
 * the training process could not hold is refused with the numbers behind it, rather than
 * failing (or taking the process down) after it started.
 */
import type { Config } from '../../infra/config.js';
import type { JobSpec } from '../../schemas/job-spec.js';
import {
  ALLOCATOR_SLACK,
  WASM_HEAP_LIMIT,
  estimateJobMemory,
  jobMemoryInputs,
  largestBatchWithin,
  type JobMemory,
  type JobSize,
  type MemoryInputs,
} from '../../training/sizing/memory-estimate.js';
import type { SpecProblem } from '../../core/problems.js';

const MB = 1024 * 1024;
const mb = (bytes: number) => `${Math.ceil(bytes / MB).toLocaleString('en')} MB`;
const count = (n: number) => n.toLocaleString('en');

/**
 * Whether the worker may train on the wasm backend: `auto` falls back to it wherever the native
 * bindings do not load, which the API cannot know about the worker's machine.
 */
const mayUseWasm = (config: Pick<Config, 'TFJS_BACKEND'>) => config.TFJS_BACKEND === 'wasm' || config.TFJS_BACKEND === 'auto';

/** The field to change: the part of the estimate that weighs most. */
function culprit(memory: JobMemory): { path: string; advice: string } {
  if (memory.activations >= memory.weights && memory.activations >= memory.data) return { path: '/fit/batchSize', advice: 'a smaller fit.batchSize' };
  if (memory.data > memory.weights) return { path: '/dataset', advice: 'a smaller dataset (dataset.limit)' };
  return { path: '/model/layers', advice: 'fewer or smaller layers' };
}

/** What to change, with the largest batch size that fits every limit when a batch size can. */
function advice(inputs: MemoryInputs, memory: JobMemory, limits: Array<['tensors' | 'total', number]>): { path: string; text: string } {
  const { path, advice: text } = culprit(memory);
  const largest = Math.min(...limits.map(([part, limit]) => largestBatchWithin(inputs, part, limit)));
  if (path === '/fit/batchSize' && largest > 0) return { path, text: `use a fit.batchSize of at most ${count(largest)}` };
  return { path, text: `use ${text}${largest > 0 ? ` (or a fit.batchSize of at most ${count(largest)})` : ''}` };
}

function breakdown(inputs: MemoryInputs, memory: JobMemory): string {
  return (
    `${count(inputs.params)} parameters x (weight + ${inputs.optimizerValues} optimizer step values${inputs.probeSamples > 0 ? ' + diagnostics copy' : ''}) x 4 bytes = ${mb(memory.weights)}, ` +
    `${count(inputs.stepValuesPerSample)} values per sample in a training step x batch ${count(inputs.batchSize)}${inputs.probeSamples > 0 ? ` (+ probe ${count(inputs.probeSamples)})` : ''} x ${ALLOCATOR_SLACK} (allocator) x 4 bytes = ${mb(memory.activations)}, ` +
    `data ${mb(memory.data)}`
  );
}

/**
 * Problems with the job's training memory: over what the wasm backend can address (4 GiB, a
 * wasm32 module's memory) when the worker may train on it, whatever MAX_JOB_MEMORY_MB allows; else
 * over MAX_JOB_MEMORY_MB. Each names the field to change and, where a smaller batch would do,
 * the largest batch size that fits.
 */
export function checkMemory(config: Pick<Config, 'TFJS_BACKEND' | 'MAX_JOB_MEMORY_MB'>, spec: JobSpec, size: JobSize): SpecProblem[] {
  const inputs = jobMemoryInputs(spec, size);
  const memory = estimateJobMemory(inputs);
  const limit = config.MAX_JOB_MEMORY_MB * MB;
  if (mayUseWasm(config) && memory.tensors > WASM_HEAP_LIMIT) {
    const fix = advice(inputs, memory, [
      ['tensors', WASM_HEAP_LIMIT],
      ['total', limit],
    ]);
    const message =
      `training would need about ${mb(memory.tensors)} of tensor memory (${breakdown(inputs, memory)}); ` +
      `the wasm backend holds every tensor in a wasm32 memory of at most ${mb(WASM_HEAP_LIMIT)} (4 GiB), whatever MAX_JOB_MEMORY_MB allows: ${fix.text}`;
    return [{ path: fix.path, message }];
  }
  if (memory.total <= limit) return [];
  const fix = advice(inputs, memory, [['total', limit]]);
  const message =
    `training would need about ${mb(memory.total)}: ${breakdown(inputs, memory)}, ` +
    `plus the decoded data, a checkpoint and the saved model outside the tensors; the limit is ${count(config.MAX_JOB_MEMORY_MB)} MB (MAX_JOB_MEMORY_MB): ${fix.text}`;
  return [{ path: fix.path, message }];
}
