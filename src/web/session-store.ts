import { createHash } from 'node:crypto';
import type { Database } from '../db/database.js';
import { hasControlCharacters, withoutControlCharacters } from '../http/input-hygiene.js';

type Callback<T = void> = (err?: unknown, value?: T | null) => void;

interface StoredSession {
  cookie?: { expires?: string | Date | null; originalMaxAge?: number | null };
  userId?: string;
  [k: string]: unknown;
}

/**
 * The session as JSON without control characters in its texts or keys: a flash can quote what a
 * user sent (an uploaded file's name, a CSV line), and `jsonb` cannot hold a NUL; the save failed
 * after the request's work was done (found by the uploads audit: an import ran, its page was a 500).
 */
const sessionJson = (session: StoredSession) =>
  JSON.stringify(session, (_key, value: unknown) => {
    if (typeof value === 'string') return withoutControlCharacters(value);
    if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).some(hasControlCharacters))
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [withoutControlCharacters(k), v]));
    return value;
  });

/** Only a digest of the session id is stored, so a database dump cannot hijack sessions. */
const sessionKey = (sessionId: string) => createHash('sha256').update(sessionId).digest('hex');

/**
 * @fastify/session store in our database. The row names its user, so logout, deactivation and
 * password change end sessions at once with one DELETE.
 */
export class DbSessionStore {
  constructor(
    private readonly db: Database,
    private readonly idleMs: number,
  ) {}

  set(sessionId: string, session: StoredSession, cb: Callback) {
    const expires = session.cookie?.expires ? new Date(session.cookie.expires) : new Date(Date.now() + this.idleMs);
    this.db
      .query(
        `INSERT INTO sessions (id, user_id, data, expires_at, updated_at) VALUES ($1, $2, $3, $4, now())
         ON CONFLICT (id) DO UPDATE SET user_id = EXCLUDED.user_id, data = EXCLUDED.data, expires_at = EXCLUDED.expires_at, updated_at = now()`,
        [sessionKey(sessionId), session.userId ?? null, sessionJson(session), expires],
      )
      .then(() => cb(), cb);
  }

  get(sessionId: string, cb: Callback<StoredSession>) {
    this.db
      .query<{ data: StoredSession }>('SELECT data FROM sessions WHERE id = $1 AND expires_at > now()', [sessionKey(sessionId)])
      .then((r) => cb(null, r.rows[0]?.data ?? null), cb);
  }

  destroy(sessionId: string, cb: Callback) {
    this.db.query('DELETE FROM sessions WHERE id = $1', [sessionKey(sessionId)]).then(() => cb(), cb);
  }
}

/** Ends every session of a user (deactivation, password change), optionally keeping one. */
export async function endUserSessions(db: Database | { query: Database['query'] }, userId: string, keepSessionId?: string) {
  await db.query('DELETE FROM sessions WHERE user_id = $1 AND ($2::text IS NULL OR id <> $2)', [
    userId,
    keepSessionId ? sessionKey(keepSessionId) : null,
  ]);
}

/** Forgets sessions past their expiry (a guest's too: each cookie-less visit to /login makes one for its CSRF token). */
export async function purgeExpiredSessions(db: { query: Database['query'] }): Promise<void> {
  await db.query('DELETE FROM sessions WHERE expires_at <= now()');
}
