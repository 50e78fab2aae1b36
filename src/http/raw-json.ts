/**
 * JSON bodies kept as bytes for a worker thread to parse and check: on the event loop, the
 * Buffer.concat, JSON.parse and scans of a large import or predict body held every other request
 * back before any handler ran (`npm run bench:responsiveness`). Here each chunk is copied into one
 * buffer as it arrives (no large copy at the end), and that buffer's memory is then moved to the
 * thread without a copy.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ServiceError, invalid } from '../core/errors.js';
import { validatorSkippingBody } from './plugins/validation.js';

/** A JSON body as received, for a worker thread. */
export class RawJson {
  constructor(readonly bytes: Buffer) {}
}

/** A raw route's body bytes; a request without a JSON body is a 400, as the body schema would answer. */
export function rawJsonBytes(body: unknown): Buffer {
  if (body instanceof RawJson) return body.bytes;
  throw invalid('/: must be object (send a JSON body with content-type application/json)', [{ path: '', message: 'must be object' }]);
}

/**
 * The bytes as a Uint8Array whose memory can be moved to a worker thread without a copy: a
 * Buffer that owns its whole ArrayBuffer (large bodies do) goes as it is; a small one sliced
 * from Node's shared pool is copied first, since moving that pool would empty its neighbours.
 */
export function transferable(buffer: Buffer): { bytes: Uint8Array; transfer: ArrayBuffer[] } {
  const whole = buffer.byteOffset === 0 && buffer.byteLength === buffer.buffer.byteLength && buffer.buffer instanceof ArrayBuffer;
  const bytes = whole ? new Uint8Array(buffer.buffer as ArrayBuffer) : new Uint8Array(buffer);
  return { bytes, transfer: [bytes.buffer as ArrayBuffer] };
}

/**
 * Reads a request body into one Buffer of its own, chunk by chunk, within `limit` bytes (413
 * past it, as Fastify's own parsers answer; 400 when fewer bytes came than announced).
 */
export function readBody(request: FastifyRequest, payload: NodeJS.ReadableStream, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  const hasLength = Number.isInteger(declared) && declared >= 0;
  // As Fastify's own parsers fail: the error handler names the route's limit.
  const tooBig = () => Object.assign(new Error('Request body is too large'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
  return new Promise((resolve, reject) => {
    if (hasLength && declared > limit) {
      reject(tooBig());
      return;
    }
    // One allocation of the announced size; without one, doubling as it grows (bounded by limit).
    let buffer = Buffer.allocUnsafeSlow(hasLength ? declared : 64 * 1024);
    let received = 0;
    const fail = (err: Error) => {
      payload.removeAllListeners('data');
      reject(err);
    };
    payload.on('data', (chunk: Buffer) => {
      if (received + chunk.length > limit || (hasLength && received + chunk.length > declared)) {
        fail(received + chunk.length > limit ? tooBig() : new ServiceError('invalid_request', 'the body is longer than its content-length'));
        return;
      }
      if (received + chunk.length > buffer.length) {
        const grown = Buffer.allocUnsafeSlow(Math.min(limit, Math.max(buffer.length * 2, received + chunk.length)));
        buffer.copy(grown, 0, 0, received);
        buffer = grown;
      }
      chunk.copy(buffer, received);
      received += chunk.length;
    });
    payload.on('end', () => {
      if (hasLength && received !== declared) reject(new ServiceError('invalid_request', 'the body is shorter than its content-length'));
      // A buffer of exactly the body's size owns its ArrayBuffer whole, so it can be moved as it is.
      else resolve(received === buffer.length ? buffer : Buffer.from(buffer.subarray(0, received)));
    });
    payload.on('error', fail);
  });
}

/**
 * Makes `app` (an encapsulated plugin: its routes only) take JSON bodies raw: not parsed, not
 * validated against the body schema (which stays for the documentation); the handler gives the
 * RawJson to the pool, which parses and checks it with the same schema and the same 400s.
 */
export function takeJsonRaw(app: FastifyInstance): void {
  app.setValidatorCompiler(validatorSkippingBody());
  app.addContentTypeParser('application/json', async (request: FastifyRequest, payload: NodeJS.ReadableStream) => {
    const limit = request.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit ?? 1024 * 1024;
    return new RawJson(await readBody(request, payload, limit));
  });
}
