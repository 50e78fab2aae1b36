/**
 * A kernel profiler for the synchronous CPU backends (wasm, cpu): wraps every kernel registered for
 * the backend with a timer. Kernels there run to completion inside `kernelFunc`, so wall time
 * around the call is the kernel's time (a kernel that calls another through the registry counts
 * both; the wasm kernels call each other directly, so this rarely happens).
 */
import * as tf from '@tensorflow/tfjs';

export interface KernelTime {
  kernel: string;
  ms: number;
  calls: number;
}

/** Starts timing every kernel of `backendName`; the returned function stops and reports, slowest first. */
export function profileKernels(backendName: string): () => KernelTime[] {
  const totals = new Map<string, KernelTime>();
  const originals = tf.getKernelsForBackend(backendName);
  for (const config of originals) {
    const inner = config.kernelFunc;
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        const start = performance.now();
        const out = inner(args);
        const t = totals.get(config.kernelName) ?? { kernel: config.kernelName, ms: 0, calls: 0 };
        t.ms += performance.now() - start;
        t.calls += 1;
        totals.set(config.kernelName, t);
        return out;
      },
    });
  }
  return () => {
    for (const config of originals) {
      tf.unregisterKernel(config.kernelName, backendName);
      tf.registerKernel(config);
    }
    return [...totals.values()].sort((a, b) => b.ms - a.ms);
  };
}
