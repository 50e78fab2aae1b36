import { Webhook } from 'standardwebhooks';
import type { WebhookPayload } from './types.js';

/**
 * `import { verifyWebhook } from 'tfjs-training-service/sdk/verify-webhook'`: an entry of its own,
 * so the standardwebhooks package stays out of what imports the client alone (the dashboard).
 *
 * Checks a delivery as a receiver gets it and returns its parsed body: the `webhook-signature`
 * must be an HMAC-SHA256 of `webhook-id.webhook-timestamp.body` with `secret` (the `whsec_...`
 * the webhook was created with), and the timestamp within five minutes of now (replays refused).
 * `body` must be the raw text received, before any JSON parsing. Throws the standardwebhooks
 * library's WebhookVerificationError otherwise. During a secret rotation either secret verifies.
 */
// A header given more than once (an array) is joined with spaces: webhook-signature's entries are space-separated.
export function verifyWebhook(secret: string, body: string | Uint8Array, headers: Record<string, string | string[] | undefined>): WebhookPayload {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(' ') : value;
  return new Webhook(secret).verify(body, flat) as WebhookPayload;
}
