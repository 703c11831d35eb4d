import type { FastifyInstance } from 'fastify';

/** GET /up: 200 when the database answers, 503 otherwise. */
export async function healthRoutes(app: FastifyInstance) {
  app.get('/up', { schema: { hide: true } }, async (req, reply) => {
    try {
      await app.db.query('SELECT 1');
      return reply.send({ status: 'ok' });
    } catch (err) {
      req.log.error({ err }, 'database unreachable');
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
}
