import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/**
 * The compose file as Compose itself resolves it, for the default services and the `gpu` profile:
 * the WebGPU worker must ask for NVIDIA's Vulkan driver (the `graphics` capability) and a GPU.
 */
const probe = spawnSync('docker-compose', ['version'], { encoding: 'utf8' });
const available = probe.status === 0;
if (!available) console.warn('compose test SKIPPED: no docker-compose on this machine (.ci/run installs it)');

/** One top-level service's block of the resolved file. */
function service(out: string, name: string): string {
  const start = out.search(new RegExp(`^ {2}${name}:`, 'm'));
  expect(start, `service ${name}`).toBeGreaterThanOrEqual(0);
  const body = out.indexOf('\n', start) + 1;
  const end = out.slice(body).search(/^ {0,2}\S/m);
  return out.slice(start, end < 0 ? undefined : body + end);
}

function config(...args: string[]): string {
  const run = spawnSync('docker-compose', [...args, 'config'], {
    encoding: 'utf8',
    env: { ...process.env, ADMIN_API_KEY: 'compose-check-key-0123456789' },
  });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout;
}

describe.skipIf(!available)('docker-compose.yml', () => {
  it('resolves as it is; the GPU worker belongs to the gpu profile alone, the CPU worker to none', () => {
    const out = config();
    expect(service(out, 'worker')).not.toMatch(/profiles:/);
    expect(service(out, 'worker-gpu')).toMatch(/profiles:\n\s+- gpu\n/);
  });

  it('resolves with the gpu profile: a WebGPU worker with a GPU device request and the graphics capability', () => {
    const out = config('--profile', 'gpu');
    const gpu = service(out, 'worker-gpu');
    expect(gpu).toMatch(/TFJS_BACKEND: webgpu/);
    expect(gpu).toMatch(/NVIDIA_DRIVER_CAPABILITIES: \S*graphics/);
    expect(gpu).toMatch(/driver: nvidia/);
    expect(gpu).toMatch(/- graphics/);
  });
});
