import { test } from 'node:test';
import assert from 'node:assert/strict';
import { order, tenant, sharedTestApp, type TestApp } from '../../test-support/harness.js';
import { person } from '../../test-support/people.js';
import { login } from '../../test-support/session.js';
import { decrementStock, incrementStock } from '../stocks/service.js';
import { productId, staff, stock, SYSTEM_TEST, warehouse } from '../stocks/test-fixtures.js';
import { notify } from './service.js';

const API = '/api/web/1.0';

let t: TestApp;
sharedTestApp((app) => (t = app), { API_RATE_LIMIT_PER_MINUTE: '1000000' });

async function notificationsOf(userId: string) {
  const { rows } = await t.db.query<{ kind: string; title: string; message: string; link: string; account_id: string }>(
    'SELECT kind, title, message, link, account_id FROM notifications WHERE user_id = $1 ORDER BY id',
    [userId],
  );
  return rows;
}

const bellOf = (html: string) => /<a href="\/notifications" class="bell" aria-label="([^"]+)"/.exec(html)?.[1];

test('low stock: an order reservation crossing the warning notifies the warehouse stock managers and the seller, once while below', async () => {
  const a = await tenant(t.db);
  const teammate = await person(t.db, 'seller', { accountId: a.accountId });
  const w = await warehouse(t.db);
  const elsewhere = await warehouse(t.db);
  const manager = await staff(t.db, 'stock-manager', [w]);
  const otherManager = await staff(t.db, 'stock-manager', [elsewhere]);
  const other = await tenant(t.db);
  const p1 = await productId(t.db, a.accountId, 'P1');
  const s = await stock(t.db, p1, w, { quantity: 10, warning: 5 });
  const create = async (quantity: number, i: number) => {
    const res = await t.app.inject({
      method: 'POST',
      url: `${API}/orders`,
      headers: a.auth,
      payload: { orders: [order(i, { total: 199 * quantity, products: [{ sku: 'P1', quantity, price: 199 }] })] },
    });
    assert.equal(res.statusCode, 201, res.body);
  };

  await create(2, 1); // available 8
  await create(2, 2); // 6
  assert.deepEqual(await notificationsOf(a.userId), []);
  await create(2, 3); // 4 ≤ 5: crossing
  const expected = {
    kind: 'low_stock',
    title: 'Low stock: Argan Oil 100ml (P1)',
    message:
      (await t.db.query<{ name: string }>('SELECT name FROM warehouses WHERE id = $1', [w])).rows[0].name + ': 4 available, warning at 5.',
    link: `/stocks/${s}/show`,
    account_id: a.accountId,
  };
  for (const who of [a.userId, teammate.id, manager.id]) assert.deepEqual(await notificationsOf(who), [expected], who);
  assert.deepEqual(await notificationsOf(otherManager.id), []);
  assert.deepEqual(await notificationsOf(other.userId), []);

  // Still below: more reservations and a decrement by hand notify nobody.
  await create(2, 4); // 2
  await t.db.tx((q) => decrementStock(q, SYSTEM_TEST, s, 1, 'Broken')); // 1
  assert.equal((await notificationsOf(a.userId)).length, 1);

  // Back above, then down again: a second notification.
  await t.db.tx((q) => incrementStock(q, SYSTEM_TEST, s, 20, 'Delivery')); // 21
  await create(8, 5); // 13
  assert.equal((await notificationsOf(manager.id)).length, 1);
  await create(8, 6); // 5 ≤ 5
  const again = await notificationsOf(manager.id);
  assert.equal(again.length, 2);
  assert.match(again[1].message, /: 5 available, warning at 5\.$/);

  // An order that cannot be served (waiting for stock) reserves nothing and notifies nobody.
  await create(50, 7);
  assert.equal((await notificationsOf(manager.id)).length, 2);
});

test('the bell counts unread notifications on every page; /notifications lists them and marks them read', async () => {
  const a = await tenant(t.db);
  const other = await person(t.db, 'seller');
  await notify(t.db, [
    { userId: a.userId, kind: 'test', title: 'First thing', message: 'One', link: '/orders', accountId: a.accountId },
    { userId: a.userId, kind: 'test', title: 'Second <thing>', message: 'Two' },
    { userId: other.id, kind: 'test', title: 'Not yours' },
  ]);
  const s = await login(t.app, a.email);
  assert.equal(bellOf((await s.get('/orders')).body), 'Notifications, 2 unread');
  assert.match((await s.get('/')).body, /class="bell-count" aria-hidden="true">2</);

  const page = await s.get('/notifications');
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<li class="unread" data-kind="test"><strong>Second &lt;thing><\/strong><div>Two<\/div>/);
  assert.match(page.body, /<a href="\/orders">First thing<\/a>/);
  assert.doesNotMatch(page.body, /Not yours/);
  assert.equal(bellOf(page.body), 'Notifications');
  assert.equal(bellOf((await s.get('/orders')).body), 'Notifications');

  const json = await s.json('GET', '/notifications');
  assert.equal(json.statusCode, 200);
  const body = json.json() as { data: { title: string; read_at: string | null; link: string | null }[]; meta: unknown };
  assert.deepEqual(
    body.data.map((n) => [n.title, n.link, typeof n.read_at]),
    [
      ['Second <thing>', null, 'string'],
      ['First thing', '/orders', 'string'],
    ],
  );
  assert.deepEqual(body.meta, { current_page: 1, per_page: 25, total: 2, last_page: 1 });

  // JSON opens them too: the other user's come back unread once, then read.
  const o = await login(t.app, other.email);
  assert.equal((await o.json('GET', '/notifications')).json().data[0].read_at, null);
  assert.equal(typeof (await o.json('GET', '/notifications')).json().data[0].read_at, 'string');
  assert.equal((await t.app.inject({ method: 'GET', url: '/notifications' })).statusCode, 302);
});
