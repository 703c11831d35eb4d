import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loggedTestApp, withTestApp, tenant } from '../../test-support/harness.js';
import { agent } from '../../test-support/session.js';
import { createResetToken } from './password-resets.js';

test('a reset asked while the mail server is down answers as for an unknown address (it was a 500 there: ops audit)', async () => {
  await withTestApp(
    async (t) => {
      const known = await tenant(t.db, { skus: false });
      const ask = async (email: string) => {
        const visitor = agent(t.app);
        await visitor.get('/reset-password');
        const res = await visitor.form('/reset-password', { email });
        const page = res.statusCode === 302 ? await visitor.follow(res) : res;
        return { status: res.statusCode, location: res.headers.location, flash: /class="flash[^"]*"[^>]*>([^<]*)</.exec(page.body)?.[1] };
      };
      const unknown = await ask('nobody@nowhere.test');
      assert.deepEqual(unknown, {
        status: 302,
        location: '/reset-password',
        flash: 'If an account exists for that email address, we have emailed a password reset link.',
      });
      assert.deepEqual(await ask(known.email), unknown);
    },
    { MAIL_URL: 'smtp://127.0.0.1:1' },
  );
});

test('only the latest reset link works, and none is left once the password is reset (security audit)', async () => {
  await withTestApp(async (t) => {
    const { userId, email } = await tenant(t.db, { skus: false });
    const reset = async (token: string, password: string) => {
      const visitor = agent(t.app);
      await visitor.get('/reset-password');
      const res = await visitor.json('POST', '/reset-password', { token, email, password, password_confirmation: password });
      return { status: res.statusCode, body: res.json() as unknown };
    };
    const invalidLink = {
      status: 422,
      body: { message: 'The given data was invalid.', errors: { email: ['This password reset link is invalid or has expired.'] } },
    };
    const done = { status: 200, body: { message: 'Your password has been reset. You can log in with it now.' } };

    // Each link asked for a few minutes after the previous one (a second within a minute is not made).
    const ask = async () => {
      await t.db.query(`UPDATE password_resets SET created_at = created_at - interval '2 minutes' WHERE user_id = $1`, [userId]);
      return (await createResetToken(t.db, userId))!;
    };

    // A second request makes the first mail's link useless.
    const first = await ask();
    const second = await ask();
    assert.deepEqual(await reset(first, 'new-password-1'), invalidLink);
    assert.deepEqual(await reset(second, 'new-password-2'), done);

    // A link still unused when another one resets the password dies with that reset.
    const a = await ask();
    const b = await ask();
    assert.deepEqual(await reset(b, 'new-password-3'), done);
    assert.deepEqual(await reset(a, 'new-password-4'), invalidLink);
    await t.db.query(`INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES ('x', $1, now() + interval '1 hour')`, [userId]);
    const c = await ask();
    assert.equal(
      (await t.db.query(`SELECT count(*)::int AS n FROM password_resets WHERE user_id = $1 AND used_at IS NULL`, [userId])).rows[0].n,
      1,
    );
    assert.deepEqual(await reset(c, 'new-password-5'), done);

    // A user made inactive after the mail was sent: the link no longer sets their password.
    const d = await ask();
    await t.db.query(`UPDATE users SET status = 'inactive' WHERE id = $1`, [userId]);
    assert.deepEqual(await reset(d, 'new-password-6'), invalidLink);
    await t.db.query(`UPDATE users SET status = 'active' WHERE id = $1`, [userId]);
    assert.deepEqual(await reset(d, 'new-password-6'), done);
  });
});

test('a second reset link for the same user is not mailed within a minute, and the answer stays the same (security audit)', async () => {
  await withTestApp(async (t) => {
    const { userId, email } = await tenant(t.db, { skus: false });
    const ask = async () => {
      const visitor = agent(t.app);
      await visitor.get('/reset-password');
      const res = await visitor.json('POST', '/reset-password', { email });
      return [res.statusCode, res.json()];
    };
    const links = async () =>
      (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM password_resets WHERE user_id = $1', [userId])).rows[0].n;
    const sent = [200, { message: 'If an account exists for that email address, we have emailed a password reset link.' }];
    assert.deepEqual(await ask(), sent);
    const [made] = (await t.db.query<{ token_hash: string }>('SELECT token_hash FROM password_resets WHERE user_id = $1', [userId])).rows;
    // Twenty more asks in the same minute: the same answer, no new link (and so no mail).
    for (let i = 0; i < 20; i++) assert.deepEqual(await ask(), sent);
    assert.equal(await links(), 1);
    assert.deepEqual((await t.db.query('SELECT token_hash FROM password_resets WHERE user_id = $1', [userId])).rows, [made]);
    // A minute later a new link is made, and the old one is gone.
    await t.db.query(`UPDATE password_resets SET created_at = created_at - interval '61 seconds' WHERE user_id = $1`, [userId]);
    assert.deepEqual(await ask(), sent);
    assert.equal(await links(), 1);
    assert.notDeepEqual((await t.db.query('SELECT token_hash FROM password_resets WHERE user_id = $1', [userId])).rows, [made]);
  });
});

test('a password reset through a mailed link is in the audit log, as its user (security audit)', async () => {
  await withTestApp(async (t) => {
    const { userId, email, accountId } = await tenant(t.db, { skus: false });
    const token = (await createResetToken(t.db, userId))!;
    const visitor = agent(t.app);
    await visitor.get('/reset-password');
    const res = await visitor.json('POST', '/reset-password', {
      token,
      email,
      password: 'new-password-1',
      password_confirmation: 'new-password-1',
    });
    assert.equal(res.statusCode, 200);
    const { rows } = await t.db.query(
      `SELECT user_id, impersonator_id, action, subject_type, subject_id, account_id, changes FROM audit_log WHERE subject_id = $1`,
      [userId],
    );
    assert.deepEqual(rows, [
      {
        user_id: userId,
        impersonator_id: null,
        action: 'users.reset_password',
        subject_type: 'user',
        subject_id: userId,
        account_id: accountId,
        changes: {},
      },
    ]);
  });
});

test('the server logs never hold a reset link or a setup link (security audit)', async () => {
  const { app, db, log: logged, close } = await loggedTestApp('info');
  try {
    const { userId, email } = await tenant(db, { skus: false });
    const token = (await createResetToken(db, userId))!;
    const page = await app.inject({ url: `/reset-password/${token}?email=${encodeURIComponent(email)}` });
    assert.equal(page.statusCode, 200);
    const setupSecret = 'f'.repeat(64);
    await app.inject({ url: `/setup/${setupSecret}` });
    const log = logged();
    assert.match(log, /"url":"\/reset-password\/\[redacted\]\?email=/, 'the request is logged, its secret replaced');
    assert.match(log, /"url":"\/setup\/\[redacted\]"/);
    assert.ok(!log.includes(token), 'the reset token is not logged');
    assert.ok(!log.includes(setupSecret), 'the setup secret is not logged');
  } finally {
    await close();
  }
});

test('simultaneous reset requests for one user make one link, not one each (security audit)', async () => {
  await withTestApp(async (t) => {
    const { userId, email } = await tenant(t.db, { skus: false });
    const visitors = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const visitor = agent(t.app);
        await visitor.get('/reset-password');
        return visitor;
      }),
    );
    const answers = await Promise.all(visitors.map((v) => v.json('POST', '/reset-password', { email }).then((res) => res.statusCode)));
    assert.deepEqual(new Set(answers), new Set([200]));
    const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM password_resets WHERE user_id = $1', [userId]);
    assert.equal(rows[0].n, 1);
  });
});

test('a refused reset goes back to its own form, also when the browser sends no Referer', async () => {
  await withTestApp(async (t) => {
    const { userId, email } = await tenant(t.db, { skus: false });
    const token = (await createResetToken(t.db, userId))!;
    const visitor = agent(t.app);
    await visitor.get(`/reset-password/${token}?email=${encodeURIComponent(email)}`);
    const body = { token, email, password: 'new-password-1', password_confirmation: 'typo' };
    const refused = await visitor.form('/reset-password', body, { headers: { referer: '' } });
    assert.equal(refused.statusCode, 302);
    assert.equal(refused.headers.location, `/reset-password/${token}?email=${encodeURIComponent(email)}`);
    const page = await visitor.follow(refused);
    assert.match(page.body, /The password field confirmation does not match\./);
    // Asking for a link goes back to the request form.
    const asked = await visitor.form('/reset-password', { email: 'not an email' }, { headers: { referer: '' } });
    assert.equal(asked.headers.location, '/reset-password');
    // A token that no link holds (a path, a NUL, 10,000 characters) goes back to the request form.
    for (const odd of ['../../login', 'ab\u0000cd', 'a'.repeat(10_000)]) {
      const res = await visitor.form('/reset-password', { ...body, token: odd }, { headers: { referer: '' } });
      assert.equal(res.statusCode, 302, odd.slice(0, 20));
      assert.equal(res.headers.location, '/reset-password', odd.slice(0, 20));
    }
  });
});
