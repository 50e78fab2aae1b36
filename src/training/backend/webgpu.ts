/**
 * TensorFlow.js's WebGPU backend in Node, through Dawn (the `webgpu` package, which ships Dawn's
 * prebuilt `dawn.node`): it runs on any Vulkan driver, a GPU vendor's or Mesa's lavapipe on the CPU.
 *
 * tfjs-backend-webgpu registers itself only where `navigator.gpu` exists when it is imported, and
 * asks for the adapter itself; so the adapter is requested here first, to know what it is (a real
 * GPU, or a fallback adapter emulating one on the CPU) before anything is chosen.
 */
import * as tf from '@tensorflow/tfjs';
import { watchGpuErrors, type ErrorReportingDevice } from './gpu-errors.js';

const WEBGPU_PACKAGE = 'webgpu';
const TFJS_WEBGPU_PACKAGE = '@tensorflow/tfjs-backend-webgpu';

/** The adapter a WebGPU backend runs on, as `/health` and every job report it. */
export interface AdapterDescription {
  vendor: string;
  architecture: string;
  description: string;
  /** A software adapter (lavapipe, llvmpipe, SwiftShader, WARP): WebGPU emulated on the CPU. */
  fallback: boolean;
}

/** What Dawn's `GPUAdapterInfo` holds (only what is read here). */
interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<{ info?: AdapterInfoLike; isFallbackAdapter?: boolean } | null>;
}

// Software rasterizers that pose as a GPU: Mesa's llvmpipe/lavapipe, Google's SwiftShader, Microsoft's WARP.
const SOFTWARE_ADAPTER = /llvmpipe|lavapipe|swiftshader|microsoft basic render|\bwarp\b/i;

/**
 * Whether an adapter is CPU emulation. Dawn does not always say so (`isFallbackAdapter` is
 * missing from some builds, and a Vulkan CPU device is not a "fallback" to Vulkan), so the names
 * and the `software`/`cpu` architecture count too.
 */
export function isSoftwareAdapter(info: AdapterInfoLike, isFallbackAdapter?: boolean): boolean {
  if (isFallbackAdapter === true || info.isFallbackAdapter === true) return true;
  const names = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  return SOFTWARE_ADAPTER.test(names) || /^(software|cpu)$/i.test(info.architecture ?? '');
}

/** The adapter's description in the service's terms. */
export function describeAdapter(info: AdapterInfoLike, isFallbackAdapter?: boolean): AdapterDescription {
  return {
    vendor: info.vendor || 'unknown',
    architecture: info.architecture || 'unknown',
    description: info.description || info.device || 'unknown',
    fallback: isSoftwareAdapter(info, isFallbackAdapter),
  };
}

/** The adapter of the active WebGPU backend; null until one is activated. */
let activeAdapter: AdapterDescription | null = null;

export function webgpuAdapter(): AdapterDescription | null {
  return tf.getBackend() === 'webgpu' ? activeAdapter : null;
}

/** Dawn's `navigator.gpu`, made once per process (its globals, such as GPUBufferUsage, go onto globalThis for tfjs). */
let gpu: Promise<GpuLike | null> | undefined;

function dawnGpu(): Promise<GpuLike | null> {
  gpu ??= (async () => {
    try {
      const { create, globals } = (await import(WEBGPU_PACKAGE)) as { create(flags: string[]): GpuLike; globals: Record<string, unknown> };
      Object.assign(globalThis, globals);
      return create([]);
    } catch {
      // No prebuilt dawn.node for this platform, or its libraries (libvulkan) are missing.
      return null;
    }
  })();
  return gpu;
}

/** Why WebGPU was not activated, for the error of an explicit `TFJS_BACKEND=webgpu`. */
export type WebgpuRefusal = 'no-dawn' | 'no-adapter' | 'fallback-adapter' | 'init-failed';

/**
 * Activates tfjs's WebGPU backend on the default (high-performance) adapter. A fallback (CPU)
 * adapter is taken only when `allowFallback` (WebGPU asked for by name): `auto` would otherwise
 * pick a GPU emulated on the CPU over the faster wasm backend.
 */
export async function tryWebgpu(allowFallback: boolean): Promise<true | WebgpuRefusal> {
  const navigatorGpu = await dawnGpu();
  if (!navigatorGpu) return 'no-dawn';
  const adapter = await navigatorGpu.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
  if (!adapter) return 'no-adapter';
  const described = describeAdapter(adapter.info ?? {}, adapter.isFallbackAdapter);
  if (described.fallback && !allowFallback) return 'fallback-adapter';
  // Node 20 has no navigator; later versions have one without `gpu`.
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  if (nav) Object.defineProperty(nav, 'gpu', { value: navigatorGpu, configurable: true });
  else (globalThis as { navigator?: unknown }).navigator = { gpu: navigatorGpu };
  try {
    await import(TFJS_WEBGPU_PACKAGE);
    if (!(await tf.setBackend('webgpu'))) return 'init-failed';
  } catch {
    return 'init-failed';
  }
  if (!activeAdapter) watchGpuErrors((tf.backend() as unknown as { device: ErrorReportingDevice }).device);
  activeAdapter = described;
  return true;
}

export const WEBGPU_REFUSALS: Record<WebgpuRefusal, string> = {
  'no-dawn': "the webgpu package's dawn.node could not be loaded on this platform",
  'no-adapter': "Dawn found no WebGPU adapter (no Vulkan driver: install the GPU vendor's, or Mesa 25's lavapipe)",
  'fallback-adapter': 'only a fallback (CPU) adapter was found',
  'init-failed': 'tfjs-backend-webgpu could not start on the adapter',
};

/** `webgpu (NVIDIA, ampere: NVIDIA A100)` or `webgpu (mesa, software: llvmpipe ..., fallback)`. */
export function describeWebgpu(adapter: AdapterDescription): string {
  return `webgpu (${adapter.vendor}, ${adapter.architecture}: ${adapter.description}${adapter.fallback ? ', fallback adapter' : ''})`;
}
