/** The delivery log of a webhook, and redelivering one delivery. */
import type { Principal } from '../../core/principal.js';
import { conflict, notFound } from '../../core/errors.js';
import { isUuid } from '../../core/ids.js';
import type { Db } from '../../infra/db/prisma.js';
import type { Delivery } from '../../schemas/webhook.js';
import { findWebhook } from './webhooks.js';

interface DeliveryRow {
  id: string;
  event: string;
  status: string;
  attempts: number;
  responseStatus: number | null;
  responseMs: number | null;
  lastError: string | null;
  history: unknown;
  createdAt: Date;
  lastAttemptAt: Date | null;
  nextAttemptAt: Date | null;
}

export function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    event: row.event as Delivery['event'],
    status: row.status as Delivery['status'],
    attempts: row.attempts,
    responseStatus: row.responseStatus,
    responseMs: row.responseMs,
    error: row.lastError,
    at: row.createdAt.toISOString(),
    lastAttemptAt: row.lastAttemptAt?.toISOString() ?? null,
    nextAttemptAt: row.status === 'pending' ? (row.nextAttemptAt?.toISOString() ?? null) : null,
    history: Array.isArray(row.history) ? (row.history as Delivery['history']) : [],
  };
}

export async function listDeliveries(db: Db, who: Principal, webhookId: string, query: { limit?: number; status?: string }) {
  const hook = await findWebhook(db, who, webhookId);
  const rows = await db.webhookDelivery.findMany({
    where: { webhookId: hook.id, ...(query.status ? { status: query.status } : {}) },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: query.limit ?? 50,
  });
  return { items: rows.map(toDelivery) };
}

/**
 * Sends a delivery again that succeeded or failed for good: it is pending again at once, with the
 * retry schedule counted afresh (the attempts made so far stay in its count and history), and the
 * row's change wakes the dispatchers (a trigger notifies, see dispatcher.ts). One still being
 * retried is a 409: its next attempt is already on the queue.
 */
export async function redeliver(db: Db, who: Principal, webhookId: string, deliveryId: string) {
  const hook = await findWebhook(db, who, webhookId);
  const row = isUuid(deliveryId) ? await db.webhookDelivery.findFirst({ where: { id: deliveryId, webhookId: hook.id } }) : null;
  if (!row) throw notFound('delivery', deliveryId);
  if (hook.disabledAt) throw conflict('the webhook is disabled; enable it (PATCH enabled: true) first');
  const now = new Date();
  const updated = await db.webhookDelivery.updateMany({
    where: { id: row.id, status: { in: ['succeeded', 'failed'] } },
    data: { status: 'pending', scheduleBase: row.attempts, nextAttemptAt: now, lockedUntil: null },
  });
  if (updated.count === 0)
    throw conflict(`delivery ${row.id} is still being retried; its next attempt is due at ${row.nextAttemptAt?.toISOString() ?? 'once queued'}`);
  return { id: row.id, status: 'pending' as const, nextAttemptAt: now.toISOString() };
}
