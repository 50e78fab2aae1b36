import type { JobSpec, OptimizerSpec } from '../../schemas/job-spec.js';

const BYTES = 4; // float32
const MB = 1024 * 1024;

/**
 * The most the wasm backend can hold: tfjs-backend-wasm is a wasm32 module whose linear memory
 * may grow to 4 GiB less one 64 KiB page (its `getHeapMax`). Every tensor lives there, so a step
 * that needs more aborts the training process ("memory access out of bounds", or "Aborted()").
 */
export const WASM_HEAP_LIMIT = 4 * 1024 * MB - 64 * 1024;

/** The wasm module's heap before any tensor (its initial memory: tfjs's and XNNPACK's own state). */
const WASM_HEAP_BASE = 16 * MB;

/**
 * How far past a request the wasm heap grows (emscripten's `_emscripten_resize_heap`): 20% of the
 * heap, at most 96 MiB. Counted in, so the estimate bounds the wasm memory itself (what the
 * benchmark reads), at the cost of refusing up to 96 MiB early at the 4 GiB ceiling.
 */
const heapGrowth = (bytes: number) => Math.min(0.2 * bytes, 96 * MB);

/**
 * What the training process holds for a job besides tensors and copies of the data and weights:
 * tfjs's bookkeeping, V8's heap growing under the job's garbage. About half of this on the chapter's
 * models (`npm run bench:memory`); twice that is allowed.
 */
const PROCESS_OVERHEAD = 128 * MB;

/**
 * The allocator's overhead on a step's tensors: the wasm heap never shrinks, and an epoch's last,
 * smaller batch and the probe's batch reuse its freed blocks imperfectly (three batches took up to
 * 10% more than one).
 */
export const ALLOCATOR_SLACK = 1.2;

/**
 * Per-weight state each optimizer keeps besides the weight itself (tfjs): momentum or moment
 * estimates, squared-gradient accumulators. What a checkpoint stores per weight, besides it.
 */
export function optimizerSlots(optimizer: OptimizerSpec): number {
  switch (optimizer.type) {
    case 'sgd':
      return (optimizer.momentum ?? 0) > 0 ? 1 : 0;
    case 'adam':
    case 'adamax':
    case 'adadelta':
      return 2;
    case 'rmsprop':
      return 1 + ((optimizer.momentum ?? 0) > 0 ? 1 : 0) + (optimizer.centered ? 1 : 0);
    case 'adagrad':
      return 1;
    default:
      return 2;
  }
}

/**
 * Values per weight an optimizer step holds at its peak besides the weight itself: the gradient,
 * the slots, and the update's temporaries. tfjs computes every variable's update inside one
 * `tidy`, so the temporaries of all of them (adam: about 14 per weight) are alive at once.
 * The engine's peak on the wasm backend with a 5.4M-weight model, rounded up (`npm run bench:memory
 * -- --layers`); gradient clipping adds a scaled copy of the gradients.
 */
export function optimizerStepValues(optimizer: OptimizerSpec): number {
  const clipping = 'clipNorm' in optimizer || 'clipValue' in optimizer || 'globalClipNorm' in optimizer ? 1 : 0;
  const base = (() => {
    switch (optimizer.type) {
      case 'sgd':
        return (optimizer.momentum ?? 0) > 0 ? 5 : 3;
      case 'adam':
        return 18;
      case 'adamax':
        return 16;
      case 'rmsprop':
        return 14;
      case 'adagrad':
        return 7;
      case 'adadelta':
        return 13;
      default:
        return 18;
    }
  })();
  return base + clipping;
}

/** What a job's training is sized from (counted from the spec and the datasets' shapes). */
export interface MemoryInputs {
  params: number;
  /** Values a training step holds per sample (`stepValuesPerSample`). */
  stepValuesPerSample: number;
  /** Samples per batch (at most the training samples). */
  batchSize: number;
  /** The largest of the optimizers' {@link optimizerStepValues}. */
  optimizerValues: number;
  /** The largest of the optimizers' {@link optimizerSlots}. */
  slots: number;
  /** Samples held: training (validation split included), validation and evaluation datasets. */
  samples: number;
  /** Samples trained on each epoch (after a validation split). */
  trainSamples: number;
  /** Values of one sample's features. */
  featureValues: number;
  /** Values of one sample's targets: 1, one per class for one-hot targets, the features for an autoencoder. */
  labelValues: number;
  /** Samples the diagnostics probe trains on between epochs; 0 without diagnostics. */
  probeSamples: number;
  /** `dataset.standardize`: the standardized features are a second copy. */
  standardize: boolean;
}

/** What {@link jobMemoryInputs} reads besides the spec: the model's size and the data's shapes. */
export interface JobSize {
  params: number;
  stepValuesPerSample: number;
  /** Samples of the training dataset (before any validation split). */
  samples: number;
  /** Values of one sample's features. */
  featureValues: number;
  classes: number;
  /** Samples of the validation and evaluation datasets, when the spec names them. */
  otherSamples: number;
}

/** Probe batch of the diagnostics when the spec gives none (the probe's `DEFAULT_PROBE_SIZE`; not imported, to keep tfjs out). */
const DEFAULT_PROBE_SAMPLES = 256;

/** The estimate's inputs for a job: what the worker will train, counted from the spec and the data's shapes. */
export function jobMemoryInputs(spec: JobSpec, size: JobSize): MemoryInputs {
  const split = spec.validation?.split;
  const trainSamples = split === undefined ? size.samples : Math.max(1, Math.floor(size.samples * (1 - split)));
  const optimizers = [spec.compile.optimizer, ...(spec.fineTune?.optimizer ? [spec.fineTune.optimizer] : [])];
  const loss = spec.compile.loss;
  // As the training loop's labelTensor: an autoencoder's targets are its inputs; other losses than the
  // sparse ones train on one-hot rows.
  const labelsPerSample =
    spec.task === 'autoencoder' ? size.featureValues : loss === 'sparse_categorical_crossentropy' || loss === 'binary_crossentropy' ? 1 : size.classes;
  return {
    params: size.params,
    stepValuesPerSample: size.stepValuesPerSample,
    batchSize: Math.min(spec.fit.batchSize ?? 32, trainSamples),
    optimizerValues: Math.max(...optimizers.map(optimizerStepValues)),
    slots: Math.max(...optimizers.map(optimizerSlots)),
    samples: size.samples + size.otherSamples,
    trainSamples,
    featureValues: size.featureValues,
    labelValues: labelsPerSample,
    probeSamples: spec.diagnostics?.enabled === false ? 0 : Math.min(spec.diagnostics?.probeSize ?? DEFAULT_PROBE_SAMPLES, trainSamples),
    standardize: spec.dataset.standardize === true,
  };
}

/** The parts of a job's training memory, in bytes. */
export interface JobMemory {
  /** Weights, the optimizer step (gradients, slots, temporaries), the diagnostics' copy of the weights. */
  weights: number;
  /** One training step's values for a batch (and the probe's batch), with the allocator's slack. */
  activations: number;
  /** The data as tensors: features and targets, the epoch's shuffled copy of the training part and its index tensors, the probe's copy. */
  data: number;
  /** What the tensor backend holds at its peak: on wasm, its heap (growth step included), which must stay under {@link WASM_HEAP_LIMIT}. */
  tensors: number;
  /** The training process's peak resident size for this job, above the process idle. */
  total: number;
}

/**
 * Estimates a job's training memory from above; `npm run bench:memory` compares it with the
 * training process's peak RSS and the wasm heap, where it stays 10% or more above every case. The
 * tensors: weights x (1 + optimizer step values + 1 diagnostics copy), step values x (batch + probe
 * batch) x the allocator's slack, the features and targets twice (as given, and the training part
 * shuffled each epoch), on wasm the heap's growth step. Outside the tensors: the decoded dataset
 * (twice when standardized), a checkpoint and the serialized model (two copies each), and the
 * process's own overhead.
 */
export function estimateJobMemory(args: MemoryInputs): JobMemory {
  const perSample = args.featureValues + args.labelValues;
  const weights = args.params * (1 + args.optimizerValues + (args.probeSamples > 0 ? 1 : 0)) * BYTES;
  const activations = Math.ceil(args.stepValuesPerSample * (args.batchSize + args.probeSamples) * ALLOCATOR_SLACK) * BYTES;
  // The shuffled order and tfjs's own index list are one value per training sample each.
  const data = (args.samples * perSample + args.trainSamples * (perSample + 2) + args.probeSamples * perSample) * BYTES;
  const held = WASM_HEAP_BASE + weights + activations + data;
  const tensors = held + heapGrowth(held);
  const decoded = args.samples * ((args.standardize ? 2 : 1) * args.featureValues + 1) * BYTES;
  const checkpoint = 2 * args.params * (1 + args.slots) * BYTES;
  const model = 2 * args.params * BYTES;
  // The idle process already holds the heap's base, and the pages of its growth step stay untouched.
  return { weights, activations, data, tensors, total: weights + activations + data + decoded + checkpoint + model + PROCESS_OVERHEAD };
}

/**
 * The largest batch size whose estimate stays within `limit` bytes of `part` (`tensors` or
 * `total`), all else as in `args`; 0 when even a batch of one does not fit.
 */
export function largestBatchWithin(args: MemoryInputs, part: 'tensors' | 'total', limit: number): number {
  const at = (batchSize: number) => estimateJobMemory({ ...args, batchSize })[part];
  if (at(1) > limit) return 0;
  let lo = 1;
  let hi = Math.max(1, args.batchSize);
  while (at(hi) <= limit) hi *= 2;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (at(mid) <= limit) lo = mid;
    else hi = mid;
  }
  return lo;
}
