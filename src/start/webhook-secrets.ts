import type { Logger } from 'pino';
import type { Config } from '../infra/config.js';
import type { Db } from '../infra/db/prisma.js';
import { anyWebhookExists, sealPlainSecrets } from '../features/webhooks/stored-secrets.js';

/**
 * At the API's start: with SECRETS_KEY, the webhook secrets still stored plain (from before the
 * key was set) are encrypted in place; without it, a start that has webhooks to protect says so.
 */
export async function protectWebhookSecrets(config: Pick<Config, 'SECRETS_KEY'>, db: Db, log: Pick<Logger, 'info' | 'warn'>): Promise<void> {
  if (config.SECRETS_KEY === undefined) {
    if (await anyWebhookExists(db))
      log.warn('webhook signing secrets are stored unencrypted: set SECRETS_KEY (e.g. `openssl rand -hex 32`) on the API and every worker to encrypt them');
    return;
  }
  const sealed = await sealPlainSecrets(db, config);
  if (sealed > 0) log.info(`encrypted ${sealed} webhook signing secrets in place with SECRETS_KEY (they were stored unencrypted)`);
}
