/**
 * How large a request body each route reads. Only a dataset upload and a model import carry data
 * (BODY_LIMIT_MB); every other body is a spec or a setting, and reading megabytes of one would
 * only hold memory and the event loop (JSON.parse) before its 400. Past its limit a body is a 413
 * naming the limit, before it is parsed.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../infra/config.js';

/** A job spec (POST /jobs), and what holds at most a spec and a patch: a retry, a study (1 MiB). */
export const JOB_SPEC_LIMIT_BYTES = 1024 * 1024;

/** A predict body (8 MiB): about 1,500 samples of 28x28 numbers as JSON. */
export const PREDICT_LIMIT_BYTES = 8 * 1024 * 1024;

/**
 * Every other route (64 KiB): a tenant, a key, a webhook or a share is a few hundred bytes, and a
 * route that takes no body at all (a cancel, a delete) still reads one a client sends.
 */
export const SMALL_BODY_LIMIT_BYTES = 64 * 1024;

/** BODY_LIMIT_MB in bytes: the limit of the two routes that carry data, dataset uploads and model imports. */
export function uploadLimitBytes(config: Pick<Config, 'BODY_LIMIT_MB'>): number {
  return Math.round(config.BODY_LIMIT_MB * 1024 * 1024);
}

/** A multipart text field's most (busboy's default). */
const MULTIPART_FIELD_BYTES = 1024 * 1024;

/**
 * Gives every route added after it that names no `bodyLimit` of its own the small one, so a new
 * route is small unless it says otherwise; and holds a multipart file sent to a route to the
 * same limit (the multipart plugin reads files up to BODY_LIMIT_MB on any route, not only on the
 * upload). Call it before any route is added.
 */
export function smallBodiesByDefault(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    route.bodyLimit ??= SMALL_BODY_LIMIT_BYTES;
    // Its text fields too: busboy's own default is 1 MiB each, whatever the route.
    const limits = { fileSize: route.bodyLimit, fieldSize: Math.min(route.bodyLimit, MULTIPART_FIELD_BYTES) };
    if (!route.config?.multipartOptions) route.config = { ...route.config, multipartOptions: { limits } };
  });
}
