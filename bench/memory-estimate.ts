/**
 * `npm run bench:memory`: what the training process really allocates, against the memory estimate
 * POST /jobs enforces (src/training/sizing/memory-estimate.ts).
 *
 * Each case (backend, network, batch size) trains in a fresh process (bench/memory/case.ts) on
 * 60,000 random 28x28 samples, as the worker's training process trains a job; its peak RSS above
 * the process's RSS before the job, and the wasm heap it left, are set against the estimate.
 * The raw figures go to bench/memory-results.json (the unit tests check the estimate against
 * them); `--table` only prints the table from that file again.
 *
 * `--layers` measures the coefficients the estimate is built from instead (each layer type, each
 * optimizer). Environment: BENCH_MEMORY_BACKENDS (default `wasm,cpu`), BENCH_MEMORY_ONLY (a
 * substring of the case names to run, e.g. `wide`).
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CaseArgs, CaseResult } from './memory/case.js';
import { LAYER_STACKS, MEMORY_CASES, OPTIMIZERS, caseName, estimateFor, type MemoryCase } from './memory/cases.js';
import { load1, machine, table } from './common.js';
import { optimizerStepValues } from '../src/training/sizing/memory-estimate.js';
import { sizeLayers } from '../src/training/sizing/param-estimate.js';

export interface RecordedCase extends MemoryCase {
  result: CaseResult;
}

const RESULTS = fileURLToPath(new URL('./memory-results.json', import.meta.url));
const CASE_FILE = fileURLToPath(new URL('./memory/case.ts', import.meta.url));
const LAYER_FILE = fileURLToPath(new URL('./memory/layer-step.ts', import.meta.url));
const OPTIMIZER_FILE = fileURLToPath(new URL('./memory/optimizer-step.ts', import.meta.url));

/**
 * `--layers`: the measurements behind the estimate's coefficients. Each layer stack trains at
 * batch 8,192 (one batch, and three batches of the wide network), each optimizer two steps; the
 * estimate's figure for each is printed beside the measured one.
 */
async function measureCoefficients(): Promise<void> {
  console.log(`Machine: ${machine()}; load average at start ${load1()}`);
  const layerRows: Array<Array<string | number>> = [];
  for (const stack of LAYER_STACKS) {
    const { valuesPerSample } = await runChild<{ valuesPerSample: number }>(LAYER_FILE, [
      JSON.stringify(stack.layers),
      String(stack.batch),
      String(stack.samples ?? stack.batch),
    ]);
    const layers = [{ type: 'Flatten' as const }, ...stack.layers, { type: 'Dense' as const, units: 10, activation: 'softmax' as const }];
    const estimated = sizeLayers(layers, [28, 28]).stepValuesPerSample;
    layerRows.push([
      stack.label,
      Math.round(valuesPerSample).toLocaleString('en-US'),
      estimated.toLocaleString('en-US'),
      (estimated / valuesPerSample).toFixed(2),
    ]);
    console.error(`${stack.label}: ${Math.round(valuesPerSample)} (load ${load1()})`);
  }
  console.log(
    table(
      [
        'layers between the 784 inputs and a softmax Dense 10',
        'measured values per sample (peak RSS)',
        'step values per sample (estimate, before the allocator slack)',
        'estimate / measured',
      ],
      layerRows,
    ),
  );
  console.log();
  const optimizerRows: Array<Array<string | number>> = [];
  for (const optimizer of OPTIMIZERS) {
    const { valuesPerWeight } = await runChild<{ valuesPerWeight: number }>(OPTIMIZER_FILE, [JSON.stringify(optimizer)]);
    optimizerRows.push([`\`${JSON.stringify(optimizer)}\``, valuesPerWeight.toFixed(1), optimizerStepValues(optimizer)]);
  }
  console.log(table(['optimizer', 'measured values per weight (engine peak above the weights)', 'optimizer step values (estimate)'], optimizerRows));
  console.log(`load average at end ${load1()}`);
}

/** Runs a measurement script in a child process with this process's loader flags (tsx); resolves to its RESULT line. */
function runChild<T>(script: string, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (line) resolve(JSON.parse(line.slice('RESULT '.length)) as T);
      else reject(new Error(`${script} ${args.join(' ')} exited ${code} without a result`));
    });
  });
}

const runCase = (args: CaseArgs) => runChild<CaseResult>(CASE_FILE, [JSON.stringify(args)]);

const mb = (n: number | null) => (n === null ? '-' : Math.round(n).toLocaleString('en-US'));

function printTable(recorded: RecordedCase[]): void {
  const rows = recorded.map((c) => {
    const r = c.result;
    const job = r.peakRssMb - r.baselineRssMb;
    const est = estimateFor(c);
    const outcome = r.error ? `**crashed** (${r.error.slice(0, 40)})` : r.epochEnded ? 'epoch done' : `stopped after ${r.batchesRun} batches`;
    return [
      c.model,
      c.batchSize.toLocaleString('en-US'),
      c.validationSplit ? `${c.validationSplit}` : '-',
      c.epochs ?? 1,
      c.backend,
      outcome,
      mb(job),
      mb(r.wasmHeapMb),
      mb(est.old / 2 ** 20),
      mb(est.total / 2 ** 20),
      (est.total / 2 ** 20 / job).toFixed(2),
      c.backend === 'wasm' ? mb(est.tensors / 2 ** 20) : '-',
      c.backend === 'wasm' && r.wasmHeapMb ? (est.tensors / 2 ** 20 / r.wasmHeapMb).toFixed(2) : '-',
      r.seconds.toFixed(0),
    ];
  });
  console.log(
    table(
      [
        'model',
        'batch',
        'val split',
        'epochs',
        'backend',
        'outcome',
        'peak RSS - RSS before (MB)',
        'wasm heap (MB)',
        'old estimate (MB)',
        'estimate (MB)',
        'estimate / RSS',
        'heap estimate (MB)',
        'heap estimate / heap',
        's',
      ],
      rows,
    ),
  );
}

async function main(): Promise<void> {
  if (process.argv.includes('--layers')) {
    await measureCoefficients();
    return;
  }
  if (process.argv.includes('--table')) {
    printTable(JSON.parse(readFileSync(RESULTS, 'utf8')) as RecordedCase[]);
    return;
  }
  const backends = (process.env.BENCH_MEMORY_BACKENDS ?? 'wasm,cpu').split(',');
  const only = process.env.BENCH_MEMORY_ONLY;
  const cases = MEMORY_CASES.filter((c) => backends.includes(c.backend) && (!only || caseName(c).includes(only)));
  console.log(`Machine: ${machine()}; load average at start ${load1()}`);
  const recorded: RecordedCase[] = [];
  for (const c of cases) {
    const result = await runCase(c);
    recorded.push({ ...c, result });
    console.error(`${caseName(c)}: ${JSON.stringify(result)} (load ${load1()})`);
  }
  // Keep the cases not run this time, so a partial run refreshes only what it ran.
  let previous: RecordedCase[] = [];
  try {
    previous = JSON.parse(readFileSync(RESULTS, 'utf8')) as RecordedCase[];
  } catch {
    // first run
  }
  const merged = [...previous.filter((p) => !recorded.some((r) => caseName(r) === caseName(p))), ...recorded];
  merged.sort((a, b) => MEMORY_CASES.findIndex((c) => caseName(c) === caseName(a)) - MEMORY_CASES.findIndex((c) => caseName(c) === caseName(b)));
  writeFileSync(RESULTS, `${JSON.stringify(merged, null, 2)}\n`);
  console.log(`load average at end ${load1()}`);
  printTable(merged);
}

await main();
