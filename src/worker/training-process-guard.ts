/**
 * Keeps a sandboxed training process from outliving the worker that forked it, and makes it stop
 * in bounded time on SIGTERM/SIGINT. The worker forks each one with `--import` of this module, so
 * it is in force from the process's first moment; the processor imports it as well (the same
 * guard, installed once).
 *
 * Why from the first moment: BullMQ loads the processor only when its Init message arrives, and
 * loading it (TypeScript, TensorFlow.js, its backend) takes seconds. A worker that died in that
 * window used to leave the process without any 'disconnect' listener when Node emitted the event
 * (it is emitted once). When the load finished, BullMQ's Init reply failed on the closed channel,
 * its error line hit the dead worker's stderr (EPIPE, an uncaught error), and BullMQ's handler
 * for uncaught errors, which sends a message over the closed channel before it exits, failed,
 * its rejection was raised as a new uncaught error, and so on forever: a process spinning on
 * its microtask queue, growing, deaf to SIGTERM (signal handlers never run), for as long as the
 * machine stayed up.
 */
import { constants } from 'node:os';
import { watchParent } from './parent-watchdog.js';
import { TRAINER_PID_ENV } from './worker-pid.js';

/** How long a training process asked to stop may take to hand its run back before it just exits. */
export const STOP_GRACE_MS = 5_000;

const INSTALLED = Symbol.for('tfjs-training-service.child-guard');

interface Guard {
  /** Aborted when this process is asked to stop (SIGTERM/SIGINT): the running job hands its run back. */
  stopSignal: AbortSignal;
}

function install(): Guard {
  const global = globalThis as { [INSTALLED]?: Guard };
  // Loaded by --import and again by the processor (possibly as a second module instance).
  if (global[INSTALLED]) return global[INSTALLED];
  const stop = new AbortController();
  const guard: Guard = { stopSignal: stop.signal };
  global[INSTALLED] = guard;

  const trainerPid = Number(process.env[TRAINER_PID_ENV]);
  // Not a process the worker forked (no IPC channel, or not started by a trainer): nothing to guard.
  if (typeof process.send !== 'function' || !Number.isInteger(trainerPid) || trainerPid <= 0) return guard;

  // The worker is gone: not connected to it any more, or re-parented (the channel's end may not
  // have been read yet). The run stays `running`; the queue hands it to another worker once this
  // worker's lock expires (the existing crash recovery).
  const orphaned = () => !process.connected || process.ppid !== trainerPid;
  if (orphaned()) process.exit(0);
  process.on('disconnect', () => process.exit(0));
  // Seen before any 'uncaughtException' handler (unhandled rejections included), without changing
  // what those do: with the channel closed BullMQ's can only loop (see above), so end here. With
  // the worker alive, BullMQ reports the error and exits as it means to.
  process.on('uncaughtExceptionMonitor', () => {
    if (orphaned()) process.exit(1);
  });
  // BullMQ's own handlers wait for the current job to end, however long it trains. Hand the run
  // back instead (the training loop checks the signal after every batch) and exit in bounded time
  // even if that does not come (a long batch, a database call retrying); a second signal exits now.
  let stopping = false;
  const onSignal = (signal: 'SIGTERM' | 'SIGINT') => {
    const code = 128 + constants.signals[signal];
    if (stopping) process.exit(code);
    stopping = true;
    stop.abort(`the training process got ${signal}`);
    setTimeout(() => process.exit(code), STOP_GRACE_MS).unref();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // For when the event loop does not turn and none of the above can run.
  watchParent(trainerPid);
  return guard;
}

export const { stopSignal } = install();
