import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ErrorNote } from '../components/Badges.js';
import { ApiError } from '../../../src/sdk/index.js';
import { api } from '../lib/api.js';
import { locatePointer, syntaxErrors, type TextRange } from '../lib/json-position.js';
import { RECIPES, type Recipe } from '../lib/recipes.js';
import { navigate } from '../lib/router.js';
import type { Job, ModelInfo, Page } from '../lib/types.js';
import { validateSpec } from '../lib/validate-spec.js';

interface Problem {
  path: string;
  message: string;
  range: TextRange | null;
  source: 'syntax' | 'schema' | 'server';
}

const pretty = (v: unknown) => JSON.stringify(v, null, 2);

/** Problems of the text: JSON syntax first, else the API's schema, each placed at its field. */
function check(text: string): Problem[] {
  const syntax = syntaxErrors(text);
  if (syntax.length) return syntax.map((e) => ({ path: '', message: `JSON: ${e.message}`, range: e.range, source: 'syntax' }));
  return validateSpec(JSON.parse(text)).map((e) => ({ ...e, range: locatePointer(text, e.path), source: 'schema' }));
}

/** A spec editor with the chapter's recipes as starting points; submit leads to the job's page. */
export function NewJobPage({ from }: { from: string | null }) {
  const [text, setText] = useState(() => pretty(RECIPES[0].spec));
  const [recipe, setRecipe] = useState<string | null>(RECIPES[0].id);
  const [serverProblems, setServerProblems] = useState<Problem[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLPreElement>(null);
  const problems = useMemo(() => check(text), [text]);
  const all = [...problems, ...serverProblems];
  const badLines = new Map<number, string>();
  for (const p of all) if (p.range && !badLines.has(p.range.line)) badLines.set(p.range.line, `${p.path || 'JSON'}: ${p.message}`);

  useEffect(() => {
    if (!from) return;
    api<Job>(`/jobs/${encodeURIComponent(from)}`).then((j) => {
      setText(pretty(j.spec));
      setRecipe(null);
    }, setError);
  }, [from]);

  const edit = (value: string) => {
    setText(value);
    setServerProblems([]);
  };
  const choose = async (r: Recipe) => {
    setRecipe(r.id);
    const spec = structuredClone(r.spec);
    if (r.id === 'transfer') {
      // Start from the newest stored model, if there is one.
      const latest = await api<Page<ModelInfo>>('/models?limit=1').catch(() => null);
      if (latest?.items[0]) (spec.base as { modelId: string }).modelId = latest.items[0].id;
    }
    edit(pretty(spec));
  };
  const jumpTo = (range: TextRange | null) => {
    const el = area.current!;
    el.focus();
    if (range) el.setSelectionRange(range.offset, range.offset + range.length);
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    if (problems.length) return jumpTo(problems[0].range);
    setBusy(true);
    setError(null);
    try {
      const created = await api<{ id: string }>('/jobs', { method: 'POST', body: JSON.parse(text) });
      navigate(`/jobs/${created.id}`);
    } catch (err) {
      if (err instanceof ApiError && err.details.length) {
        setServerProblems(err.details.map((d) => ({ ...d, range: locatePointer(text, d.path), source: 'server' })));
      }
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const lines = text.split('\n').length;
  return (
    <section class="new-job">
      <h1>New job</h1>
      <div class="new-job-grid">
        <nav aria-label="Recipes" class="recipes">
          <h2>Start from a recipe</h2>
          <ul>
            {RECIPES.map((r) => (
              <li>
                <button class={recipe === r.id ? 'recipe chosen' : 'recipe'} aria-pressed={recipe === r.id} data-recipe={r.id} onClick={() => choose(r)}>
                  <strong>{r.title}</strong>
                  <span>{r.what}</span>
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <form onSubmit={submit} class="editor-form">
          <label for="spec-editor">Job spec (JSON, checked against the API's schema as you type)</label>
          <div class="editor">
            <pre class="gutter" ref={gutter} aria-hidden="true">
              {Array.from({ length: lines }, (_, i) => (
                <span class={badLines.has(i + 1) ? 'bad' : ''} title={badLines.get(i + 1)}>
                  {i + 1}
                  {'\n'}
                </span>
              ))}
            </pre>
            <textarea
              id="spec-editor"
              ref={area}
              spellcheck={false}
              value={text}
              aria-invalid={all.length > 0}
              aria-describedby="spec-problems"
              onInput={(e) => edit((e.target as HTMLTextAreaElement).value)}
              onScroll={(e) => (gutter.current!.scrollTop = (e.target as HTMLTextAreaElement).scrollTop)}
            />
          </div>
          <div id="spec-problems" aria-live="polite">
            {all.length > 0 ? (
              <ul class="problems">
                {all.map((p) => (
                  <li data-path={p.path}>
                    <button type="button" class="link" onClick={() => jumpTo(p.range)}>
                      {p.range ? `line ${p.range.line}` : 'spec'}: <code>{p.path || '/'}</code>
                    </button>{' '}
                    {p.message}
                    {p.source === 'server' && <span class="muted"> (from the API)</span>}
                  </li>
                ))}
              </ul>
            ) : (
              <p class="ok">The spec matches the schema.</p>
            )}
          </div>
          <ErrorNote error={serverProblems.length ? null : error} />
          <button type="submit" disabled={busy || problems.length > 0}>
            {busy ? 'Submitting…' : 'Submit job'}
          </button>
        </form>
      </div>
    </section>
  );
}
