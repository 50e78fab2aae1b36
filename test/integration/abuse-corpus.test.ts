/**
 * The abuse corpus (test/support/abuse-corpus.ts) and the route fuzzer (test/support/route-fuzz.ts)
 * against one keyless harness: every case answers what it should, names its field and holds the
 * event loop no longer than its bound; every route, fuzzed, never answers a 5xx other than 503
 * and throws nothing uncaught; nothing reaches Object.prototype; /health answers throughout.
 *
 * FUZZ_SEED and FUZZ_RUNS (requests per route) replay or widen the fuzz run.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ABUSE_CORPUS, DEFAULT_LOOP_DELAY_MS, type CorpusCase } from '../support/abuse-corpus.js';

/**
 * The suite runs three files at once on two cores, where any 300 ms slice can be another file's:
 * each case's bound is checked with this much slack (LOOP_DELAY_SLACK=1 checks the bounds as
 * written, on a quiet machine). It still catches what the corpus is about: a request that holds
 * the loop for seconds (24 doubling copies held it 25 s).
 */
const LOOP_DELAY_SLACK = Number(process.env.LOOP_DELAY_SLACK ?? 4);
import { createFixtures, type AbuseFixtures, type Send, type WireRequest } from '../support/abuse-fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';
import { describeRequest, fuzzRoutes, sampleRequests, wrongAnswer, type OpenApiDocument } from '../support/route-fuzz.js';

const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261207);
const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 20);
/** A request that has not answered in this long is a hang, reported as such. */
const ANSWER_TIMEOUT_MS = 30_000;

let h: Harness;
let fixtures: AbuseFixtures;
let send: Send;
const uncaught: string[] = [];
const collect = (kind: string) => (err: unknown) => uncaught.push(`${kind}: ${err instanceof Error ? err.stack : String(err)}`);
const onException = collect('uncaughtException');
const onRejection = collect('unhandledRejection');
const prototypeNames = (o: object) => Object.getOwnPropertyNames(o).sort();
const before = { object: prototypeNames(Object.prototype), array: prototypeNames(Array.prototype), fn: prototypeNames(Function.prototype) };

beforeAll(async () => {
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  h = await startHarness();
  send = async (request: WireRequest) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${ANSWER_TIMEOUT_MS} ms`)), ANSWER_TIMEOUT_MS)));
    try {
      const res = await Promise.race([
        h.app.inject({ method: request.method as 'GET', url: request.url, headers: request.headers, payload: request.payload }),
        timeout,
      ]);
      return { statusCode: res.statusCode, body: res.body };
    } finally {
      clearTimeout(timer);
    }
  };
  fixtures = await createFixtures(send);
  await warmUp();
}, 120_000);

/**
 * The first refused POST /jobs or /studies body compiles the all-errors validator of its
 * 70 KB schema, and the first retry the spec validator, on the event loop (about a second on a
 * loaded 2-core machine), once per process. Done here, so that the corpus's loop bounds measure
 * each case and not whichever case happens to come first.
 */
async function warmUp() {
  const invalid = { method: 'POST', headers: { 'content-type': 'application/json' }, payload: '{"fit":1}' };
  await send({ ...invalid, url: '/jobs' });
  await send({ ...invalid, url: '/studies' });
  await send({ ...invalid, url: `/jobs/${fixtures.job}/retry`, payload: '{"patch":[{"op":"add","path":"/fit/nonsense","value":1}]}' });
}

afterAll(async () => {
  process.off('uncaughtException', onException);
  process.off('unhandledRejection', onRejection);
  await h?.close();
});

const PLACEHOLDER = /\{(dataset|job|endedJob|model|study)\}/g;
function fill(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(PLACEHOLDER, (_, k: keyof AbuseFixtures) => fixtures[k]);
  if (Array.isArray(value)) return value.map(fill);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v)]));
  return value;
}

/** The case's request with the fixtures filled in; its body as bytes, encoded before the loop is watched. */
function prepared(c: CorpusCase): { method: string; url: string; headers: Record<string, string>; payload?: Buffer } {
  const { method, url, headers = {}, payload, payloadFactory } = c.request;
  const body = payloadFactory ? payloadFactory(fixtures) : fill(payload);
  const filledUrl = fill(url) as string;
  if (body === undefined) return { method, url: filledUrl, headers };
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    method,
    url: filledUrl,
    headers: { ...(typeof body === 'string' ? {} : { 'content-type': 'application/json' }), ...headers },
    payload: Buffer.from(text),
  };
}

/** The longest the event loop was held while `work` ran, in ms (10 ms resolution). */
async function loopHeldDuring<T>(work: () => Promise<T>): Promise<{ result: T; maxMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  // The histogram records from its second tick: a loop held before that would go unseen.
  const tick = () => new Promise((r) => setTimeout(r, 15));
  await tick();
  const result = await work();
  await tick();
  histogram.disable();
  return { result, maxMs: histogram.max / 1e6 };
}

describe('abuse corpus', () => {
  for (const c of ABUSE_CORPUS) {
    const run = c.pending ? it.skip : it;
    run(`${c.area}: ${c.name}`, async () => {
      const request = prepared(c);
      const { result: res, maxMs } = await loopHeldDuring(() => h.app.inject({ ...request, method: request.method as 'GET' }));
      const why = `${describeRequest({ ...request, payload: request.payload?.toString() })}\n-> ${res.statusCode} ${res.body.slice(0, 500)}`;
      if (c.expect.status === '4xx') {
        expect(res.statusCode, why).toBeGreaterThanOrEqual(400);
        expect(res.statusCode, why).toBeLessThan(500);
      } else {
        expect(res.statusCode, why).toBe(c.expect.status);
      }
      if (res.statusCode >= 400) expect(wrongAnswer(res), why).toBeNull();
      if (c.expect.path !== undefined) {
        const paths: string[] = JSON.parse(res.body).details.map((d: { path: string }) => d.path);
        const want = c.expect.path;
        expect(
          paths.some((p) => (typeof want === 'string' ? p === want : want.test(p))),
          `${why}\nexpected a detail at ${want}`,
        ).toBe(true);
      }
      expect(maxMs, `event loop held ${maxMs.toFixed(0)} ms`).toBeLessThanOrEqual((c.maxLoopDelayMs ?? DEFAULT_LOOP_DELAY_MS) * LOOP_DELAY_SLACK);
    });
  }

  it('leaves keyless mode on and /health answering', async () => {
    expect(await h.db.apiKey.count()).toBe(0);
    expect((await send({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });
});

describe('route fuzz', () => {
  it(
    `every route's body, query and path: never a 5xx but 503, never an uncaught error, /health answers (seed ${FUZZ_SEED}, ${FUZZ_RUNS} per route)`,
    { timeout: 300_000 },
    async () => {
      const routes = fuzzRoutes(h.app.swagger() as unknown as OpenApiDocument);
      expect(routes.length).toBeGreaterThan(30);
      const opts = { knownIds: Object.values(fixtures), hugeBytes: 1024 * 1024 + 1, streamKnownIds: false };
      const failures: string[] = [];
      const statuses = new Map<number, number>();
      for (const [i, route] of routes.entries()) {
        const seed = FUZZ_SEED + i;
        for (const request of sampleRequests(route, opts, FUZZ_RUNS, seed)) {
          const res = await send(request).catch((err: Error) => ({ statusCode: 0, body: err.message }));
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          const wrong = res.statusCode === 0 ? res.body : wrongAnswer(res);
          if (wrong)
            failures.push(
              `${route.method} ${route.path} (FUZZ_SEED=${FUZZ_SEED}, route seed ${seed}): ${wrong}\n  ${describeRequest(request)}\n  -> ${res.body.slice(0, 300)}`,
            );
        }
        const health = await send({ method: 'GET', url: '/health' });
        if (health.statusCode !== 200) failures.push(`GET /health after ${route.method} ${route.path}: ${health.statusCode} ${health.body.slice(0, 200)}`);
      }
      expect(failures, failures.join('\n\n')).toEqual([]);
      expect(uncaught, uncaught.join('\n\n')).toEqual([]);
      // The generator must get past validation too, not only be refused by it.
      expect([...statuses.keys()].some((s) => s >= 200 && s < 300)).toBe(true);
    },
  );
});

describe('afterwards', () => {
  it('nothing reached a prototype, no key was created, and /health answers', async () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined();
    expect(prototypeNames(Object.prototype)).toEqual(before.object);
    expect(prototypeNames(Array.prototype)).toEqual(before.array);
    expect(prototypeNames(Function.prototype)).toEqual(before.fn);
    expect(await h.db.apiKey.count()).toBe(0);
    expect(uncaught, uncaught.join('\n\n')).toEqual([]);
    const health = await send({ method: 'GET', url: '/health' });
    expect(health.statusCode, health.body).toBe(200);
  });
});
