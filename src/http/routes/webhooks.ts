import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppDeps } from '../deps.js';
import { ErrorBody, IdParams } from '../../schemas/common.js';
import {
  Redelivered,
  DeliveryList,
  DeliveryParams,
  DeliveryQuery,
  SecretRotated,
  Webhook,
  WebhookCreated,
  WebhookList,
  WebhookPatch,
  WebhookRequest,
} from '../../schemas/webhook.js';
import { audit } from '../../features/tenants/audit.js';
import { createWebhook, deleteWebhook, getWebhook, listWebhooks, rotateSecret, updateWebhook } from '../../features/webhooks/webhooks.js';
import { listDeliveries, redeliver } from '../../features/webhooks/deliveries.js';

const tags = ['webhooks'];

export function webhookRoutes(deps: AppDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/webhooks',
      {
        config: { access: 'write' },
        schema: {
          tags,
          summary: 'Create a webhook: events are POSTed to its URL, signed (Standard Webhooks)',
          description:
            "The answer's `secret` (`whsec_<base64>`) is shown only here: receivers verify `webhook-signature` with it. A URL whose host is, or resolves to, a loopback, private, link-local or metadata address is a 400 naming the rule, unless the host is in WEBHOOK_ALLOW_HOSTS.",
          body: {
            ...WebhookRequest,
            examples: [{ url: 'https://ci.example.invalid/hooks/training', events: ['job.succeeded', 'job.failed'], description: 'CI' }],
          },
          response: { 201: WebhookCreated, 400: ErrorBody, 413: ErrorBody },
        },
      },
      async (request, reply) => {
        const created = await createWebhook(deps, request.auth, request.body);
        await audit(deps.db, request.auth, 'create', 'webhook', created.id);
        return reply.status(201).send(created);
      },
    );

    app.get(
      '/webhooks',
      { config: { access: 'read' }, schema: { tags, summary: 'List webhooks, newest first (without their secrets)', response: { 200: WebhookList } } },
      async (request) => listWebhooks(deps.db, request.auth),
    );

    app.get(
      '/webhooks/:id',
      { config: { access: 'read' }, schema: { tags, summary: 'A webhook (without its secret)', params: IdParams, response: { 200: Webhook, 404: ErrorBody } } },
      async (request) => getWebhook(deps.db, request.auth, request.params.id),
    );

    app.patch(
      '/webhooks/:id',
      {
        config: { access: 'write' },
        schema: {
          tags,
          summary: "Change a webhook's URL, events or description, or enable / disable it",
          params: IdParams,
          body: { ...WebhookPatch, examples: [{ events: ['job.succeeded', 'job.failed', 'job.warning'], enabled: true }] },
          response: { 200: Webhook, 400: ErrorBody, 404: ErrorBody, 413: ErrorBody },
        },
      },
      async (request) => {
        const updated = await updateWebhook(deps, request.auth, request.params.id, request.body);
        await audit(deps.db, request.auth, 'update', 'webhook', updated.id);
        return updated;
      },
    );

    app.delete(
      '/webhooks/:id',
      {
        config: { access: 'write' },
        schema: {
          tags,
          summary: 'Delete a webhook and its delivery log',
          params: IdParams,
          response: { 204: Type.Null({ description: 'Deleted' }), 404: ErrorBody },
        },
      },
      async (request, reply) => {
        await deleteWebhook(deps.db, request.auth, request.params.id);
        await audit(deps.db, request.auth, 'delete', 'webhook', request.params.id);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/webhooks/:id/rotate-secret',
      {
        config: { access: 'write' },
        schema: {
          tags,
          summary: 'A new signing secret; the previous one also signs for WEBHOOK_ROTATION_OVERLAP_S',
          description:
            'During the overlap `webhook-signature` carries two signatures (`v1,<new> v1,<old>`), so a receiver still holding the old secret verifies until it switches.',
          params: IdParams,
          response: { 200: SecretRotated, 404: ErrorBody, 409: ErrorBody },
        },
      },
      async (request) => {
        const rotated = await rotateSecret(deps, request.auth, request.params.id);
        await audit(deps.db, request.auth, 'update', 'webhook', rotated.id, { rotated: 'secret' });
        return rotated;
      },
    );

    app.get(
      '/webhooks/:id/deliveries',
      {
        config: { access: 'read' },
        schema: {
          tags,
          summary: "A webhook's delivery log, newest first: status, attempts, the last answer's code and time, the next attempt",
          params: IdParams,
          querystring: DeliveryQuery,
          response: { 200: DeliveryList, 400: ErrorBody, 404: ErrorBody },
        },
      },
      async (request) => listDeliveries(deps.db, request.auth, request.params.id, request.query),
    );

    app.post(
      '/webhooks/:id/deliveries/:deliveryId/redeliver',
      {
        config: { access: 'write' },
        schema: {
          tags,
          summary: 'Send a delivery again (one that succeeded or failed for good)',
          description:
            'It is pending again at once, with the same `webhook-id` and body and a fresh retry schedule. 409 while it is still being retried, or while the webhook is disabled.',
          params: DeliveryParams,
          response: {
            202: Redelivered,
            404: ErrorBody,
            409: ErrorBody,
          },
        },
      },
      async (request, reply) => {
        const result = await redeliver(deps.db, request.auth, request.params.id, request.params.deliveryId);
        await audit(deps.db, request.auth, 'retry', 'webhook-delivery', result.id);
        return reply.status(202).send(result);
      },
    );
  };
}
