/**
 * The typed client SDK of the training service: `import { TrainingClient } from 'tfjs-training-service/sdk'`.
 * Browser-safe: plain fetch and web streams, and its types come (type-only) from the server's
 * own TypeBox schemas.
 */
export { TrainingClient } from './client.js';
export { isFinalStatus } from './watch-job.js';
export { AdminClient } from './admin.js';
export type { CallOptions, CsvUploadOptions, FetchLike, ImportModelInput, PredictOptions, TrainingClientOptions, WaitOptions, WatchOptions } from './client.js';
export { ApiError } from './errors.js';
export { parseSse, type SseMessage } from './sse.js';
export type * from './types.js';
