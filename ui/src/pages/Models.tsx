import { useState } from 'preact/hooks';
import { ErrorNote } from '../components/Badges.js';
import { Pager } from '../components/Pager.js';
import { api } from '../lib/api.js';
import { fmtDate, shortId } from '../lib/format.js';
import { href } from '../lib/router.js';
import type { ModelInfo, Page } from '../lib/types.js';
import { useAsync } from '../lib/use-async.js';
import { useCursorPages } from '../lib/use-cursor-pages.js';

/** The model registry: every stored model, newest first; a name filter lists its versions. */
export function ModelsPage() {
  const [name, setName] = useState('');
  const pages = useCursorPages();
  const { cursor } = pages;
  const query = new URLSearchParams({ limit: '20' });
  if (name.trim()) query.set('name', name.trim());
  if (cursor) query.set('cursor', cursor);
  const page = useAsync((signal) => api<Page<ModelInfo>>(`/models?${query}`, { signal }), [query.toString()]);
  return (
    <section>
      <h1>Models</h1>
      <div class="toolbar" role="search">
        <label>
          Registered name{' '}
          <input
            type="search"
            value={name}
            placeholder="exact name"
            onInput={(e) => {
              setName((e.target as HTMLInputElement).value);
              pages.reset();
            }}
          />
        </label>
      </div>
      <ErrorNote error={page.error} />
      <div class="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Name</th>
              <th scope="col">Version</th>
              <th scope="col">Source</th>
              <th scope="col">Input</th>
              <th scope="col">Params</th>
              <th scope="col">Base</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {page.data?.items.map((m) => (
              <tr data-model={m.id}>
                <td>
                  <a href={href('models', m.id)}>{shortId(m.id)}</a>
                </td>
                <td>
                  {m.name ? (
                    <button class="link" onClick={() => setName(m.name!)}>
                      {m.name}
                    </button>
                  ) : (
                    <span class="muted">unregistered</span>
                  )}
                </td>
                <td class="num">{m.version ?? '–'}</td>
                <td>{m.source}</td>
                <td>
                  <code>[{m.inputShape.join(', ')}]</code>
                </td>
                <td class="num">{m.summary.totalParams.toLocaleString()}</td>
                <td>{m.lineage.baseModelId ? <a href={href('models', m.lineage.baseModelId)}>{shortId(m.lineage.baseModelId)}</a> : '–'}</td>
                <td>{fmtDate(m.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {page.data && !page.data.items.length && <p class="muted">No models{name ? ` named ${name}` : ' yet: a job that succeeds stores one'}.</p>}
      <Pager pages={pages} nextCursor={page.data?.nextCursor} />
    </section>
  );
}
