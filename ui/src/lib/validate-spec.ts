import { Ajv, type ValidateFunction } from 'ajv';
import { AJV_OPTIONS, describeAjvError, type AjvError } from '../../../src/schemas/ajv.js';
import { JobSpec } from '../../../src/schemas/job-spec.js';

export interface FieldError {
  path: string;
  message: string;
}

let validate: ValidateFunction | undefined;

/**
 * Checks a spec against the API's own TypeBox JobSpec with the API's Ajv options and error
 * wording, so the editor flags what POST /jobs would refuse before it is sent. Every error is
 * reported (the API stops at the first), one per field.
 */
export function validateSpec(spec: unknown): FieldError[] {
  // JobSpec uses no string formats, so ajv-formats is not needed here.
  validate ??= new Ajv({ ...AJV_OPTIONS, allErrors: true, useDefaults: false }).compile(JobSpec);
  if (validate(spec)) return [];
  const byPath = new Map<string, FieldError>();
  for (const e of validate.errors ?? []) {
    const d = describeAjvError(e as AjvError, 'body');
    if (!byPath.has(d.path)) byPath.set(d.path, d);
  }
  return [...byPath.values()];
}
