import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { allowPublicRoutes } from './auth.js';

/** The OpenAPI document comes from the route schemas; Swagger UI serves it at /docs. */
export default fp(
  async function swaggerPlugin(app: FastifyInstance) {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'TensorFlow.js training service',
          version: '0.1.0',
          description:
            'Send a model spec and a dataset; a worker trains it with TensorFlow.js. Every run, its per-epoch metrics, its gradient diagnostics and its trained model are kept, and a later job can build on a stored model.',
        },
        tags: [
          { name: 'health', description: 'Is it up, and which backend trains' },
          { name: 'datasets', description: 'Upload training data (JSON or CSV)' },
          { name: 'jobs', description: 'Submit, watch and cancel training jobs' },
          { name: 'models', description: 'Trained and imported models: summary, artifact, prediction' },
          { name: 'usage', description: "Your tenant's jobs and stored bytes against its quotas" },
          { name: 'admin', description: 'Tenants, API keys and the audit log (admin keys only)' },
          { name: 'webhooks', description: 'Signed notifications (Standard Webhooks) of jobs, studies and models, with retries and a delivery log' },
        ],
        components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: `Authorization: Bearer <key>`' } } },
        security: [{ apiKey: [] }],
      },
    });
    // Swagger UI's own routes take no route config: they are public, like the document they show.
    await app.register(async (scope) => {
      allowPublicRoutes(scope);
      await scope.register(swaggerUi, { routePrefix: '/docs' });
    });
  },
  { name: 'swagger' },
);
