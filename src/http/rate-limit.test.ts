import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import type { Redis } from 'ioredis';
import { API_PREFIX, apiScope } from './api-scope.js';
import { registerRateLimit } from './rate-limit.js';

test("the API's rate-limit keys in Redis are the namespace and the caller (they read …-undefinedundefined-t:1); the limit is unchanged", async () => {
  const keys: string[] = [];
  // The store's one Redis command (@fastify/rate-limit's script): count the key, answer its count and time left.
  const counts = new Map<string, number>();
  const redis = {
    rateLimit(key: string, timeWindow: number, _max: number, _a: boolean, _b: boolean, done: (err: null, r: [number, number]) => void) {
      keys.push(key);
      counts.set(key, (counts.get(key) ?? 0) + 1);
      done(null, [counts.get(key)!, timeWindow]);
    },
  } as unknown as Redis;
  const app = Fastify();
  try {
    await registerRateLimit(app, { redis, instance: '01INSTANCE', perMinute: 2 });
    app.decorate('bearer', { authenticate: async (header?: string) => (header === 'Bearer 7|secret' ? { tokenId: 7 } : null) } as never);
    await app.register(
      async (api) => {
        await apiScope(api, { unrouted: (_req, reply) => reply.code(404).send({ message: 'Resource not found.' }) });
        api.get('/leads', { config: { open: true } }, async () => ({ ok: true }));
      },
      { prefix: API_PREFIX },
    );
    const call = (authorization?: string) =>
      app.inject({ method: 'GET', url: `${API_PREFIX}/leads`, headers: authorization ? { authorization } : {} });
    const first = await call('Bearer 7|secret');
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(first.headers['x-ratelimit-limit'], '2');
    assert.equal(first.headers['x-ratelimit-remaining'], '1');
    await call('Bearer 7|secret');
    const over = await call('Bearer 7|secret');
    assert.equal(over.statusCode, 429);
    assert.equal(over.json().message, 'Too Many Attempts.'); // the app's renderer gives the body its exact shape
    await call();
    assert.deepEqual([...new Set(keys)], ['codops-rl-01INSTANCE-t:7', 'codops-rl-01INSTANCE-ip:127.0.0.1']);
  } finally {
    await app.close();
  }
});
