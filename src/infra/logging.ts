import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Paths pino replaces with "[redacted]" in every log line: credentials in request headers and
 * any field named like a secret, wherever an error or a request object carries it.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'request.headers.authorization',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'authorization',
  'apiKey',
  'password',
  'secret',
  'token',
  '*.apiKey',
  '*.key',
  '*.password',
  '*.secret',
  '*.token',
];

/** One JSON object per line on stdout, secrets redacted; `bindings` go on every line (role, jobId). */
export function createLogger(level: string, bindings: Record<string, unknown> = {}, destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: { pid: process.pid, ...bindings } };
  return destination ? pino(options, destination) : pino(options);
}

/** user:password in a connection URL, as it may appear in a driver's error message. */
export function redactUrlCredentials(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)([^/\s:@]+):([^/\s@]+)@/gi, '$1$2:[redacted]@');
}

const CLIENT_REQUEST_ID = /^[\w.:-]{1,64}$/;

/**
 * The request id: the caller's `x-request-id` when it is a plausible id (so one id follows a
 * request through a proxy into our logs), else a fresh UUID.
 */
export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : randomUUID();
}
