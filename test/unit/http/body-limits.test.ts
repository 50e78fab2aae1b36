import { readFileSync } from 'node:fs';
import path from 'node:path';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import errorHandler from '../../../src/http/plugins/error-handler.js';
import { JOB_SPEC_LIMIT_BYTES, PREDICT_LIMIT_BYTES, SMALL_BODY_LIMIT_BYTES, smallBodiesByDefault } from '../../../src/http/body-limits.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');

/** As docs/api.md writes a size: `1 MiB`, `64 KiB`. */
const size = (bytes: number) => (bytes % 2 ** 20 === 0 ? `${bytes / 2 ** 20} MiB` : `${bytes / 2 ** 10} KiB`);

describe('body limits', () => {
  it('a route that names no limit gets the small one, in nested plugins too; a route that names one keeps it', async () => {
    const app = Fastify({ bodyLimit: 64 * 2 ** 20 });
    smallBodiesByDefault(app);
    await app.register(errorHandler);
    app.post('/setting', async () => 'ok');
    app.post('/spec', { bodyLimit: JOB_SPEC_LIMIT_BYTES }, async () => 'ok');
    await app.register(async (child) => {
      child.post('/nested', async () => 'ok');
    });
    const over = JSON.stringify({ text: 'x'.repeat(SMALL_BODY_LIMIT_BYTES) });
    const send = (url: string) => app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: over });
    for (const url of ['/setting', '/nested']) {
      const res = await send(url);
      expect(res.statusCode, url).toBe(413);
      expect(res.json().message).toContain(`the limit for POST ${url} is ${SMALL_BODY_LIMIT_BYTES.toLocaleString('en')} bytes`);
    }
    expect((await send('/spec')).statusCode).toBe(200);
    await app.close();
  });

  it('docs/api.md lists every limit where it lists the 413', () => {
    const row = readFileSync(path.join(ROOT, 'docs/api.md'), 'utf8')
      .split('\n')
      .find((line) => line.startsWith('| `413` |'));
    expect(row).toBeDefined();
    for (const limit of ['BODY_LIMIT_MB', size(PREDICT_LIMIT_BYTES), size(JOB_SPEC_LIMIT_BYTES), size(SMALL_BODY_LIMIT_BYTES)]) expect(row).toContain(limit);
  });
});
