// Contract tests of the leads endpoints of api-v1.md: exact status codes, bodies and messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lead, tenant, sharedTestApp, type Tenant, type TestApp } from '../../test-support/harness.js';
import { SCOPES, type Scope } from '../../core/scopes.js';
import { LEAD_KEYS } from './test-fixtures.js';
import { SYSTEM } from '../../core/actor.js';
import { transitionLeads } from './lifecycle.js';
import { createUser } from '../users/service.js';
import { createToken } from '../tokens/tokens.js';
import { reachableOrders } from '../orders/queries.js';

const API = '/api/web/1.0';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const INVALID = 'The given data was invalid.';
const BY_TOKEN = 'API token "Test shop"';
const HISTORY_KEYS = ['lead_reference', 'old_status', 'new_status', 'changed_by', 'changed_at', 'comment'];

let t: TestApp;
sharedTestApp((app) => (t = app), { API_RATE_LIMIT_PER_MINUTE: '100000' });

interface Res {
  status: number;
  body: any;
  headers: Record<string, unknown>;
}

async function call(
  a: Tenant | undefined,
  method: string,
  path: string,
  payload?: unknown,
  headers: Record<string, string> = {},
): Promise<Res> {
  const r = await t.app.inject({
    method: method as 'GET',
    url: `${API}${path}`,
    headers: { ...(a ? a.auth : {}), ...headers },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  return { status: r.statusCode, body: r.body === '' ? undefined : JSON.parse(r.body), headers: r.headers };
}

const get = (a: Tenant, path: string) => call(a, 'GET', path);
const post = (a: Tenant, path: string, payload: unknown) => call(a, 'POST', path, payload);
const patch = (a: Tenant, path: string, payload: unknown) => call(a, 'PATCH', path, payload);
const del = (a: Tenant, path: string, payload?: unknown) => call(a, 'DELETE', path, payload);

/** Asserts the exact 422 body, including the order of the error keys (request order). */
function assert422(res: Res, errors: Record<string, string[]>) {
  assert.equal(res.status, 422, JSON.stringify(res.body));
  assert.deepEqual(res.body, { message: INVALID, errors });
  assert.deepEqual(Object.keys(res.body.errors), Object.keys(errors));
}

async function create(a: Tenant, leads: unknown[]): Promise<string[]> {
  const res = await post(a, '/leads', { leads });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.data.references;
}

async function count(a: Tenant, table: 'leads' | 'lead_lines' | 'lead_histories' | 'orders' | 'order_histories'): Promise<number> {
  const sql = {
    leads: 'SELECT count(*)::int AS n FROM leads WHERE account_id = $1',
    lead_lines: 'SELECT count(*)::int AS n FROM lead_lines ll JOIN leads l ON l.id = ll.lead_id WHERE l.account_id = $1',
    lead_histories: 'SELECT count(*)::int AS n FROM lead_histories WHERE account_id = $1',
    orders: 'SELECT count(*)::int AS n FROM orders WHERE account_id = $1',
    order_histories: 'SELECT count(*)::int AS n FROM order_histories WHERE account_id = $1',
  }[table];
  const { rows } = await t.db.query<{ n: number }>(sql, [a.accountId]);
  return rows[0].n;
}

async function statusOf(a: Tenant, reference: string): Promise<string> {
  const res = await get(a, `/leads/${reference}`);
  assert.equal(res.status, 200);
  return res.body.data.status;
}

const references = (res: Res) => res.body.data.map((l: { reference: string }) => l.reference);

/** The API item of harness `lead(i)` with `over`, taking id and times from `actual` after checking their format. */
function assertLead(actual: any, i: number, over: Record<string, unknown> = {}) {
  assert.deepEqual(Object.keys(actual), LEAD_KEYS);
  assert.match(actual.id, ULID);
  assert.match(actual.created_at, ISO);
  assert.match(actual.updated_at, ISO);
  assert.ok(actual.updated_at >= actual.created_at);
  assert.deepEqual(actual, {
    id: actual.id,
    reference: `LD-${String(i).padStart(5, '0')}`,
    status: 'new',
    full_name: `Customer ${i}`,
    phone: `06${12_000_000 + i}`,
    city: 'Casablanca',
    area: null,
    address: null,
    products: [{ sku: 'P1', name: 'Argan Oil 100ml', quantity: 2, price: 199, total: 398 }],
    total: 398,
    data: [],
    call_attempts: 0,
    callback_at: null,
    cancel_reason: null,
    duplicate_of: null,
    order_reference: null,
    created_at: actual.created_at,
    updated_at: actual.updated_at,
    ...over,
  });
}

/** History items as [reference, old, new, changed_by, comment], after checking each item's exact shape. */
function historyRows(res: Res): [string, string | null, string, string, string | null][] {
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data.map((h: any) => {
    assert.deepEqual(Object.keys(h), HISTORY_KEYS);
    assert.match(h.changed_at, ISO);
    return [h.lead_reference, h.old_status, h.new_status, h.changed_by, h.comment];
  });
}

// ---------------------------------------------------------------------------------------------
// Authentication, scopes and plumbing
// ---------------------------------------------------------------------------------------------

const ENDPOINTS: [string, string, Scope, unknown?][] = [
  ['POST', '/leads', 'CREATE LEADS', { leads: [lead(1)] }],
  ['GET', '/leads', 'VIEW LEADS'],
  ['GET', '/leads/LD-00001', 'VIEW LEADS'],
  ['GET', '/lead-histories', 'VIEW LEADS'],
  ['PATCH', '/leads', 'UPDATE LEADS', { leads: [{ reference: 'LD-00001', status: 'canceled' }] }],
  ['PATCH', '/leads/LD-00001', 'UPDATE LEADS', { status: 'canceled' }],
  ['DELETE', '/leads', 'DELETE LEADS', { references: ['LD-00001'] }],
  ['DELETE', '/leads/LD-00001', 'DELETE LEADS'],
];

test('every leads endpoint answers 401 without a valid token and 403 without its scope', async () => {
  const owner = await tenant(t.db);
  await create(owner, [lead(1)]);
  const without = new Map<Scope, Tenant>();
  for (const scope of ['CREATE LEADS', 'VIEW LEADS', 'UPDATE LEADS', 'DELETE LEADS'] as Scope[]) {
    without.set(scope, await tenant(t.db, { scopes: SCOPES.filter((s) => s !== scope) }));
  }
  for (const [method, path, scope, payload] of ENDPOINTS) {
    const anonymous = await call(undefined, method, path, payload);
    assert.equal(anonymous.status, 401, `${method} ${path}`);
    assert.deepEqual(anonymous.body, { message: 'Unauthenticated.' });
    const bogus = await call(undefined, method, path, payload, { authorization: 'Bearer 999999|nope' });
    assert.equal(bogus.status, 401, `${method} ${path}`);
    assert.deepEqual(bogus.body, { message: 'Unauthenticated.' });
    const forbidden = await call(without.get(scope), method, path, payload);
    assert.equal(forbidden.status, 403, `${method} ${path}`);
    assert.deepEqual(forbidden.body, { message: 'This action is unauthorized.' });
  }
  // Nothing was touched by the refused requests.
  assert.equal(await statusOf(owner, 'LD-00001'), 'new');
});

test('bad bodies, unknown routes and wrong methods answer the catalogue', async () => {
  const a = await tenant(t.db);
  const badJson = await t.app.inject({
    method: 'POST',
    url: `${API}/leads`,
    headers: { ...a.auth, 'content-type': 'application/json' },
    payload: '{"leads": [',
  });
  assert.equal(badJson.statusCode, 400);
  assert.deepEqual(badJson.json(), { message: 'The request body is not valid JSON.' });
  const text = await t.app.inject({
    method: 'POST',
    url: `${API}/leads`,
    headers: { ...a.auth, 'content-type': 'text/plain' },
    payload: 'leads',
  });
  assert.equal(text.statusCode, 415);
  assert.deepEqual(text.json(), { message: 'The request body must be JSON.' });
  const put = await call(a, 'PUT', '/leads', { leads: [] });
  assert.equal(put.status, 405);
  assert.deepEqual(put.body, { message: 'Method not allowed.' });
  const unknown = await get(a, '/leadz');
  assert.equal(unknown.status, 404);
  assert.deepEqual(unknown.body, { message: 'Resource not found.' });
  assert.equal(await count(a, 'leads'), 0);
});

// ---------------------------------------------------------------------------------------------
// POST /leads
// ---------------------------------------------------------------------------------------------

test('POST /leads creates leads in request order with status new and a null → new history by the token', async () => {
  const a = await tenant(t.db);
  const res = await post(a, '/leads', { leads: [lead(1), lead(2), lead(3)] });
  assert.equal(res.status, 201);
  assert.deepEqual(res.body, { message: 'Leads created successfully.', data: { references: ['LD-00001', 'LD-00002', 'LD-00003'] } });
  const again = await post(a, '/leads', { leads: [lead(4)] });
  assert.deepEqual(again.body, { message: 'Leads created successfully.', data: { references: ['LD-00004'] } });
  for (const i of [1, 2, 3, 4]) assertLead((await get(a, `/leads/LD-0000${i}`)).body.data, i);
  assert.deepEqual(historyRows(await get(a, '/lead-histories?reference=LD-00002')), [['LD-00002', null, 'new', BY_TOKEN, null]]);
  assert.equal(await count(a, 'lead_histories'), 4);
});

test('a lead item has exactly the documented shape: all keys, numbers as numbers, UTC times without milliseconds', async () => {
  const a = await tenant(t.db);
  const before = Date.now();
  await create(a, [
    {
      phone: ' +212 6 00 00 00 01 ',
      full_name: 'Ahmed Benali',
      city: 'Casablanca',
      area: '',
      address: '123 Boulevard Mohammed V',
      // A field the rules do not name is dropped, whatever its place or size (`{key, value}` only).
      data: [
        { key: 'source', value: 'facebook-ad' },
        { value: 'spring', extra: 'x'.repeat(5000), key: 'utm' },
      ],
      products: [
        { sku: 'P1', quantity: 2, price: 199 },
        { sku: 'P2', quantity: 3, price: 49.99 },
      ],
    },
  ]);
  const res = await get(a, '/leads/LD-00001');
  assert.equal(res.status, 200);
  assert.deepEqual(Object.keys(res.body), ['data']);
  const item = res.body.data;
  assert.deepEqual(Object.keys(item), LEAD_KEYS);
  assert.deepEqual(item, {
    id: item.id,
    reference: 'LD-00001',
    status: 'new',
    full_name: 'Ahmed Benali',
    phone: '+212 6 00 00 00 01',
    city: 'Casablanca',
    area: null,
    address: '123 Boulevard Mohammed V',
    products: [
      { sku: 'P1', name: 'Argan Oil 100ml', quantity: 2, price: 199, total: 398 },
      { sku: 'P2', name: 'Amlou 250g', quantity: 3, price: 49.99, total: 149.97 },
    ],
    total: 547.97,
    data: [
      { key: 'source', value: 'facebook-ad' },
      { key: 'utm', value: 'spring' },
    ],
    call_attempts: 0,
    callback_at: null,
    cancel_reason: null,
    duplicate_of: null,
    order_reference: null,
    created_at: item.created_at,
    updated_at: item.updated_at,
  });
  assert.equal(JSON.stringify(item.data), '[{"key":"source","value":"facebook-ad"},{"key":"utm","value":"spring"}]');
  assert.match(item.id, ULID);
  assert.match(item.created_at, ISO);
  assert.equal(item.updated_at, item.created_at);
  const created = Date.parse(item.created_at);
  assert.ok(created >= Math.floor(before / 1000) * 1000 - 1000 && created <= Date.now() + 1000, item.created_at);
  // The list shows the same item.
  const list = await get(a, '/leads');
  assert.deepEqual(list.body.data, [item]);
  assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
});

test('POST /leads: the top-level leads rules (required, array, min and max items)', async () => {
  const a = await tenant(t.db);
  assert422(await post(a, '/leads', {}), { leads: ['The leads field is required.'] });
  assert422(await post(a, '/leads', { leads: null }), { leads: ['The leads field is required.'] });
  assert422(await post(a, '/leads', { leads: 'x' }), { leads: ['The leads field must be an array.'] });
  assert422(await post(a, '/leads', { leads: [] }), { leads: ['The leads field is required.'] });
  assert.equal(await count(a, 'leads'), 0);
});

test('POST /leads: one 422 lists every error of every item, shape and unknown or inactive SKUs together, and writes nothing', async () => {
  const a = await tenant(t.db);
  const pairs = Array.from({ length: 101 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
  const lines = Array.from({ length: 101 }, () => ({ sku: 'P1', quantity: 1, price: 10 }));
  const res = await post(a, '/leads', {
    leads: [
      lead(0),
      { full_name: 'Al', city: 'Ca', products: [{ sku: 'OFF', quantity: 0, price: 'abc' }] },
      {
        phone: 612345678,
        full_name: 'x'.repeat(101),
        area: 12,
        address: 'Rue',
        data: [{ key: 'source', value: 'y'.repeat(101) }],
        products: [
          { sku: 'NOPE', quantity: 1.5, price: 1_000_000 },
          { quantity: 1000, price: 0 },
        ],
      },
      { phone: '0612345678', full_name: 'Good Name', city: 'c'.repeat(101), address: 'a'.repeat(101), data: 'x', products: [] },
      { phone: '123456', full_name: 'Good Name', products: 'P1' },
      { phone: '0612345678', full_name: 'Good Name', data: pairs, products: lines },
      { phone: 'p'.repeat(101), full_name: 12, products: [{ sku: 'P2', quantity: 'two', price: 10 }, { sku: 'OFF' }] },
    ],
  });
  assert422(res, {
    'leads.1.phone': ['The leads.1.phone field is required.'],
    'leads.1.full_name': ['The leads.1.full_name field must be at least 3 characters.'],
    'leads.1.city': ['The leads.1.city field must be at least 3 characters.'],
    'leads.1.products.0.sku': ['The selected leads.1.products.0.sku is invalid.'],
    'leads.1.products.0.quantity': ['The leads.1.products.0.quantity field must be at least 1.'],
    'leads.1.products.0.price': ['The leads.1.products.0.price field must be a number.'],
    'leads.2.phone': ['The leads.2.phone field must be a string.'],
    'leads.2.full_name': ['The leads.2.full_name field must not be greater than 100 characters.'],
    'leads.2.area': ['The leads.2.area field must be a string.', 'The leads.2.area field must be at least 3 characters.'],
    'leads.2.address': ['The leads.2.address field must be at least 5 characters.'],
    'leads.2.data.0.value': ['The leads.2.data.0.value field must not be greater than 100 characters.'],
    'leads.2.products.0.sku': ['The selected leads.2.products.0.sku is invalid.'],
    'leads.2.products.0.quantity': ['The leads.2.products.0.quantity field must be an integer.'],
    'leads.2.products.0.price': ['The leads.2.products.0.price field must not be greater than 999999.'],
    'leads.2.products.1.sku': ['The leads.2.products.1.sku field is required.'],
    'leads.2.products.1.quantity': ['The leads.2.products.1.quantity field must not be greater than 999.'],
    'leads.2.products.1.price': ['The leads.2.products.1.price field must be at least 1.'],
    'leads.3.city': ['The leads.3.city field must not be greater than 100 characters.'],
    'leads.3.address': ['The leads.3.address field must not be greater than 100 characters.'],
    'leads.3.data': ['The leads.3.data field must be an array.'],
    'leads.3.products': ['The leads.3.products field is required.'],
    'leads.4.phone': ['The leads.4.phone field must be at least 7 characters.'],
    'leads.4.products': ['The leads.4.products field must be an array.'],
    'leads.5.data': ['The leads.5.data field must not have more than 100 items.'],
    'leads.5.products': ['The leads.5.products field must not have more than 100 items.'],
    'leads.6.phone': ['The leads.6.phone field must not be greater than 100 characters.'],
    'leads.6.full_name': ['The leads.6.full_name field must be a string.', 'The leads.6.full_name field must be at least 3 characters.'],
    'leads.6.products.0.quantity': ['The leads.6.products.0.quantity field must be an integer.'],
    'leads.6.products.1.sku': ['The selected leads.6.products.1.sku is invalid.'],
    'leads.6.products.1.quantity': ['The leads.6.products.1.quantity field is required.'],
    'leads.6.products.1.price': ['The leads.6.products.1.price field is required.'],
  });
  assert.equal(await count(a, 'leads'), 0);
  assert.equal(await count(a, 'lead_lines'), 0);
  assert.equal(await count(a, 'lead_histories'), 0);
  // The reference sequence did not move either.
  assert.deepEqual(await create(a, [lead(1)]), ['LD-00001']);
});

test('POST /leads: a key gets every message that applies, and an inactive SKU alone refuses the whole request', async () => {
  const a = await tenant(t.db);
  assert422(await post(a, '/leads', { leads: [lead(1), lead(2, { products: [{ sku: 'P1', quantity: -1.5, price: 10 }] })] }), {
    'leads.1.products.0.quantity': [
      'The leads.1.products.0.quantity field must be an integer.',
      'The leads.1.products.0.quantity field must be at least 1.',
    ],
  });
  assert422(
    await post(a, '/leads', {
      leads: [
        lead(1),
        lead(2, {
          products: [
            { sku: 'P1', quantity: 1, price: 10 },
            { sku: 'OFF', quantity: 1, price: 10 },
          ],
        }),
      ],
    }),
    { 'leads.1.products.1.sku': ['The selected leads.1.products.1.sku is invalid.'] },
  );
  assert422(await post(a, '/leads', { leads: [lead(1, { full_name: '   ', phone: '' })] }), {
    'leads.0.phone': ['The leads.0.phone field is required.'],
    'leads.0.full_name': ['The leads.0.full_name field is required.'],
  });
  assert.equal(await count(a, 'leads'), 0);
});

test("POST /leads: another account's SKU is not a product of this account", async () => {
  const a = await tenant(t.db);
  const b = await tenant(t.db, { skus: false });
  assert422(await post(b, '/leads', { leads: [lead(1)] }), {
    'leads.0.products.0.sku': ['The selected leads.0.products.0.sku is invalid.'],
  });
  assert.equal(await count(b, 'leads'), 0);
  assert.equal(await count(a, 'leads'), 0);
});

test('POST /leads: a body refused for an unknown SKU writes nothing and draws no reference', async () => {
  const a = await tenant(t.db);
  const unknown = { products: [{ sku: 'NOPE', quantity: 1, price: 10 }] };
  assert422(await post(a, '/leads', { leads: [lead(1), lead(2, unknown)] }), {
    'leads.1.products.0.sku': ['The selected leads.1.products.0.sku is invalid.'],
  });
  assert.equal(await count(a, 'leads'), 0);
  const ok = await post(a, '/leads', { leads: [lead(3)] });
  assert.equal(ok.status, 201);
  assert.deepEqual(ok.body, { message: 'Leads created successfully.', data: { references: ['LD-00001'] } });
});

test('POST /leads: 1,000 leads are accepted, 1,001 are refused', async () => {
  const a = await tenant(t.db);
  const refused = await post(a, '/leads', { leads: Array.from({ length: 1001 }, (_, i) => lead(i)) });
  assert422(refused, { leads: ['The leads field must not have more than 1000 items.'] });
  assert.equal(await count(a, 'leads'), 0);
  const res = await post(a, '/leads', { leads: Array.from({ length: 1000 }, (_, i) => lead(i)) });
  assert.equal(res.status, 201);
  assert.equal(res.body.message, 'Leads created successfully.');
  assert.deepEqual(
    res.body.data.references,
    Array.from({ length: 1000 }, (_, i) => `LD-${String(i + 1).padStart(5, '0')}`),
  );
  assert.equal(await count(a, 'leads'), 1000);
  assert.equal(await count(a, 'lead_histories'), 1000);
  const page = await get(a, '/leads?per_page=1000');
  assert.equal(page.body.data.length, 1000);
  assert.deepEqual(page.body.meta, { current_page: 1, per_page: 1000, total: 1000, last_page: 1 });
  // Newest first; leads created together keep their request order (last one first).
  assert.equal(page.body.data[0].reference, 'LD-01000');
  assert.equal(page.body.data[999].reference, 'LD-00001');
});

test('POST /leads with an Idempotency-Key: a retry replays without writing, another body is refused', async () => {
  const a = await tenant(t.db);
  const key = { 'idempotency-key': 'order-form-42' };
  const first = await call(a, 'POST', '/leads', { leads: [lead(1)] }, key);
  assert.equal(first.status, 201);
  const retry = await call(a, 'POST', '/leads', { leads: [lead(1)] }, key);
  assert.equal(retry.status, 201);
  assert.deepEqual(retry.body, first.body);
  assert.deepEqual(retry.body, { message: 'Leads created successfully.', data: { references: ['LD-00001'] } });
  assert.equal(await count(a, 'leads'), 1);
  assert422(await call(a, 'POST', '/leads', { leads: [lead(2)] }, key), {
    'Idempotency-Key': ['The Idempotency-Key has already been used for a different request.'],
  });
  assert.equal(await count(a, 'leads'), 1);
});

// ---------------------------------------------------------------------------------------------
// GET /leads and GET /leads/{reference}
// ---------------------------------------------------------------------------------------------

test('GET /leads: newest first, pagination meta and the account only', async () => {
  const a = await tenant(t.db);
  const other = await tenant(t.db);
  await create(other, [lead(9)]);
  const empty = await get(a, '/leads');
  assert.deepEqual(empty.body, { data: [], meta: { current_page: 1, per_page: 50, total: 0, last_page: 1 } });
  for (let i = 1; i <= 5; i++) await create(a, [lead(i)]);
  const all = await get(a, '/leads');
  assert.equal(all.status, 200);
  assert.deepEqual(Object.keys(all.body), ['data', 'meta']);
  assert.deepEqual(references(all), ['LD-00005', 'LD-00004', 'LD-00003', 'LD-00002', 'LD-00001']);
  all.body.data.forEach((item: any, n: number) => assertLead(item, 5 - n));
  assert.deepEqual(all.body.meta, { current_page: 1, per_page: 50, total: 5, last_page: 1 });
  const page2 = await get(a, '/leads?per_page=2&page=2');
  assert.deepEqual(references(page2), ['LD-00003', 'LD-00002']);
  assert.deepEqual(page2.body.meta, { current_page: 2, per_page: 2, total: 5, last_page: 3 });
  const page3 = await get(a, '/leads?per_page=2&page=3');
  assert.deepEqual(references(page3), ['LD-00001']);
  assert.deepEqual(page3.body.meta, { current_page: 3, per_page: 2, total: 5, last_page: 3 });
  const beyond = await get(a, '/leads?per_page=2&page=4');
  assert.deepEqual(beyond.body, { data: [], meta: { current_page: 4, per_page: 2, total: 5, last_page: 3 } });
  const bounds = await get(a, '/leads?per_page=1');
  assert.deepEqual(bounds.body.meta, { current_page: 1, per_page: 1, total: 5, last_page: 5 });
  const max = await get(a, '/leads?per_page=1000');
  assert.deepEqual(max.body.meta, { current_page: 1, per_page: 1000, total: 5, last_page: 1 });
});

test('GET /leads: invalid query values are 422 errors on those keys', async () => {
  const a = await tenant(t.db);
  assert422(await get(a, '/leads?per_page=0'), { per_page: ['The per page field must be at least 1.'] });
  assert422(await get(a, '/leads?per_page=1001'), { per_page: ['The per page field must not be greater than 1000.'] });
  assert422(await get(a, '/leads?per_page=abc'), { per_page: ['The per page field must be an integer.'] });
  assert422(await get(a, '/leads?per_page=2.5'), { per_page: ['The per page field must be an integer.'] });
  assert422(await get(a, '/leads?page=0'), { page: ['The page field must be at least 1.'] });
  assert422(await get(a, '/leads?status=new,shipped'), { status: ['The selected status is invalid.'] });
  // PHP's brackets make an array, as a Laravel server reads them: the filter is refused, not ignored.
  for (const q of ['status[]=canceled', 'status[0]=canceled', 'status=new&status[]=canceled'])
    assert422(await get(a, `/leads?${q}`), { status: ['The status field must be a string.'] });
  assert422(await get(a, '/leads?per_page[]=5'), { per_page: ['The per page field must be an integer.'] });
  assert422(await get(a, '/leads?created_from=yesterday'), { created_from: ['The created from field must be a valid date.'] });
  assert422(await get(a, '/leads?created_to=2026-02-30'), { created_to: ['The created to field must be a valid date.'] });
  assert422(await get(a, '/leads?created_to=2026-13-01'), { created_to: ['The created to field must be a valid date.'] });
  assert422(await get(a, '/leads?created_from=nope&status=bogus&per_page=5000&page=-1'), {
    page: ['The page field must be at least 1.'],
    per_page: ['The per page field must not be greater than 1000.'],
    status: ['The selected status is invalid.'],
    created_from: ['The created from field must be a valid date.'],
  });
});

test('GET /leads filters: status list, reference, normalised phone, sku, created_from/created_to (inclusive)', async () => {
  const a = await tenant(t.db);
  await create(a, [
    lead(1, { phone: '0612345678' }),
    lead(2, { products: [{ sku: 'P2', quantity: 1, price: 50 }] }),
    lead(3, {
      phone: '+212 6-12-34-56-78',
      products: [
        { sku: 'P1', quantity: 1, price: 199 },
        { sku: 'P2', quantity: 1, price: 50 },
      ],
    }),
    lead(4),
  ]);
  // LD-00003 repeats LD-00001's number and P1, so intake made it a duplicate (duplicates.test.ts):
  // this test is about the filters, so it starts as new.
  await t.db.query(`UPDATE leads SET status = 'new', duplicate_of = NULL WHERE account_id = $1 AND reference = 'LD-00003'`, [a.accountId]);
  assert.equal((await patch(a, '/leads/LD-00002', { status: 'canceled' })).status, 200);
  assert.equal((await patch(a, '/leads/LD-00003', { status: 'no_reply' })).status, 200);
  const dates: [string, string][] = [
    ['LD-00001', '2026-01-14T23:59:59Z'],
    // Stored in microseconds, shown in whole seconds: a `to` bound covers what it names.
    ['LD-00002', '2026-01-15T00:00:00.250Z'],
    ['LD-00003', '2026-01-15T23:59:59.999700Z'],
    ['LD-00004', '2026-01-16T00:00:00Z'],
  ];
  for (const [ref, at] of dates) {
    await t.db.query('UPDATE leads SET created_at = $3 WHERE account_id = $1 AND reference = $2', [a.accountId, ref, at]);
  }
  const refs = async (query: string) => {
    const res = await get(a, `/leads?${query}`);
    assert.equal(res.status, 200, `${query}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.meta.total, res.body.data.length);
    return references(res);
  };
  assert.deepEqual(await refs(''), ['LD-00004', 'LD-00003', 'LD-00002', 'LD-00001']);
  assert.deepEqual(await refs('status=new'), ['LD-00004', 'LD-00001']);
  assert.deepEqual(await refs('status=canceled,no_reply'), ['LD-00003', 'LD-00002']);
  assert.deepEqual(await refs('status=confirmed'), []);
  // A key given twice keeps its last value, as PHP's query parser (and so Laravel) reads it.
  assert.deepEqual(await refs('status=confirmed&status=new'), ['LD-00004', 'LD-00001']);
  assert.deepEqual(await refs('status=new&reference=LD-00001&status=canceled,no_reply&reference=LD-00002'), ['LD-00002']);
  assert.deepEqual(await refs('status[]=confirmed&status=new'), ['LD-00004', 'LD-00001']);
  assert.deepEqual(await refs('reference=LD-00003'), ['LD-00003']);
  assert.deepEqual(await refs('reference=LD-09999'), []);
  assert.deepEqual(await refs(`phone=${encodeURIComponent('+212612345678')}`), ['LD-00003', 'LD-00001']);
  assert.deepEqual(await refs('phone=0612345678'), ['LD-00003', 'LD-00001']);
  assert.deepEqual(await refs(`phone=${encodeURIComponent('06 12 34 56 78')}`), ['LD-00003', 'LD-00001']);
  assert.deepEqual(await refs('phone=0612000004'), ['LD-00004']);
  assert.deepEqual(await refs('sku=P2'), ['LD-00003', 'LD-00002']);
  assert.deepEqual(await refs('sku=P1'), ['LD-00004', 'LD-00003', 'LD-00001']);
  assert.deepEqual(await refs('sku=OFF'), []);
  assert.deepEqual(await refs('created_from=2026-01-15'), ['LD-00004', 'LD-00003', 'LD-00002']);
  assert.deepEqual(await refs('created_to=2026-01-15'), ['LD-00003', 'LD-00002', 'LD-00001']);
  assert.deepEqual(await refs('created_from=2026-01-15&created_to=2026-01-15'), ['LD-00003', 'LD-00002']);
  assert.deepEqual(await refs('created_from=2026-01-16&created_to=2026-01-16'), ['LD-00004']);
  assert.deepEqual(await refs(`created_from=${encodeURIComponent('2026-01-15T12:00:00Z')}`), ['LD-00004', 'LD-00003']);
  assert.deepEqual(await refs(`created_to=${encodeURIComponent('2026-01-15T00:00:00Z')}`), ['LD-00002', 'LD-00001']);
  assert.deepEqual(await refs(`created_to=${encodeURIComponent('2026-01-15 00:00')}`), ['LD-00002', 'LD-00001']);
  // Hour 24 is the next day's hour 0 (PHP's strtotime): read in UTC, not in the server process's zone.
  assert.deepEqual(await refs(`created_to=${encodeURIComponent('2026-01-15 24:00')}`), ['LD-00004', 'LD-00003', 'LD-00002', 'LD-00001']);
  assert.deepEqual(await refs(`created_to=${encodeURIComponent('2026-01-14 24:30')}`), ['LD-00002', 'LD-00001']);
  assert.deepEqual(await refs(`created_from=${encodeURIComponent('2026-01-15T24:00')}`), ['LD-00004']);
  assert.deepEqual(await refs(`created_to=${encodeURIComponent('2026-01-15T00:00:00.100Z')}`), ['LD-00001']);
  assert.deepEqual(await refs(`created_from=${encodeURIComponent('2026-01-15T00:00:00.300Z')}`), ['LD-00004', 'LD-00003']);
  assert.deepEqual(await refs('created_to=9999-12-31'), ['LD-00004', 'LD-00003', 'LD-00002', 'LD-00001']);
  // An offset may take a valid date outside years 1–9999: an open bound, not a database error.
  assert.deepEqual(await refs(`created_to=${encodeURIComponent('0001-01-01T00:30+01:00')}`), []);
  assert.deepEqual(await refs(`created_from=${encodeURIComponent('9999-12-31T23:59:59-14:00')}`), []);
  assert.deepEqual(await refs(`created_from=${encodeURIComponent('0001-01-01T00:30+01:00')}`), [
    'LD-00004',
    'LD-00003',
    'LD-00002',
    'LD-00001',
  ]);
  assert.deepEqual(await refs('created_to=2026-01-13'), []);
  assert.deepEqual(await refs('status=new,canceled&sku=P2'), ['LD-00002']);
  assert.deepEqual(await refs('status=new&created_from=2026-01-15&phone=0612000004&sku=P1&reference=LD-00004'), ['LD-00004']);
  const paged = await get(a, '/leads?status=new,canceled,no_reply&per_page=2');
  assert.deepEqual(references(paged), ['LD-00004', 'LD-00003']);
  assert.deepEqual(paged.body.meta, { current_page: 1, per_page: 2, total: 4, last_page: 2 });
});

test('GET /leads/{reference}: 404 when unknown or in another account', async () => {
  const a = await tenant(t.db);
  const b = await tenant(t.db);
  await create(a, [lead(1)]);
  const mine = await get(a, '/leads/LD-00001');
  assert.equal(mine.status, 200);
  assertLead(mine.body.data, 1);
  for (const [who, ref] of [
    [b, 'LD-00001'],
    [a, 'LD-00002'],
    [a, 'nope'],
  ] as const) {
    const res = await get(who, `/leads/${ref}`);
    assert.equal(res.status, 404);
    assert.deepEqual(res.body, { message: 'Resource not found.' });
  }
  const list = await get(b, '/leads');
  assert.deepEqual(list.body.data, []);
});

// ---------------------------------------------------------------------------------------------
// PATCH /leads/{reference}
// ---------------------------------------------------------------------------------------------

test('PATCH /leads/{reference} updates the fields of an open lead and answers the lead', async () => {
  const a = await tenant(t.db);
  await create(a, [lead(1, { area: 'Maarif', address: '1 Rue Test' })]);
  const res = await patch(a, '/leads/LD-00001', {
    full_name: 'Ahmed Benali',
    phone: '0698765432',
    city: 'Rabat',
    area: null,
    address: '',
    data: [{ key: 'source', value: 'landing' }],
    products: [
      { sku: 'P2', quantity: 3, price: 50.5 },
      { sku: 'P1', quantity: 1, price: 199 },
    ],
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(Object.keys(res.body), ['message', 'data']);
  assert.equal(res.body.message, 'Lead updated successfully.');
  assertLead(res.body.data, 1, {
    full_name: 'Ahmed Benali',
    phone: '0698765432',
    city: 'Rabat',
    area: null,
    address: null,
    data: [{ key: 'source', value: 'landing' }],
    products: [
      { sku: 'P2', name: 'Amlou 250g', quantity: 3, price: 50.5, total: 151.5 },
      { sku: 'P1', name: 'Argan Oil 100ml', quantity: 1, price: 199, total: 199 },
    ],
    total: 350.5,
  });
  assert.deepEqual((await get(a, '/leads/LD-00001')).body.data, res.body.data);
  // The normalised phone follows the new number.
  assert.deepEqual(references(await get(a, `/leads?phone=${encodeURIComponent('+212698765432')}`)), ['LD-00001']);
  assert.deepEqual(references(await get(a, '/leads?phone=0612000001')), []);
  assert.deepEqual(references(await get(a, '/leads?sku=P2')), ['LD-00001']);
  // A field update is not a status change, but what it changed is kept: one row, its old and new
  // status the lead's (docs/decisions.md, "What an edit of a lead records").
  assert.equal(await count(a, 'lead_histories'), 2);
  const { rows: edited } = await t.db.query(
    `SELECT old_status, new_status, changes FROM lead_histories WHERE account_id = $1 AND old_status IS NOT NULL`,
    [a.accountId],
  );
  assert.deepEqual(edited, [
    {
      old_status: 'new',
      new_status: 'new',
      changes: {
        full_name: ['Customer 1', 'Ahmed Benali'],
        phone: [lead(1).phone, '0698765432'],
        city: ['Casablanca', 'Rabat'],
        area: ['Maarif', null],
        address: ['1 Rue Test', null],
        products: [
          [{ sku: 'P1', quantity: 2, price: 199 }],
          [
            { sku: 'P2', quantity: 3, price: 50.5 },
            { sku: 'P1', quantity: 1, price: 199 },
          ],
        ],
      },
    },
  ]);
  // An empty patch changes nothing, and records nothing.
  const noop = await patch(a, '/leads/LD-00001', {});
  assert.equal(noop.status, 200);
  assert.deepEqual(noop.body.data, res.body.data);
  assert.equal(await count(a, 'lead_histories'), 2);
});

test('PATCH /leads/{reference}: validation messages use the field names, 422 before 404', async () => {
  const a = await tenant(t.db);
  await create(a, [lead(1)]);
  assert422(
    await patch(a, '/leads/LD-00001', {
      full_name: 'ab',
      phone: 123,
      city: 'c'.repeat(101),
      data: [{ key: 'k'.repeat(101), value: 'v' }],
      products: [{ sku: 'OFF', quantity: 1000, price: 'x' }, { sku: 'P1' }],
      status: 'shipped',
      callback_at: 'tomorrow',
      comment: 42,
    }),
    {
      full_name: ['The full name field must be at least 3 characters.'],
      phone: ['The phone field must be a string.', 'The phone field must be at least 7 characters.'],
      city: ['The city field must not be greater than 100 characters.'],
      'data.0.key': ['The data.0.key field must not be greater than 100 characters.'],
      'products.0.sku': ['The selected products.0.sku is invalid.'],
      'products.0.quantity': ['The products.0.quantity field must not be greater than 999.'],
      'products.0.price': ['The products.0.price field must be a number.'],
      'products.1.quantity': ['The products.1.quantity field is required.'],
      'products.1.price': ['The products.1.price field is required.'],
      status: ['The selected status is invalid.'],
      callback_at: ['The callback at field must be a valid date.'],
      comment: ['The comment field must be a string.'],
    },
  );
  assert422(await patch(a, '/leads/LD-00001', { products: [] }), { products: ['The products field is required.'] });
  // In a bulk PATCH too, a status the field refuses is one message, not also a refused move.
  assert422(await patch(a, '/leads', { leads: [{ reference: 'LD-00001', status: 'bogus' }] }), {
    'leads.0.status': ['The selected leads.0.status is invalid.'],
  });
  // Same rules as create: a required field sent empty is refused, not ignored.
  assert422(await patch(a, '/leads/LD-00001', { products: null, phone: null, full_name: '  ', city: '' }), {
    full_name: ['The full name field is required.'],
    phone: ['The phone field is required.'],
    products: ['The products field is required.'],
  });
  assert422(await patch(a, '/leads/LD-00001', { status: 'call_later', callback_at: '2026-02-30T10:00:00Z' }), {
    callback_at: ['The callback at field must be a valid date.'],
  });
  assert422(await patch(a, '/leads/LD-00001', { products: [{ sku: 'OFF', quantity: 1, price: 10 }] }), {
    'products.0.sku': ['The selected products.0.sku is invalid.'],
  });
  assertLead((await get(a, '/leads/LD-00001')).body.data, 1);
  // Validation (422) comes before existence (404).
  assert422(await patch(a, '/leads/LD-09999', { full_name: 'ab' }), { full_name: ['The full name field must be at least 3 characters.'] });
  const missing = await patch(a, '/leads/LD-09999', { full_name: 'Valid Name' });
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.body, { message: 'Resource not found.' });
  const b = await tenant(t.db);
  const foreign = await patch(b, '/leads/LD-00001', { status: 'canceled' });
  assert.equal(foreign.status, 404);
  assert.deepEqual(foreign.body, { message: 'Resource not found.' });
  assert.equal(await statusOf(a, 'LD-00001'), 'new');
});

test('lifecycle: open statuses move freely, no_reply counts calls, call_later needs callback_at, canceled keeps its reason', async () => {
  const a = await tenant(t.db);
  await create(a, [lead(1), lead(2)]);
  const step = async (body: Record<string, unknown>) => {
    const res = await patch(a, '/leads/LD-00001', body);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.message, 'Lead updated successfully.');
    return res.body.data;
  };
  assertLead(await step({ status: 'no_reply', comment: 'first call' }), 1, { status: 'no_reply', call_attempts: 1 });
  assert422(await patch(a, '/leads/LD-00001', { status: 'call_later' }), { callback_at: ['The callback at field is required.'] });
  assert422(await patch(a, '/leads/LD-00001', { status: 'call_later', callback_at: null }), {
    callback_at: ['The callback at field is required.'],
  });
  // A rule of the body alone, so its 422 comes before an unknown lead's 404 (api-v1.md's order; it answered 404).
  assert422(await patch(a, '/leads/LD-09999', { status: 'call_later' }), { callback_at: ['The callback at field is required.'] });
  assert.equal((await patch(a, '/leads/LD-09999', { status: 'call_later', callback_at: '2026-02-01T10:30:00Z' })).status, 404);
  assert.equal(await statusOf(a, 'LD-00001'), 'no_reply');
  assertLead(await step({ status: 'call_later', callback_at: '2026-02-01T10:30:00.250+01:00' }), 1, {
    status: 'call_later',
    call_attempts: 1,
    callback_at: '2026-02-01T09:30:00Z',
  });
  assertLead(await step({ status: 'no_reply' }), 1, { status: 'no_reply', call_attempts: 2 });
  assertLead(await step({ status: 'canceled', cancel_reason: 'Too expensive', comment: 'customer declined' }), 1, {
    status: 'canceled',
    call_attempts: 2,
    cancel_reason: 'Too expensive',
  });
  assert.deepEqual(historyRows(await get(a, '/lead-histories?reference=LD-00001')), [
    ['LD-00001', 'no_reply', 'canceled', BY_TOKEN, 'customer declined'],
    ['LD-00001', 'call_later', 'no_reply', BY_TOKEN, null],
    ['LD-00001', 'no_reply', 'call_later', BY_TOKEN, null],
    ['LD-00001', 'new', 'no_reply', BY_TOKEN, 'first call'],
    ['LD-00001', null, 'new', BY_TOKEN, null],
  ]);
  // cancel_reason is optional; the other terminal statuses.
  const two = await patch(a, '/leads/LD-00002', { status: 'canceled' });
  assertLead(two.body.data, 2, { status: 'canceled' });
  await create(a, [lead(3), lead(4), lead(5)]);
  assertLead((await patch(a, '/leads/LD-00003', { status: 'wrong' })).body.data, 3, { status: 'wrong' });
  assertLead((await patch(a, '/leads/LD-00004', { status: 'duplicate', duplicate_of: 'LD-00005' })).body.data, 4, {
    status: 'duplicate',
    duplicate_of: 'LD-00005',
  });
});

test('lifecycle: a lead marked duplicate by hand names another live lead of the account (found by two audits)', async () => {
  const a = await tenant(t.db);
  const b = await tenant(t.db);
  await create(a, [lead(1), lead(2), lead(3)]);
  await create(b, [lead(1), lead(2), lead(3), lead(4)]);
  assert.equal((await del(a, '/leads', { references: ['LD-00003'] })).status, 200);
  assert422(await patch(a, '/leads/LD-00001', { status: 'duplicate' }), { duplicate_of: ['The duplicate of field is required.'] });
  for (const other of ['LD-00001', 'LD-00003', 'LD-00004', 'LD-99999'])
    // itself, deleted, another account's, unknown
    assert422(await patch(a, '/leads/LD-00001', { status: 'duplicate', duplicate_of: other }), {
      duplicate_of: ['The selected duplicate of is invalid.'],
    });
  assert422(await patch(a, '/leads', { leads: [{ reference: 'LD-00001', status: 'duplicate', duplicate_of: 7 }] }), {
    'leads.0.duplicate_of': ['The leads.0.duplicate_of field must be a string.'],
  });
  assert.equal(await statusOf(a, 'LD-00001'), 'new');
  const marked = await patch(a, '/leads', { leads: [{ reference: 'LD-00001', status: 'duplicate', duplicate_of: 'LD-00002' }] });
  assert.equal(marked.status, 200);
  assert.equal((await get(a, '/leads/LD-00001')).body.data.duplicate_of, 'LD-00002');
  // Another status ignores it, as callback_at outside call_later.
  assert.equal((await patch(a, '/leads/LD-00002', { status: 'wrong', duplicate_of: 'LD-00001' })).body.data.duplicate_of, null);
});

test('lifecycle: a duplicate names an open lead, also as the request left it: two leads never duplicates of each other (audit)', async () => {
  const a = await tenant(t.db);
  await create(a, [lead(1), lead(2), lead(3), lead(4), lead(5), lead(6)]);
  const invalid = (key: string) => ({ [key]: [`The selected ${key.replace('_', ' ')} is invalid.`] });
  assert.equal((await patch(a, '/leads/LD-00001', { status: 'duplicate', duplicate_of: 'LD-00002' })).status, 200);
  // The reverse: LD-00001 is a duplicate now, closed.
  assert422(await patch(a, '/leads/LD-00002', { status: 'duplicate', duplicate_of: 'LD-00001' }), invalid('duplicate_of'));
  // Every terminal status is refused as the original; the open ones pass.
  assert.equal((await patch(a, '/leads/LD-00003', { status: 'wrong' })).status, 200);
  assert.equal((await patch(a, '/leads/LD-00004', { status: 'canceled' })).status, 200);
  assert.equal((await patch(a, '/leads/LD-00005', { status: 'confirmed' })).status, 200);
  for (const closed of ['LD-00003', 'LD-00004', 'LD-00005'])
    assert422(await patch(a, '/leads/LD-00002', { status: 'duplicate', duplicate_of: closed }), invalid('duplicate_of'));
  assert.equal(await statusOf(a, 'LD-00002'), 'new');
  // In one bulk request: the second item names a lead the first has just closed.
  await create(a, [lead(7), lead(8), lead(9)]);
  assert422(
    await patch(a, '/leads', {
      leads: [
        { reference: 'LD-00007', status: 'duplicate', duplicate_of: 'LD-00008' },
        { reference: 'LD-00008', status: 'duplicate', duplicate_of: 'LD-00007' },
      ],
    }),
    { 'leads.1.duplicate_of': ['The selected leads.1.duplicate_of is invalid.'] },
  );
  assert422(
    await patch(a, '/leads', {
      leads: [
        { reference: 'LD-00009', status: 'wrong' },
        { reference: 'LD-00007', status: 'duplicate', duplicate_of: 'LD-00009' },
      ],
    }),
    { 'leads.1.duplicate_of': ['The selected leads.1.duplicate_of is invalid.'] },
  );
  assert.deepEqual([await statusOf(a, 'LD-00007'), await statusOf(a, 'LD-00008'), await statusOf(a, 'LD-00009')], ['new', 'new', 'new']);
  // A later item does not undo an earlier one's check: marked while the original was open.
  const ok = await patch(a, '/leads', {
    leads: [
      { reference: 'LD-00007', status: 'duplicate', duplicate_of: 'LD-00008' },
      { reference: 'LD-00008', status: 'call_later', callback_at: '2027-05-05T09:00:00Z' },
    ],
  });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  // An open original that is itself open in another status passes.
  assert.equal((await patch(a, '/leads/LD-00006', { status: 'duplicate', duplicate_of: 'LD-00008' })).status, 200);
});

test('a comment without a status is kept on a history row of the current status, not counted as a call (audit)', async () => {
  const a = await tenant(t.db);
  await create(a, [lead(1), lead(2)]);
  assert.equal((await patch(a, '/leads/LD-00001', { status: 'no_reply' })).status, 200);
  const res = await patch(a, '/leads/LD-00001', { city: 'Fes', comment: 'customer asked to change city' });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assertLead(res.body.data, 1, { status: 'no_reply', city: 'Fes', call_attempts: 1 });
  assert.equal((await patch(a, '/leads', { leads: [{ reference: 'LD-00002', comment: 'only a comment' }] })).status, 200);
  // A closed lead takes a comment too (it changes none of its fields).
  assert.equal((await patch(a, '/leads/LD-00002', { status: 'wrong' })).status, 200);
  assert.equal((await patch(a, '/leads/LD-00002', { comment: 'number was fake' })).status, 200);
  // A null comment keeps nothing.
  assert.equal((await patch(a, '/leads/LD-00002', { comment: null })).status, 200);
  assert.deepEqual(historyRows(await get(a, '/lead-histories')), [
    ['LD-00002', 'wrong', 'wrong', BY_TOKEN, 'number was fake'],
    ['LD-00002', 'new', 'wrong', BY_TOKEN, null],
    ['LD-00002', 'new', 'new', BY_TOKEN, 'only a comment'],
    ['LD-00001', 'no_reply', 'no_reply', BY_TOKEN, 'customer asked to change city'],
    ['LD-00001', 'new', 'no_reply', BY_TOKEN, null],
    ['LD-00002', null, 'new', BY_TOKEN, null],
    ['LD-00001', null, 'new', BY_TOKEN, null],
  ]);
  // Whoever comments on a confirmed lead has not confirmed it: an agent sees only the orders they confirmed.
  assert.equal((await patch(a, '/leads/LD-00001', { status: 'confirmed' })).status, 200);
  const { id: otherId } = await createUser(t.db, {
    role: 'seller',
    email: `other-${a.accountId.toLowerCase()}@example.test`,
    password: 'password-123',
    fullName: 'Other seller',
    accountId: a.accountId,
  });
  const other = await createToken(t.db, { userId: otherId, accountId: a.accountId, name: 'Other', scopes: [...SCOPES], expiresAt: null });
  const asOther = { ...a, userId: otherId, auth: { authorization: `Bearer ${other.token}` } };
  assert.equal((await patch(asOther, '/leads/LD-00001', { comment: 'the customer called again' })).status, 200);
  const order = (await get(a, '/leads/LD-00001')).body.data.order_reference;
  const seen = (userId: string) => reachableOrders(t.db, { accountId: a.accountId, confirmedBy: userId }, [order]);
  assert.deepEqual([...(await seen(a.userId))], [order]);
  assert.deepEqual([...(await seen(otherId))], []);
  // Not a call: the agents' statistics count the three moves (no_reply, wrong, confirmed) only.
  const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM lead_calls WHERE account_id = $1', [a.accountId]);
  assert.equal(rows[0].n, 3);
});

test('callback_at without a status reschedules a call_later lead, and is refused on any other (audit)', async () => {
  const a = await tenant(t.db);
  await create(a, [lead(1), lead(2)]);
  assert.equal((await patch(a, '/leads/LD-00001', { status: 'call_later', callback_at: '2027-05-01T09:00:00Z' })).status, 200);
  const histories = await count(a, 'lead_histories');
  const res = await patch(a, '/leads/LD-00001', { callback_at: '2027-05-05T09:00:00+01:00' });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assertLead(res.body.data, 1, { status: 'call_later', callback_at: '2027-05-05T08:00:00Z' });
  const bulk = await patch(a, '/leads', { leads: [{ reference: 'LD-00001', callback_at: '2027-05-06 10:00:00' }] });
  assert.equal(bulk.status, 200, JSON.stringify(bulk.body));
  assert.equal((await get(a, '/leads/LD-00001')).body.data.callback_at, '2027-05-06T10:00:00Z');
  assert.equal(await count(a, 'lead_histories'), histories);
  assert422(await patch(a, '/leads/LD-00001', { callback_at: null }), { callback_at: ['The callback at field is required.'] });
  assert422(await patch(a, '/leads/LD-00002', { callback_at: '2027-05-05T09:00:00Z' }), {
    callback_at: ['The callback at field is only allowed with status call_later or while the lead is call_later.'],
  });
  // A null asks for nothing (api-v1.md: an optional field null is not checked) where no callback is kept.
  assert.equal((await patch(a, '/leads/LD-00002', { callback_at: null, comment: 'no time' })).status, 200);
  assert422(await patch(a, '/leads', { leads: [{ reference: 'LD-00002', callback_at: '2027-05-05T09:00:00Z' }] }), {
    'leads.0.callback_at': ['The leads.0.callback_at field is only allowed with status call_later or while the lead is call_later.'],
  });
  assertLead((await get(a, '/leads/LD-00002')).body.data, 2);
  assert.equal((await get(a, '/leads/LD-00001')).body.data.callback_at, '2027-05-06T10:00:00Z');
});

test('lifecycle: refused transitions are 422 on status with the exact message, and change nothing', async () => {
  const a = await tenant(t.db);
  await create(a, [lead(1), lead(2), lead(3), lead(4), lead(5)]);
  assert.equal((await patch(a, '/leads/LD-00002', { status: 'confirmed' })).status, 200);
  assert.equal((await patch(a, '/leads/LD-00003', { status: 'canceled', cancel_reason: 'No money' })).status, 200);
  assert.equal((await patch(a, '/leads/LD-00004', { status: 'wrong' })).status, 200);
  assert.equal((await patch(a, '/leads/LD-00005', { status: 'duplicate', duplicate_of: 'LD-00001' })).status, 200);
  const histories = await count(a, 'lead_histories');
  const cases: [string, string, string][] = [
    ['LD-00001', 'new', 'new'],
    ['LD-00002', 'confirmed', 'new'],
    ['LD-00002', 'confirmed', 'canceled'],
    ['LD-00002', 'confirmed', 'confirmed'],
    ['LD-00003', 'canceled', 'new'], // reopening is for admins
    ['LD-00003', 'canceled', 'no_reply'],
    ['LD-00003', 'canceled', 'confirmed'],
    ['LD-00004', 'wrong', 'confirmed'],
    ['LD-00004', 'wrong', 'call_later'],
    ['LD-00005', 'duplicate', 'no_reply'],
  ];
  for (const [ref, from, to] of cases) {
    const body: Record<string, unknown> = { status: to };
    if (to === 'call_later') body.callback_at = '2026-03-01T10:00:00Z';
    assert422(await patch(a, `/leads/${ref}`, body), { status: [`The status cannot change from ${from} to ${to}.`] });
    assert.equal(await statusOf(a, ref), from);
  }
  assert.equal(await count(a, 'lead_histories'), histories);
  assert.equal(await count(a, 'orders'), 1);
  const three = (await get(a, '/leads/LD-00003')).body.data;
  assert.equal(three.cancel_reason, 'No money');
});

test('lifecycle: an admin token may reopen a terminal lead (not a confirmed one)', async () => {
  const admin = await tenant(t.db, { role: 'admin' });
  await create(admin, [lead(1), lead(2)]);
  assert.equal((await patch(admin, '/leads/LD-00001', { status: 'canceled', cancel_reason: 'Changed mind' })).status, 200);
  const reopened = await patch(admin, '/leads/LD-00001', { status: 'new', comment: 'called back' });
  assert.equal(reopened.status, 200, JSON.stringify(reopened.body));
  assertLead(reopened.body.data, 1, { status: 'new' });
  assert.equal((await patch(admin, '/leads/LD-00002', { status: 'confirmed' })).status, 200);
  assert422(await patch(admin, '/leads/LD-00002', { status: 'new' }), { status: ['The status cannot change from confirmed to new.'] });
  // A reopened duplicate no longer names a lead.
  await create(admin, [lead(3)]);
  assert.equal((await patch(admin, '/leads/LD-00003', { status: 'duplicate', duplicate_of: 'LD-00001' })).status, 200);
  assertLead((await patch(admin, '/leads/LD-00003', { status: 'new' })).body.data, 3, { status: 'new', duplicate_of: null });
  assert.deepEqual(historyRows(await get(admin, '/lead-histories?reference=LD-00001')).slice(0, 2), [
    ['LD-00001', 'canceled', 'new', BY_TOKEN, 'called back'],
    ['LD-00001', 'new', 'canceled', BY_TOKEN, null],
  ]);
  // A lead canceled as unreachable and reopened gets its calls again (it was canceled on its first no_reply).
  const { rows } = await t.db.query<{ max_attempts: number }>('SELECT max_attempts FROM call_centre_settings');
  const max = rows[0].max_attempts;
  for (let i = 0; i < max; i++) assert.equal((await patch(admin, '/leads/LD-00003', { status: 'no_reply' })).status, 200);
  assertLead((await get(admin, '/leads/LD-00003')).body.data, 3, { status: 'canceled', cancel_reason: 'unreachable', call_attempts: max });
  assertLead((await patch(admin, '/leads/LD-00003', { status: 'new' })).body.data, 3, { status: 'new', call_attempts: 0 });
  assertLead((await patch(admin, '/leads/LD-00003', { status: 'no_reply' })).body.data, 3, { status: 'no_reply', call_attempts: 1 });
});

test('confirming a lead creates its order in the same transaction', async () => {
  const a = await tenant(t.db);
  await create(a, [
    lead(1, {
      address: '123 Boulevard Mohammed V',
      products: [
        { sku: 'P1', quantity: 2, price: 199 },
        { sku: 'P2', quantity: 1, price: 50 },
      ],
    }),
  ]);
  const res = await patch(a, '/leads/LD-00001', { status: 'confirmed', comment: 'ok by phone' });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const products = [
    { sku: 'P1', name: 'Argan Oil 100ml', quantity: 2, price: 199, total: 398 },
    { sku: 'P2', name: 'Amlou 250g', quantity: 1, price: 50, total: 50 },
  ];
  assertLead(res.body.data, 1, {
    status: 'confirmed',
    address: '123 Boulevard Mohammed V',
    products,
    total: 448,
    order_reference: 'ORD-00001',
  });
  const order = await get(a, '/orders/ORD-00001');
  assert.equal(order.status, 200, JSON.stringify(order.body));
  const o = order.body.data;
  assert.deepEqual(
    {
      reference: o.reference,
      status: o.status,
      lead_reference: o.lead_reference,
      full_name: o.full_name,
      phone: o.phone,
      city: o.city,
      address: o.address,
      total: o.total,
      products: o.products,
    },
    {
      reference: 'ORD-00001',
      status: 'new',
      lead_reference: 'LD-00001',
      full_name: 'Customer 1',
      phone: '0612000001',
      city: 'Casablanca',
      address: '123 Boulevard Mohammed V',
      total: 448,
      products,
    },
  );
  const orderHistory = await get(a, '/order-histories?reference=ORD-00001');
  assert.equal(orderHistory.status, 200);
  assert.equal(orderHistory.body.data.length, 1);
  const h = orderHistory.body.data[0];
  assert.match(h.changed_at, ISO);
  assert.deepEqual(h, {
    order_reference: 'ORD-00001',
    old_status: null,
    new_status: 'new',
    changed_by: BY_TOKEN,
    changed_at: h.changed_at,
    comment: null,
  });
  assert.deepEqual(historyRows(await get(a, '/lead-histories?reference=LD-00001')), [
    ['LD-00001', 'new', 'confirmed', BY_TOKEN, 'ok by phone'],
    ['LD-00001', null, 'new', BY_TOKEN, null],
  ]);
  assert.deepEqual(references(await get(a, '/leads?status=confirmed')), ['LD-00001']);
});

test('fields cannot change once a lead is terminal', async () => {
  const a = await tenant(t.db);
  await create(a, [lead(1), lead(2)]);
  assert.equal((await patch(a, '/leads/LD-00001', { status: 'canceled' })).status, 200);
  assert.equal((await patch(a, '/leads/LD-00002', { status: 'confirmed' })).status, 200);
  assert422(await patch(a, '/leads/LD-00001', { full_name: 'New Name', city: null, products: [{ sku: 'P2', quantity: 1, price: 50 }] }), {
    full_name: ['The full name cannot be changed once the lead is canceled.'],
    city: ['The city cannot be changed once the lead is canceled.'],
    products: ['The products cannot be changed once the lead is canceled.'],
  });
  assert422(await patch(a, '/leads/LD-00002', { phone: '0600000000', status: 'canceled' }), {
    phone: ['The phone cannot be changed once the lead is confirmed.'],
    status: ['The status cannot change from confirmed to canceled.'],
  });
  // A failed `required` is its field's only message (api-v1.md; the API audit had both), alone and in bulk.
  assert422(await patch(a, '/leads/LD-00001', { products: [], full_name: ' ' }), {
    full_name: ['The full name field is required.'],
    products: ['The products field is required.'],
  });
  assert422(await patch(a, '/leads', { leads: [{ reference: 'LD-00001', products: [] }] }), {
    'leads.0.products': ['The leads.0.products field is required.'],
  });
  assertLead((await get(a, '/leads/LD-00001')).body.data, 1, { status: 'canceled' });
  assertLead((await get(a, '/leads/LD-00002')).body.data, 2, { status: 'confirmed', order_reference: 'ORD-00001' });
  // Fields and status together are fine while the lead is still open.
  await create(a, [lead(3)]);
  const both = await patch(a, '/leads/LD-00003', { full_name: 'Last Minute', status: 'confirmed' });
  assert.equal(both.status, 200);
  assertLead(both.body.data, 3, { full_name: 'Last Minute', status: 'confirmed', order_reference: 'ORD-00002' });
  assert.equal((await get(a, '/orders/ORD-00002')).body.data.full_name, 'Last Minute');
});

// ---------------------------------------------------------------------------------------------
// PATCH /leads (bulk)
// ---------------------------------------------------------------------------------------------

test('PATCH /leads updates many leads and confirms them with their orders', async () => {
  const a = await tenant(t.db);
  await create(a, [lead(1), lead(2), lead(3), lead(4)]);
  const res = await patch(a, '/leads', {
    leads: [
      { reference: 'LD-00003', status: 'confirmed', comment: 'bulk' },
      { reference: 'LD-00001', status: 'canceled', cancel_reason: 'Out of area' },
      { reference: 'LD-00002', full_name: 'Renamed Customer', status: 'call_later', callback_at: '2026-02-01T08:00:00Z' },
      { reference: 'LD-00004', status: 'confirmed' },
    ],
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(res.body, {
    message: 'Leads updated successfully.',
    data: [{ reference: 'LD-00003' }, { reference: 'LD-00001' }, { reference: 'LD-00002' }, { reference: 'LD-00004' }],
  });
  assertLead((await get(a, '/leads/LD-00001')).body.data, 1, { status: 'canceled', cancel_reason: 'Out of area' });
  assertLead((await get(a, '/leads/LD-00002')).body.data, 2, {
    status: 'call_later',
    full_name: 'Renamed Customer',
    callback_at: '2026-02-01T08:00:00Z',
  });
  assertLead((await get(a, '/leads/LD-00003')).body.data, 3, { status: 'confirmed', order_reference: 'ORD-00001' });
  assertLead((await get(a, '/leads/LD-00004')).body.data, 4, { status: 'confirmed', order_reference: 'ORD-00002' });
  assert.equal((await get(a, '/orders/ORD-00001')).body.data.lead_reference, 'LD-00003');
  assert.equal((await get(a, '/orders/ORD-00002')).body.data.lead_reference, 'LD-00004');
  assert.deepEqual(historyRows(await get(a, '/lead-histories?reference=LD-00003'))[0], ['LD-00003', 'new', 'confirmed', BY_TOKEN, 'bulk']);
  assert.equal(await count(a, 'order_histories'), 2);
});

test('PATCH /leads is all or nothing: every error of every item, unknown references as leads.N.reference', async () => {
  const a = await tenant(t.db);
  const b = await tenant(t.db);
  await create(a, [lead(1), lead(2), lead(3)]);
  await create(b, [lead(1), lead(2), lead(3), lead(4), lead(5), lead(6), lead(7)]);
  assert.equal((await patch(a, '/leads/LD-00003', { status: 'wrong' })).status, 200);
  const before = await count(a, 'lead_histories');
  const res = await patch(a, '/leads', {
    leads: [
      { reference: 'LD-00001', status: 'confirmed' },
      { reference: 'LD-09999', status: 'canceled' },
      { reference: 'LD-00002', status: 'call_later' },
      { reference: 'LD-00003', status: 'no_reply', full_name: 'Too Late' },
      { status: 'canceled' },
      { reference: 'LD-00002', products: [{ sku: 'OFF', quantity: 1, price: 10 }], status: 'nope' },
      { reference: 'LD-00007', status: 'canceled' }, // exists in another account only
      { reference: 'LD-09998', status: 'duplicate' }, // unknown: what its move needs is still said
    ],
  });
  assert422(res, {
    'leads.1.reference': ['The selected leads.1.reference is invalid.'],
    'leads.2.reference': ['The leads.2.reference field has a duplicate value.'],
    'leads.2.callback_at': ['The leads.2.callback_at field is required.'],
    'leads.3.full_name': ['The leads.3.full_name cannot be changed once the lead is wrong.'],
    'leads.3.status': ['The status cannot change from wrong to no_reply.'],
    'leads.4.reference': ['The leads.4.reference field is required.'],
    'leads.5.reference': ['The leads.5.reference field has a duplicate value.'],
    'leads.5.products.0.sku': ['The selected leads.5.products.0.sku is invalid.'],
    'leads.5.status': ['The selected leads.5.status is invalid.'],
    'leads.6.reference': ['The selected leads.6.reference is invalid.'],
    'leads.7.reference': ['The selected leads.7.reference is invalid.'],
    'leads.7.duplicate_of': ['The leads.7.duplicate_of field is required.'],
  });
  assert.equal(await statusOf(a, 'LD-00001'), 'new');
  assert.equal(await statusOf(a, 'LD-00002'), 'new');
  assert.equal(await statusOf(b, 'LD-00007'), 'new');
  assert.equal(await count(a, 'orders'), 0);
  assert.equal(await count(a, 'lead_histories'), before);
  // The same request without the faulty items goes through.
  const ok = await patch(a, '/leads', { leads: [{ reference: 'LD-00001', status: 'confirmed' }] });
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.body, { message: 'Leads updated successfully.', data: [{ reference: 'LD-00001' }] });
  assert.equal((await get(a, '/leads/LD-00001')).body.data.order_reference, 'ORD-00001');
});

test('PATCH /leads: body rules and the 1,000-item limit', async () => {
  const a = await tenant(t.db);
  await create(
    a,
    Array.from({ length: 1000 }, (_, i) => lead(i)),
  );
  await create(a, [lead(1000)]);
  assert422(await patch(a, '/leads', {}), { leads: ['The leads field is required.'] });
  assert422(await patch(a, '/leads', { leads: {} }), { leads: ['The leads field is required.'] });
  assert422(await patch(a, '/leads', { leads: 'x' }), { leads: ['The leads field must be an array.'] });
  assert422(await patch(a, '/leads', { leads: [] }), { leads: ['The leads field is required.'] });
  assert422(await patch(a, '/leads', { leads: [null] }), { 'leads.0': ['The leads.0 field must be an array.'] });
  assert422(
    await patch(a, '/leads', {
      leads: [
        { reference: 'LD-00001', status: 'no_reply' },
        { reference: 'LD-00002', phone: '', products: null },
      ],
    }),
    {
      'leads.1.phone': ['The leads.1.phone field is required.'],
      'leads.1.products': ['The leads.1.products field is required.'],
    },
  );
  const all = Array.from({ length: 1001 }, (_, i) => ({ reference: `LD-${String(i + 1).padStart(5, '0')}`, status: 'no_reply' }));
  assert422(await patch(a, '/leads', { leads: all }), { leads: ['The leads field must not have more than 1000 items.'] });
  assert.deepEqual(references(await get(a, '/leads?status=no_reply')), []);
  const res = await patch(a, '/leads', { leads: all.slice(1) });
  assert.equal(res.status, 200);
  assert.equal(res.body.data.length, 1000);
  assert.deepEqual(res.body.data[999], { reference: 'LD-01001' });
  const page = await get(a, '/leads?status=no_reply&per_page=1');
  assert.equal(page.body.meta.total, 1000);
  assert.equal(page.body.data[0].call_attempts, 1);
});

// ---------------------------------------------------------------------------------------------
// DELETE
// ---------------------------------------------------------------------------------------------

test('DELETE /leads/{reference}: deleted leads disappear from the API, row and history are kept', async () => {
  const a = await tenant(t.db);
  await create(a, [lead(1), lead(2)]);
  assert.equal((await patch(a, '/leads/LD-00001', { status: 'no_reply' })).status, 200);
  const res = await del(a, '/leads/LD-00001');
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { message: 'Lead deleted successfully.' });
  for (const r of [
    await get(a, '/leads/LD-00001'),
    await del(a, '/leads/LD-00001'),
    await patch(a, '/leads/LD-00001', { status: 'canceled' }),
  ]) {
    assert.equal(r.status, 404);
    assert.deepEqual(r.body, { message: 'Resource not found.' });
  }
  assert422(await patch(a, '/leads', { leads: [{ reference: 'LD-00001', status: 'canceled' }] }), {
    'leads.0.reference': ['The selected leads.0.reference is invalid.'],
  });
  const list = await get(a, '/leads');
  assert.deepEqual(references(list), ['LD-00002']);
  assert.equal(list.body.meta.total, 1);
  assert.deepEqual(references(await get(a, '/leads?reference=LD-00001')), []);
  assert.deepEqual(historyRows(await get(a, '/lead-histories')), [['LD-00002', null, 'new', BY_TOKEN, null]]);
  assert.deepEqual(historyRows(await get(a, '/lead-histories?reference=LD-00001')), []);
  // Kept for audit.
  assert.equal(await count(a, 'leads'), 2);
  assert.equal(await count(a, 'lead_histories'), 3);
  // Another account cannot delete it, nor see it.
  const b = await tenant(t.db);
  const foreign = await del(b, '/leads/LD-00002');
  assert.equal(foreign.status, 404);
  assert.deepEqual(foreign.body, { message: 'Resource not found.' });
  assert.equal(await statusOf(a, 'LD-00002'), 'new');
});

test('DELETE: a confirmed lead cannot be deleted (reference / references.N)', async () => {
  const a = await tenant(t.db);
  await create(a, [lead(1), lead(2), lead(3)]);
  assert.equal((await patch(a, '/leads/LD-00002', { status: 'confirmed' })).status, 200);
  assert422(await del(a, '/leads/LD-00002'), { reference: ['A confirmed lead cannot be deleted.'] });
  assert422(await del(a, '/leads', { references: ['LD-00001', 'LD-00002', 'LD-09999', 'LD-00003'] }), {
    'references.1': ['A confirmed lead cannot be deleted.'],
    'references.2': ['The selected references.2 is invalid.'],
  });
  assert.deepEqual(references(await get(a, '/leads')), ['LD-00003', 'LD-00002', 'LD-00001']);
  assert.equal((await get(a, '/orders/ORD-00001')).status, 200);
});

test('DELETE /leads deletes many leads, all or nothing, and answers the count', async () => {
  const a = await tenant(t.db);
  const b = await tenant(t.db);
  await create(a, [lead(1), lead(2), lead(3), lead(4)]);
  await create(b, [lead(1), lead(2), lead(3), lead(4), lead(5)]);
  assert422(await del(a, '/leads', {}), { references: ['The references field is required.'] });
  assert422(await del(a, '/leads', { references: 'LD-00001' }), { references: ['The references field must be an array.'] });
  assert422(await del(a, '/leads', { references: [] }), { references: ['The references field is required.'] });
  assert422(await del(a, '/leads', { references: ['LD-00001', 7, 'LD-00005'] }), {
    'references.1': ['The references.1 field must be a string.'],
    'references.2': ['The selected references.2 is invalid.'],
  });
  // The database check only on a reference that passed its own rules (found by the API audit).
  assert422(await del(a, '/leads', { references: ['L'.repeat(101)] }), {
    'references.0': ['The references.0 field must not be greater than 100 characters.'],
  });
  assert422(await patch(a, '/leads', { leads: [{ reference: 'L'.repeat(101), status: 'wrong' }] }), {
    'leads.0.reference': ['The leads.0.reference field must not be greater than 100 characters.'],
  });
  assert422(await del(a, '/leads', { references: Array.from({ length: 1001 }, () => 'LD-00001') }), {
    references: ['The references field must not have more than 1000 items.'],
  });
  assert.equal((await get(a, '/leads')).body.meta.total, 4);
  const res = await del(a, '/leads', { references: ['LD-00001', 'LD-00003', 'LD-00004'] });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { message: 'Leads deleted successfully.', data: { count: 3 } });
  assert.deepEqual(references(await get(a, '/leads')), ['LD-00002']);
  assert.deepEqual(historyRows(await get(a, '/lead-histories')), [['LD-00002', null, 'new', BY_TOKEN, null]]);
  assert422(await del(a, '/leads', { references: ['LD-00002', 'LD-00003'] }), {
    'references.1': ['The selected references.1 is invalid.'],
  });
  assert.equal((await get(b, '/leads')).body.meta.total, 5);
  assert.equal((await get(a, '/leads')).body.meta.total, 1);
});

// ---------------------------------------------------------------------------------------------
// GET /lead-histories
// ---------------------------------------------------------------------------------------------

test('GET /lead-histories: exact items, newest first, reference/from/to filters, pagination, the account only', async () => {
  const a = await tenant(t.db);
  const b = await tenant(t.db);
  await create(b, [lead(1)]);
  await create(a, [lead(1), lead(2)]);
  assert.equal((await patch(a, '/leads/LD-00001', { status: 'no_reply', comment: 'voicemail' })).status, 200);
  assert.equal((await patch(a, '/leads/LD-00001', { status: 'confirmed' })).status, 200);
  const all = await get(a, '/lead-histories');
  assert.equal(all.status, 200);
  assert.deepEqual(Object.keys(all.body), ['data', 'meta']);
  for (const h of all.body.data) assert.match(h.changed_at, ISO);
  assert.deepEqual(
    all.body.data,
    [
      ['LD-00001', 'no_reply', 'confirmed', null],
      ['LD-00001', 'new', 'no_reply', 'voicemail'],
      ['LD-00002', null, 'new', null],
      ['LD-00001', null, 'new', null],
    ].map(([ref, from, to, comment], n) => ({
      lead_reference: ref,
      old_status: from,
      new_status: to,
      changed_by: BY_TOKEN,
      changed_at: all.body.data[n].changed_at,
      comment,
    })),
  );
  assert.deepEqual(all.body.meta, { current_page: 1, per_page: 50, total: 4, last_page: 1 });
  assert.deepEqual(historyRows(await get(a, '/lead-histories?reference=LD-00002')), [['LD-00002', null, 'new', BY_TOKEN, null]]);
  assert.deepEqual(historyRows(await get(a, '/lead-histories?reference=LD-09999')), []);
  assert.deepEqual(historyRows(await get(a, '/lead-histories?reference=LD-09999&reference=LD-00002')), [
    ['LD-00002', null, 'new', BY_TOKEN, null],
  ]);
  const page2 = await get(a, '/lead-histories?per_page=3&page=2');
  assert.deepEqual(historyRows(page2), [['LD-00001', null, 'new', BY_TOKEN, null]]);
  assert.deepEqual(page2.body.meta, { current_page: 2, per_page: 3, total: 4, last_page: 2 });

  // from / to are inclusive; a bare date covers its whole day.
  const at = ['2026-01-14T23:59:59Z', '2026-01-15T00:00:00Z', '2026-01-15T23:59:59Z', '2026-01-16T00:00:00Z'];
  const { rows } = await t.db.query<{ id: string }>('SELECT id::text AS id FROM lead_histories WHERE account_id = $1 ORDER BY id', [
    a.accountId,
  ]);
  for (let i = 0; i < rows.length; i++)
    await t.db.query('UPDATE lead_histories SET created_at = $2 WHERE id = $1::bigint', [rows[i].id, at[i]]);
  const changes = async (query: string) =>
    historyRows(await get(a, `/lead-histories?${query}`)).map(([ref, from, to]) => `${ref} ${from}→${to}`);
  assert.deepEqual(await changes('from=2026-01-15'), ['LD-00001 no_reply→confirmed', 'LD-00001 new→no_reply', 'LD-00002 null→new']);
  assert.deepEqual(await changes('to=2026-01-15'), ['LD-00001 new→no_reply', 'LD-00002 null→new', 'LD-00001 null→new']);
  assert.deepEqual(await changes('from=2026-01-15&to=2026-01-15'), ['LD-00001 new→no_reply', 'LD-00002 null→new']);
  assert.deepEqual(await changes(`from=${encodeURIComponent('2026-01-15T12:00:00Z')}&reference=LD-00001`), [
    'LD-00001 no_reply→confirmed',
    'LD-00001 new→no_reply',
  ]);
  assert.deepEqual(await changes('to=2026-01-14'), ['LD-00001 null→new']);
  assert.deepEqual(await changes('from=2026-01-17'), []);

  assert422(await get(a, '/lead-histories?from=soon&to=2026-02-30&per_page=0'), {
    per_page: ['The per page field must be at least 1.'],
    from: ['The from field must be a valid date.'],
    to: ['The to field must be a valid date.'],
  });
  assert422(await get(a, '/lead-histories?page=abc&per_page=1001'), {
    page: ['The page field must be an integer.'],
    per_page: ['The per page field must not be greater than 1000.'],
  });
  assert.deepEqual(historyRows(await get(b, '/lead-histories')), [['LD-00001', null, 'new', BY_TOKEN, null]]);
});

test('a zone-less callback_at is UTC whatever the zone of the database session (a server set to another zone)', async () => {
  const a = await tenant(t.db);
  await create(a, [lead(1)]);
  const { rows } = await t.db.query<{ id: string }>('SELECT id FROM leads WHERE account_id = $1', [a.accountId]);
  await t.db.tx(async (q) => {
    await q.query(`SET LOCAL TimeZone = 'America/Los_Angeles'`);
    await transitionLeads(q, SYSTEM, a.accountId, [{ id: rows[0].id, from: 'new', to: 'call_later', callbackAt: '2030-12-20 10:00:00' }]);
  });
  assert.equal((await get(a, '/leads/LD-00001')).body.data.callback_at, '2030-12-20T10:00:00Z');
});

test("hour 24 with a zone is that zone's next day at hour 0 (PHP's strtotime), in a filter and in a stored callback_at; hour 25 is refused", async () => {
  const a = await tenant(t.db);
  await create(a, [lead(1), lead(2)]);
  for (const [ref, at] of [
    ['LD-00001', '2026-12-06T00:30:00Z'],
    ['LD-00002', '2026-12-06T00:31:00Z'],
  ]) {
    await t.db.query('UPDATE leads SET created_at = $3 WHERE account_id = $1 AND reference = $2', [a.accountId, ref, at]);
  }
  const refs = async (query: string) => {
    const res = await get(a, `/leads?${query}`);
    assert.equal(res.status, 200, `${query}: ${JSON.stringify(res.body)}`);
    return references(res);
  };
  assert.deepEqual(await refs(`created_to=${encodeURIComponent('2026-12-05T24:30Z')}`), ['LD-00001']);
  assert.deepEqual(await refs(`created_from=${encodeURIComponent('2026-12-05T24:31+00:00')}`), ['LD-00002']);
  assert422(await get(a, `/leads?created_to=${encodeURIComponent('2026-12-05T25:00Z')}`), {
    created_to: ['The created to field must be a valid date.'],
  });
  const moved = await patch(a, '/leads/LD-00001', { status: 'call_later', callback_at: '2030-12-05T24:00:00+01:00' });
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  assert.equal((await get(a, '/leads/LD-00001')).body.data.callback_at, '2030-12-05T23:00:00Z');
  assert422(await patch(a, '/leads/LD-00002', { status: 'call_later', callback_at: '2030-12-05T25:00:00+01:00' }), {
    callback_at: ['The callback at field must be a valid date.'],
  });
});
