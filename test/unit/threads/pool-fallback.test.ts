/**
 * The thread pool when its threads cannot start, or start but a task fails: which errors mean
 * "run inline instead", and the bounds the inline path keeps.
 */
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { threadPools } from '../../support/thread-pools.js';
import { ServiceError } from '../../../src/core/errors.js';
import errorHandler from '../../../src/http/plugins/error-handler.js';
import { isStartFailure } from '../../../src/threads/pool.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const dataset = () => ({ bytes: bytes('{"name":"n","features":[[1,2]],"labels":[0]}') });
const fixture = (name: string) => new URL(`../../fixtures/threads/${name}`, import.meta.url).href;

describe('thread pool: start failures, task bugs and the inline path', () => {
  const make = threadPools();

  it('runs every in-flight task of a kind inline when its threads cannot start, and logs it once', { timeout: 120_000 }, async () => {
    const logged: string[] = [];
    const pool = make({ threads: 1, maxQueue: 8, modules: { data: fixture('does-not-exist.ts') }, log: (m) => logged.push(m) });
    const results = await Promise.allSettled(Array.from({ length: 4 }, () => pool.run('parseJsonDataset', dataset())));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    for (const r of results) expect((r as PromiseFulfilledResult<{ name: string }>).value.name).toBe('n');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/data threads cannot start/);
    // Later tasks go straight to the inline path.
    expect((await pool.run('parseJsonDataset', dataset())).name).toBe('n');
    expect(logged).toHaveLength(1);
  });

  it('gives the inline fallback the whole body when the task was to move it to a thread that cannot start', { timeout: 120_000 }, async () => {
    const pool = make({ threads: 1, modules: { data: fixture('does-not-exist.ts') } });
    const body = bytes(
      JSON.stringify({
        inputs: [
          [1, 2],
          [3, 4],
        ],
      }),
    );
    const { rows: packed } = await pool.run('parsePredictBody', { bytes: body }, { transfer: [body.buffer as ArrayBuffer] });
    expect(packed.count).toBe(2);
    expect(Array.from(packed.values)).toEqual([1, 2, 3, 4]);
  });

  it('takes a module without a handler for threads that cannot start', { timeout: 120_000 }, async () => {
    const logged: string[] = [];
    const pool = make({ threads: 1, modules: { data: fixture('no-handler.ts') }, log: (m) => logged.push(m) });
    expect((await pool.run('parseJsonDataset', dataset())).name).toBe('n');
    expect(logged).toHaveLength(1);
  });

  it('answers a task that throws a TypeError as an error (a 500), not by running it inline', { timeout: 120_000 }, async () => {
    const logged: string[] = [];
    const pool = make({ threads: 1, modules: { data: fixture('task-bug.ts') }, log: (m) => logged.push(m) });
    const err = await pool.run('parseJsonDataset', dataset()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect(err).not.toBeInstanceOf(ServiceError);
    expect((err as Error).message).toMatch(/is not a function/);
    expect(logged).toEqual([]);
  });

  it('tells start failures from task errors', () => {
    expect(isStartFailure(Object.assign(new Error('Cannot find module x'), { code: 'ERR_MODULE_NOT_FOUND' }))).toBe(true);
    expect(isStartFailure(Object.assign(new Error('Unknown file extension ".ts"'), { code: 'ERR_UNKNOWN_FILE_EXTENSION' }))).toBe(true);
    expect(isStartFailure(new Error('No handler function exported from file:///x.js'))).toBe(true);
    expect(isStartFailure(new TypeError('model.predict is not a function'))).toBe(false);
    expect(isStartFailure(new Error('Failed to load the weights: is not a function'))).toBe(false);
    expect(isStartFailure(undefined)).toBe(false);
  });

  it('bounds the inline path too: past threads + maxQueue in flight, a 503 at once', async () => {
    const pool = make({ threads: 0, maxQueue: 1 });
    // All three start in the same tick; the inline bound is max(1, threads) + maxQueue = 2.
    const results = await Promise.allSettled([
      pool.run('parseJsonDataset', dataset()),
      pool.run('parseJsonDataset', dataset()),
      pool.run('parseJsonDataset', dataset()),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    const refused = (results[2] as PromiseRejectedResult).reason as ServiceError;
    expect(refused).toBeInstanceOf(ServiceError);
    expect(refused.statusCode).toBe(503);
    // The slots are given back: the next one runs.
    expect((await pool.run('parseJsonDataset', dataset())).name).toBe('n');
  });

  it("answers the pool's 503 with Retry-After", async () => {
    const pool = make({ threads: 0, maxQueue: 0 });
    const app = Fastify();
    await app.register(errorHandler);
    app.post('/two', async () => Promise.all([pool.run('parseJsonDataset', dataset()), pool.run('parseJsonDataset', dataset())]));
    const res = await app.inject({ method: 'POST', url: '/two' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error: 'busy' });
    expect(res.headers['retry-after']).toBe('5');
    await app.close();
  });
});
