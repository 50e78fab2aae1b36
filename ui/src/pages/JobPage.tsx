import { useEffect, useRef, useState } from 'preact/hooks';
import { ErrorNote, StatusBadge } from '../components/Badges.js';
import { Curves } from '../components/Curves.js';
import { Heatmap } from '../components/Heatmap.js';
import { Warnings } from '../components/Warnings.js';
import { ReplayButton } from '../components/Replay.js';
import { api } from '../lib/api.js';
import { fmtDate, fmtDuration, fmtNumber, fmtPercent, shortId } from '../lib/format.js';
import { useJobStream } from '../lib/job-stream.js';
import { href } from '../lib/router.js';
import type { Diagnostics, Job } from '../lib/types.js';

const REFRESH_EVERY_MS = 1500;

/** One job: live curves, progress, the gradient heat-map, warnings, spec and outcome. */
export function JobPage({ id }: { id: string }) {
  const stream = useJobStream(id);
  const [job, setJob] = useState<(Job & { retryOf?: string | null; studyId?: string | null }) | null>(null);
  const [diagnostics, setDiagnostics] = useState<Diagnostics | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [cancelling, setCancelling] = useState(false);

  // The stream carries epochs and status; the job's other fields (warnings, evaluation, model)
  // and the diagnostics are read again when it says something changed - at most every
  // REFRESH_EVERY_MS, so a late client that gets 1,000 epochs at once reads them once.
  const lastRefresh = useRef(0);
  const diagnosticsFor = useRef<{ epochs: number } | null>(null);
  useEffect(() => {
    const wait = Math.max(0, lastRefresh.current + REFRESH_EVERY_MS - Date.now());
    const timer = setTimeout(() => {
      lastRefresh.current = Date.now();
      api<Job>(`/jobs/${encodeURIComponent(id)}`).then(setJob, setError);
      // The diagnostics grow by one entry per epoch (15 MB at 1,000 epochs x 100 layers): read them
      // only when the stream has epochs they lack.
      if (!diagnosticsFor.current || diagnosticsFor.current.epochs < stream.epochs.length || stream.epochs.length === 0) {
        api<Diagnostics>(`/jobs/${encodeURIComponent(id)}/diagnostics`).then(
          (d) => {
            diagnosticsFor.current = { epochs: d.epochs.length };
            setDiagnostics(d);
          },
          () => {},
        );
      }
    }, wait);
    return () => clearTimeout(timer);
  }, [id, stream.version]);

  if (error) return <ErrorNote error={error} />;
  if (!job) return <p>Loading…</p>;
  const status = stream.status ?? job.status;
  const spec = (job.spec ?? {}) as { name?: string; fit?: { epochs?: number }; fineTune?: { epochs?: number } };
  const totalEpochs = (spec.fit?.epochs ?? 0) + (spec.fineTune?.epochs ?? 0);
  const done = stream.epochs.length;
  const progress = stream.progress;
  const cancel = async () => {
    setCancelling(true);
    try {
      await api(`/jobs/${encodeURIComponent(id)}/cancel`, { method: 'POST' });
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section class="job-page">
      <header class="page-head">
        <h1>{job.name ?? `Job ${shortId(job.id)}`}</h1>
        <StatusBadge status={status} />
        {(status === 'queued' || status === 'running') && (
          <button class="danger" onClick={cancel} disabled={cancelling}>
            {cancelling ? 'Cancelling…' : 'Cancel job'}
          </button>
        )}
        <a class="button secondary" href={`#/new?from=${encodeURIComponent(id)}`}>
          Edit as new job
        </a>
        <ReplayButton jobId={job.id} />
      </header>
      <dl class="facts">
        <dt>Id</dt>
        <dd>
          <code>{job.id}</code>
        </dd>
        <dt>Backend</dt>
        <dd>{job.environment?.backendDetail ?? job.backend ?? '–'}</dd>
        <dt>Seed</dt>
        <dd>
          <code>{job.seed ?? '–'}</code>
        </dd>
        {job.environment && (
          <>
            <dt>Environment</dt>
            <dd class="environment">
              tfjs {job.environment.tfjs ?? '?'}, dataset <code title={job.environment.datasetSha256}>sha256 {job.environment.datasetSha256.slice(0, 12)}</code>
              , spec <code title={job.environment.specSha256}>sha256 {job.environment.specSha256.slice(0, 12)}</code>
            </dd>
          </>
        )}
        <dt>Submitted</dt>
        <dd>{fmtDate(job.createdAt)}</dd>
        <dt>Ran for</dt>
        <dd>{fmtDuration(job.startedAt, job.finishedAt)}</dd>
        <dt>Attempts</dt>
        <dd>
          {job.attempts}
          {job.resumedFromEpoch ? ` (resumed after epoch ${job.resumedFromEpoch})` : ''}
        </dd>
        {job.evaluation && (
          <>
            <dt>Evaluation</dt>
            <dd>
              loss {fmtNumber(job.evaluation.loss)}, accuracy {fmtPercent(job.evaluation.accuracy)}
            </dd>
          </>
        )}
        {job.modelId && (
          <>
            <dt>Model</dt>
            <dd>
              <a href={href('models', job.modelId)}>{shortId(job.modelId)}</a>
            </dd>
          </>
        )}
        {job.retryOf && (
          <>
            <dt>Retry of</dt>
            <dd>
              <a href={href('jobs', job.retryOf)}>{shortId(job.retryOf)}</a>
            </dd>
          </>
        )}
        {job.studyId && (
          <>
            <dt>Study</dt>
            <dd>
              <a href={href('studies', job.studyId)}>{shortId(job.studyId)}</a>
            </dd>
          </>
        )}
      </dl>
      {job.error && (
        <p class="error" role="alert">
          {job.error}
        </p>
      )}
      <div class="progress-block" aria-live="polite">
        <label>
          Epochs {done} / {totalEpochs || '?'}
          <progress max={totalEpochs || 1} value={done} />
        </label>
        {status === 'running' && progress && (
          <label>
            Epoch {progress.epoch}: batch {progress.batch} / {progress.batches}
            <progress class="epoch-progress" max={progress.batches || 1} value={progress.batch} />
          </label>
        )}
      </div>
      <Curves epochs={stream.epochs} totalEpochs={totalEpochs} />
      <h2>Gradient health</h2>
      <Heatmap epochs={diagnostics?.epochs ?? []} />
      <h2>Warnings</h2>
      <Warnings jobId={job.id} warnings={job.warnings} />
      <details>
        <summary>Spec</summary>
        <pre class="spec">{JSON.stringify(job.spec, null, 2)}</pre>
      </details>
    </section>
  );
}
