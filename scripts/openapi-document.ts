import { buildApp, type AppDeps } from '../src/http/app.js';
import { loadConfig } from '../src/infra/config.js';

/**
 * The OpenAPI document exactly as the running API serves it at /docs/json, built from the
 * route schemas with inert dependencies (no database or queue is touched).
 */
export async function openapiDocument(): Promise<unknown> {
  const app = await buildApp(inertDeps());
  await app.ready();
  const doc = app.swagger();
  await app.close();
  return doc;
}

export const OPENAPI_PATH = new URL('../openapi/openapi.json', import.meta.url);

/** App dependencies that touch nothing (no database, no queue); override what a test needs. */
export function inertDeps(overrides: Partial<AppDeps> = {}): AppDeps {
  const inert = {} as never;
  return {
    config: loadConfig({}),
    db: inert,
    queue: inert,
    queueBackend: 'postgres',
    checkQueue: async () => undefined,
    backend: { name: 'cpu' },
    predictor: inert,
    ...overrides,
  };
}
