import { Writable } from 'node:stream';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, redactUrlCredentials, requestId } from '../../../../src/infra/logging.js';
import { scrape } from '../../../../src/infra/metrics.js';
import requestLog from '../../../../src/http/plugins/request-log.js';

describe('request log', () => {
  const lines: Array<Record<string, any>> = [];
  let app: FastifyInstance;
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    app = Fastify({
      loggerInstance: createLogger('info', {}, sink) as FastifyBaseLogger,
      logController: new LogController({ disableRequestLogging: true }),
      genReqId: requestId,
    });
    await app.register(requestLog);
    app.get('/things/:id', async (request) => {
      // What a careless handler might log: the whole header set, with the caller's key in it.
      request.log.info({ headers: request.headers, apiKey: 'tts_secret_key' }, 'handler');
      return { ok: true };
    });
    await app.ready();
  });
  afterAll(async () => app.close());

  it('writes one JSON line per request, with its id, route pattern, status and duration, and echoes the id', async () => {
    lines.length = 0;
    const res = await app.inject({ url: '/things/42', headers: { authorization: 'Bearer tts_very_secret' } });
    expect(res.statusCode).toBe(200);
    const requestLines = lines.filter((l) => l.msg === 'request');
    expect(requestLines).toHaveLength(1);
    const [line] = requestLines;
    expect(line).toMatchObject({ method: 'GET', route: '/things/:id', url: '/things/42', statusCode: 200 });
    expect(line.reqId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['x-request-id']).toBe(line.reqId);
    expect(typeof line.durationMs).toBe('number');
  });

  it('keeps a plausible caller-given x-request-id and replaces an implausible one', async () => {
    const kept = await app.inject({ url: '/things/1', headers: { 'x-request-id': 'edge-7f3a.01' } });
    expect(kept.headers['x-request-id']).toBe('edge-7f3a.01');
    const replaced = await app.inject({ url: '/things/1', headers: { 'x-request-id': 'x'.repeat(500) } });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('redacts credentials wherever they are logged', async () => {
    lines.length = 0;
    await app.inject({ url: '/things/9', headers: { authorization: 'Bearer tts_very_secret', 'x-api-key': 'tts_other' } });
    const text = JSON.stringify(lines);
    expect(text).not.toContain('tts_very_secret');
    expect(text).not.toContain('tts_other');
    expect(text).not.toContain('tts_secret_key');
    const handler = lines.find((l) => l.msg === 'handler')!;
    expect(handler.headers.authorization).toBe('[redacted]');
    expect(handler.apiKey).toBe('[redacted]');
    expect(redactUrlCredentials('connect to postgresql://app:s3cret@db:5432/x failed')).toBe('connect to postgresql://app:[redacted]@db:5432/x failed');
  });

  it('counts each request in http_request_duration_seconds by method, route pattern and status', async () => {
    await app.inject({ url: '/things/abc' });
    await app.inject({ url: '/nothing-here' });
    const { body } = await scrape();
    expect(body).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/things\/:id",status_code="200"\} [1-9]/);
    expect(body).toMatch(/http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} 1/);
  });
});
