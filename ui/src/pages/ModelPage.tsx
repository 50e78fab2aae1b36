import { useState } from 'preact/hooks';
import { ErrorNote } from '../components/Badges.js';
import { LineageGraph } from '../components/LineageGraph.js';
import { PredictPanel } from '../components/PredictPanel.js';
import { api, authFetch } from '../lib/api.js';
import { client } from '../lib/client.js';
import { fmtDate, shortId } from '../lib/format.js';
import { builtinClassNames } from '../lib/image-input.js';
import type { LineageNode } from '../lib/lineage.js';
import { href } from '../lib/router.js';
import type { Job, ModelInfo, Page } from '../lib/types.js';
import { useAsync } from '../lib/use-async.js';

/** How many models are scanned for ones derived from this one (the API has no reverse index). */
const MAX_SCANNED = 500;

const label = (m: ModelInfo) => (m.name ? `${m.name} v${m.version}` : shortId(m.id));
const toNode = (m: ModelInfo): LineageNode => ({ id: m.id, label: label(m), baseModelId: m.lineage.baseModelId });

async function loadFamily(model: ModelInfo, signal: AbortSignal) {
  const ancestors: LineageNode[] = [];
  for (let base = model.lineage.baseModelId; base && ancestors.length < 20;) {
    const m = await api<ModelInfo>(`/models/${encodeURIComponent(base)}`, { signal }).catch(() => null);
    if (!m) break;
    ancestors.push(toNode(m));
    base = m.lineage.baseModelId;
  }
  const known: LineageNode[] = [toNode(model)];
  for (let cursor: string | null = ''; cursor !== null && known.length < MAX_SCANNED;) {
    const page: Page<ModelInfo> = await api(`/models?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { signal });
    known.push(...page.items.filter((m) => m.id !== model.id).map(toNode));
    cursor = page.nextCursor;
  }
  return { ancestors, known };
}

/** One model: layer summary with Keras counts, lineage, download, and a predict panel. */
export function ModelPage({ id }: { id: string }) {
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const model = useAsync(
    async (signal) => {
      const m = await api<ModelInfo>(`/models/${encodeURIComponent(id)}`, { signal });
      const [family, job] = await Promise.all([
        loadFamily(m, signal),
        m.jobId ? api<Job>(`/jobs/${encodeURIComponent(m.jobId)}`, { signal }).catch(() => null) : null,
      ]);
      const dataset = (job?.spec as { dataset?: { builtin?: string; classes?: number[] } } | undefined)?.dataset;
      return { m, family, job, classNames: builtinClassNames(dataset) };
    },
    [id],
  );
  if (model.error) return <ErrorNote error={model.error} />;
  if (!model.data) return <p>Loading…</p>;
  const { m, family, job, classNames } = model.data;

  // A plain link cannot carry the API key, so the files are fetched and handed over as blobs.
  const save = (blob: Blob, file: string) => {
    const url = URL.createObjectURL(blob);
    const a = Object.assign(document.createElement('a'), { href: url, download: file });
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  const download = async (file: string) => {
    try {
      const res = await authFetch(`/models/${encodeURIComponent(id)}/artifact/${file}`);
      if (!res.ok) throw new Error(`download failed: HTTP ${res.status}`);
      save(await res.blob(), file);
    } catch (err) {
      setDownloadError(err);
    }
  };
  // The export's error (a layer ONNX cannot express) is the service's message, shown as it is.
  const exportAs = async (format: 'onnx' | 'tfjs') => {
    try {
      setDownloadError(null);
      const file = await client.exportModel(id, format);
      save(new Blob([file.bytes], { type: file.contentType }), file.fileName);
    } catch (err) {
      setDownloadError(err);
    }
  };

  return (
    <section>
      <header class="page-head">
        <h1>Model {label(m)}</h1>
        <button onClick={() => download('model.json')}>Download model.json</button>
        <button onClick={() => download('weights.bin')}>Download weights.bin</button>
        <button onClick={() => exportAs('onnx')} title="For ONNX Runtime: input `input`, output `output`, channels last, any batch size">
          Export ONNX
        </button>
        <button onClick={() => exportAs('tfjs')}>Export TF.js (.zip)</button>
      </header>
      <ErrorNote error={downloadError} />
      <dl class="facts">
        <dt>Id</dt>
        <dd>
          <code>{m.id}</code>
        </dd>
        <dt>Source</dt>
        <dd>
          {m.source}
          {job && (
            <>
              {' '}
              by job <a href={href('jobs', job.id)}>{job.name ?? shortId(job.id)}</a>
            </>
          )}
        </dd>
        <dt>Created</dt>
        <dd>{fmtDate(m.createdAt)}</dd>
        <dt>Input</dt>
        <dd>
          <code>[{m.inputShape.join(', ')}]</code>
        </dd>
      </dl>
      <h2>Lineage</h2>
      <div class="lineage-box">
        <LineageGraph currentId={m.id} ancestors={family.ancestors} known={family.known} />
      </div>
      {m.lineage.reusedLayers.length > 0 && <p class="muted">Reused from the base: {m.lineage.reusedLayers.join(', ')}</p>}
      <h2>Layers</h2>
      <div class="table-scroll">
        <table class="summary">
          <thead>
            <tr>
              <th scope="col">Layer (type)</th>
              <th scope="col">Output shape</th>
              <th scope="col">Param #</th>
              <th scope="col">Trainable</th>
            </tr>
          </thead>
          <tbody>
            {m.summary.layers.map((l) => (
              <tr>
                <td>
                  {l.name} ({l.type})
                </td>
                <td>
                  <code>({l.outputShape.map((d) => d ?? 'None').join(', ')})</code>
                </td>
                <td class="num">{l.params.toLocaleString()}</td>
                <td>{l.trainable ? 'yes' : 'frozen'}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">Total params</th>
              <td />
              <td class="num">{m.summary.totalParams.toLocaleString()}</td>
              <td />
            </tr>
            <tr>
              <th scope="row">Trainable params</th>
              <td />
              <td class="num">{m.summary.trainableParams.toLocaleString()}</td>
              <td />
            </tr>
            <tr>
              <th scope="row">Non-trainable params</th>
              <td />
              <td class="num">{m.summary.nonTrainableParams.toLocaleString()}</td>
              <td />
            </tr>
          </tfoot>
        </table>
      </div>
      <h2>Predict</h2>
      <PredictPanel modelId={m.id} inputShape={m.inputShape} classNames={classNames} />
    </section>
  );
}
