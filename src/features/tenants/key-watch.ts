import type { Db } from '../../infra/db/prisma.js';
import { isUuid } from '../../core/ids.js';

/** Why a stream was ended: sent as its last event, in the body a new request with the key would get (a 401's). */
export interface KeyEnded {
  error: 'unauthorized';
  message: string;
  details: [];
}

/**
 * How often the keys of open streams are read again: at most this long passes before a key
 * revoked on another API instance, or one that expired, ends this instance's streams.
 */
export const KEY_RECHECK_MS = 2_000;

/**
 * Ends the event streams of a key once it is no longer valid (revoked, expired, or deleted with
 * its tenant). A request is authorized once, as it starts, but a stream lasts as long as its job.
 * The instance that revokes a key ends its own streams at once ({@link revoked}); besides, every
 * `intervalMs` each instance reads the keys its open streams were opened with, all in one query
 * (not one per stream), so a revocation made on any instance reaches every instance's streams.
 * The timer runs only while a stream with a stored key is open.
 */
export class KeyWatch {
  private readonly watched = new Map<string, Set<(ended: KeyEnded) => void>>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly intervalMs = KEY_RECHECK_MS,
  ) {}

  /** Calls `onEnd` once if the key stops being valid; the returned function stops watching. */
  watch(keyId: string | null, onEnd: (ended: KeyEnded) => void): () => void {
    // Open mode (no key) and ADMIN_API_KEY (not stored, cannot be revoked): nothing to watch.
    if (!keyId || !isUuid(keyId) || this.closed) return () => {};
    let ends = this.watched.get(keyId);
    if (!ends) this.watched.set(keyId, (ends = new Set()));
    ends.add(onEnd);
    this.schedule();
    const watching = ends;
    return () => {
      watching.delete(onEnd);
      if (watching.size === 0 && this.watched.get(keyId) === watching) this.watched.delete(keyId);
    };
  }

  /** The key was revoked through this instance: its streams here end now, not at the next check. */
  revoked(keyId: string): void {
    this.end(keyId, 'the API key was revoked');
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.watched.clear();
  }

  private end(keyId: string, message: string): void {
    const ends = this.watched.get(keyId);
    if (!ends) return;
    this.watched.delete(keyId);
    for (const onEnd of ends) onEnd({ error: 'unauthorized', message, details: [] });
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => void this.check(), this.intervalMs);
    // Never what keeps a process alive.
    this.timer.unref();
  }

  private async check(): Promise<void> {
    const ids = [...this.watched.keys()];
    try {
      const rows = ids.length ? await this.db.apiKey.findMany({ where: { id: { in: ids } }, select: { id: true, revokedAt: true, expiresAt: true } }) : [];
      const byId = new Map(rows.map((row) => [row.id, row]));
      const now = Date.now();
      for (const id of ids) {
        const row = byId.get(id);
        if (!row) this.end(id, 'the API key no longer exists');
        else if (row.revokedAt) this.end(id, 'the API key was revoked');
        else if (row.expiresAt && row.expiresAt.getTime() <= now) this.end(id, 'the API key expired');
      }
    } catch {
      // The database did not answer: the streams' own reads wait on it too. Ask again next time.
    } finally {
      this.timer = undefined;
      if (this.watched.size > 0) this.schedule();
    }
  }
}
