/**
 * `npm run bench:webhooks`: the lag from a job's end to its `job.succeeded` webhook reaching a
 * receiver on 127.0.0.1, over WEBHOOK_BENCH_JOBS job ends (default 1,000).
 *
 * The job ends are synthetic: runs inserted as `running` and ended with the statement a worker's
 * job end runs (execute-run's finish: an UPDATE of the run to `succeeded` with its finishedAt);
 * the trigger on that change writes the deliveries, as for a trained job. Deliveries are made by
 * startWebhookDelivery in this process (what a worker process runs), signed, to a receiver that
 * answers 200. Lag = the receiver's arrival time minus the moment the ending UPDATE returned
 * (committed). Two shapes: a burst (every job ends at once, 50 statements in flight) and a steady
 * stream (WEBHOOK_BENCH_RATE ends per second, default 100).
 *
 * Environment: DATABASE_URL (default the local server), REDIS_URL (set: BullMQ on Redis, else on
 * PostgreSQL), BENCH_LABEL. Each run uses a fresh schema, dropped after. Appends to the
 * "Webhook delivery lag" section of bench/results.md.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { loadConfig } from '../src/infra/config.js';
import { migrate } from '../src/infra/db/migrate.js';
import { createPrisma, type Db } from '../src/infra/db/prisma.js';
import { createWebhookQueue } from '../src/infra/queue/webhook-queue.js';
import { queueSettings } from '../src/start/queue-settings.js';
import { startWebhookDelivery } from '../src/start/webhooks.js';
import { newSecret } from '../src/features/webhooks/signing.js';
import { DEFAULT_TENANT_ID } from '../src/core/principal.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = path.join(ROOT, 'bench/results.md');
const SECTION = '## Webhook delivery lag';
const DATABASE_URL = process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';
const JOBS = Number(process.env.WEBHOOK_BENCH_JOBS ?? 1000);
const RATE = Number(process.env.WEBHOOK_BENCH_RATE ?? 100);

interface Receiver {
  arrivals: Map<string, number>;
  url: string;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const arrivals = new Map<string, number>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const at = performance.timeOrigin + performance.now();
      const { data } = JSON.parse(body) as { data: { id: string } };
      if (!arrivals.has(data.id)) arrivals.set(data.id, at);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    arrivals,
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Inserts `n` running runs and returns their ids. */
async function runningRuns(db: Db, n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, () => randomUUID());
  await db.run.createMany({
    data: ids.map((id) => ({ id, spec: {}, status: 'running' as const, startedAt: new Date(), attempts: 1, tenantId: DEFAULT_TENANT_ID })),
  });
  return ids;
}

/** Ends a run as a worker's finish does; returns when the UPDATE has committed. */
async function endRun(db: Db, id: string, ended: Map<string, number>): Promise<void> {
  await db.run.updateMany({ where: { id, status: 'running', attempts: 1 }, data: { status: 'succeeded', finishedAt: new Date() } });
  ended.set(id, performance.timeOrigin + performance.now());
}

async function burst(db: Db, ids: string[], ended: Map<string, number>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < ids.length) await endRun(db, ids[next++], ended);
    }),
  );
}

async function steady(db: Db, ids: string[], ended: Map<string, number>): Promise<void> {
  const start = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < ids.length; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(endRun(db, ids[i], ended));
  }
  await Promise.all(pending);
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

async function scenario(name: string, shape: (db: Db, ids: string[], ended: Map<string, number>) => Promise<void>) {
  const schema = `bench_webhooks_${randomUUID().slice(0, 8)}`;
  const env = {
    DATABASE_URL,
    DATABASE_SCHEMA: schema,
    QUEUE_NAME: `bench-webhooks-${schema}`,
    REDIS_URL: process.env.REDIS_URL ?? '',
    WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
  };
  const config = loadConfig(env);
  await migrate({ url: DATABASE_URL, schema });
  const db = createPrisma(DATABASE_URL, schema);
  const receiver = await startReceiver();
  await db.webhook.create({ data: { tenantId: DEFAULT_TENANT_ID, url: receiver.url, events: ['job.succeeded'], secret: newSecret() } });
  const settings = queueSettings(config);
  // The deliveries have a database client of their own, as a worker process has: the job ends
  // made here do not wait in the same pool.
  const deliveryDb = createPrisma(DATABASE_URL, schema);
  const delivery = startWebhookDelivery(config, settings, deliveryDb);
  const ids = await runningRuns(db, JOBS);
  const ended = new Map<string, number>();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await shape(db, ids, ended);
  const deadline = Date.now() + 120_000;
  while (receiver.arrivals.size < ids.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  // The last arrivals' rows are recorded as the receiver's answers come back.
  while ((await db.webhookDelivery.count({ where: { status: 'pending' } })) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const lags = ids.filter((id) => receiver.arrivals.has(id)).map((id) => receiver.arrivals.get(id)! - ended.get(id)!);
  lags.sort((a, b) => a - b);
  const deliveries = await db.webhookDelivery.groupBy({ by: ['status'], _count: true });
  await delivery.close();
  const queue = createWebhookQueue(settings);
  await queue.obliterate({ force: true }).catch(() => {});
  await queue.close();
  await receiver.close();
  await deliveryDb.$disconnect();
  await db.$disconnect();
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.query(`DROP SCHEMA IF EXISTS "${schema}_bullmq" CASCADE`);
  await client.end();
  return {
    name,
    delivered: lags.length,
    seconds,
    p50: quantile(lags, 0.5),
    p99: quantile(lags, 0.99),
    max: lags[lags.length - 1],
    // This process's CPU (dispatcher, attempts, the receiver and the ending statements) per delivery: steadier than wall time on a shared machine.
    cpuMs: (cpu.user + cpu.system) / 1000 / Math.max(1, lags.length),
    statuses: deliveries.map((d) => `${d.status} ${d._count}`).join(', '),
  };
}

const load = os.loadavg()[0].toFixed(2);
const backend = process.env.REDIS_URL ? 'Redis' : 'PostgreSQL';
const rows = [await scenario('burst: all at once', burst), await scenario(`steady: ${RATE} per second`, steady)];
const ms = (n: number | undefined) => (n === undefined ? '-' : Math.round(n).toLocaleString('en-US'));
const table = [
  '| shape | queue | delivered | lag p50 (ms) | lag p99 (ms) | lag max (ms) | wall (s) | CPU per delivery (ms) | delivery rows |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map(
    (r) =>
      `| ${r.name} | ${backend} | ${r.delivered} / ${JOBS} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.max)} | ${r.seconds.toFixed(1)} | ${r.cpuMs.toFixed(1)} | ${r.statuses} |`,
  ),
].join('\n');
const label = process.env.BENCH_LABEL ? ` (${process.env.BENCH_LABEL})` : '';
const header = `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC${label}, ${os.cpus().length} cores, Node ${process.version}, load average at start ${load}.`;
console.log(`${header}\n\n${table}`);

// Appended at the end of its section, which is made at the end of the file the first time.
let text = fs.readFileSync(RESULTS, 'utf8').trimEnd();
if (!text.includes(SECTION)) {
  text += `\n\n${SECTION}\n\n${JOBS.toLocaleString('en-US')} synthetic job ends (\`npm run bench:webhooks\`; see bench/webhooks.ts): runs ended with the statement a worker's job end runs, so the trigger writes the deliveries as for a trained job; delivered by the webhook dispatcher and queue worker of this process (as a worker process runs them), signed, to a receiver on 127.0.0.1 answering 200. Lag: from the ending UPDATE's commit to the receiver's arrival.`;
}
const start = text.indexOf(SECTION);
const nextSection = text.indexOf('\n## ', start + SECTION.length);
const end = nextSection === -1 ? text.length : nextSection;
fs.writeFileSync(RESULTS, `${text.slice(0, end).trimEnd()}\n\n${header}\n\n${table}\n${text.slice(end)}${nextSection === -1 ? '' : '\n'}`);
process.exit(0);
