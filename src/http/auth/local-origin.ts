/**
 * What a request to a keyless local service must look like to be served: the checks that keep a
 * web page in the user's browser from driving it.
 *
 * - DNS rebinding: a page on evil.example whose name is then pointed at 127.0.0.1 reaches the
 *   service from the browser as a same-origin page, and can read and change everything. Its
 *   requests still say `Host: evil.example`, so only loopback names (and PUBLIC_HOST) are served.
 * - Cross-site requests: any page may send a form post or a "simple" fetch to 127.0.0.1, and the
 *   browser sends it without asking; the service would act on it (upload, cancel). Such requests
 *   say where they come from (`Origin`, `Sec-Fetch-Site`), so state-changing ones from another
 *   site are refused.
 */
import { isLoopback } from './mode.js';

/** Methods that do not change state (RFC 9110 "safe"): cross-site requests with these are served. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `host[:port]` split; IPv6 in brackets. Lower-cased; null when it is not a host at all. */
export function parseHostHeader(value: string): { hostname: string; port?: string } | null {
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]/\s@]+)(?::(\d{1,5}))?$/i.exec(value.trim());
  if (!m) return null;
  return { hostname: m[1].toLowerCase().replace(/\.$/, ''), port: m[2] };
}

/** Loopback addresses, `localhost`, and `*.localhost` (RFC 6761: browsers resolve these to loopback themselves). */
function isLoopbackName(hostname: string): boolean {
  return isLoopback(hostname) || hostname.endsWith('.localhost');
}

/** Whether `host` (a Host header or an Origin's host) names this service: loopback, or PUBLIC_HOST (port optional). */
export function isOwnHost(host: string, publicHost?: string): boolean {
  const parsed = parseHostHeader(host);
  if (!parsed) return false;
  if (isLoopbackName(parsed.hostname)) return true;
  if (!publicHost) return false;
  const own = parseHostHeader(publicHost);
  if (!own) return false;
  return own.hostname === parsed.hostname && (own.port === undefined || own.port === parsed.port);
}

export interface LocalRequest {
  method: string;
  host?: string;
  origin?: string;
  secFetchSite?: string;
}

export type Refusal = { status: 421 | 403; error: string; message: string; path: string };

/** Why a request to the keyless local service is refused, or null when it is served. */
export function whyRefused(req: LocalRequest, opts: { checkHost: boolean; publicHost?: string }): Refusal | null {
  if (opts.checkHost && req.host !== undefined && !isOwnHost(req.host, opts.publicHost)) {
    return {
      status: 421,
      error: 'misdirected_request',
      message: `this service answers requests for loopback names${opts.publicHost ? ` and ${opts.publicHost}` : ''} only while it runs without API keys, not for "${req.host.slice(0, 100)}" (set PUBLIC_HOST to serve another name)`,
      path: '/headers/host',
    };
  }
  if (SAFE_METHODS.has(req.method.toUpperCase())) return null;
  if (req.secFetchSite?.toLowerCase() === 'cross-site') {
    return {
      status: 403,
      error: 'forbidden',
      message: 'cross-site requests may not change anything while the service runs without API keys',
      path: '/headers/sec-fetch-site',
    };
  }
  if (req.origin !== undefined && !isOwnOrigin(req.origin, req.host, opts.publicHost)) {
    return {
      status: 403,
      error: 'forbidden',
      message: `requests from ${req.origin.slice(0, 100)} may not change anything while the service runs without API keys; only this service's own pages may`,
      path: '/headers/origin',
    };
  }
  return null;
}

/** An Origin is the service's own when its host is the request's Host, a loopback name, or PUBLIC_HOST; `null` never is. */
function isOwnOrigin(origin: string, host: string | undefined, publicHost?: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // "null" (sandboxed frames, file: pages) and anything malformed
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (host !== undefined && url.host === host.trim().toLowerCase()) return true;
  return isOwnHost(url.host, publicHost);
}
