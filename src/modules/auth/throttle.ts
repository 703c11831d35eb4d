import type { Queryable } from '../../db/database.js';

const MAX_FAILURES = 5;
const WINDOW_SECONDS = 60;

const keyOf = (email: string, ip: string) => `${email.trim().toLowerCase()}|${ip}`;

/** Seconds until a throttled email+IP may try again, or 0. */
export async function throttledFor(q: Queryable, email: string, ip: string): Promise<number> {
  const { rows } = await q.query<{ wait: number }>(
    `SELECT ceil(extract(epoch FROM reset_at - now()))::int AS wait FROM login_throttles
      WHERE key = $1 AND failures >= $2 AND reset_at > now()`,
    [keyOf(email, ip), MAX_FAILURES],
  );
  return rows[0] ? Math.max(1, rows[0].wait) : 0;
}

export async function recordFailure(q: Queryable, email: string, ip: string): Promise<void> {
  await q.query(
    `INSERT INTO login_throttles (key, failures, reset_at) VALUES ($1, 1, now() + make_interval(secs => $2))
     ON CONFLICT (key) DO UPDATE SET
       failures = CASE WHEN login_throttles.reset_at <= now() THEN 1 ELSE login_throttles.failures + 1 END,
       reset_at = CASE WHEN login_throttles.reset_at <= now() THEN EXCLUDED.reset_at ELSE login_throttles.reset_at END`,
    [keyOf(email, ip), WINDOW_SECONDS],
  );
}

export async function clearFailures(q: Queryable, email: string, ip: string): Promise<void> {
  await q.query('DELETE FROM login_throttles WHERE key = $1', [keyOf(email, ip)]);
}
