import { describe, it } from 'vitest';
import { QUEUE_BACKENDS } from '../support/harness.js';
import { resilienceSuite } from '../support/resilience-suite.js';

const redis = QUEUE_BACKENDS.find((b) => b.name === 'redis');
if (redis) resilienceSuite(redis);
else describe.skip('jobs survive crashes and lost queue entries (redis queue): REDIS_URL is not set', () => it('needs REDIS_URL'));
