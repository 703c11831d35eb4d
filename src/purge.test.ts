import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tenant, withTestApp } from './test-support/harness.js';
import { agent } from './test-support/session.js';
import { purgeExpired } from './purge.js';

// Found after the security audit: every cookie-less visit to the login page stores a session (for
// its CSRF token), and nothing ever removed one; expired reset links and login counts stayed too.
test('the hourly purge forgets expired sessions, reset links and login counts, and keeps the live ones', () =>
  withTestApp(async (t) => {
    const { userId } = await tenant(t.db, { skus: false });
    for (let i = 0; i < 3; i++) await agent(t.app).get('/login'); // three guests' sessions
    const live = agent(t.app);
    await live.get('/login');
    await t.db.query(`UPDATE sessions SET expires_at = now() - interval '1 second'`);
    await live.get('/login'); // a new guest session, live
    await t.db.query(
      `INSERT INTO password_resets (token_hash, user_id, expires_at, used_at) VALUES
         ('old-used', $1, now() - interval '1 minute', now() - interval '30 minutes'),
         ('old', $1, now() - interval '1 minute', NULL),
         ('live', $1, now() + interval '1 hour', NULL)`,
      [userId],
    );
    await t.db.query(
      `INSERT INTO login_throttles (key, failures, reset_at) VALUES ('old|1', 5, now() - interval '1 second'), ('live|1', 5, now() + interval '1 minute')`,
    );
    const count = async (table: string) => (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
    assert.deepEqual([await count('sessions'), await count('password_resets'), await count('login_throttles')], [5, 3, 2]);

    await purgeExpired(t.db);
    assert.deepEqual([await count('sessions'), await count('password_resets'), await count('login_throttles')], [1, 1, 1]);
    const left = await t.db.query<{ token_hash: string }>('SELECT token_hash FROM password_resets');
    assert.deepEqual(left.rows, [{ token_hash: 'live' }]);
  }));
