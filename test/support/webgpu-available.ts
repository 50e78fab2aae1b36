/**
 * Whether this machine has a WebGPU adapter (a GPU's Vulkan driver, or Mesa's lavapipe on the
 * CPU): the WebGPU tests run wherever one can be had and skip, saying why, only where none can.
 * Asked in a child process, so that the test process that asks keeps its own backend choice.
 */
import { execFileSync } from 'node:child_process';

const PROBE = `
import { create } from 'webgpu';
const adapter = await create([]).requestAdapter().catch(() => null);
process.stdout.write(JSON.stringify(adapter ? { description: adapter.info.description } : null));
process.exit(0);
`;

let answer: { description: string } | null | undefined;

/** The adapter's description, or null (and a console line saying the WebGPU tests skip) where there is none. */
export function webgpuAdapterHere(): { description: string } | null {
  if (answer !== undefined) return answer;
  try {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', PROBE], {
      encoding: 'utf8',
      timeout: 60_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    answer = JSON.parse(out) as { description: string } | null;
  } catch {
    answer = null;
  }
  if (!answer) console.warn("WebGPU tests SKIPPED: no WebGPU adapter on this machine (install a Vulkan driver: the GPU vendor's, or Mesa 25's lavapipe)");
  return answer;
}
