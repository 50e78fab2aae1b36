import type { SpecProblem } from './problems.js';

/**
 * Every error code the API answers with, and its HTTP status. The code is the stable part of the
 * contract (clients branch on it); the message is for people. Domain modules throw a
 * {@link ServiceError} with a code from here and never think in HTTP; the API's error handler
 * turns it into an answer with this status.
 */
export const ERROR_CATALOG = {
  invalid_request: 400,
  invalid_json: 400,
  invalid_multipart: 400,
  invalid_spec: 400,
  unauthorized: 401,
  forbidden: 403,
  quota_exceeded: 403,
  not_found: 404,
  request_timeout: 408,
  conflict: 409,
  too_large: 413,
  misdirected_request: 421,
  non_finite_output: 422,
  rate_limited: 429,
  internal: 500,
  busy: 503,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** An error whose answer is known: a catalog code, a message and the fields at fault. */
export class ServiceError extends Error {
  readonly statusCode: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: SpecProblem[],
    /** More top-level fields of the answer (`quota`, `limit`, `use` of a quota error). */
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ServiceError';
    this.statusCode = ERROR_CATALOG[code];
  }
}

export const notFound = (what: string, id: string) => new ServiceError('not_found', `${what} ${id} does not exist`);
export const conflict = (message: string) => new ServiceError('conflict', message);
/** For a dependency that is down. The cause's text (hosts, ports) is not for clients and is not shown. */
export const unavailable = (part: string) => new ServiceError('unavailable', `${part} is unavailable; try again shortly`);
export const invalid = (message: string, details: SpecProblem[] = []) => new ServiceError('invalid_request', message, details);
export const tooLarge = (message: string, details: SpecProblem[] = []) => new ServiceError('too_large', message, details);
