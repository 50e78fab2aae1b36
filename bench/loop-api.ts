/**
 * The API under test for bench/responsiveness.ts: buildApp on the real database and queue,
 * listening on a free port, with the event loop's delay measured in this process
 * (perf_hooks.monitorEventLoopDelay, 10 ms resolution). Forked by the bench; answers
 * `{ reset }` and `{ report }` messages over IPC. API_ROOT points at the checkout whose code is
 * measured (default: this one), so the same bench measures before and after.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import path from 'node:path';

const root = process.env.API_ROOT ?? path.resolve(import.meta.dirname, '..');
const load = (p: string) => import(path.join(root, p));

const { loadConfig } = await load('src/infra/config.ts');
const { buildApp } = await load('src/http/app.ts');
const { createPrisma } = await load('src/infra/db/prisma.ts');
const { migrate } = await load('src/infra/db/migrate.ts');
const { createTrainQueue } = await load('src/infra/queue/train-queue.ts');
const { Predictor } = await load('src/features/models/predictor.ts');
const { initBackend } = await load('src/training/backend/backend.ts');

const config = loadConfig();
await migrate({ url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA });
const db = createPrisma(config.DATABASE_URL, config.DATABASE_SCHEMA);
const settings = { name: config.QUEUE_NAME, redisUrl: config.REDIS_URL, databaseUrl: config.DATABASE_URL, queueSchema: `${config.DATABASE_SCHEMA}_bullmq` };
const queue = createTrainQueue(settings);
const backend = await initBackend(config.TFJS_BACKEND);
// A checkout with the worker-thread pool: started and warmed as src/main.ts does, before measuring.
const heavy = await load('src/threads/pool.ts').then(
  async ({ createHeavyPool }) => {
    const pool = createHeavyPool({ threads: config.HEAVY_THREADS, timeoutMs: (config.HEAVY_TIMEOUT_S ?? 120) * 1000, maxQueue: config.HEAVY_QUEUE });
    await pool.warm();
    return pool;
  },
  () => undefined,
);
// As src/main.ts does (a checkout from before the probe existed has /health query through `db`).
const dbProbe = await load('src/infra/db/db-probe.ts').then(({ createDbProbe }) => createDbProbe(config.DATABASE_URL), () => undefined);
const app = await buildApp({
  heavy,
  config,
  db,
  queue,
  queueBackend: config.REDIS_URL ? 'redis' : 'postgres',
  checkQueue: () => queue.getJobCounts('waiting'),
  checkDb: dbProbe ? () => dbProbe.check() : undefined,
  backend: { name: backend },
  predictor: new Predictor(db),
});
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address() as { port: number };

const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
process.on('message', (msg: { type: string }) => {
  if (msg.type === 'reset') {
    delay.reset();
    process.send?.({ type: 'reset' });
  } else if (msg.type === 'report') {
    const ms = (ns: number) => Math.round(ns / 1e5) / 10;
    process.send?.({ type: 'report', p99: ms(delay.percentile(99)), max: ms(delay.max), rssMb: Math.round(process.memoryUsage().rss / 2 ** 20) });
  } else if (msg.type === 'stop') {
    void app.close().then(() => heavy?.close()).then(() => dbProbe?.close()).then(() => queue.close()).then(() => db.$disconnect()).then(() => process.exit(0));
  }
});
process.send?.({ type: 'ready', port: address.port });
