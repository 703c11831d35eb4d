import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tenant, withTestApp } from '../test-support/harness.js';
import { HOST, login } from '../test-support/session.js';
import { isLocalPath } from './respond.js';

test('a path of this site is /…, never //host or /\\host (security audit)', () => {
  assert.deepEqual(
    ['/', '/leads?page=2', '/leads//x', '//evil.example/x', '/\\evil.example', 'https://evil.example/', 'leads', ''].map(isLocalPath),
    [true, true, true, false, false, false, false, false],
  );
});

test('a failed form goes back to the Referer only when it is a path of this site (security audit)', async () => {
  await withTestApp(async (t) => {
    const { email } = await tenant(t.db, { skus: false });
    const seller = await login(t.app, email);
    await seller.get('/leads/create');
    const back = async (referer: string) => {
      const res = await seller.form('/leads/store', { full_name: '' }, { headers: { referer } });
      return [res.statusCode, res.headers.location];
    };
    assert.deepEqual(await back(`http://${HOST}/leads/create?from=list`), [302, '/leads/create?from=list']);
    // Location: //evil.example/x is another site to a browser.
    assert.deepEqual(await back(`http://${HOST}//evil.example/x`), [302, '/']);
    assert.deepEqual(await back(`http://${HOST}/\\evil.example/x`), [302, '/']);
    assert.deepEqual(await back('http://evil.example/leads/create'), [302, '/']);
  });
});
