import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withTestApp, usingPostgres } from '../../test-support/harness.js';
import { agent, login } from '../../test-support/session.js';
import { needsSetup, setupNotice, setupToken } from './setup.js';

// On PostgreSQL the test files share one database, where other files' admins exist.
const shared = usingPostgres ? 'PostgreSQL: the suite shares one database' : false;

test('an empty database: the one-time setup link creates the first admin in the browser, then stops working', { skip: shared }, () =>
  withTestApp(async (t) => {
    assert.equal(await needsSetup(t.db), true);
    const token = await setupToken(t.db, t.config.appKey);
    const notice = await setupNotice(t.db, t.config.appKey, 'http://127.0.0.1:4321');
    assert.equal(notice, `codops: no admin yet. Open http://127.0.0.1:4321/setup/${token} to create the first one (the link works once).`);

    const browser = agent(t.app);
    assert.match((await browser.get('/login')).body, /setup link/);
    assert.equal((await browser.get('/setup/not-the-token')).statusCode, 404);
    const page = await browser.get(`/setup/${token}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Create the first admin/);

    const mismatch = await browser.form(`/setup/${token}`, {
      full_name: 'First Admin',
      email: 'first@example.test',
      password: 'first-password',
      password_confirmation: 'typo',
    });
    assert.equal(mismatch.statusCode, 302);
    assert.match((await browser.follow(mismatch)).body, /The password field confirmation does not match\./);

    const done = await browser.form(`/setup/${token}`, {
      full_name: 'First Admin',
      email: 'first@example.test',
      password: 'first-password',
      password_confirmation: 'first-password',
    });
    assert.equal(done.statusCode, 302);
    assert.equal(done.headers.location, '/');
    const home = await browser.get('/');
    assert.equal(home.statusCode, 200);
    assert.match(home.body, /First Admin/);

    // The link is spent: no second admin through it, and the login page no longer mentions it.
    assert.equal((await agent(t.app).get(`/setup/${token}`)).statusCode, 404);
    assert.doesNotMatch((await agent(t.app).get('/login')).body, /setup link/);
    assert.equal(await setupNotice(t.db, t.config.appKey, 'http://x'), undefined);
    await login(t.app, 'first@example.test', 'first-password');
  }),
);
