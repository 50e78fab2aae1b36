import { QUEUE_BACKENDS } from '../support/harness.js';
import { resilienceSuite } from '../support/resilience-suite.js';

resilienceSuite(QUEUE_BACKENDS[0]);
