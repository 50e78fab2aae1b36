import { useMemo, useState } from 'preact/hooks';
import { ErrorNote, StatusBadge } from '../components/Badges.js';
import { LineChart } from '../components/LineChart.js';
import { api } from '../lib/api.js';
import { colorTable } from '../lib/colors.js';
import { fmtDate, fmtNumber, shortId } from '../lib/format.js';
import { href } from '../lib/router.js';
import type { Metrics, Page } from '../lib/types.js';
import { useAsync } from '../lib/use-async.js';

interface Trial {
  /** null while pending. */
  jobId: string | null;
  parameters: Record<string, unknown>;
  status: string;
  value: number | null;
}
interface Study {
  id: string;
  name: string | null;
  status: string;
  method: string;
  metric: string;
  mode: 'min' | 'max';
  createdAt?: string;
  trials: Trial[];
  ranking: Array<{
    parameters: Record<string, unknown>;
    mean: number | null;
    std: number | null;
    n: number;
    stopped?: number;
    failed?: number;
    warnings?: Record<string, number>;
    warningSummary?: string[];
  }>;
}
/** A study in the listing: `trials` is how many it plans. */
type StudySummary = Omit<Study, 'trials' | 'ranking'> & { trials: number };

/** How many trials' curves are drawn together. */
const MAX_CURVES = 60;
const params = (p: Record<string, unknown>) =>
  Object.entries(p)
    .map(([k, v]) => `${k.split('/').slice(-2).join('/')}=${JSON.stringify(v)}`)
    .join(', ');

export function StudiesPage() {
  const page = useAsync((signal) => api<Page<StudySummary>>('/studies?limit=50', { signal }), []);
  return (
    <section>
      <h1>Studies</h1>
      <ErrorNote error={page.error} />
      <div class="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Study</th>
              <th scope="col">Status</th>
              <th scope="col">Method</th>
              <th scope="col">Metric</th>
              <th scope="col">Trials</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {page.data?.items.map((s) => (
              <tr>
                <td>
                  <a href={href('studies', s.id)}>{s.name ?? shortId(s.id)}</a>
                </td>
                <td>
                  <StatusBadge status={s.status} />
                </td>
                <td>{s.method}</td>
                <td>
                  {s.metric} ({s.mode})
                </td>
                <td class="num">{s.trials}</td>
                <td>{fmtDate(s.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {page.data && !page.data.items.length && <p class="muted">No studies yet (POST /studies).</p>}
    </section>
  );
}

/** A study: its ranking, and every trial's validation curve together, coloured by rank. */
export function StudyPage({ id }: { id: string }) {
  const [metric, setMetric] = useState<'val_loss' | 'val_accuracy' | 'loss' | 'accuracy'>('val_loss');
  const study = useAsync(
    async (signal) => {
      const s = await api<Study>(`/studies/${encodeURIComponent(id)}`, { signal });
      const ranked = [...s.trials].sort((a, b) => (a.value ?? Infinity) * (s.mode === 'max' ? -1 : 1) - (b.value ?? Infinity) * (s.mode === 'max' ? -1 : 1));
      const curves = await Promise.all(
        ranked
          .filter((t) => t.jobId)
          .slice(0, MAX_CURVES)
          .map(async (t) => ({
            trial: t,
            epochs: (await api<Metrics>(`/jobs/${encodeURIComponent(t.jobId!)}/metrics`, { signal }).catch(() => ({ epochs: [] }))).epochs,
          })),
      );
      return { s, curves };
    },
    [id],
  );
  const chart = useMemo(() => {
    if (!study.data) return null;
    const table = colorTable('viridis');
    const { curves } = study.data;
    const longest = Math.max(0, ...curves.map((c) => c.epochs.length));
    const x = Array.from({ length: longest }, (_, i) => i + 1);
    // Best trial darkest; the scale stops short of the lightest yellow, which is hard to see on white.
    const series = curves.map((c, rank) => {
      const t = Math.round((rank / Math.max(1, curves.length - 1)) * 200) * 3;
      const byEpoch = new Map(c.epochs.map((e) => [e.epoch, e[metric]]));
      return {
        label: `#${rank + 1} ${params(c.trial.parameters)}`,
        color: `rgb(${table[t]},${table[t + 1]},${table[t + 2]})`,
        values: x.map((n) => byEpoch.get(n) ?? null),
      };
    });
    return { x, series };
  }, [study.data, metric]);
  if (study.error) return <ErrorNote error={study.error} />;
  if (!study.data) return <p>Loading…</p>;
  const { s } = study.data;
  return (
    <section>
      <header class="page-head">
        <h1>Study {s.name ?? shortId(s.id)}</h1>
        <StatusBadge status={s.status} />
      </header>
      <p>
        {s.method} search, {s.trials.length} trials, ranked by {s.metric} ({s.mode === 'min' ? 'lower' : 'higher'} is better).
      </p>
      <h2>Ranking</h2>
      <div class="table-scroll">
        <table class="ranking">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Parameters</th>
              <th scope="col">Mean</th>
              <th scope="col">Std</th>
              <th scope="col">n</th>
              <th scope="col">Stopped / failed</th>
              <th scope="col">Warnings</th>
            </tr>
          </thead>
          <tbody>
            {s.ranking.map((r, i) => (
              <tr>
                <td class="num">{i + 1}</td>
                <td>
                  <code>{params(r.parameters)}</code>
                </td>
                <td class="num">{fmtNumber(r.mean)}</td>
                <td class="num">{fmtNumber(r.std)}</td>
                <td class="num">{r.n}</td>
                <td class="num">
                  {r.stopped ?? 0} / {r.failed ?? 0}
                </td>
                <td title={r.warningSummary?.join('\n')}>
                  {Object.entries(r.warnings ?? {}).map(([k, n]) => (
                    <span class="badge warn-warning">
                      {k.replace(/_/g, ' ')} ×{n}
                    </span>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Trials' curves</h2>
      <label>
        Metric{' '}
        <select value={metric} onChange={(e) => setMetric((e.target as HTMLSelectElement).value as typeof metric)}>
          {['val_loss', 'val_accuracy', 'loss', 'accuracy'].map((m) => (
            <option value={m}>{m}</option>
          ))}
        </select>
      </label>
      {chart && <LineChart title={`${metric} of each trial (darkest = best)`} x={chart.x} series={chart.series} yLabel={metric} height={320} />}
      <h2>Trials</h2>
      <div class="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Parameters</th>
              <th scope="col">Status</th>
              <th scope="col">{s.metric}</th>
            </tr>
          </thead>
          <tbody>
            {s.trials.map((t) => (
              <tr>
                <td>{t.jobId ? <a href={href('jobs', t.jobId)}>{shortId(t.jobId)}</a> : <span class="muted">pending</span>}</td>
                <td>
                  <code>{params(t.parameters)}</code>
                </td>
                <td>
                  <StatusBadge status={t.status} />
                </td>
                <td class="num">{fmtNumber(t.value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
