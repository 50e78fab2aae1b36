import { useMemo, useState } from 'preact/hooks';
import { ErrorNote, StatusBadge } from '../components/Badges.js';
import { LineChart } from '../components/LineChart.js';
import { api } from '../lib/api.js';
import { OKABE_ITO } from '../lib/colors.js';
import { shortId } from '../lib/format.js';
import { href, navigate } from '../lib/router.js';
import { diffSpecs } from '../lib/spec-diff.js';
import type { EpochMetrics, Job, Metrics, Page } from '../lib/types.js';
import { useAsync } from '../lib/use-async.js';

const METRICS = ['val_loss', 'loss', 'val_accuracy', 'accuracy'] as const;

/** 2-8 jobs: their curves overlaid and their specs side by side, differences highlighted. */
export function ComparePage({ ids }: { ids: string[] }) {
  if (ids.length < 2) return <ComparePicker initial={ids} />;
  return <Comparison ids={ids.slice(0, 8)} />;
}

function Comparison({ ids }: { ids: string[] }) {
  const [onlyDiffs, setOnlyDiffs] = useState(true);
  const runs = useAsync(
    (signal) =>
      Promise.all(
        ids.map(async (id) => {
          const [job, metrics] = await Promise.all([
            api<Job>(`/jobs/${encodeURIComponent(id)}`, { signal }),
            api<Metrics>(`/jobs/${encodeURIComponent(id)}/metrics`, { signal }),
          ]);
          return { job, epochs: metrics.epochs };
        }),
      ),
    [ids.join(',')],
  );
  const rows = useMemo(() => (runs.data ? diffSpecs(runs.data.map((r) => r.job.spec)) : []), [runs.data]);
  if (runs.error) return <ErrorNote error={runs.error} />;
  if (!runs.data) return <p>Loading…</p>;
  const names = runs.data.map((r) => r.job.name ?? shortId(r.job.id));
  const shown = onlyDiffs ? rows.filter((r) => r.differs) : rows;
  return (
    <section>
      <header class="page-head">
        <h1>Compare {ids.length} jobs</h1>
        <a class="button secondary" href={`#/compare?pick=${ids.join(',')}`}>
          Change selection
        </a>
      </header>
      <ul class="legend-list">
        {runs.data.map((r, i) => (
          <li>
            <span class="swatch" style={{ background: OKABE_ITO[i] }} /> <a href={href('jobs', r.job.id)}>{names[i]}</a> <StatusBadge status={r.job.status} />
          </li>
        ))}
      </ul>
      <div class="curves">
        {METRICS.map((m) => (
          <OverlaidChart metric={m} names={names} runs={runs.data!.map((r) => r.epochs)} />
        ))}
      </div>
      <h2>Specs</h2>
      <label>
        <input type="checkbox" checked={onlyDiffs} onChange={() => setOnlyDiffs(!onlyDiffs)} /> only the differences ({rows.filter((r) => r.differs).length} of{' '}
        {rows.length} fields)
      </label>
      <div class="table-scroll">
        <table class="spec-diff">
          <thead>
            <tr>
              <th scope="col">Field</th>
              {names.map((n) => (
                <th scope="col">{n}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr class={r.differs ? 'differs' : ''} data-path={r.path}>
                <th scope="row">
                  <code>{r.path}</code>
                </th>
                {r.values.map((v) => (
                  <td>{v === undefined ? <span class="muted">absent</span> : <code>{JSON.stringify(v)}</code>}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function OverlaidChart({ metric, names, runs }: { metric: (typeof METRICS)[number]; names: string[]; runs: EpochMetrics[][] }) {
  const { x, series } = useMemo(() => {
    const longest = Math.max(0, ...runs.map((r) => (r.length ? r[r.length - 1].epoch : 0)));
    const x = Array.from({ length: longest }, (_, i) => i + 1);
    const series = runs.map((epochs, i) => {
      const byEpoch = new Map(epochs.map((e) => [e.epoch, e[metric]]));
      return { label: names[i], color: OKABE_ITO[i], values: x.map((n) => byEpoch.get(n) ?? null) };
    });
    return { x, series };
  }, [runs, metric, names]);
  if (series.every((s) => s.values.every((v) => v === null))) return null;
  return <LineChart title={metric} x={x} series={series} yLabel={metric} height={220} />;
}

/** Choose the jobs to compare from the latest ones. */
function ComparePicker({ initial }: { initial: string[] }) {
  const preset = new URLSearchParams(location.hash.split('?')[1] ?? '').get('pick')?.split(',').filter(Boolean) ?? [];
  const [picked, setPicked] = useState<string[]>([...initial, ...preset]);
  const jobs = useAsync((signal) => api<Page<Job>>('/jobs?limit=100', { signal }), []);
  const toggle = (id: string) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : p.length >= 8 ? p : [...p, id]));
  return (
    <section>
      <h1>Compare jobs</h1>
      <p>Pick 2 to 8 jobs.</p>
      <ErrorNote error={jobs.error} />
      <ul class="pick-list">
        {jobs.data?.items.map((j) => (
          <li>
            <label>
              <input type="checkbox" checked={picked.includes(j.id)} onChange={() => toggle(j.id)} /> {j.name ?? shortId(j.id)}{' '}
              <StatusBadge status={j.status} />
            </label>
          </li>
        ))}
      </ul>
      <button disabled={picked.length < 2} onClick={() => navigate(`/compare?ids=${picked.join(',')}`)}>
        Compare {picked.length}
      </button>
    </section>
  );
}
