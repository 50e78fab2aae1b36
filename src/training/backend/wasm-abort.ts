/**
 * The wasm backend out of memory. Its module cannot grow past 4 GiB (wasm32): an allocation that
 * fails either traps ("memory access out of bounds", a WebAssembly.RuntimeError) or aborts the
 * module ("Aborted()"), and either way the module is dead: every later tensor operation in the
 * process throws "Aborted()" too.
 */

/** Whether `err` is the wasm module trapping or aborting. */
export function isWasmAbort(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return err.name === 'RuntimeError' || /^Aborted\(|memory access out of bounds/.test(err.message);
}

/** What a job that died this way is told. */
export const WASM_ABORT_MESSAGE =
  "training ran out of the wasm backend's memory (a wasm32 module holds at most 4 GiB, every tensor included) " +
  'although the estimate at submission allowed it: use a smaller fit.batchSize, fewer or smaller layers, or a smaller dataset.limit';
