import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import { ConfigError } from '../config.js';

/**
 * The rate limits' Redis, connected before the server listens: an address that does not answer
 * stops the boot as an unreachable DATABASE_URL does. Commands are never queued while the link is
 * down (they fail at once and the limit lets the request through, `skipOnError`): a Redis that goes
 * away later costs no request seconds of waiting.
 */
export async function connectRedis(url: string, log: FastifyBaseLogger): Promise<Redis> {
  const { Redis } = await import('ioredis'); // only when REDIS_URL is set
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 5_000 });
  let last: Error | undefined;
  const booting = (err: Error) => (last = err);
  redis.on('error', booting);
  try {
    await redis.connect();
    // A refused SELECT (a database number past the server's `databases`) is only an 'error' event:
    // the link stayed up on database 0, shared with whatever else uses it.
    if (last) throw last;
  } catch (err) {
    redis.disconnect();
    throw new ConfigError(`cannot reach Redis in REDIS_URL (${(last ?? (err as Error)).message}).`);
  }
  redis.off('error', booting);
  redis.on('error', (err) => log.warn({ err }, 'redis error'));
  return redis;
}
