import type { TrainingClient, Webhook, WebhookDelivery, WebhookEventName } from '../sdk/index.js';
import { positionals, UsageError } from './args.js';
import type { Io } from './io.js';

export const WEBHOOKS_USAGE = `  webhooks create <url> --event <e>... [--description d]
                                 notify <url> of events (job.succeeded, job.failed, job.cancelled, job.warning,
                                 study.succeeded, study.failed, study.cancelled, model.created); prints the secret once
  webhooks list                  your webhooks
  webhooks show <webhookId>      one webhook, and whether it is disabled and why
  webhooks enable|disable <webhookId>  take a webhook back (after it was disabled) or stop its deliveries
  webhooks delete <webhookId>    delete a webhook and its delivery log
  webhooks deliveries <webhookId> [--status s] [--limit n]  the delivery log, newest first
  webhooks redeliver <webhookId> <deliveryId>  send a delivery again
  webhooks rotate-secret <webhookId>  a new secret; the old one keeps signing for a while (printed)`;

const line = (w: Webhook) => `${w.id}  ${w.enabled ? 'enabled ' : 'DISABLED'}  ${w.events.join(',')}  ${w.url}${w.description ? `  (${w.description})` : ''}`;

const deliveryLine = (d: WebhookDelivery) =>
  [
    d.id,
    d.event.padEnd(15),
    d.status.padEnd(9),
    `attempts ${d.attempts}`,
    `answer ${d.responseStatus ?? '-'}`,
    d.responseMs === null ? '-' : `${d.responseMs} ms`,
    d.at,
    d.nextAttemptAt ? `next ${d.nextAttemptAt}` : '',
    d.error ? `(${d.error})` : '',
  ]
    .filter(Boolean)
    .join('  ');

/** `webhooks create|list|show|enable|disable|delete|deliveries|redeliver|rotate-secret`; resolves with the exit code. */
export async function runWebhooksCommand(
  client: TrainingClient,
  args: string[],
  flags: { event?: string[]; description?: string; status?: string; limit?: string },
  io: Io,
): Promise<number> {
  const out = (s: string) => io.stdout.write(`${s}\n`);
  const signal = io.signal;
  const [sub, ...rest] = args;
  switch (sub) {
    case 'create': {
      const [url] = positionals(rest, ['url'], 'webhooks create');
      if (!flags.event?.length) throw new UsageError('webhooks create needs at least one --event');
      const created = await client.createWebhook({ url, events: flags.event as WebhookEventName[], description: flags.description }, { signal });
      out(line(created));
      out(`secret: ${created.secret}`);
      out('(shown only now: receivers verify the webhook-signature header with it)');
      return 0;
    }
    case 'list':
      positionals(rest, [], 'webhooks list');
      for (const w of await client.listWebhooks({ signal })) out(line(w));
      return 0;
    case 'show': {
      const [id] = positionals(rest, ['webhookId'], 'webhooks show');
      const w = await client.getWebhook(id, { signal });
      out(line(w));
      if (w.disabledAt) out(`disabled at ${w.disabledAt}: ${w.disabledReason ?? ''}`);
      if (w.failingSince) out(`failing since ${w.failingSince}`);
      if (w.previousSecretExpiresAt) out(`previous secret also signs until ${w.previousSecretExpiresAt}`);
      return 0;
    }
    case 'enable':
    case 'disable': {
      const [id] = positionals(rest, ['webhookId'], `webhooks ${sub}`);
      out(line(await client.updateWebhook(id, { enabled: sub === 'enable' }, { signal })));
      return 0;
    }
    case 'delete': {
      const [id] = positionals(rest, ['webhookId'], 'webhooks delete');
      await client.deleteWebhook(id, { signal });
      out(`${id} deleted`);
      return 0;
    }
    case 'deliveries': {
      const [id] = positionals(rest, ['webhookId'], 'webhooks deliveries');
      const limit = flags.limit === undefined ? 20 : Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer, not ${flags.limit}`);
      const status = flags.status as WebhookDelivery['status'] | undefined; // the service checks it
      for (const d of await client.listWebhookDeliveries(id, { limit: Math.min(limit, 200), status }, { signal })) out(deliveryLine(d));
      return 0;
    }
    case 'redeliver': {
      const [id, deliveryId] = positionals(rest, ['webhookId', 'deliveryId'], 'webhooks redeliver');
      const res = await client.redeliverWebhook(id, deliveryId, { signal });
      out(`${res.id} ${res.status}`);
      return 0;
    }
    case 'rotate-secret': {
      const [id] = positionals(rest, ['webhookId'], 'webhooks rotate-secret');
      const res = await client.rotateWebhookSecret(id, { signal });
      out(`secret: ${res.secret}`);
      out(`the previous secret also signs until ${res.previousSecretExpiresAt}`);
      return 0;
    }
    default:
      throw new UsageError(
        sub
          ? `unknown webhooks command "${sub}"; use create, list, show, enable, disable, delete, deliveries, redeliver or rotate-secret`
          : 'webhooks needs a command: create, list, show, enable, disable, delete, deliveries, redeliver or rotate-secret',
      );
  }
}
