import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { createApiDeps } from '../../src/start/api-deps.js';
import { startHarness, type Harness } from '../support/harness.js';
import { bearer, bootstrapAdmin, makeTenant, type TenantKeys } from '../support/tenants.js';

/**
 * RATE_LIMIT_PER_MINUTE per API key: the next request is a 429 with Retry-After; other keys and
 * public routes go on. With Redis (REDIS_URL), two API instances share one count.
 */
const LIMIT = 4;
let h: Harness;
let admin: string;
let a: TenantKeys;

beforeAll(async () => {
  h = await startHarness({ env: { RATE_LIMIT_PER_MINUTE: String(LIMIT) } });
  admin = await bootstrapAdmin(h);
  a = await makeTenant(h, admin, 'alpha');
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe('rate limit per API key', () => {
  it('answers 429 rate_limited with Retry-After once a key has made RATE_LIMIT_PER_MINUTE requests in the minute', async () => {
    for (let i = 0; i < LIMIT; i++) {
      const ok = await h.app.inject({ url: '/jobs', headers: bearer(a.viewer) });
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.headers['x-ratelimit-limit']).toBe(String(LIMIT));
    }
    const over = await h.app.inject({ url: '/jobs', headers: bearer(a.viewer) });
    expect(over.statusCode).toBe(429);
    expect(over.json()).toMatchObject({ error: 'rate_limited' });
    expect(over.json().message).toContain('RATE_LIMIT_PER_MINUTE');
    const retryAfter = Number(over.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Every route counts for the key, not only the one that ran out.
    expect((await h.app.inject({ url: '/usage', headers: bearer(a.viewer) })).statusCode).toBe(429);
    // Another key of the same tenant has its own count; public routes are not limited.
    expect((await h.app.inject({ url: '/jobs', headers: bearer(a.member) })).statusCode).toBe(200);
    for (let i = 0; i < LIMIT + 2; i++) expect((await h.app.inject({ url: '/health' })).statusCode).not.toBe(429);
    // A bad key is a 401, never counted against anyone.
    expect((await h.app.inject({ url: '/jobs', headers: bearer('tts_nope') })).statusCode).toBe(401);
  });

  it.runIf(Boolean(process.env.REDIS_URL))('with Redis, two API instances share one count per key', async () => {
    const redis = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: 1 });
    const instances = await Promise.all(
      [0, 1].map(() => createApiDeps(h.config, { threads: false, overrides: { backend: { name: 'test' }, rateLimitRedis: redis } })),
    );
    const apps = await Promise.all(instances.map((deps) => buildApp(deps)));
    try {
      const key = (await h.app.inject({ method: 'POST', url: '/admin/keys', headers: bearer(admin), payload: { tenantId: a.tenantId, role: 'viewer' } })).json()
        .key as string;
      const codes: number[] = [];
      for (let i = 0; i < LIMIT + 1; i++) codes.push((await apps[i % 2].inject({ url: '/jobs', headers: bearer(key) })).statusCode);
      expect(codes).toEqual([...Array<number>(LIMIT).fill(200), 429]);
      const over = await apps[1].inject({ url: '/jobs', headers: bearer(key) });
      expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      for (const app of apps) await app.close();
      for (const deps of instances) await deps.close();
      redis.disconnect();
    }
  });
});
