import { Ajv } from 'ajv';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import errorHandler from '../../../../src/http/plugins/error-handler.js';
import { installValidators } from '../../../../src/http/plugins/validation.js';
import { countValues } from '../../../../src/schemas/validate.js';

/** The fields a 400 names, in order. */
const sortedPaths = (res: { json(): { details: Array<{ path: string }> } }) =>
  res
    .json()
    .details.map((d) => d.path)
    .sort();

describe('one 400 names every field at fault', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify();
    installValidators(app);
    await app.register(errorHandler);
    const body = {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'epochs'],
      properties: {
        name: { type: 'string', maxLength: 10 },
        epochs: { type: 'integer', minimum: 1 },
        rate: { type: 'number', exclusiveMinimum: 0 },
        values: { type: 'array', maxItems: 100_000, items: { type: 'number' } },
      },
    };
    app.post('/spec', { schema: { body } }, async () => 'ok');
    app.get(
      '/list',
      { schema: { querystring: { type: 'object', properties: { limit: { type: 'integer', maximum: 100 }, status: { enum: ['a', 'b'] } } } } },
      async () => 'ok',
    );
    await app.ready();
  });
  afterAll(async () => app.close());

  it('a body with three mistakes gets all three in one answer', async () => {
    const res = await app.inject({ method: 'POST', url: '/spec', payload: { name: 'far too long a name', epochs: 0, rate: -1 } });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.details.map((d: { path: string }) => d.path).sort()).toEqual(['/epochs', '/name', '/rate']);
    expect(body.message).toMatch(/and 2 more/);
  });

  it('a querystring with two mistakes gets both', async () => {
    const res = await app.inject({ url: '/list?limit=1000&status=c' });
    expect(res.statusCode).toBe(400);
    expect(sortedPaths(res)).toEqual(['/querystring/limit', '/querystring/status']);
  });

  it('a huge array of bad values gets its first error only, not an error object per element', async () => {
    const values = Array.from({ length: 50_000 }, () => 'x');
    const res = await app.inject({ method: 'POST', url: '/spec', payload: { name: 'ok', epochs: 1, values } });
    expect(res.statusCode).toBe(400);
    expect(res.json().details).toEqual([{ path: '/values/0', message: 'must be number' }]);
  });

  it('a modest array with many bad values gets at most 20 details', async () => {
    const values = Array.from({ length: 500 }, () => 'x');
    const res = await app.inject({ method: 'POST', url: '/spec', payload: { name: 'ok', epochs: 1, values } });
    const details = res.json().details;
    expect(details).toHaveLength(20);
    expect(details[19].message).toBe('... and 481 more');
  });

  it('valid input passes', async () => {
    expect((await app.inject({ method: 'POST', url: '/spec', payload: { name: 'ok', epochs: 2, values: [1, 2] } })).statusCode).toBe(200);
  });
});

describe('validators are compiled with their route', () => {
  it('the first refused request compiles nothing: its all-errors validator was compiled when the app became ready', async () => {
    const app = Fastify();
    installValidators(app);
    await app.register(errorHandler);
    // A schema of its own: no other app of this process has compiled it.
    const body = {
      type: 'object',
      additionalProperties: false,
      properties: { width: { type: 'integer', minimum: 1 }, height: { type: 'integer', minimum: 1 } },
    };
    app.post('/size', { schema: { body } }, async () => 'ok');
    await app.ready();
    const compile = vi.spyOn(Ajv.prototype, 'compile');
    try {
      const res = await app.inject({ method: 'POST', url: '/size', payload: { width: 0, height: 0 } });
      expect(res.statusCode).toBe(400);
      // Both fields named: the all-errors validator answered.
      expect(sortedPaths(res)).toEqual(['/height', '/width']);
      expect(compile).not.toHaveBeenCalled();
    } finally {
      compile.mockRestore();
      await app.close();
    }
  });
});

describe('countValues', () => {
  it('counts nodes and stops early past the limit', () => {
    expect(countValues({ a: [1, 2, { b: 3 }] }, 100)).toBe(6);
    expect(countValues(new Array(100_000).fill(0), 1000)).toBeGreaterThan(1000);
  });
});
