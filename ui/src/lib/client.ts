import { TrainingClient } from '../../../src/sdk/index.js';
import { authFetch } from './api.js';

/**
 * The SDK's client on the service that serves this page, sending the session's API key (a 401
 * waits for the key prompt, as every request of the dashboard does).
 */
export const client = new TrainingClient({ baseUrl: location.origin, fetch: authFetch });
