/**
 * `npm run bench:fuzz`: the suite's route fuzzer (test/support/route-fuzz.ts) against the real
 * service over HTTP, every route of its OpenAPI document, for FUZZ_DURATION_S seconds, while
 * bench/health-prober.ts probes /health from a process of its own. The service is
 * `src/main.ts api` (FUZZ_ROLE=all adds its in-process worker) in keyless local mode on a fresh
 * schema, so its own handlers report uncaught errors ("stopping after an uncaught error") and
 * 500s ("unhandled error") in its log, which this counts.
 *
 * Environment: DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres),
 * BENCH_SCHEMA (default bench_fuzz; dropped first), REDIS_URL (optional), FUZZ_DURATION_S (60),
 * FUZZ_CONCURRENCY (requests in flight, 4), FUZZ_SEED, FUZZ_HUGE_BYTES (huge strings, 4 MiB),
 * FUZZ_ROLE (api).
 * Done when: 0 answers of 500, 0 uncaught errors, /health p99 under 100 ms. Exits 1 otherwise.
 */
import { fork, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createFixtures, type WireAnswer, type WireRequest } from '../test/support/abuse-fixtures.js';
import { describeRequest, fuzzRoutes, sampleRequests, wrongAnswer, type OpenApiDocument } from '../test/support/route-fuzz.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const SCHEMA = process.env.BENCH_SCHEMA ?? 'bench_fuzz';
const DURATION_S = Number(process.env.FUZZ_DURATION_S ?? 60);
const CONCURRENCY = Number(process.env.FUZZ_CONCURRENCY ?? 4);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1e9);
const HUGE_BYTES = Number(process.env.FUZZ_HUGE_BYTES ?? 4 * 1024 * 1024);
const ROLE = process.env.FUZZ_ROLE ?? 'api';
/** Requests drawn per route at a time: small, so a run of any length covers every route. */
const BATCH = 8;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function freshSchema(): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  // Keyless mode needs a database with no key; a previous run's tenants and jobs would skew this one.
  await client.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`);
  await client.query(`DROP SCHEMA IF EXISTS "${SCHEMA}_bullmq" CASCADE`);
  await client.end();
}

/** One request over HTTP; an event stream counts as answered once its status line is in. */
function sender(port: number, agent: http.Agent) {
  return (request: WireRequest, stream = false): Promise<WireAnswer> =>
    new Promise((resolve) => {
      const body = request.payload === undefined ? undefined : Buffer.from(request.payload);
      let responded = false;
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: request.method,
          path: request.url,
          agent,
          timeout: 60_000,
          headers: { ...request.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
        },
        (res) => {
          responded = true;
          if (stream && res.headers['content-type']?.startsWith('text/event-stream')) {
            res.destroy();
            return resolve({ statusCode: res.statusCode ?? 0, body: '' });
          }
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
          res.on('error', (err) => resolve({ statusCode: 0, body: err.message }));
        },
      );
      req.on('timeout', () => req.destroy(new Error('no answer in 60 s')));
      // The service answers a body over its limit (413) before the body has arrived, and closes
      // the connection: this side, still writing, gets EPIPE before or after the answer is read.
      req.on('error', (err) => {
        if (!responded) setTimeout(() => responded || resolve({ statusCode: 0, body: err.message }), 200);
      });
      req.end(body);
    });
}

function startService(port: number, logFile: string) {
  const log = fs.createWriteStream(logFile);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/main.ts'), ROLE], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL,
      DATABASE_SCHEMA: SCHEMA,
      QUEUE_NAME: `${SCHEMA}-q`,
      PORT: String(port),
      HOST: '127.0.0.1',
      // info: a line per request, with the time the service itself took (its /health times below).
      LOG_LEVEL: 'info',
      TFJS_BACKEND: process.env.TFJS_BACKEND ?? 'cpu',
      REDIS_URL: process.env.REDIS_URL ?? '',
      // Empty is unset: keyless local mode whatever this shell has set.
      AUTH: '',
      ADMIN_API_KEY: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 30_000))]);
      if (code === 'timeout') child.kill('SIGKILL');
      await new Promise((r) => log.end(r));
    },
  };
}

async function waitForHealth(send: ReturnType<typeof sender>, exited: Promise<unknown>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && !gone) {
    if ((await send({ method: 'GET', url: '/health' })).statusCode === 200) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(gone ? 'the service exited while starting' : 'the service did not answer /health in 120 s');
}

async function probeHealth(base: string) {
  const child = fork(path.join(here, 'health-prober.ts'), [base], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = (type: string) => new Promise<any>((resolve) => child.on('message', (m: any) => m.type === type && resolve(m)));
  await next('ready');
  return async (): Promise<{ latencies: number[]; startedAt: number[] }> => {
    const answer = next('latencies');
    child.send({ type: 'stop' });
    return answer;
  };
}

const now = () => performance.timeOrigin + performance.now();

/** One fuzz request, kept to say which were in flight while /health was slow. */
interface Sent {
  route: string;
  status: number;
  start: number;
  end: number;
  bytes: number;
  /** Why there was no answer. */
  why?: string;
}

/** For each of the slowest probes over 100 ms: the requests in flight while it waited. */
function slowProbes(probes: { latencies: number[]; startedAt: number[] }, requests: Sent[], count = 8): string[] {
  const slow = probes.latencies
    .map((ms, i) => ({ ms, start: probes.startedAt[i] }))
    .filter((p) => p.ms >= 100)
    .sort((a, b) => b.ms - a.ms)
    .slice(0, count);
  return slow.map((p) => {
    const during = requests.filter((r) => r.start < p.start + p.ms && r.end > p.start);
    return `${p.ms.toFixed(0)} ms: ${during.map((r) => `${r.route} -> ${r.status} (${(r.end - r.start).toFixed(0)} ms, ${r.bytes} B)`).join('; ') || 'no fuzz request in flight'}`;
  });
}

/** The service's own event-loop delay from its /metrics (prom-client's, reset at each scrape). */
async function loopLag(send: ReturnType<typeof sender>): Promise<string> {
  const text = (await send({ method: 'GET', url: '/metrics' })).body;
  const read = (name: string) => Number(new RegExp(`^${name} ([0-9.e+-]+)`, 'm').exec(text)?.[1] ?? NaN) * 1000;
  return `p99 ${read('nodejs_eventloop_lag_p99_seconds').toFixed(0)} ms, max ${read('nodejs_eventloop_lag_max_seconds').toFixed(0)} ms`;
}

async function main() {
  const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, Node ${process.version}`;
  const loadBefore = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  await freshSchema();
  const port = await freePort();
  const logFile = path.join(os.tmpdir(), `bench-fuzz-${port}.log`);
  const service = startService(port, logFile);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY + 2 });
  const send = sender(port, agent);
  const byClass = new Map<string, number>();
  const byStatus = new Map<number, number>();
  const wrong: string[] = [];
  let sent = 0;
  let noAnswer = 0;
  let probes = { latencies: [] as number[], startedAt: [] as number[] };
  let lag = 'unknown';
  const requests: Sent[] = [];
  try {
    await waitForHealth(send, service.exited);
    const fixtures = await createFixtures((r) => send(r));
    const doc = JSON.parse((await send({ method: 'GET', url: '/docs/json' })).body) as OpenApiDocument;
    const routes = fuzzRoutes(doc);
    const opts = { knownIds: Object.values(fixtures), hugeBytes: HUGE_BYTES, streamKnownIds: true };
    console.error(`  (fuzzing ${routes.length} routes for ${DURATION_S} s, ${CONCURRENCY} at a time, seed ${SEED}; service log: ${logFile})`);
    await loopLag(send);
    const stopProbe = await probeHealth(`http://127.0.0.1:${port}`);
    const deadline = Date.now() + DURATION_S * 1000;
    let batch = 0;
    const worker = async () => {
      while (Date.now() < deadline && service.child.exitCode === null) {
        const n = batch++;
        const route = routes[n % routes.length];
        for (const request of sampleRequests(route, opts, BATCH, SEED + n)) {
          if (Date.now() >= deadline) break;
          const start = now();
          const answer = await send(request, route.streams);
          requests.push({
            route: `${route.method} ${route.path}`,
            status: answer.statusCode,
            start,
            end: now(),
            bytes: request.payload?.length ?? 0,
            ...(answer.statusCode === 0
              ? { why: `${answer.body} (${route.method} ${route.path}${(request.payload?.length ?? 0) > 2 ** 20 ? ', a body over 1 MiB' : ''})` }
              : {}),
          });
          sent++;
          byStatus.set(answer.statusCode, (byStatus.get(answer.statusCode) ?? 0) + 1);
          const cls = answer.statusCode === 0 ? 'no answer' : `${String(answer.statusCode)[0]}xx`;
          byClass.set(cls, (byClass.get(cls) ?? 0) + 1);
          if (answer.statusCode === 0) noAnswer++;
          const problem = answer.statusCode === 0 ? null : wrongAnswer(answer);
          if (problem && wrong.length < 20) wrong.push(`${problem} (seed ${SEED + n}): ${describeRequest(request)}\n    -> ${answer.body.slice(0, 300)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    probes = await stopProbe();
    if (service.child.exitCode === null) lag = await loopLag(send);
  } finally {
    agent.destroy();
    await service.stop();
  }
  const log = fs.readFileSync(logFile, 'utf8');
  const count = (re: RegExp) => log.split('\n').filter((l) => re.test(l)).length;
  const noAnswerWhy = new Map<string, number>();
  for (const r of requests) if (r.status === 0) noAnswerWhy.set(r.why ?? '?', (noAnswerWhy.get(r.why ?? '?') ?? 0) + 1);
  const uncaught = count(/uncaught error/);
  // /health as the service timed it: what the prober saw beyond this is waiting for a CPU.
  const served = log
    .split('\n')
    .filter((l) => l.includes('"url":"/health"'))
    .map((l) => Number(/"durationMs":([0-9.]+)/.exec(l)?.[1] ?? NaN))
    .filter((ms) => !Number.isNaN(ms));
  const logged500 = count(/"msg":"unhandled error"/);
  const answers500 = byStatus.get(500) ?? 0;
  const { latencies } = probes;
  const p99 = pct(latencies, 99);
  const lines = [
    `machine: ${machine}; load average before ${loadBefore}, after ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
    `service: src/main.ts ${ROLE}, keyless local mode, ${process.env.REDIS_URL ? 'Redis' : 'PostgreSQL'} queue; ${DURATION_S} s, ${CONCURRENCY} requests in flight, seed ${SEED}, huge strings ${HUGE_BYTES} bytes`,
    '',
    '| requests sent | 2xx | 3xx | 4xx | 5xx | no answer | answers of 500 | 500s logged | uncaught errors logged | /health probes | /health p50 ms | /health p99 ms | /health max ms |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    `| ${sent} | ${byClass.get('2xx') ?? 0} | ${byClass.get('3xx') ?? 0} | ${byClass.get('4xx') ?? 0} | ${byClass.get('5xx') ?? 0} | ${noAnswer} | ${answers500} | ${logged500} | ${uncaught} | ${latencies.length} | ${pct(latencies, 50).toFixed(0)} | ${p99.toFixed(0)} | ${Math.max(...latencies).toFixed(0)} |`,
    '',
    `statuses: ${[...byStatus]
      .sort((a, b) => a[0] - b[0])
      .map(([s, n]) => `${s} x${n}`)
      .join(', ')}`,
    ...(noAnswerWhy.size ? [`no answer: ${[...noAnswerWhy].map(([why, n]) => `${why} x${n}`).join('; ')}`] : []),
    `the service's event-loop delay while fuzzed (its /metrics): ${lag}; /health as the service timed it (${served.length} answers): p50 ${pct(served, 50).toFixed(0)} ms, p99 ${pct(served, 99).toFixed(0)} ms, max ${Math.max(...served).toFixed(0)} ms`,
    `service exit code: ${service.child.exitCode ?? service.child.signalCode}`,
  ];
  console.log(lines.join('\n'));
  if (wrong.length) console.log(`\nwrong answers (first ${wrong.length}):\n${wrong.map((w) => `  ${w}`).join('\n')}`);
  const slow = slowProbes(probes, requests);
  if (slow.length) console.log(`\nslowest /health probes over 100 ms, with the fuzz requests in flight:\n${slow.map((l) => `  ${l}`).join('\n')}`);
  const met = answers500 === 0 && uncaught === 0 && p99 < 100;
  console.log(`\ndone when 0 answers of 500, 0 uncaught errors, /health p99 < 100 ms: ${met ? 'met' : 'NOT met'}`);
  if (!met) process.exitCode = 1;
}

await main();
