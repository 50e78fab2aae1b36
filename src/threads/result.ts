/**
 * How a pool task's outcome crosses the thread boundary: error classes do not survive
 * structured cloning, so an error the client should see travels as data and is rebuilt on the
 * API's side. Imports nothing heavy (both kinds of thread load it).
 */
import { Piscina } from 'piscina';
import { ServiceError, type ErrorCode } from '../core/errors.js';
import { SpecError, type SpecProblem } from '../core/problems.js';

export type TaskError =
  { kind: 'spec'; message: string; details: SpecProblem[] } | { kind: 'service'; message: string; details: SpecProblem[]; code: ErrorCode };
export type TaskResult<T> = { ok: true; value: T } | { ok: false; error: TaskError };

/** A task's value whose ArrayBuffers go back to the API moved, not copied (a packed predict body, decoded weights). */
export class Moved<T> {
  constructor(
    readonly value: T,
    readonly buffers: ArrayBuffer[],
  ) {}
}

/** Piscina's wrapper that moves `buffers` with `result` (a task's return value). */
function moving<T>(result: TaskResult<T>, buffers: ArrayBuffer[]): TaskResult<T> {
  return Piscina.move({ [Piscina.transferableSymbol]: buffers, [Piscina.valueSymbol]: result } as never) as unknown as TaskResult<T>;
}

/** Runs a handler, turning the errors meant for the client into data; anything else is thrown (a 500). */
export async function capture<T>(work: () => Promise<T | Moved<T>> | T | Moved<T>): Promise<TaskResult<T>> {
  try {
    const value = await work();
    return value instanceof Moved ? moving({ ok: true, value: value.value as T }, value.buffers) : { ok: true, value };
  } catch (err) {
    if (err instanceof SpecError) return { ok: false, error: { kind: 'spec', message: err.message, details: err.details } };
    if (err instanceof ServiceError) return { ok: false, error: { kind: 'service', message: err.message, details: err.details ?? [], code: err.code } };
    throw err;
  }
}

/** The value, or the client's error rebuilt as the class the error handler maps. */
export function unwrap<T>(result: TaskResult<T>): T {
  if (result.ok) return result.value;
  const e = result.error;
  if (e.kind === 'spec') throw new SpecError(e.message, e.details);
  throw new ServiceError(e.code, e.message, e.details);
}
