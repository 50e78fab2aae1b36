import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AdminClient, ApiError, TrainingClient, isFinalStatus, type JobSpec, type JobStatus, type PredictInputs, type PredictOptions } from '../sdk/index.js';
import { ProgressBar, epochLine, totalEpochs } from './format.js';
import { positionals, readJson, UsageError } from './args.js';
import type { Io } from './io.js';
import { runStudyCommand } from './study.js';
import { ADMIN_USAGE, runAdminCommand } from './admin.js';
import { WEBHOOKS_USAGE, runWebhooksCommand } from './webhooks.js';

export type { Io };

export const USAGE = `Usage: tfjs-train <command> [options]

Commands:
  submit <spec.json> [--watch]   queue a training job (prints its id); --watch follows it to the end
  watch <jobId>                  follow a job: a progress bar over the epoch's batches, a line per epoch
  list [--status s] [--limit n]  list jobs, newest first (status: queued|running|succeeded|failed|cancelled)
  cancel <jobId>                 cancel a queued or running job
  retry <jobId> [--apply-fixes] [--fix id]... [--patch file] [--name n] [--watch]
                                 train a job again: with every warning's fix, the named warnings' fixes,
                                 and/or a JSON Patch file of your own (prints the new job's id)
  replay <jobId> [--watch]       train a job again with the same spec and seed (prints the new job's id,
                                 and why its losses may differ where the backend is not deterministic)
  download <modelId> <dir>       write the model as <dir>/model.json + <dir>/weights.bin (TensorFlow.js layers format)
  export <modelId> [--format onnx|tfjs] [-o file]
                                 download the model as ONNX (default) or the TensorFlow.js artifact (a ZIP);
                                 -o names the file (default: the name the service gives it)
  predict <modelId> <inputs.json>  run the model; inputs.json is { "inputs": [...] } or the bare array; with
                                 "mcDropout": { "samples": n, "seed": s } in it, prints { outputs (the mean), std }
  study submit <study.json> [--watch]  start a study (prints its id); --preset chapter-11 instead of a file
  study watch <studyId>          follow a study: a line per finished trial, then the ranking
  study show <studyId>           the ranking (mean ± std over repeats), best configuration, effects, warnings
  study cancel <studyId>         cancel every trial of a study that has not ended
${WEBHOOKS_USAGE}
${ADMIN_USAGE}

Options:
  --url <url>       the service (default: $TRAINING_URL, else http://127.0.0.1:3000)
  --api-key <key>   the API key to send (default: $TTS_API_KEY); needed once the service has keys
  -h, --help        this help

Exit codes: 0 ok; 1 the job failed or was cancelled, or the request failed; 2 usage error
(bad arguments, an unreadable file, or input the service rejected with 400).`;

/** Follows a job to its end; resolves with the exit code (0 succeeded, 1 failed or cancelled). */
async function watch(client: TrainingClient, id: string, io: Io): Promise<number> {
  const out = (s: string) => io.stdout.write(`${s}\n`);
  const job = await client.getJob(id, { signal: io.signal });
  const total = totalEpochs(job);
  out(`job ${job.id}${job.name ? ` (${job.name})` : ''}: ${job.status}`);
  const bar = new ProgressBar(io.stdout);
  let last = job.status;
  for await (const ev of client.watchJob(id, { signal: io.signal })) {
    if (ev.event === 'progress') {
      bar.render(ev.data, total);
      continue;
    }
    bar.clear();
    if (ev.event === 'epoch') out(epochLine(ev.data, total));
    else if (ev.data.status !== last && !isFinalStatus(ev.data.status)) out(`status: ${ev.data.status}`);
    if (ev.event === 'status') last = ev.data.status;
  }
  bar.clear();
  const final = await client.getJob(id, { signal: io.signal });
  for (const w of final.warnings) out(`warning: ${w.kind}${w.layer ? ` (${w.layer})` : ''}${w.epoch ? ` at epoch ${w.epoch}` : ''}: ${w.message}`);
  if (final.evaluation)
    out(`evaluation: loss ${final.evaluation.loss.toFixed(4)}${final.evaluation.accuracy !== null ? ` accuracy ${final.evaluation.accuracy.toFixed(4)}` : ''}`);
  if (final.status === 'succeeded') {
    out(`succeeded: model ${final.modelId}`);
    return 0;
  }
  out(`${final.status}${final.error ? `: ${final.error}` : ''}`);
  return 1;
}

const pad = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s.padEnd(n));

/** Runs one CLI invocation; resolves with its exit code. */
export async function runCli(argv: string[], io: Io): Promise<number> {
  const out = (s: string) => io.stdout.write(`${s}\n`);
  const err = (s: string) => io.stderr.write(`${s}\n`);
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          url: { type: 'string' },
          'api-key': { type: 'string' },
          watch: { type: 'boolean', short: 'w' },
          status: { type: 'string' },
          limit: { type: 'string' },
          preset: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
          'apply-fixes': { type: 'boolean' },
          fix: { type: 'string', multiple: true },
          patch: { type: 'string' },
          name: { type: 'string' },
          tenant: { type: 'string' },
          format: { type: 'string' },
          output: { type: 'string', short: 'o' },
          event: { type: 'string', multiple: true },
          description: { type: 'string' },
        },
      });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const { values, positionals: pos } = parsed;
    const [command, ...args] = pos;
    if (values.help || command === 'help') {
      out(USAGE);
      return 0;
    }
    if (!command) throw new UsageError('a command is required');
    const baseUrl = values.url ?? io.env.TRAINING_URL ?? 'http://127.0.0.1:3000';
    if (!/^https?:\/\//.test(baseUrl)) throw new UsageError(`--url must be an http(s) URL, not ${baseUrl}`);
    const apiKey = values['api-key'] ?? io.env.TTS_API_KEY;
    // Admin commands need an admin key; the service answers 403 to any other.
    const client = new AdminClient({ baseUrl, apiKey: apiKey || undefined });
    const signal = io.signal;

    // Each branch awaits what it returns: a promise returned unawaited would reject past the catch below, unprinted.
    switch (command) {
      case 'submit': {
        const [file] = positionals(args, ['spec.json'], 'submit');
        const spec = (await readJson(file, 'spec')) as JobSpec;
        const { id, status } = await client.createJob(spec, { signal });
        out(`${id} ${status}`);
        return values.watch ? await watch(client, id, io) : 0;
      }
      case 'watch': {
        const [id] = positionals(args, ['jobId'], 'watch');
        return await watch(client, id, io);
      }
      case 'list': {
        positionals(args, [], 'list');
        const limit = values.limit === undefined ? 20 : Number(values.limit);
        if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer, not ${values.limit}`);
        const status = values.status as JobStatus | undefined; // the service checks it (400 for an unknown status)
        const jobs = client.listJobs({ status, limit: Math.min(limit, 100) }, { signal });
        // The first page comes before the header, so a rejected query prints only the error.
        let next = await jobs.next();
        out(`${pad('ID', 36)}  ${pad('STATUS', 9)}  ${pad('NAME', 24)}  ${pad('CREATED', 24)}  MODEL`);
        for (let n = 0; !next.done && n < limit; n++, next = n < limit ? await jobs.next() : next) {
          const job = next.value;
          out(`${pad(job.id, 36)}  ${pad(job.status, 9)}  ${pad(job.name ?? '-', 24)}  ${pad(job.createdAt, 24)}  ${job.modelId ?? '-'}`);
        }
        await jobs.return();
        return 0;
      }
      case 'cancel': {
        const [id] = positionals(args, ['jobId'], 'cancel');
        const res = await client.cancelJob(id, { signal });
        out(res.status === 'cancelled' ? `${res.id} cancelled` : `${res.id} cancel requested (it was ${res.status}; it stops within a batch)`);
        return 0;
      }
      case 'retry': {
        const [id] = positionals(args, ['jobId'], 'retry');
        const fixes = values.fix ?? [];
        if (values['apply-fixes'] && fixes.length > 0) throw new UsageError('give either --apply-fixes (all fixes) or --fix <warning id> (some), not both');
        const patch = values.patch === undefined ? undefined : await readJson(values.patch, 'patch');
        if (patch !== undefined && !Array.isArray(patch)) throw new UsageError(`${values.patch} must hold a JSON Patch: an array of operations`);
        const applyFixes = values['apply-fixes'] ? true : fixes.length > 0 ? fixes : undefined;
        if (applyFixes === undefined && patch === undefined && values.name === undefined)
          throw new UsageError('retry needs --apply-fixes, --fix, --patch or --name');
        const res = await client.retryJob(id, { applyFixes, patch: patch as never, name: values.name }, { signal });
        out(`${res.id} ${res.status} (retry of ${res.retryOf})`);
        return values.watch ? await watch(client, res.id, io) : 0;
      }
      case 'replay': {
        const [id] = positionals(args, ['jobId'], 'replay');
        const res = await client.replayJob(id, { signal });
        const note = res.replay && !res.replay.exact ? `; not bit-identical: ${res.replay.reason}` : '';
        out(`${res.id} ${res.status} (replay of ${res.retryOf}, seed ${res.replay?.seed ?? '?'}${note})`);
        return values.watch ? await watch(client, res.id, io) : 0;
      }
      case 'download': {
        const [id, dir] = positionals(args, ['modelId', 'dir'], 'download');
        const { modelJson, weights } = await client.downloadModel(id, { signal });
        // One weights file beside model.json, whatever the manifest was split into.
        const specs = (modelJson.weightsManifest ?? []).flatMap((g) => g.weights);
        const json = { ...modelJson, weightsManifest: [{ paths: ['weights.bin'], weights: specs }] };
        await mkdir(dir, { recursive: true });
        await writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
        await writeFile(path.join(dir, 'weights.bin'), new Uint8Array(weights));
        out(`wrote ${path.join(dir, 'model.json')} and ${path.join(dir, 'weights.bin')} (${weights.byteLength} bytes, ${specs.length} weight tensors)`);
        return 0;
      }
      case 'export': {
        const [id] = positionals(args, ['modelId'], 'export');
        const format = values.format ?? 'onnx';
        if (format !== 'onnx' && format !== 'tfjs') throw new UsageError(`--format must be onnx or tfjs, not ${format}`);
        const file = await client.exportModel(id, format, { signal });
        // The name from the service, without any directory in it.
        const target = values.output ?? path.basename(file.fileName);
        await writeFile(target, new Uint8Array(file.bytes));
        out(`wrote ${target} (${file.bytes.byteLength} bytes, ${format === 'onnx' ? 'ONNX' : 'TensorFlow.js model.json + weights.bin in a ZIP'})`);
        return 0;
      }
      case 'predict': {
        const [id, file] = positionals(args, ['modelId', 'inputs.json'], 'predict');
        const body = await readJson(file, 'inputs');
        const inputs = (Array.isArray(body) ? body : (body as { inputs?: unknown })?.inputs) as PredictInputs | undefined;
        if (!Array.isArray(inputs)) throw new UsageError(`${file} must hold { "inputs": [...] } or an array of samples`);
        // The file's MC dropout request goes to the service as it is: the service checks it.
        const mcDropout = Array.isArray(body) ? undefined : (body as { mcDropout?: PredictOptions['mcDropout'] }).mcDropout;
        const { outputs, std } = await client.predict(id, inputs, { signal, mcDropout });
        const rows = (values: number[][]) => `[\n${values.map((row) => `  ${JSON.stringify(row)}`).join(',\n')}\n]`;
        // With MC dropout, the mean and its standard deviation as one JSON object.
        out(std ? `{\n"outputs": ${rows(outputs)},\n"std": ${rows(std)}\n}` : rows(outputs));
        return 0;
      }
      case 'study':
        return await runStudyCommand(client, args, { watch: values.watch, preset: values.preset }, io);
      case 'webhooks':
        return await runWebhooksCommand(client, args, { event: values.event, description: values.description, status: values.status, limit: values.limit }, io);
      default: {
        const code = await runAdminCommand(command, args, client, { name: values.name, tenant: values.tenant, signal }, out);
        if (code === null) throw new UsageError(`unknown command "${command}"`);
        return code;
      }
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(`error: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof ApiError) {
      err(`error: ${e.message} (HTTP ${e.status} ${e.code})`);
      for (const d of e.details) err(`  ${d.path || '/'}: ${d.message}`);
      return e.status === 400 ? 2 : 1;
    }
    const cause = (e as { cause?: { code?: string } }).cause;
    err(`error: ${(e as Error).message}${cause?.code ? ` (${cause.code})` : ''}`);
    return 1;
  }
}
