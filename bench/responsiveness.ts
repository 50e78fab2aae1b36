/**
 * `npm run bench:responsiveness` (beside `npm run bench`, which measures training): how the API answers /health, and how much its event loop is delayed, while each large request
 * of issue 9 runs. The API runs in a child process (bench/loop-api.ts) on the real database;
 * this process sends the large request while a third (bench/health-prober.ts) probes /health
 * every 20 ms.
 *
 * Environment: DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres),
 * BENCH_SCHEMA (default bench_i9), REDIS_URL (optional), API_ROOT (the checkout whose API is
 * measured; default this one), BENCH_CASES (comma-separated case names; default all),
 * BENCH_CPU_PROF (a folder for the API process's CPU profile).
 * Targets: /health p99 < 100 ms, event-loop delay p99 < 50 ms.
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const SCHEMA = process.env.BENCH_SCHEMA ?? 'bench_i9';

type Api = { base: string; send(msg: object): Promise<any>; stop(): Promise<void> };

async function startApi(): Promise<Api> {
  const child = fork(path.join(here, 'loop-api.ts'), [], {
    // BENCH_CPU_PROF=dir: the API process writes a V8 CPU profile there when it stops (where the loop's time went).
    execArgv: ['--import', 'tsx', ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [])],
    env: {
      ...process.env,
      DATABASE_URL,
      DATABASE_SCHEMA: SCHEMA,
      QUEUE_NAME: `${SCHEMA}-q`,
      LOG_LEVEL: 'silent',
      TFJS_BACKEND: process.env.TFJS_BACKEND ?? 'cpu',
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = (type: string) =>
    new Promise<any>((resolve) => {
      const on = (m: any) => {
        if (m.type === type) {
          child.off('message', on);
          resolve(m);
        }
      };
      child.on('message', on);
    });
  const ready = await next('ready');
  return {
    base: `http://127.0.0.1:${ready.port}`,
    async send(msg: { type: string }) {
      const answer = next(msg.type);
      child.send(msg);
      return answer;
    },
    async stop() {
      child.send({ type: 'stop' });
      await new Promise((r) => child.once('exit', r));
    },
  };
}

const log = (m: string) => console.error(`  (${m})`);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};

/**
 * Probes /health from its own process (bench/health-prober.ts) until stopped; returns the
 * latencies. Not from this one: this process's own work (encoding a 60 MB body, reading 500
 * streams) would delay its probes and be counted against the API.
 */
async function probeHealth(base: string) {
  const child = fork(path.join(here, 'health-prober.ts'), [base], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = (type: string) => new Promise<any>((resolve) => child.on('message', (m: any) => m.type === type && resolve(m)));
  await next('ready');
  return async (): Promise<number[]> => {
    const answer = next('latencies');
    child.send({ type: 'stop' });
    return (await answer).latencies;
  };
}

const post = (base: string, url: string, body: string, type = 'application/json') =>
  fetch(`${base}${url}`, { method: 'POST', headers: { 'content-type': type }, body, signal: AbortSignal.timeout(300_000) })
    .then(async (r) => ({ status: r.status, text: await r.text() }))
    .catch((e: Error) => ({ status: 0, text: e.message }));

function denseImport(inputs: number, units: number, withWeights: boolean) {
  const layers = [
    {
      class_name: 'Dense',
      config: {
        name: 'd',
        units,
        activation: 'linear',
        use_bias: true,
        batch_input_shape: [null, inputs],
        kernel_initializer: { class_name: 'Zeros', config: {} },
        bias_initializer: { class_name: 'Zeros', config: {} },
      },
    },
  ];
  const specs = withWeights
    ? [
        { name: 'd/kernel', shape: [inputs, units], dtype: 'float32' },
        { name: 'd/bias', shape: [units], dtype: 'float32' },
      ]
    : [];
  const weights = withWeights ? Buffer.alloc((inputs * units + units) * 4).toString('base64') : '';
  return JSON.stringify({
    modelJson: {
      format: 'layers-model',
      modelTopology: { class_name: 'Sequential', config: { name: 's', layers } },
      weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
    },
    weights,
  });
}

function csvText(rows: number, cols: number): string {
  const header = [...Array.from({ length: cols }, (_, i) => `f${i}`), 'label'].join(',');
  const line = (r: number) => [...Array.from({ length: cols }, (_, c) => ((r * 31 + c * 7) % 1000) / 1000), r % 10].join(',');
  return [header, ...Array.from({ length: rows }, (_, r) => line(r))].join('\n');
}

function multipart(csv: string): { body: string; type: string } {
  const b = 'benchboundary';
  const body = `--${b}\r\nContent-Disposition: form-data; name="labelColumn"\r\n\r\nlabel\r\n--${b}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\nContent-Type: text/csv\r\n\r\n${csv}\r\n--${b}--\r\n`;
  return { body, type: `multipart/form-data; boundary=${b}` };
}

const rows = (n: number, width: number) => Array.from({ length: n }, (_, r) => Array.from({ length: width }, (_, c) => ((r * 31 + c * 7) % 1000) / 1000));

/** Each case: sets up (unmeasured), then the measured request(s); returns their statuses. */
const CASES: Record<string, (api: Api) => Promise<() => Promise<string>>> = {
  'import Dense 20000x20000, empty weights (242 B)': async (api) => async () => (await post(api.base, '/models', denseImport(20000, 20000, false))).status + '',
  'import Dense 3000x3000 with its 36 MB of weights': async (api) => {
    const body = denseImport(3000, 3000, true);
    return async () => (await post(api.base, '/models', body)).status + '';
  },
  'import with a 50 MB junk key, then 10 x GET /models': async (api) => {
    const body = JSON.stringify({ ...JSON.parse(denseImport(2, 2, true)), name: undefined }).replace(
      '"modelJson":{',
      `"modelJson":{"junk":"${'x'.repeat(50 * 2 ** 20)}",`,
    );
    return async () => {
      const imported = (await post(api.base, '/models', body)).status;
      const lists = await Promise.all(
        Array.from({ length: 10 }, () =>
          fetch(`${api.base}/models?limit=20`)
            .then((r) => r.status)
            .catch(() => 0),
        ),
      );
      return `${imported}; lists ${[...new Set(lists)].join('/')}`;
    };
  },
  // Sized to land just under the default 64 MB body limit (the first runs' bodies were over it: 413).
  'CSV upload, 62 MB': async (api) => {
    const { body, type } = multipart(csvText(14_000, 780));
    log(`CSV body ${(body.length / 2 ** 20).toFixed(1)} MB`);
    return async () => (await post(api.base, '/datasets', body, type)).status + '';
  },
  'JSON dataset, 60 MB': async (api) => {
    const body = JSON.stringify({ name: 'big', features: rows(13_600, 784), labels: Array.from({ length: 13_600 }, (_, i) => i % 10) });
    log(`JSON body ${(body.length / 2 ** 20).toFixed(1)} MB`);
    return async () => (await post(api.base, '/datasets', body)).status + '';
  },
  'predict, 47 MB of inputs': async (api) => {
    const model = JSON.parse((await post(api.base, '/models', denseImport(784, 10, true))).text).id;
    const body = JSON.stringify({ inputs: rows(10_000, 784) });
    return async () => (await post(api.base, `/models/${model}/predict`, body)).status + '';
  },
  'predict, 8 MB of inputs (the cap since issue 9)': async (api) => {
    const model = JSON.parse((await post(api.base, '/models', denseImport(784, 10, true))).text).id;
    const body = JSON.stringify({ inputs: rows(1_700, 784) });
    log(`predict body ${(body.length / 2 ** 20).toFixed(1)} MB`);
    return async () => (await post(api.base, `/models/${model}/predict`, body)).status + '';
  },
  '5 near-limit POST /jobs at once (9.5M parameters each)': async (api) => {
    const spec = JSON.stringify({
      dataset: { builtin: 'fashion-mnist', limit: 100 },
      model: { layers: [{ type: 'Flatten' }, { type: 'Dense', units: 12_000 }, { type: 'Dense', units: 10, activation: 'softmax' }] },
      compile: { optimizer: { type: 'sgd' }, loss: 'sparse_categorical_crossentropy' },
      fit: { epochs: 1 },
    });
    return async () => (await Promise.all(Array.from({ length: 5 }, () => post(api.base, '/jobs', spec)))).map((r) => r.status).join(',');
  },
  '500 event-stream connections for 5 s': async (api) => {
    const spec = JSON.stringify({
      dataset: { builtin: 'fashion-mnist', limit: 100 },
      model: { layers: [{ type: 'Flatten' }, { type: 'Dense', units: 10, activation: 'softmax' }] },
      compile: { optimizer: { type: 'sgd' }, loss: 'sparse_categorical_crossentropy' },
      fit: { epochs: 1 },
    });
    const id = JSON.parse((await post(api.base, '/jobs', spec)).text).id;
    return async () => {
      const agent = new http.Agent({ maxSockets: 1000 });
      const requests = Array.from({ length: 500 }, () => http.get(`${api.base}/jobs/${id}/events`, { agent }, (res) => res.resume()).on('error', () => {}));
      await new Promise((r) => setTimeout(r, 5_000));
      for (const r of requests) r.destroy();
      agent.destroy();
      return `500 opened`;
    };
  },
};

async function main() {
  const only = process.env.BENCH_CASES?.split(',').map((s) => s.trim());
  const api = await startApi();
  // Warm-up, unmeasured: the first database query of a fresh process loads Prisma's query
  // compiler and opens its pool, which held the loop for up to a second in whichever case ran first.
  for (let i = 0; i < 3; i++)
    await Promise.all(
      [fetch(`${api.base}/models?limit=1`), fetch(`${api.base}/jobs?limit=1`), fetch(`${api.base}/health`)].map((p) =>
        p.then((r) => r.arrayBuffer()).catch(() => {}),
      ),
    );
  const lines = [
    '| request | answer | wall s | /health p99 ms | /health max ms | loop delay p99 ms | loop delay max ms | API RSS after MB |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  try {
    for (const [name, setup] of Object.entries(CASES)) {
      if (only && !only.some((o) => name.startsWith(o))) continue;
      const run = await setup(api);
      await api.send({ type: 'reset' });
      const stop = await probeHealth(api.base);
      const t = performance.now();
      const answer = await run();
      const wall = (performance.now() - t) / 1000;
      await new Promise((r) => setTimeout(r, 200));
      const latencies = await stop();
      const loop = await api.send({ type: 'report' });
      const line = `| ${name} | ${answer} | ${wall.toFixed(1)} | ${pct(latencies, 99).toFixed(0)} | ${Math.max(...latencies).toFixed(0)} | ${loop.p99} | ${loop.max} | ${loop.rssMb} |`;
      lines.push(line);
      console.log(line);
    }
  } finally {
    await api.stop();
  }
  console.log(`\nAPI: ${process.env.API_ROOT ?? 'this checkout'}; targets: /health p99 < 100 ms, loop delay p99 < 50 ms\n\n${lines.join('\n')}`);
}

await main();
