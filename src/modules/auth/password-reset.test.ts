import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withTestApp, tenant } from '../../test-support/harness.js';
import { agent } from '../../test-support/session.js';

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
