/**
 * The large JSON bodies the API hands raw to a data thread (predict, model import): parsed and
 * checked there with the same 400s as a route's own parser and schema, the result's memory moved
 * back, not copied.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ServiceError } from '../../../src/core/errors.js';
import { createThreadPool, type ThreadPool } from '../../../src/threads/pool.js';
import { flattenPacked } from '../../../src/training/loop/packed-rows.js';
import { SpecError } from '../../../src/core/problems.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const limits = { maxParams: 1_000_000, maxLayers: 100 };
const dense = (weights: string) =>
  JSON.stringify({
    modelJson: {
      format: 'layers-model',
      modelTopology: {
        class_name: 'Sequential',
        config: { name: 's', layers: [{ class_name: 'Dense', config: { name: 'd', units: 1, use_bias: false, batch_input_shape: [null, 2] } }] },
      },
      weightsManifest: [{ paths: ['weights.bin'], weights: [{ name: 'd/kernel', shape: [2, 1], dtype: 'float32' }] }],
    },
    weights,
  });

const reason = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as ServiceError,
  );

describe.each([
  ['in a data thread', 1],
  ['inline (0 threads)', 0],
])('request bodies parsed %s', (_where, threads) => {
  let pool: ThreadPool;
  afterAll(async () => pool?.close());

  it('packs predict rows into one Float32Array that arrives whole', { timeout: 120_000 }, async () => {
    pool = createThreadPool({ threads, log: () => {} });
    const rows = Array.from({ length: 3000 }, (_, i) => [i, i + 0.5]);
    const { rows: packed, mcDropout } = await pool.run('parsePredictBody', { bytes: bytes(JSON.stringify({ inputs: rows })) });
    expect(mcDropout).toBeUndefined();
    expect(packed.values).toBeInstanceOf(Float32Array);
    expect(packed.count).toBe(3000);
    expect(Array.from(flattenPacked(packed, [2]).subarray(0, 4))).toEqual([0, 0.5, 1, 1.5]);
  });

  it("answers predict bodies the route's parser and schema refused with the same 400s", { timeout: 120_000 }, async () => {
    pool ??= createThreadPool({ threads, log: () => {} });
    const notJson = await reason(pool.run('parsePredictBody', { bytes: bytes('{"inputs": [[1,') }));
    expect(notJson).toMatchObject({ statusCode: 400, code: 'invalid_json', details: [{ path: '' }] });
    const empty = await reason(pool.run('parsePredictBody', { bytes: bytes('') }));
    expect(empty).toMatchObject({ statusCode: 400, code: 'invalid_json' });
    const proto = await reason(pool.run('parsePredictBody', { bytes: bytes('{"inputs":[[1]],"__proto__":{"x":1}}') }));
    expect(proto).toMatchObject({ statusCode: 400, code: 'invalid_json' });
    // Every field at fault, the first in the message, as the error handler words a route's.
    const schema = await reason(pool.run('parsePredictBody', { bytes: bytes('{"inputs":[["a"],[1]],"extra":1}') }));
    expect(schema).toBeInstanceOf(ServiceError);
    expect(schema).toMatchObject({ statusCode: 400, code: 'invalid_request' });
    expect(schema!.message).toMatch(/^\/extra: .*\(and \d+ more: see details\)$/);
    expect(schema!.details?.map((d) => d.path)).toEqual(expect.arrayContaining(['/inputs/0/0', '/extra']));
    // MC dropout: passed on, its samples held to the schema's range and samples x inputs to the rows one prediction may run.
    const mc = await pool.run('parsePredictBody', { bytes: bytes('{"inputs":[[1,2],[3,4]],"mcDropout":{"samples":50,"seed":7}}') });
    expect(mc.mcDropout).toEqual({ samples: 50, seed: 7 });
    expect(mc.rows.count).toBe(2);
    const oneSample = await reason(pool.run('parsePredictBody', { bytes: bytes('{"inputs":[[1]],"mcDropout":{"samples":1}}') }));
    expect(oneSample).toMatchObject({ statusCode: 400, details: [{ path: '/mcDropout/samples' }] });
    const tooMuch = JSON.stringify({ inputs: Array.from({ length: 101 }, () => [1]), mcDropout: { samples: 100 } });
    const overLimit = await reason(pool.run('parsePredictBody', { bytes: bytes(tooMuch) }));
    expect(overLimit).toMatchObject({ statusCode: 400, code: 'invalid_request', details: [{ path: '/mcDropout/samples' }] });
    expect(overLimit!.message).toContain('100 samples x 101 inputs is 10100');
    const nul = await reason(pool.run('parseModelImport', { bytes: bytes('{"modelJson":{"a\\u0000":1},"weights":""}'), limits }));
    expect(nul).toMatchObject({ statusCode: 400, details: [{ path: '/modelJson/a\u0000', message: 'contains a NUL character or an unpaired surrogate' }] });
  });

  it('names rows float32 cannot hold once the shape is known', { timeout: 120_000 }, async () => {
    pool ??= createThreadPool({ threads, log: () => {} });
    const { rows: packed } = await pool.run('parsePredictBody', { bytes: bytes('{"inputs":[[1,2],[1e39,0],[3]]}') });
    let err: unknown;
    try {
      flattenPacked(packed, [2]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).details.map((d) => d.path)).toEqual(['/inputs/1', '/inputs/2']);
    expect((err as SpecError).details[0].message).toMatch(/float32 range.*got 1e\+39$/);
  });

  it('checks an import and decodes its weights there', { timeout: 120_000 }, async () => {
    pool ??= createThreadPool({ threads, log: () => {} });
    const weights = Buffer.from(new Float32Array([0.5, -2]).buffer).toString('base64');
    const prepared = await pool.run('parseModelImport', { bytes: bytes(dense(weights)), limits });
    expect(Array.from(new Float32Array(prepared.weights.slice().buffer))).toEqual([0.5, -2]);
    expect(prepared.modelJson.weightsManifest).toEqual([{ paths: ['weights.bin'], weights: [{ name: 'd/kernel', shape: [2, 1], dtype: 'float32' }] }]);
    const nan = Buffer.from(new Float32Array([NaN, 1]).buffer).toString('base64');
    expect(await reason(pool.run('parseModelImport', { bytes: bytes(dense(nan)), limits }))).toMatchObject({
      statusCode: 400,
      details: [{ path: '/weights' }],
    });
    const short = await reason(pool.run('parseModelImport', { bytes: bytes(dense('AAAA')), limits }));
    expect(short).toMatchObject({ statusCode: 400, details: [{ path: '/weights', message: 'has 3 bytes; the weightsManifest describes 8' }] });
  });
});
