import type { JobWarning } from '../lib/types.js';

export function StatusBadge({ status }: { status: string }) {
  return (
    <span class={`badge status-${status}`} data-status={status}>
      {status}
    </span>
  );
}

/** One badge per warning kind, worst severity first; the count when a kind repeats. */
export function WarningBadges({ warnings }: { warnings: JobWarning[] }) {
  const kinds = new Map<string, { n: number; severity: string }>();
  for (const w of warnings) {
    const k = kinds.get(w.kind) ?? { n: 0, severity: w.severity ?? 'warning' };
    k.n++;
    if (w.severity === 'critical') k.severity = 'critical';
    kinds.set(w.kind, k);
  }
  return (
    <span class="badges">
      {[...kinds].map(([kind, { n, severity }]) => (
        <span class={`badge warn-${severity}`} title={`${n} × ${kind.replace(/_/g, ' ')}`}>
          {kind.replace(/_/g, ' ')}
          {n > 1 ? ` ×${n}` : ''}
        </span>
      ))}
    </span>
  );
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {error instanceof Error ? error.message : String(error)}
    </p>
  );
}
