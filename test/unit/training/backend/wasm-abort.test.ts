import { describe, expect, it } from 'vitest';
import { backendUsable } from '../../../../src/training/backend/backend-health.js';
import { WASM_ABORT_MESSAGE, isWasmAbort } from '../../../../src/training/backend/wasm-abort.js';
import { useTestBackend } from '../../../support/test-backend.js';

describe('the wasm backend out of memory', () => {
  it('is told apart from other errors: an abort, or a trap', () => {
    expect(isWasmAbort(new Error('Aborted(). Build with -sASSERTIONS for more info.'))).toBe(true);
    const trap = new Error('memory access out of bounds');
    trap.name = 'RuntimeError';
    expect(isWasmAbort(trap)).toBe(true);
    expect(isWasmAbort(new Error('Training diverged'))).toBe(false);
    expect(isWasmAbort('Aborted()')).toBe(false);
    expect(WASM_ABORT_MESSAGE).toMatch(/fit\.batchSize/);
  });

  it('leaves a working backend usable', async () => {
    await useTestBackend();
    expect(await backendUsable()).toBe(true);
  });
});
