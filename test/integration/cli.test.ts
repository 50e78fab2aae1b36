import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE_BACKENDS, ROOT, smallFashionJob, startHarness, type Harness } from '../support/harness.js';

const { name: queueName, redisUrl } = QUEUE_BACKENDS[0];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a user would: a fresh node process, TypeScript through tsx. */
function cli(args: string[], opts: { launcher?: boolean; env?: Record<string, string> } = {}): Promise<Run> {
  const entry = opts.launcher ? [path.join(ROOT, 'bin/tfjs-train.js')] : ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts')];
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ...opts.env };
    if (!opts.env?.TRAINING_URL) delete env.TRAINING_URL;
    const child = spawn(process.execPath, [...entry, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe(`tfjs-train CLI against the real service (${queueName} queue)`, () => {
  let h: Harness;
  let dir: string;
  let jobId: string;
  let modelId: string;

  beforeAll(async () => {
    h = await startHarness({ redisUrl });
    await h.startWorker();
    dir = await mkdtemp(path.join(os.tmpdir(), 'tfjs-train-cli-'));
  });
  afterAll(async () => {
    await h?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('submit --watch follows the job to the end, printing a line per epoch, and exits 0', async () => {
    const spec = path.join(dir, 'spec.json');
    await writeFile(spec, JSON.stringify(smallFashionJob({ name: 'cli-job', fit: { epochs: 2, batchSize: 64, seed: 5 } })));
    const run = await cli(['submit', spec, '--watch', '--url', h.baseUrl]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    jobId = lines[0].split(' ')[0];
    expect(lines[0]).toMatch(/^[0-9a-f-]{36} queued$/);
    const epochs = lines.filter((l) => l.startsWith('epoch '));
    expect(epochs).toHaveLength(2);
    expect(epochs[0]).toMatch(/^epoch 1\/2 .*loss \d+\.\d{4} .*accuracy \d\.\d{4} .*val_loss \d+\.\d{4}/);
    expect(epochs[1]).toMatch(/^epoch 2\/2 /);
    expect(run.stdout).toMatch(/evaluation: loss \d+\.\d+ accuracy \d\.\d+/);
    const last = lines.at(-1)!;
    expect(last).toMatch(/^succeeded: model [0-9a-f-]{36}$/);
    modelId = last.split(' ').at(-1)!;
    // Not a terminal: no progress bar redraws in the output.
    expect(run.stdout).not.toContain('\r');
  });

  it('watch replays a finished job; list prints it (TRAINING_URL, and through the bin launcher)', async () => {
    const watched = await cli(['watch', jobId], { env: { TRAINING_URL: h.baseUrl } });
    expect(watched.code).toBe(0);
    expect(watched.stdout).toContain(`job ${jobId} (cli-job): succeeded`);
    expect(watched.stdout.split('\n').filter((l) => l.startsWith('epoch '))).toHaveLength(2);

    const listed = await cli(['list', '--url', h.baseUrl], { launcher: true });
    expect(listed.code).toBe(0);
    const row = listed.stdout.split('\n').find((l) => l.startsWith(jobId));
    expect(row).toMatch(/succeeded\s+cli-job/);
    expect(row).toContain(modelId);

    const none = await cli(['list', '--status', 'failed', '--url', h.baseUrl]);
    expect(none.code).toBe(0);
    expect(none.stdout).not.toContain(jobId);
  });

  it('download writes model.json and weights.bin; predict prints one output row per input', async () => {
    const out = path.join(dir, 'model');
    const run = await cli(['download', modelId, out, '--url', h.baseUrl]);
    expect(run.code).toBe(0);
    const modelJson = JSON.parse(await readFile(path.join(out, 'model.json'), 'utf8'));
    expect(modelJson.weightsManifest[0].paths).toEqual(['weights.bin']);
    const bytes = modelJson.weightsManifest[0].weights.reduce((n: number, w: { shape: number[] }) => n + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
    expect((await stat(path.join(out, 'weights.bin'))).size).toBe(bytes);

    const inputs = path.join(dir, 'inputs.json');
    const image = Array.from({ length: 28 }, () => Array.from({ length: 28 }, () => 0.5));
    await writeFile(inputs, JSON.stringify({ inputs: [image, image, image] }));
    const predicted = await cli(['predict', modelId, inputs, '--url', h.baseUrl]);
    expect(predicted.code).toBe(0);
    const outputs = JSON.parse(predicted.stdout) as number[][];
    expect(outputs).toHaveLength(3);
    expect(outputs[0]).toHaveLength(10);
    // mcDropout in the file goes to the service, which refuses it for this network without dropout.
    await writeFile(inputs, JSON.stringify({ inputs: [image], mcDropout: { samples: 5 } }));
    const mc = await cli(['predict', modelId, inputs, '--url', h.baseUrl]);
    expect(mc.code).not.toBe(0);
    expect(mc.stderr).toContain('no dropout layer');
  });

  it('export --format onnx -o writes an ONNX file that ONNX Runtime runs', async () => {
    const file = path.join(dir, 'model.onnx');
    const run = await cli(['export', modelId, '--format', 'onnx', '-o', file, '--url', h.baseUrl]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`wrote ${file}`);
    const session = await ort.InferenceSession.create(await readFile(file));
    const image = new ort.Tensor('float32', new Float32Array(3 * 28 * 28).fill(0.5), [3, 28, 28]);
    const { output } = await session.run({ input: image });
    await session.release();
    expect(output.dims).toEqual([3, 10]);
  });

  it('a bad spec exits non-zero with the field path printed; usage errors exit 2', async () => {
    const spec = smallFashionJob() as any;
    spec.model.layers[1].units = 0;
    const file = path.join(dir, 'bad.json');
    await writeFile(file, JSON.stringify(spec));
    const bad = await cli(['submit', file, '--url', h.baseUrl]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('/model/layers/1/units');
    expect(bad.stdout).toBe('');

    expect((await cli([])).code).toBe(2);
    expect((await cli(['frobnicate', '--url', h.baseUrl])).code).toBe(2);
    expect((await cli(['submit', path.join(dir, 'missing.json'), '--url', h.baseUrl])).code).toBe(2);
    const unknown = await cli(['cancel', '00000000-0000-4000-8000-000000000000', '--url', h.baseUrl]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/404 not_found/);
  });

  it('cancel stops a running job, and watch then exits 1', async () => {
    const spec = path.join(dir, 'long.json');
    await writeFile(
      spec,
      JSON.stringify(smallFashionJob({ name: 'cli-long', dataset: { builtin: 'fashion-mnist', split: 'train' }, fit: { epochs: 200, batchSize: 8, seed: 1 } })),
    );
    const submitted = await cli(['submit', spec, '--url', h.baseUrl]);
    expect(submitted.code).toBe(0);
    const id = submitted.stdout.split(' ')[0];
    const cancelled = await cli(['cancel', id, '--url', h.baseUrl]);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toMatch(new RegExp(`^${id} (cancelled|cancel requested)`));
    const watched = await cli(['watch', id, '--url', h.baseUrl]);
    expect(watched.code).toBe(1);
    expect(watched.stdout.trim().split('\n').at(-1)).toMatch(/^cancelled/);
  });
});
