import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { newId } from '../../lib/ids.js';
import { tenant, testApp, usingPostgres, withTestApp, type TestApp } from '../../test-support/harness.js';
import type { Person } from '../../test-support/people.js';
import { agent, login, type Agent } from '../../test-support/session.js';
import { createUser } from '../users/service.js';
import { expectInvalid, expectJson, FORBIDDEN, NOT_FOUND, signInEach } from '../../test-support/expect.js';
import { ROLES, type Role } from '../../core/roles.js';

const MANAGERS: Role[] = ['manager-leader', 'manager', 'call-center-manager'];
const ACCOUNT_KEYS = ['id', 'name', 'status', 'created_at', 'updated_at'];
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

let t: TestApp;
let people: Record<Role, Person>;
let agents: Record<Role, Agent>;

before(async () => {
  t = await testApp();
  ({ people, as: agents } = await signInEach(t, ROLES));
});
after(() => t.close());

const unique = (prefix: string) => `${prefix} ${newId().slice(-8)}`;

describe('accounts: the permission matrix', () => {
  test('each role reaches what domain.md allows and gets 403 elsewhere', async () => {
    const { id } = (await agents.admin.json('POST', '/accounts/store', { name: unique('Matrix') })).json().data;
    for (const role of ROLES) {
      const a = agents[role];
      const admin = role === 'admin';
      const viewer = admin || MANAGERS.includes(role);
      const checks: [string, LightMyRequestResponse, number][] = [
        ['list', await a.json('GET', '/accounts'), viewer ? 200 : 403],
        ['show', await a.json('GET', `/accounts/${id}/show`), viewer ? 200 : 403],
        ['create page', await a.get('/accounts/create'), admin ? 200 : 403],
        ['edit page', await a.get(`/accounts/${id}/edit`), admin ? 200 : 403],
        ['store', await a.json('POST', '/accounts/store', { name: unique(`By ${role}`) }), admin ? 201 : 403],
        ['update', await a.json('PATCH', `/accounts/${id}/update`, { name: `Renamed by ${role}` }), admin ? 200 : 403],
        ['deactivate', await a.json('PATCH', `/accounts/${id}/deactivate`), admin ? 200 : 403],
        ['activate', await a.json('PATCH', `/accounts/${id}/activate`), admin ? 200 : 403],
      ];
      for (const [what, res, status] of checks) {
        assert.equal(res.statusCode, status, `${role} ${what}: ${res.body.slice(0, 200)}`);
        if (status === 403) {
          if (/json/.test(String(res.headers['content-type']))) assert.deepEqual(res.json(), FORBIDDEN, `${role} ${what}`);
          else assert.match(res.body, /<h1>Forbidden<\/h1>/, `${role} ${what}`);
        }
      }
    }
    const { rows } = await t.db.query<{ name: string }>('SELECT name FROM accounts WHERE id = $1', [id]);
    assert.equal(rows[0].name, 'Renamed by admin', 'nobody else renamed it');
  });

  test('the menu shows Accounts to the admin and the managers only', async () => {
    for (const role of ROLES) {
      const home = await agents[role].home();
      assert.equal(home.statusCode, 200);
      assert.equal(/href="\/accounts"/.test(home.body), role === 'admin' || MANAGERS.includes(role), role);
    }
  });

  test('guests go to the login page; JSON guests get 401', async () => {
    const g = agent(t.app);
    const page = await g.get('/accounts');
    assert.equal(page.statusCode, 302);
    assert.equal(page.headers.location, '/login');
    expectJson(await g.json('GET', '/accounts'), 401, { message: 'Unauthenticated.' });
    expectJson(await g.json('POST', '/accounts/store', { name: 'x' }, { token: false }), 419, { message: 'Page Expired' });
  });

  test('an unknown account is a 404', async () => {
    expectJson(await agents.admin.json('GET', '/accounts/01NOPE/show'), 404, NOT_FOUND);
    expectJson(await agents.admin.json('PATCH', '/accounts/01NOPE/update', { name: 'x' }), 404, NOT_FOUND);
    assert.equal((await agents.admin.get('/accounts/01NOPE/edit')).statusCode, 404);
  });
});

describe('accounts: JSON on request', () => {
  test('create answers 201 with the account; show and update 200', async () => {
    const name = unique('Atlas Cosmetics');
    const created = await agents.admin.json('POST', '/accounts/store', { name });
    expectJson(created, 201);
    const data = created.json().data;
    assert.deepEqual(Object.keys(data), ACCOUNT_KEYS);
    assert.equal(data.name, name);
    assert.equal(data.status, 'active');
    assert.match(data.created_at, ISO);

    expectJson(await agents.admin.json('GET', `/accounts/${data.id}/show`), 200, { data });
    expectJson(await agents.manager.json('GET', `/accounts/${data.id}/show`), 200, { data });

    const updated = await agents.admin.json('PUT', `/accounts/${data.id}/update`, { name: `${name} SARL` });
    expectJson(updated, 200);
    assert.equal(updated.json().data.name, `${name} SARL`);
    assert.deepEqual(Object.keys(updated.json().data), ACCOUNT_KEYS);

    const inactive = await agents.admin.json('POST', '/accounts/store', { name: unique('Dormant'), status: 'inactive' });
    expectJson(inactive, 201);
    assert.equal(inactive.json().data.status, 'inactive');
  });

  test('validation failures answer the 422 body of api-v1.md', async () => {
    expectJson(await agents.admin.json('POST', '/accounts/store', {}), 422, {
      message: 'The given data was invalid.',
      errors: { name: ['The name field is required.'] },
    });
    expectJson(await agents.admin.json('POST', '/accounts/store', { name: 'x'.repeat(101), status: 'closed' }), 422, {
      message: 'The given data was invalid.',
      errors: { name: ['The name field must not be greater than 100 characters.'], status: ['The selected status is invalid.'] },
    });
    const { id } = (await agents.admin.json('POST', '/accounts/store', { name: unique('Keep') })).json().data;
    expectJson(await agents.admin.json('PATCH', `/accounts/${id}/update`, { name: '' }), 422, {
      message: 'The given data was invalid.',
      errors: { name: ['The name field is required.'] },
    });
  });

  test('the list is the API paginated body, with search, status filter, sort and per_page', async () => {
    const tag = newId().slice(-8);
    const names = [`Zeta ${tag}`, `Alpha ${tag}`, `Mid ${tag}`];
    const ids: string[] = [];
    for (const name of names) ids.push((await agents.admin.json('POST', '/accounts/store', { name })).json().data.id);
    await agents.admin.json('PATCH', `/accounts/${ids[2]}/deactivate`);

    const all = await agents.admin.json('GET', `/accounts?search=${tag}`);
    expectJson(all, 200);
    assert.deepEqual(all.json().meta, { current_page: 1, per_page: 25, total: 3, last_page: 1 });
    assert.deepEqual(
      all.json().data.map((a: { name: string }) => a.name),
      [`Mid ${tag}`, `Alpha ${tag}`, `Zeta ${tag}`],
      'newest first',
    );
    assert.deepEqual(Object.keys(all.json().data[0]), ACCOUNT_KEYS);

    const byName = await agents.admin.json('GET', `/accounts?search=${tag}&sort=name&direction=asc&per_page=2&page=2`);
    assert.deepEqual(byName.json().meta, { current_page: 2, per_page: 2, total: 3, last_page: 2 });
    assert.deepEqual(
      byName.json().data.map((a: { name: string }) => a.name),
      [`Zeta ${tag}`],
    );

    const active = await agents.admin.json('GET', `/accounts?search=${tag}&status=active&sort=name`);
    assert.deepEqual(
      active.json().data.map((a: { name: string }) => a.name),
      [`Alpha ${tag}`, `Zeta ${tag}`],
    );

    expectJson(await agents.admin.json('GET', '/accounts?per_page=0&status=closed&sort=secret'), 422, {
      message: 'The given data was invalid.',
      errors: {
        per_page: ['The per page field must be at least 1.'],
        status: ['The selected status is invalid.'],
        sort: ['The selected sort is invalid.'],
      },
    });
  });
});

describe('accounts: pages and forms', () => {
  test('the list page shows accounts with filters kept in the URL and sortable headers', async () => {
    const tag = newId().slice(-8);
    await agents.admin.json('POST', '/accounts/store', { name: `Souk ${tag}` });
    const page = await agents.admin.get(`/accounts?search=${tag}&status=active`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, new RegExp(`Souk ${tag}`));
    assert.match(page.body, /<label for="f-search">Search by name<\/label>/);
    assert.match(page.body, new RegExp(`value="${tag}"`), 'the search box keeps its value');
    assert.match(
      page.body,
      new RegExp(`href="/accounts\\?search=${tag}&amp;status=active&amp;sort=name&amp;direction=asc"`),
      'sort links keep the filters',
    );
    assert.match(page.body, /New account/);
    const manager = await agents.manager.get('/accounts');
    assert.equal(manager.statusCode, 200);
    assert.doesNotMatch(manager.body, /New account/, 'managers only view');
  });

  test('a form post creates the account and answers 302 to its page with a message', async () => {
    const name = unique('Form Shop');
    await agents.admin.get('/accounts/create');
    const res = await agents.admin.form('/accounts/store', { name });
    assert.equal(res.statusCode, 302);
    const { rows } = await t.db.query<{ id: string }>('SELECT id FROM accounts WHERE name = $1', [name]);
    assert.equal(res.headers.location, `/accounts/${rows[0].id}/show`);
    const show = await agents.admin.follow(res);
    assert.match(show.body, /Account created\./);
    assert.match(show.body, new RegExp(`<h1>${name}</h1>`));
    const again = await agents.admin.get(`/accounts/${rows[0].id}/show`);
    assert.doesNotMatch(again.body, /Account created\./, 'the message shows once');
  });

  test('a failed form goes back with the message beside the field and the input kept', async () => {
    const long = 'L'.repeat(101);
    await agents.admin.get('/accounts/create');
    const res = await agents.admin.form('/accounts/store', { name: long });
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, '/accounts/create');
    const page = await agents.admin.follow(res);
    assert.match(page.body, new RegExp(`<input id="f-name" name="name" type="text" value="${long}"`));
    assert.match(
      page.body,
      /<ul class="field-errors" id="f-name-error"><li>The name field must not be greater than 100 characters\.<\/li><\/ul>/,
    );
    const { rows } = await t.db.query('SELECT 1 FROM accounts WHERE name = $1', [long]);
    assert.equal(rows.length, 0);
  });

  test('the edit form renames; an HTML form reaches PATCH through _method', async () => {
    const { id, name } = (await agents.admin.json('POST', '/accounts/store', { name: unique('Before') })).json().data;
    const edit = await agents.admin.get(`/accounts/${id}/edit`);
    assert.match(edit.body, /name="_method" value="PATCH"/);
    assert.match(edit.body, new RegExp(`value="${name}"`));
    const res = await agents.admin.form(`/accounts/${id}/update`, { name: `${name} after` }, { method: 'PATCH' });
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, `/accounts/${id}/show`);
    assert.match((await agents.admin.follow(res)).body, /Account updated\./);
    const audit = await t.db.query<{ user_id: string; changes: unknown }>(
      `SELECT user_id, changes FROM audit_log WHERE action = 'accounts.update' AND subject_id = $1`,
      [id],
    );
    assert.deepEqual(audit.rows, [{ user_id: people.admin.id, changes: { name: [name, `${name} after`] } }]);
  });

  test('CSRF: a form post without _token, or with a wrong one, answers 419 and changes nothing', async () => {
    const name = unique('Forged');
    const missing = await agents.admin.form('/accounts/store', { name }, { token: false });
    assert.equal(missing.statusCode, 419);
    assert.match(missing.body, /Page Expired/);
    const wrong = await agents.admin.form('/accounts/store', { name }, { token: 'not-the-token' });
    assert.equal(wrong.statusCode, 419);
    const json = await agents.admin.json('POST', '/accounts/store', { name }, { token: false });
    expectJson(json, 419, { message: 'Page Expired' });
    const { rows } = await t.db.query('SELECT 1 FROM accounts WHERE name = $1', [name]);
    assert.equal(rows.length, 0);
    const { id } = (await agents.admin.json('POST', '/accounts/store', { name: unique('Stay active') })).json().data;
    assert.equal((await agents.admin.form(`/accounts/${id}/deactivate`, {}, { method: 'PATCH', token: false })).statusCode, 419);
    assert.equal((await t.db.query<{ status: string }>('SELECT status FROM accounts WHERE id = $1', [id])).rows[0].status, 'active');
  });
});

describe('accounts: activate and deactivate', () => {
  test("deactivating ends its users' sessions at once and its tokens answer 401; activating lets them back", async () => {
    const shop = await tenant(t.db);
    const seller = await login(t.app, shop.email);
    assert.equal((await seller.get('/')).statusCode, 200);
    const api = () => t.app.inject({ method: 'GET', url: '/api/web/1.0/leads', headers: shop.auth });
    assert.equal((await api()).statusCode, 200);

    await agents.admin.get(`/accounts/${shop.accountId}/show`);
    const res = await agents.admin.form(`/accounts/${shop.accountId}/deactivate`, {}, { method: 'PATCH' });
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, `/accounts/${shop.accountId}/show`);
    const page = await agents.admin.follow(res);
    assert.match(page.body, /is deactivated: its users are logged out and its API keys stop working\./);
    assert.match(page.body, /<span class="badge badge-gray">inactive<\/span>/);

    const { rows } = await t.db.query('SELECT 1 FROM sessions WHERE user_id = $1', [shop.userId]);
    assert.equal(rows.length, 0, 'the session rows are gone');
    const after = await seller.get('/');
    assert.equal(after.statusCode, 302);
    assert.equal(after.headers.location, '/login');
    const unauth = await api();
    assert.equal(unauth.statusCode, 401);
    assert.deepEqual(unauth.json(), { message: 'Unauthenticated.' });
    const relog = agent(t.app);
    await relog.get('/login');
    const refused = await relog.form('/login', { email: shop.email, password: 'password-123' });
    assert.equal(refused.headers.location, '/login');

    const on = await agents.admin.json('PATCH', `/accounts/${shop.accountId}/activate`);
    expectJson(on, 200);
    assert.equal(on.json().data.status, 'active');
    assert.equal((await api()).statusCode, 200);
    await login(t.app, shop.email);

    const audit = await t.db.query<{ action: string; user_id: string; impersonator_id: string | null; changes: unknown }>(
      `SELECT action, user_id, impersonator_id, changes FROM audit_log WHERE subject_type = 'account' AND subject_id = $1 ORDER BY id`,
      [shop.accountId],
    );
    assert.deepEqual(audit.rows, [
      { action: 'accounts.deactivate', user_id: people.admin.id, impersonator_id: null, changes: { status: ['active', 'inactive'] } },
      { action: 'accounts.activate', user_id: people.admin.id, impersonator_id: null, changes: { status: ['inactive', 'active'] } },
    ]);
  });

  test('the account page shows its figures, its sellers and the admin actions', async () => {
    const shop = await tenant(t.db);
    const page = await agents.admin.get(`/accounts/${shop.accountId}/show`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<div class="kpi-label">Products<\/div><div class="kpi-value">3<\/div>/);
    assert.match(page.body, new RegExp(`href="/users/sellers/${shop.userId}/show"`));
    assert.match(page.body, /Add a seller/);
    assert.match(page.body, />Deactivate</);
    const manager = await agents['call-center-manager'].get(`/accounts/${shop.accountId}/show`);
    assert.equal(manager.statusCode, 200);
    assert.doesNotMatch(manager.body, />Deactivate<|Add a seller/);
  });
});

describe('accounts: delete', () => {
  const leadOf = (shop: Awaited<ReturnType<typeof tenant>>) =>
    t.app.inject({
      method: 'POST',
      url: '/api/web/1.0/leads',
      headers: shop.auth,
      payload: {
        leads: [{ phone: '0612345678', full_name: 'Customer', city: 'Casablanca', products: [{ sku: 'P1', quantity: 1, price: 199 }] }],
      },
    });

  test('only the admin deletes accounts', async () => {
    const shop = await tenant(t.db);
    for (const role of ROLES.filter((r) => r !== 'admin')) {
      const res = await agents[role].json('DELETE', '/accounts/delete', { ids: [shop.accountId] });
      assert.equal(res.statusCode, 403, role);
    }
    const page = await agents.manager.get(`/accounts/${shop.accountId}/show`);
    assert.doesNotMatch(page.body, /action="\/accounts\/delete"/);
    assert.equal((await t.db.query('SELECT 1 FROM accounts WHERE id = $1 AND deleted_at IS NULL', [shop.accountId])).rows.length, 1);
  });

  test('an account without business goes: out of lists and pickers, its users, products and API keys with it', async () => {
    const shop = await tenant(t.db);
    const seller = await login(t.app, shop.email);
    const show = await agents.admin.get(`/accounts/${shop.accountId}/show`);
    assert.match(show.body, /action="\/accounts\/delete"/);
    const res = await agents.admin.form('/accounts/delete', { _method: 'DELETE', 'ids[]': shop.accountId });
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, '/accounts');
    assert.match((await agents.admin.follow(res)).body, /Account Shop \w+ deleted\./);

    assert.equal((await agents.admin.json('GET', `/accounts/${shop.accountId}/show`)).statusCode, 404);
    const list = (await agents.admin.json('GET', '/accounts?per_page=100')).json().data as { id: string }[];
    assert.ok(!list.some((a) => a.id === shop.accountId), 'not listed');
    const form = await agents.admin.get('/users/sellers/create');
    assert.ok(!form.body.includes(shop.accountId), 'not offered as an account for a new seller');
    const store = await agents.admin.json('POST', '/users/sellers/store', {
      full_name: 'Late Seller',
      phone: '0612345678',
      email: `late-${newId().toLowerCase()}@example.test`,
      password: 'password-123',
      password_confirmation: 'password-123',
      account_id: shop.accountId,
    });
    expectInvalid(store, { account_id: ['The selected account id is invalid.'] });

    assert.equal((await seller.get('/')).headers.location, '/login', 'its seller is logged out');
    const api = await t.app.inject({ method: 'GET', url: '/api/web/1.0/leads', headers: shop.auth });
    assert.equal(api.statusCode, 401, 'its API key answers 401');
    const { rows } = await t.db.query<{ account: string; users: number; products: number; tokens: number }>(
      `SELECT (SELECT status FROM accounts WHERE id = $1) AS account,
              (SELECT count(*) FROM users WHERE account_id = $1 AND deleted_at IS NULL)::int AS users,
              (SELECT count(*) FROM products WHERE account_id = $1 AND deleted_at IS NULL)::int AS products,
              (SELECT count(*) FROM api_tokens WHERE account_id = $1 AND revoked_at IS NULL)::int AS tokens`,
      [shop.accountId],
    );
    assert.deepEqual(rows[0], { account: 'inactive', users: 0, products: 0, tokens: 0 });
    const audit = await t.db.query(`SELECT user_id FROM audit_log WHERE action = 'accounts.delete' AND subject_id = $1`, [shop.accountId]);
    assert.equal(audit.rows.length, 1);
    assert.equal((await agents.admin.json('DELETE', '/accounts/delete', { ids: [shop.accountId] })).statusCode, 404, 'gone already');
  });

  test('an account with leads, orders, stock or money stays, with the reason; nothing of a selection is deleted', async () => {
    const busy = await tenant(t.db);
    const empty = await tenant(t.db);
    assert.equal((await leadOf(busy)).statusCode, 201);
    const one = await agents.admin.json('DELETE', '/accounts/delete', { ids: [busy.accountId] });
    expectInvalid(one, { ids: ['This account has 1 lead and cannot be deleted: deactivate it instead.'] });

    const name = (await t.db.query<{ name: string }>('SELECT name FROM accounts WHERE id = $1', [busy.accountId])).rows[0].name;
    const both = await agents.admin.json('DELETE', '/accounts/delete', { ids: [empty.accountId, busy.accountId] });
    expectInvalid(both, { ids: [`The account ${name} has 1 lead and cannot be deleted. Nothing was deleted.`] });
    const left = await t.db.query('SELECT 1 FROM accounts WHERE id = ANY($1::text[]) AND deleted_at IS NULL', [
      [busy.accountId, empty.accountId],
    ]);
    assert.equal(left.rows.length, 2, 'both still there');

    const shown = await agents.admin.get(`/accounts/${busy.accountId}/show`);
    assert.doesNotMatch(shown.body, /action="\/accounts\/delete"/, 'not offered for an account with leads');
    const page = await agents.admin.form('/accounts/delete', { _method: 'DELETE', 'ids[]': busy.accountId });
    assert.equal(page.statusCode, 302);
    assert.equal(page.headers.location, `/accounts/${busy.accountId}/show`);
    assert.match((await agents.admin.follow(page)).body, /This account has 1 lead and cannot be deleted: deactivate it instead\./);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/web/1.0/leads', headers: busy.auth })).statusCode, 200, 'still at work');
  });
});

test(
  'a new install: the empty accounts list says what to do, not that a filter left nothing (workflow audit)',
  { skip: usingPostgres && "the shared database holds the other tests' accounts" },
  () =>
    withTestApp(async (fresh) => {
      const email = `admin-${newId().toLowerCase()}@example.test`;
      await createUser(fresh.db, { role: 'admin', email, password: 'password-123', fullName: 'First Admin' });
      const admin = await login(fresh.app, email);
      const list = (await admin.get('/accounts')).body;
      assert.match(list, /No account yet: create one for each seller business, then add its sellers\./);
      assert.doesNotMatch(list, /No account matches these filters\./);
      assert.match((await admin.get('/accounts?search=zzz')).body, /No account matches these filters\./);
    }),
);
