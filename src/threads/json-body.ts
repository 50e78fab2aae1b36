/**
 * A raw JSON body parsed as Fastify's own JSON parser would (`takeJsonRaw` keeps such
 * bodies raw for a worker thread): UTF-8, a leading BOM dropped, `__proto__` keys refused
 * (Fastify's onProtoPoisoning 'error'), and the same 400 `invalid_json` answers. Then the same
 * scan for text PostgreSQL cannot store that the API's preValidation hook makes.
 */
import sjson from 'secure-json-parse';
import { ServiceError } from '../core/errors.js';
import { findUnstorableString, unstorableText } from '../schemas/unstorable.js';

// Fastify's messages (FST_ERR_CTP_EMPTY_JSON_BODY, FST_ERR_CTP_INVALID_JSON_BODY).
const EMPTY = "Body cannot be empty when content-type is set to 'application/json'";
const INVALID = "Body is not valid JSON but content-type is set to 'application/json'";

const invalidJson = (message: string) => new ServiceError('invalid_json', message, [{ path: '', message }]);

export function parseJsonBody(bytes: Uint8Array): unknown {
  if (bytes.byteLength === 0) throw invalidJson(EMPTY);
  let body: unknown;
  try {
    body = sjson.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'), { protoAction: 'error', constructorAction: 'ignore' });
  } catch {
    throw invalidJson(INVALID);
  }
  const where = findUnstorableString(body);
  if (where) throw unstorableText(where);
  return body;
}
