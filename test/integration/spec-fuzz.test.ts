import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE_BACKENDS, startHarness, type Harness } from '../support/harness.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A valid spec that touches most of the schema (validation, evaluate, clipping, initializers, BN, fit options). */
function validSpec(): { [key: string]: Json } {
  return {
    name: 'fuzz',
    dataset: { builtin: 'fashion-mnist', split: 'train', limit: 100, seed: 1 },
    validation: { split: 0.2 },
    evaluate: { dataset: { builtin: 'fashion-mnist', split: 'test', limit: 50 } },
    model: {
      layers: [
        { type: 'Flatten', inputShape: [28, 28] },
        { type: 'Dense', units: 8, kernelInitializer: 'he_normal', useBias: false },
        { type: 'BatchNormalization', momentum: 0.9 },
        { type: 'Activation', activation: 'elu' },
        { type: 'Dropout', rate: 0.1 },
        { type: 'Dense', units: 10, activation: 'softmax', kernelInitializer: { type: 'VarianceScaling', scale: 2, mode: 'fan_avg', distribution: 'uniform' } },
      ],
    },
    compile: { optimizer: { type: 'sgd', learningRate: 0.01, momentum: 0.9, clipValue: 1 }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
    fit: { epochs: 1, batchSize: 32, shuffle: true, seed: 42, earlyStopping: { monitor: 'val_loss', patience: 1 } },
    diagnostics: { enabled: false },
  };
}

/** Every location in a JSON value, as key paths ([] is the root). */
function locations(value: Json, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...locations(v, [...prefix, i])));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...locations(v, [...prefix, k]));
  return out;
}

function parentOf(root: Json, path: Array<string | number>): any {
  let node: any = root;
  for (const key of path.slice(0, -1)) node = node[key];
  return node;
}

/** Sets an own property even for keys such as `__proto__`, so JSON.stringify sends it. */
function setOwn(target: any, key: string | number, value: Json) {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

const typeOf = (v: Json) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

type Mutation = { op: 'drop'; at: number } | { op: 'replace'; at: number; value: Json } | { op: 'add'; at: number; key: string; value: Json };

function mutate(spec: Json, mutations: Mutation[]): Json {
  const root = structuredClone(spec);
  for (const m of mutations) {
    const locs = locations(root);
    const path = locs[m.at % locs.length];
    if (m.op === 'add') {
      // Add a key to the object at (or above) this location.
      let target: any = path.length === 0 ? root : parentOf(root, [...path, 'x']);
      if (target === null || typeof target !== 'object' || Array.isArray(target)) target = parentOf(root, path);
      if (target !== null && typeof target === 'object' && !Array.isArray(target)) setOwn(target, m.key, m.value);
      continue;
    }
    if (path.length === 0) continue;
    const parent = parentOf(root, path);
    const key = path[path.length - 1];
    if (m.op === 'drop') {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
    } else {
      setOwn(parent, key, m.value);
    }
  }
  return root;
}

const jsonValue = fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<Json>;
/** A value of another kind than the one it replaces is likelier with a mix of plain scalars too. */
const anyValue: fc.Arbitrary<Json> = fc.oneof(
  jsonValue,
  fc.constantFrom<Json>(null, true, false, 0, -1, 1.5, -0, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, '', 'NaN', 'Infinity', '1', [], {}, [[]], {
    type: 'Dense',
  }),
  fc.string({ maxLength: 30 }),
  fc.double(),
  fc.integer(),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: anyValue }),
  fc.record({
    op: fc.constant('add' as const),
    at: fc.nat(),
    key: fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'prototype', 'foo', 'units', 'type')),
    value: anyValue,
  }),
);

describe.each(QUEUE_BACKENDS.slice(0, 1))('POST /jobs under fuzzing ($name queue)', ({ redisUrl }) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ redisUrl });
  });
  afterAll(async () => h?.close());

  const post = (body: string, contentType = 'application/json') =>
    h.app.inject({ method: 'POST', url: '/jobs', headers: { 'content-type': contentType }, payload: body });

  /** The answer is a 201 or a well-formed client error: never a 5xx, never a bare error. */
  function checkAnswer(res: { statusCode: number; body: string }, sent: string) {
    const why = `${res.statusCode} for ${sent.slice(0, 400)}\n-> ${res.body.slice(0, 400)}`;
    expect([201, 400, 404, 413], why).toContain(res.statusCode);
    const body = JSON.parse(res.body);
    if (res.statusCode === 201) {
      expect(body.status, why).toBe('queued');
      return;
    }
    expect(typeof body.error, why).toBe('string');
    expect(typeof body.message, why).toBe('string');
    expect(Array.isArray(body.details), why).toBe(true);
    for (const d of body.details) {
      expect(typeof d.path, why).toBe('string');
      expect(typeof d.message, why).toBe('string');
    }
    if (res.statusCode === 400 && body.error !== 'FST_ERR_CTP_INVALID_JSON_BODY' && body.error !== 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      // A spec problem names a field.
      expect(body.details.length, why).toBeGreaterThan(0);
    }
  }

  it('the unmutated spec is accepted', async () => {
    const res = await post(JSON.stringify(validSpec()));
    expect(res.statusCode).toBe(201);
  });

  it('arbitrary JSON bodies are refused with a 400, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 5 }), async (value) => {
        const sent = JSON.stringify(value);
        const res = await post(sent);
        checkAnswer(res, sent);
        expect(res.statusCode).toBe(400);
      }),
      { numRuns: 60, seed: 20261126 },
    );
  });

  it('mutations of a valid spec answer 201 or a described 4xx, never a 5xx', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        const spec = mutate(validSpec(), mutations);
        const sent = JSON.stringify(spec);
        const res = await post(sent);
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        checkAnswer(res, sent);
      }),
      { numRuns: 200, seed: 42 },
    );
    // The generator must reach both sides: accepted specs and refused ones.
    expect(statuses.get(400) ?? 0).toBeGreaterThan(20);
    expect(statuses.get(201) ?? 0).toBeGreaterThan(0);
  });

  it('replacing any field with a value of another kind is refused', async () => {
    const spec = validSpec();
    const locs = locations(spec).filter((p) => p.length > 0);
    // name is free text; everything else has a fixed kind.
    const typed = locs.filter((p) => p[0] !== 'name');
    await fc.assert(
      // Bodies are validated without type coercion, so null, booleans and numeric strings count too.
      fc.asyncProperty(fc.nat({ max: typed.length - 1 }), fc.constantFrom<Json>({}, { a: 1 }, [], [1, 2], 'text', null, true, '1'), async (i, value) => {
        const path = typed[i];
        const original = parentOf(spec, path)[path[path.length - 1]] as Json;
        fc.pre(typeOf(original) !== typeOf(value));
        const mutated = structuredClone(spec);
        setOwn(parentOf(mutated, path), path[path.length - 1], value);
        const sent = JSON.stringify(mutated);
        const res = await post(sent);
        checkAnswer(res, sent);
        expect(res.statusCode, `${path.join('/')} = ${JSON.stringify(value)} -> ${res.body.slice(0, 300)}`).toBe(400);
      }),
      { numRuns: 100, seed: 7 },
    );
  });

  describe('hostile bodies', () => {
    const deepArray = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const deepObject = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
    const withField = (path: string[], raw: string) => {
      // Splices raw JSON text in place of a placeholder at `path` in the valid spec.
      const spec: any = validSpec();
      let node = spec;
      for (const k of path.slice(0, -1)) node = node[k];
      node[path[path.length - 1]] = '__HOSTILE__';
      return JSON.stringify(spec).replace('"__HOSTILE__"', raw);
    };

    it.each([
      ['a 10k-deep array as the body', deepArray(10_000)],
      ['a 10k-deep object as the body', deepObject(10_000)],
      ['a 10k-deep array as the dataset', withField(['dataset'], deepArray(10_000))],
      ['a 10k-deep array as a layer', withField(['model', 'layers'], `[${deepArray(10_000)}]`)],
      ['a 10k-deep array as inputShape', withField(['model', 'layers', '0', 'inputShape'], deepArray(10_000))],
      ['a 10k-deep object as an unknown key', JSON.stringify(validSpec()).replace(/}$/, `,"deep":${deepObject(10_000)}}`)],
      ['epochs 1e308', withField(['fit', 'epochs'], '1e308')],
      ['epochs 1e400 (Infinity)', withField(['fit', 'epochs'], '1e400')],
      ['units 1e308', withField(['model', 'layers', '1', 'units'], '1e308')],
      ['units -1e400', withField(['model', 'layers', '1', 'units'], '-1e400')],
      ['learningRate 1e400', withField(['compile', 'optimizer', 'learningRate'], '1e400')],
      ['learningRate "NaN"', withField(['compile', 'optimizer', 'learningRate'], '"NaN"')],
      ['epochs "NaN"', withField(['fit', 'epochs'], '"NaN"')],
      ['epochs "Infinity"', withField(['fit', 'epochs'], '"Infinity"')],
      ['limit "-Infinity"', withField(['dataset', 'limit'], '"-Infinity"')],
      ['validation split "NaN"', withField(['validation', 'split'], '"NaN"')],
      ['a 2^60 batch size', withField(['fit', 'batchSize'], '1152921504606846976')],
      ['a 400-digit number', withField(['fit', 'epochs'], '9'.repeat(400))],
      ['inputShape of huge dims', withField(['model', 'layers', '0', 'inputShape'], '[1000000,1000000,1000000,1000000]')],
      ['a top-level __proto__', JSON.stringify(validSpec()).replace(/}$/, ',"__proto__":{"polluted":true}}')],
      ['a nested __proto__', withField(['fit'], '{"epochs":1,"__proto__":{"polluted":true}}')],
      ['a constructor.prototype', JSON.stringify(validSpec()).replace(/}$/, ',"constructor":{"prototype":{"polluted":true}}}')],
      ['a layer with __proto__', withField(['model', 'layers', '1'], '{"type":"Dense","units":8,"__proto__":{"type":"Flatten"}}')],
    ])('%s is a 400', async (_label, body) => {
      const res = await post(body);
      checkAnswer(res, body);
      expect(res.statusCode).toBe(400);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('bodies of other content types are refused with a 4xx', async () => {
      for (const [type, body] of [
        ['text/plain', 'hello'],
        ['application/x-www-form-urlencoded', 'a=1'],
        ['application/json; charset=latin1', '{}'],
        ['application/json', '\u0000'],
        ['application/json', 'null'],
        ['application/json', '"a string"'],
      ] as const) {
        const res = await post(body, type);
        expect(res.statusCode, `${type}: ${res.body}`).toBeGreaterThanOrEqual(400);
        expect(res.statusCode, `${type}: ${res.body}`).toBeLessThan(500);
        expect(JSON.parse(res.body)).toMatchObject({ error: expect.any(String), message: expect.any(String), details: expect.any(Array) });
      }
    });

    it('the service is still healthy afterwards', async () => {
      const health = await h.app.inject({ method: 'GET', url: '/health' });
      expect(health.statusCode).toBe(200);
      expect(health.json()).toMatchObject({ status: 'ok', db: 'ok', queue: 'ok' });
      expect((await post(JSON.stringify(validSpec()))).statusCode).toBe(201);
    });
  });
});
