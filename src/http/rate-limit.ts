import type { FastifyInstance, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { Redis } from 'ioredis';
import { tooManyAttempts } from './errors.js';

/**
 * The API's rate limit (api-v1.md): `perMinute` requests a minute per token, per client IP without
 * a valid one, in memory or, given `redis`, shared by every process. Its rules are the plugin's own
 * (registered here), so that the API's hook (`api.rateLimit()` in api-scope.ts) takes no options:
 * options there make a child store whose Redis keys carry a route the hook does not have
 * (`codops-rl-<instance>-undefinedundefined-t:1`). A key is the namespace and the caller:
 * `codops-rl-<instance>-t:<token id>`, `codops-rl-<instance>-ip:<address>`.
 */
export async function registerRateLimit(app: FastifyInstance, opts: { redis?: Redis; instance: string; perMinute: number }) {
  await app.register(rateLimit, {
    global: false,
    redis: opts.redis,
    nameSpace: `codops-rl-${opts.instance}-`,
    skipOnError: true,
    max: opts.perMinute,
    timeWindow: 60_000,
    // Requests without a valid token are counted per client IP, so guessing tokens is throttled too.
    keyGenerator: (req: FastifyRequest) => (req.tokenActor ? `t:${req.tokenActor.tokenId}` : `ip:${req.ip}`),
    errorResponseBuilder: (_req, ctx) => tooManyAttempts({ 'x-ratelimit-reset': String(Math.ceil((Date.now() + ctx.ttl) / 1000)) }),
    addHeadersOnExceeding: { 'x-ratelimit-limit': true, 'x-ratelimit-remaining': true, 'x-ratelimit-reset': false },
    // X-RateLimit-Reset (Unix time) comes with the 429 error itself.
    addHeaders: { 'x-ratelimit-limit': true, 'x-ratelimit-remaining': true, 'x-ratelimit-reset': false, 'retry-after': true },
  });
}
