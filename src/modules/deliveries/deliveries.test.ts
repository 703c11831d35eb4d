import { test } from 'node:test';
import assert from 'node:assert/strict';
import { order, tenant, sharedTestApp, type TestApp } from '../../test-support/harness.js';
import { expectInvalid } from '../../test-support/expect.js';
import { person } from '../../test-support/people.js';
import { login } from '../../test-support/session.js';
import { brokenInvariants, productId, stock, warehouse } from '../stocks/test-fixtures.js';

const API = '/api/web/1.0';

let t: TestApp;
sharedTestApp((app) => (t = app), { API_RATE_LIMIT_PER_MINUTE: '1000000' });

test('own couriers: shipped to a delivery user, their /deliveries round, delivered or returned with a note; nothing else', async () => {
  const a = await tenant(t.db);
  await stock(t.db, await productId(t.db, a.accountId, 'P1'), await warehouse(t.db), { quantity: 20 });
  const res = await t.app.inject({
    method: 'POST',
    url: `${API}/orders`,
    headers: a.auth,
    payload: {
      orders: [
        order(1, { full_name: 'Amina Door', phone: '06 12 34 56 78', address: '12 Rue Atlas', area: 'Agdal', total: 398 }),
        // The customer pays the delivery fee (the account's default, 20): the courier collects 219.
        order(2, {
          full_name: 'Karim Refuse',
          total: 199,
          is_fees_paid_by_customer: true,
          products: [{ sku: 'P1', quantity: 1, price: 199 }],
        }),
        order(3, { full_name: 'Other Courier Customer' }),
      ],
    },
  });
  assert.equal(res.statusCode, 201, res.body);
  await t.db.query('INSERT INTO account_fees (account_id, default_delivery_fee) VALUES ($1, 20)', [a.accountId]);
  const { rows: ids } = await t.db.query<{ id: string; reference: string }>(
    'SELECT id, reference FROM orders WHERE account_id = $1 ORDER BY reference',
    [a.accountId],
  );
  const admin = await login(t.app, (await person(t.db, 'admin')).email);
  const courier = await person(t.db, 'delivery', { fullName: 'Youssef Courier' });
  const other = await person(t.db, 'delivery', { fullName: 'Other Courier' });

  // Shipping to an own courier: the tracking number may be left out (the reference stands for it).
  const shipped = await admin.json('PATCH', `/orders/${ids[0].id}/status`, { status: 'shipped', delivery_user_id: courier.id });
  assert.equal(shipped.statusCode, 200, shipped.body);
  assert.equal(shipped.json().data.tracking_number, ids[0].reference);
  await admin.json('PATCH', `/orders/${ids[1].id}/status`, { status: 'shipped', tracking_number: 'OWN-2', delivery_user_id: courier.id });
  await admin.json('PATCH', `/orders/${ids[2].id}/status`, { status: 'shipped', delivery_user_id: other.id });

  const c = await login(t.app, courier.email);
  // Their home is their round.
  const home = await c.get('/');
  assert.equal(home.statusCode, 200);
  assert.match(home.body, /<h1>My deliveries<\/h1>/);
  assert.match(home.body, /Amina Door/);
  const page = await c.get('/deliveries');
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<a href="tel:\+212612345678" class="btn btn-secondary btn-block">Call 06 12 34 56 78<\/a>/);
  assert.match(page.body, /href="https:\/\/www\.google\.com\/maps\/search\/\?api=1&amp;query=12%20Rue%20Atlas%2C%20Agdal%2C%20Rabat"/);
  assert.match(page.body, /To collect: <span class="money">398[.,]00/);
  assert.match(page.body, /To collect: <span class="money">219[.,]00/);
  assert.match(page.body, /Cash to collect in all: <span class="money">617[.,]00/);
  assert.match(
    (await admin.get(`/orders/${ids[1].id}/show`)).body,
    /Cash to collect: <span class="money">219[.,]00/,
    'the order page says the same',
  );
  assert.match(page.body, /Karim Refuse/);
  assert.doesNotMatch(page.body, /Other Courier Customer/);
  const list = await c.json('GET', '/deliveries');
  assert.deepEqual(
    list.json().data.map((d: { reference: string; total: number; phone: string }) => [d.reference, d.total, d.phone]),
    [
      [ids[0].reference, 398, '06 12 34 56 78'],
      [ids[1].reference, 199, `06${13_000_002}`],
    ],
  );

  // Marks: delivered with a note (a form), returned (JSON); another courier's order is not found.
  await c.get('/deliveries');
  const delivered = await c.form(`/deliveries/${ids[0].id}/status`, { status: 'delivered', note: 'Paid cash' }, { method: 'PATCH' });
  assert.equal(delivered.statusCode, 302);
  assert.equal(delivered.headers.location, '/deliveries');
  const after = await c.follow(delivered);
  assert.match(after.body, new RegExp(`${ids[0].reference} is delivered\\.`));
  assert.doesNotMatch(after.body, /Amina Door/);
  const returned = await c.json('PATCH', `/deliveries/${ids[1].id}/status`, { status: 'returned', note: 'Refused at the door' });
  assert.equal(returned.statusCode, 200, returned.body);
  assert.deepEqual(returned.json().data, { id: ids[1].id, reference: ids[1].reference, status: 'returned', note: 'Refused at the door' });
  assert.equal((await c.json('PATCH', `/deliveries/${ids[2].id}/status`, { status: 'delivered' })).statusCode, 404);
  assert.deepEqual((await c.json('PATCH', `/deliveries/${ids[0].id}/status`, { status: 'returned' })).json(), {
    message: 'The given data was invalid.',
    errors: { status: ['The status cannot change from delivered to returned.'] },
  });
  assert.deepEqual((await c.json('PATCH', `/deliveries/${ids[2].id}/status`, { status: 'new' })).statusCode, 404);
  const bad = await c.json('PATCH', `/deliveries/${ids[1].id}/status`, { status: 'new' });
  assert.equal(bad.statusCode, 422);
  assert.deepEqual(Object.keys(bad.json().errors), ['status']);
  assert.deepEqual((await c.json('GET', '/deliveries')).json().data, []);

  const { rows: histories } = await t.db.query<{ reference: string; new_status: string; comment: string | null; changed_by: string }>(
    `SELECT o.reference, h.new_status, h.comment, h.changed_by FROM order_histories h JOIN orders o ON o.id = h.order_id
      WHERE o.account_id = $1 AND h.new_status IN ('delivered', 'returned') ORDER BY o.reference`,
    [a.accountId],
  );
  assert.deepEqual(histories, [
    { reference: ids[0].reference, new_status: 'delivered', comment: 'Paid cash', changed_by: 'Youssef Courier' },
    { reference: ids[1].reference, new_status: 'returned', comment: 'Refused at the door', changed_by: 'Youssef Courier' },
  ]);
  assert.deepEqual(await brokenInvariants(t.db, a.accountId), []);

  // Nothing else: other pages are refused, other orders not found, the menu holds their round.
  for (const path of ['/leads', '/products', '/stocks', '/shipping-companies', '/orders/push', '/users/admins', '/follow-up']) {
    assert.equal((await c.get(path)).statusCode, 403, path);
  }
  assert.equal((await c.get(`/orders/${ids[2].id}/show`)).statusCode, 404);
  assert.match(page.body, /<a href="\/deliveries"[^>]*>.*My deliveries<\/a>/);
  for (const role of ['admin', 'seller', 'follow-up-agent'] as const) {
    const s = role === 'seller' ? await login(t.app, a.email) : await login(t.app, (await person(t.db, role)).email);
    assert.equal((await s.get('/deliveries')).statusCode, 403, role);
    assert.equal((await s.json('PATCH', `/deliveries/${ids[2].id}/status`, { status: 'delivered' })).statusCode, 403, role);
  }
});

// Found by the finance audit: a fee changed while the courier was on the round changed what their page
// said to collect and what the ledger booked. The amount is fixed when the order is handed to them.
test('own couriers: the cash to collect is fixed when the order is handed to them; a fee change meanwhile moves neither their round nor the ledger', async () => {
  const a = await tenant(t.db);
  await stock(t.db, await productId(t.db, a.accountId, 'P1'), await warehouse(t.db), { quantity: 5 });
  await t.db.query('INSERT INTO account_fees (account_id, default_delivery_fee) VALUES ($1, 20)', [a.accountId]);
  const res = await t.app.inject({
    method: 'POST',
    url: `${API}/orders`,
    headers: a.auth,
    payload: { orders: [order(7, { total: 199, is_fees_paid_by_customer: true, products: [{ sku: 'P1', quantity: 1, price: 199 }] })] },
  });
  assert.equal(res.statusCode, 201, res.body);
  const { rows } = await t.db.query<{ id: string }>('SELECT id FROM orders WHERE account_id = $1', [a.accountId]);
  const id = rows[0].id;
  const admin = await login(t.app, (await person(t.db, 'admin')).email);
  const courier = await person(t.db, 'delivery', { fullName: 'Fixed Cash Courier' });
  const shipped = await admin.json('PATCH', `/orders/${id}/status`, { status: 'shipped', delivery_user_id: courier.id });
  assert.equal(shipped.statusCode, 200, shipped.body);
  await t.db.query('UPDATE account_fees SET default_delivery_fee = 35 WHERE account_id = $1', [a.accountId]);
  const c = await login(t.app, courier.email);
  const round = (await c.get('/deliveries')).body;
  assert.match(round, /To collect: <span class="money">219[.,]00/);
  assert.match(round, /Cash to collect in all: <span class="money">219[.,]00/);
  assert.equal((await c.json('PATCH', `/deliveries/${id}/status`, { status: 'delivered' })).statusCode, 200);
  const { rows: ledger } = await t.db.query<{ kind: string; amount: number }>(
    'SELECT kind, amount::float8 AS amount FROM balance_histories WHERE order_id = $1 ORDER BY id',
    [id],
  );
  assert.deepEqual(ledger, [
    { kind: 'delivered', amount: 219 },
    { kind: 'delivery_fee', amount: -35 },
  ]);
});

// Found by the outside audit (L2): the round answered `{"data":[...]}` whole, without `meta`, ignored
// `page`/`per_page` and accepted `page=abc`; it pages as the other lists do, through listQuery.
test("/deliveries pages as the other lists: the API's paginated body, per_page and page, the shared 422, page links", async () => {
  const a = await tenant(t.db);
  await stock(t.db, await productId(t.db, a.accountId, 'P1'), await warehouse(t.db), { quantity: 20 });
  const res = await t.app.inject({
    method: 'POST',
    url: `${API}/orders`,
    headers: a.auth,
    payload: { orders: [order(21), order(22), order(23)] },
  });
  assert.equal(res.statusCode, 201, res.body);
  const { rows: ids } = await t.db.query<{ id: string; reference: string }>(
    'SELECT id, reference FROM orders WHERE account_id = $1 ORDER BY reference',
    [a.accountId],
  );
  const admin = await login(t.app, (await person(t.db, 'admin')).email);
  const courier = await person(t.db, 'delivery');
  for (const o of ids) {
    const shipped = await admin.json('PATCH', `/orders/${o.id}/status`, { status: 'shipped', delivery_user_id: courier.id });
    assert.equal(shipped.statusCode, 200, shipped.body);
  }
  const c = await login(t.app, courier.email);
  const list = async (query: string) => {
    const r = await c.json('GET', `/deliveries${query}`);
    assert.equal(r.statusCode, 200, r.body);
    const body = r.json() as { data: { reference: string }[]; meta: unknown };
    assert.deepEqual(Object.keys(body), ['data', 'meta']);
    return { refs: body.data.map((d) => d.reference), meta: body.meta };
  };
  const refs = ids.map((o) => o.reference);
  assert.deepEqual(await list('?per_page=2'), { refs: refs.slice(0, 2), meta: { current_page: 1, per_page: 2, total: 3, last_page: 2 } });
  assert.deepEqual(await list('?per_page=2&page=2'), {
    refs: refs.slice(2),
    meta: { current_page: 2, per_page: 2, total: 3, last_page: 2 },
  });
  assert.deepEqual(await list(''), { refs, meta: { current_page: 1, per_page: 25, total: 3, last_page: 1 } });
  const row = (await c.json('GET', '/deliveries?per_page=1')).json().data[0];
  assert.deepEqual(Object.keys(row).sort(), [
    'address',
    'area',
    'city',
    'cod_amount',
    'full_name',
    'id',
    'phone',
    'products',
    'reference',
    'shipped_at',
    'total',
    'tracking_number',
  ]);
  expectInvalid(await c.json('GET', '/deliveries?page=abc&per_page=0'), {
    page: ['The page field must be an integer.'],
    per_page: ['The per page field must be at least 1.'],
  });

  const page = (await c.get('/deliveries?per_page=2')).body;
  assert.match(page, /3 to deliver/);
  assert.match(page, /1–2 of 3/);
  assert.match(page, /href="\/deliveries\?per_page=2&amp;page=2" rel="next"/);
  assert.doesNotMatch(page, new RegExp(refs[2]));
  // The summary is the whole round's, not the page's: 3 × 398.
  assert.match(page, /Cash to collect in all: <span class="money">1[ ,.\u202f\u00a0]?194[.,]00/);
});

// Marking an order went back to the round's first page, its page and per_page lost.
test('a mark goes back to the round as it was shown (the Referer’s page and query, this site’s round only), its last page once past it', async () => {
  const a = await tenant(t.db);
  await stock(t.db, await productId(t.db, a.accountId, 'P1'), await warehouse(t.db), { quantity: 20 });
  const res = await t.app.inject({
    method: 'POST',
    url: `${API}/orders`,
    headers: a.auth,
    payload: { orders: [order(31), order(32), order(33), order(34), order(35)] },
  });
  assert.equal(res.statusCode, 201, res.body);
  const { rows: ids } = await t.db.query<{ id: string; reference: string }>(
    'SELECT id, reference FROM orders WHERE account_id = $1 ORDER BY reference',
    [a.accountId],
  );
  const admin = await login(t.app, (await person(t.db, 'admin')).email);
  const courier = await person(t.db, 'delivery');
  for (const o of ids) {
    const shipped = await admin.json('PATCH', `/orders/${o.id}/status`, { status: 'shipped', delivery_user_id: courier.id });
    assert.equal(shipped.statusCode, 200, shipped.body);
  }
  const c = await login(t.app, courier.email);
  const mark = (i: number, status = 'delivered', headers?: Record<string, string>) =>
    c.form(`/deliveries/${ids[i].id}/status`, { status, order_id: ids[i].id }, { method: 'PATCH', headers });

  // From page 2 of 2 per page (5 orders): back to page 2, its query kept.
  assert.equal((await c.get('/deliveries?per_page=2&page=2&sort=shipped&direction=asc')).statusCode, 200);
  const first = await mark(2);
  assert.equal(first.statusCode, 302, first.body);
  assert.equal(first.headers.location, '/deliveries?per_page=2&page=2&sort=shipped&direction=asc');
  const after = await c.follow(first);
  assert.match(after.body, new RegExp(`${ids[2].reference} is delivered\\.`));
  assert.match(after.body, /3–4 of 4/);
  // A refused mark (a status a courier may not set) goes back there too, with its error.
  const refused = await mark(3, 'new');
  assert.equal(refused.statusCode, 302);
  assert.equal(refused.headers.location, '/deliveries?per_page=2&page=2&sort=shipped&direction=asc');
  // Page 3 of 2 per page, past the last once its one order is marked: the last page instead.
  assert.equal((await c.get('/deliveries?per_page=1&page=4')).statusCode, 200);
  assert.equal((await mark(4, 'returned')).headers.location, '/deliveries?per_page=1&page=3');
  // Their home is their round too.
  assert.equal((await c.get('/?page=1&per_page=1')).statusCode, 200);
  assert.equal((await mark(3)).headers.location, '/?page=1&per_page=1');
  // Never another site, nor another page of this one: the round's first page.
  for (const referer of [
    'https://evil.example/deliveries?page=2',
    'http://codops.test//evil.example/deliveries?page=2',
    'http://codops.test/orders?page=2',
    'http://codops.test/deliveries-other?page=2',
    'not a url',
  ]) {
    const r = await c.form(`/deliveries/${ids[0].id}/status`, { status: 'new' }, { method: 'PATCH', headers: { referer } });
    assert.equal(r.headers.location, '/deliveries', referer);
  }
  assert.equal((await mark(0, 'delivered', { referer: 'https://evil.example/deliveries?page=2' })).headers.location, '/deliveries');
  assert.deepEqual(await brokenInvariants(t.db, a.accountId), []);
});
