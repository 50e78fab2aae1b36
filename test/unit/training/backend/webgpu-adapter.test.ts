import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { describeBackend, initBackend } from '../../../../src/training/backend/backend.js';
import { describeAdapter, isSoftwareAdapter, webgpuAdapter } from '../../../../src/training/backend/webgpu.js';
import { webgpuAdapterHere } from '../../../support/webgpu-available.js';

describe('isSoftwareAdapter', () => {
  it('counts CPU emulation as a fallback whatever isFallbackAdapter says, and real GPUs not', () => {
    // Mesa 25's lavapipe as Dawn reports it; some builds leave isFallbackAdapter out.
    const lavapipe = { vendor: 'mesa', architecture: 'software', device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)' };
    expect(isSoftwareAdapter(lavapipe)).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'google', architecture: '', description: 'SwiftShader Device (Subzero)' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'x', architecture: 'cpu', description: 'some CPU device' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100 80GB HBM3' }, true)).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100 80GB HBM3' })).toBe(false);
    expect(isSoftwareAdapter({ vendor: 'amd', architecture: 'rdna-3', description: 'AMD Radeon RX 7900 XTX (RADV NAVI31)', isFallbackAdapter: false })).toBe(
      false,
    );
  });

  it('describes an adapter with every field filled in', () => {
    expect(describeAdapter({ vendor: 'nvidia', architecture: 'ampere', device: 'A100' })).toEqual({
      vendor: 'nvidia',
      architecture: 'ampere',
      description: 'A100',
      fallback: false,
    });
    expect(describeAdapter({})).toEqual({ vendor: 'unknown', architecture: 'unknown', description: 'unknown', fallback: false });
  });
});

const adapter = webgpuAdapterHere();

describe.skipIf(!adapter)(`initBackend on this machine's adapter (${adapter?.description ?? 'none'})`, () => {
  it('webgpu by name runs on it and names it; auto takes WebGPU only on a hardware adapter', async () => {
    expect(await initBackend('webgpu')).toBe('webgpu');
    const active = webgpuAdapter();
    expect(active?.description).toBe(adapter?.description);
    expect(await describeBackend()).toContain(active!.description);
    expect((await describeBackend()).includes('fallback adapter')).toBe(active!.fallback);
    expect(await initBackend('cpu')).toBe('cpu');
    expect(webgpuAdapter()).toBeNull();
    const auto = await initBackend('auto');
    expect(auto === 'webgpu').toBe(active?.fallback === false);
    await tf.setBackend('cpu');
  });
});
