import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { newId } from '../../lib/ids.js';
import { testApp, type TestApp } from '../../test-support/harness.js';
import { login, type Agent } from '../../test-support/session.js';
import { fieldErrors } from '../../test-support/expect.js';
import { ROLES, type Role } from '../../core/roles.js';
import { createUser } from '../users/service.js';
import { createAccount } from '../accounts/service.js';
import { SYSTEM } from '../../core/actor.js';
import { createProduct } from '../products/service.js';
import { createOrder } from '../orders/service.js';

const INVALID = 'The given data was invalid.';
/** domain.md: shipping companies — admin VCUD(X); managers V. */
const VIEWERS: Role[] = ['admin', 'manager-leader', 'manager', 'call-center-manager'];
const SECRET = `sk_live_${newId()}`;

let t: TestApp;
let shop: string;
const as = {} as Record<Role, Agent>;
let casa: string;
let rabat: string;

before(async () => {
  t = await testApp();
  shop = (await createAccount(t.db, { name: 'Shop' })).id;
  for (const role of ROLES) {
    const email = `${role}-${newId().toLowerCase()}@example.test`;
    await createUser(t.db, { role, email, password: 'password-123', fullName: `The ${role}`, accountId: role === 'seller' ? shop : null });
    as[role] = await login(t.app, email);
  }
  [casa, rabat] = [newId(), newId()];
  await t.db.query('INSERT INTO cities (id, name) VALUES ($1, $2), ($3, $4)', [
    casa,
    `Casa ${casa.slice(-6)}`,
    rabat,
    `Rabat ${rabat.slice(-6)}`,
  ]);
});
after(() => t.close());

function expectJson(res: LightMyRequestResponse, status: number, what = '') {
  assert.equal(res.statusCode, status, `${what}: ${res.body.slice(0, 500)}`);
  return res.json();
}
const name = () => `Courier ${newId().slice(-8)}`;

describe('shipping companies', () => {
  test('an admin creates an http company with cities; the API key is sealed in the database and never shown', async () => {
    const body = {
      name: name(),
      adapter: 'http',
      base_url: 'https://courier.example/api',
      api_key: SECRET,
      status_map: { LIVRE: 'delivered', RETOUR: 'returned' },
      cities: [
        { city_id: casa, delivery_fee: 25, return_fee: 10 },
        { city_id: rabat, delivery_fee: '30.50', return_fee: 0 },
      ],
    };
    const created = expectJson(await as.admin.json('POST', '/shipping-companies/store', body), 201, 'create').data;
    assert.deepEqual(Object.keys(created).sort(), [
      'adapter',
      'base_url',
      'cities',
      'created_at',
      'id',
      'name',
      'status',
      'status_map',
      'updated_at',
    ]);
    assert.equal(created.status, 'active');
    assert.deepEqual(created.status_map, body.status_map);
    assert.deepEqual(
      created.cities
        .map((c: { city_id: string; delivery_fee: number; return_fee: number }) => [c.city_id, c.delivery_fee, c.return_fee])
        .sort(),
      [
        [casa, 25, 10],
        [rabat, 30.5, 0],
      ].sort(),
    );
    // Nowhere in clear: not in the table, the audit, a JSON answer or a page.
    const dump = await t.db.query<{ t: string }>(
      `SELECT (SELECT string_agg(row_to_json(s)::text, '') FROM shipping_companies s) || coalesce((SELECT string_agg(row_to_json(a)::text, '') FROM audit_log a), '') AS t`,
    );
    assert.ok(!dump.rows[0].t.includes(SECRET), 'no plaintext key in the database');
    for (const path of [`/shipping-companies/${created.id}/show`, `/shipping-companies/${created.id}/edit`, '/shipping-companies']) {
      const page = await as.admin.get(path);
      assert.equal(page.statusCode, 200, path);
      assert.ok(!page.body.includes(SECRET), path);
    }
    assert.ok(!(await as.admin.json('GET', '/shipping-companies')).body.includes(SECRET));

    // An edit without a key keeps it; switching to manual drops the URL, the key and the map.
    const kept = expectJson(
      await as.admin.json('PATCH', `/shipping-companies/${created.id}/update`, { status: 'inactive' }),
      200,
      'update',
    ).data;
    assert.equal(kept.status, 'inactive');
    const sealed = await t.db.query<{ k: string | null }>('SELECT api_key_sealed AS k FROM shipping_companies WHERE id = $1', [created.id]);
    assert.ok(sealed.rows[0].k);
    const manual = expectJson(
      await as.admin.json('PATCH', `/shipping-companies/${created.id}/update`, { adapter: 'manual' }),
      200,
      'manual',
    ).data;
    assert.equal(manual.base_url, undefined);
    assert.equal(manual.status_map, undefined);
    const none = await t.db.query<{ k: string | null }>('SELECT api_key_sealed AS k FROM shipping_companies WHERE id = $1', [created.id]);
    assert.equal(none.rows[0].k, null);
  });

  test('Laravel-style messages: required, the http fields, fees, unknown and repeated cities, a taken name', async () => {
    const empty = await as.admin.json('POST', '/shipping-companies/store', {});
    assert.deepEqual(expectJson(empty, 422), {
      message: INVALID,
      errors: { name: ['The name field is required.'], adapter: ['The adapter field is required.'] },
    });
    const http = await as.admin.json('POST', '/shipping-companies/store', {
      name: name(),
      adapter: 'http',
      base_url: 'ftp://x',
      status_map: { LIVRE: 'lost' },
      cities: [
        { city_id: casa, delivery_fee: -1, return_fee: 100000 },
        { city_id: casa, delivery_fee: 1, return_fee: 1 },
        { city_id: 'nope', delivery_fee: 'x', return_fee: 1 },
      ],
    });
    assert.deepEqual(expectJson(http, 422).errors, {
      base_url: ['The base url field must be a valid URL.'],
      api_key: ['The api key field is required when adapter is http.'],
      status_map: ['Each courier status (1 to 100 characters) must map to shipped, delivered or returned.'],
      'cities.0.city_id': ['The cities.0.city_id field has a duplicate value.'],
      'cities.0.delivery_fee': ['The cities.0.delivery_fee field must be at least 0.'],
      'cities.0.return_fee': ['The cities.0.return_fee field must not be greater than 99999.'],
      'cities.1.city_id': ['The cities.1.city_id field has a duplicate value.'],
      'cities.2.city_id': ['The selected cities.2.city_id is invalid.'],
      'cities.2.delivery_fee': ['The cities.2.delivery_fee field must be a number.'],
    });
    // A key the Authorization header cannot carry is refused when saved, on create and on update: every
    // push failed as "could not be reached" for 21 minutes (fulfilment audit).
    const notAscii = { api_key: ['The api key field must only contain single-byte alphanumeric characters and symbols.'] };
    const euro = { name: name(), adapter: 'http', base_url: 'https://courier.example', api_key: 'clé€-secret' };
    assert.deepEqual(expectJson(await as.admin.json('POST', '/shipping-companies/store', euro), 422).errors, notAscii);
    const fine = expectJson(await as.admin.json('POST', '/shipping-companies/store', { ...euro, api_key: 'k-1 2_3!~' }), 201).data;
    const update = await as.admin.json('PATCH', `/shipping-companies/${fine.id}/update`, { api_key: 'ключ' });
    assert.deepEqual(expectJson(update, 422).errors, notAscii);
    // Cities that are not a list are the schema's 422, not a crash (found by the fulfilment audit).
    for (const cities of ['x', 5]) {
      const bad = await as.admin.json('POST', '/shipping-companies/store', { name: name(), adapter: 'manual', cities });
      assert.deepEqual(expectJson(bad, 422).errors, { cities: ['The cities field must be an array.'] }, JSON.stringify(cities));
    }
    const form = await as.admin.form('/shipping-companies/store', { name: name(), adapter: 'manual', cities: 'abc' });
    assert.equal(form.statusCode, 302, 'a form with cities=abc goes back with its error');
    const first = expectJson(await as.admin.json('POST', '/shipping-companies/store', { name: name(), adapter: 'manual' }), 201).data;
    const taken = await as.admin.json('POST', '/shipping-companies/store', { name: first.name.toUpperCase(), adapter: 'manual' });
    assert.deepEqual(expectJson(taken, 422).errors, { name: ['The name has already been taken.'] });
    const nothing = await t.db.query('SELECT 1 FROM shipping_companies WHERE lower(name) = lower($1)', [first.name]);
    assert.equal(nothing.rows.length, 1);
  });

  test('the form: city lines with labelled messages, blank lines skipped, status lines parsed, old input kept', async () => {
    const create = { headers: { referer: 'http://codops.test/shipping-companies/create' } };
    const bad = await as.admin.form(
      '/shipping-companies/store',
      {
        name: name(),
        adapter: 'http',
        base_url: 'https://courier.example',
        api_key: SECRET,
        status_map: 'LIVRE = delivered\nRETOUR = returned',
        cities: [
          { city_id: casa, delivery_fee: '20', return_fee: '' },
          { city_id: '', delivery_fee: '', return_fee: '' },
        ],
      },
      create,
    );
    assert.equal(bad.statusCode, 302);
    const page = await as.admin.follow(bad);
    assert.deepEqual(fieldErrors(page.body, 'f-cities_0__return_fee_'), ['The cities.0.return_fee field is required.']);
    assert.match(page.body, /LIVRE = delivered/);
    assert.ok(!page.body.includes(SECRET), 'a refused key is not refilled');

    const ok = await as.admin.form('/shipping-companies/store', {
      name: name(),
      adapter: 'http',
      base_url: 'https://courier.example',
      api_key: SECRET,
      status_map: 'LIVRE = delivered\n\nRETOUR = returned',
      cities: [
        { city_id: casa, delivery_fee: '20', return_fee: '5' },
        { city_id: '', delivery_fee: '', return_fee: '' },
      ],
    });
    assert.equal(ok.statusCode, 302);
    const shown = await as.admin.follow(ok);
    assert.match(shown.body, /Shipping company created\./);
    assert.match(shown.body, /LIVRE = delivered/);
    assert.match(shown.body, /20\.00 MAD/);
  });

  test('city fees with more than two decimals are refused, never rounded: store, update and the form (finance.md)', async () => {
    const three = {
      'cities.0.delivery_fee': ['The cities.0.delivery_fee field must have 0-2 decimal places.'],
      'cities.0.return_fee': ['The cities.0.return_fee field must have 0-2 decimal places.'],
      'cities.1.delivery_fee': ['The cities.1.delivery_fee field must have 0-2 decimal places.'],
      'cities.1.return_fee': ['The cities.1.return_fee field must have 0-2 decimal places.'],
    };
    const cities = [
      { city_id: casa, delivery_fee: 12.345, return_fee: 7.005 },
      { city_id: rabat, delivery_fee: 0.004, return_fee: 1e-7 },
    ];
    const audit = name();
    const refused = await as.admin.json('POST', '/shipping-companies/store', { name: audit, adapter: 'manual', cities });
    assert.deepEqual(expectJson(refused, 422).errors, three);
    assert.equal((await t.db.query('SELECT 1 FROM shipping_companies WHERE name = $1', [audit])).rows.length, 0);

    const ok = [
      { city_id: casa, delivery_fee: 12.35, return_fee: '7.10' },
      { city_id: rabat, delivery_fee: 0.1 + 0.2, return_fee: 0 },
    ];
    const c = expectJson(
      await as.admin.json('POST', '/shipping-companies/store', { name: audit, adapter: 'manual', cities: ok }),
      201,
    ).data;
    const fees = () =>
      t.db.query<{ f: string }>(
        `SELECT string_agg(delivery_fee || '/' || return_fee, ' ' ORDER BY delivery_fee) AS f FROM shipping_company_cities WHERE shipping_company_id = $1`,
        [c.id],
      );
    assert.equal((await fees()).rows[0].f, '0.30/0.00 12.35/7.10');
    const update = await as.admin.json('PATCH', `/shipping-companies/${c.id}/update`, { cities });
    assert.deepEqual(expectJson(update, 422).errors, three);
    assert.equal((await fees()).rows[0].f, '0.30/0.00 12.35/7.10', 'the refused update changed nothing');

    // The form: the message beside the field, the fees unchanged.
    const edit = { method: 'PATCH' as const, headers: { referer: `http://codops.test/shipping-companies/${c.id}/edit` } };
    const back = await as.admin.form(
      `/shipping-companies/${c.id}/update`,
      { name: audit, adapter: 'manual', cities: [{ city_id: casa, delivery_fee: '12.345', return_fee: '7' }] },
      edit,
    );
    assert.equal(back.statusCode, 302, back.body);
    const page = await as.admin.follow(back);
    assert.deepEqual(fieldErrors(page.body, 'f-cities_0__delivery_fee_'), [
      'The cities.0.delivery_fee field must have 0-2 decimal places.',
    ]);
    assert.equal((await fees()).rows[0].f, '0.30/0.00 12.35/7.10');
  });

  test('the permission matrix, and a company that shipped orders cannot be deleted', async () => {
    const c = expectJson(await as.admin.json('POST', '/shipping-companies/store', { name: name(), adapter: 'manual' }), 201).data;
    for (const role of ROLES) {
      const may = VIEWERS.includes(role);
      assert.equal((await as[role].json('GET', '/shipping-companies')).statusCode, may ? 200 : 403, role);
      assert.equal((await as[role].json('GET', `/shipping-companies/${c.id}/show`)).statusCode, may ? 200 : 403, role);
      if (role === 'admin') continue;
      assert.equal((await as[role].json('POST', '/shipping-companies/store', { name: name(), adapter: 'manual' })).statusCode, 403, role);
      assert.equal((await as[role].json('DELETE', '/shipping-companies/delete', { ids: [c.id] })).statusCode, 403, role);
    }
    // Orders keep the company they left with: it cannot go while one names it.
    await createProduct(t.db, { accountId: shop, sku: 'ARGAN', name: 'Argan', price: 100 });
    const ref = await t.db.tx((q) =>
      createOrder(q, SYSTEM, shop, {
        full_name: 'Client',
        phone: '0612345678',
        city: 'Casa',
        address: '1 Rue',
        is_fees_paid_by_customer: false,
        total: 100,
        products: [{ sku: 'ARGAN', quantity: 1, price: 100 }],
      }),
    );
    await t.db.query('UPDATE orders SET shipping_company_id = $1 WHERE account_id = $2 AND reference = $3', [c.id, shop, ref]);
    const refused = await as.admin.json('DELETE', '/shipping-companies/delete', { ids: [c.id] });
    assert.equal(refused.statusCode, 422, refused.body);
    assert.match(refused.body, /This shipping company is used by 1 order and cannot be deleted\./);
    assert.equal((await t.db.query('SELECT 1 FROM shipping_companies WHERE id = $1', [c.id])).rows.length, 1);
    await t.db.query('UPDATE orders SET shipping_company_id = NULL WHERE account_id = $1', [shop]);
    assert.equal((await as.admin.json('DELETE', '/shipping-companies/delete', { ids: [c.id] })).statusCode, 200);
    assert.equal((await t.db.query('SELECT 1 FROM shipping_companies WHERE id = $1', [c.id])).rows.length, 0);
  });
});
