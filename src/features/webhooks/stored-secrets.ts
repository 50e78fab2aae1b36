/**
 * A webhook's signing secrets as the database holds them: sealed with SECRETS_KEY when it is set
 * (bound to the webhook's id), plain otherwise. Plain rows from before the key was set still read,
 * and the API's start seals them in place.
 */
import type { Config } from '../../infra/config.js';
import type { Db } from '../../infra/db/prisma.js';
import { isSealed, open, parseSecretsKey, seal, SecretUnreadable, SEALED_PREFIX } from '../../infra/secret-box.js';

export type SecretsConfig = Pick<Config, 'SECRETS_KEY'>;

/** What a delivery's log says when a secret does not open. */
export const UNREADABLE_SECRET = "cannot decrypt the webhook's secret: SECRETS_KEY is missing or not the one it was encrypted with";

const keyOf = (config: SecretsConfig) => (config.SECRETS_KEY === undefined ? undefined : parseSecretsKey(config.SECRETS_KEY));

/** The form `secret` of webhook `webhookId` is stored in. */
export function toStored(config: SecretsConfig, webhookId: string, secret: string): string {
  const key = keyOf(config);
  return key ? seal(key, secret, webhookId) : secret;
}

/** The secret a stored value of webhook `webhookId` holds; throws SecretUnreadable when it does not open. */
export function fromStored(config: SecretsConfig, webhookId: string, stored: string): string {
  return open(keyOf(config), stored, webhookId);
}

/**
 * The previous secret a rotation keeps, as it is to be stored: a plain one sealed once a key is
 * set, a sealed one as it is when it opens, and none when it does not (sealed under another key,
 * it could sign nothing).
 */
export function keptOnRotation(config: SecretsConfig, webhookId: string, stored: string): string | null {
  try {
    const plain = fromStored(config, webhookId, stored);
    return isSealed(stored) ? stored : toStored(config, webhookId, plain);
  } catch (err) {
    if (err instanceof SecretUnreadable) return null;
    throw err;
  }
}

/**
 * Seals every plain secret in place; returns how many it sealed. Each update holds only while the
 * row still has the plain value it read, so API processes starting together (or a rotation at the
 * same moment) never overwrite each other: running it again finds nothing left to do.
 */
export async function sealPlainSecrets(db: Db, config: SecretsConfig): Promise<number> {
  if (config.SECRETS_KEY === undefined) return 0;
  const plain = { not: { startsWith: SEALED_PREFIX } };
  const rows = await db.webhook.findMany({
    where: { OR: [{ secret: plain }, { previousSecret: plain }] },
    select: { id: true, secret: true, previousSecret: true },
  });
  let sealed = 0;
  for (const row of rows) {
    for (const field of ['secret', 'previousSecret'] as const) {
      const value = row[field];
      if (value === null || isSealed(value)) continue;
      const updated = await db.webhook.updateMany({ where: { id: row.id, [field]: value }, data: { [field]: toStored(config, row.id, value) } });
      sealed += updated.count;
    }
  }
  return sealed;
}

/** Whether any webhook exists: a start without SECRETS_KEY warns only then. */
export async function anyWebhookExists(db: Db): Promise<boolean> {
  return (await db.webhook.findFirst({ select: { id: true } })) !== null;
}
