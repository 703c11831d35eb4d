import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tenant, withTestApp } from '../test-support/harness.js';
import { HOST, login } from '../test-support/session.js';
import { isLocalPath, oldInput } from './respond.js';

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

test('a JSON request without a body may still say Content-Type: application/json: no input, not a 400', async () => {
  await withTestApp(async (t) => {
    const { email, tokenId } = await tenant(t.db, { skus: false });
    const seller = await login(t.app, email);
    const json = { 'content-type': 'application/json' };
    // A bodiless action (a revoke), as a fetch() with its usual headers sends it.
    const revoked = await seller.json('DELETE', `/settings/api-keys/${tokenId}`, undefined, { headers: json });
    assert.equal(revoked.statusCode, 200, revoked.body);
    assert.deepEqual(revoked.json(), { message: 'API key revoked.' });
    // A form's route given no body answers its validation, not "not valid JSON".
    const empty = await seller.json('PATCH', '/settings/payment/paypal', undefined, { headers: json });
    assert.equal(empty.statusCode, 422, empty.body);
    // Malformed JSON is still the catalogue's 400.
    const broken = await t.app.inject({
      method: 'PATCH',
      url: '/settings/payment/paypal',
      payload: '{"paypal_email":',
      headers: {
        ...json,
        host: HOST,
        accept: 'application/json',
        'x-csrf-token': seller.token,
        cookie: `codops_session=${seller.session}`,
      },
    });
    assert.equal(broken.statusCode, 400, broken.body);
    assert.deepEqual(broken.json(), { message: 'The request body is not valid JSON.' });
  });
});

test('old input keeps what was typed, never a password, a secret or an API key (not shown back, and kept in the session store)', () => {
  const sent = {
    name: 'Amana',
    password: 'p',
    password_confirmation: 'p',
    current_password: 'c',
    secret: 's',
    api_key: 'k',
    _token: 't',
    _method: 'PATCH',
    ids: ['1', '2'],
  };
  assert.deepEqual(oldInput(sent), { name: 'Amana', ids: ['1', '2'] });
});
