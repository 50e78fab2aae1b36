import type { ErrorDetail } from './types.js';

/**
 * A non-2xx answer of the service: `status` is the HTTP status, `code` the body's `error`
 * (`invalid_spec`, `invalid_request`, `not_found`, `conflict`, ...), `details` the fields at
 * fault as `{ path, message }` with a JSON pointer path (`/model/layers/2/units`).
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetail[];
  /** The parsed error body, when it was JSON. */
  readonly body: unknown;

  constructor(status: number, code: string, message: string, details: ErrorDetail[] = [], body?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.body = body;
  }

  /** Reads an error answer: the service's `{ error, message, details }`, or whatever else came. */
  static async fromResponse(res: Response, method: string, path: string): Promise<ApiError> {
    const text = await res.text().catch(() => '');
    return fromBody(text, res.status, `http_${res.status}`, `${method} ${path} answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
  }

  /**
   * Reads the `error` event that ends an event stream early: the server's `{ error, message }`
   * for a stream it will not go on with (`unauthorized`: the API key it was opened with was
   * revoked or expired). `status` is the one a request made again would get.
   */
  static fromStreamEvent(data: string, path: string): ApiError {
    const error = fromBody(data, 0, 'stream_error', `the event stream ${path} ended with an error`);
    const status = STATUS_OF_CODE[error.code] ?? 500;
    return new ApiError(status, error.code, error.message, error.details, error.body);
  }
}

/** The HTTP status of the error codes an event stream may end with. */
const STATUS_OF_CODE: Record<string, number> = { unauthorized: 401, forbidden: 403, not_found: 404 };

/** `{ error, message, details }` from a body's text, or the fallbacks where it has none. */
function fromBody(text: string, status: number, fallbackCode: string, fallbackMessage: string): ApiError {
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  const b = (body && typeof body === 'object' ? body : {}) as { error?: unknown; message?: unknown; details?: unknown };
  const code = typeof b.error === 'string' ? b.error : fallbackCode;
  const message = typeof b.message === 'string' ? b.message : fallbackMessage;
  const details = Array.isArray(b.details)
    ? b.details
        .filter((d): d is ErrorDetail => !!d && typeof d === 'object' && typeof d.path === 'string')
        .map((d) => ({ path: d.path, message: String(d.message ?? '') }))
    : [];
  return new ApiError(status, code, message, details, body);
}

/** True for the error an aborted fetch, read or sleep throws. */
export function isAbort(err: unknown, signal?: AbortSignal): boolean {
  return !!signal?.aborted || (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError'));
}
