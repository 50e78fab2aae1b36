import { useMemo, useState } from 'preact/hooks';
import { ErrorNote, StatusBadge } from '../components/Badges.js';
import { LineChart } from '../components/LineChart.js';
import { ParallelCoordinates } from '../components/ParallelCoordinates.js';
import { StudyRanking, type RankingRow } from '../components/StudyRanking.js';
import { availableMetrics, initialMetric, type CurveMetric } from '../lib/study-view.js';
import { api } from '../lib/api.js';
import { colorTable } from '../lib/colors.js';
import { fmtDate, fmtNumber, fmtPercent, shortId } from '../lib/format.js';
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
  ranking: RankingRow[];
  effects?: Record<string, Array<{ value: unknown; mean: number; n: number; ci95?: [number, number] | null }>>;
  importance?: Record<string, number | null>;
  bestDistinguishable?: boolean | null;
  metricNote?: string;
  test?: string;
}
/** A study in the listing: `trials` is how many it plans. */
type StudySummary = Omit<Study, 'trials' | 'ranking'> & { trials: number };
type Test = 't' | 'wilcoxon';

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

/** A study: its ranking with intervals and paired comparisons, its trials in parallel coordinates, effects, and every trial's curve together, coloured by rank. */
export function StudyPage({ id }: { id: string }) {
  // null: the study's own metric, or the first one its trials have.
  const [chosen, setMetric] = useState<CurveMetric | null>(null);
  const [test, setTest] = useState<Test>('t');
  const study = useAsync(
    async (signal) => {
      const s = await api<Study>(`/studies/${encodeURIComponent(id)}?test=${test}`, { signal });
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
      return { s, curves, metrics: availableMetrics(curves.map((c) => ({ epochs: c.epochs as never }))) };
    },
    [id, test],
  );
  const metric: CurveMetric = chosen ?? (study.data ? initialMetric(study.data.s.metric, study.data.metrics) : 'loss');
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
        {s.method} search, {s.trials.length} trials, ranked by {s.metric} ({s.mode === 'min' ? 'lower' : 'higher'} is better).{' '}
        <span class="muted metric-note">{s.metricNote}</span>
      </p>
      <h2>Ranking</h2>
      <p>
        <label>
          Test against the best{' '}
          <select class="study-test" value={test} onChange={(e) => setTest((e.target as HTMLSelectElement).value as Test)}>
            <option value="t">paired t-test</option>
            <option value="wilcoxon">Wilcoxon signed-rank</option>
          </select>
        </label>{' '}
        {s.bestDistinguishable === true && <span class="best-verdict">The best is distinguishable from every other configuration (p &lt; 0.05).</span>}
        {s.bestDistinguishable === false && (
          <span class="best-verdict">The best is not distinguishable from every other configuration: those marked tie are within the noise.</span>
        )}
      </p>
      <StudyRanking rows={s.ranking} label={params} />
      <h2>Trials in parallel coordinates</h2>
      <ParallelCoordinates trials={s.trials} metric={s.metric} mode={s.mode} />
      <Effects study={s} />
      <h2>Trials' curves</h2>
      <label>
        Metric{' '}
        <select class="curve-metric" value={metric} onChange={(e) => setMetric((e.target as HTMLSelectElement).value as CurveMetric)}>
          {(study.data.metrics.length ? study.data.metrics : [metric]).map((m) => (
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

/** Each parameter: the mean metric per value with its 95% interval, and its share of the metric's variance. */
function Effects({ study }: { study: Study }) {
  const entries = Object.entries(study.effects ?? {});
  if (!entries.length) return null;
  return (
    <>
      <h2>Effects</h2>
      <div class="table-scroll">
        <table class="effects">
          <thead>
            <tr>
              <th scope="col">Parameter</th>
              <th scope="col">Share of variance</th>
              <th scope="col">Value: mean [95% interval] (n)</th>
            </tr>
          </thead>
          <tbody>
            {entries.map(([key, rows]) => (
              <tr>
                <td>
                  <code>{key}</code>
                </td>
                <td class="num">{fmtPercent(study.importance?.[key])}</td>
                <td>
                  {rows.map((r) => (
                    <span class="effect">
                      <code>{typeof r.value === 'string' ? r.value : JSON.stringify(r.value)}</code> {fmtNumber(r.mean)}
                      {r.ci95 ? ` [${fmtNumber(r.ci95[0])}, ${fmtNumber(r.ci95[1])}]` : ''} ({r.n}){' '}
                    </span>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
