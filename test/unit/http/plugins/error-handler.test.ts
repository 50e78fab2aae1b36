import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invalid } from '../../../../src/core/errors.js';
import errorHandler, { MAX_DETAILS, capDetails } from '../../../../src/http/plugins/error-handler.js';
import { SpecError } from '../../../../src/core/problems.js';

const problems = (n: number) => Array.from({ length: n }, (_, i) => ({ path: `/dataset/classes/${i}`, message: `class ${i} is not in the dataset` }));

describe('capDetails', () => {
  it('keeps up to 20 entries as they are', () => {
    expect(capDetails(problems(20))).toEqual(problems(20));
    expect(capDetails(undefined)).toEqual([]);
  });

  it('cuts longer lists to 20 entries, the last one counting the rest', () => {
    const capped = capDetails(problems(5000));
    expect(capped).toHaveLength(MAX_DETAILS);
    expect(MAX_DETAILS).toBe(20);
    expect(capped.slice(0, 19)).toEqual(problems(19));
    expect(capped[19]).toEqual({ path: '', message: '... and 4981 more' });
  });
});

describe('error handler', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify();
    await app.register(errorHandler);
    app.post('/spec', async () => {
      throw new SpecError('bad spec', problems(300));
    });
    app.post('/http', async () => {
      throw invalid('bad request', problems(21));
    });
    app.post('/validated', { schema: { body: { type: 'array', items: { type: 'integer' } } } }, async () => 'ok');
    await app.ready();
  });
  afterAll(async () => app.close());

  it('caps details of a SpecError and a ServiceError at 20', async () => {
    const spec = (await app.inject({ method: 'POST', url: '/spec', payload: {} })).json();
    expect(spec.details).toHaveLength(20);
    expect(spec.details[19]).toEqual({ path: '', message: '... and 281 more' });
    const http = (await app.inject({ method: 'POST', url: '/http', payload: {} })).json();
    expect(http.details).toHaveLength(20);
    expect(http.details[19]).toEqual({ path: '', message: '... and 2 more' });
  });

  it('caps details of a schema validation error at 20', async () => {
    const app2 = Fastify({ ajv: { customOptions: { allErrors: true } } });
    await app2.register(errorHandler);
    app2.post('/validated', { schema: { body: { type: 'array', items: { type: 'integer' } } } }, async () => 'ok');
    const res = await app2.inject({ method: 'POST', url: '/validated', payload: Array.from({ length: 100 }, () => 'x') });
    await app2.close();
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error).toBe('invalid_request');
    expect(body.details).toHaveLength(20);
    expect(body.details[19]).toEqual({ path: '', message: '... and 81 more' });
  });

  it('answers malformed JSON with invalid_json, naming the body', async () => {
    const res = await app.inject({ method: 'POST', url: '/validated', headers: { 'content-type': 'application/json' }, payload: '{"a": [1, 2' });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body).toEqual({ error: 'invalid_json', message: expect.stringContaining('not valid JSON'), details: [{ path: '', message: body.message }] });
  });

  it('answers an empty JSON body with invalid_json too', async () => {
    const res = await app.inject({ method: 'POST', url: '/validated', headers: { 'content-type': 'application/json' }, payload: '' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_json', details: [{ path: '' }] });
  });
});
