/**
 * The PyTorch reference (../shared/bench/torch_mlp.py, or TORCH_BENCH): the same two networks,
 * SGD, 4,096 random samples, one timed epoch after a warm-up. Run with Debian's OpenBLAS on one
 * BLAS thread, as the reference's README says. It is optional: without python3 and torch the
 * benchmark says so and reports tfjs alone. TORCH_PYTHON picks the interpreter (default /usr/bin/python3).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** samples/s by `${model}/${batch}`, e.g. `dense_relu/32`. */
export type TorchFigures = Map<string, number>;

/** TORCH_BENCH, else the shared folder beside the checkout (a main checkout's, or a worktree's one level up). */
export const TORCH_SCRIPT = path.resolve(
  process.env.TORCH_BENCH ?? ['../shared/bench/torch_mlp.py', '../../shared/bench/torch_mlp.py'].find((p) => existsSync(p)) ?? '../shared/bench/torch_mlp.py',
);

/** The convolutional reference (../shared/bench/torch_cnn.py, or TORCH_CNN_BENCH), found the same way. */
export const TORCH_CNN_SCRIPT = path.resolve(
  process.env.TORCH_CNN_BENCH ??
    ['../shared/bench/torch_cnn.py', '../../shared/bench/torch_cnn.py'].find((p) => existsSync(p)) ??
    '../shared/bench/torch_cnn.py',
);

/** Runs the reference once; `{ error }` says why there are no figures. */
export function runTorchReference(script = TORCH_SCRIPT): { figures: TorchFigures } | { error: string } {
  if (!existsSync(script)) return { error: `the PyTorch reference ${script} is missing (set TORCH_BENCH or TORCH_CNN_BENCH)` };
  const openblas = '/usr/lib/x86_64-linux-gnu/openblas-pthread';
  // Debian's interpreter, where python3-torch installs; another python3 on the PATH may lack torch.
  const python = process.env.TORCH_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
  const run = spawnSync(python, [script], {
    encoding: 'utf8',
    timeout: 10 * 60_000,
    env: { ...process.env, LD_LIBRARY_PATH: openblas, OPENBLAS_NUM_THREADS: '1', OMP_WAIT_POLICY: 'PASSIVE' },
  });
  if (run.error) return { error: `${python} could not be run (${run.error.message})` };
  if (run.status !== 0) {
    const why = /No module named 'torch'/.test(run.stderr)
      ? 'PyTorch is not installed (apt-get install -y python3-torch libopenblas0-pthread)'
      : run.stderr.trim().split('\n').at(-1);
    return { error: `the PyTorch reference failed: ${why}` };
  }
  const figures: TorchFigures = new Map();
  for (const m of run.stdout.matchAll(/^torch (\w+) batch (\d+): (\d+) samples\/s$/gm)) figures.set(`${m[1]}/${m[2]}`, Number(m[3]));
  if (figures.size === 0) return { error: `the PyTorch reference printed no figures: ${run.stdout.slice(0, 200)}` };
  return { figures };
}
