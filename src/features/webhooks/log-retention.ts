/**
 * WEBHOOK_LOG_DAYS: ended deliveries (succeeded, or failed for good) leave the delivery log that
 * many days after their last attempt. Pending ones stay whatever their age: they still have
 * attempts to make. Deleted in batches, so a large backlog never holds one long transaction.
 */
import type { Db } from '../../infra/db/prisma.js';
import { schemaOf } from '../../infra/db/prisma.js';
import { quoteIdent } from '../../infra/db/sql.js';
import { every } from '../../infra/periodic.js';

const DAY_MS = 24 * 3600 * 1000;
const BATCH = 5_000;
/** Batches per sweep: the rest of a backlog waits for the next sweep. */
const MAX_BATCHES = 20;

/** Deletes ended deliveries older than `days`; returns how many. */
export async function sweepDeliveryLog(db: Db, days: number, now = Date.now()): Promise<number> {
  const t = `${quoteIdent(schemaOf(db) ?? 'public')}."WebhookDelivery"`;
  const before = new Date(now - days * DAY_MS);
  let deleted = 0;
  for (let i = 0; i < MAX_BATCHES; i++) {
    const count = await db.$executeRawUnsafe(
      `DELETE FROM ${t} WHERE id IN (
         SELECT id FROM ${t}
         WHERE status IN ('succeeded', 'failed') AND COALESCE("lastAttemptAt", "createdAt") < $1
         LIMIT $2)`,
      before,
      BATCH,
    );
    deleted += count;
    if (count < BATCH) break;
  }
  return deleted;
}

/** Runs {@link sweepDeliveryLog} every `intervalMs`. Returns the stop. */
export function startDeliveryLogSweep(db: Db, days: number, log: (msg: string) => void, intervalMs = 10 * 60_000): () => void {
  return every(
    intervalMs,
    async () => {
      const deleted = await sweepDeliveryLog(db, days);
      if (deleted) log(`retention: deleted ${deleted} ended webhook deliveries (WEBHOOK_LOG_DAYS=${days})`);
    },
    { onError: (err) => log(`the delivery-log sweep failed and will try again: ${(err as Error).message}`) },
  );
}
