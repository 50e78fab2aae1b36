import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../../src/http/app.js';
import { loadConfig } from '../../../../src/infra/config.js';
import { createApiDeps } from '../../../../src/start/api-deps.js';

/** A database that is down: every query fails as the driver fails when nothing listens. */
const unreachable = () => Promise.reject(Object.assign(new Error("Can't reach database server"), { code: 'P1001' }));
const downDb = { apiKey: { findFirst: unreachable, findUnique: unreachable } };

/** A fresh app each time: its first request asks the database whether a key exists. */
async function appOnDownDb(): Promise<FastifyInstance> {
  const deps = await createApiDeps(loadConfig({}), { open: false, overrides: { db: downDb as never, authMode: 'until-first-key', checkDb: unreachable } });
  return buildApp(deps);
}

describe('local-only checks while the database is down (open local mode)', () => {
  let app: FastifyInstance;
  beforeEach(async () => {
    app = await appOnDownDb();
  });
  afterEach(async () => app?.close());

  it('/health answers its own 503 naming the database, not a 500, when whether a key exists cannot be asked', async () => {
    const health = await app.inject({ url: '/health' });
    expect(health.statusCode, health.body).toBe(503);
    expect(health.json()).toMatchObject({ status: 'degraded', db: 'down' });
  });

  it('still refuses a foreign Host then: an unknown key count is checked as if no key existed', async () => {
    const res = await app.inject({ url: '/health', headers: { host: 'rebound.example.com' } });
    expect(res.statusCode, res.body).toBe(421);
  });
});
