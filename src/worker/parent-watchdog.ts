import { Worker } from 'node:worker_threads';

/** How often the watchdog looks at the parent; an orphan ends within about two of these. */
const POLL_MS = 500;

/**
 * Runs in its own thread, so it works while the training process's event loop does not turn: a
 * long synchronous kernel, or a promise-rejection loop that never yields (BullMQ's child handler
 * for an uncaught error retries a send on a closed channel forever, and neither timers nor signal
 * handlers run meanwhile). The first time the parent is gone, the main thread's own 'disconnect'
 * handler normally ends the process within milliseconds; still here one poll later, it is stuck,
 * and the thread ends the whole process. Plain JavaScript, so it needs no TypeScript loader.
 */
const SOURCE = `
const { workerData } = require('node:worker_threads');
let missed = 0;
setInterval(() => {
  if (process.ppid === workerData.parentPid) return;
  if (++missed >= 2) process.kill(process.pid, 'SIGKILL');
}, workerData.pollMs);
`;

/**
 * Ends this process once `parentPid` is no longer its parent (the worker that forked it died and
 * it was re-parented), even when its event loop is blocked. The thread never keeps the process alive.
 */
export function watchParent(parentPid: number): void {
  const thread = new Worker(SOURCE, {
    eval: true,
    // Not the parent's flags: the TypeScript loader and this process's --import would load again.
    execArgv: [],
    workerData: { parentPid, pollMs: POLL_MS },
    resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2 },
  });
  thread.unref();
  // A watchdog that fails to start must not take the training process down with it; the
  // 'disconnect' handler still covers every case where the event loop turns.
  thread.on('error', () => {});
}
