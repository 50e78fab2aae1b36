import type { SpecProblem } from './run-types.js';

/** An error whose HTTP answer we know: status, code, message and the fields at fault. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: SpecProblem[],
    /** More top-level fields of the answer (`quota`, `limit`, `use` of a quota error). */
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const notFound = (what: string, id: string) => new HttpError(404, 'not_found', `${what} ${id} does not exist`);
export const conflict = (message: string) => new HttpError(409, 'conflict', message);
/** 503 for a dependency that is down. The cause's text (hosts, ports) is not for clients and is not shown. */
export const unavailable = (part: string) => new HttpError(503, 'unavailable', `${part} is unavailable; try again shortly`);
export const invalid = (message: string, details: SpecProblem[] = []) => new HttpError(400, 'invalid_request', message, details);
export const tooLarge = (message: string, details: SpecProblem[] = []) => new HttpError(413, 'too_large', message, details);
