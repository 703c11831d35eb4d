import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId } from '../../lib/ids.js';
import { multipart } from '../../test-support/multipart.js';
import { testApp, type TestApp } from '../../test-support/harness.js';
import { HOST, login, type Agent } from '../../test-support/session.js';
import { createAccount } from '../accounts/service.js';
import { ROLES, type Role } from '../../core/roles.js';
import { createUser } from '../users/service.js';
import { IMAGE_TOO_BIG, IMAGE_WRONG_TYPE, MAX_IMAGE_BYTES } from './images.js';
import { createProduct } from './service.js';

const FORBIDDEN = { message: 'This action is unauthorized.' };
const NOT_FOUND = { message: 'Resource not found.' };
const INVALID = 'The given data was invalid.';
const MANAGERS: Role[] = ['manager-leader', 'manager', 'call-center-manager'];
const VIEWERS: Role[] = ['admin', ...MANAGERS, 'agent', 'follow-up-agent', 'stock-manager', 'sourcing-agent', 'seller'];
const PRODUCT_KEYS = [
  'id',
  'account_id',
  'name',
  'description',
  'sku',
  'status',
  'price',
  'purchase_price',
  'category_id',
  'variants',
  'weight',
  'width',
  'height',
  'length',
  'has_discount',
  'discount',
  'image',
  'free_shipping',
  'paid_by_seller',
  'landing_page_url',
  'script',
].sort();
const WITHOUT_PURCHASE = PRODUCT_KEYS.filter((k) => k !== 'purchase_price');

let t: TestApp;
let shopA: string;
let shopB: string;
const users = {} as Record<Role, { id: string; email: string }>;
const as = {} as Record<Role, Agent>;
let otherSeller: Agent;

async function person(role: Role, accountId: string | null = null) {
  const email = `${role}-${newId().toLowerCase()}@example.test`;
  const { id } = await createUser(t.db, { role, email, password: 'password-123', fullName: `The ${role}`, accountId });
  return { id, email };
}

const dataDir = mkdtempSync(join(tmpdir(), 'codops-products-'));

before(async () => {
  t = await testApp({ DATA_DIR: dataDir, FILES: 'local' }); // its files on disk are checked
  shopA = (await createAccount(t.db, { name: 'Shop A' })).id;
  shopB = (await createAccount(t.db, { name: 'Shop B' })).id;
  for (const role of ROLES) {
    users[role] = await person(role, role === 'seller' ? shopA : null);
    as[role] = await login(t.app, users[role].email);
  }
  otherSeller = await login(t.app, (await person('seller', shopB)).email);
});
after(async () => {
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function expectJson(res: LightMyRequestResponse, status: number, body?: unknown, what = '') {
  assert.equal(res.statusCode, status, `${what}: ${res.body.slice(0, 500)}`);
  assert.match(String(res.headers['content-type']), /^application\/json/, what);
  if (body !== undefined) assert.deepEqual(res.json(), body, what);
}
const invalid = (res: LightMyRequestResponse, errors: Record<string, string[]>, what = '') =>
  expectJson(res, 422, { message: INVALID, errors }, what);

const sku = (tag = 'SKU') => `${tag}-${newId().slice(-8)}`;
const full = (over: Record<string, unknown> = {}) => ({
  account_id: shopA,
  name: 'Argan Oil 100ml',
  description: 'Cold-pressed argan oil from Essaouira.',
  sku: sku(),
  status: 'active',
  price: 199,
  purchase_price: 80,
  variants: [
    { type: 'colors', name: 'Gold' },
    { type: 'sizes', name: '100ml' },
  ],
  weight: 250,
  width: 5,
  height: 15,
  length: 5,
  has_discount: true,
  discount: 20,
  free_shipping: false,
  paid_by_seller: true,
  landing_page_url: 'https://shop.example/argan',
  script: '<script>track("argan")</script>',
  ...over,
});

/** Creates a product through the admin's JSON route. */
async function adminCreates(over: Record<string, unknown> = {}) {
  const res = await as.admin.json('POST', '/products/store', full(over));
  expectJson(res, 201, undefined, 'admin creates');
  return res.json().data as Record<string, unknown> & { id: string };
}

const productRow = async (id: string) =>
  (
    await t.db.query<Record<string, unknown>>(
      'SELECT name, price::float8 AS price, purchase_price::float8 AS purchase_price, sku, status, free_shipping, landing_page_url, script, paid_by_seller, deleted_at FROM products WHERE id = $1',
      [id],
    )
  ).rows[0];

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 7)]);

async function upload(a: Agent, id: string, file: { name: string; type: string; data: Buffer }, accept = 'application/json') {
  if (!a.token) await a.get('/products');
  const { payload, contentType } = multipart(a.token, 'image', file);
  return t.app.inject({
    method: 'POST',
    url: `/products/${id}/image`,
    payload,
    headers: {
      host: HOST,
      'content-type': contentType,
      accept,
      cookie: `codops_session=${a.session}`,
      referer: `http://${HOST}/products/${id}/show`,
    },
  });
}

describe('products: the permission matrix', () => {
  test('every role but delivery lists products; only the admin creates', async () => {
    for (const role of ROLES) {
      const list = await as[role].json('GET', '/products');
      if (VIEWERS.includes(role)) expectJson(list, 200, undefined, `${role} list`);
      else expectJson(list, 403, FORBIDDEN, `${role} list`);
      assert.equal((await as[role].get('/products')).statusCode, VIEWERS.includes(role) ? 200 : 403, `${role} list page`);
      assert.equal((await as[role].get('/products/create')).statusCode, role === 'admin' ? 200 : 403, `${role} create page`);
      const store = await as[role].json('POST', '/products/store', full());
      if (role === 'admin') expectJson(store, 201, undefined, 'admin store');
      else expectJson(store, 403, FORBIDDEN, `${role} store`);
    }
  });

  test('show: staff with view see any product; a seller only their account’s (404); an agent only assigned ones (404); delivery 403', async () => {
    const a = await adminCreates();
    const b = await adminCreates({ account_id: shopB });
    for (const role of ROLES) {
      const res = await as[role].json('GET', `/products/${b.id}/show`);
      if (role === 'delivery') expectJson(res, 403, FORBIDDEN, role);
      else if (role === 'seller' || role === 'agent') expectJson(res, 404, NOT_FOUND, role);
      else expectJson(res, 200, undefined, role);
    }
    expectJson(await as.seller.json('GET', `/products/${a.id}/show`), 200);
    expectJson(await otherSeller.json('GET', `/products/${a.id}/show`), 404, NOT_FOUND);
    assert.equal((await otherSeller.get(`/products/${a.id}/edit`)).statusCode, 404);
    expectJson(await otherSeller.json('PATCH', `/products/${a.id}/update`, { status: 'inactive' }), 404, NOT_FOUND);
    expectJson(await as.manager.json('PATCH', `/products/${a.id}/update`, { status: 'inactive' }), 403, FORBIDDEN);
    expectJson(await as.seller.json('DELETE', '/products/delete', { ids: [a.id] }), 403, FORBIDDEN);
  });

  test('an agent sees exactly the products assigned to them, which the admin sets from the product', async () => {
    const p = await adminCreates();
    expectJson(await as.agent.json('GET', `/products/${p.id}/show`), 404, NOT_FOUND);
    const assigned = await as.admin.form(`/products/${p.id}/assign`, { agents: [users.agent.id] }, { method: 'PUT' });
    assert.equal(assigned.statusCode, 302);
    assert.equal(assigned.headers.location, `/products/${p.id}/show`);
    const page = await as.admin.follow(assigned);
    assert.match(page.body, /Product assigned to 1 agent\./);
    const ids = (await t.db.query<{ p: string[] }>('SELECT products_ids_to_confirm AS p FROM users WHERE id = $1', [users.agent.id]))
      .rows[0].p;
    assert.ok(ids.includes(p.id));
    expectJson(await as.agent.json('GET', `/products/${p.id}/show`), 200);
    const list = (await as.agent.json('GET', '/products')).json();
    assert.deepEqual(
      list.data.map((x: { id: string }) => x.id),
      [p.id],
    );
    // Unticking every agent (the form's hidden empty `agents[]`) removes the assignment.
    const none = await as.admin.form(`/products/${p.id}/assign`, { 'agents[]': '' }, { method: 'PUT' });
    assert.equal(none.statusCode, 302);
    expectJson(await as.agent.json('GET', `/products/${p.id}/show`), 404, NOT_FOUND);
    invalid(await as.admin.json('PUT', `/products/${p.id}/assign`, { agents: [users.manager.id] }), {
      'agents.0': ['The selected agents.0 is invalid.'],
    });
    // Whatever `agents` is, a 422, never a 500 (found by the fuzz audit on PostgreSQL).
    invalid(await as.admin.json('PUT', `/products/${p.id}/assign`, { agents: true }), { agents: ['The agents field must be an array.'] });
    invalid(await as.admin.json('PUT', `/products/${p.id}/assign`, { agents: [null, 5, {}, [], [[1]]] }), {
      'agents.0': ['The agents.0 field is required.'],
      'agents.1': ['The agents.1 field must be a string.'],
      'agents.2': ['The agents.2 field is required.'],
      'agents.3': ['The agents.3 field is required.'],
      'agents.4': ['The agents.4 field must be a string.'],
    });
    expectJson(await as.manager.json('PUT', `/products/${p.id}/assign`, { agents: [] }), 403, FORBIDDEN);
  });
});

describe('products: fields and rules', () => {
  test('JSON: a product reads its fields plus id; purchase_price only for admins and managers', async () => {
    const p = await adminCreates();
    assert.deepEqual(Object.keys(p).sort(), PRODUCT_KEYS);
    assert.deepEqual(
      { ...p, id: undefined, sku: undefined },
      {
        ...full(),
        id: undefined,
        sku: undefined,
        category_id: null,
        image: null,
      },
    );
    for (const role of VIEWERS) {
      const viewer = role === 'seller' ? as.seller : as[role];
      if (role === 'agent')
        await t.db.query(`UPDATE users SET products_ids_to_confirm = jsonb_build_array($2::text) WHERE id = $1`, [users.agent.id, p.id]);
      const show = (await viewer.json('GET', `/products/${p.id}/show`)).json().data;
      const sees = role === 'admin' || MANAGERS.includes(role);
      assert.deepEqual(Object.keys(show).sort(), sees ? PRODUCT_KEYS : WITHOUT_PURCHASE, role);
      const list = (await viewer.json('GET', `/products?search=${p.sku}`)).json();
      assert.equal(list.data.length, 1, role);
      assert.equal('purchase_price' in list.data[0], sees, role);
      const page = await viewer.get(`/products/${p.id}/show`);
      assert.equal(page.statusCode, 200);
      assert.equal(page.body.includes('Purchase price'), sees, `${role} page`);
    }
  });

  test('create through the form: 302 to the product with a message; the staff must name the account', async () => {
    const code = sku('FORM');
    const res = await as.admin.form('/products/store', {
      account_id: shopA,
      name: 'Amlou 250g',
      sku: code,
      price: '50',
      status: 'active',
      description: 'Almond paste',
      'variants[0][type]': 'sizes',
      'variants[0][name]': '250g',
      'variants[1][type]': '',
      'variants[1][name]': '',
    });
    assert.equal(res.statusCode, 302, res.body);
    const id = (await t.db.query<{ id: string }>('SELECT id FROM products WHERE sku = $1', [code])).rows[0].id;
    assert.equal(res.headers.location, `/products/${id}/show`);
    const page = await as.admin.follow(res);
    assert.match(page.body, /Product Amlou 250g created\./);
    const json = (await as.admin.json('GET', `/products/${id}/show`)).json().data;
    assert.deepEqual(json.variants, [{ type: 'sizes', name: '250g' }]);
    assert.equal(json.has_discount, false);
    assert.equal(json.free_shipping, false);

    invalid(await as.admin.json('POST', '/products/store', full({ account_id: undefined })), {
      account_id: ['The account id field is required.'],
    });
    invalid(await as.admin.json('POST', '/products/store', full({ account_id: 'nope' })), {
      account_id: ['The selected account id is invalid.'],
    });
    invalid(await as.admin.json('POST', '/products/store', { account_id: shopA }), {
      name: ['The name field is required.'],
      sku: ['The sku field is required.'],
      price: ['The price field is required.'],
    });
    invalid(
      await as.admin.json(
        'POST',
        '/products/store',
        full({
          name: 'x'.repeat(61),
          price: 100_000,
          purchase_price: 0,
          weight: 10_000,
          variants: [{ type: 'shapes', name: '' }],
          category_id: 'nope',
          landing_page_url: 'not a url',
        }),
      ),
      {
        name: ['The name field must not be greater than 60 characters.'],
        price: ['The price field must not be greater than 99999.'],
        purchase_price: ['The purchase price field must be at least 1.'],
        category_id: ['The selected category id is invalid.'],
        'variants.0.type': ['The selected variants.0.type is invalid.'],
        'variants.0.name': ['The variants.0.name field is required.'],
        weight: ['The weight field must not be greater than 9999.'],
        landing_page_url: ['The landing page url field must be a valid URL.'],
      },
    );
    // Money has two decimals (domain.md): more are refused, never rounded.
    invalid(
      await as.admin.json(
        'POST',
        '/products/store',
        full({ price: 12.345, purchase_price: '9.999', has_discount: true, discount: 10.555, weight: 2.005, length: '1.239' }),
      ),
      {
        price: ['The price field must have 0-2 decimal places.'],
        purchase_price: ['The purchase price field must have 0-2 decimal places.'],
        discount: ['The discount field must have 0-2 decimal places.'],
        // Sizes too (catalog audit: 2.005 was stored 2.01).
        weight: ['The weight field must have 0-2 decimal places.'],
        length: ['The length field must have 0-2 decimal places.'],
      },
    );
  });

  test('a failed form goes back with the messages next to the fields and the input kept', async () => {
    await as.admin.get('/products/create');
    const res = await as.admin.form('/products/store', { name: 'Kept name', sku: '', price: '10', has_discount: '1' });
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, '/products/create');
    const page = await as.admin.follow(res);
    assert.match(page.body, /The account id field is required\./);
    assert.match(page.body, /The sku field is required\./);
    assert.match(page.body, /The discount field is required when has discount is true\./);
    assert.match(page.body, /value="Kept name"/);
  });

  test('the SKU is unique in its account', async () => {
    const code = sku('UNIQ');
    await adminCreates({ sku: code });
    invalid(await as.admin.json('POST', '/products/store', full({ sku: code })), { sku: ['The sku has already been taken.'] });
    await adminCreates({ sku: code, account_id: shopB });
    const other = await adminCreates();
    invalid(await as.admin.json('PATCH', `/products/${other.id}/update`, { sku: code }), { sku: ['The sku has already been taken.'] });
  });

  test('discount: required with has_discount, less than the price', async () => {
    invalid(await as.admin.json('POST', '/products/store', full({ discount: undefined })), {
      discount: ['The discount field is required when has discount is true.'],
    });
    invalid(await as.admin.json('POST', '/products/store', full({ discount: 199 })), {
      discount: ['The discount field must be less than 199.'],
    });
    invalid(await as.admin.json('POST', '/products/store', full({ discount: 250 })), {
      discount: ['The discount field must be less than 199.'],
    });
    const off = await adminCreates({ has_discount: false, discount: 500 });
    assert.equal(off.discount, null, 'no discount kept without has_discount');
    const p = await adminCreates();
    // Lowering the price under the discount is refused too.
    invalid(await as.admin.json('PATCH', `/products/${p.id}/update`, { price: 20 }), {
      discount: ['The discount field must be less than 20.'],
    });
    expectJson(await as.admin.json('PATCH', `/products/${p.id}/update`, { has_discount: false }), 200);
    assert.equal((await as.admin.json('GET', `/products/${p.id}/show`)).json().data.discount, null);
  });

  test('admin update: a partial JSON update changes what it names; an emptied required field is refused', async () => {
    const p = await adminCreates();
    const res = await as.admin.json('PATCH', `/products/${p.id}/update`, { name: 'Renamed', weight: null });
    expectJson(res, 200);
    const data = res.json().data;
    assert.equal(data.name, 'Renamed');
    assert.equal(data.weight, null);
    assert.equal(data.price, 199);
    invalid(await as.admin.json('PATCH', `/products/${p.id}/update`, { name: '', price: '' }), {
      name: ['The name field is required.'],
      price: ['The price field is required.'],
    });
  });
});

describe('products: what a seller may change', () => {
  test('the edit page offers only status, free shipping, landing page and script', async () => {
    const p = await adminCreates();
    const page = await as.seller.get(`/products/${p.id}/edit`);
    assert.equal(page.statusCode, 200);
    const names = [...page.body.matchAll(/<(?:input|select|textarea)[^>]*\sname="([^"]+)"/g)]
      .map((m) => m[1])
      .filter((n) => n !== '_token' && n !== '_method');
    assert.deepEqual(names.sort(), ['free_shipping', 'landing_page_url', 'script', 'status']);
    assert.doesNotMatch(page.body, /Purchase price/);
    const admin = await as.admin.get(`/products/${p.id}/edit`);
    for (const field of ['name', 'sku', 'price', 'purchase_price', 'discount', 'category_id', 'weight', 'paid_by_seller'])
      assert.match(admin.body, new RegExp(`name="${field}"`), field);
  });

  test('a forged post of other fields changes nothing; the four fields change', async () => {
    const p = await adminCreates({ free_shipping: false });
    const before = await productRow(p.id);
    const res = await as.seller.form(
      `/products/${p.id}/update`,
      {
        status: 'inactive',
        free_shipping: '1',
        landing_page_url: 'https://mine.example/landing',
        script: '<script>mine()</script>',
        name: 'Forged',
        price: '1',
        purchase_price: '1',
        sku: 'FORGED',
        paid_by_seller: '0',
      },
      { method: 'PATCH' },
    );
    assert.equal(res.statusCode, 302, res.body);
    assert.equal(res.headers.location, `/products/${p.id}/show`);
    const after = await productRow(p.id);
    assert.deepEqual(after, {
      ...before,
      status: 'inactive',
      free_shipping: true,
      landing_page_url: 'https://mine.example/landing',
      script: '<script>mine()</script>',
    });
    // JSON too: forged fields are ignored, not reported.
    const json = await as.seller.json('PATCH', `/products/${p.id}/update`, {
      name: 'Forged again',
      price: 'abc',
      purchase_price: 5,
      status: 'active',
    });
    expectJson(json, 200);
    assert.deepEqual(Object.keys(json.json().data).sort(), WITHOUT_PURCHASE);
    assert.equal(json.json().data.name, before.name);
    assert.equal((await productRow(p.id)).status, 'active');
    // Unticking free shipping on the form turns it off; their own fields are validated.
    await as.seller.form(`/products/${p.id}/update`, { status: 'active', landing_page_url: '', script: '' }, { method: 'PATCH' });
    const cleared = await productRow(p.id);
    assert.equal(cleared.free_shipping, false);
    assert.equal(cleared.landing_page_url, null);
    invalid(await as.seller.json('PATCH', `/products/${p.id}/update`, { status: 'gone', landing_page_url: 'ftp://x' }), {
      status: ['The selected status is invalid.'],
      landing_page_url: ['The landing page url field must be a valid URL.'],
    });
  });
});

describe('products: lists', () => {
  test('search by name or SKU, status and account filters, sort and pagination', async () => {
    const tag = newId().slice(-6);
    const a = await adminCreates({ name: `Zeta ${tag}`, sku: `ZZ-${tag}`, status: 'inactive' });
    const b = await adminCreates({ name: `Alpha ${tag}`, sku: `AA-${tag}`, account_id: shopB });
    const ids = async (a: Agent, q: string) => (await a.json('GET', `/products?${q}`)).json().data.map((x: { id: string }) => x.id);
    assert.deepEqual(await ids(as.admin, `search=${tag}&sort=name&direction=asc`), [b.id, a.id]);
    assert.deepEqual(await ids(as.admin, `search=ZZ-${tag}`), [a.id]);
    assert.deepEqual(await ids(as.admin, `search=${tag}&status=inactive`), [a.id]);
    assert.deepEqual(await ids(as.admin, `search=${tag}&account_id=${shopB}`), [b.id]);
    assert.deepEqual(await ids(as.seller, `search=${tag}`), [a.id], 'a seller sees only their account');
    assert.deepEqual(await ids(as.seller, `search=${tag}&account_id=${shopB}`), [a.id], 'the account filter is the staff’s');
    const page = (await as.admin.json('GET', `/products?search=${tag}&per_page=1&page=2&sort=name&direction=asc`)).json();
    assert.deepEqual(page.meta, { current_page: 2, per_page: 1, total: 2, last_page: 2 });
    assert.deepEqual(
      page.data.map((x: { id: string }) => x.id),
      [a.id],
    );
    const html = await as.admin.get(`/products?search=${tag}`);
    assert.match(html.body, /Search by name or SKU/);
    assert.match(html.body, new RegExp(`Alpha ${tag}`));
    assert.match(html.body, /Delete selected products/);
  });

  test('hide money drops the price column of the list, and its sort', async () => {
    const p = await adminCreates({ price: 4321 });
    await t.db.query('UPDATE users SET hide_money = true WHERE id = $1', [users.manager.id]);
    const page = await as.manager.get(`/products?search=${p.sku}`);
    assert.doesNotMatch(page.body, /4,321/);
    assert.doesNotMatch(page.body, /sort=price|>Price</);
    assert.match((await as.admin.get(`/products?search=${p.sku}`)).body, /4,321\.00/);
    await t.db.query('UPDATE users SET hide_money = false WHERE id = $1', [users.manager.id]);
  });
});

describe('products: delete', () => {
  test('bulk delete through the form: gone from lists and pages, SKU free again, lines keep their product', async () => {
    const one = await adminCreates();
    const two = await adminCreates();
    const keep = await adminCreates();
    await t.db.query(`UPDATE users SET products_ids_to_confirm = jsonb_build_array($2::text, $3::text) WHERE id = $1`, [
      users.agent.id,
      one.id,
      keep.id,
    ]);
    await as.admin.get('/products');
    const res = await as.admin.form('/products/delete', { ids: [one.id, two.id] }, { method: 'DELETE' });
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, '/products');
    assert.match((await as.admin.follow(res)).body, /2 products deleted\./);
    for (const id of [one.id, two.id]) expectJson(await as.admin.json('GET', `/products/${id}/show`), 404, NOT_FOUND);
    expectJson(await as.admin.json('GET', `/products/${keep.id}/show`), 200);
    assert.ok((await productRow(one.id)).deleted_at, 'soft-deleted');
    const agentIds = (await t.db.query<{ p: string[] }>('SELECT products_ids_to_confirm AS p FROM users WHERE id = $1', [users.agent.id]))
      .rows[0].p;
    assert.deepEqual(agentIds, [keep.id]);
    await adminCreates({ sku: one.sku });
    // A plain POST works too; JSON answers the message; unknown ids are a 404.
    const three = await adminCreates();
    expectJson(await as.admin.json('POST', '/products/delete', { ids: [three.id] }), 200, { message: `Product ${three.name} deleted.` });
    expectJson(await as.admin.json('DELETE', '/products/delete', { ids: [three.id] }), 404, NOT_FOUND);
    invalid(await as.admin.json('DELETE', '/products/delete', {}), { ids: ['The ids field is required.'] });
  });

  test('a deleted product is no longer an active SKU for the API', async () => {
    const { id } = await createProduct(t.db, { accountId: shopA, sku: sku('API'), name: 'Via API', price: 10 });
    expectJson(await as.admin.json('DELETE', '/products/delete', { ids: [id] }), 200);
    const { activeProductsBySku } = await import('./lookup.js');
    const row = await productRow(id);
    assert.equal((await activeProductsBySku(t.db, shopA, [row.sku as string])).size, 0);
  });
});

describe('products: image', () => {
  test('upload a PNG: stored under DATA_DIR, served to those who may see the product', async () => {
    const p = await adminCreates();
    const res = await upload(as.admin, p.id, { name: 'argan.png', type: 'image/png', data: PNG });
    expectJson(res, 200);
    const image = res.json().data.image as string;
    assert.match(image, new RegExp(`^/products/${p.id}/image\\?v=[0-9a-f]+$`));
    const got = await as.seller.get(image);
    assert.equal(got.statusCode, 200);
    assert.equal(got.headers['content-type'], 'image/png');
    assert.deepEqual(got.rawPayload, PNG);
    assert.equal((await otherSeller.get(image)).statusCode, 404);
    assert.equal((await as.delivery.get(image)).statusCode, 403);
    const path = (await t.db.query<{ image_path: string }>('SELECT image_path FROM products WHERE id = $1', [p.id])).rows[0].image_path;
    assert.match(path, new RegExp(`^products/${p.id}-[0-9a-f]{16}\\.png$`));
    assert.ok(readdirSync(join(dataDir, 'uploads', 'products')).includes(path.slice('products/'.length)));
    // The HTML form goes back to the product with a message.
    const html = await upload(as.admin, p.id, { name: 'again.png', type: 'image/png', data: PNG }, 'text/html');
    assert.equal(html.statusCode, 302);
    assert.equal(html.headers.location, `/products/${p.id}/show`);
    const removed = await as.admin.form(`/products/${p.id}/image`, {}, { method: 'DELETE' });
    assert.equal(removed.statusCode, 302);
    assert.equal((await as.admin.json('GET', `/products/${p.id}/show`)).json().data.image, null);
    assert.deepEqual(
      readdirSync(join(dataDir, 'uploads', 'products')).filter((f) => f.startsWith(p.id)),
      [],
      'replaced and removed files are gone',
    );
  });

  test('too big or not an image: 422 on image; sellers may not upload', async () => {
    const p = await adminCreates();
    const big = Buffer.concat([PNG, Buffer.alloc(MAX_IMAGE_BYTES, 1)]);
    invalid(await upload(as.admin, p.id, { name: 'big.png', type: 'image/png', data: big }), { image: [IMAGE_TOO_BIG] });
    invalid(await upload(as.admin, p.id, { name: 'fake.png', type: 'image/png', data: Buffer.from('GIF89a not really') }), {
      image: [IMAGE_WRONG_TYPE],
    });
    assert.equal(IMAGE_TOO_BIG, 'The image field must not be greater than 1024 kilobytes.');
    assert.equal(IMAGE_WRONG_TYPE, 'The image field must be a file of type: png, jpeg, webp.');
    // On a page, the message comes back under the field.
    await as.admin.get(`/products/${p.id}/show`);
    const html = await upload(as.admin, p.id, { name: 'fake.png', type: 'image/png', data: Buffer.from('nope') }, 'text/html');
    assert.equal(html.statusCode, 302);
    assert.match((await as.admin.follow(html)).body, /The image field must be a file of type: png, jpeg, webp\./);
    expectJson(await upload(as.seller, p.id, { name: 'argan.png', type: 'image/png', data: PNG }), 403, FORBIDDEN);
  });
});
