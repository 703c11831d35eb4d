import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedTestApp, type TestApp } from '../../test-support/harness.js';
import { person } from '../../test-support/people.js';
import { login } from '../../test-support/session.js';
import { expectJson, FORBIDDEN } from '../../test-support/expect.js';

let t: TestApp;
sharedTestApp((app) => (t = app));

// Found by an audit: logged in as another admin, an admin deactivated their own user (and was locked
// out), though from their own session the same request is refused.
test('logged in as another admin, the admin behind them still cannot deactivate their own user', async () => {
  const me = await person(t.db, 'admin');
  const other = await person(t.db, 'admin');
  const admin = await login(t.app, me.email);
  assert.equal((await admin.form(`/users/${other.id}/impersonate`)).statusCode, 302);
  expectJson(await admin.json('PATCH', `/users/admins/${me.id}/deactivate`), 403, FORBIDDEN);
  const row = await t.db.query<{ status: string; deleted: boolean }>(
    'SELECT status, deleted_at IS NOT NULL AS deleted FROM users WHERE id = $1',
    [me.id],
  );
  assert.deepEqual(row.rows[0], { status: 'active', deleted: false });
  // Another admin is theirs to deactivate, as from their own session.
  const third = await person(t.db, 'admin');
  assert.equal((await admin.json('PATCH', `/users/admins/${third.id}/deactivate`)).statusCode, 200);
});
