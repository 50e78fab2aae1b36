import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { HttpError } from '../errors.js';
import { SpecError } from '../training/types.js';

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
  /** Present with Ajv's `verbose` option. */
  parentSchema?: { oneOf?: Array<{ properties?: Record<string, { const?: unknown }> }> };
}

/** The tags a discriminated union accepts, read from its branches. */
function allowedTags(error: AjvError, tag: string): string[] {
  return (error.parentSchema?.oneOf ?? []).map((branch) => String(branch.properties?.[tag]?.const)).filter((t) => t !== 'undefined');
}

/** Turns one Ajv error into `{ path, message }` that names the field and what is allowed. */
export function describeAjvError(error: AjvError, part: string): { path: string; message: string } {
  const prefix = part === 'body' ? '' : `/${part}`;
  const { keyword, params } = error;
  if (keyword === 'additionalProperties') {
    const prop = String(params.additionalProperty);
    return { path: `${prefix}${error.instancePath}/${prop}`, message: `unknown option "${prop}"` };
  }
  if (keyword === 'required') {
    const prop = String(params.missingProperty);
    return { path: `${prefix}${error.instancePath}/${prop}`, message: 'is required' };
  }
  if (keyword === 'discriminator' && params.error === 'mapping') {
    const tag = String(params.tag);
    const allowed = allowedTags(error, tag);
    const value = JSON.stringify(params.tagValue);
    return { path: `${prefix}${error.instancePath}/${tag}`, message: `unknown ${tag} ${value}${allowed.length ? `; allowed: ${allowed.join(', ')}` : ''}` };
  }
  if (keyword === 'enum') {
    const allowed = (params.allowedValues as unknown[] | undefined) ?? [];
    return { path: `${prefix}${error.instancePath}`, message: `must be one of: ${allowed.join(', ')}` };
  }
  return { path: `${prefix}${error.instancePath}`, message: error.message ?? 'is invalid' };
}

/** Prisma's codes for a database it cannot reach or that stopped answering. */
const DATABASE_DOWN_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);

function databaseDown(err: { code?: unknown; message?: string; name?: string }): boolean {
  if (typeof err.code === 'string' && DATABASE_DOWN_CODES.has(err.code)) return true;
  return /^Prisma|DriverAdapterError/.test(err.name ?? '') && /ECONNREFUSED|ECONNRESET|Connection terminated|Can't reach database/i.test(err.message ?? '');
}

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

/** The same field and message once, however many schema branches reported it. */
function uniqueDetails(details: Array<{ path: string; message: string }>) {
  const seen = new Set<string>();
  return details.filter((d) => {
    const key = `${d.path}\u0000${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

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
        const details = uniqueDetails(err.validation.map((e) => describeAjvError(e, err.validationContext ?? 'body')));
        const first = details[0];
        const more = details.length > 1 ? ` (and ${details.length - 1} more: see details)` : '';
        return reply.status(400).send({ error: 'invalid_request', message: first ? `${first.path || '/'}: ${first.message}${more}` : err.message, details: capDetails(details) });
      }
      if (err instanceof HttpError) {
        return reply.status(err.statusCode).send({ error: err.code, message: err.message, details: capDetails(err.details) });
      }
      if (err instanceof SpecError) {
        return reply.status(400).send({ error: 'invalid_spec', message: err.message, details: capDetails(err.details) });
      }
      if (typeof err.code === 'string' && INVALID_JSON_CODES.has(err.code)) {
        return reply.status(400).send({ error: 'invalid_json', message: err.message, details: [{ path: '', message: err.message }] });
      }
      if (databaseDown(err)) {
        request.log.warn({ err }, 'database unavailable');
        return reply.status(503).send({ error: 'unavailable', message: 'the database is unavailable; try again shortly', details: [] });
      }
      const status = err.statusCode ?? 500;
      if (err.code === 'FST_FILES_LIMIT' || err.code === 'FST_FIELDS_LIMIT' || err.code === 'FST_PARTS_LIMIT') {
        return reply.status(400).send({ error: 'invalid_request', message: 'a CSV upload takes one `file` and the fields `labelColumn` and `name`', details: [{ path: '/file', message: err.message }] });
      }
      if (status === 413 || err.code === 'FST_REQ_FILE_TOO_LARGE' || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        return reply.status(413).send({ error: 'too_large', message: `${err.message} (limit: BODY_LIMIT_MB)`, details: [] });
      }
      if (status >= 400 && status < 500) {
        return reply.status(status).send({ error: err.code ?? 'bad_request', message: err.message, details: [] });
      }
      request.log.error({ err }, 'unhandled error');
      return reply.status(500).send({ error: 'internal', message: 'Internal error; it has been logged', details: [] });
    });
    app.setNotFoundHandler((request, reply) => {
      reply.status(404).send({ error: 'not_found', message: `No route ${request.method} ${request.url}`, details: [] });
    });
  },
  { name: 'error-handler' },
);
