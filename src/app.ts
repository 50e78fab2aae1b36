import multipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Config } from './config.js';
import type { TrainQueue } from './jobs/queue.js';
import type { StudyQueue } from './jobs/study-queue.js';
import { invalid } from './errors.js';
import errorHandler from './plugins/error-handler.js';
import { findUnstorableString, installValidators } from './plugins/validation.js';
import swagger from './plugins/swagger.js';
import { datasetRoutes, rememberUploadFileName } from './routes/datasets.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import { modelRoutes } from './routes/models.js';
import { studyRoutes } from './routes/studies.js';
import type { JobEventHub } from './services/event-hub.js';
import type { Predictor } from './services/predictor.js';
import type { Db } from './storage/prisma.js';

/** What the API needs from the outside world; passed in, never reached through globals. */
export interface AppDeps {
  config: Config;
  db: Db;
  queue: TrainQueue;
  /** Where study controllers are queued; without it, POST /studies answers 503. */
  studyQueue?: StudyQueue;
  queueBackend: 'redis' | 'postgres';
  /** Resolves when the queue store answers (for /health). */
  checkQueue(): Promise<unknown>;
  backend: { name: string; detail?: string };
  predictor: Predictor;
  /** Live signals from the workers through the queue; without it, event streams poll. */
  events?: JobEventHub;
}

/** Builds the Fastify app: no listen, no side effects beyond the instance. */
export async function buildApp(deps: AppDeps, opts: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const bodyLimit = Math.round(deps.config.BODY_LIMIT_MB * 1024 * 1024);
  const app = Fastify({
    bodyLimit,
    logger: opts.logger ?? false,
    ...opts,
  }).withTypeProvider<TypeBoxTypeProvider>();

  installValidators(app);
  await app.register(errorHandler);
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fileSize: bodyLimit, files: 1, fields: 10 },
    // The CSV is parsed as text; keep its file name for the dataset's default name.
    async onFile(part) {
      const buffer = await part.toBuffer();
      (part as unknown as { value: unknown }).value = buffer.toString('utf8');
      rememberUploadFileName(this, part.filename);
    },
  });
  // After multipart, whose own hook fills the body of an upload in first.
  app.addHook('preValidation', async (request) => {
    const where = findUnstorableString(request.body) ?? findUnstorableString(request.query, '/querystring');
    if (where) throw invalid('text with a NUL character or a broken surrogate pair cannot be stored', [{ path: where, message: 'contains a NUL character or an unpaired surrogate' }]);
  });
  await app.register(swagger);

  await app.register(healthRoutes(deps));
  await app.register(datasetRoutes(deps));
  await app.register(jobRoutes(deps));
  await app.register(modelRoutes(deps));
  await app.register(studyRoutes(deps));
  return app;
}
