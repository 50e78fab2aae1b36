import { Type, type Static } from 'typebox';
import { LiteralUnion } from './common.js';

/** The events a webhook may subscribe to. */
export const WEBHOOK_EVENTS = [
  'job.succeeded',
  'job.failed',
  'job.cancelled',
  'job.warning',
  'study.succeeded',
  'study.failed',
  'study.cancelled',
  'model.created',
] as const;
export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];

export const WebhookEventType = LiteralUnion(WEBHOOK_EVENTS, {
  description: 'job.succeeded | job.failed | job.cancelled | job.warning (a diagnosis warning, with its kind and fix) | study.* | model.created',
});

const Events = Type.Array(WebhookEventType, { minItems: 1, maxItems: WEBHOOK_EVENTS.length, uniqueItems: true, description: 'The events to deliver' });
const Url = Type.String({
  minLength: 1,
  maxLength: 2000,
  description:
    'http or https URL the events are POSTed to. Loopback, private, link-local and metadata addresses are refused (400 naming the rule) unless the host is in WEBHOOK_ALLOW_HOSTS',
});
const Description = Type.String({ maxLength: 500, description: 'A label for the webhook' });

export const WebhookRequest = Type.Object(
  { url: Url, events: Events, description: Type.Optional(Description) },
  { additionalProperties: false, title: 'WebhookRequest' },
);
export type WebhookRequest = Static<typeof WebhookRequest>;

export const WebhookPatch = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(Events),
    description: Type.Optional(Type.Union([Description, Type.Null()], { description: 'A label for the webhook; null removes it' })),
    enabled: Type.Optional(Type.Boolean({ description: 'true re-enables a disabled webhook (deliveries start again with the next event); false disables it' })),
  },
  { additionalProperties: false, minProperties: 1, title: 'WebhookPatch' },
);
export type WebhookPatch = Static<typeof WebhookPatch>;

const nullableDate = (description: string) => Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description });

export const Webhook = Type.Object(
  {
    id: Type.String({ description: 'Webhook id' }),
    url: Type.String({ description: 'Where deliveries are POSTed' }),
    events: Type.Array(WebhookEventType, { description: 'The events delivered' }),
    description: Type.Union([Type.String(), Type.Null()], { description: 'Its label' }),
    enabled: Type.Boolean({ description: 'false once disabledAt is set' }),
    createdAt: Type.String({ format: 'date-time', description: 'When it was created' }),
    updatedAt: Type.String({ format: 'date-time', description: 'When it was last changed' }),
    failingSince: nullableDate('Since when every attempt has failed; null after a success'),
    disabledAt: nullableDate('When deliveries stopped (by PATCH enabled: false, or after WEBHOOK_DISABLE_AFTER_S of failures)'),
    disabledReason: Type.Union([Type.String(), Type.Null()], { description: 'Why it was disabled' }),
    previousSecretExpiresAt: nullableDate('After a rotation: until when deliveries are also signed with the previous secret'),
  },
  { title: 'Webhook' },
);

export const WebhookCreated = Type.Object(
  {
    ...Webhook.properties,
    secret: Type.String({ description: 'The signing secret (Standard Webhooks form `whsec_<base64>`); shown only here and by rotate-secret' }),
  },
  { title: 'WebhookCreated' },
);

export const WebhookList = Type.Object({ items: Type.Array(Webhook, { description: 'Newest first' }) }, { title: 'WebhookList' });

export const SecretRotated = Type.Object(
  {
    id: Type.String({ description: 'Webhook id' }),
    secret: Type.String({ description: 'The new signing secret, shown only here' }),
    previousSecretExpiresAt: Type.String({ format: 'date-time', description: 'Until then deliveries carry a signature with each secret' }),
  },
  { title: 'SecretRotated' },
);

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;

const Attempt = Type.Object({
  at: Type.String({ format: 'date-time', description: 'When the attempt started' }),
  responseStatus: Type.Union([Type.Integer(), Type.Null()], { description: "The receiver's HTTP status; null without an answer" }),
  responseMs: Type.Integer({ description: 'Time to the answer (or the failure)' }),
  error: Type.Union([Type.String(), Type.Null()], { description: 'Why it failed: a refused destination, a timeout, a non-2xx answer' }),
});

export const Delivery = Type.Object(
  {
    id: Type.String({ description: 'Also the `webhook-id` header: the same on every attempt' }),
    event: WebhookEventType,
    status: LiteralUnion(DELIVERY_STATUSES, { description: 'pending (being retried) | succeeded | failed (retries spent, or the webhook disabled)' }),
    attempts: Type.Integer({ description: 'Attempts made so far' }),
    responseStatus: Type.Union([Type.Integer(), Type.Null()], { description: "The last attempt's HTTP status" }),
    responseMs: Type.Union([Type.Integer(), Type.Null()], { description: "The last attempt's response time" }),
    error: Type.Union([Type.String(), Type.Null()], { description: "The last attempt's failure" }),
    at: Type.String({ format: 'date-time', description: 'When the event happened' }),
    lastAttemptAt: nullableDate('When the last attempt was made'),
    nextAttemptAt: nullableDate('When the next retry is due; null once it succeeded or failed for good'),
    history: Type.Array(Attempt, { description: 'The last attempts, oldest first (at most 20)' }),
  },
  { title: 'WebhookDelivery' },
);
export type Delivery = Static<typeof Delivery>;

export const DeliveryList = Type.Object({ items: Type.Array(Delivery, { description: 'Newest first' }) }, { title: 'WebhookDeliveryList' });

export const DeliveryQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'How many, newest first' })),
  status: Type.Optional(LiteralUnion(DELIVERY_STATUSES, { description: 'Only deliveries in this state' })),
});

export const DeliveryParams = Type.Object({
  id: Type.String({ maxLength: 100, description: 'The webhook id' }),
  deliveryId: Type.String({ maxLength: 100, description: 'The delivery id' }),
});

export const Redelivered = Type.Object({
  id: Type.String({ description: 'The delivery id' }),
  status: Type.Literal('pending', { description: 'Pending again' }),
  nextAttemptAt: Type.String({ format: 'date-time', description: 'Due now' }),
});
