import type { ValidateFunction } from 'ajv';
import { JobSpec } from './job-spec.js';
import { bodyValidator } from './validate.js';

let compiled: ValidateFunction | undefined;

/**
 * The job spec's schema check for specs the service builds itself (a retried job's, a study's
 * trials): the same options as a POST /jobs body, compiled once per process. Compiling it takes
 * hundreds of milliseconds of the event loop, so the routes that use it call this as they are
 * registered, at start-up, not on their first request.
 */
export function jobSpecValidator(): ValidateFunction {
  if (!compiled) {
    compiled = bodyValidator().compile(JobSpec);
    // V8 compiles the generated function on its first call: paid here too.
    compiled(null);
  }
  return compiled;
}
