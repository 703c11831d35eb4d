import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedTestApp, type TestApp } from '../test-support/harness.js';
import { PASSWORD, person } from '../test-support/people.js';
import { agent, login, type Agent } from '../test-support/session.js';
import { REMEMBER_MS } from './scope.js';

let t: TestApp;
sharedTestApp((app) => (t = app));

const sessionRows = (userId: string) =>
  t.db
    .query<{ updated_at: Date; expires_at: Date; last_seen: number }>(
      `SELECT updated_at, expires_at, (data->>'lastSeen')::float8 AS last_seen FROM sessions WHERE user_id = $1`,
      [userId],
    )
    .then((r) => r.rows);

const setCookie = (res: { headers: Record<string, unknown> }) => String(res.headers['set-cookie'] ?? '');
/** When the session cookie set by `res` expires (ms), or NaN. */
const cookieExpires = (res: { headers: Record<string, unknown> }) =>
  Date.parse(/codops_session=[^;]*;.*Expires=([^;]+)/.exec(setCookie(res))?.[1] ?? '');

describe('database sessions', () => {
  test('a request writes the session only when it changed; lastSeen, renewed once a minute, renews the row and the cookie', async () => {
    const p = await person(t.db, 'admin');
    const a = await login(t.app, p.email);
    assert.equal((await a.get('/')).statusCode, 200); // the first page adds the CSRF secret
    const [before] = await sessionRows(p.id);
    const res = await a.get('/');
    assert.equal(res.statusCode, 200);
    assert.doesNotMatch(setCookie(res), /codops_session=/);
    assert.deepEqual(await sessionRows(p.id), [before]);

    // A minute later the request renews lastSeen, and with it the row's expiry and the cookie.
    await t.db.query(
      `UPDATE sessions SET data = jsonb_set(data, '{lastSeen}', to_jsonb($2::float8)), expires_at = now() + interval '1 minute'
        WHERE user_id = $1`,
      [p.id, Date.now() - 61_000],
    );
    const later = await a.get('/');
    assert.equal(later.statusCode, 200);
    const idleMs = t.config.sessionIdleMinutes * 60_000;
    assert.ok(cookieExpires(later) > Date.now() + idleMs - 60_000);
    const [after] = await sessionRows(p.id);
    assert.ok(after.last_seen > Date.now() - 10_000);
    assert.ok(after.expires_at.getTime() > Date.now() + idleMs - 60_000);
  });

  test('"Remember me" gives the row and the cookie 30 days at login', async () => {
    const p = await person(t.db, 'admin');
    const a = agent(t.app);
    await a.get('/login');
    const res = await a.form('/login', { email: p.email, password: PASSWORD, remember: true });
    assert.equal(res.statusCode, 302);
    assert.ok(cookieExpires(res) > Date.now() + REMEMBER_MS - 60_000);
    const [row] = await sessionRows(p.id);
    assert.ok(row.expires_at.getTime() > Date.now() + REMEMBER_MS - 60_000);
  });

  test('logout and deactivation end a session at once', async () => {
    const p = await person(t.db, 'admin');
    const a = await login(t.app, p.email);
    assert.equal((await a.get('/')).statusCode, 200);
    const cookie = a.session!;
    await a.form('/logout');
    const stale = await t.app.inject({ method: 'GET', url: '/', headers: { cookie: `codops_session=${cookie}` } });
    assert.equal(stale.statusCode, 302);
    assert.equal(stale.headers.location, '/login');

    const q = await person(t.db, 'admin');
    const b = await login(t.app, q.email);
    assert.equal((await b.get('/')).statusCode, 200);
    await t.db.query(`UPDATE users SET status = 'inactive' WHERE id = $1`, [q.id]);
    const gone = await b.get('/');
    assert.equal(gone.statusCode, 302);
    assert.equal(gone.headers.location, '/login');
  });

  test("a 404 page that is a session's first page carries a usable token: its Log out form works (stats audit: 419)", async () => {
    const p = await person(t.db, 'admin');
    const a = await login(t.app, p.email);
    const missing = await a.get('/sourcings');
    assert.equal(missing.statusCode, 404);
    const token = /name="_token" value="([^"]*)"/.exec(missing.body)?.[1];
    assert.ok(token, 'the Log out form has a token');
    const cookie = a.session!;
    const out = await a.form('/logout', {}, { token });
    assert.equal(out.statusCode, 302, out.body.slice(0, 200));
    const stale = await t.app.inject({
      method: 'GET',
      url: '/',
      headers: { accept: 'text/html', cookie: `codops_session=${cookie}` },
    });
    assert.equal(stale.headers.location, '/login', 'logged out');
  });

  test('a form posted while its user is being deactivated answers 419, not a 500', async () => {
    // The session row was read before the deactivation committed, the user after: the row is still
    // there when the request finds its user inactive (the deactivation deletes it a moment later).
    for (const send of [
      (a: Agent) => a.form('/leads/store', { full_name: 'Late Form' }),
      (a: Agent) => a.json('POST', '/leads/store', { full_name: 'Late Form' }),
    ]) {
      const p = await person(t.db, 'admin');
      const a = await login(t.app, p.email);
      assert.equal((await a.get('/')).statusCode, 200);
      await t.db.query(`UPDATE users SET status = 'inactive' WHERE id = $1`, [p.id]);
      const late = await send(a);
      assert.equal(late.statusCode, 419, late.body);
      assert.deepEqual(await sessionRows(p.id), []);
    }
  });
});
