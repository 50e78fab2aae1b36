import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** Where `npm run build:ui` (run by `npm ci`) writes the dashboard. */
// Run from source (tsx) or compiled under dist/ (npm run start:prod): ui/dist at the repository
// root either way.
export const DASHBOARD_DIR = path.resolve(
  import.meta.dirname,
  import.meta.dirname.includes(`${path.sep}dist${path.sep}src${path.sep}`) ? '../../../../ui/dist' : '../../../ui/dist',
);

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Dashboard not built</title>
<p>The dashboard has not been built: run <code>npm run build:ui</code> (<code>npm ci</code> does it) and reload.
The API itself works: see <a href="/docs">/docs</a>.</p>`;

/**
 * The web dashboard at `/`: its index page and its hashed assets under `/assets/`. Public, like
 * /docs: the page holds no data; it asks for an API key when the API answers 401.
 */
export default fp(
  async (app: FastifyInstance, opts: { root?: string }) => {
    const root = opts.root ?? DASHBOARD_DIR;
    // serve: false - only the two routes below, declared with their access like every other route.
    await app.register(fastifyStatic, { root, serve: false });

    app.get('/', { config: { access: 'public' }, schema: { hide: true } }, async (_request, reply) => {
      if (!existsSync(path.join(root, 'index.html'))) return reply.code(503).type('text/html').send(NOT_BUILT);
      // Always revalidated: it names the current build's hashed assets.
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    });

    app.get('/assets/*', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
      const file = (request.params as { '*': string })['*'];
      // Names carry a content hash, so a browser may keep them for good.
      return reply.header('cache-control', 'public, max-age=31536000, immutable').sendFile(path.posix.join('assets', file));
    });
  },
  { name: 'dashboard' },
);
