import { Writable } from 'node:stream';
import Fastify from 'fastify';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../../../src/http/app.js';
import { loadConfig } from '../../../../src/infra/config.js';
import { createApiDeps } from '../../../../src/start/api-deps.js';
import { bearerToken, generateKey, hashKey, keyMatchesHash, prefixOf, PREFIX_LENGTH } from '../../../../src/features/tenants/key-hash.js';
import { decideAuthMode, isLoopback } from '../../../../src/http/auth/mode.js';
import { permits } from '../../../../src/core/principal.js';
import auth, { REDACT_SECRETS } from '../../../../src/http/plugins/auth.js';

/** A stand-in database that knows exactly one key, a member of tenant T; every listing is empty. */
function oneKeyDb(key: string) {
  const row = {
    id: '11111111-1111-4111-8111-111111111111',
    tenantId: '22222222-2222-4222-8222-222222222222',
    role: 'member',
    prefix: prefixOf(key),
    hash: hashKey(key),
    revokedAt: null,
    expiresAt: null,
    lastUsedAt: new Date(),
  };
  return {
    apiKey: {
      findUnique: async ({ where }: { where: { prefix: string } }) => (where.prefix === row.prefix ? row : null),
      findFirst: async () => ({ id: row.id }),
      update: async () => row,
    },
    run: { findMany: async () => [] },
    // Job listings are one raw SQL read (src/features/jobs/job-reads.ts); an empty page here.
    $queryRawUnsafe: async () => [],
  };
}

describe('keys', () => {
  it('are long random secrets with a short public prefix; only a hash is kept, compared exactly', () => {
    const key = generateKey();
    expect(key).toMatch(/^tts_[A-Za-z0-9_-]{43}$/);
    expect(generateKey()).not.toBe(key);
    expect(prefixOf(key)).toHaveLength(PREFIX_LENGTH);
    expect(keyMatchesHash(key, hashKey(key))).toBe(true);
    expect(keyMatchesHash(`${key}x`, hashKey(key))).toBe(false);
    expect(keyMatchesHash(key.slice(0, -1), hashKey(key))).toBe(false);
    expect(keyMatchesHash(key, 'not-hex')).toBe(false);
  });

  it('the Bearer credential is read only from a well-formed header', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer  abc ')).toBe('abc');
    for (const bad of [undefined, '', 'Bearer', 'Bearer ', 'Basic abc', 'abc', 'Bearer a b', 'Bearer ä', ['Bearer a'], `Bearer ${'a'.repeat(600)}`]) {
      expect(bearerToken(bad as string | undefined), String(bad)).toBeNull();
    }
  });

  it('roles grant public < read < write < admin', () => {
    expect(['public', 'read', 'write', 'admin'].map((a) => permits('viewer', a as never))).toEqual([true, true, false, false]);
    expect(['public', 'read', 'write', 'admin'].map((a) => permits('member', a as never))).toEqual([true, true, true, false]);
    expect(['public', 'read', 'write', 'admin'].map((a) => permits('admin', a as never))).toEqual([true, true, true, true]);
  });
});

describe('when auth is on', () => {
  const decide = (over: Partial<Parameters<typeof decideAuthMode>[0]>) =>
    decideAuthMode({ setting: 'auto', host: '127.0.0.1', adminKeySet: false, keysExist: false, ...over });

  it('loopback with no keys is the open local mode, until the first key', () => {
    expect(decide({}).mode).toBe('until-first-key');
    expect(decide({ host: 'localhost' }).mode).toBe('until-first-key');
    expect(decide({ host: '::1' }).mode).toBe('until-first-key');
  });

  it('a key, ADMIN_API_KEY or AUTH=on turns it on; AUTH=off turns it off', () => {
    expect(decide({ keysExist: true }).mode).toBe('on');
    expect(decide({ adminKeySet: true }).mode).toBe('on');
    expect(decide({ setting: 'on' }).mode).toBe('on');
    expect(decide({ setting: 'off', keysExist: true }).mode).toBe('off');
  });

  it('listening beyond loopback with no key refuses to start, unless AUTH=off', () => {
    expect(decide({ host: '0.0.0.0' }).refuse).toMatch(/ADMIN_API_KEY/);
    expect(decide({ host: '::' }).refuse).toBeDefined();
    expect(decide({ host: '10.1.2.3', keysExist: true }).mode).toBe('on');
    expect(decide({ host: '10.1.2.3', keysExist: true }).refuse).toBeUndefined();
    expect(decide({ host: '0.0.0.0', setting: 'off' }).mode).toBe('off');
    expect(decide({ host: '0.0.0.0', setting: 'off' }).refuse).toBeUndefined();
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '[::1]', '::ffff:127.0.0.1'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '::', '10.0.0.1', 'example.com', '128.0.0.1'].some(isLoopback)).toBe(false);
  });
});

describe('the auth plugin', () => {
  it('refuses to register a route that declares no access rule', async () => {
    const app = Fastify();
    await app.register(auth, { db: {} as never, mode: 'on' });
    expect(() => app.get('/forgotten', async () => 'x')).toThrow(/no access rule/);
    expect(() => app.get('/typo', { config: { access: 'everyone' as never } }, async () => 'x')).toThrow(/no access rule/);
    expect(() => app.get('/fine', { config: { access: 'read' } }, async () => 'x')).not.toThrow();
    await app.close();
  });

  it('keeps the key out of the logs even when a serializer prints the headers', async () => {
    let logged = '';
    const stream = new Writable({ write: (chunk, _enc, done) => ((logged += chunk), done()) });
    const key = generateKey();
    const app = await buildApp(await createApiDeps(loadConfig({}), { open: false, overrides: { db: oneKeyDb(key) as never, authMode: 'on' } }), {
      logger: { level: 'info', stream, redact: REDACT_SECRETS, serializers: { req: (req) => ({ url: req.url, headers: req.headers }) } },
    });
    // Fastify's own "incoming request" line is off (one line per request, without headers, from
    // the request-log plugin): log the request as a careless handler or plugin might.
    app.addHook('onRequest', async (request) => request.log.info({ req: request }, 'incoming'));
    await app.inject({ method: 'GET', url: '/jobs', headers: { authorization: `Bearer ${key}` } });
    await app.close();
    expect(logged).toContain('[redacted]');
    expect(logged).not.toContain(key.slice(PREFIX_LENGTH));
  });

  it('fuzzed Authorization headers are all 401 (never a 500, never let in); the real key gets in', async () => {
    const key = generateKey();
    const config = { ...loadConfig({}), ADMIN_API_KEY: 'the-admin-key-from-the-environment' };
    const app = await buildApp(await createApiDeps(config, { open: false, overrides: { db: oneKeyDb(key) as never, authMode: 'on' } }));
    const get = (authorization: string) => app.inject({ method: 'GET', url: '/jobs', headers: { authorization } });
    expect((await get(`Bearer ${key}`)).statusCode).toBe(200);
    expect((await get('Bearer the-admin-key-from-the-environment')).statusCode).toBe(200);
    const header = fc.oneof(
      fc.constant(''),
      fc.string({ maxLength: 20_000 }),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.nat({ max: key.length - 1 }).map((n) => `Bearer ${key.slice(0, n)}`),
      fc.nat({ max: key.length - 1 }).map((n) => `Bearer ${key.slice(0, n)}${key[n] === 'A' ? 'B' : 'A'}${key.slice(n + 1)}`),
      fc.constantFrom('Basic', 'Token', 'bearer:', 'Bearer=', '').map((scheme) => `${scheme} ${key}`),
      fc.string({ unit: 'grapheme', maxLength: 100 }).map((s) => `Bearer ${s}`),
      fc.string({ minLength: 5_000, maxLength: 20_000 }).map((s) => `Bearer tts_${s}`),
      fc.constant(`Bearer ${key}${key}`),
      fc.constant(`Bearer ${key} ${key}`),
      fc.constant('Bearer the-admin-key-from-the-environmenT'),
    );
    await fc.assert(
      fc.asyncProperty(header, async (value) => {
        const res = await get(value).catch((err: Error) => ({ statusCode: -1, body: err.message }));
        // A header Node itself refuses to send (control characters) never reaches the service.
        if (res.statusCode === -1) return;
        expect(res.statusCode, `${JSON.stringify(value.slice(0, 80))}: ${res.body}`).toBe(401);
        expect(JSON.parse(res.body).error).toBe('unauthorized');
      }),
      { numRuns: 300 },
    );
    await app.close();
  });
});
