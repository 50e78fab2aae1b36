import { buildApp, type AppDeps } from '../src/app.js';
import { loadConfig } from '../src/config.js';

/**
 * The OpenAPI document exactly as the running API serves it at /docs/json, built from the
 * route schemas with inert dependencies (no database or queue is touched).
 */
export async function openapiDocument(): Promise<unknown> {
  const inert = {} as never;
  const deps: AppDeps = {
    config: loadConfig({}),
    db: inert,
    queue: inert,
    queueBackend: 'postgres',
    checkQueue: async () => undefined,
    backend: { name: 'cpu' },
    predictor: inert,
  };
  const app = await buildApp(deps);
  await app.ready();
  const doc = app.swagger();
  await app.close();
  return doc;
}

export const OPENAPI_PATH = new URL('../openapi/openapi.json', import.meta.url);
