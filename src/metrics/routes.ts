import type { FastifyInstance } from 'fastify';
import { timingSafeEqual, createHash } from 'node:crypto';
import { notFound, unauthenticated } from '../http/errors.js';
import { metricsRegistry } from './registry.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * GET /metrics in the Prometheus text format, only with `Authorization: Bearer $METRICS_TOKEN`
 * (404 when no token is configured, 401 for another). Every request is counted under its route
 * pattern (`/leads/:reference`), unmatched ones under `unmatched`, so labels stay few. Installed on the
 * root instance (not registered as a plugin) so the hook sees every route.
 */
export function installMetrics(app: FastifyInstance) {
  const metrics = metricsRegistry(app.db);
  const token = app.config.metricsToken;

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.observe(req.method, route, reply.statusCode, reply.elapsedTime / 1000);
  });

  app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    if (!token) throw notFound();
    const given = /^Bearer (.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1] ?? '';
    if (!timingSafeEqual(digest(given), digest(token))) throw unauthenticated();
    return reply.type(metrics.registry.contentType).send(await metrics.render());
  });
}
