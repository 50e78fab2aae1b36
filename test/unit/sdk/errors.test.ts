import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/sdk/errors.js';

describe('SDK ApiError', () => {
  it("reads the service's { error, message, details } from an error answer", async () => {
    const body = { error: 'invalid_spec', message: 'the spec is invalid', details: [{ path: '/fit/epochs', message: 'must be >= 1' }, 'not a detail'] };
    const err = await ApiError.fromResponse(new Response(JSON.stringify(body), { status: 400 }), 'POST', '/jobs');
    expect(err).toBeInstanceOf(ApiError);
    expect([err.status, err.code, err.message]).toEqual([400, 'invalid_spec', 'the spec is invalid']);
    expect(err.details).toEqual([{ path: '/fit/epochs', message: 'must be >= 1' }]);
  });

  it('names the request and its status when the answer is not JSON', async () => {
    const err = await ApiError.fromResponse(new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }), 'GET', '/jobs');
    expect([err.status, err.code, err.message, err.details]).toEqual([502, 'http_502', 'GET /jobs answered 502 Bad Gateway', []]);
    expect(err.body).toBe('<html>Bad gateway</html>');
  });

  it('gives an error event that ends a stream the status a new request would get', () => {
    const err = ApiError.fromStreamEvent(JSON.stringify({ error: 'unauthorized', message: 'the API key was revoked' }), '/jobs/1/events');
    expect([err.status, err.code, err.message]).toEqual([401, 'unauthorized', 'the API key was revoked']);
  });
});
