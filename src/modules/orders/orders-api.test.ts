import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { lead, order, tenant, sharedTestApp, type Tenant, type TestApp } from '../../test-support/harness.js';
import { newId } from '../../lib/ids.js';
import { followUpQueue } from '../follow-up/queries.js';
import { deliveriesOf } from '../deliveries/queries.js';
import { orderExportBatch } from './queries.js';
import { lastPushFailure } from '../shipping/push-failures.js';

const API = '/api/web/1.0';
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

let t: TestApp;
sharedTestApp((app) => (t = app), { API_RATE_LIMIT_PER_MINUTE: '100000' });

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
const call = (a: Tenant, method: Method, path: string, payload?: unknown) =>
  t.app.inject({ method, url: `${API}${path}`, headers: a.auth, ...(payload === undefined ? {} : { payload: payload as object }) });

/** Exact status and body; for 422s the error keys must also come in the expected order. */
function expectJson(res: LightMyRequestResponse, status: number, body: unknown) {
  assert.equal(res.statusCode, status, res.body);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const got = res.json();
  const gotKeys = Object.keys(got.errors ?? {});
  assert.deepEqual(got, body);
  const errors = (body as { errors?: Record<string, unknown> }).errors;
  if (errors) assert.deepEqual(gotKeys, Object.keys(errors), 'error keys in request order');
}

const invalid = (res: LightMyRequestResponse, errors: Record<string, string[]>) =>
  expectJson(res, 422, { message: 'The given data was invalid.', errors });

async function createOrders(a: Tenant, orders: unknown[]): Promise<string[]> {
  const res = await call(a, 'POST', '/orders', { orders });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().data.references;
}

async function show(a: Tenant, ref: string) {
  const res = await call(a, 'GET', `/orders/${ref}`);
  assert.equal(res.statusCode, 200, res.body);
  return res.json().data;
}

/** Moves an order behind the API's back (shipping integration / dashboard transitions). */
async function setStatus(a: Tenant, ref: string, status: string, tracking: string | null = null) {
  await t.db.query(
    'UPDATE orders SET status = $3, tracking_number = coalesce($4, tracking_number) WHERE account_id = $1 AND reference = $2',
    [a.accountId, ref, status, tracking],
  );
}

async function countRows(a: Tenant) {
  const { rows } = await t.db.query<{ orders: number; lines: number; histories: number }>(
    `SELECT (SELECT count(*)::int FROM orders WHERE account_id = $1) AS orders,
            (SELECT count(*)::int FROM order_lines ol JOIN orders o ON o.id = ol.order_id WHERE o.account_id = $1) AS lines,
            (SELECT count(*)::int FROM order_histories WHERE account_id = $1) AS histories`,
    [a.accountId],
  );
  return rows[0];
}

/** The full API item of an order made by `order(i, over)`, with server-made fields taken from `got`. */
function expectedItem(got: Record<string, unknown>, over: Record<string, unknown>) {
  assert.match(String(got.id), ULID);
  assert.match(String(got.created_at), ISO);
  assert.match(String(got.updated_at), ISO);
  return {
    id: got.id,
    reference: got.reference,
    status: 'new',
    lead_reference: null,
    full_name: 'Customer 0',
    phone: '0613000000',
    email: null,
    city: 'Rabat',
    area: null,
    address: '0 Avenue Hassan II',
    shipment_way: 1,
    is_fees_paid_by_customer: false,
    total: 398,
    products: [{ sku: 'P1', name: 'Argan Oil 100ml', quantity: 2, price: 199, total: 398 }],
    shipping_company: null,
    tracking_number: null,
    created_at: got.created_at,
    updated_at: got.updated_at,
    ...over,
  };
}

describe('POST /orders', () => {
  test('creates orders in request order with every create field, and a null → new history', async () => {
    const a = await tenant(t.db);
    const res = await call(a, 'POST', '/orders', {
      orders: [
        order(1, {
          email: 'buyer@example.com',
          area: 'Agdal',
          shipment_way: 3,
          is_fees_paid_by_customer: true,
          total: 449.5,
          products: [
            { sku: 'P1', quantity: 1, price: 199.5 },
            { sku: 'P2', quantity: 5, price: 50 },
          ],
        }),
        order(2),
      ],
    });
    expectJson(res, 201, { message: 'Orders created successfully.', data: { references: ['ORD-00001', 'ORD-00002'] } });

    const first = await show(a, 'ORD-00001');
    assert.deepEqual(
      first,
      expectedItem(first, {
        reference: 'ORD-00001',
        full_name: 'Customer 1',
        phone: '0613000001',
        email: 'buyer@example.com',
        area: 'Agdal',
        address: '1 Avenue Hassan II',
        shipment_way: 3,
        is_fees_paid_by_customer: true,
        total: 449.5,
        products: [
          { sku: 'P1', name: 'Argan Oil 100ml', quantity: 1, price: 199.5, total: 199.5 },
          { sku: 'P2', name: 'Amlou 250g', quantity: 5, price: 50, total: 250 },
        ],
      }),
    );
    const second = await show(a, 'ORD-00002');
    assert.deepEqual(
      second,
      expectedItem(second, { reference: 'ORD-00002', full_name: 'Customer 2', phone: '0613000002', address: '2 Avenue Hassan II' }),
    );

    const hist = await call(a, 'GET', '/order-histories');
    assert.equal(hist.statusCode, 200);
    assert.deepEqual(
      hist.json().data.map((h: Record<string, unknown>) => [h.order_reference, h.old_status, h.new_status, h.changed_by, h.comment]),
      [
        ['ORD-00002', null, 'new', 'API token "Test shop"', null],
        ['ORD-00001', null, 'new', 'API token "Test shop"', null],
      ],
    );
  });

  test('applies Laravel input conventions: trimmed strings, numeric strings, "1"/"0" booleans, explicit null optionals', async () => {
    const a = await tenant(t.db);
    const [ref] = await createOrders(a, [
      order(0, {
        full_name: '  Customer 0  ',
        email: null,
        area: '',
        shipment_way: '2',
        is_fees_paid_by_customer: '1',
        total: '398',
        products: [{ sku: 'P1', quantity: '2', price: '199' }],
      }),
    ]);
    const got = await show(a, ref);
    assert.deepEqual(got, expectedItem(got, { reference: 'ORD-00001', shipment_way: 2, is_fees_paid_by_customer: true }));
  });

  test('the body itself: required, array, 1–1,000 items', async () => {
    const a = await tenant(t.db);
    invalid(await call(a, 'POST', '/orders', {}), { orders: ['The orders field is required.'] });
    invalid(await call(a, 'POST', '/orders'), { orders: ['The orders field is required.'] });
    invalid(await call(a, 'POST', '/orders', { orders: 'x' }), { orders: ['The orders field must be an array.'] });
    invalid(await call(a, 'POST', '/orders', { orders: [] }), { orders: ['The orders field is required.'] });
    invalid(await call(a, 'POST', '/orders', { orders: [null, 'x', order(0, { products: [null] })] }), {
      'orders.0': ['The orders.0 field must be an array.'],
      'orders.1': ['The orders.1 field must be an array.'],
      'orders.2.products.0': ['The orders.2.products.0 field must be an array.'],
    });
    invalid(await call(a, 'POST', '/orders', { orders: Array.from({ length: 1001 }, (_, i) => order(i)) }), {
      orders: ['The orders field must not have more than 1000 items.'],
    });
    assert.deepEqual(await countRows(a), { orders: 0, lines: 0, histories: 0 });
  });

  test('every required field of an order', async () => {
    const a = await tenant(t.db);
    invalid(await call(a, 'POST', '/orders', { orders: [{}] }), {
      'orders.0.full_name': ['The orders.0.full_name field is required.'],
      'orders.0.phone': ['The orders.0.phone field is required.'],
      'orders.0.city': ['The orders.0.city field is required.'],
      'orders.0.address': ['The orders.0.address field is required.'],
      'orders.0.is_fees_paid_by_customer': ['The orders.0.is_fees_paid_by_customer field is required.'],
      'orders.0.total': ['The orders.0.total field is required.'],
      'orders.0.products': ['The orders.0.products field is required.'],
    });
    // Empty strings and nulls count as absent.
    invalid(await call(a, 'POST', '/orders', { orders: [order(0, { full_name: '   ', phone: null, city: '' })] }), {
      'orders.0.full_name': ['The orders.0.full_name field is required.'],
      'orders.0.phone': ['The orders.0.phone field is required.'],
      'orders.0.city': ['The orders.0.city field is required.'],
    });
  });

  test('field by field rules and messages', async () => {
    const a = await tenant(t.db);
    const cases: [Record<string, unknown>, Record<string, string[]>][] = [
      [{ full_name: 12 }, { 'orders.0.full_name': ['The orders.0.full_name field must be a string.'] }],
      [{ full_name: 'x'.repeat(101) }, { 'orders.0.full_name': ['The orders.0.full_name field must not be greater than 100 characters.'] }],
      [{ phone: 'x'.repeat(101) }, { 'orders.0.phone': ['The orders.0.phone field must not be greater than 100 characters.'] }],
      [{ email: 'not-an-email' }, { 'orders.0.email': ['The orders.0.email field must be a valid email address.'] }],
      [{ email: 5 }, { 'orders.0.email': ['The orders.0.email field must be a valid email address.'] }],
      [{ city: 'x'.repeat(101) }, { 'orders.0.city': ['The orders.0.city field must not be greater than 100 characters.'] }],
      [{ area: 'x'.repeat(101) }, { 'orders.0.area': ['The orders.0.area field must not be greater than 100 characters.'] }],
      [{ address: 'x'.repeat(1001) }, { 'orders.0.address': ['The orders.0.address field must not be greater than 1000 characters.'] }],
      [{ shipment_way: 4 }, { 'orders.0.shipment_way': ['The selected orders.0.shipment_way is invalid.'] }],
      [{ shipment_way: 0 }, { 'orders.0.shipment_way': ['The selected orders.0.shipment_way is invalid.'] }],
      [
        { is_fees_paid_by_customer: 'yes' },
        { 'orders.0.is_fees_paid_by_customer': ['The orders.0.is_fees_paid_by_customer field must be true or false.'] },
      ],
      [
        { is_fees_paid_by_customer: 2 },
        { 'orders.0.is_fees_paid_by_customer': ['The orders.0.is_fees_paid_by_customer field must be true or false.'] },
      ],
      [{ total: 'abc' }, { 'orders.0.total': ['The orders.0.total field must be a number.'] }],
      [{ total: 0.5 }, { 'orders.0.total': ['The orders.0.total field must be at least 1.'] }],
      [{ total: 1_000_000 }, { 'orders.0.total': ['The orders.0.total field must not be greater than 999999.'] }],
      [{ products: 'P1' }, { 'orders.0.products': ['The orders.0.products field must be an array.'] }],
      [{ products: [] }, { 'orders.0.products': ['The orders.0.products field is required.'] }],
      [
        { products: Array.from({ length: 11 }, () => ({ sku: 'P1', quantity: 1, price: 1 })) },
        { 'orders.0.products': ['The orders.0.products field must not have more than 10 items.'] },
      ],
      [
        { products: [{}] },
        {
          'orders.0.products.0.sku': ['The orders.0.products.0.sku field is required.'],
          'orders.0.products.0.quantity': ['The orders.0.products.0.quantity field is required.'],
          'orders.0.products.0.price': ['The orders.0.products.0.price field is required.'],
        },
      ],
      [
        { products: [{ sku: 7, quantity: 1.5, price: 'x' }] },
        {
          'orders.0.products.0.sku': ['The orders.0.products.0.sku field must be a string.'],
          'orders.0.products.0.quantity': ['The orders.0.products.0.quantity field must be an integer.'],
          'orders.0.products.0.price': ['The orders.0.products.0.price field must be a number.'],
        },
      ],
      [
        { products: [{ sku: 'P1', quantity: 0, price: 0 }] },
        {
          'orders.0.products.0.quantity': ['The orders.0.products.0.quantity field must be at least 1.'],
          'orders.0.products.0.price': ['The orders.0.products.0.price field must be at least 1.'],
        },
      ],
      [
        { products: [{ sku: 'P1', quantity: 1_000_000, price: 1_000_000 }] },
        {
          'orders.0.products.0.quantity': ['The orders.0.products.0.quantity field must not be greater than 999999.'],
          'orders.0.products.0.price': ['The orders.0.products.0.price field must not be greater than 999999.'],
        },
      ],
      [
        { products: [{ sku: 'NOPE', quantity: 1, price: 10 }] },
        { 'orders.0.products.0.sku': ['The selected orders.0.products.0.sku is invalid.'] },
      ],
      [
        { products: [{ sku: 'OFF', quantity: 1, price: 10 }] },
        { 'orders.0.products.0.sku': ['The selected orders.0.products.0.sku is invalid.'] },
      ],
    ];
    for (const [over, errors] of cases) {
      invalid(await call(a, 'POST', '/orders', { orders: [order(0, over)] }), errors);
    }
    // The edges that pass: 1 and 999,999; 10 products; shipment ways 1, 2, 3; booleans as true/false.
    const refs = await createOrders(a, [
      order(1, { total: 1, shipment_way: 1, is_fees_paid_by_customer: true }),
      order(2, {
        total: 999_999,
        shipment_way: 2,
        products: Array.from({ length: 10 }, () => ({ sku: 'P2', quantity: 999_999, price: 999_999 })),
      }),
      order(3, { shipment_way: 3, full_name: 'x'.repeat(100), address: 'y'.repeat(1000), email: 'a@b.co' }),
    ]);
    assert.deepEqual(refs, ['ORD-00001', 'ORD-00002', 'ORD-00003']);
    assert.deepEqual(await countRows(a), { orders: 3, lines: 12, histories: 3 });
  });

  test('a multi-item 422 reports shape errors and unknown or inactive SKUs together, in request order, and writes nothing', async () => {
    const a = await tenant(t.db);
    const other = await tenant(t.db, { skus: false }); // SKUs of another account never count
    await t.db.query(
      `INSERT INTO products (id, account_id, sku, name, price) VALUES ($2, $1, 'ELSEWHERE', 'Not ours', 5)`,
      [other.accountId, newId()], // a fixed id would collide with an earlier run on a kept PostgreSQL database
    );
    const res = await call(a, 'POST', '/orders', {
      orders: [
        order(0), // valid
        order(1, { email: 'nope', shipment_way: 9, is_fees_paid_by_customer: 'maybe', products: [{ sku: 'OFF', quantity: 0, price: 10 }] }),
        order(2, {
          phone: undefined,
          products: [
            { sku: 'P2', quantity: 1, price: 50 },
            { sku: 'NOPE', quantity: 1, price: 50 },
          ],
        }),
        order(3, { total: 0, products: [{ sku: 'ELSEWHERE', quantity: 1, price: 5 }] }),
      ],
    });
    invalid(res, {
      'orders.1.email': ['The orders.1.email field must be a valid email address.'],
      'orders.1.shipment_way': ['The selected orders.1.shipment_way is invalid.'],
      'orders.1.is_fees_paid_by_customer': ['The orders.1.is_fees_paid_by_customer field must be true or false.'],
      'orders.1.products.0.sku': ['The selected orders.1.products.0.sku is invalid.'],
      'orders.1.products.0.quantity': ['The orders.1.products.0.quantity field must be at least 1.'],
      'orders.2.phone': ['The orders.2.phone field is required.'],
      'orders.2.products.1.sku': ['The selected orders.2.products.1.sku is invalid.'],
      'orders.3.total': ['The orders.3.total field must be at least 1.'],
      'orders.3.products.0.sku': ['The selected orders.3.products.0.sku is invalid.'],
    });
    assert.deepEqual(await countRows(a), { orders: 0, lines: 0, histories: 0 });
    expectJson(await call(a, 'GET', '/orders'), 200, { data: [], meta: { current_page: 1, per_page: 50, total: 0, last_page: 1 } });
    // Nothing was reserved either: the next order is still the first.
    assert.deepEqual(await createOrders(a, [order(0)]), ['ORD-00001']);
  });
});

describe('GET /orders and GET /orders/{reference}', () => {
  test('lists newest first with pagination and every filter', async () => {
    const a = await tenant(t.db);
    const [r1] = await createOrders(a, [order(1, { products: [{ sku: 'P1', quantity: 1, price: 199 }] })]);
    const [r2] = await createOrders(a, [order(2, { products: [{ sku: 'P2', quantity: 1, price: 50 }] })]);
    const [r3] = await createOrders(a, [
      order(3, {
        products: [
          { sku: 'P1', quantity: 1, price: 199 },
          { sku: 'P2', quantity: 1, price: 50 },
        ],
      }),
    ]);
    await setStatus(a, r2, 'shipped', 'TRK-0002');
    await setStatus(a, r3, 'canceled');

    const list = await call(a, 'GET', '/orders');
    assert.equal(list.statusCode, 200);
    const body = list.json();
    assert.deepEqual(body.meta, { current_page: 1, per_page: 50, total: 3, last_page: 1 });
    assert.deepEqual(
      body.data.map((o: { reference: string }) => o.reference),
      [r3, r2, r1],
    );
    // List items are the same resource as show.
    assert.deepEqual(body.data[2], await show(a, r1));
    assert.deepEqual(
      body.data[1],
      expectedItem(body.data[1], {
        reference: r2,
        status: 'shipped',
        tracking_number: 'TRK-0002',
        full_name: 'Customer 2',
        phone: '0613000002',
        address: '2 Avenue Hassan II',
        products: [{ sku: 'P2', name: 'Amlou 250g', quantity: 1, price: 50, total: 50 }],
      }),
    );

    const refs = async (query: string) => {
      const res = await call(a, 'GET', `/orders?${query}`);
      assert.equal(res.statusCode, 200, `${query}: ${res.body}`);
      return res.json().data.map((o: { reference: string }) => o.reference);
    };
    assert.deepEqual(await refs('status=new'), [r1]);
    assert.deepEqual(await refs('status=new,canceled'), [r3, r1]);
    assert.deepEqual(await refs('status=shipped'), [r2]);
    assert.deepEqual(await refs('status=delivered'), []);
    assert.deepEqual(await refs(`reference=${r2}`), [r2]);
    assert.deepEqual(await refs('reference=ORD-99999'), []);
    assert.deepEqual(await refs('phone=0613000003'), [r3]);
    assert.deepEqual(await refs(`phone=${encodeURIComponent('+212613000001')}`), [r1]);
    assert.deepEqual(await refs('sku=P1'), [r3, r1]);
    assert.deepEqual(await refs('sku=P2'), [r3, r2]);
    assert.deepEqual(await refs('sku=OFF'), []);
    assert.deepEqual(await refs('tracking_number=TRK-0002'), [r2]);
    assert.deepEqual(await refs('tracking_number=TRK-9999'), []);
    const today = new Date().toISOString().slice(0, 10);
    assert.deepEqual(await refs(`created_from=${today}&created_to=${today}`), [r3, r2, r1]);
    assert.deepEqual(await refs('created_to=2000-01-01'), []);
    assert.deepEqual(await refs('created_from=2999-01-01'), []);
    assert.deepEqual(await refs('status=new,canceled&sku=P2'), [r3]);
    // A key given twice keeps its last value, as PHP's query parser does; brackets still make an array.
    assert.deepEqual(await refs('status=lost&status=shipped'), [r2]);
    assert.deepEqual(await refs('sku=OFF&status=canceled&sku=P2&per_page=1&per_page=5'), [r3]);
    assert.deepEqual(await refs('status[]=lost&status=new'), [r1]);
    invalid(await call(a, 'GET', '/orders?status=new&status[]=new'), { status: ['The status field must be a string.'] });

    const page2 = await call(a, 'GET', '/orders?per_page=2&page=2');
    assert.equal(page2.statusCode, 200);
    assert.deepEqual(page2.json().meta, { current_page: 2, per_page: 2, total: 3, last_page: 2 });
    assert.deepEqual(
      page2.json().data.map((o: { reference: string }) => o.reference),
      [r1],
    );
    expectJson(await call(a, 'GET', '/orders?per_page=2&page=9'), 200, {
      data: [],
      meta: { current_page: 9, per_page: 2, total: 3, last_page: 2 },
    });
  });

  test('invalid query values are 422 errors on those keys', async () => {
    const a = await tenant(t.db);
    invalid(await call(a, 'GET', '/orders?page=0&per_page=1001'), {
      page: ['The page field must be at least 1.'],
      per_page: ['The per page field must not be greater than 1000.'],
    });
    invalid(await call(a, 'GET', '/orders?page=x&per_page=0'), {
      page: ['The page field must be an integer.'],
      per_page: ['The per page field must be at least 1.'],
    });
    invalid(await call(a, 'GET', '/orders?status=new,shipped,lost'), { status: ['The selected status is invalid.'] });
    invalid(await call(a, 'GET', '/orders?created_from=yesterday&created_to=2026-13-45'), {
      created_from: ['The created from field must be a valid date.'],
      created_to: ['The created to field must be a valid date.'],
    });
  });

  test('show answers {data} or 404', async () => {
    const a = await tenant(t.db);
    const [ref] = await createOrders(a, [order(0)]);
    const res = await call(a, 'GET', `/orders/${ref}`);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(Object.keys(res.json()), ['data']);
    assert.deepEqual(res.json().data, expectedItem(res.json().data, { reference: ref }));
    expectJson(await call(a, 'GET', '/orders/ORD-99999'), 404, { message: 'Resource not found.' });
  });

  test('an order made by confirming a lead names its lead', async () => {
    const a = await tenant(t.db);
    const created = await call(a, 'POST', '/leads', { leads: [lead(5, { address: '5 Rue Atlas' })] });
    assert.equal(created.statusCode, 201, created.body);
    const confirmed = await call(a, 'PATCH', '/leads/LD-00001', { status: 'confirmed' });
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    const got = await show(a, 'ORD-00001');
    assert.deepEqual(
      got,
      expectedItem(got, {
        reference: 'ORD-00001',
        lead_reference: 'LD-00001',
        full_name: 'Customer 5',
        phone: '0612000005',
        city: 'Casablanca',
        address: '5 Rue Atlas',
      }),
    );
  });
});

describe('PATCH /orders/{reference}', () => {
  test('changes customer and product fields while new', async () => {
    const a = await tenant(t.db);
    const [ref] = await createOrders(a, [order(0)]);
    const res = await call(a, 'PATCH', `/orders/${ref}`, {
      full_name: 'Renamed Customer',
      phone: '0699999999',
      email: 'new@example.com',
      city: 'Fes',
      area: 'Medina',
      address: '9 Derb',
      shipment_way: 2,
      is_fees_paid_by_customer: true,
      total: 150,
      products: [
        { sku: 'P2', quantity: 3, price: 50 },
        { sku: 'P1', quantity: 1, price: 100 },
      ],
    });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.deepEqual(Object.keys(body), ['message', 'data']);
    assert.equal(body.message, 'Order updated successfully.');
    assert.deepEqual(
      body.data,
      expectedItem(body.data, {
        reference: ref,
        full_name: 'Renamed Customer',
        phone: '0699999999',
        email: 'new@example.com',
        city: 'Fes',
        area: 'Medina',
        address: '9 Derb',
        shipment_way: 2,
        is_fees_paid_by_customer: true,
        total: 150,
        products: [
          { sku: 'P2', name: 'Amlou 250g', quantity: 3, price: 50, total: 150 },
          { sku: 'P1', name: 'Argan Oil 100ml', quantity: 1, price: 100, total: 100 },
        ],
      }),
    );
    assert.deepEqual(await show(a, ref), body.data);
    // The new phone is searchable by its normalised form; clearing an optional field with null.
    const found = await call(a, 'GET', `/orders?phone=${encodeURIComponent('+212699999999')}`);
    assert.deepEqual(
      found.json().data.map((o: { reference: string }) => o.reference),
      [ref],
    );
    const cleared = await call(a, 'PATCH', `/orders/${ref}`, { email: null, area: null });
    assert.equal(cleared.statusCode, 200, cleared.body);
    assert.equal(cleared.json().data.email, null);
    assert.equal(cleared.json().data.area, null);
    assert.equal(cleared.json().data.city, 'Fes');
    // Field edits are not status changes, but what they changed is kept: a row each, its old and new
    // status the order's (docs/decisions.md, "What an edit of an order records").
    const hist = await call(a, 'GET', `/order-histories?reference=${ref}`);
    assert.deepEqual(
      hist.json().data.map((h: Record<string, unknown>) => [h.old_status, h.new_status]),
      [
        ['new', 'new'],
        ['new', 'new'],
        [null, 'new'],
      ],
    );
  });

  // Found by the fulfilment audit: a change of lines only left updated_at, which sync clients read, as it was.
  test('a change of products only moves updated_at', async () => {
    const a = await tenant(t.db);
    const [ref] = await createOrders(a, [order(0)]);
    await t.db.query(`UPDATE orders SET updated_at = now() - interval '1 hour' WHERE account_id = $1`, [a.accountId]);
    const before = (await show(a, ref)).updated_at as string;
    const res = await call(a, 'PATCH', `/orders/${ref}`, { products: [{ sku: 'P2', quantity: 1, price: 50 }] });
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(Date.parse(res.json().data.updated_at) > Date.parse(before) + 30 * 60_000, `${before} → ${res.json().data.updated_at}`);
  });

  test('field rules are those of create', async () => {
    const a = await tenant(t.db);
    const [ref] = await createOrders(a, [order(0)]);
    // Shape errors and an inactive SKU come together, as on create.
    invalid(
      await call(a, 'PATCH', `/orders/${ref}`, {
        full_name: 'x'.repeat(101),
        email: 'bad',
        shipment_way: 5,
        is_fees_paid_by_customer: 'no way',
        total: 0,
        products: [
          { sku: 'OFF', quantity: 1, price: 1 },
          { sku: 'P1', quantity: 0, price: 1 },
        ],
      }),
      {
        full_name: ['The full name field must not be greater than 100 characters.'],
        email: ['The email field must be a valid email address.'],
        shipment_way: ['The selected shipment way is invalid.'],
        is_fees_paid_by_customer: ['The is fees paid by customer field must be true or false.'],
        total: ['The total field must be at least 1.'],
        'products.0.sku': ['The selected products.0.sku is invalid.'],
        'products.1.quantity': ['The products.1.quantity field must be at least 1.'],
      },
    );
    // A shape-valid body with an inactive SKU: the database check answers in the same format.
    invalid(await call(a, 'PATCH', `/orders/${ref}`, { city: 'Fes', products: [{ sku: 'OFF', quantity: 1, price: 1 }] }), {
      'products.0.sku': ['The selected products.0.sku is invalid.'],
    });
    invalid(await call(a, 'PATCH', `/orders/${ref}`, { products: [] }), { products: ['The products field is required.'] });
    // A field required on create may be left out, but not sent empty (Laravel's sometimes|required).
    invalid(
      await call(a, 'PATCH', `/orders/${ref}`, {
        full_name: '',
        phone: null,
        city: '  ',
        address: null,
        is_fees_paid_by_customer: null,
        total: '',
        products: null,
        area: '',
        email: null,
      }),
      {
        full_name: ['The full name field is required.'],
        phone: ['The phone field is required.'],
        city: ['The city field is required.'],
        address: ['The address field is required.'],
        is_fees_paid_by_customer: ['The is fees paid by customer field is required.'],
        total: ['The total field is required.'],
        products: ['The products field is required.'],
      },
    );
    invalid(
      await call(a, 'PATCH', '/orders', {
        orders: [
          { reference: ref, city: 'Fes' },
          { reference: ref, city: null },
        ],
      }),
      {
        'orders.0.reference': ['The orders.0.reference field has a duplicate value.'],
        'orders.1.reference': ['The orders.1.reference field has a duplicate value.'],
        'orders.1.city': ['The orders.1.city field is required.'],
      },
    );
    assert.equal((await show(a, ref)).city, 'Rabat');
  });

  test('status: canceled from new, new again from canceled or returned, with comments in the history', async () => {
    const a = await tenant(t.db);
    const [ref] = await createOrders(a, [order(0)]);
    const canceled = await call(a, 'PATCH', `/orders/${ref}`, { status: 'canceled', comment: 'Customer called to cancel' });
    assert.equal(canceled.statusCode, 200, canceled.body);
    assert.equal(canceled.json().message, 'Order updated successfully.');
    assert.equal(canceled.json().data.status, 'canceled');
    const renewed = await call(a, 'PATCH', `/orders/${ref}`, { status: 'new' });
    assert.equal(renewed.statusCode, 200, renewed.body);
    assert.equal(renewed.json().data.status, 'new');
    await setStatus(a, ref, 'returned');
    const again = await call(a, 'PATCH', `/orders/${ref}`, { status: 'new', comment: 'Second attempt' });
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(again.json().data.status, 'new');

    const hist = await call(a, 'GET', `/order-histories?reference=${ref}`);
    assert.equal(hist.statusCode, 200);
    const rows = hist.json().data;
    for (const h of rows) assert.match(h.changed_at, ISO);
    assert.deepEqual(
      rows.map((h: Record<string, unknown>) => ({ ...h, changed_at: undefined })),
      [
        {
          order_reference: ref,
          old_status: 'returned',
          new_status: 'new',
          changed_by: 'API token "Test shop"',
          changed_at: undefined,
          comment: 'Second attempt',
        },
        {
          order_reference: ref,
          old_status: 'canceled',
          new_status: 'new',
          changed_by: 'API token "Test shop"',
          changed_at: undefined,
          comment: null,
        },
        {
          order_reference: ref,
          old_status: 'new',
          new_status: 'canceled',
          changed_by: 'API token "Test shop"',
          changed_at: undefined,
          comment: 'Customer called to cancel',
        },
        {
          order_reference: ref,
          old_status: null,
          new_status: 'new',
          changed_by: 'API token "Test shop"',
          changed_at: undefined,
          comment: null,
        },
      ],
    );
  });

  test('a comment without a status is kept on a history row of the current status, which no move-counting reader takes for a move (audit)', async () => {
    const a = await tenant(t.db);
    const [r1, r2] = await createOrders(a, [order(0), order(1)]);
    // r1's last push failed: its page shows why until the order moves, which a comment is not.
    const company = newId();
    await t.db.query(`INSERT INTO shipping_companies (id, name, adapter) VALUES ($1, $2, 'manual')`, [company, `Courier ${company}`]);
    await t.db.query(
      `INSERT INTO order_push_failures (order_id, shipping_company_id, message)
       SELECT id, $3, 'Courier refused the address' FROM orders WHERE reference = $1 AND account_id = $2`,
      [r1, a.accountId, company],
    );
    const res = await call(a, 'PATCH', `/orders/${r1}`, {
      total: 250,
      products: [{ sku: 'P2', quantity: 5, price: 50 }],
      comment: 'changed',
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().data.total, 250);
    // A shipped order (fields closed) takes a comment too, in a bulk PATCH.
    await setStatus(a, r2, 'shipped', 'TRK-1');
    await t.db.query('UPDATE orders SET delivery_user_id = $3 WHERE account_id = $1 AND reference = $2', [a.accountId, r2, a.userId]);
    await t.db.query(
      `INSERT INTO order_histories (account_id, order_id, old_status, new_status, changed_by, created_at)
       SELECT account_id, id, 'new', 'shipped', 'system', now() - interval '30 days' FROM orders WHERE reference = $1 AND account_id = $2`,
      [r2, a.accountId],
    );
    const bulk = await call(a, 'PATCH', '/orders', { orders: [{ reference: r2, comment: 'customer asked where it is' }] });
    assert.equal(bulk.statusCode, 200, bulk.body);
    const hist = await call(a, 'GET', '/order-histories');
    assert.deepEqual(
      hist.json().data.map((h: Record<string, unknown>) => [h.order_reference, h.old_status, h.new_status, h.comment]),
      [
        [r2, 'shipped', 'shipped', 'customer asked where it is'],
        [r1, 'new', 'new', 'changed'],
        [r2, null, 'new', null],
        [r1, null, 'new', null],
        [r2, 'new', 'shipped', null],
      ],
    );
    assert.equal((await show(a, r2)).status, 'shipped');
    // The follow-up queue still dates the order from its move to shipped, 30 days ago, not from the comment.
    const queue = await followUpQueue(t.db, 'shipped', 5, { page: 1, per_page: 50 }, a.accountId);
    assert.deepEqual(
      queue.rows.map((r) => [r.reference, r.days]),
      [[r2, 30]],
    );
    // The courier's round shows when it was shipped, not when it was commented on.
    assert.deepEqual(
      (await deliveriesOf(t.db, a.userId, { sort: 'shipped', direction: 'asc', page: 1, per_page: 50 })).rows.map((d) => [
        d.reference,
        d.shipped_at,
      ]),
      [[r2, queue.rows[0].since]],
    );
    const id1 = (await show(a, r1)).id as string;
    assert.equal((await lastPushFailure(t.db, id1))?.message, 'Courier refused the address');
    // Delivered ten days ago, commented on today: the export's delivered_at is the delivery's.
    await setStatus(a, r2, 'delivered');
    const { rows: delivered } = await t.db.query<{ at: string }>(
      `INSERT INTO order_histories (account_id, order_id, old_status, new_status, changed_by, created_at)
       SELECT account_id, id, 'shipped', 'delivered', 'system', date_trunc('second', now()) - interval '10 days'
         FROM orders WHERE reference = $1 AND account_id = $2
       RETURNING iso_utc(created_at) AS at`,
      [r2, a.accountId],
    );
    assert.equal((await call(a, 'PATCH', `/orders/${r2}`, { comment: 'paid in full' })).statusCode, 200);
    const exported = await orderExportBatch(t.db, { accountId: a.accountId }, {}, '', 10);
    assert.deepEqual(
      exported.filter((r) => r.reference === r2).map((r) => r.delivered_at),
      [delivered[0].at],
    );
  });

  test('other statuses are not the API’s to set, and refused transitions name both ends', async () => {
    const a = await tenant(t.db);
    const [ref] = await createOrders(a, [order(0)]);
    for (const status of ['shipped', 'delivered', 'returned', 'lost', 'NEW']) {
      invalid(await call(a, 'PATCH', `/orders/${ref}`, { status }), { status: ['The selected status is invalid.'] });
    }
    invalid(await call(a, 'PATCH', `/orders/${ref}`, { status: 3 }), {
      status: ['The status field must be a string.', 'The selected status is invalid.'],
    });
    invalid(await call(a, 'PATCH', `/orders/${ref}`, { status: 'new' }), { status: ['The status cannot change from new to new.'] });
    // In a bulk PATCH too, a status the field refuses is one message, not also a refused move.
    for (const status of ['shipped', 'bogus'])
      invalid(await call(a, 'PATCH', '/orders', { orders: [{ reference: ref, status }] }), {
        'orders.0.status': ['The selected orders.0.status is invalid.'],
      });
    await setStatus(a, ref, 'shipped');
    invalid(await call(a, 'PATCH', `/orders/${ref}`, { status: 'canceled' }), {
      status: ['The status cannot change from shipped to canceled.'],
    });
    invalid(await call(a, 'PATCH', `/orders/${ref}`, { status: 'new' }), { status: ['The status cannot change from shipped to new.'] });
    await setStatus(a, ref, 'delivered');
    invalid(await call(a, 'PATCH', `/orders/${ref}`, { status: 'new' }), { status: ['The status cannot change from delivered to new.'] });
    invalid(await call(a, 'PATCH', `/orders/${ref}`, { status: 'canceled' }), {
      status: ['The status cannot change from delivered to canceled.'],
    });
    await setStatus(a, ref, 'canceled');
    invalid(await call(a, 'PATCH', `/orders/${ref}`, { status: 'canceled' }), {
      status: ['The status cannot change from canceled to canceled.'],
    });
    // Nothing but the creation was recorded.
    assert.equal((await call(a, 'GET', `/order-histories?reference=${ref}`)).json().meta.total, 1);
  });

  test('fields cannot change once the order has left new, even with a renew in the same request', async () => {
    const a = await tenant(t.db);
    const [ref] = await createOrders(a, [order(0)]);
    await setStatus(a, ref, 'canceled');
    invalid(await call(a, 'PATCH', `/orders/${ref}`, { city: 'Fes', is_fees_paid_by_customer: true }), {
      city: ['The city cannot be changed once the order is canceled.'],
      is_fees_paid_by_customer: ['The is fees paid by customer cannot be changed once the order is canceled.'],
    });
    invalid(await call(a, 'PATCH', `/orders/${ref}`, { status: 'new', total: 10 }), {
      total: ['The total cannot be changed once the order is canceled.'],
    });
    // With a shape error too: every error of the request at once, as a bulk item's (API audit); a
    // failed `required` is its field's only message (api-v1.md), a wrong type is not.
    await setStatus(a, ref, 'shipped');
    invalid(await call(a, 'PATCH', `/orders/${ref}`, { status: 'new', full_name: '', phone: ['x'], products: [] }), {
      full_name: ['The full name field is required.'],
      phone: ['The phone field must be a string.', 'The phone cannot be changed once the order is shipped.'],
      products: ['The products field is required.'],
      status: ['The status cannot change from shipped to new.'],
    });
    const got = await show(a, ref);
    assert.equal(got.status, 'shipped');
    assert.equal(got.city, 'Rabat');
  });

  test('422 before 404; 404 for an unknown or deleted reference', async () => {
    const a = await tenant(t.db);
    invalid(await call(a, 'PATCH', '/orders/ORD-99999', { status: 'shipped', total: 'x' }), {
      total: ['The total field must be a number.'],
      status: ['The selected status is invalid.'],
    });
    invalid(await call(a, 'PATCH', '/orders/ORD-99999', { products: [{ sku: 'OFF', quantity: 1, price: 1 }] }), {
      'products.0.sku': ['The selected products.0.sku is invalid.'],
    });
    expectJson(await call(a, 'PATCH', '/orders/ORD-99999', { status: 'canceled' }), 404, { message: 'Resource not found.' });
    const [ref] = await createOrders(a, [order(0)]);
    expectJson(await call(a, 'DELETE', `/orders/${ref}`), 200, { message: 'Order deleted successfully.' });
    expectJson(await call(a, 'PATCH', `/orders/${ref}`, { city: 'Fes' }), 404, { message: 'Resource not found.' });
  });
});

describe('PATCH /orders (bulk)', () => {
  test('updates several orders and answers their references in request order', async () => {
    const a = await tenant(t.db);
    const [r1, r2, r3] = await createOrders(a, [order(1), order(2), order(3)]);
    await setStatus(a, r3, 'returned');
    const res = await call(a, 'PATCH', '/orders', {
      orders: [
        { reference: r2, status: 'canceled', comment: 'bulk' },
        { reference: r1, city: 'Tanger', products: [{ sku: 'P2', quantity: 2, price: 50 }], total: 100 },
        { reference: r3, status: 'new' },
      ],
    });
    expectJson(res, 200, { message: 'Orders updated successfully.', data: [{ reference: r2 }, { reference: r1 }, { reference: r3 }] });
    assert.equal((await show(a, r2)).status, 'canceled');
    assert.equal((await show(a, r3)).status, 'new');
    const one = await show(a, r1);
    assert.equal(one.city, 'Tanger');
    assert.equal(one.total, 100);
    assert.deepEqual(one.products, [{ sku: 'P2', name: 'Amlou 250g', quantity: 2, price: 50, total: 100 }]);
  });

  test('all or nothing: every error of every item, unknown references as orders.N.reference', async () => {
    const a = await tenant(t.db);
    const [r1, r2, r3] = await createOrders(a, [order(1), order(2), order(3)]);
    await setStatus(a, r3, 'shipped');
    const res = await call(a, 'PATCH', '/orders', {
      orders: [
        { reference: r1, status: 'canceled' }, // fine on its own, but repeated below
        { reference: 'ORD-99999', status: 'canceled' },
        { reference: r3, status: 'canceled', city: 'Fes' },
        { status: 'canceled' },
        { reference: r2, status: 'shipped', email: 'bad', products: [{ sku: 'OFF', quantity: 1, price: 1 }] },
        { reference: r1, city: 'Fes' },
      ],
    });
    invalid(res, {
      'orders.0.reference': ['The orders.0.reference field has a duplicate value.'],
      'orders.1.reference': ['The selected orders.1.reference is invalid.'],
      'orders.2.city': ['The orders.2.city cannot be changed once the order is shipped.'],
      'orders.2.status': ['The status cannot change from shipped to canceled.'],
      'orders.3.reference': ['The orders.3.reference field is required.'],
      'orders.4.email': ['The orders.4.email field must be a valid email address.'],
      'orders.4.products.0.sku': ['The selected orders.4.products.0.sku is invalid.'],
      'orders.4.status': ['The selected orders.4.status is invalid.'],
      'orders.5.reference': ['The orders.5.reference field has a duplicate value.'],
    });
    assert.equal((await show(a, r1)).status, 'new');
    assert.equal((await show(a, r1)).city, 'Rabat');
    assert.equal((await call(a, 'GET', '/order-histories')).json().meta.total, 3);
  });

  test('the body itself', async () => {
    const a = await tenant(t.db);
    invalid(await call(a, 'PATCH', '/orders', {}), { orders: ['The orders field is required.'] });
    invalid(await call(a, 'PATCH', '/orders', { orders: {} }), { orders: ['The orders field is required.'] });
    invalid(await call(a, 'PATCH', '/orders', { orders: 'x' }), { orders: ['The orders field must be an array.'] });
    invalid(await call(a, 'PATCH', '/orders', { orders: [] }), { orders: ['The orders field is required.'] });
    // Items that are not objects are shape errors, never a server error.
    invalid(await call(a, 'PATCH', '/orders', { orders: [null, 1, 'x', {}] }), {
      'orders.0': ['The orders.0 field must be an array.'],
      'orders.1': ['The orders.1 field must be an array.'],
      'orders.2': ['The orders.2 field must be an array.'],
      'orders.3.reference': ['The orders.3.reference field is required.'],
    });
    // Over the limit, the items are still checked: every failing key is reported.
    const over = Array.from({ length: 1001 }, (_, i) => ({ reference: `ORD-X${i}`, status: 'canceled' }));
    invalid(await call(a, 'PATCH', '/orders', { orders: over }), {
      orders: ['The orders field must not have more than 1000 items.'],
      ...Object.fromEntries(over.map((_, i) => [`orders.${i}.reference`, [`The selected orders.${i}.reference is invalid.`]])),
    });
  });
});

describe('DELETE /orders', () => {
  test('single: only new and canceled orders; deleted ones disappear', async () => {
    const a = await tenant(t.db);
    const [r1, r2, r3, r4, r5] = await createOrders(a, [order(1), order(2), order(3), order(4), order(5)]);
    await setStatus(a, r2, 'canceled');
    await setStatus(a, r3, 'shipped');
    await setStatus(a, r4, 'delivered');
    await setStatus(a, r5, 'returned');
    expectJson(await call(a, 'DELETE', `/orders/${r1}`), 200, { message: 'Order deleted successfully.' });
    expectJson(await call(a, 'DELETE', `/orders/${r2}`), 200, { message: 'Order deleted successfully.' });
    invalid(await call(a, 'DELETE', `/orders/${r3}`), { reference: ['Only new and canceled orders can be deleted; this one is shipped.'] });
    invalid(await call(a, 'DELETE', `/orders/${r4}`), {
      reference: ['Only new and canceled orders can be deleted; this one is delivered.'],
    });
    invalid(await call(a, 'DELETE', `/orders/${r5}`), {
      reference: ['Only new and canceled orders can be deleted; this one is returned.'],
    });
    expectJson(await call(a, 'DELETE', `/orders/${r1}`), 404, { message: 'Resource not found.' });
    expectJson(await call(a, 'DELETE', '/orders/ORD-99999'), 404, { message: 'Resource not found.' });
    expectJson(await call(a, 'GET', `/orders/${r1}`), 404, { message: 'Resource not found.' });
    const list = await call(a, 'GET', '/orders');
    assert.deepEqual(
      list.json().data.map((o: { reference: string }) => o.reference),
      [r5, r4, r3],
    );
    // Gone from the histories too, yet kept for audit.
    const hist = await call(a, 'GET', '/order-histories');
    assert.deepEqual(
      hist.json().data.map((h: { order_reference: string }) => h.order_reference),
      [r5, r4, r3],
    );
    const { rows } = await t.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM orders WHERE account_id = $1 AND deleted_at IS NOT NULL',
      [a.accountId],
    );
    assert.equal(rows[0].n, 2);
  });

  test('bulk: all or nothing, every failing reference reported', async () => {
    const a = await tenant(t.db);
    const [r1, r2, r3] = await createOrders(a, [order(1), order(2), order(3)]);
    await setStatus(a, r2, 'canceled');
    await setStatus(a, r3, 'shipped');
    invalid(await call(a, 'DELETE', '/orders', { references: [r1, 'ORD-99999', r3, r2] }), {
      'references.1': ['The selected references.1 is invalid.'],
      'references.2': ['Only new and canceled orders can be deleted; this one is shipped.'],
    });
    assert.equal((await call(a, 'GET', '/orders')).json().meta.total, 3);
    expectJson(await call(a, 'DELETE', '/orders', { references: [r1, r2] }), 200, {
      message: 'Orders deleted successfully.',
      data: { count: 2 },
    });
    assert.deepEqual(
      (await call(a, 'GET', '/orders')).json().data.map((o: { reference: string }) => o.reference),
      [r3],
    );
    invalid(await call(a, 'DELETE', '/orders', { references: [r1] }), { 'references.0': ['The selected references.0 is invalid.'] });
  });

  test('a deleted order is no longer named by the lead it was confirmed from (single and bulk)', async () => {
    const a = await tenant(t.db);
    const created = await call(a, 'POST', '/leads', { leads: [lead(1, { address: '1 Rue Atlas' }), lead(2, { address: '2 Rue Atlas' })] });
    assert.equal(created.statusCode, 201, created.body);
    const bulk = await call(a, 'PATCH', '/leads', {
      leads: [
        { reference: 'LD-00001', status: 'confirmed' },
        { reference: 'LD-00002', status: 'confirmed' },
      ],
    });
    assert.equal(bulk.statusCode, 200, bulk.body);
    const orderOf = async (ref: string) => (await call(a, 'GET', `/leads/${ref}`)).json().data.order_reference;
    const [o1, o2] = [await orderOf('LD-00001'), await orderOf('LD-00002')];
    assert.ok(o1 && o2);
    const before = (await call(a, 'GET', '/leads/LD-00001')).json().data.updated_at;
    await setStatus(a, o2, 'canceled');
    expectJson(await call(a, 'DELETE', `/orders/${o1}`), 200, { message: 'Order deleted successfully.' });
    expectJson(await call(a, 'DELETE', '/orders', { references: [o2] }), 200, {
      message: 'Orders deleted successfully.',
      data: { count: 1 },
    });
    const leads = (await call(a, 'GET', '/leads')).json().data as { reference: string; status: string; order_reference: string | null }[];
    assert.deepEqual(
      leads.map((l) => [l.reference, l.status, l.order_reference]),
      [
        ['LD-00002', 'confirmed', null],
        ['LD-00001', 'confirmed', null],
      ],
    );
    // Sync clients read updated_at: the lead changed.
    assert.ok((await call(a, 'GET', '/leads/LD-00001')).json().data.updated_at >= before);
    // The order's row, kept for audit, still names its lead.
    const { rows } = await t.db.query<{ lead_id: string | null }>('SELECT lead_id FROM orders WHERE account_id = $1 AND reference = $2', [
      a.accountId,
      o1,
    ]);
    assert.ok(rows[0].lead_id);
  });

  test('bulk: the body itself', async () => {
    const a = await tenant(t.db);
    invalid(await call(a, 'DELETE', '/orders', {}), { references: ['The references field is required.'] });
    invalid(await call(a, 'DELETE', '/orders'), { references: ['The references field is required.'] });
    invalid(await call(a, 'DELETE', '/orders', { references: 'ORD-00001' }), { references: ['The references field must be an array.'] });
    invalid(await call(a, 'DELETE', '/orders', { references: [] }), { references: ['The references field is required.'] });
    invalid(await call(a, 'DELETE', '/orders', { references: [5] }), { 'references.0': ['The references.0 field must be a string.'] });
    const over = Array.from({ length: 1001 }, (_, i) => `ORD-X${i}`);
    invalid(await call(a, 'DELETE', '/orders', { references: over }), {
      references: ['The references field must not have more than 1000 items.'],
      ...Object.fromEntries(over.map((_, i) => [`references.${i}`, [`The selected references.${i} is invalid.`]])),
    });
  });
});

describe('GET /order-histories', () => {
  test('newest first, filtered by reference and dates, paginated, with the exact item shape', async () => {
    const a = await tenant(t.db);
    const [r1, r2] = await createOrders(a, [order(1), order(2)]);
    assert.equal((await call(a, 'PATCH', `/orders/${r1}`, { status: 'canceled', comment: 'no stock' })).statusCode, 200);

    const res = await call(a, 'GET', '/order-histories');
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.deepEqual(body.meta, { current_page: 1, per_page: 50, total: 3, last_page: 1 });
    for (const h of body.data) {
      assert.deepEqual(Object.keys(h).sort(), ['changed_at', 'changed_by', 'comment', 'new_status', 'old_status', 'order_reference']);
      assert.match(h.changed_at, ISO);
    }
    assert.deepEqual(body.data[0], {
      order_reference: r1,
      old_status: 'new',
      new_status: 'canceled',
      changed_by: 'API token "Test shop"',
      changed_at: body.data[0].changed_at,
      comment: 'no stock',
    });
    assert.deepEqual(
      body.data.map((h: Record<string, unknown>) => [h.order_reference, h.old_status, h.new_status]),
      [
        [r1, 'new', 'canceled'],
        [r2, null, 'new'],
        [r1, null, 'new'],
      ],
    );
    const refs = async (query: string) => {
      const r = await call(a, 'GET', `/order-histories?${query}`);
      assert.equal(r.statusCode, 200, r.body);
      return r.json().data.map((h: Record<string, unknown>) => `${h.order_reference}:${h.new_status}`);
    };
    assert.deepEqual(await refs(`reference=${r2}`), [`${r2}:new`]);
    assert.deepEqual(await refs('reference=ORD-99999'), []);
    const today = new Date().toISOString().slice(0, 10);
    assert.deepEqual(await refs(`from=${today}&to=${today}`), [`${r1}:canceled`, `${r2}:new`, `${r1}:new`]);
    assert.deepEqual(await refs('to=2000-01-01'), []);
    assert.deepEqual(await refs('from=2999-12-31'), []);
    const p = await call(a, 'GET', '/order-histories?per_page=1&page=3');
    assert.deepEqual(p.json().meta, { current_page: 3, per_page: 1, total: 3, last_page: 3 });
    assert.deepEqual(
      p.json().data.map((h: Record<string, unknown>) => h.order_reference),
      [r1],
    );
    invalid(await call(a, 'GET', '/order-histories?from=soon&per_page=0'), {
      per_page: ['The per page field must be at least 1.'],
      from: ['The from field must be a valid date.'],
    });
  });
});
