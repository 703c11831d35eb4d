import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { HttpError } from '../../http/errors.js';
import { transitionOrders } from '../orders/lifecycle.js';
import { order, tenant, testApp, usingPostgres, type Tenant, type TestApp } from '../../test-support/harness.js';
import { incrementStock, updateStock } from './service.js';
import { findStock } from './queries.js';
import type { WebUser } from '../../web/types.js';
import { agent, login, type Agent } from '../../test-support/session.js';
import { brokenInvariants, productId, staff, stock, warehouse } from './test-fixtures.js';

const API = '/api/web/1.0';
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const STOCK_KEYS = ['id', 'product_id', 'warehouse_id', 'quantity', 'reserved', 'warning_quantity', 'status'];
const HISTORY_KEYS = [
  'id',
  'stock_id',
  'reason',
  'change',
  'reserved_change',
  'quantity_after',
  'reserved_after',
  'order_id',
  'order_reference',
  'comment',
  'changed_by',
  'impersonated_by',
  'created_at',
];

let t: TestApp;
let admin: Awaited<ReturnType<typeof staff>>;
let adminAgent: Agent;
before(async () => {
  t = await testApp({ API_RATE_LIMIT_PER_MINUTE: '100000' });
  admin = await staff(t.db, 'admin');
  adminAgent = await login(t.app, admin.email);
});
after(async () => {
  await t.close();
});

function expect422(res: LightMyRequestResponse, errors: Record<string, string[]>) {
  assert.equal(res.statusCode, 422, res.body);
  assert.deepEqual(res.json(), { message: 'The given data was invalid.', errors });
  assert.deepEqual(Object.keys(res.json().errors), Object.keys(errors), 'error keys in request order');
}

async function createOrder(a: Tenant, products: { sku: string; quantity: number }[]) {
  const res = await t.app.inject({
    method: 'POST',
    url: `${API}/orders`,
    headers: a.auth,
    payload: { orders: [order(1, { products: products.map((p) => ({ ...p, price: 100 })) })] },
  });
  assert.equal(res.statusCode, 201, res.body);
  const reference = res.json().data.references[0] as string;
  const { rows } = await t.db.query<{ id: string }>('SELECT id FROM orders WHERE account_id = $1 AND reference = $2', [
    a.accountId,
    reference,
  ]);
  return { id: rows[0].id, reference };
}

async function orderState(id: string) {
  const { rows } = await t.db.query<{ status: string; waiting: boolean; stocks: (string | null)[] }>(
    `SELECT o.status, o.waiting_for_stock AS waiting, array_agg(ol.stock_id ORDER BY ol.position) AS stocks
       FROM orders o JOIN order_lines ol ON ol.order_id = o.id WHERE o.id = $1 GROUP BY o.id`,
    [id],
  );
  return rows[0];
}

async function stockRow(id: string) {
  const { rows } = await t.db.query<{ quantity: number; reserved: number; histories: number }>(
    'SELECT quantity, reserved, (SELECT count(*)::int FROM stock_histories WHERE stock_id = $1) AS histories FROM stocks WHERE id = $1',
    [id],
  );
  return rows[0];
}

const ship = (a: Tenant, id: string, tracking = 'TRK-1') =>
  t.db.tx((q) =>
    transitionOrders(q, admin.actor, a.accountId, [{ id, from: 'new', to: 'shipped', comment: null, trackingNumber: tracking }]),
  );

describe('stock JSON and forms', () => {
  test('create, show, list, update and increment answer the exact JSON of dashboard.md', async () => {
    const a = await tenant(t.db);
    const p1 = await productId(t.db, a.accountId, 'P1');
    const w1 = await warehouse(t.db);

    const created = await adminAgent.json('POST', '/stocks/store', { product_id: p1, warehouse_id: w1, warning_quantity: 5, quantity: 99 });
    assert.equal(created.statusCode, 201, created.body);
    const data = created.json().data;
    assert.deepEqual(Object.keys(created.json()), ['data']);
    assert.deepEqual(Object.keys(data), STOCK_KEYS);
    assert.match(data.id, ULID);
    assert.deepEqual(data, {
      id: data.id,
      product_id: p1,
      warehouse_id: w1,
      quantity: 0,
      reserved: 0,
      warning_quantity: 5,
      status: 'active',
    });

    const inc = await adminAgent.json('PUT', `/stocks/${data.id}/increment`, { quantity: 12, comment: 'First delivery' });
    assert.equal(inc.statusCode, 200, inc.body);
    assert.deepEqual(inc.json(), { data: { ...data, quantity: 12 } });
    const dec = await adminAgent.json('PUT', `/stocks/${data.id}/decrement`, { quantity: '2' });
    assert.equal(dec.statusCode, 200, dec.body);
    assert.deepEqual(dec.json(), { data: { ...data, quantity: 10 } });

    const shown = await adminAgent.json('GET', `/stocks/${data.id}/show`);
    assert.equal(shown.statusCode, 200, shown.body);
    const body = shown.json().data;
    assert.deepEqual(Object.keys(body), [...STOCK_KEYS, 'histories']);
    assert.equal(body.histories.length, 2);
    for (const h of body.histories) assert.deepEqual(Object.keys(h), HISTORY_KEYS);
    assert.deepEqual(
      body.histories.map((h: Record<string, unknown>) => [
        h.reason,
        h.change,
        h.reserved_change,
        h.quantity_after,
        h.reserved_after,
        h.comment,
        h.changed_by,
      ]),
      [
        ['decrement', -2, 0, 10, 0, null, 'Test admin'],
        ['increment', 12, 0, 12, 0, 'First delivery', 'Test admin'],
      ],
    );
    assert.match(body.histories[0].created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

    const list = await adminAgent.json('GET', `/stocks?product_id=${p1}`);
    assert.equal(list.statusCode, 200, list.body);
    assert.deepEqual(list.json(), { data: [{ ...data, quantity: 10 }], meta: { current_page: 1, per_page: 25, total: 1, last_page: 1 } });

    // Edit never touches the quantity; the pair may not be changed once the stock moved.
    const edited = await adminAgent.json('PUT', `/stocks/${data.id}/update`, {
      warning_quantity: 3,
      status: 'inactive',
      quantity: 500,
      reserved: 4,
    });
    assert.equal(edited.statusCode, 200, edited.body);
    assert.deepEqual(edited.json(), { data: { ...data, quantity: 10, warning_quantity: 3, status: 'inactive' } });
    const w2 = await warehouse(t.db);
    expect422(await adminAgent.json('PATCH', `/stocks/${data.id}/update`, { warehouse_id: w2 }), {
      warehouse_id: ['The warehouse of a stock that has already moved cannot be changed.'],
    });

    const histories = await adminAgent.json('GET', `/stocks-histories?stock_id=${data.id}`);
    assert.equal(histories.statusCode, 200);
    assert.deepEqual(
      histories.json().data.map((h: { reason: string }) => h.reason),
      ['decrement', 'increment'],
    );
    assert.deepEqual(histories.json().meta, { current_page: 1, per_page: 25, total: 2, last_page: 1 });
  });

  test('create refuses a second stock of a pair, unknown ids and bad numbers; a stock that never moved can be corrected', async () => {
    const a = await tenant(t.db);
    const p1 = await productId(t.db, a.accountId, 'P1');
    const [w1, w2] = [await warehouse(t.db), await warehouse(t.db)];
    const first = await adminAgent.json('POST', '/stocks/store', { product_id: p1, warehouse_id: w1 });
    assert.equal(first.statusCode, 201, first.body);
    assert.equal(first.json().data.warning_quantity, 0);
    expect422(await adminAgent.json('POST', '/stocks/store', { product_id: p1, warehouse_id: w1 }), {
      product_id: ['The product already has a stock in this warehouse.'],
    });
    expect422(await adminAgent.json('POST', '/stocks/store', {}), {
      product_id: ['The product id field is required.'],
      warehouse_id: ['The warehouse id field is required.'],
    });
    expect422(
      await adminAgent.json('POST', '/stocks/store', { product_id: 'nope', warehouse_id: 'nope', warning_quantity: -1, status: 'gone' }),
      // The database's checks answer with the shape's, in one 422 (api-v1.md).
      {
        product_id: ['The selected product id is invalid.'],
        warehouse_id: ['The selected warehouse id is invalid.'],
        warning_quantity: ['The warning quantity field must be at least 0.'],
        status: ['The selected status is invalid.'],
      },
    );
    expect422(await adminAgent.json('POST', '/stocks/store', { product_id: 'nope', warehouse_id: ['x'], warning_quantity: -1 }), {
      product_id: ['The selected product id is invalid.'],
      warehouse_id: ['The warehouse id field must be a string.'],
      warning_quantity: ['The warning quantity field must be at least 0.'],
    });
    expect422(await adminAgent.json('POST', '/stocks/store', { product_id: p1, warehouse_id: w1, warning_quantity: -1 }), {
      product_id: ['The product already has a stock in this warehouse.'],
      warning_quantity: ['The warning quantity field must be at least 0.'],
    });
    expect422(await adminAgent.json('POST', '/stocks/store', { product_id: 'nope', warehouse_id: 'nope' }), {
      product_id: ['The selected product id is invalid.'],
      warehouse_id: ['The selected warehouse id is invalid.'],
    });
    // Never moved: the warehouse can still be corrected, but not onto a pair that exists.
    const id = first.json().data.id;
    const moved = await adminAgent.json('PUT', `/stocks/${id}/update`, { warehouse_id: w2 });
    assert.equal(moved.statusCode, 200, moved.body);
    assert.equal(moved.json().data.warehouse_id, w2);
    const again = await adminAgent.json('POST', '/stocks/store', { product_id: p1, warehouse_id: w1 });
    assert.equal(again.statusCode, 201);
    expect422(await adminAgent.json('PUT', `/stocks/${id}/update`, { warehouse_id: w1 }), {
      product_id: ['The product already has a stock in this warehouse.'],
    });
    expect422(await adminAgent.json('PUT', `/stocks/${id}/update`, { warning_quantity: '' }), {
      warning_quantity: ['The warning quantity field is required.'],
    });
    expect422(await adminAgent.json('PUT', `/stocks/${id}/update`, { product_id: 'nope', warehouse_id: 'nope', status: 'gone' }), {
      product_id: ['The selected product id is invalid.'],
      warehouse_id: ['The selected warehouse id is invalid.'],
      status: ['The selected status is invalid.'],
    });
    expect422(await adminAgent.json('PUT', `/stocks/${id}/increment`, { quantity: 0 }), {
      quantity: ['The quantity field must be at least 1.'],
    });
    expect422(await adminAgent.json('PUT', `/stocks/${id}/increment`, { quantity: 1.5 }), {
      quantity: ['The quantity field must be an integer.'],
    });
    expect422(await adminAgent.json('PUT', `/stocks/${id}/decrement`, {}), { quantity: ['The quantity field is required.'] });
  });

  // PostgreSQL only: the embedded database runs one statement at a time, so nothing can commit in between.
  test(
    'a product or warehouse correction is refused when the stock moved after the edit page read it',
    { skip: !usingPostgres },
    async () => {
      const a = await tenant(t.db);
      const [p1, p2] = [await productId(t.db, a.accountId, 'P1'), await productId(t.db, a.accountId, 'P2')];
      const [w1, w2] = [await warehouse(t.db), await warehouse(t.db)];
      const id = (await adminAgent.json('POST', '/stocks/store', { product_id: p1, warehouse_id: w1 })).json().data.id;
      for (const correction of [{ product_id: p2 }, { warehouse_id: w2 }]) {
        // An increment holds the stock's lock while the correction arrives (it read the stock as never moved), then commits.
        const { answer } = await t.db.tx(async (q) => {
          await incrementStock(q, admin.actor, id, 5, null);
          const pid = (await q.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
          const answer = adminAgent.json('PUT', `/stocks/${id}/update`, correction);
          for (let waiting = 0; waiting === 0; await new Promise((r) => setTimeout(r, 10)))
            waiting = (
              await t.db.query(
                `SELECT 1 FROM pg_locks w JOIN pg_locks h ON h.locktype = 'advisory' AND h.classid = w.classid AND h.objid = w.objid
                WHERE w.locktype = 'advisory' AND NOT w.granted AND h.granted AND h.pid = $1`,
                [pid],
              )
            ).rowCount;
          return { answer };
        });
        const field = Object.keys(correction)[0];
        const noun = field === 'product_id' ? 'product' : 'warehouse';
        expect422(await answer, { [field]: [`The ${noun} of a stock that has already moved cannot be changed.`] });
      }
      const { rows } = await t.db.query('SELECT product_id, warehouse_id, quantity FROM stocks WHERE id = $1', [id]);
      assert.deepEqual(rows[0], { product_id: p1, warehouse_id: w1, quantity: 10 });
    },
  );

  test('an edit read before another admin saved the other field keeps that save (only changed fields are written)', async () => {
    const a = await tenant(t.db);
    const id = await stock(t.db, await productId(t.db, a.accountId, 'P1'), await warehouse(t.db), { warning: 2 });
    const user = { ...admin.actor, kind: 'user', id: admin.id, role: 'admin', account_id: null } as WebUser;
    const stale = (await findStock(t.db, user, id))!;
    const first = await adminAgent.json('PUT', `/stocks/${id}/update`, { warning_quantity: 7 });
    assert.equal(first.statusCode, 200, first.body);
    // The second admin's page still shows a warning quantity of 2 and changes only the status.
    const changes = await t.db.tx((q) => updateStock(q, user, admin.actor, stale, { warning_quantity: 2, status: 'inactive' }));
    assert.deepEqual(changes, { status: ['active', 'inactive'] });
    const { rows } = await t.db.query('SELECT warning_quantity, status FROM stocks WHERE id = $1', [id]);
    assert.deepEqual(rows[0], { warning_quantity: 7, status: 'inactive' });
  });

  test('an HTML form adds stock through PUT /stocks/{id}/increment and lands back on the stock with a message', async () => {
    const a = await tenant(t.db);
    const s = await stock(t.db, await productId(t.db, a.accountId, 'P1'), await warehouse(t.db), { warning: 4 });
    const page = await adminAgent.get(`/stocks/${s}/show`);
    assert.equal(page.statusCode, 200);
    for (const label of ['>Quantity<', '>Comment<', 'Add to stock', 'Remove from stock', 'Low stock'])
      assert.ok(page.body.includes(label), label);
    assert.ok(page.body.includes(`formaction="/stocks/${s}/decrement"`));
    const res = await adminAgent.form(`/stocks/${s}/increment`, { quantity: '7', comment: 'Container 12' }, { method: 'PUT' });
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, `/stocks/${s}/show`);
    const after = await adminAgent.follow(res);
    assert.ok(after.body.includes('Added 7 to the stock.'));
    assert.ok(after.body.includes('Container 12'));
    assert.ok(!after.body.includes('Low stock'), 'no longer low');
    assert.equal((await stockRow(s)).quantity, 7);
    // Back under its warning quantity: the low-stock warning beside the flash, the page's one status still the flash.
    const dec = await adminAgent.form(`/stocks/${s}/decrement`, { quantity: '5', comment: 'Sold' }, { method: 'PUT' });
    const low = (await adminAgent.follow(dec)).body;
    assert.ok(low.includes('Low stock'));
    assert.equal(low.match(/role="status"/g)?.length, 1);
  });

  test('pages render for the admin: list with low-stock rows, create, edit, histories; nav entries', async () => {
    const a = await tenant(t.db);
    const p1 = await productId(t.db, a.accountId, 'P1');
    const w = await warehouse(t.db, `Rabat ${Date.now()}`);
    const low = await stock(t.db, p1, w, { quantity: 2, warning: 5 });
    const list = await adminAgent.get(`/stocks?warehouse_id=${w}`);
    assert.equal(list.statusCode, 200);
    assert.ok(list.body.includes('class="low-stock"'));
    assert.ok(list.body.includes('href="/stocks"') && list.body.includes('href="/stocks-histories"'), 'nav entries');
    assert.ok(list.body.includes(`/stocks/${low}/show`));
    const lowOnly = await adminAgent.json('GET', `/stocks?low_stock=1&warehouse_id=${w}`);
    assert.deepEqual(
      lowOnly.json().data.map((s: { id: string }) => s.id),
      [low],
    );
    const search = await adminAgent.json('GET', `/stocks?search=argan&warehouse_id=${w}`);
    assert.equal(search.json().data.length, 1);
    const create = await adminAgent.get('/stocks/create');
    assert.equal(create.statusCode, 200);
    for (const label of ['>Product<', '>Warehouse<', '>Warning quantity<', '>Status<']) assert.ok(create.body.includes(label), label);
    const edit = await adminAgent.get(`/stocks/${low}/edit`);
    assert.equal(edit.statusCode, 200);
    assert.ok(edit.body.includes('>Warning quantity<'));
    assert.ok(!edit.body.includes('name="quantity"'), 'the quantity is never edited');
    const histories = await adminAgent.get(`/stocks-histories?stock_id=${low}`);
    assert.equal(histories.statusCode, 200);
    assert.ok(histories.body.includes('Opening stock'));
    // Its "Date" column sorts (dashboard.md: lists have sortable columns); a stock's own page does not offer it.
    assert.match(histories.body, /<a [^>]*href="[^"]*sort=created_at[^"]*"[^>]*>Date/);
    assert.doesNotMatch((await adminAgent.get(`/stocks/${low}/show`)).body, /sort=created_at/);
    // Past the end, the history is not empty: the filters (the page) match nothing.
    const past = await adminAgent.get(`/stocks-histories?stock_id=${low}&page=999`);
    assert.ok(past.body.includes('No movement matches these filters.'));
    assert.ok(!past.body.includes('No movement yet.'));
  });
});

describe('the stock rule through the pages and the API', () => {
  test('an order with no stock waits, cannot ship, is reserved when stock comes in, then ships', async () => {
    const a = await tenant(t.db);
    const p1 = await productId(t.db, a.accountId, 'P1');
    const o = await createOrder(a, [{ sku: 'P1', quantity: 2 }]);
    assert.deepEqual(await orderState(o.id), { status: 'new', waiting: true, stocks: [null] });

    await assert.rejects(ship(a, o.id), (err: unknown) => {
      assert.ok(err instanceof HttpError);
      assert.equal(err.statusCode, 422);
      assert.deepEqual(err.errors, {
        status: [`The order ${o.reference} is waiting for stock and cannot be shipped until its products are reserved.`],
      });
      return true;
    });
    assert.equal((await orderState(o.id)).status, 'new', 'nothing written');

    const created = await adminAgent.json('POST', '/stocks/store', { product_id: p1, warehouse_id: await warehouse(t.db) });
    const s = created.json().data.id as string;
    await adminAgent.json('PUT', `/stocks/${s}/increment`, { quantity: 1 });
    assert.equal((await orderState(o.id)).waiting, true, 'one is not enough for a line of two');
    const res = await adminAgent.form(`/stocks/${s}/increment`, { quantity: 3 }, { method: 'PUT' });
    assert.ok((await adminAgent.follow(res)).body.includes('Added 3 to the stock. 1 waiting order is now reserved.'));
    assert.deepEqual(await orderState(o.id), { status: 'new', waiting: false, stocks: [s] });
    assert.deepEqual(await stockRow(s), { quantity: 4, reserved: 2, histories: 3 });

    await ship(a, o.id);
    assert.deepEqual(await stockRow(s), { quantity: 2, reserved: 0, histories: 4 });
    const shown = (await adminAgent.json('GET', `/stocks/${s}/show`)).json().data;
    assert.deepEqual(
      shown.histories.map((h: Record<string, unknown>) => [h.reason, h.change, h.reserved_change, h.order_reference]),
      [
        ['ship', -2, -2, o.reference],
        ['reserve', 0, 2, o.reference],
        ['increment', 3, 0, null],
        ['increment', 1, 0, null],
      ],
    );
    assert.deepEqual(await brokenInvariants(t.db, a.accountId), []);
  });

  test('a line reserves from the stock with the most available; cancel releases, return restocks, renew reserves again', async () => {
    const a = await tenant(t.db);
    const p1 = await productId(t.db, a.accountId, 'P1');
    const small = await stock(t.db, p1, await warehouse(t.db), { quantity: 3 });
    const big = await stock(t.db, p1, await warehouse(t.db), { quantity: 5 });
    const o1 = await createOrder(a, [{ sku: 'P1', quantity: 2 }]);
    assert.deepEqual((await orderState(o1.id)).stocks, [big]);
    const o2 = await createOrder(a, [{ sku: 'P1', quantity: 3 }]);
    assert.deepEqual((await orderState(o2.id)).stocks, [small], 'both have 3 available: the oldest stock');
    const o3 = await createOrder(a, [{ sku: 'P1', quantity: 4 }]);
    assert.equal((await orderState(o3.id)).waiting, true, 'no single stock has 4');

    const cancel = await t.app.inject({
      method: 'PATCH',
      url: `${API}/orders/${o2.reference}`,
      headers: a.auth,
      payload: { status: 'canceled' },
    });
    assert.equal(cancel.statusCode, 200, cancel.body);
    assert.deepEqual(await stockRow(small), { quantity: 3, reserved: 0, histories: 3 });
    assert.equal((await orderState(o3.id)).waiting, true, 'still no single stock with 4');

    await ship(a, o1.id);
    assert.deepEqual(await stockRow(big), { quantity: 3, reserved: 0, histories: 3 });
    await t.db.tx((q) =>
      transitionOrders(q, admin.actor, a.accountId, [{ id: o1.id, from: 'shipped', to: 'returned', comment: 'refused' }]),
    );
    assert.deepEqual(
      await stockRow(big),
      { quantity: 5, reserved: 4, histories: 5 },
      'the goods came back, and the waiting order of 4 took them',
    );
    assert.deepEqual(await orderState(o3.id), { status: 'new', waiting: false, stocks: [big] });

    const renew = await t.app.inject({
      method: 'PATCH',
      url: `${API}/orders/${o1.reference}`,
      headers: a.auth,
      payload: { status: 'new' },
    });
    assert.equal(renew.statusCode, 200, renew.body);
    assert.deepEqual(await orderState(o1.id), { status: 'new', waiting: false, stocks: [small] });
    assert.deepEqual(await brokenInvariants(t.db, a.accountId), []);

    // Deleting a new order releases what it held.
    const del = await t.app.inject({ method: 'DELETE', url: `${API}/orders/${o1.reference}`, headers: a.auth });
    assert.equal(del.statusCode, 200, del.body);
    assert.equal((await stockRow(small)).reserved, 0);
    assert.deepEqual(await brokenInvariants(t.db, a.accountId), []);
  });

  test('a decrement below the reserved quantity is refused and changes nothing', async () => {
    const a = await tenant(t.db);
    const s = await stock(t.db, await productId(t.db, a.accountId, 'P1'), await warehouse(t.db), { quantity: 5 });
    await createOrder(a, [{ sku: 'P1', quantity: 3 }]);
    const before = await stockRow(s);
    assert.deepEqual(before, { quantity: 5, reserved: 3, histories: 2 });
    const message = 'The quantity must not be greater than 2: the stock holds 5, of which 3 are reserved by open orders.';
    expect422(await adminAgent.json('PUT', `/stocks/${s}/decrement`, { quantity: 3, comment: 'broken' }), { quantity: [message] });
    assert.deepEqual(await stockRow(s), before);

    await adminAgent.get(`/stocks/${s}/show`);
    const res = await adminAgent.form(`/stocks/${s}/decrement`, { quantity: 3, comment: 'broken' }, { method: 'PUT' });
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, `/stocks/${s}/show`);
    const back = await adminAgent.follow(res);
    assert.ok(back.body.includes(message), 'the message next to the field');
    assert.ok(back.body.includes('broken'), 'the comment kept');
    assert.deepEqual(await stockRow(s), before);

    const ok = await adminAgent.json('PUT', `/stocks/${s}/decrement`, { quantity: 2 });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(await stockRow(s), { quantity: 3, reserved: 3, histories: 3 });
    expect422(await adminAgent.json('PUT', `/stocks/${s}/decrement`, { quantity: 1 }), {
      quantity: ['The quantity must not be greater than 0: the stock holds 3, of which 3 are reserved by open orders.'],
    });
  });

  test('bulk delete refuses stocks with reservations, deletes the others, and the pair can be created again', async () => {
    const a = await tenant(t.db);
    const p1 = await productId(t.db, a.accountId, 'P1');
    const p2 = await productId(t.db, a.accountId, 'P2');
    const w = await warehouse(t.db);
    const held = await stock(t.db, p1, w, { quantity: 2 });
    const free = await stock(t.db, p2, w, { quantity: 0 });
    await createOrder(a, [{ sku: 'P1', quantity: 1 }]);
    const name = (await t.db.query<{ name: string }>('SELECT name FROM warehouses WHERE id = $1', [w])).rows[0].name;
    // All or nothing: the free stock stays too.
    expect422(await adminAgent.json('DELETE', '/stocks/delete', { ids: [free, held, 'nope'] }), {
      ids: [`The stock of Argan Oil 100ml in ${name} has 1 reserved by open orders and cannot be deleted. Nothing was deleted.`],
    });
    assert.equal((await adminAgent.json('GET', `/stocks/${free}/show`)).statusCode, 200);
    expect422(await adminAgent.json('DELETE', '/stocks/delete', { ids: [held] }), {
      ids: ['This stock has 1 reserved by open orders and cannot be deleted.'],
    });
    assert.equal((await adminAgent.json('DELETE', '/stocks/delete', { ids: ['nope'] })).statusCode, 404);
    // Goods on the shelf, nothing reserved: they would leave the lists (catalog audit: deleted, and a new stock of the pair started at 0).
    const stocked = await stock(t.db, p1, await warehouse(t.db), { quantity: 7 });
    expect422(await adminAgent.json('DELETE', '/stocks/delete', { ids: [stocked] }), {
      ids: ['This stock has 7 in stock and cannot be deleted: decrement it to 0 first.'],
    });
    assert.equal((await adminAgent.json('GET', `/stocks/${stocked}/show`)).statusCode, 200);
    // A plain POST deletes as DELETE does, as on every other resource (it was a 405).
    const res = await adminAgent.json('POST', '/stocks/delete', { ids: [free] });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { message: 'Stock deleted.' });
    assert.equal((await adminAgent.json('GET', `/stocks/${free}/show`)).statusCode, 404);
    const histories = await adminAgent.json('GET', `/stocks-histories?stock_id=${free}`);
    assert.deepEqual(histories.json().data, []);
    const again = await adminAgent.json('POST', '/stocks/store', { product_id: p2, warehouse_id: w });
    assert.equal(again.statusCode, 201, again.body);
    // The HTML form (ids[] checkboxes) goes back to the list with the reason.
    await adminAgent.get('/stocks');
    const form = await adminAgent.form('/stocks/delete', { ids: [held] }, { method: 'DELETE' });
    assert.equal(form.statusCode, 302);
    assert.ok((await adminAgent.follow(form)).body.includes('This stock has 1 reserved by open orders and cannot be deleted.'));
    // Goods shipped from a stock may come back: it stays until they are delivered or returned.
    const recreated = again.json().data.id as string;
    await adminAgent.json('PUT', `/stocks/${recreated}/increment`, { quantity: 1 });
    const o = await createOrder(a, [{ sku: 'P2', quantity: 1 }]);
    await ship(a, o.id);
    assert.deepEqual((await orderState(o.id)).stocks, [recreated]);
    const out = await adminAgent.json('DELETE', '/stocks/delete', { ids: [recreated] });
    assert.equal(out.statusCode, 422);
    assert.match(out.json().errors.ids[0], /goods out for delivery/);
  });

  test('a product whose stock is reserved or out for delivery cannot be deleted, nor one with goods in stock; deleted with empty stocks, they go with it', async () => {
    const a = await tenant(t.db);
    const p1 = await productId(t.db, a.accountId, 'P1');
    const p2 = await productId(t.db, a.accountId, 'P2');
    const w = await warehouse(t.db);
    const held = await stock(t.db, p1, w, { quantity: 10 });
    const free = await stock(t.db, p2, w, { quantity: 5 });
    const o = await createOrder(a, [{ sku: 'P1', quantity: 3 }]);
    assert.equal((await stockRow(held)).reserved, 3);
    expect422(await adminAgent.json('POST', '/products/delete', { ids: [p1] }), {
      ids: ['This product has 3 reserved by open orders and cannot be deleted.'],
    });
    // All or nothing, each one's reason.
    expect422(await adminAgent.json('DELETE', '/products/delete', { ids: [p2, p1] }), {
      ids: [
        'The product Amlou 250g has 5 in stock and cannot be deleted: decrement its stock to 0 first. ' +
          'The product Argan Oil 100ml has 3 reserved by open orders and cannot be deleted. Nothing was deleted.',
      ],
    });
    assert.equal((await adminAgent.json('GET', `/products/${p2}/show`)).statusCode, 200);
    // The page goes back to the list with the reason.
    await adminAgent.get('/products');
    const form = await adminAgent.form('/products/delete', { ids: [p1] }, { method: 'DELETE' });
    assert.equal(form.statusCode, 302);
    assert.ok((await adminAgent.follow(form)).body.includes('This product has 3 reserved by open orders and cannot be deleted.'));
    // Shipped, the goods may come back to the stock: the product stays until they are delivered or returned.
    await ship(a, o.id);
    const out = await adminAgent.json('POST', '/products/delete', { ids: [p1] });
    assert.equal(out.statusCode, 422, out.body);
    assert.deepEqual(out.json().errors.ids, [
      'This product has goods out for delivery and cannot be deleted until they are delivered or returned.',
    ]);
    assert.equal((await adminAgent.json('GET', `/stocks/${held}/show`)).statusCode, 200);

    // Goods in stock, reserved or not, stay with their product (an outside check: a lead of it confirmed
    // after its stocks went waited for stock forever).
    expect422(await adminAgent.json('POST', '/products/delete', { ids: [p2] }), {
      ids: ['This product has 5 in stock and cannot be deleted: decrement its stock to 0 first.'],
    });
    assert.equal((await adminAgent.json('PUT', `/stocks/${free}/decrement`, { quantity: 5 })).statusCode, 200);
    // An empty stock goes with its product: off the lists, not to be moved, its history with it.
    assert.equal((await adminAgent.json('POST', '/products/delete', { ids: [p2] })).statusCode, 200);
    assert.equal((await adminAgent.json('GET', `/stocks/${free}/show`)).statusCode, 404);
    assert.equal((await adminAgent.json('PUT', `/stocks/${free}/increment`, { quantity: 1 })).statusCode, 404);
    const list = await adminAgent.json('GET', `/stocks?warehouse_id=${w}`);
    assert.deepEqual(
      list.json().data.map((s: { id: string }) => s.id),
      [held],
    );
    assert.deepEqual((await adminAgent.json('GET', `/stocks-histories?stock_id=${free}`)).json().data, []);
    const page = await adminAgent.get(`/stocks-histories?warehouse_id=${w}`);
    assert.equal(page.statusCode, 200);
    assert.ok(page.body.includes('Argan Oil 100ml'), 'the other product’s history still shows');
    // The warehouse keeps the deleted stock's history, as after a stock's own delete.
    assert.ok((await t.db.query('SELECT 1 FROM stock_histories WHERE stock_id = $1', [free])).rows.length > 0);
    assert.deepEqual(await brokenInvariants(t.db, a.accountId), []);
  });
});

describe('who sees and changes which stocks', () => {
  test('a stock manager sees and changes only the stocks of their warehouses; others answer 404', async () => {
    const a = await tenant(t.db);
    const p1 = await productId(t.db, a.accountId, 'P1');
    const p2 = await productId(t.db, a.accountId, 'P2');
    const [mine, theirs] = [await warehouse(t.db), await warehouse(t.db)];
    const own = await stock(t.db, p1, mine, { quantity: 3 });
    const other = await stock(t.db, p1, theirs, { quantity: 3 });
    const sm = await staff(t.db, 'stock-manager', [mine]);
    const m = await login(t.app, sm.email);

    const list = await m.json('GET', '/stocks?per_page=100');
    assert.equal(list.statusCode, 200);
    const ids = list.json().data.map((s: { id: string }) => s.id);
    assert.ok(ids.includes(own));
    assert.ok(!ids.includes(other));
    const { rows } = await t.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM stocks WHERE warehouse_id = $1 AND deleted_at IS NULL',
      [mine],
    );
    assert.equal(list.json().meta.total, rows[0].n);

    assert.equal((await m.json('GET', `/stocks/${own}/show`)).statusCode, 200);
    assert.equal((await m.json('PUT', `/stocks/${own}/increment`, { quantity: 2 })).statusCode, 200);
    assert.equal((await m.json('PUT', `/stocks/${own}/decrement`, { quantity: 1 })).statusCode, 200);
    assert.equal((await m.json('PUT', `/stocks/${own}/update`, { warning_quantity: 2 })).statusCode, 200);
    for (const [method, url, body] of [
      ['GET', `/stocks/${other}/show`, undefined],
      ['GET', `/stocks/${other}/edit`, undefined],
      ['PUT', `/stocks/${other}/update`, { warning_quantity: 9 }],
      ['PUT', `/stocks/${other}/increment`, { quantity: 1 }],
      ['PUT', `/stocks/${other}/decrement`, { quantity: 1 }],
    ] as const) {
      const res = await m.json(method, url, body);
      assert.equal(res.statusCode, 404, `${method} ${url}`);
      assert.deepEqual(res.json(), { message: 'Resource not found.' });
    }
    assert.equal((await m.get(`/stocks/${other}/show`)).statusCode, 404);
    assert.deepEqual(await stockRow(other), { quantity: 3, reserved: 0, histories: 1 });

    expect422(await m.json('POST', '/stocks/store', { product_id: p2, warehouse_id: theirs }), {
      warehouse_id: ['The selected warehouse id is invalid.'],
    });
    assert.equal((await m.json('POST', '/stocks/store', { product_id: p2, warehouse_id: mine })).statusCode, 201);
    expect422(await m.json('PUT', `/stocks/${own}/update`, { warehouse_id: theirs }), {
      warehouse_id: ['The warehouse of a stock that has already moved cannot be changed.'],
    });
    assert.equal((await m.json('DELETE', '/stocks/delete', { ids: [own] })).statusCode, 403);

    const histories = await m.json('GET', '/stocks-histories?per_page=1000');
    const stocks = new Set(histories.json().data.map((h: { stock_id: string }) => h.stock_id));
    assert.ok(stocks.has(own));
    assert.ok(!stocks.has(other));
    const create = await m.get('/stocks/create');
    assert.ok(create.body.includes(`value="${mine}"`));
    assert.ok(!create.body.includes(`value="${theirs}"`), 'only their warehouses are offered');

    // Their home: the figures of their warehouses' stocks only (dashboard.md: the role's own view).
    const home = await m.get('/');
    assert.equal(home.statusCode, 200);
    const kpi = (label: string) => new RegExp(`kpi-label">${label}</div><div class="kpi-value">(?:<a [^>]*>)?(\\d+)`).exec(home.body)?.[1];
    const { rows: want } = await t.db.query<{
      stocks: number;
      quantity: number;
      reserved: number;
      low: number;
      moved_in: number;
      moved_out: number;
    }>(
      `SELECT count(*)::int AS stocks, sum(quantity)::int AS quantity, sum(reserved)::int AS reserved, count(*) FILTER (WHERE quantity - reserved <= warning_quantity)::int AS low,
              (SELECT coalesce(sum(change) FILTER (WHERE change > 0), 0)::int FROM stock_histories WHERE stock_id IN (SELECT id FROM stocks WHERE warehouse_id = $1)) AS moved_in,
              (SELECT coalesce(-sum(change) FILTER (WHERE change < 0), 0)::int FROM stock_histories WHERE stock_id IN (SELECT id FROM stocks WHERE warehouse_id = $1)) AS moved_out
         FROM stocks WHERE warehouse_id = $1 AND deleted_at IS NULL`,
      [mine],
    );
    const fig = want[0];
    assert.ok(fig.moved_in > 0 && fig.moved_out > 0);
    assert.deepEqual(
      ['Stocks', 'Units on hand', 'Low stock', 'Units in today', 'Units in, 30 days', 'Units out today', 'Units out, 30 days'].map((l) =>
        Number(kpi(l)),
      ),
      [fig.stocks, fig.quantity, fig.low, fig.moved_in, fig.moved_in, fig.moved_out, fig.moved_out],
    );
    assert.ok(home.body.includes(`<div class="kpi-hint">${fig.reserved} reserved for orders</div>`));
  });

  test('sellers see their own account’s stocks only and change nothing; other roles get 403', async () => {
    const a = await tenant(t.db);
    const b = await tenant(t.db);
    const w = await warehouse(t.db);
    const mine = await stock(t.db, await productId(t.db, a.accountId, 'P1'), w, { quantity: 1 });
    const theirs = await stock(t.db, await productId(t.db, b.accountId, 'P1'), w, { quantity: 1 });
    const seller = await login(t.app, a.email);
    const list = await seller.json('GET', '/stocks?per_page=1000');
    assert.deepEqual(
      list.json().data.map((s: { id: string }) => s.id),
      [mine],
    );
    assert.equal((await seller.json('GET', `/stocks/${mine}/show`)).statusCode, 200);
    assert.equal((await seller.json('GET', `/stocks/${theirs}/show`)).statusCode, 404);
    const histories = await seller.json('GET', '/stocks-histories?per_page=1000');
    assert.deepEqual([...new Set(histories.json().data.map((h: { stock_id: string }) => h.stock_id))], [mine]);
    for (const [method, url, body] of [
      ['GET', '/stocks/create', undefined],
      ['POST', '/stocks/store', { product_id: 'x', warehouse_id: w }],
      ['PUT', `/stocks/${mine}/update`, { warning_quantity: 1 }],
      ['PUT', `/stocks/${mine}/increment`, { quantity: 1 }],
      ['PUT', `/stocks/${mine}/decrement`, { quantity: 1 }],
      ['DELETE', '/stocks/delete', { ids: [mine] }],
    ] as const) {
      const res = await seller.json(method, url, body);
      assert.equal(res.statusCode, 403, `${method} ${url}`);
      assert.deepEqual(res.json(), { message: 'This action is unauthorized.' });
    }

    const manager = await login(t.app, (await staff(t.db, 'manager')).email);
    assert.equal((await manager.json('GET', `/stocks/${theirs}/show`)).statusCode, 200);
    assert.equal((await manager.json('GET', '/stocks-histories')).statusCode, 200);
    assert.equal((await manager.json('PUT', `/stocks/${theirs}/increment`, { quantity: 1 })).statusCode, 403);
    assert.equal((await manager.json('POST', '/stocks/store', {})).statusCode, 403);

    for (const role of ['agent', 'follow-up-agent', 'sourcing-agent', 'delivery'] as const) {
      const u = await login(t.app, (await staff(t.db, role)).email);
      for (const url of ['/stocks', '/stocks-histories', `/stocks/${mine}/show`]) {
        assert.equal((await u.json('GET', url)).statusCode, 403, `${role} ${url}`);
      }
      const page = await u.home();
      assert.ok(!page.body.includes('href="/stocks"'), `${role} has no Stocks entry`);
    }
    const guest = agent(t.app);
    assert.equal((await guest.json('GET', '/stocks')).statusCode, 401);
    const redirect = await guest.get('/stocks');
    assert.equal(redirect.statusCode, 302);
    assert.equal(redirect.headers.location, '/login');
  });
});

describe('stock movements made while logged in as someone (catalog audit)', () => {
  test('name both people, in the JSON and on the pages (domain.md)', async () => {
    const a = await tenant(t.db);
    const w = await warehouse(t.db);
    const s = await stock(t.db, await productId(t.db, a.accountId, 'P1'), w, { quantity: 3 });
    const manager = await staff(t.db, 'stock-manager', [w]);
    const session = await login(t.app, admin.email);
    assert.equal((await session.form(`/users/${manager.id}/impersonate`)).statusCode, 302);
    assert.equal((await session.json('PUT', `/stocks/${s}/increment`, { quantity: 1, comment: 'imp' })).statusCode, 200);
    const latest = (await adminAgent.json('GET', `/stocks-histories?stock_id=${s}`)).json().data[0];
    assert.deepEqual([latest.comment, latest.changed_by, latest.impersonated_by], ['imp', 'Test stock-manager', 'Test admin']);
    const by = 'Test stock-manager (Test admin logged in as them)';
    assert.ok((await adminAgent.get(`/stocks/${s}/show`)).body.includes(by), 'the stock page');
    assert.ok((await adminAgent.get(`/stocks-histories?stock_id=${s}`)).body.includes(by), 'the history list');
  });
});
