import multipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Socket } from 'node:net';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Config } from '../infra/config.js';
import { requestId } from '../infra/logging.js';
import dashboard from './plugins/dashboard.js';
import errorHandler from './plugins/error-handler.js';
import requestLog from './plugins/request-log.js';
import { installValidators } from './plugins/validation.js';
import { smallBodiesByDefault, uploadLimitBytes } from './body-limits.js';
import { findUnstorableString, unstorableText } from '../schemas/unstorable.js';
import swagger from './plugins/swagger.js';
import auth from './plugins/auth.js';
import localOnly from './plugins/local-only.js';
import rateLimit from './plugins/rate-limit.js';
import { decideAuthMode } from './auth/mode.js';
import { adminRoutes } from './routes/admin.js';
import { usageRoutes } from './routes/usage.js';
import { datasetRoutes, rememberUploadFileName } from './routes/datasets.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import { metricsRoutes } from './routes/metrics.js';
import { modelRoutes } from './routes/models.js';
import { studyRoutes } from './routes/studies.js';
import { webhookRoutes } from './routes/webhooks.js';
import { createThreadPool, type ThreadPool } from '../threads/pool.js';
import { KeyWatch } from '../features/tenants/key-watch.js';
import type { AppDeps } from './deps.js';

/**
 * A client gets `ms` to send its whole request body; then it gets a 408 and its connection is
 * closed, so 1,000 slow senders cannot hold connections and half-read buffers forever. (Node's
 * own `requestTimeout` does not fire once the headers are in.) A request whose body has arrived
 * is never cut, however long its handler or response stream takes.
 */
function cutOffSlowSenders(app: FastifyInstance, ms: number): void {
  app.addHook('onRequest', async (request) => {
    // Injected requests (tests) have no real socket to cut.
    if (request.raw.complete || !(request.raw.socket instanceof Socket)) return;
    const timer = setTimeout(() => {
      if (request.raw.complete || request.raw.socket.destroyed) return;
      request.log.warn({ reqId: request.id }, `request body not received within ${ms} ms; closing the connection`);
      const body = JSON.stringify({
        error: 'request_timeout',
        message: `the request body did not arrive within ${ms / 1000} s (REQUEST_TIMEOUT_S)`,
        details: [],
      });
      request.raw.socket.end(
        `HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      request.raw.socket.destroySoon();
    }, ms);
    timer.unref();
    request.raw.once('end', () => clearTimeout(timer));
    request.raw.once('close', () => clearTimeout(timer));
  });
}

/**
 * The pool buildApp uses when none is passed: one per process, shared by every app built in it
 * (tests build many; a model thread costs seconds to start), closed a few seconds after its last
 * app, unless another takes it first.
 */
let shared: { pool: ThreadPool; users: number; closing?: NodeJS.Timeout } | null = null;
function acquireSharedPool(config: Config): ThreadPool {
  shared ??= { pool: createThreadPool({ threads: config.HEAVY_THREADS, timeoutMs: config.HEAVY_TIMEOUT_S * 1000, maxQueue: config.HEAVY_QUEUE }), users: 0 };
  clearTimeout(shared.closing);
  shared.users += 1;
  return shared.pool;
}
function releaseSharedPool(): void {
  const held = shared;
  if (!held || --held.users > 0) return;
  held.closing = setTimeout(() => {
    if (shared === held && held.users === 0) shared = null;
    void held.pool.close();
  }, 5_000);
  held.closing.unref();
}

/** Builds the Fastify app: no listen, no side effects beyond the instance. */
export async function buildApp(deps: AppDeps, opts: FastifyServerOptions = {}): Promise<FastifyInstance> {
  // The largest body any route reads; each route has its own, most of them far smaller (body-limits.ts).
  const bodyLimit = uploadLimitBytes(deps.config);
  const app = Fastify({
    bodyLimit,
    logger: opts.logger ?? (opts.loggerInstance ? undefined : false),
    // One line per request, from the request-log plugin, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestId,
    ...opts,
  }).withTypeProvider<TypeBoxTypeProvider>();

  installValidators(app);
  // Before any route: it sets the limit of each one added after it.
  smallBodiesByDefault(app);
  cutOffSlowSenders(app, Math.round(deps.config.REQUEST_TIMEOUT_S * 1000));
  await app.register(errorHandler);
  // Before auth: a 401/403 gets its request id and its log line too.
  await app.register(requestLog);
  // First: its onRoute check must see every route, and its onRequest hook runs before the body is read.
  const { config } = deps;
  const authMode =
    deps.authMode ?? decideAuthMode({ setting: config.AUTH, host: config.HOST, adminKeySet: Boolean(config.ADMIN_API_KEY), keysExist: false }).mode;
  await app.register(auth, { db: deps.db, mode: authMode, adminKey: config.ADMIN_API_KEY });
  await app.register(localOnly, { host: config.HOST, publicHost: config.PUBLIC_HOST });
  // After auth (it counts per key) and before every route (it hooks each route as it is added).
  await app.register(rateLimit, { perMinute: config.RATE_LIMIT_PER_MINUTE, redis: deps.rateLimitRedis });
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fileSize: bodyLimit, files: 1, fields: 10 },
    // The CSV stays bytes here: a worker thread decodes and parses it (on the event loop, a large
    // upload would stall every other request for seconds). Keep its file name for the dataset's
    // default name.
    async onFile(part) {
      (part as unknown as { value: unknown }).value = await part.toBuffer();
      rememberUploadFileName(this, part.filename);
    },
  });
  // After multipart, whose own hook fills the body of an upload in first.
  app.addHook('preValidation', async (request) => {
    // Fastify's parsed querystring is an object whose prototype is an empty null-prototype object,
    // which the scan (it walks only plain parsed JSON) would skip: copy it into a plain one.
    const where = findUnstorableString(request.body) ?? findUnstorableString({ ...(request.query as object) }, '/querystring');
    if (where) throw unstorableText(where);
  });
  await app.register(swagger);

  const threads = deps.threads ?? acquireSharedPool(config);
  if (!deps.threads) app.addHook('onClose', async () => releaseSharedPool());
  // Event streams outlive the check of their key at their start: this ends them once it is revoked.
  const keyWatch = new KeyWatch(deps.db);
  app.addHook('onClose', async () => keyWatch.close());
  const withPool = { ...deps, threads, keyWatch };

  await app.register(healthRoutes(deps));
  await app.register(metricsRoutes(deps));
  await app.register(datasetRoutes(withPool));
  await app.register(jobRoutes(withPool));
  await app.register(modelRoutes(withPool));
  await app.register(adminRoutes(withPool));
  await app.register(usageRoutes(withPool));
  await app.register(studyRoutes(withPool));
  await app.register(webhookRoutes(withPool));
  await app.register(dashboard);
  return app;
}
