import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError, fromDatabaseError, fromFastifyError, methodNotAllowed, notFound, serverError } from './errors.js';
import type FindMyWay from 'find-my-way';

/** Whether it answered; a promise of the reply when its answer waits on the error's `page` (it answers then). */
type HtmlErrorRenderer = (req: FastifyRequest, reply: FastifyReply, err: HttpError) => boolean | Promise<FastifyReply>;

/**
 * The one error renderer: handlers throw, this answers. JSON by default; an HTML renderer (the
 * dashboard) may take requests that want a page.
 */
export function installErrorRenderer(
  app: FastifyInstance,
  opts: {
    router: FindMyWay.Instance<FindMyWay.HTTPVersion.V1>;
    html?: HtmlErrorRenderer[];
    /** Before a browser's page for an unknown path: who is signed in (the dashboard's layout). */
    identify?: (req: FastifyRequest) => Promise<void> | undefined;
  },
) {
  const send = (req: FastifyRequest, reply: FastifyReply, err: HttpError) => {
    for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
    for (const render of opts.html ?? []) {
      const answered = render(req, reply, err);
      if (answered === true) return reply;
      if (answered) return answered;
    }
    return reply.code(err.statusCode).type('application/json; charset=utf-8').send(err.body());
  };

  // A path no route serves is 404 or 405 (OPTIONS: 200) whatever its body: Fastify parses the body before the not-found handler runs.
  const unrouted = (req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?')[0];
    const allowed = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => opts.router.find(m as 'GET', path));
    if (allowed.length > 0) {
      // Fastify answers HEAD wherever it answers GET; Laravel's Allow lists it right after GET.
      if (allowed[0] === 'GET') allowed.splice(1, 0, 'HEAD');
      // OPTIONS is answered, not refused, as Laravel's getRouteForMethods does: its Allow joined by "," alone.
      if (req.method === 'OPTIONS') return reply.code(200).header('allow', allowed.join(',')).send();
      reply.header('allow', allowed.join(', '));
      return send(req, reply, methodNotAllowed());
    }
    return send(req, reply, notFound());
  };

  app.setErrorHandler((error: FastifyError, req, reply) => {
    let err = error instanceof HttpError ? error : (fromFastifyError(error) ?? fromDatabaseError(error));
    if (!err) {
      req.log.error({ err: error }, 'unhandled error');
      err = serverError();
    }
    // The body of a request no route serves is never read: its path answers (401 and 429 still come first).
    if (req.is404 && [400, 413, 415].includes(err.statusCode)) return unrouted(req, reply);
    return send(req, reply, err);
  });

  const identify = async (req: FastifyRequest) => {
    if (opts.identify && /text\/html/.test(String(req.headers.accept ?? '')) && !/^\/(api|assets)\//.test(req.url)) {
      await opts.identify(req);
    }
  };
  app.setNotFoundHandler({ preHandler: identify }, unrouted);

  /**
   * A request the router refused before any hook (an over-long or malformed path segment): `screen`
   * gives it what the hooks give every answer (its rate limit may answer 429 instead), then `err` as JSON.
   */
  const refused = async (req: FastifyRequest, reply: FastifyReply, err: HttpError, screen: () => Promise<void>) => {
    try {
      await screen();
    } catch (e) {
      if (!(e instanceof HttpError)) req.log.error({ err: e }, 'unhandled error');
      err = e instanceof HttpError ? e : serverError();
    }
    for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
    return reply.code(err.statusCode).type('application/json; charset=utf-8').send(err.body());
  };
  return { unrouted, refused };
}
