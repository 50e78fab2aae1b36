import { describe, expect, it } from 'vitest';
import { initBackend } from '../../../../src/training/backend/backend.js';

describe('initBackend', () => {
  it('leaves no process error listener behind (the wasm glue rethrows uncaught errors: exit 7 on a stop)', async () => {
    const before = { uncaught: process.listenerCount('uncaughtException'), rejection: process.listenerCount('unhandledRejection') };
    await initBackend('wasm');
    expect({ uncaught: process.listenerCount('uncaughtException'), rejection: process.listenerCount('unhandledRejection') }).toEqual(before);
  });
});
