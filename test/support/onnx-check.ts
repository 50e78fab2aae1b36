/**
 * Checks an exported ONNX model the way its users will run it: ONNX Runtime's output against
 * TensorFlow.js's, and the official `onnx.checker` (Debian's python3-onnx) on the file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';

/** Runs the model in ONNX Runtime on one batch; returns the first output's values and dims. */
export async function runOnnx(bytes: Uint8Array, input: tf.Tensor): Promise<{ values: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const feed = { [session.inputNames[0]]: new ort.Tensor('float32', input.dataSync() as Float32Array, input.shape) };
    const result = await session.run(feed);
    const out = result[session.outputNames[0]];
    return { values: out.data as Float32Array, dims: out.dims };
  } finally {
    await session.release();
  }
}

/**
 * The largest difference between ONNX Runtime's and TensorFlow.js's outputs, relative to the
 * output's scale (its largest magnitude, at least 1e-3 so an all-but-zero output is not divided by ~0).
 */
export async function relativeError(
  model: tf.LayersModel,
  bytes: Uint8Array,
  input: tf.Tensor,
): Promise<{ error: number; dims: readonly number[]; shape: number[] }> {
  const expected = model.predict(input) as tf.Tensor;
  const want = expected.dataSync() as Float32Array;
  const shape = expected.shape;
  expected.dispose();
  const got = await runOnnx(bytes, input);
  if (got.values.length !== want.length) return { error: Infinity, dims: got.dims, shape };
  let scale = 1e-3;
  let diff = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]));
    diff = Math.max(diff, Math.abs(want[i] - got.values[i]));
  }
  return { error: Number.isNaN(diff) ? Infinity : diff / scale, dims: got.dims, shape };
}

/** A Python with the onnx package: Debian's first (the pyenv shim on PATH lacks it), then python3. */
function findOnnxPython(): string | null {
  for (const python of ['/usr/bin/python3', 'python3']) {
    if (python.startsWith('/') && !existsSync(python)) continue;
    const probe = spawnSync(python, ['-c', 'import onnx'], { stdio: 'ignore' });
    if (probe.status === 0) return python;
  }
  return null;
}

let python: string | null | undefined;

/** The interpreter with onnx, or null (the checker tests then skip, saying so). */
export function onnxPython(): string | null {
  if (python === undefined) python = findOnnxPython();
  return python;
}

export const NO_ONNX_PYTHON = 'skipped: no python3 with the onnx package (Debian: apt-get install python3-onnx)';

/**
 * Runs onnx.checker.check_model (full check, shape inference included) on each file; returns the
 * checker's complaint per file that fails, keyed by label.
 */
export function checkModels(files: Record<string, Uint8Array>): Record<string, string> {
  const interpreter = onnxPython();
  if (!interpreter) throw new Error(NO_ONNX_PYTHON);
  const dir = mkdtempSync(path.join(tmpdir(), 'onnx-check-'));
  try {
    const paths = Object.entries(files).map(([label, bytes], i) => {
      const file = path.join(dir, `${i}.onnx`);
      writeFileSync(file, bytes);
      return [label, file];
    });
    const script = [
      'import json, sys, onnx',
      'failures = {}',
      'for label, path in json.loads(sys.argv[1]):',
      '    try:',
      '        onnx.checker.check_model(onnx.load(path), full_check=True)',
      '    except Exception as e:',
      '        failures[label] = str(e)',
      'print(json.dumps(failures))',
    ].join('\n');
    const run = spawnSync(interpreter, ['-c', script, JSON.stringify(paths)], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`onnx checker failed to run: ${run.stderr}`);
    return JSON.parse(run.stdout.trim().split('\n').pop() as string) as Record<string, string>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
