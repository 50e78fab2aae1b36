import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ServiceError } from '../../core/errors.js';
import { isDbConflict, isDbUnavailable } from '../../infra/db/db-errors.js';
import { SpecError } from '../../core/problems.js';
import type { AjvError } from '../../schemas/ajv.js';
import { invalidBody } from '../../schemas/validate.js';

/**
 * Multipart bodies busboy cannot read (no boundary, a truncated part): the client's fault.
 * busboy's errors carry no status, so they are told by their text.
 */
const MALFORMED_MULTIPART = /boundary|Unexpected end of (form|multipart)|Malformed part header|Multipart: /i;

/** The most `details` entries an error body carries; a spec can have thousands of problems. */
export const MAX_DETAILS = 20;

/**
 * At most {@link MAX_DETAILS} entries: the first ones, then one `{ path: '', message: '... and N more' }`
 * in place of the rest.
 */
export function capDetails<T extends { path: string; message: string }>(details: readonly T[] | undefined): Array<T | { path: string; message: string }> {
  const all = details ?? [];
  if (all.length <= MAX_DETAILS) return [...all];
  const kept = all.slice(0, MAX_DETAILS - 1);
  return [...kept, { path: '', message: `... and ${all.length - kept.length} more` }];
}

/** Seconds a client is told to wait (Retry-After) while the database is unavailable. */
const DB_RETRY_AFTER_S = 5;

/** Fastify's codes for a JSON body that does not parse. */
const INVALID_JSON_CODES = new Set(['FST_ERR_CTP_INVALID_JSON_BODY', 'FST_ERR_CTP_EMPTY_JSON_BODY']);

/**
 * One error shape for every failure: `{ error, message, details }`. Client mistakes are 4xx
 * with the field named; only our own faults are 500, and they never leak internals.
 */
export default fp(
  async function errorHandler(app: FastifyInstance) {
    app.setErrorHandler((err: FastifyError & { validation?: AjvError[]; validationContext?: string }, request, reply) => {
      if (err.validation) {
        const invalid = invalidBody(err.validation, err.validationContext ?? 'body');
        return reply
          .status(400)
          .send({ error: 'invalid_request', message: invalid.details?.length ? invalid.message : err.message, details: capDetails(invalid.details) });
      }
      if (err instanceof ServiceError) {
        // A 503 (busy, a dependency down) is worth retrying: say when.
        if (err.statusCode === 503) reply.header('retry-after', '5');
        return reply.status(err.statusCode).send({ ...err.extra, error: err.code, message: err.message, details: capDetails(err.details) });
      }
      if (err instanceof SpecError) {
        return reply.status(400).send({ error: 'invalid_spec', message: err.message, details: capDetails(err.details) });
      }
      if (typeof err.code === 'string' && INVALID_JSON_CODES.has(err.code)) {
        return reply.status(400).send({ error: 'invalid_json', message: err.message, details: [{ path: '', message: err.message }] });
      }
      if (isDbUnavailable(err)) {
        // Whatever the reason no connection could be had (down, restarting, refusing sessions, out
        // of slots): the client did nothing wrong and may retry. The driver's text names hosts,
        // databases and SQL: it goes to the log, the client gets the request id.
        request.log.warn({ err, reqId: request.id }, 'database unavailable');
        return reply
          .status(503)
          .header('retry-after', String(DB_RETRY_AFTER_S))
          .send({
            error: 'unavailable',
            message: `the database is unavailable; try again shortly (request id ${request.id})`,
            details: [],
            requestId: request.id,
          });
      }
      if (isDbConflict(err)) {
        request.log.warn({ err, reqId: request.id }, 'database conflict');
        return reply
          .status(503)
          .header('retry-after', '1')
          .send({
            error: 'unavailable',
            message: `the request collided with another one; try again (request id ${request.id})`,
            details: [],
            requestId: request.id,
          });
      }
      const status = err.statusCode ?? 500;
      if (status >= 500 && request.isMultipart() && MALFORMED_MULTIPART.test(err.message ?? '')) {
        return reply.status(400).send({
          error: 'invalid_multipart',
          message: 'the multipart body cannot be read: it needs a boundary in its content-type and complete parts',
          details: [{ path: '', message: 'malformed multipart/form-data' }],
        });
      }
      if (err.code === 'FST_FILES_LIMIT' || err.code === 'FST_FIELDS_LIMIT' || err.code === 'FST_PARTS_LIMIT') {
        return reply.status(400).send({
          error: 'invalid_request',
          message: 'a CSV upload takes one `file` and the fields `labelColumn` and `name`',
          details: [{ path: '/file', message: err.message }],
        });
      }
      if (status === 413 || err.code === 'FST_REQ_FILE_TOO_LARGE' || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        const limit = request.routeOptions.bodyLimit;
        const where = limit ? `the limit for ${request.method} ${request.routeOptions.url} is ${limit.toLocaleString('en')} bytes` : 'limit: BODY_LIMIT_MB';
        return reply.status(413).send({ error: 'too_large', message: `${err.message} (${where})`, details: [] });
      }
      if (status >= 400 && status < 500) {
        return reply.status(status).send({ error: err.code ?? 'bad_request', message: err.message, details: [] });
      }
      request.log.error({ err, reqId: request.id }, 'unhandled error');
      return reply
        .status(500)
        .send({ error: 'internal', message: `Internal error; it has been logged with request id ${request.id}`, details: [], requestId: request.id });
    });
    app.setNotFoundHandler((request, reply) => {
      reply.status(404).send({ error: 'not_found', message: `No route ${request.method} ${request.url}`, details: [] });
    });
  },
  { name: 'error-handler' },
);
