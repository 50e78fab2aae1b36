import type { JobSpec } from '../../schemas/job-spec.js';
import type { ModelCheckSpec } from './check-spec.js';
import type { SeluCheckSpec } from './selu-check.js';

/** What the model check is given of a spec: the parts it reads, and so what its results are cached by. */
export type ModelCheckInput = ModelCheckSpec & SeluCheckSpec;

/** Those parts of `spec`, and nothing else (the pool's threads get only these). */
export function modelCheckInput(spec: JobSpec): ModelCheckInput {
  const { task, model, compile, base, fineTune } = spec;
  return { task, model, compile, base, fineTune, dataset: { standardize: spec.dataset.standardize } };
}
