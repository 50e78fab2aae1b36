import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendOnce } from '../../../../src/features/webhooks/send.js';

// A receiver on loopback: /redirect answers 302 to /landing; /endless sends more than the limit and never ends.
let server: http.Server;
const hits: string[] = [];
beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    req.resume();
    if (req.url === '/redirect') res.writeHead(302, { location: '/landing' }).end();
    else if (req.url === '/endless') {
      res.writeHead(200);
      res.write(Buffer.alloc(4096, 'x'));
    } else res.writeHead(200).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const to = (path: string) => {
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`);
  return { url, host: '127.0.0.1', address: '127.0.0.1', family: 4 as const };
};
const limits = { timeoutMs: 5000, maxResponseBytes: 1024 };

describe('sendOnce', () => {
  it('does not follow a redirect: the attempt fails, naming where it pointed, and nothing else is asked', async () => {
    hits.length = 0;
    const result = await sendOnce(to('/redirect'), {}, '{}', limits);
    expect(result).toMatchObject({ ok: false, responseStatus: 302, error: 'redirect to /landing not followed' });
    expect(hits).toEqual(['/redirect']);
  });

  it('stops reading an answer past the limit, without waiting for its end', async () => {
    const started = Date.now();
    const result = await sendOnce(to('/endless'), {}, '{}', limits);
    expect(result).toMatchObject({ ok: true, responseStatus: 200, error: 'answer over 1024 bytes; not read further' });
    expect(Date.now() - started).toBeLessThan(limits.timeoutMs);
  });

  it('a 2xx answer within the limit succeeds', async () => {
    expect(await sendOnce(to('/ok'), {}, '{}', limits)).toMatchObject({ ok: true, responseStatus: 200, error: null });
  });
});
