/**
 * GET /models/:id/export: a stored model as one file, in ONNX (converted in a model thread) or as
 * its TensorFlow.js artifact (model.json and weights.bin in a ZIP).
 */
import type { Principal } from '../../core/principal.js';
import type { Db } from '../../infra/db/prisma.js';
import type { ThreadPool } from '../../threads/pool.js';
import type { ExportMetadata } from '../../training/export/onnx/convert.js';
import { BUILTINS, isBuiltinName } from '../../data/index.js';
import { getArtifact, getModel } from './models.js';
import { zip } from './zip.js';

export type ExportFormat = 'onnx' | 'tfjs';

/** Who the ONNX file says wrote it (ModelProto.producer_name / producer_version). */
export const ONNX_PRODUCER = { name: 'tfjs-training-service', version: '0.1.0' };

export interface ExportedFile {
  fileName: string;
  contentType: string;
  body: Uint8Array;
}

interface JobSpecView {
  dataset?: { builtin?: string; classes?: number[] };
  compile?: { loss?: string };
}

/**
 * The class labels of a classifier's outputs, in output order, where its job knows them: the
 * names of a built-in dataset's classes, or the labels `dataset.classes` kept (renumbered 0..n-1).
 */
export function classLabels(spec: JobSpecView | null | undefined): string[] | null {
  if (!spec?.compile?.loss?.includes('crossentropy')) return null;
  const { builtin, classes } = spec.dataset ?? {};
  if (builtin && isBuiltinName(builtin)) {
    const names = BUILTINS[builtin].classNames;
    return classes ? classes.map((c) => names[c] ?? String(c)) : [...names];
  }
  return classes ? classes.map(String) : null;
}

/** A file name from the model's name (or id): letters, digits, dot, dash and underscore only. */
const fileStem = (name: string | null, version: number | null, id: string) =>
  name ? `${name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 100)}-v${version ?? 1}` : `model-${id}`;

async function onnxMetadata(db: Db, info: Awaited<ReturnType<typeof getModel>>, preprocessing: unknown): Promise<ExportMetadata> {
  const run = info.jobId ? await db.run.findUnique({ where: { id: info.jobId }, select: { spec: true } }) : null;
  const labels = classLabels(run?.spec as JobSpecView | undefined);
  const props: Record<string, string> = { model_id: info.id, input_layout: 'channels_last' };
  if (labels) props['classes'] = JSON.stringify(labels);
  if (preprocessing) props['preprocessing'] = JSON.stringify(preprocessing);
  return {
    name: info.name ?? `model-${info.id}`,
    version: info.version ?? 1,
    producerName: ONNX_PRODUCER.name,
    producerVersion: ONNX_PRODUCER.version,
    description: preprocessing ? 'Standardize inputs with metadata "preprocessing" (x - mean) / std, as the service does, before running.' : '',
    props,
  };
}

/** The model as one file; 404 unless the caller may read it, 400 naming a layer ONNX cannot express. */
export async function exportModel(deps: { db: Db; threads: ThreadPool }, who: Principal, id: string, format: ExportFormat): Promise<ExportedFile> {
  const info = await getModel(deps.db, who, id);
  const { modelJson, weights, preprocessing } = await getArtifact(deps.db, id, who);
  const stem = fileStem(info.name, info.version, info.id);
  if (format === 'tfjs') {
    const json = Buffer.from(JSON.stringify(modelJson));
    const body = await zip([
      { name: 'model.json', data: json },
      // The name every stored model.json's weights manifest gives (training/model/artifact.ts; not imported: it loads tfjs).
      { name: 'weights.bin', data: weights },
    ]);
    return { fileName: `${stem}.zip`, contentType: 'application/zip', body };
  }
  const meta = await onnxMetadata(deps.db, info, preprocessing ?? (modelJson['userDefinedMetadata'] as { preprocessing?: unknown } | undefined)?.preprocessing);
  // A copy the thread then owns (moved, not cloned).
  const bytes = new Uint8Array(weights);
  const body = await deps.threads.run('exportOnnx', { modelJson, weights: bytes, meta }, { transfer: [bytes.buffer] });
  return { fileName: `${stem}.onnx`, contentType: 'application/octet-stream', body };
}
