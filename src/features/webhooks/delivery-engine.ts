/**
 * Carrying deliveries out. The triggers write a pending row per event and webhook; a dispatcher
 * (dispatcher.ts: woken by their notifications, and on a slow poll) claims due rows and puts one
 * queue entry per attempt on the webhook queue; a queue worker makes the attempt and records it:
 * succeeded, failed for good, or pending again with the next retry queued, delayed by the
 * schedule. A claim lasts a lease: an attempt whose worker died (or whose retry never reached the
 * queue) is claimed again once the lease has run out.
 */
import type { Config } from '../../infra/config.js';
import { parseRetrySchedule } from '../../infra/config.js';
import type { Db } from '../../infra/db/prisma.js';
import { schemaOf } from '../../infra/db/prisma.js';
import { quoteIdent } from '../../infra/db/sql.js';
import { enqueueAttempts, type WebhookJobData, type WebhookQueue } from '../../infra/queue/webhook-queue.js';
import { SecretUnreadable } from '../../infra/secret-box.js';
import { parseAllowHosts } from './address-rules.js';
import { DestinationRefused, resolveDestination, type Resolver } from './destination.js';
import { webhookBody } from './payload.js';
import { sendOnce, type AttemptResult } from './send.js';
import { signatureHeaders, signingSecrets } from './signing.js';
import { fromStored, UNREADABLE_SECRET } from './stored-secrets.js';

export type DeliveryConfig = Pick<
  Config,
  'WEBHOOK_ALLOW_HOSTS' | 'WEBHOOK_RETRY_SCHEDULE' | 'WEBHOOK_TIMEOUT_S' | 'WEBHOOK_MAX_RESPONSE_KB' | 'WEBHOOK_DISABLE_AFTER_S' | 'SECRETS_KEY'
>;

export interface DeliveryDeps {
  db: Db;
  queue: WebhookQueue;
  config: DeliveryConfig;
  resolve?: Resolver;
}

/** Attempts kept in a delivery's history. */
const HISTORY = 20;

/** How long a claim holds beyond the attempt's own timeout, for the queue to hand it to a worker. */
const LEASE_MARGIN_MS = 60_000;

const leaseMs = (config: DeliveryConfig) => config.WEBHOOK_TIMEOUT_S * 1000 + LEASE_MARGIN_MS;

/** Most deliveries one claim takes. */
export const DISPATCH_BATCH = 500;

/**
 * Claims up to `limit` due deliveries (pending, due, unclaimed or with a lapsed claim) and queues
 * their next attempts. Several dispatchers may run: SKIP LOCKED gives each row to one. Returns how
 * many it queued.
 */
export async function dispatchDue(deps: DeliveryDeps, limit = DISPATCH_BATCH): Promise<number> {
  const t = `${quoteIdent(schemaOf(deps.db) ?? 'public')}."WebhookDelivery"`;
  const rows = await deps.db.$queryRawUnsafe<Array<{ id: string; attempts: number }>>(
    `UPDATE ${t} SET "lockedUntil" = (now() AT TIME ZONE 'UTC') + $1 * interval '1 millisecond'
     WHERE id IN (
       SELECT id FROM ${t}
       WHERE status = 'pending' AND "nextAttemptAt" <= (now() AT TIME ZONE 'UTC') AND ("lockedUntil" IS NULL OR "lockedUntil" < (now() AT TIME ZONE 'UTC'))
       ORDER BY "nextAttemptAt" LIMIT $2 FOR UPDATE SKIP LOCKED)
     RETURNING id::text AS id, attempts`,
    leaseMs(deps.config),
    limit,
  );
  if (rows.length > 0)
    await enqueueAttempts(
      deps.queue,
      rows.map((r) => ({ deliveryId: r.id, attempt: r.attempts })),
    );
  return rows.length;
}

/** One attempt, as the queue hands it out: nothing when the delivery has moved on since it was queued. */
export async function attemptDelivery(deps: DeliveryDeps, job: WebhookJobData): Promise<'skipped' | 'succeeded' | 'pending' | 'failed'> {
  const row = await findRow(deps.db, job.deliveryId);
  if (!row || row.status !== 'pending' || row.attempts !== job.attempt) return 'skipped';
  const now = new Date();
  if (row.webhook.disabledAt) {
    await deps.db.webhookDelivery.updateMany({
      where: { id: row.id, attempts: row.attempts, status: 'pending' },
      data: { status: 'failed', lastError: 'the webhook is disabled', nextAttemptAt: null, lockedUntil: null },
    });
    return 'failed';
  }
  const result = await attempt(deps, row, now);
  return record(deps, row, result, now);
}

type Row = NonNullable<Awaited<ReturnType<typeof findRow>>>;
const findRow = (db: Db, id: string) => db.webhookDelivery.findUnique({ where: { id }, include: { webhook: true } });

async function attempt(deps: DeliveryDeps, row: Row, now: Date): Promise<AttemptResult> {
  const { config } = deps;
  const body = webhookBody(row.event, row.createdAt, row.payload as { id: string });
  try {
    // Opened before anything is sent: a secret this process cannot read makes a failed attempt
    // that says why (the key can be fixed before the retries run out), not a crashed one.
    const secrets = openSecrets(config, row.webhook, now);
    // Resolved for this attempt, checked, and the connection made to that address: a name that
    // later resolves elsewhere (DNS rebinding) reaches nothing it was not checked for.
    const dest = await resolveDestination(row.webhook.url, parseAllowHosts(config.WEBHOOK_ALLOW_HOSTS), deps.resolve);
    const headers = signatureHeaders(row.id, now, body, secrets);
    return await sendOnce(dest, headers, body, { timeoutMs: config.WEBHOOK_TIMEOUT_S * 1000, maxResponseBytes: config.WEBHOOK_MAX_RESPONSE_KB * 1024 });
  } catch (err) {
    if (err instanceof SecretUnreadable) return { ok: false, responseStatus: null, responseMs: 0, error: UNREADABLE_SECRET };
    if (!(err instanceof DestinationRefused)) throw err;
    return { ok: false, responseStatus: null, responseMs: 0, error: `refused by the ${err.rule} rule before connecting: ${err.message}` };
  }
}

/**
 * The secrets an attempt signs with, opened: the current one must open (else SecretUnreadable); a
 * previous one that does not is left out, since the current one's signature is enough to verify.
 */
function openSecrets(config: DeliveryConfig, hook: Row['webhook'], now: Date): string[] {
  const [current, ...previous] = signingSecrets(hook, now);
  const readable = previous.flatMap((stored) => {
    try {
      return [fromStored(config, hook.id, stored)];
    } catch (err) {
      if (err instanceof SecretUnreadable) return [];
      throw err;
    }
  });
  return [fromStored(config, hook.id, current), ...readable];
}

/** Records an attempt; queues the next one when a retry is left. */
async function record(deps: DeliveryDeps, row: Row, result: AttemptResult, now: Date): Promise<'succeeded' | 'pending' | 'failed'> {
  const schedule = parseRetrySchedule(deps.config.WEBHOOK_RETRY_SCHEDULE);
  const attempts = row.attempts + 1;
  const waitS = schedule[attempts - row.scheduleBase - 1];
  const status = result.ok ? 'succeeded' : waitS === undefined ? 'failed' : 'pending';
  const next = status === 'pending' ? new Date(now.getTime() + waitS * 1000) : null;
  const entry = { at: now.toISOString(), responseStatus: result.responseStatus, responseMs: result.responseMs, error: result.error };
  const history = [...(Array.isArray(row.history) ? row.history : []), entry].slice(-HISTORY);
  const updated = await deps.db.webhookDelivery.updateMany({
    where: { id: row.id, attempts: row.attempts, status: 'pending' },
    data: {
      status,
      attempts,
      responseStatus: result.responseStatus,
      responseMs: result.responseMs,
      lastError: result.error,
      history,
      lastAttemptAt: now,
      nextAttemptAt: next,
      // The retry is queued below; should that fail, the dispatcher claims it once this lapses.
      lockedUntil: next ? new Date(next.getTime() + leaseMs(deps.config)) : null,
    },
  });
  if (updated.count === 0) return status;
  if (next) await enqueueAttempts(deps.queue, [{ deliveryId: row.id, attempt: attempts, delayMs: waitS * 1000 }]);
  // A secret this process cannot open is its own configuration's fault, not the receiver's: it
  // starts no failing streak, which would disable every webhook a worker without the key touched.
  if (result.error !== UNREADABLE_SECRET) await updateHealth(deps, row.webhook, result, now);
  return status;
}

/**
 * A success clears the webhook's failing streak; a failure starts one, and a streak older than
 * WEBHOOK_DISABLE_AFTER_S disables the webhook, saying why.
 */
async function updateHealth(deps: DeliveryDeps, hook: Row['webhook'], result: AttemptResult, now: Date): Promise<void> {
  const { db, config } = deps;
  if (result.ok) {
    if (hook.failingSince) await db.webhook.updateMany({ where: { id: hook.id, failingSince: { not: null } }, data: { failingSince: null } });
    return;
  }
  if (!hook.failingSince) {
    await db.webhook.updateMany({ where: { id: hook.id, failingSince: null }, data: { failingSince: now } });
    return;
  }
  const limitMs = config.WEBHOOK_DISABLE_AFTER_S * 1000;
  if (limitMs > 0 && now.getTime() - hook.failingSince.getTime() >= limitMs) {
    const reason = `every delivery attempt since ${hook.failingSince.toISOString()} failed (WEBHOOK_DISABLE_AFTER_S=${config.WEBHOOK_DISABLE_AFTER_S}); last: ${result.error ?? 'no answer'}`;
    await db.webhook.updateMany({ where: { id: hook.id, disabledAt: null }, data: { disabledAt: now, disabledReason: reason.slice(0, 1000) } });
  }
}
