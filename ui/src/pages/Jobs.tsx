import { useCallback, useState } from 'preact/hooks';
import { ErrorNote, StatusBadge, WarningBadges } from '../components/Badges.js';
import { Pager } from '../components/Pager.js';
import { api } from '../lib/api.js';
import { fmtDate, fmtDuration, fmtNumber, fmtPercent, shortId } from '../lib/format.js';
import { href, navigate } from '../lib/router.js';
import type { Job, Page } from '../lib/types.js';
import { useAsync, useInterval } from '../lib/use-async.js';
import { useCursorPages } from '../lib/use-cursor-pages.js';

const STATUSES = ['', 'queued', 'running', 'succeeded', 'failed', 'cancelled'];
const PAGE_SIZE = 20;

/** All jobs, newest first, filtered by status and name; refreshed while any is queued or running. */
export function JobsPage() {
  const [status, setStatus] = useState('');
  const [name, setName] = useState('');
  const pages = useCursorPages();
  const { cursor } = pages;
  const [selected, setSelected] = useState<string[]>([]);
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (status) query.set('status', status);
  if (name.trim()) query.set('name', name.trim());
  if (cursor) query.set('cursor', cursor);
  const page = useAsync((signal) => api<Page<Job>>(`/jobs?${query}`, { signal }), [query.toString()]);
  const live = (page.data?.items ?? []).some((j) => j.status === 'queued' || j.status === 'running') || !page.data?.items.length;
  useInterval(
    useCallback(() => page.reload(), [page.reload]),
    live ? 2000 : 10000,
  );

  const resetPaging = () => pages.reset();
  const toggle = (id: string) => setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : s.length >= 8 ? s : [...s, id]));

  return (
    <section>
      <header class="page-head">
        <h1>Jobs</h1>
        <a class="button" href="#/new">
          New job
        </a>
      </header>
      <div class="toolbar" role="search">
        <label>
          Status{' '}
          <select value={status} onChange={(e) => (setStatus((e.target as HTMLSelectElement).value), resetPaging())}>
            {STATUSES.map((s) => (
              <option value={s}>{s || 'any'}</option>
            ))}
          </select>
        </label>
        <label>
          Name <input type="search" value={name} placeholder="contains…" onInput={(e) => (setName((e.target as HTMLInputElement).value), resetPaging())} />
        </label>
        <button disabled={selected.length < 2} onClick={() => navigate(`/compare?ids=${selected.join(',')}`)}>
          Compare {selected.length ? `(${selected.length})` : ''}
        </button>
        <span class="muted">{selected.length < 2 ? 'tick 2–8 jobs to compare' : ''}</span>
      </div>
      <ErrorNote error={page.error} />
      <div class="table-scroll">
        <table class="jobs">
          <thead>
            <tr>
              <th scope="col">
                <span class="sr-only">Select</span>
              </th>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Backend</th>
              <th scope="col">Started</th>
              <th scope="col">Duration</th>
              <th scope="col">Epoch</th>
              <th scope="col">Loss</th>
              <th scope="col">Accuracy</th>
              <th scope="col">Val accuracy</th>
              <th scope="col">Warnings</th>
            </tr>
          </thead>
          <tbody>
            {page.data?.items.map((j) => (
              <tr key={j.id} data-job={j.id}>
                <td>
                  <input type="checkbox" aria-label={`Select ${j.name ?? j.id} to compare`} checked={selected.includes(j.id)} onChange={() => toggle(j.id)} />
                </td>
                <td>
                  <a href={href('jobs', j.id)}>{j.name ?? shortId(j.id)}</a>
                </td>
                <td>
                  <StatusBadge status={j.status} />
                </td>
                <td>{j.backend ?? '–'}</td>
                <td>{fmtDate(j.startedAt)}</td>
                <td>{fmtDuration(j.startedAt, j.finishedAt)}</td>
                <td class="num">{j.metrics?.epoch ?? '–'}</td>
                <td class="num">{fmtNumber(j.metrics?.loss)}</td>
                <td class="num">{fmtPercent(j.metrics?.accuracy)}</td>
                <td class="num">{fmtPercent(j.metrics?.val_accuracy)}</td>
                <td>
                  <WarningBadges warnings={j.warnings} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {page.data && !page.data.items.length && <p class="muted">No jobs{status || name ? ' match these filters' : ' yet: start one from New job'}.</p>}
      <Pager pages={pages} nextCursor={page.data?.nextCursor} />
    </section>
  );
}
