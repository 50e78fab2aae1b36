import { useState } from 'preact/hooks';
import { client } from '../lib/client.js';
import { href, navigate } from '../lib/router.js';
import { shortId } from '../lib/format.js';
import { ErrorNote } from './Badges.js';

/**
 * "Replay": trains the job again with the same spec and seed (POST /jobs/:id/retry with no
 * patch). Where the backend promises bit-identical losses it opens the new job; where it does
 * not, it says why and links to it.
 */
export function ReplayButton({ jobId }: { jobId: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [inexact, setInexact] = useState<{ id: string; reason: string } | null>(null);
  const replay = async () => {
    setBusy(true);
    try {
      const created = await client.replayJob(jobId);
      if (created.replay && !created.replay.exact) setInexact({ id: created.id, reason: created.replay.reason ?? 'not exact' });
      else navigate(`/jobs/${created.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button class="secondary" onClick={replay} disabled={busy} title="Train again with the same spec and seed">
        {busy ? 'Replaying…' : 'Replay'}
      </button>
      <ErrorNote error={error} />
      {inexact && (
        <p class="muted replay-note" role="status">
          Replay <a href={href('jobs', inexact.id)}>{shortId(inexact.id)}</a> queued; its losses may differ slightly: {inexact.reason}.
        </p>
      )}
    </>
  );
}
