/**
 * /predict through the thread pool (src/features/models/predictor.ts, src/threads/predict-task.ts):
 * the model runs in a model thread that keeps it, the database is read only on a thread's miss,
 * deleted models are forgotten, errors come back as the client's 400/422, and the event loop
 * stays free while a thread predicts. The same answers inline (0 threads, or threads that cannot start).
 */
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { threadPools } from '../../../support/thread-pools.js';
import { ServiceError } from '../../../../src/core/errors.js';
import type { ThreadPool } from '../../../../src/threads/pool.js';
import { Predictor } from '../../../../src/features/models/predictor.js';
import type { Db } from '../../../../src/infra/db/prisma.js';
import { serializeModel } from '../../../../src/training/model/artifact.js';
import { packRows } from '../../../../src/training/loop/packed-rows.js';
import { type ModelArtifact } from '../../../../src/core/run-types.js';
import { SpecError } from '../../../../src/core/problems.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A db holding `artifacts`, counting the model reads; each answers after `delayMs`. */
function fakeDb(artifacts: Map<string, ModelArtifact>, delayMs = 5) {
  const counter = { reads: 0 };
  const db = {
    model: {
      async findFirst({ where }: { where: { id: string } }) {
        counter.reads += 1;
        await new Promise((r) => setTimeout(r, delayMs));
        const a = artifacts.get(where.id);
        return a ? { modelJson: a.modelJson, weights: a.weights, preprocessing: null } : null;
      },
    },
  } as unknown as Db;
  return { db, counter };
}

async function stored(model: tf.LayersModel): Promise<ModelArtifact> {
  const a = await serializeModel(model);
  model.dispose();
  return a;
}

/** y = scale * (x1 + x2). */
const sum = (scale: number) =>
  stored(
    tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2], useBias: false, kernelInitializer: tf.initializers.constant({ value: scale }) })] }),
  );

/** What the route sends: the outputs, parsed back from the JSON the predictor answers. */
const outputs = async (p: Promise<Buffer>) => (JSON.parse((await p).toString('utf8')) as { outputs: number[][] }).outputs;

const settled = <T>(p: Promise<T>) =>
  p.then(
    () => null,
    (e: unknown) => e,
  );

const fixture = (name: string) => new URL(`../../../fixtures/threads/${name}`, import.meta.url).href;

describe.each([
  ['in a model thread', 1],
  ['inline (0 threads)', 0],
])('Predictor %s', (_where, threads) => {
  const make = threadPools();
  let pool: ThreadPool;
  beforeAll(() => {
    pool = make({ threads });
  });

  it('predicts, reading a model from the database only when the thread does not have it', { timeout: 120_000 }, async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const { db, counter } = fakeDb(
      new Map([
        [a, await sum(1)],
        [b, await sum(10)],
      ]),
    );
    const predictor = new Predictor(db);
    expect(
      await outputs(
        predictor.predict(
          a,
          packRows([
            [1, 2],
            [2, 2],
          ]),
          pool,
        ),
      ),
    ).toEqual([[3], [4]]);
    expect(counter.reads).toBe(1);
    expect(await outputs(predictor.predict(a, packRows([[0, 1]]), pool))).toEqual([[1]]);
    expect(await outputs(predictor.predict(b, packRows([[1, 2]]), pool))).toEqual([[30]]);
    expect(await outputs(predictor.predict(a, packRows([[5, 5]]), pool))).toEqual([[10]]);
    expect(counter.reads).toBe(2);
  });

  it('answers the JSON the route used to serialize: the same numbers, the same text', { timeout: 120_000 }, async () => {
    const id = randomUUID();
    const { db } = fakeDb(new Map([[id, await sum(0.1)]]));
    const body = await new Predictor(db).predict(
      id,
      packRows([
        [1, 2],
        [0.3, 0],
      ]),
      pool,
    );
    const expected = [[Math.fround(Math.fround(0.1) * 3)], [Math.fround(Math.fround(0.1) * Math.fround(0.3))]];
    expect(body.toString('utf8')).toBe(JSON.stringify({ outputs: expected }));
  });

  it('reads a model once for concurrent requests that miss it', { timeout: 120_000 }, async () => {
    const id = randomUUID();
    const { db, counter } = fakeDb(new Map([[id, await sum(2)]]), 300);
    const predictor = new Predictor(db);
    const results = await Promise.all([1, 2, 3, 4].map((x) => outputs(predictor.predict(id, packRows([[x, 0]]), pool))));
    expect(results).toEqual([[[2]], [[4]], [[6]], [[8]]]);
    expect(counter.reads).toBe(1);
  });

  it('forget drops a deleted model from the thread: the next request reads it again', { timeout: 120_000 }, async () => {
    const id = randomUUID();
    const { db, counter } = fakeDb(new Map([[id, await sum(3)]]));
    const predictor = new Predictor(db);
    await predictor.predict(id, packRows([[1, 1]]), pool);
    await predictor.predict(id, packRows([[1, 1]]), pool);
    expect(counter.reads).toBe(1);
    predictor.forget(id);
    // The message reaches the thread on its own channel; give it a moment.
    await new Promise((r) => setTimeout(r, 200));
    expect(await outputs(predictor.predict(id, packRows([[1, 1]]), pool))).toEqual([[6]]);
    expect(counter.reads).toBe(2);
  });

  it(
    "answers the client's errors as before: 400 for rows that do not fit, 422 for an output that is not finite, 404 for a model gone",
    { timeout: 120_000 },
    async () => {
      const id = randomUUID();
      const { db } = fakeDb(new Map([[id, await sum(1)]]));
      const predictor = new Predictor(db);
      const shape = await settled(predictor.predict(id, packRows([[1, 2, 3]]), pool));
      expect(shape).toBeInstanceOf(SpecError);
      expect((shape as SpecError).details[0].path).toBe('/inputs/0');
      const overflow = await settled(
        predictor.predict(
          id,
          packRows([
            [1, 2],
            [3e38, 3e38],
          ]),
          pool,
        ),
      );
      expect(overflow).toBeInstanceOf(ServiceError);
      expect(overflow).toMatchObject({ statusCode: 422, code: 'non_finite_output', details: [{ path: '/inputs/1' }] });
      expect(await settled(predictor.predict(randomUUID(), packRows([[1, 2]]), pool))).toMatchObject({ statusCode: 404 });
      // The thread is still fine.
      expect(await outputs(predictor.predict(id, packRows([[1, 2]]), pool))).toEqual([[3]]);
    },
  );
});

describe('Predictor and the event loop', () => {
  const make = threadPools();

  /** 784 -> 64 -> 784 (an autoencoder's shape): for 500 rows, 0.1 GFLOP and 390k output numbers (7.5 MB of JSON). */
  const wide = () =>
    stored(tf.sequential({ layers: [tf.layers.dense({ units: 64, inputShape: [784], activation: 'relu' }), tf.layers.dense({ units: 784 })] }));
  const rows = () => packRows(Array.from({ length: 500 }, (_, r) => Array.from({ length: 784 }, (_, c) => ((r * 31 + c * 7) % 1000) / 1000)));

  /** The longest the loop was held while `work` ran (ms), and its result. */
  async function loopHeld<T>(work: () => Promise<T>): Promise<{ maxMs: number; result: T }> {
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    // The histogram measures from its first tick on: a loop held before it records nothing.
    await new Promise((r) => setTimeout(r, 50));
    const result = await work();
    // A loop held to the end records its delay only when the next sample is taken.
    await new Promise((r) => setTimeout(r, 50));
    h.disable();
    return { maxMs: h.max / 1e6, result };
  }

  it('keeps the loop free while a thread predicts a large batch (inline holds it for the whole prediction)', { timeout: 180_000 }, async () => {
    const id = randomUUID();
    const { db } = fakeDb(new Map([[id, await wide()]]));
    const predictor = new Predictor(db);
    const threaded = make({ threads: 1 });
    await threaded.warm();
    await predictor.predict(id, packRows([Array(784).fill(0)]), threaded); // the thread loads the model
    // Made beforehand: building them holds the loop too (and the thread's are moved to it).
    const [forThread, forInline] = [rows(), rows()];
    const inThread = await loopHeld(() => predictor.predict(id, forThread, threaded));
    const inline = await loopHeld(() => predictor.predict(id, forInline, make({ threads: 0 })));
    expect(inThread.result.equals(inline.result)).toBe(true);
    // Inline, the loop is held for the whole prediction and its JSON; in a thread, only for short
    // hand-offs. Compared with each other, so a faster machine (a shorter inline hold) still checks it.
    expect(inThread.maxMs).toBeLessThan(150);
    expect(inThread.maxMs * 3).toBeLessThan(inline.maxMs);
  });
});

describe('Predictor when model threads cannot start', () => {
  const make = threadPools();

  it('predicts inline, logged once', { timeout: 120_000 }, async () => {
    const logged: string[] = [];
    const pool = make({ threads: 1, modules: { model: fixture('does-not-exist.ts') }, log: (m) => logged.push(m) });
    const id = randomUUID();
    const { db } = fakeDb(new Map([[id, await sum(1)]]));
    const predictor = new Predictor(db);
    expect(await outputs(predictor.predict(id, packRows([[1, 2]]), pool))).toEqual([[3]]);
    expect(await outputs(predictor.predict(id, packRows([[2, 2]]), pool))).toEqual([[4]]);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/model threads cannot start/);
  });
});
