import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '../../lib/ids.js';
import { expectInvalid, redirectsTo } from '../../test-support/expect.js';
import { sharedTestApp, type TestApp } from '../../test-support/harness.js';
import { login, type Agent } from '../../test-support/session.js';
import { createAccount } from '../accounts/service.js';
import { SCOPES } from '../../core/scopes.js';
import { createToken, hashSecret } from './tokens.js';
import { ROLES, type Role } from '../../core/roles.js';
import { createUser } from '../users/service.js';
import { formatDate, formatDateTime, inDisplayZone } from '../../web/format.js';

const API = '/api/web/1.0';
const TOKEN = /\d+\|[a-f0-9]{48}/;

let t: TestApp;
// Asia/Tokyo (UTC+9, no summer time): a key's last day ends at 14:59:59 UTC.
sharedTestApp((app) => (t = app), { TIMEZONE: 'Asia/Tokyo' });

async function person(role: Role = 'seller', accountId?: string) {
  const account = accountId ?? (await createAccount(t.db, { name: `Shop ${newId().slice(-6)}` })).id;
  const email = `${role}-${newId().toLowerCase()}@example.test`;
  const { id } = await createUser(t.db, { role, email, password: 'password-123', fullName: `Test ${role}`, accountId: account });
  return { id, email, accountId: account };
}

const bearer = (token: string) => t.app.inject({ method: 'GET', url: `${API}/leads`, headers: { authorization: `Bearer ${token}` } });

const tokenCount = async (accountId: string) =>
  (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM api_tokens WHERE account_id = $1', [accountId])).rows[0].n;

async function generate(a: Agent, body: Record<string, unknown>) {
  const res = await a.json('POST', '/settings/api-keys/store', body);
  assert.equal(res.statusCode, 201, res.body);
  return res.json().data as { id: number; name: string; scopes: string[]; expires_at: string | null; token: string };
}

describe('API keys: generate, shown once, use, revoke', () => {
  test('a seller generates a key from the form; the page shows it once with a Copy button; it works; revoked it answers 401', async () => {
    const s = await person('seller');
    const a = await login(t.app, s.email);
    const list = await a.get('/settings/api-keys');
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /No API keys yet/);
    // What is true: no Shopify, WooCommerce or Google Sheets connector exists (integrations.md is planned).
    assert.match(list.body, /Keys let your shop, or any program calling the REST API, send leads and orders to codops\./);
    assert.doesNotMatch(list.body, /WooCommerce|Google Sheets/);
    const create = await a.get('/settings/api-keys/create');
    assert.equal(create.statusCode, 200);
    for (const label of ['Name', 'Scopes', 'Expires at', 'Create leads', 'View leads', 'Delete orders'])
      // A required group's legend carries its `*` after its name.
      assert.match(create.body, new RegExp(`>${label}(?: <span class="req" aria-hidden="true">\\*</span>)?<`), label);
    assert.doesNotMatch(create.body, /name="account_id"/, 'sellers make keys for their own account');
    assert.match(create.body, /until the end of this day \(Asia\/Tokyo time\)/);

    const res = await a.form('/settings/api-keys/store', { name: 'Shopify store', scopes: ['VIEW LEADS', 'CREATE LEADS'] });
    redirectsTo(res, '/settings/api-keys');
    const shown = await a.follow(res);
    assert.equal(shown.statusCode, 200);
    assert.match(shown.body, /API key generated\./);
    const box =
      /<div class="token-box"><code id="([^"]+)">([^<]+)<\/code><button type="button" class="btn btn-secondary btn-small" data-copy="([^"]+)">Copy<\/button><span class="sr-only" aria-live="polite" data-copy-status="\3"><\/span><\/div>/.exec(
        shown.body,
      );
    assert.ok(box, 'the token box with its Copy button');
    assert.equal(box[1], box[3], 'the button copies the code element');
    const token = box[2];
    assert.match(token, new RegExp(`^${TOKEN.source}$`));
    assert.match(shown.body, /it will not be shown again/);
    // Where to send it, from the screen that shows it: the API's address and its reference.
    assert.match(
      shown.body,
      /to the API at <code>http:\/\/[^<]+\/api\/web\/1\.0\/<\/code>, e\.g\. <code>POST http:\/\/[^<]+\/api\/web\/1\.0\/leads<\/code>/,
    );
    assert.match(shown.body, /<a href="\/docs">API reference<\/a>/);
    assert.match(
      shown.body,
      /<span class="badge badge-green">Create leads<\/span><span class="badge badge-blue">View leads<\/span>/,
      'scopes as badges, in the documented order',
    );
    assert.match(shown.body, />Active</);

    // Never again: not on the next render, and never stored in clear (tokens hashed, session sealed).
    const again = await a.get('/settings/api-keys');
    assert.doesNotMatch(again.body, new RegExp(token.replace('|', '\\|')));
    assert.doesNotMatch(again.body, /token-box/);
    assert.match(again.body, /Shopify store/);
    const secret = token.split('|')[1];
    const stored = await t.db.query<{ secret_hash: string; user_id: string; account_id: string; scopes: string[] }>(
      'SELECT secret_hash, user_id, account_id, scopes FROM api_tokens WHERE id = $1',
      [Number(token.split('|')[0])],
    );
    assert.deepEqual(stored.rows[0], {
      secret_hash: hashSecret(secret),
      user_id: s.id,
      account_id: s.accountId,
      scopes: ['CREATE LEADS', 'VIEW LEADS'],
    });
    const dump = await t.db.query<{ text: string }>(`SELECT string_agg(data::text, '') AS text FROM sessions`);
    assert.ok(!String(dump.rows[0].text).includes(secret), 'the plaintext never reaches the sessions table');

    const before = await bearer(token);
    assert.equal(before.statusCode, 200, before.body);

    const revoke = await a.form(`/settings/api-keys/${token.split('|')[0]}`, {}, { method: 'DELETE' });
    redirectsTo(revoke, '/settings/api-keys');
    const afterPage = await a.follow(revoke);
    assert.match(afterPage.body, /API key revoked\./);
    assert.match(afterPage.body, />Revoked</);

    const afterRevoke = await bearer(token);
    assert.equal(afterRevoke.statusCode, 401);
    assert.deepEqual(afterRevoke.json(), { message: 'Unauthenticated.' });
    const audit = await t.db.query<{ action: string }>(
      `SELECT action FROM audit_log WHERE subject_type = 'api_token' AND subject_id = $1 ORDER BY id`,
      [token.split('|')[0]],
    );
    assert.deepEqual(
      audit.rows.map((r) => r.action),
      ['tokens.create', 'tokens.revoke'],
    );
  });

  test("the list shows a key's expiry day, and its time when it is not the day's end (it was in a tooltip only)", async () => {
    const s = await person('seller');
    const a = await login(t.app, s.email);
    const day = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    await generate(a, { name: 'Whole day', scopes: ['VIEW LEADS'], expires_at: day });
    await generate(a, { name: 'Nine sharp', scopes: ['VIEW LEADS'], expires_at: `${day}T00:00:00Z` });
    const page = (await a.get('/settings/api-keys')).body;
    const [whole, nine] = ['Whole day', 'Nine sharp'].map((name) => page.split('<tr').find((r) => r.includes(name)) ?? '');
    const shown = (at: string, f: typeof formatDate) => inDisplayZone('Asia/Tokyo', () => f(at)).replace('+', '\\+');
    assert.match(whole, new RegExp(`<time datetime="${day}T14:59:59Z" title="[^"]+">${shown(`${day}T14:59:59Z`, formatDate)}</time>`));
    assert.match(nine, new RegExp(`<time datetime="${day}T00:00:00Z">${shown(`${day}T00:00:00Z`, formatDateTime)}</time>`));
    assert.match(nine, /, 09:00 UTC\+9</);
  });

  test('JSON: 201 with the token once, the list without it, revoke answers a message', async () => {
    const s = await person('seller');
    const a = await login(t.app, s.email);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const res = await a.json('POST', '/settings/api-keys/store', {
      name: 'Sheets',
      scopes: ['VIEW ORDERS', 'VIEW LEADS', 'VIEW LEADS'],
      expires_at: tomorrow,
    });
    assert.equal(res.statusCode, 201, res.body);
    const data = res.json().data;
    assert.deepEqual(Object.keys(data), ['id', 'name', 'scopes', 'expires_at', 'token']);
    assert.deepEqual(
      { ...data, token: undefined },
      { id: data.id, name: 'Sheets', scopes: ['VIEW LEADS', 'VIEW ORDERS'], expires_at: `${tomorrow}T14:59:59Z`, token: undefined },
    );
    assert.match(data.token, new RegExp(`^${data.id}\\|[a-f0-9]{48}$`));
    assert.equal((await bearer(data.token)).statusCode, 200);

    const list = await a.json('GET', '/settings/api-keys');
    assert.equal(list.statusCode, 200);
    const body = list.json();
    assert.equal(body.data.length, 1);
    assert.deepEqual(body.meta, { current_page: 1, per_page: 25, total: 1, last_page: 1 });
    assert.equal(body.data[0].name, 'Sheets');
    assert.equal(body.data[0].status, 'active');
    assert.equal(body.data[0].expires_at, `${tomorrow}T14:59:59Z`);
    assert.ok(!JSON.stringify(body).includes(data.token.split('|')[1]));

    const revoked = await a.json('DELETE', `/settings/api-keys/${data.id}`);
    assert.equal(revoked.statusCode, 200);
    assert.deepEqual(revoked.json(), { message: 'API key revoked.' });
    assert.equal((await bearer(data.token)).statusCode, 401);
    // Revoking twice is harmless.
    assert.equal((await a.json('DELETE', `/settings/api-keys/${data.id}`)).statusCode, 200);
    const status = (await a.json('GET', '/settings/api-keys?status=revoked')).json();
    assert.deepEqual([status.data[0].id, status.data[0].status], [data.id, 'revoked']);
    assert.equal((await a.json('GET', '/settings/api-keys?status=active')).json().data.length, 0);
    const { id: oldId } = await createToken(t.db, {
      userId: s.id,
      accountId: s.accountId,
      name: 'Old',
      scopes: ['VIEW LEADS'],
      expiresAt: new Date(Date.now() - 1000),
    });
    const expired = (await a.json('GET', '/settings/api-keys?status=expired')).json();
    assert.deepEqual(
      expired.data.map((k: { id: number; status: string }) => [k.id, k.status]),
      [[oldId, 'expired']],
    );
    assert.match((await a.get('/settings/api-keys')).body, /<span class="badge badge-gray">Expired<\/span>/);
  });

  test('a key revoked on this process is refused by its very next request, though its row was cached', async () => {
    const s = await person('seller');
    const a = await login(t.app, s.email);
    const { id, token } = await createToken(t.db, {
      userId: s.id,
      accountId: s.accountId,
      name: 'Shop',
      scopes: [...SCOPES],
      expiresAt: null,
    });
    // Two uses: the second is answered from the bearer cache (modules/tokens/bearer.ts).
    assert.equal((await bearer(token)).statusCode, 200);
    assert.equal((await bearer(token)).statusCode, 200);
    assert.equal((await a.json('DELETE', `/settings/api-keys/${id}`)).statusCode, 200);
    // No waiting for the auth-change NOTIFY: the revoking process forgets its cache itself.
    for (const [method, url] of [
      ['GET', `${API}/leads`],
      ['POST', `${API}/leads`],
    ] as const) {
      const res = await t.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload: '{}',
      });
      assert.equal(res.statusCode, 401, `${method} ${url}`);
      assert.deepEqual(res.json(), { message: 'Unauthenticated.' });
    }
  });

  test('validation: exact messages; the form goes back with the errors and the old input', async () => {
    const s = await person('seller');
    const a = await login(t.app, s.email);
    expectInvalid(await a.json('POST', '/settings/api-keys/store', {}), {
      name: ['The name field is required.'],
      scopes: ['The scopes field is required.'],
    });
    expectInvalid(await a.json('POST', '/settings/api-keys/store', { name: 'x', scopes: [] }), {
      scopes: ['The scopes field is required.'],
    });
    expectInvalid(await a.json('POST', '/settings/api-keys/store', { name: 'x'.repeat(101), scopes: ['VIEW LEADS', 'EAT LEADS'] }), {
      name: ['The name field must not be greater than 100 characters.'],
      'scopes.1': ['The selected scopes.1 is invalid.'],
    });
    expectInvalid(await a.json('POST', '/settings/api-keys/store', { name: 'x', scopes: ['view leads'] }), {
      'scopes.0': ['The selected scopes.0 is invalid.'],
    });
    expectInvalid(await a.json('POST', '/settings/api-keys/store', { name: 'x', scopes: 'VIEW LEADS' }), {
      scopes: ['The scopes field must be an array.'],
    });
    expectInvalid(await a.json('POST', '/settings/api-keys/store', { name: 'x', scopes: ['VIEW LEADS'], expires_at: '2020-01-01' }), {
      expires_at: ['The expires at field must be a date after now.'],
    });
    expectInvalid(await a.json('POST', '/settings/api-keys/store', { name: 'x', scopes: ['VIEW LEADS'], expires_at: '2030-02-30' }), {
      expires_at: ['The expires at field must be a valid date.'],
    });
    assert.equal(await tokenCount(s.accountId), 0);

    await a.get('/settings/api-keys/create');
    const res = await a.form('/settings/api-keys/store', {
      name: 'Kept name',
      scopes: ['DELETE ORDERS', 'NOPE'],
      expires_at: '2001-01-01',
    });
    redirectsTo(res, '/settings/api-keys/create');
    const page = await a.follow(res);
    assert.match(page.body, /value="Kept name"/);
    assert.match(page.body, /value="DELETE ORDERS" checked/);
    assert.match(page.body, /The selected scopes.1 is invalid\./, 'shown above the form');
    assert.match(page.body, /id="f-expires_at-error"><li>The expires at field must be a date after now\.<\/li>/);
    const none = await a.form('/settings/api-keys/store', { name: '' });
    const back = await a.follow(none);
    assert.match(back.body, /The name field is required\./);
    assert.match(back.body, /The scopes field is required\./);
    assert.equal(await tokenCount(s.accountId), 0);
  });

  test('a missing CSRF token answers 419 and generates nothing; revoke without it changes nothing', async () => {
    const s = await person('seller');
    const a = await login(t.app, s.email);
    const res = await a.form('/settings/api-keys/store', { name: 'x', scopes: ['VIEW LEADS'] }, { token: false });
    assert.equal(res.statusCode, 419);
    const json = await a.json('POST', '/settings/api-keys/store', { name: 'x', scopes: ['VIEW LEADS'] }, { token: false });
    assert.equal(json.statusCode, 419);
    assert.equal(await tokenCount(s.accountId), 0);
    const key = await generate(a, { name: 'Live', scopes: ['VIEW LEADS'] });
    assert.equal((await a.form(`/settings/api-keys/${key.id}`, {}, { method: 'DELETE', token: false })).statusCode, 419);
    assert.equal((await bearer(key.token)).statusCode, 200);
  });
});

describe('API keys: accounts and roles', () => {
  test('a seller sees and revokes only their account’s keys: another account’s key is 404', async () => {
    const s1 = await person('seller');
    const teammate = await person('seller', s1.accountId);
    const s2 = await person('seller');
    const a1 = await login(t.app, s1.email);
    const a2 = await login(t.app, s2.email);
    const mine = await generate(a1, { name: 'Mine', scopes: ['VIEW LEADS'] });
    const theirs = await generate(a2, { name: 'Theirs', scopes: ['VIEW LEADS'] });

    const page = await a1.get('/settings/api-keys');
    assert.match(page.body, />Mine</);
    assert.doesNotMatch(page.body, /Theirs/);
    assert.doesNotMatch(page.body, />Account</, 'no account column for sellers');
    // The account filter is an admin's: a seller's account_id is ignored.
    const forced = (await a1.json('GET', `/settings/api-keys?account_id=${s2.accountId}`)).json();
    assert.deepEqual(
      forced.data.map((k: { name: string }) => k.name),
      ['Mine'],
    );

    const page404 = await a1.form(`/settings/api-keys/${theirs.id}`, {}, { method: 'DELETE' });
    assert.equal(page404.statusCode, 404);
    const json404 = await a1.json('DELETE', `/settings/api-keys/${theirs.id}`);
    assert.equal(json404.statusCode, 404);
    assert.deepEqual(json404.json(), { message: 'Resource not found.' });
    assert.equal((await a1.json('DELETE', '/settings/api-keys/999999999')).statusCode, 404);
    assert.equal((await a1.json('DELETE', '/settings/api-keys/abc')).statusCode, 404);
    assert.equal((await bearer(theirs.token)).statusCode, 200, 'still works');

    // A team member of the same account sees and may revoke the account's key.
    const t1 = await login(t.app, teammate.email);
    assert.match((await t1.get('/settings/api-keys')).body, />Mine</);
    assert.equal((await t1.json('DELETE', `/settings/api-keys/${mine.id}`)).statusCode, 200);
    assert.equal((await bearer(mine.token)).statusCode, 401);
  });

  test('an admin makes a key for an account (the key’s user is the admin), sees every account’s keys and filters by account', async () => {
    const admin = await person('admin');
    const s1 = await person('seller');
    const s2 = await person('seller');
    const a = await login(t.app, admin.email);
    const create = await a.get('/settings/api-keys/create');
    assert.match(create.body, /<label for="f-account_id">Account<\/label>/);
    const preset = await a.get(`/settings/api-keys/create?account_id=${s2.accountId}`);
    assert.match(preset.body, new RegExp(`<option value="${s2.accountId}" selected`), 'the list’s account filter carries over');

    expectInvalid(await a.json('POST', '/settings/api-keys/store', { name: 'x', scopes: ['VIEW LEADS'] }), {
      account_id: ['The account id field is required.'],
    });
    expectInvalid(await a.json('POST', '/settings/api-keys/store', { account_id: 'nope', name: 'x', scopes: ['VIEW LEADS'] }), {
      account_id: ['The selected account id is invalid.'],
    });

    const res = await a.form('/settings/api-keys/store', {
      account_id: s1.accountId,
      name: 'Ops key',
      scopes: ['VIEW LEADS', 'VIEW ORDERS'],
    });
    redirectsTo(res, '/settings/api-keys');
    const token = TOKEN.exec((await a.follow(res)).body)![0];
    const row = await t.db.query<{ user_id: string; account_id: string }>('SELECT user_id, account_id FROM api_tokens WHERE id = $1', [
      Number(token.split('|')[0]),
    ]);
    assert.deepEqual(row.rows[0], { user_id: admin.id, account_id: s1.accountId });
    assert.equal((await bearer(token)).statusCode, 200);

    // Names unique to this run: an admin sees every key of the database (PostgreSQL is shared between runs).
    const run = newId().slice(-8).toLowerCase();
    const sellerKey = await generate(await login(t.app, s2.email), { name: `Seller two key ${run}`, scopes: ['CREATE ORDERS'] });
    const all = await a.get('/settings/api-keys?sort=created_at&direction=desc&per_page=100');
    assert.match(all.body, />Ops key</);
    assert.match(all.body, new RegExp(`>Seller two key ${run}<`));
    assert.match(all.body, /<th scope="col">Account<\/th>/);
    const filtered = await a.get(`/settings/api-keys?account_id=${s1.accountId}`);
    assert.match(filtered.body, />Ops key</);
    assert.doesNotMatch(filtered.body, /Seller two key/);
    assert.match(filtered.body, new RegExp(`<option value="${s1.accountId}" selected`));
    const searched = (await a.json('GET', `/settings/api-keys?search=two+key+${run}`)).json();
    assert.deepEqual(
      searched.data.map((k: { id: number }) => k.id),
      [sellerKey.id],
    );
    assert.equal(
      (await a.json('GET', `/settings/api-keys?search=${encodeURIComponent('%')}${run}`)).json().data.length,
      0,
      'LIKE wildcards are literal',
    );

    // The seller sees the admin's key for their account too, and the admin revokes any key.
    assert.match((await (await login(t.app, s1.email)).get('/settings/api-keys')).body, />Ops key</);
    assert.equal((await a.json('DELETE', `/settings/api-keys/${sellerKey.id}`)).statusCode, 200);
    assert.equal((await bearer(sellerKey.token)).statusCode, 401);
  });

  test('every role but admin and seller gets 403 on every API key route; guests go to the login page', async () => {
    const s = await person('seller');
    const { id: keyId } = await createToken(t.db, {
      userId: s.id,
      accountId: s.accountId,
      name: 'k',
      scopes: [...SCOPES],
      expiresAt: null,
    });
    for (const role of ROLES) {
      const p = await person(role);
      const a = await login(t.app, p.email);
      const allowed = role === 'admin' || role === 'seller';
      const list = await a.get('/settings/api-keys');
      assert.equal(list.statusCode, allowed ? 200 : 403, `${role} list`);
      if (!allowed) {
        assert.match(list.body, /You do not have access to this page\./);
        assert.equal((await a.get('/settings/api-keys/create')).statusCode, 403, `${role} create`);
        const store = await a.json('POST', '/settings/api-keys/store', { name: 'x', scopes: ['VIEW LEADS'] });
        assert.equal(store.statusCode, 403, `${role} store`);
        assert.deepEqual(store.json(), { message: 'This action is unauthorized.' });
        assert.equal((await a.form(`/settings/api-keys/${keyId}`, {}, { method: 'DELETE' })).statusCode, 403, `${role} revoke`);
        assert.equal((await a.json('DELETE', `/settings/api-keys/${keyId}`)).statusCode, 403, `${role} revoke JSON`);
      }
    }
    const revoked = await t.db.query<{ revoked_at: Date | null }>('SELECT revoked_at FROM api_tokens WHERE id = $1', [keyId]);
    assert.equal(revoked.rows[0].revoked_at, null);
    redirectsTo(await t.app.inject({ method: 'GET', url: '/settings/api-keys', headers: { accept: 'text/html' } }), '/login');
    const guest = await t.app.inject({ method: 'GET', url: '/settings/api-keys', headers: { accept: 'application/json' } });
    assert.equal(guest.statusCode, 401);
  });
});

// Found by an audit: a key of a deactivated team member answered 401 while the list said "Active".
describe('API keys: a key whose user or account cannot use it', () => {
  test('is listed as "User inactive", not "Active", and filtered apart; active again with its user', async () => {
    const seller = await person();
    const member = await person('seller', seller.accountId);
    const { token } = await createToken(t.db, {
      userId: member.id,
      accountId: seller.accountId,
      name: 'Member key',
      scopes: ['VIEW LEADS'],
      expiresAt: null,
    });
    const a = await login(t.app, seller.email);
    const statuses = async (filter = '') =>
      ((await a.json('GET', `/settings/api-keys${filter}`)).json().data as { name: string; status: string }[]).map((k) => [
        k.name,
        k.status,
      ]);
    assert.deepEqual(await statuses(), [['Member key', 'active']]);

    await t.db.query(`UPDATE users SET status = 'inactive' WHERE id = $1`, [member.id]);
    assert.equal((await bearer(token)).statusCode, 401);
    assert.deepEqual(await statuses(), [['Member key', 'inactive']]);
    assert.deepEqual(await statuses('?status=active'), []);
    assert.deepEqual(await statuses('?status=inactive'), [['Member key', 'inactive']]);
    const page = await a.get('/settings/api-keys');
    assert.match(page.body, /<span class="badge badge-amber">User inactive<\/span>/);
    assert.doesNotMatch(page.body, /<span class="badge badge-green">Active<\/span>/);

    await t.db.query(`UPDATE users SET status = 'active' WHERE id = $1`, [member.id]);
    assert.equal((await bearer(token)).statusCode, 200);
    assert.deepEqual(await statuses('?status=active'), [['Member key', 'active']]);
  });
});

// Found by an outside check: with ?sort=name and no direction the keys came newest name first while
// the header, as every list's, said ascending and offered descending.
test('a sort named without a direction is ascending, as the header link says', async () => {
  const seller = await person();
  for (const name of ['Beta', 'Alpha', 'Gamma'])
    await createToken(t.db, { userId: seller.id, accountId: seller.accountId, name, scopes: ['VIEW LEADS'], expiresAt: null });
  const a = await login(t.app, seller.email);
  const names = ((await a.json('GET', '/settings/api-keys?sort=name')).json().data as { name: string }[]).map((k) => k.name);
  assert.deepEqual(names, ['Alpha', 'Beta', 'Gamma']);
  assert.match((await a.get('/settings/api-keys?sort=name')).body, /aria-sort="ascending"[^]*?direction=desc/);
});
