/**
 * One delivery attempt: a POST to the address that was checked (the socket's lookup answers
 * only that address, so the resolver is never asked twice), bounded in time and in how much of
 * the answer is read. Redirects are not followed: a 3xx is a failed attempt.
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Destination } from './destination.js';

export interface AttemptResult {
  /** A 2xx answer. */
  ok: boolean;
  responseStatus: number | null;
  responseMs: number;
  error: string | null;
}

export interface SendLimits {
  timeoutMs: number;
  maxResponseBytes: number;
}

/** A lookup that answers the checked address, whatever it is asked (node calls it with `all` when it races families). */
function pinnedLookup(dest: Destination): LookupFunction {
  return (_host, options, callback) => {
    const cb = callback as (...args: unknown[]) => void;
    if ((options as { all?: boolean }).all) cb(null, [{ address: dest.address, family: dest.family }]);
    else cb(null, dest.address, dest.family);
  };
}

export function sendOnce(dest: Destination, headers: Record<string, string>, body: string, limits: SendLimits): Promise<AttemptResult> {
  const started = performance.now();
  const { url } = dest;
  const secure = url.protocol === 'https:';
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<AttemptResult, 'responseMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, responseMs: Math.round(performance.now() - started) });
    };
    const request = (secure ? https : http).request({
      host: dest.host,
      port: url.port || (secure ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      method: 'POST',
      lookup: pinnedLookup(dest),
      ...(secure && dest.host !== dest.address ? { servername: dest.host } : {}),
      // A socket of its own: a pooled one could be connected to an address resolved earlier.
      agent: false,
      setHost: false,
      headers: {
        host: url.host,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'user-agent': 'tfjs-training-service-webhooks',
        ...headers,
      },
    });
    const timer = setTimeout(() => {
      finish({ ok: false, responseStatus: null, error: `no answer within ${limits.timeoutMs / 1000} s` });
      request.destroy();
    }, limits.timeoutMs);
    request.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, responseStatus: null, error: err.code ?? err.message }));
    request.on('response', (res) => {
      const status = res.statusCode ?? 0;
      let read = 0;
      const verdict = () => {
        if (status >= 300 && status < 400) return `redirect${res.headers.location ? ' to ' + String(res.headers.location).slice(0, 200) : ''} not followed`;
        return status >= 200 && status < 300 ? null : `answered ${status}`;
      };
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > limits.maxResponseBytes) {
          const error = verdict();
          finish({ ok: error === null, responseStatus: status, error: error ?? `answer over ${limits.maxResponseBytes} bytes; not read further` });
          res.destroy();
        }
      });
      res.on('end', () => {
        const error = verdict();
        finish({ ok: error === null, responseStatus: status, error });
      });
      res.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, responseStatus: status, error: err.code ?? err.message }));
    });
    request.end(body);
  });
}
