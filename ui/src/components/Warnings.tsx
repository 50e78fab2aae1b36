import { useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { navigate } from '../lib/router.js';
import type { JobWarning } from '../lib/types.js';
import { ErrorNote } from './Badges.js';

/**
 * The diagnosis's warnings with their advice. Where one carries a `fix` (a JSON Patch on the
 * spec), "Retry with this fix" submits a new job with it applied (POST /jobs/:id/retry).
 */
export function Warnings({ jobId, warnings }: { jobId: string; warnings: JobWarning[] }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (!warnings.length) return <p class="muted">No warnings: gradients, activations and loss look healthy so far.</p>;
  const retry = async (applyFixes: true | string[]) => {
    setBusy(true);
    try {
      const created = await api<{ id: string }>(`/jobs/${encodeURIComponent(jobId)}/retry`, { method: 'POST', body: { applyFixes } });
      navigate(`/jobs/${created.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const fixable = warnings.filter((w) => w.fix && w.id);
  return (
    <div class="warnings">
      <ErrorNote error={error} />
      {fixable.length > 1 && (
        <button disabled={busy} onClick={() => retry(true)}>
          Retry with all {fixable.length} fixes
        </button>
      )}
      <ul>
        {warnings.map((w) => (
          <li class={`warning warn-${w.severity ?? 'warning'}`}>
            <strong>{w.kind.replace(/_/g, ' ')}</strong>
            {w.layer && (
              <>
                {' '}
                in <code>{w.layer}</code>
              </>
            )}
            {w.epoch !== null && <> at epoch {w.epoch}</>}
            {w.severity && <span class={`badge warn-${w.severity}`}>{w.severity}</span>}
            <p>{w.message}</p>
            {w.advice && <p class="advice">{w.advice}</p>}
            {w.fix && w.id && (
              <button disabled={busy} onClick={() => retry([w.id!])}>
                Retry with this fix
              </button>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
