import { describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/http/app.js';
import { loadConfig } from '../../../src/infra/config.js';
import { createApiDeps } from '../../../src/start/api-deps.js';

async function healthWith(backend: {
  name: string;
  detail?: string;
  adapter?: { vendor: string; architecture: string; description: string; fallback: boolean } | null;
}) {
  const deps = await createApiDeps(loadConfig({}), { open: false, overrides: { backend, checkDb: async () => 1, authMode: 'off' } });
  const app = await buildApp(deps);
  try {
    const res = await app.inject({ url: '/health' });
    return res.json();
  } finally {
    await app.close();
  }
}

describe('GET /health names the WebGPU adapter', () => {
  it('gives the adapter of a webgpu backend, and null on the others', async () => {
    const adapter = { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100 80GB HBM3', fallback: false };
    const onGpu = await healthWith({ name: 'webgpu', detail: 'webgpu (nvidia, hopper: NVIDIA H100 80GB HBM3)', adapter });
    expect(onGpu).toMatchObject({ backend: 'webgpu', backendDetail: 'webgpu (nvidia, hopper: NVIDIA H100 80GB HBM3)', adapter });
    expect((await healthWith({ name: 'wasm', detail: 'wasm (simd)' })).adapter).toBeNull();
  });
});
