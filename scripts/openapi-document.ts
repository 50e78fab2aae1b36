import { buildApp } from '../src/http/app.js';
import { loadConfig } from '../src/infra/config.js';
import { createApiDeps } from '../src/start/api-deps.js';

/**
 * The OpenAPI document exactly as the running API serves it at /docs/json, built from the
 * route schemas with inert dependencies (no database or queue is touched).
 */
export async function openapiDocument(): Promise<unknown> {
  const app = await buildApp(await createApiDeps(loadConfig({}), { open: false }));
  await app.ready();
  const doc = app.swagger();
  await app.close();
  return doc;
}

export const OPENAPI_PATH = new URL('../openapi/openapi.json', import.meta.url);
