import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { isLoopback } from '../auth/mode.js';
import { whyRefused } from '../auth/local-origin.js';

export interface LocalOnlyOptions {
  /** HOST: the Host check applies only while the service listens on loopback. */
  host: string;
  /** PUBLIC_HOST: one more name (host or host:port) the service answers to. */
  publicHost?: string;
}

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/**
 * While requests need no API key (local mode, or AUTH=off), the caller is trusted for being on
 * the service's own machine; a web page in the user's browser is there too. Refuses what such a page
 * could send (see `whyRefused`): a foreign `Host` (421) while listening on loopback,
 * and state-changing requests from another site (403). With keys required nothing is checked
 * here: a page cannot attach a key the browser does not have.
 */
const localOnly: FastifyPluginAsync<LocalOnlyOptions> = async (app, opts) => {
  const checkHost = isLoopback(opts.host);
  app.addHook('onRequest', async (request, reply) => {
    // With the database down, whether a key exists cannot be asked: check as if none did, the
    // stricter answer. Public routes (/health) then answer as themselves; the others meet the
    // outage on their own (503).
    if (await app.authState.required().catch(() => false)) return;
    const refusal = whyRefused(
      {
        method: request.method,
        host: header(request.headers.host),
        origin: header(request.headers.origin),
        secFetchSite: header(request.headers['sec-fetch-site']),
      },
      { checkHost, publicHost: opts.publicHost },
    );
    if (!refusal) return;
    return reply.status(refusal.status).send({ error: refusal.error, message: refusal.message, details: [{ path: refusal.path, message: refusal.message }] });
  });
};

export default fp(localOnly, { name: 'local-only', dependencies: ['auth'] });
