import { ApiError } from '../../../src/sdk/index.js';
import { askForKey, authHeaders, getApiKey } from './auth.js';

/**
 * fetch with the session's API key. A 401 asks for a key and tries again with it, so every
 * page works the same with access control on or off.
 */
export async function authFetch(path: string, init: RequestInit = {}): Promise<Response> {
  for (;;) {
    const res = await fetch(path, { ...init, headers: { ...(init.headers as Record<string, string>), ...authHeaders() } });
    if (res.status !== 401) return res;
    await askForKey(getApiKey() ? 'The API refused this key; enter another one.' : 'This service needs an API key.');
  }
}

/** A JSON request; throws the SDK's {@link ApiError} on a non-2xx answer. */
export async function api<T>(path: string, opts: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const method = opts.method ?? 'GET';
  const init: RequestInit = { method, signal: opts.signal };
  if (opts.body !== undefined) {
    init.body = JSON.stringify(opts.body);
    init.headers = { 'content-type': 'application/json' };
  }
  const res = await authFetch(path, init);
  if (!res.ok) throw await ApiError.fromResponse(res, method, path);
  const text = await res.text();
  return (text ? JSON.parse(text) : null) as T;
}

/** Whether an endpoint exists on this server (e.g. studies, added by a later version). */
export async function endpointExists(path: string): Promise<boolean> {
  try {
    const res = await authFetch(path);
    return res.status !== 404;
  } catch {
    return false;
  }
}
