import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { openDatabase, type DatabaseHandle } from '../../src/infra/db/database.js';
import { buildService } from './service-build.js';

let database: DatabaseHandle | undefined;
let removeBuild: (() => void) | undefined;

/**
 * Integration tests run against a real PostgreSQL: TEST_DATABASE_URL when given (CI sets it),
 * otherwise an embedded one started here, so `npm test` passes on a machine with nothing else.
 */
export async function setup(project: TestProject) {
  database = await openDatabase({
    databaseUrl: process.env.TEST_DATABASE_URL,
    dataDir: path.join(os.tmpdir(), 'tfjs-training-service-test'),
  });
  project.provide('databaseUrl', database.url);
  const service = await buildService();
  removeBuild = service.remove;
  project.provide('serviceMain', service.main);
}

export async function teardown() {
  removeBuild?.();
  await database?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    /** The compiled service's entry point (dist/src/main.js), which the harness's workers run. */
    serviceMain: string;
  }
}
