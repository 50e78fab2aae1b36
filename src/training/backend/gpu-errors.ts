/**
 * Errors the GPU reports on its own time. WebGPU does not throw where an operation fails: a
 * buffer it cannot allocate (out of GPU memory) or bind (a tensor over the adapter's
 * `maxStorageBufferBindingSize`) is reported as an "uncaptured error" event, and the kernel
 * silently computes nothing (zeros). Training on would produce a model of garbage, so the first
 * such error is kept here and the training loop fails the job with it at the next batch.
 */

/** What Dawn's GPUDevice offers for this (only what is used). */
export interface ErrorReportingDevice {
  addEventListener(type: 'uncapturederror', listener: (event: { error?: { message?: string } }) => void): void;
  lost: Promise<{ reason?: string; message?: string }>;
}

let firstError: string | null = null;
let deviceLost = false;

/** Listens to `device`'s errors (once per device, when the backend is activated). */
export function watchGpuErrors(device: ErrorReportingDevice): void {
  device.addEventListener('uncapturederror', (event) => {
    firstError ??= (event.error?.message ?? 'unknown GPU error').split('\n')[0];
  });
  void device.lost.then((info) => {
    deviceLost = true;
    firstError ??= `the GPU device was lost (${info.message || info.reason || 'no reason given'})`;
  });
}

/** Whether the device is gone: nothing in this process can compute on it again. */
export function gpuDeviceLost(): boolean {
  return deviceLost;
}

/** A job failed by its GPU: the message says what the GPU refused and what to change. */
export class GpuError extends Error {
  constructor(gpuMessage: string) {
    super(
      `the GPU refused a step of this job (${gpuMessage}): its memory, or the largest buffer it binds, is smaller than the job needs; ` +
        'use a smaller fit.batchSize, fewer or smaller layers, or a smaller dataset.limit (see MAX_JOB_MEMORY_MB)',
    );
    this.name = 'GpuError';
  }
}

/** Forgets an error of an earlier job (each job starts clean on a device that still works). */
export function clearGpuError(): void {
  if (!deviceLost) firstError = null;
}

/** Throws {@link GpuError} when the GPU has reported an error since the last clear. */
export function throwIfGpuFailed(): void {
  if (firstError) throw new GpuError(firstError);
}
