import type { Queryable } from '../../db/database.js';

const MAX_FAILURES = 5;
const WINDOW_SECONDS = 60;

const keyOf = (email: string, ip: string) => `${email.trim().toLowerCase()}|${ip}`;

/**
 * Counts a login attempt for this email+IP before its password is checked, and answers the seconds
 * until another may be tried when it is past the limit, else 0. Counted first, in one statement (the
 * row's lock orders concurrent attempts): checking the count, verifying, then counting let a burst
 * of simultaneous guesses all pass a check that saw none of them. An attempt that turns out right
 * clears the count (clearFailures), so only failures are left counted, as dashboard.md's limit says.
 */
export async function claimAttempt(q: Queryable, email: string, ip: string): Promise<number> {
  const { rows } = await q.query<{ failures: number; wait: number }>(
    `INSERT INTO login_throttles (key, failures, reset_at) VALUES ($1, 1, now() + make_interval(secs => $2))
     ON CONFLICT (key) DO UPDATE SET
       failures = CASE WHEN login_throttles.reset_at <= now() THEN 1 ELSE login_throttles.failures + 1 END,
       reset_at = CASE WHEN login_throttles.reset_at <= now() THEN EXCLUDED.reset_at ELSE login_throttles.reset_at END
     RETURNING failures, ceil(extract(epoch FROM reset_at - now()))::int AS wait`,
    [keyOf(email, ip), WINDOW_SECONDS],
  );
  const { failures, wait } = rows[0];
  return failures > MAX_FAILURES ? Math.max(1, wait) : 0;
}

export async function clearFailures(q: Queryable, email: string, ip: string): Promise<void> {
  await q.query('DELETE FROM login_throttles WHERE key = $1', [keyOf(email, ip)]);
}

/** Forgets the counts whose minute is over (one row per email and address tried). */
export async function purgeLoginThrottles(q: Queryable): Promise<void> {
  await q.query('DELETE FROM login_throttles WHERE reset_at <= now()');
}
