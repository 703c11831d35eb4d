import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import pino from 'pino';
import { fromFastifyError, notFound, type HttpError } from './http/errors.js';
import swagger from '@fastify/swagger';
import { withErrorResponses } from './http/api-error-docs.js';
import { withIdempotencyHeader } from './http/idempotency.js';
import swaggerUi from '@fastify/swagger-ui';
import FindMyWay from 'find-my-way';
import fastifyStatic from '@fastify/static';
import { fileURLToPath } from 'node:url';
import type { Config } from './config.js';
import { connectRedis } from './lib/redis.js';
import type { Database } from './db/database.js';
import './http/types.js';
import { API_PREFIX, apiScope } from './http/api-scope.js';
import { registerRateLimit } from './http/rate-limit.js';
import { laravelValidatorCompiler } from './http/route-validation.js';
import { installErrorRenderer } from './http/render-error.js';
import { requestId } from './http/request-id.js';
import { parseQuery } from './http/query-string.js';
import { answerClientError } from './http/client-error.js';
import { AccessLog } from './http/access-log.js';
import { DOCS_CSP, securityHeaders, setSecurityHeaders } from './http/security-headers.js';
import { healthRoutes } from './modules/health/routes.js';
import { installMetrics } from './metrics/routes.js';
import { openFileStore } from './files/open.js';
import './files/types.js';
import { leadsApi } from './modules/leads/api.js';
import { ordersApi } from './modules/orders/api.js';
import { BearerAuth } from './modules/tokens/bearer.js';
import { watchListeners } from './modules/events/listening.js';
import { renderHtmlError } from './web/error-pages.js';
import { webScope } from './web/scope.js';
import { authPages } from './modules/auth/pages.js';
import { homePages } from './modules/home/pages.js';
import { leadsPages } from './modules/leads/pages.js';
import { ordersPages } from './modules/orders/pages.js';
import { accountsPages } from './modules/accounts/pages.js';
import { usersPages } from './modules/users/pages.js';
import { settingsPages } from './modules/settings/pages.js';
import { productsPages } from './modules/products/pages.js';
import { categoriesPages } from './modules/categories/pages.js';
import { citiesPages } from './modules/cities/pages.js';
import { warehousesPages } from './modules/warehouses/pages.js';
import { shippingCompaniesPages } from './modules/shipping-companies/pages.js';
import { pushPages } from './modules/shipping/push-pages.js';
import { spreadsheetPages } from './modules/spreadsheets/pages.js';
import { labelPages } from './modules/shipping/label-pages.js';
import { stocksPages } from './modules/stocks/pages.js';
import { jobsPages } from './modules/jobs/pages.js';
import { callCentersPages } from './modules/call-centers/pages.js';
import { callCentrePages } from './modules/call-centre/pages.js';
import { notificationsPages } from './modules/notifications/pages.js';
import { deliveriesPages } from './modules/deliveries/pages.js';
import { followUpPages } from './modules/follow-up/pages.js';
import { ledgerPages } from './modules/ledger/pages.js';
import { invoicesPages } from './modules/invoices/pages.js';
import { remittancesPages } from './modules/remittances/pages.js';
import './job-kinds.js'; // every job kind: routes enqueue them, the job page names them

export interface AppOptions {
  config: Config;
  db: Database;
  /** Pino options, or false for silence (tests). */
  logger?: boolean | Record<string, unknown>;
}

/** Composes the app in layers: external plugins, then app plugins, then routes. */
export async function buildApp({ config, db, logger }: AppOptions): Promise<FastifyInstance> {
  let refuseUnroutable: (req: FastifyRequest, reply: FastifyReply, err: HttpError) => Promise<unknown> = async () => undefined;
  const app = Fastify({
    logger: logger ?? {
      level: config.logLevel,
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
      // Written at once, like Node's own stdout to a file or pipe: no line waits in a buffer to be
      // lost in a crash, and none costs a hand-off to libuv's threads (pino's default).
      stream: pino.destination({ dest: 1, sync: true }),
    },
    logController: new AccessLog(),
    clientErrorHandler: answerClientError,
    genReqId: requestId,
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    routerOptions: { ignoreTrailingSlash: true, querystringParser: parseQuery },
    // While stopping, a request already on a kept-alive connection (from a proxy) is still answered,
    // not refused with 503: a proxy never retries a refused POST on another instance.
    return503OnClosing: false,
    // A path the router cannot read (an over-long or malformed segment) names no resource: the catalogue's 404, as JSON.
    frameworkErrors: (err, req, reply) => void refuseUnroutable(req, reply as unknown as FastifyReply, fromFastifyError(err) ?? notFound()),
  });

  // Mirror of every route, to tell 405 (known path, other method) from 404.
  const router = FindMyWay({ ignoreTrailingSlash: true });
  app.addHook('onRoute', (r) => {
    for (const m of ([] as string[]).concat(r.method)) if (m !== 'HEAD') router.on(m as 'GET', r.url, () => undefined);
  });

  app.decorate('db', db);
  app.decorate('config', config);
  app.decorate('bearer', new BearerAuth(db));
  app.decorate('files', await openFileStore(config, db));
  app.addHook('onClose', async () => app.files.close());
  await app.bearer.start();
  await watchListeners(db);

  app.decorate('stopping', false);
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
    if (app.stopping) reply.header('connection', 'close');
  });
  let signedInVisitor: ((req: FastifyRequest) => Promise<void>) | undefined;
  const { unrouted, refused } = installErrorRenderer(app, {
    router,
    html: [renderHtmlError],
    identify: (req) => signedInVisitor?.(req),
  });
  await securityHeaders(app);
  let apiScreen: ((req: FastifyRequest, reply: FastifyReply) => Promise<void>) | undefined;
  // No hook runs for a request the router refused: it gets what they give every answer, and under
  // the API its rate limit (api-v1.md: every API response carries the X-RateLimit headers).
  refuseUnroutable = (req, reply, err) =>
    refused(req, reply, err, async () => {
      reply.header('x-request-id', req.id);
      setSecurityHeaders(req, reply);
      if (req.url.startsWith(`${API_PREFIX}/`)) await apiScreen?.(req, reply);
    });

  const instance = (await db.query<{ id: string }>('SELECT id FROM instance')).rows[0].id;
  const redis = config.redisUrl ? await connectRedis(config.redisUrl, app.log) : undefined;
  await registerRateLimit(app, { redis, instance, perMinute: config.apiRateLimitPerMinute });
  app.addHook('onClose', async () => {
    await redis?.quit().catch(() => undefined);
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'codops REST API', version: '1.0', description: 'Leads and orders for cash-on-delivery shops.' },
      servers: [{ url: '/' }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Token `<id>|<secret>`' } } },
    },
    transform: ({ schema, url, route }) => {
      const api = url.startsWith(API_PREFIX) && !schema?.hide;
      const documented = api
        ? withIdempotencyHeader(withErrorResponses(schema as Record<string, unknown>, route.method, url), route.method)
        : schema;
      return { schema: { ...documented, hide: !api } as never, url };
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    transformStaticCSP: () => DOCS_CSP,
    uiConfig: { url: `${API_PREFIX}/openapi.json` } as never,
  });

  await app.register(healthRoutes);
  installMetrics(app);
  await app.register(
    async (api) => {
      api.setValidatorCompiler(laravelValidatorCompiler);
      apiScreen = await apiScope(api, { unrouted });
      await api.register(leadsApi, { bulkBodyLimit: config.bulkBodyLimit });
      await api.register(ordersApi, { bulkBodyLimit: config.bulkBodyLimit });
      // Inside the API's scope for its X-RateLimit headers (api-v1.md: every API response), open without a token.
      api.get('/openapi.json', { schema: { hide: true }, config: { open: true } }, async () => app.swagger());
    },
    { prefix: API_PREFIX },
  );
  await app.register(fastifyStatic, {
    root: fileURLToPath(new URL('../public', import.meta.url)),
    prefix: '/assets/',
    maxAge: '1h',
  });
  await app.register(async (web) => {
    signedInVisitor = await webScope(web);
    await web.register(authPages);
    await web.register(homePages);
    await web.register(leadsPages);
    await web.register(ordersPages);
    await web.register(accountsPages);
    await web.register(usersPages);
    await web.register(settingsPages);
    await web.register(productsPages);
    await web.register(warehousesPages);
    await web.register(shippingCompaniesPages);
    await web.register(pushPages);
    await web.register(spreadsheetPages);
    await web.register(labelPages);
    await web.register(stocksPages);
    await web.register(categoriesPages);
    await web.register(citiesPages);
    await web.register(jobsPages);
    await web.register(callCentersPages);
    await web.register(callCentrePages);
    await web.register(notificationsPages);
    await web.register(deliveriesPages);
    await web.register(followUpPages);
    await web.register(ledgerPages);
    await web.register(invoicesPages);
    await web.register(remittancesPages);
  });
  return app;
}
