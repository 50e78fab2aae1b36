/**
 * The few resources the abuse corpus and the route fuzzer aim at: a dataset, a queued job, an
 * ended (cancelled) job, an imported model and a study. Made through the API with whatever
 * `send` is given (in-process inject in the suite, real HTTP in the bench), and small enough
 * that no builtin dataset needs to be on the machine.
 */
import { denseImport } from './dense-import.js';

export interface WireRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  payload?: string;
}

export interface WireAnswer {
  statusCode: number;
  body: string;
}

export type Send = (request: WireRequest) => Promise<WireAnswer>;

export interface AbuseFixtures {
  dataset: string;
  job: string;
  endedJob: string;
  model: string;
  study: string;
}

/** 24 samples of 4 features in 2 classes. */
export function fixtureDataset() {
  const features = Array.from({ length: 24 }, (_, i) => Array.from({ length: 4 }, (_, f) => Math.round(Math.sin(i * 7.3 + f * 1.7) * 1000) / 1000));
  return { name: 'abuse-fixture', features, labels: features.map((row) => (row[0] + row[1] > 0 ? 1 : 0)) };
}

/** A one-epoch job on the fixture dataset: Dense 8, Dense 2 softmax. */
export function fixtureJobSpec(datasetId: string) {
  return {
    name: 'abuse-fixture',
    dataset: { id: datasetId },
    model: {
      layers: [
        { type: 'Dense', units: 8, activation: 'relu' },
        { type: 'Dense', units: 2, activation: 'softmax' },
      ],
    },
    compile: { optimizer: { type: 'adam', learningRate: 0.01 }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
    fit: { epochs: 1, batchSize: 4, seed: 1 },
  };
}

/** The import of the fixture model (Dense 2 -> 3), and its weights' bytes for hand-made variants. */
export const fixtureImport = () => denseImport(2, 3);

async function create(send: Send, url: string, body: unknown, want = 201): Promise<{ id: string }> {
  const answer = await send(
    body === undefined ? { method: 'POST', url } : { method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) },
  );
  if (answer.statusCode !== want) throw new Error(`fixture POST ${url}: ${answer.statusCode} ${answer.body.slice(0, 500)}`);
  return JSON.parse(answer.body) as { id: string };
}

export async function createFixtures(send: Send): Promise<AbuseFixtures> {
  const dataset = (await create(send, '/datasets', fixtureDataset())).id;
  const spec = fixtureJobSpec(dataset);
  const job = (await create(send, '/jobs', spec)).id;
  const endedJob = (await create(send, '/jobs', { ...spec, name: 'abuse-fixture-ended' })).id;
  // A queued job ends `cancelled` at once.
  await create(send, `/jobs/${endedJob}/cancel`, undefined, 202);
  const model = (await create(send, '/models', { ...fixtureImport().payload, name: 'abuse-fixture' })).id;
  const study = (await create(send, '/studies', { name: 'abuse-fixture', base: spec, parameters: { '/fit/batchSize': [4, 8] }, method: 'grid' })).id;
  return { dataset, job, endedJob, model, study };
}
