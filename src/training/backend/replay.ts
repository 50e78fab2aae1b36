/**
 * Whether a replay of a run can promise the same numbers. Pure (no tfjs), for the API process.
 */

/**
 * Whether a backend gives bit-identical results for the same seed and spec. cpu and wasm compute
 * in a fixed order (on wasm, for a given thread count); GPU kernels (WebGPU, CUDA through
 * tfjs-node-gpu) and TensorFlow's multi-threaded native kernels may sum in a different order run
 * to run, so a replay is close but not promised to be equal.
 */
export function replayIsExact(backend: string | null | undefined, detail: string | null | undefined): { exact: boolean; reason: string | null } {
  if (backend === 'cpu' || backend === 'wasm') return { exact: true, reason: null };
  if (backend === 'webgpu')
    return { exact: false, reason: 'the webgpu backend does not promise deterministic results: GPU reductions may sum in a different order each run' };
  if (backend === 'tensorflow') {
    const gpu = detail?.includes('gpu') ?? false;
    return {
      exact: false,
      reason: gpu
        ? 'tfjs-node-gpu (CUDA) does not promise deterministic results: GPU reductions may sum in a different order each run'
        : "TensorFlow's native kernels run on several threads and do not promise deterministic results",
    };
  }
  return { exact: false, reason: 'the original run has not started, so its backend is not known yet' };
}
