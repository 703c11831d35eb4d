import type { Queryable } from './db/database.js';
import { purgeIdempotencyKeys } from './http/idempotency.js';
import { purgeExpiredResets } from './modules/auth/password-resets.js';
import { purgeLoginThrottles } from './modules/auth/throttle.js';
import { purgeExpiredSessions } from './web/session-store.js';

/**
 * Forgets what is kept only for a while: stored API responses after a day, expired sessions,
 * reset links and login counts. The server runs it at start and once an hour; without it the
 * sessions table grew by a row for every visit to the login page, for ever.
 */
export async function purgeExpired(db: Queryable): Promise<void> {
  await purgeIdempotencyKeys(db);
  await purgeExpiredSessions(db);
  await purgeExpiredResets(db);
  await purgeLoginThrottles(db);
}
