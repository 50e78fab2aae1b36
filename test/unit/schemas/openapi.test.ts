import fs from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { OPENAPI_PATH, openapiDocument } from '../../../scripts/openapi-document.js';

describe('openapi/openapi.json', () => {
  it('is what the route schemas generate (run `npm run openapi` after changing a schema)', async () => {
    const committed = JSON.parse(await fs.readFile(OPENAPI_PATH, 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(await openapiDocument())));
  });

  it('documents every path of the public contract', async () => {
    const doc = (await openapiDocument()) as { paths: Record<string, Record<string, unknown>> };
    const expected: Array<[string, string]> = [
      ['/health', 'get'],
      ['/datasets', 'post'],
      ['/datasets/{id}', 'get'],
      ['/jobs', 'post'],
      ['/jobs', 'get'],
      ['/jobs/{id}', 'get'],
      ['/jobs/{id}/metrics', 'get'],
      ['/jobs/{id}/diagnostics', 'get'],
      ['/jobs/{id}/events', 'get'],
      ['/jobs/{id}/cancel', 'post'],
      ['/models', 'get'],
      ['/models', 'post'],
      ['/models/{id}', 'get'],
      ['/models/{id}/artifact/model.json', 'get'],
      ['/models/{id}/predict', 'post'],
      ['/models/{id}/export', 'get'],
      ['/webhooks', 'post'],
      ['/webhooks', 'get'],
      ['/webhooks/{id}', 'get'],
      ['/webhooks/{id}', 'patch'],
      ['/webhooks/{id}', 'delete'],
      ['/webhooks/{id}/deliveries', 'get'],
      ['/webhooks/{id}/deliveries/{deliveryId}/redeliver', 'post'],
    ];
    for (const [path, method] of expected) expect(doc.paths[path]?.[method], `${method.toUpperCase()} ${path}`).toBeDefined();
  });
});
