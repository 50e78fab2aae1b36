import { fileURLToPath } from 'node:url';

/** The committed fixture datasets folder (see test/fixtures/datasets/README.md). */
export const FIXTURES_DIR = fileURLToPath(new URL('../../fixtures/datasets', import.meta.url));
