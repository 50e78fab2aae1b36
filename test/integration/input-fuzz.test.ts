/**
 * Fuzzing the large inputs: imported models (modelJson and weights), multipart CSV uploads and
 * pagination cursors, mutated at random (fast-check, fixed seeds). Every answer is a success or a
 * well-formed 4xx whose details name the field; never a 5xx.
 */
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeModel } from '../../src/training/model/artifact.js';
import { startHarness, type Harness } from '../support/harness.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Answer = { statusCode: number; body: string };

let h: Harness;
let modelJson: { [key: string]: Json };
let weights: string;

beforeAll(async () => {
  h = await startHarness();
  await tf.setBackend('cpu');
  const model = tf.sequential({
    layers: [tf.layers.dense({ units: 3, inputShape: [2], activation: 'relu' }), tf.layers.dense({ units: 2, activation: 'softmax' })],
  });
  const artifact = await serializeModel(model);
  model.dispose();
  modelJson = artifact.modelJson as { [key: string]: Json };
  weights = Buffer.from(artifact.weights).toString('base64');
}, 120_000);
afterAll(async () => h?.close());

/**
 * A 4xx that names what is wrong: `error`, `message`, and details whose paths start with one of
 * `fields` (a multipart body busboy cannot read at all has no field to name: its path is '').
 */
function expectNamedClientError(res: Answer, fields: string[], sent: string) {
  const why = `${res.statusCode} for ${sent.slice(0, 300)}\n-> ${res.body.slice(0, 400)}`;
  expect(res.statusCode, why).toBeGreaterThanOrEqual(400);
  expect(res.statusCode, why).toBeLessThan(500);
  const body = JSON.parse(res.body);
  expect(typeof body.error, why).toBe('string');
  expect(typeof body.message, why).toBe('string');
  expect(body.message, why).not.toMatch(/Maximum call stack|Cannot read properties|is not a function/);
  expect(Array.isArray(body.details) && body.details.length > 0, why).toBe(true);
  if (body.error === 'invalid_multipart') return;
  expect(
    body.details.some((d: { path: string }) => fields.some((f) => d.path.startsWith(f))),
    why,
  ).toBe(true);
}

/** Every location in a JSON value, as key paths ([] is the root). */
function locations(value: Json, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...locations(v, [...prefix, i])));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...locations(v, [...prefix, k]));
  return out;
}

const anyValue: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
  fc.constantFrom<Json>(null, true, 0, -1, 1.5, 1e308, -1e308, 2 ** 31, '', 'float32', 'Dense', [], {}, [null, 2], [-1], [1e9, 1e9], {
    class_name: 'Dense',
    config: {},
  }),
  fc.integer(),
  fc.string({ maxLength: 20 }),
);

describe('POST /models (import) under fuzzing', () => {
  const post = (payload: unknown) => h.app.inject({ method: 'POST', url: '/models', payload: payload as object });

  it('the unmutated import is accepted', async () => {
    const res = await post({ modelJson, weights });
    expect(res.statusCode, res.body).toBe(201);
  });

  it('replacing or dropping any part of modelJson answers 201 or a 4xx naming /modelJson, never a 5xx', { timeout: 300_000 }, async () => {
    const locs = locations(modelJson).filter((p) => p.length > 0);
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: locs.length - 1 }), fc.option(anyValue, { nil: undefined }), async (i, value) => {
        const mutated = structuredClone(modelJson);
        const path = locs[i];
        let parent: any = mutated;
        for (const k of path.slice(0, -1)) parent = parent[k];
        const key = path[path.length - 1];
        if (value === undefined) {
          if (Array.isArray(parent)) parent.splice(key as number, 1);
          else delete parent[key];
        } else {
          parent[key] = value;
        }
        const sent = JSON.stringify({ modelJson: mutated, weights });
        const res = await post(JSON.parse(sent));
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        if (res.statusCode !== 201) expectNamedClientError(res, ['/modelJson', '/weights'], `${path.join('/')} = ${JSON.stringify(value)}`);
      }),
      { numRuns: 150, seed: 9 },
    );
    expect(statuses.get(400) ?? 0).toBeGreaterThan(10);
  });

  it('arbitrary modelJson, weights and name values are a 4xx naming the field', { timeout: 300_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        anyValue,
        fc.oneof(fc.constant(weights), fc.string({ maxLength: 40 }), fc.base64String({ maxLength: 64 })),
        fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
        async (json, w, name) => {
          const payload = { modelJson: json, weights: w, ...(name === undefined ? {} : { name }) };
          const sent = JSON.stringify(payload);
          const res = await post(payload);
          expectNamedClientError(res, ['/modelJson', '/weights', '/name'], sent);
        },
      ),
      { numRuns: 100, seed: 11 },
    );
  });
});

describe('POST /datasets (multipart CSV) under fuzzing', () => {
  const send = (payload: string, contentType: string) => h.app.inject({ method: 'POST', url: '/datasets', headers: { 'content-type': contentType }, payload });

  const csvCell = fc.oneof(
    fc.constantFrom('1', '0.5', '-2', '1e3', '', 'x', '0x10', 'NaN', 'Infinity', '1e39', '"a,b"', '"', ' 1 ', '１'),
    fc.string({ maxLength: 6 }),
  );
  const csv = fc.oneof(
    fc.array(fc.array(csvCell, { minLength: 1, maxLength: 4 }), { minLength: 0, maxLength: 6 }).map((rows) => rows.map((r) => r.join(',')).join('\n')),
    fc.string({ maxLength: 80 }),
    fc.constant('a,b,label\n1,2,x\n3,4,y\n'),
  );
  const part = (name: string, value: string, fileName?: string) =>
    `Content-Disposition: form-data; name="${name}"${fileName === undefined ? '' : `; filename="${fileName}"`}\r\n${fileName === undefined ? '' : 'Content-Type: text/csv\r\n'}\r\n${value}\r\n`;

  it('random files, fields and framing answer 201 or a 4xx naming the field, never a 5xx', { timeout: 300_000 }, async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        csv,
        fc.option(fc.oneof(fc.constantFrom('label', 'a', 'b', 'nope', ''), fc.string({ maxLength: 8 })), { nil: undefined }),
        fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
        fc.constantFrom('ok', 'no-file', 'two-files', 'extra-field', 'no-boundary', 'truncated', 'wrong-boundary', 'file-as-field'),
        async (text, labelColumn, name, framing) => {
          const b = 'fuzzboundary';
          const parts: string[] = [];
          if (framing === 'file-as-field') parts.push(part('file', text));
          else if (framing !== 'no-file') parts.push(part('file', text, 'data.csv'));
          if (framing === 'two-files') parts.push(part('file', text, 'again.csv'));
          if (framing === 'extra-field') parts.push(part('surprise', '1'));
          if (labelColumn !== undefined) parts.push(part('labelColumn', labelColumn));
          if (name !== undefined) parts.push(part('name', name));
          let body = parts.map((p) => `--${b}\r\n${p}`).join('') + `--${b}--\r\n`;
          if (framing === 'truncated') body = body.slice(0, Math.max(1, Math.floor(body.length / 2)));
          const type = framing === 'no-boundary' ? 'multipart/form-data' : `multipart/form-data; boundary=${framing === 'wrong-boundary' ? 'other' : b}`;
          const res = await send(body, type);
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          if (res.statusCode !== 201)
            expectNamedClientError(res, ['/file', '/labelColumn', '/name', '/rows', '/columns', '/header', '/labels', '/features'], `${framing}: ${body}`);
        },
      ),
      { numRuns: 150, seed: 13 },
    );
    expect(statuses.get(400) ?? 0).toBeGreaterThan(10);
  });
});

describe('cursors under fuzzing', () => {
  const cursorText = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.base64String({ maxLength: 60 }),
    (fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>).map((v) => Buffer.from(JSON.stringify(v)).toString('base64url')),
    fc
      .tuple(
        fc.oneof(
          fc.date({ noInvalidDate: false }).map((d) => (Number.isNaN(d.getTime()) ? 'Invalid' : d.toISOString())),
          fc.string({ maxLength: 30 }),
          fc.integer(),
        ),
        fc.oneof(fc.uuid(), fc.string({ maxLength: 10 })),
      )
      .map((t) => Buffer.from(JSON.stringify(t)).toString('base64url')),
  );

  it('GET /jobs, /models and /studies with any cursor answer 200 or a 400 naming /querystring/cursor', { timeout: 300_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(cursorText, fc.constantFrom('/jobs', '/models', '/studies'), async (cursor, url) => {
        const res = await h.app.inject({ method: 'GET', url: `${url}?cursor=${encodeURIComponent(cursor)}` });
        if (res.statusCode === 200) return;
        expectNamedClientError(res, ['/querystring/cursor'], `${url} cursor ${cursor}`);
        expect(res.statusCode).toBe(400);
      }),
      { numRuns: 200, seed: 17 },
    );
  });
});
