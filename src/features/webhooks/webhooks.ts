/**
 * A tenant's webhooks: create (the secret shown once), read, change, delete, rotate the secret.
 * Every query is scoped as the other resources are (`ownedBy`): another tenant's webhook is a 404.
 */
import { randomUUID } from 'node:crypto';
import { lockExclusive } from '../../infra/db/locks.js';
import { ownedBy, type Principal } from '../../core/principal.js';
import { ServiceError, invalid, notFound } from '../../core/errors.js';
import { isUuid } from '../../core/ids.js';
import type { Config } from '../../infra/config.js';
import type { Db } from '../../infra/db/prisma.js';
import type { WebhookPatch, WebhookRequest } from '../../schemas/webhook.js';
import { parseAllowHosts } from './address-rules.js';
import { DestinationRefused, resolveDestination, type Resolver } from './destination.js';
import { newSecret } from './signing.js';
import { keptOnRotation, toStored } from './stored-secrets.js';

/** Most webhooks one tenant may have. */
export const MAX_WEBHOOKS_PER_TENANT = 20;

export type WebhookConfig = Pick<Config, 'WEBHOOK_ALLOW_HOSTS' | 'WEBHOOK_ROTATION_OVERLAP_S' | 'SECRETS_KEY'>;

interface WebhookRow {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  createdAt: Date;
  updatedAt: Date;
  failingSince: Date | null;
  disabledAt: Date | null;
  disabledReason: string | null;
  previousSecretExpiresAt: Date | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The webhook as the API shows it: never its secrets. */
export function toWebhook(row: WebhookRow, now = new Date()) {
  return {
    id: row.id,
    url: row.url,
    events: row.events as never[],
    description: row.description,
    enabled: row.disabledAt === null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    failingSince: iso(row.failingSince),
    disabledAt: iso(row.disabledAt),
    disabledReason: row.disabledReason,
    previousSecretExpiresAt: row.previousSecretExpiresAt && row.previousSecretExpiresAt > now ? row.previousSecretExpiresAt.toISOString() : null,
  };
}

/** A URL every delivery could use, else a 400 naming the rule that refuses it (a name is resolved now to check its addresses). */
export async function assertDestination(config: WebhookConfig, url: string, resolve?: Resolver): Promise<void> {
  try {
    await resolveDestination(url, parseAllowHosts(config.WEBHOOK_ALLOW_HOSTS), resolve);
  } catch (err) {
    if (!(err instanceof DestinationRefused)) throw err;
    throw invalid(`url refused by the ${err.rule} rule: ${err.message}`, [{ path: '/url', message: `refused by the ${err.rule} rule` }]);
  }
}

export async function createWebhook(deps: { db: Db; config: WebhookConfig }, who: Principal, body: WebhookRequest) {
  await assertDestination(deps.config, body.url);
  const secret = newSecret();
  // The id is made here, not by the database: the sealed secret is bound to it.
  const id = randomUUID();
  // Counted and created under the tenant's lock: concurrent creations cannot all pass the count.
  const row = await deps.db.$transaction(async (tx) => {
    await lockExclusive(tx, 'tenantWebhooks', who.tenantId);
    const count = await tx.webhook.count({ where: { tenantId: who.tenantId } });
    if (count >= MAX_WEBHOOKS_PER_TENANT) throw invalid(`a tenant may have at most ${MAX_WEBHOOKS_PER_TENANT} webhooks; delete one first`);
    return tx.webhook.create({
      data: {
        id,
        tenantId: who.tenantId,
        url: body.url,
        events: [...new Set(body.events)],
        description: body.description ?? null,
        secret: toStored(deps.config, id, secret),
      },
    });
  });
  return { ...toWebhook(row), secret };
}

export async function listWebhooks(db: Db, who: Principal) {
  const rows = await db.webhook.findMany({ where: ownedBy(who), orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: 500 });
  return { items: rows.map((r) => toWebhook(r)) };
}

/** The caller's webhook row, or a 404 (another tenant's too). */
export async function findWebhook(db: Db, who: Principal, id: string) {
  const row = isUuid(id) ? await db.webhook.findFirst({ where: { id, ...ownedBy(who) } }) : null;
  if (!row) throw notFound('webhook', id);
  return row;
}

export async function getWebhook(db: Db, who: Principal, id: string) {
  return toWebhook(await findWebhook(db, who, id));
}

export async function updateWebhook(deps: { db: Db; config: WebhookConfig }, who: Principal, id: string, patch: WebhookPatch) {
  const row = await findWebhook(deps.db, who, id);
  if (patch.url !== undefined) await assertDestination(deps.config, patch.url);
  const now = new Date();
  const enable = patch.enabled === true && row.disabledAt !== null;
  const disable = patch.enabled === false && row.disabledAt === null;
  // updateMany: a webhook deleted since it was read is a 404, not the ORM's "record not found".
  const { count } = await deps.db.webhook.updateMany({
    where: { id: row.id },
    data: {
      ...(patch.url !== undefined ? { url: patch.url } : {}),
      ...(patch.events !== undefined ? { events: [...new Set(patch.events)] } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(enable ? { disabledAt: null, disabledReason: null, failingSince: null } : {}),
      ...(disable ? { disabledAt: now, disabledReason: 'disabled by PATCH enabled: false' } : {}),
      updatedAt: now,
    },
  });
  if (count === 0) throw notFound('webhook', id);
  return toWebhook(await findWebhook(deps.db, who, id), now);
}

export async function deleteWebhook(db: Db, who: Principal, id: string): Promise<void> {
  const row = await findWebhook(db, who, id);
  // Its deliveries go with it (ON DELETE CASCADE); an attempt already queued finds no row and does nothing.
  await db.webhook.deleteMany({ where: { id: row.id } });
}

/**
 * A new secret; the one it replaces keeps signing (a second signature in the same header) for
 * WEBHOOK_ROTATION_OVERLAP_S, so receivers can switch at their own pace. A second rotation within
 * the overlap drops the oldest secret. An old secret that SECRETS_KEY cannot decrypt (sealed under
 * another key) is dropped at once: the overlap is empty, and the new secret is sealed under this key.
 */
export async function rotateSecret(deps: { db: Db; config: WebhookConfig }, who: Principal, id: string) {
  const row = await findWebhook(deps.db, who, id);
  const secret = newSecret();
  const now = new Date();
  const previousSecret = keptOnRotation(deps.config, row.id, row.secret);
  const expires = previousSecret === null ? now : new Date(now.getTime() + deps.config.WEBHOOK_ROTATION_OVERLAP_S * 1000);
  const updated = await deps.db.webhook.updateMany({
    where: { id: row.id, secret: row.secret },
    data: { secret: toStored(deps.config, row.id, secret), previousSecret, previousSecretExpiresAt: expires, updatedAt: now },
  });
  if (updated.count === 0) throw new ServiceError('conflict', 'the secret was rotated by another request at the same time; try again');
  return { id: row.id, secret, previousSecretExpiresAt: expires.toISOString() };
}
