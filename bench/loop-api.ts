/**
 * The API under test for bench/responsiveness.ts: built as the service builds it (createApiDeps,
 * its worker-thread pool warmed before measuring) on the real database and queue, listening on a
 * free port, with the event loop's delay measured in this process (perf_hooks.monitorEventLoopDelay,
 * 10 ms resolution). Forked by the bench; answers `{ reset }` and `{ report }` messages over IPC.
 * API_ROOT points at the checkout whose code is measured (default: this one, which must have
 * src/start/api-deps.ts), so the same bench measures before and after.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import path from 'node:path';

const root = process.env.API_ROOT ?? path.resolve(import.meta.dirname, '..');
const load = (p: string) => import(path.join(root, p));

const { loadConfig } = await load('src/infra/config.ts');
const { buildApp } = await load('src/http/app.ts');
const { migrate } = await load('src/infra/db/migrate.ts');
const { createApiDeps } = await load('src/start/api-deps.ts');

const config = loadConfig();
await migrate({ url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA });
const deps = await createApiDeps(config);
await deps.threads.warm();
const app = await buildApp(deps);
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
    void app
      .close()
      .then(() => deps.close())
      .then(() => process.exit(0));
  }
});
process.send?.({ type: 'ready', port: address.port });
