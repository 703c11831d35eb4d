import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, tenant, type TestApp } from '../test-support/harness.js';
import { encodeForm, HOST, login } from '../test-support/session.js';

// Every header helmet 8 sent with this configuration, byte for byte (they are now set without it).
const ALWAYS = {
  'content-security-policy':
    "default-src 'self';script-src 'self';script-src-attr 'none';style-src 'self';img-src 'self' data:;font-src 'self';" +
    "connect-src 'self';object-src 'none';frame-ancestors 'none';form-action 'self';base-uri 'none'",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'DENY',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

function assertCsp(value: unknown) {
  const csp = String(value);
  for (const d of [
    "script-src 'self'",
    "style-src 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
  ]) {
    assert.ok(csp.includes(d), `CSP has ${d}: ${csp}`);
  }
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
}

describe('security headers', () => {
  let plain: TestApp;
  let proxied: TestApp;
  before(async () => {
    plain = await testApp();
    proxied = await testApp({ TRUST_PROXY: 'true' });
  });
  after(async () => {
    await plain.close();
    await proxied.close();
  });

  test('a page: the strict CSP and the rest, no HSTS and no Secure cookie over HTTP', async () => {
    const res = await plain.app.inject({ method: 'GET', url: '/login', headers: { host: HOST } });
    assert.equal(res.statusCode, 200);
    for (const [k, v] of Object.entries(ALWAYS)) assert.equal(res.headers[k], v, k);
    assertCsp(res.headers['content-security-policy']);
    assert.equal(res.headers['strict-transport-security'], undefined);
  });

  test('the API reference (/docs): style sheets from the site and one hashed <style>; inline style attributes only', async () => {
    const res = await plain.app.inject({ method: 'GET', url: '/docs' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /swagger/i);
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /(^|; )style-src 'self' 'sha256-[A-Za-z0-9+/]+=*';/);
    assert.match(csp, /(^|; )style-src-attr 'unsafe-inline';/);
    assert.match(csp, /(^|; )script-src 'self';/);
    assert.doesNotMatch(csp.replace("style-src-attr 'unsafe-inline'", ''), /unsafe-inline|unsafe-eval/);
  });

  test('JSON answers carry them too (an API error and the health check)', async () => {
    for (const url of ['/api/web/1.0/leads', '/up']) {
      const res = await plain.app.inject({ method: 'GET', url, headers: { accept: 'application/json' } });
      assert.match(String(res.headers['content-type']), /application\/json/, url);
      for (const [k, v] of Object.entries(ALWAYS)) assert.equal(res.headers[k], v, `${url} ${k}`);
      assertCsp(res.headers['content-security-policy']);
    }
  });

  test('a dashboard answer in JSON is no-store like its page, a sign-in error too (security audit)', async () => {
    const { email } = await tenant(plain.db, { skus: false });
    const seller = await login(plain.app, email);
    for (const url of ['/leads', '/settings/profile', '/settings/api-keys', '/orders/nope/show', '/jobs/nope']) {
      const page = await seller.get(url);
      const json = await seller.get(url, { accept: 'application/json' });
      assert.equal(page.headers['cache-control'], 'no-store', `${url} page`);
      assert.equal(json.headers['cache-control'], 'no-store', `${url} JSON ${json.statusCode}`);
    }
    const guest = await plain.app.inject({ method: 'GET', url: '/leads', headers: { host: HOST, accept: 'application/json' } });
    assert.equal(guest.statusCode, 401);
    assert.equal(guest.headers['cache-control'], 'no-store');
  });

  test('X-Forwarded-Proto is ignored without TRUST_PROXY', async () => {
    const res = await plain.app.inject({ method: 'GET', url: '/login', headers: { host: HOST, 'x-forwarded-proto': 'https' } });
    assert.equal(res.headers['strict-transport-security'], undefined);
  });

  test('over HTTPS behind a trusted proxy: HSTS, and the session cookie is Secure and __Host- prefixed', async () => {
    const { db, app } = proxied;
    const { email } = await tenant(db); // a seller whose password is password-123
    const https = { host: HOST, 'x-forwarded-proto': 'https', referer: `https://${HOST}/login` };

    const page = await app.inject({ method: 'GET', url: '/login', headers: https });
    assert.equal(page.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains');
    assertCsp(page.headers['content-security-policy']);
    const json = await app.inject({ method: 'GET', url: '/up', headers: { ...https, accept: 'application/json' } });
    assert.equal(json.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains');

    const cookieOf = (r: typeof page) =>
      ([] as string[]).concat(r.headers['set-cookie'] ?? []).find((c) => c.startsWith('__Host-codops_session='));
    const first = cookieOf(page);
    assert.ok(first, `prefixed cookie in ${page.headers['set-cookie']}`);
    assert.match(first, /; Secure/);
    assert.match(first, /; Path=\//);
    assert.doesNotMatch(first, /Domain=/i);
    const token = /name="_token" value="([^"]+)"/.exec(page.body)![1];
    const cookie = first.split(';')[0];

    const loggedIn = await app.inject({
      method: 'POST',
      url: '/login',
      payload: encodeForm({ _token: token, email, password: 'password-123' }),
      headers: { ...https, cookie, 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(loggedIn.statusCode, 302);
    assert.equal(loggedIn.headers.location, '/');
    const session = cookieOf(loggedIn)!.split(';')[0];
    const home = await app.inject({ method: 'GET', url: '/', headers: { ...https, cookie: session } });
    assert.equal(home.statusCode, 200, 'the prefixed cookie carries the session');

    // Over HTTPS an unprefixed cookie (one a plain-HTTP page could plant) is not read.
    const planted = await app.inject({ method: 'GET', url: '/', headers: { ...https, cookie: session.replace('__Host-', '') } });
    assert.equal(planted.statusCode, 302);
    assert.equal(planted.headers.location, '/login');
  });
});
