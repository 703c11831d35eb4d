import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from './lib/ids.js';
import { tenant, withTestApp } from './test-support/harness.js';
import { purgeExpired } from './purge.js';

// Found after the security audit: every cookie-less visit to the login page stores a session (for
// its CSRF token), and nothing ever removed one; expired reset links and login counts stayed too.
// Test files share one PostgreSQL database: this one looks at its own rows only.
test('the hourly purge forgets expired sessions, reset links and login counts, and keeps the live ones', () =>
  withTestApp(async (t) => {
    const { userId } = await tenant(t.db, { skus: false });
    const mine = newId();
    await t.db.query(
      `INSERT INTO sessions (id, data, expires_at) VALUES ($1, '{}', now() - interval '1 second'), ($2, '{}', now() + interval '1 hour')`,
      [`${mine}-old`, `${mine}-live`],
    );
    await t.db.query(
      `INSERT INTO password_resets (token_hash, user_id, expires_at, used_at) VALUES
         ($2, $1, now() - interval '1 minute', now() - interval '30 minutes'),
         ($3, $1, now() - interval '1 minute', NULL),
         ($4, $1, now() + interval '1 hour', NULL)`,
      [userId, `${mine}-old-used`, `${mine}-old`, `${mine}-live`],
    );
    await t.db.query(
      `INSERT INTO login_throttles (key, failures, reset_at) VALUES ($1, 5, now() - interval '1 second'), ($2, 5, now() + interval '1 minute')`,
      [`${mine}-old`, `${mine}-live`],
    );
    const left = async () => ({
      sessions: (await t.db.query<{ id: string }>(`SELECT id FROM sessions WHERE id LIKE $1 ORDER BY id`, [`${mine}%`])).rows.map(
        (r) => r.id,
      ),
      resets: (
        await t.db.query<{ id: string }>(`SELECT token_hash AS id FROM password_resets WHERE user_id = $1 ORDER BY 1`, [userId])
      ).rows.map((r) => r.id),
      throttles: (
        await t.db.query<{ id: string }>(`SELECT key AS id FROM login_throttles WHERE key LIKE $1 ORDER BY 1`, [`${mine}%`])
      ).rows.map((r) => r.id),
    });
    assert.deepEqual((await left()).sessions, [`${mine}-live`, `${mine}-old`]);

    await purgeExpired(t.db);
    assert.deepEqual(await left(), { sessions: [`${mine}-live`], resets: [`${mine}-live`], throttles: [`${mine}-live`] });
  }));
