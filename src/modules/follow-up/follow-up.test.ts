import { test } from 'node:test';
import assert from 'node:assert/strict';
import { order, tenant, sharedTestApp, type TestApp } from '../../test-support/harness.js';
import { person } from '../../test-support/people.js';
import { login } from '../../test-support/session.js';
import { expectInvalid } from '../../test-support/expect.js';
import { brokenInvariants, productId, stock, warehouse } from '../stocks/test-fixtures.js';

const API = '/api/web/1.0';

let t: TestApp;
sharedTestApp((app) => (t = app), { API_RATE_LIMIT_PER_MINUTE: '1000000' });

interface Row {
  id: string;
  reference: string;
  account_name: string;
  phone: string;
  days: number;
  last_event: { status: string; note: string | null } | null;
}

/** A new account with stock of P1 and these orders (API bodies) created; their ids by reference. */
async function accountWithOrders(orders: unknown[]) {
  const a = await tenant(t.db);
  const s = await stock(t.db, await productId(t.db, a.accountId, 'P1'), await warehouse(t.db), { quantity: 20 });
  const res = await t.app.inject({ method: 'POST', url: `${API}/orders`, headers: a.auth, payload: { orders } });
  assert.equal(res.statusCode, 201, res.body);
  const { rows: ids } = await t.db.query<{ id: string; reference: string }>(
    'SELECT id, reference FROM orders WHERE account_id = $1 ORDER BY reference',
    [a.accountId],
  );
  return { a, s, ids };
}

test('/follow-up: shipped longer than follow_up_days and returned orders, with the last courier event; renew reserves again', async () => {
  const { a, s, ids } = await accountWithOrders([
    order(1, { full_name: 'Late Parcel' }),
    order(2, { full_name: 'Fresh Parcel' }),
    order(3, { full_name: 'Came Back' }),
  ]);
  const { rows: acc } = await t.db.query<{ name: string }>('SELECT name FROM accounts WHERE id = $1', [a.accountId]);
  const admin = await login(t.app, (await person(t.db, 'admin')).email);
  const courier = await person(t.db, 'delivery');
  for (const o of ids) {
    const r = await admin.json('PATCH', `/orders/${o.id}/status`, { status: 'shipped', delivery_user_id: courier.id });
    assert.equal(r.statusCode, 200, r.body);
  }
  // The first left 7 days ago, the second 2 days ago; the third came back.
  const backdate = (id: string, days: number) =>
    t.db.query(`UPDATE order_histories SET created_at = now() - make_interval(days => $2) WHERE order_id = $1 AND new_status = 'shipped'`, [
      id,
      days,
    ]);
  await backdate(ids[0].id, 7);
  await backdate(ids[1].id, 2);
  await t.db.query(
    `INSERT INTO order_events (order_id, at, status, note) VALUES ($1, now() - interval '3 days', 'out_for_delivery', NULL),
                    ($1, now() - interval '1 day', 'no_answer', 'Customer unreachable')`,
    [ids[0].id],
  );
  const agent = await login(t.app, (await person(t.db, 'follow-up-agent')).email);
  assert.equal((await agent.json('PATCH', `/orders/${ids[2].id}/status`, { status: 'returned' })).statusCode, 200);

  const mine = (rows: Row[]) => rows.filter((r) => r.account_name === acc[0].name);
  const shipped = await agent.json('GET', `/follow-up?account_id=${a.accountId}`);
  assert.equal(shipped.statusCode, 200, shipped.body);
  assert.equal(shipped.json().follow_up_days, 5);
  const late = mine(shipped.json().data);
  assert.deepEqual(
    late.map((r) => [r.reference, r.phone, r.days, r.last_event?.status, r.last_event?.note]),
    [[ids[0].reference, `06${13_000_001}`, 7, 'no_answer', 'Customer unreachable']],
  );
  const returned = mine((await agent.json('GET', `/follow-up?tier=returned&account_id=${a.accountId}`)).json().data);
  assert.deepEqual(
    returned.map((r) => r.reference),
    [ids[2].reference],
  );
  // The search box, as on the other lists (follow-up audit: `search` was read and ignored).
  const found = async (query: string) =>
    mine((await agent.json('GET', `/follow-up?account_id=${a.accountId}&${query}`)).json().data).map((r) => r.reference);
  assert.deepEqual(await found('search=late%20par'), [ids[0].reference]);
  assert.deepEqual(await found(`search=${ids[0].reference.toLowerCase()}`), [ids[0].reference]);
  assert.deepEqual(await found('search=0613000001'), [ids[0].reference]);
  assert.deepEqual(await found('search=zzzz'), []);
  assert.deepEqual(await found('tier=returned&search=came'), [ids[2].reference]);
  assert.deepEqual(await found('tier=returned&search=late'), []);
  const page = await agent.get(`/follow-up?account_id=${a.accountId}`);
  assert.match(page.body, /<input id="f-search" type="search" name="search"/);
  assert.match(page.body, new RegExp(`<a href="/orders/${ids[0].id}/show">${ids[0].reference}</a>`));
  assert.match(page.body, /<a href="tel:\+212613000001">0613000001<\/a>/);
  assert.match(page.body, /<strong>no_answer<\/strong>.* — Customer unreachable/);
  assert.doesNotMatch(page.body, /Fresh Parcel/);
  const bad = await agent.json('GET', '/follow-up?tier=lost');
  assert.equal(bad.statusCode, 422);

  // Renew from the queue: the order is new again, reserves its stock again, and leaves the queue.
  const returnedPage = await agent.get(`/follow-up?tier=returned&account_id=${a.accountId}`);
  assert.match(returnedPage.body, new RegExp(`Renew ${ids[2].reference}`));
  const renewed = await agent.form(`/follow-up/${ids[2].id}/renew`, {}, { method: 'PATCH' });
  assert.equal(renewed.statusCode, 302);
  assert.equal(renewed.headers.location, `/follow-up?tier=returned&account_id=${a.accountId}`, 'the queue as it was looked at');
  assert.match((await agent.follow(renewed)).body, new RegExp(`${ids[2].reference} is new again \\(renewed\\)\\.`));
  // A new shipment to come: the returned parcel's tracking number and company are its history's; a
  // courier's order stays theirs (docs/decisions.md).
  const { rows: after3 } = await t.db.query(
    `SELECT status, waiting_for_stock AS waiting, tracking_number, shipping_company_id, delivery_user_id FROM orders WHERE id = $1`,
    [ids[2].id],
  );
  assert.deepEqual(after3, [
    { status: 'new', waiting: false, tracking_number: null, shipping_company_id: null, delivery_user_id: courier.id },
  ]);
  assert.equal((await t.db.query<{ reserved: number }>('SELECT reserved FROM stocks WHERE id = $1', [s])).rows[0].reserved, 2);
  assert.deepEqual(mine((await agent.json('GET', `/follow-up?tier=returned&account_id=${a.accountId}`)).json().data), []);
  const again = await agent.json('PATCH', `/follow-up/${ids[0].id}/renew`, {});
  assert.deepEqual(again.json().errors, { status: ['The status cannot change from shipped to new.'] });
  assert.deepEqual(await brokenInvariants(t.db, a.accountId), []);

  // Admins set follow_up_days; agents may not. (Restored at the end: the setting is deployment-wide.)
  assert.equal((await agent.json('PATCH', '/follow-up/settings', { follow_up_days: 10 })).statusCode, 403);
  assert.deepEqual((await admin.json('PATCH', '/follow-up/settings', { follow_up_days: 0 })).json().errors, {
    follow_up_days: ['The follow up days field must be at least 1.'],
  });
  try {
    assert.equal((await admin.json('PATCH', '/follow-up/settings', { follow_up_days: 1 })).statusCode, 200);
    assert.deepEqual(
      mine((await admin.json('GET', `/follow-up?account_id=${a.accountId}`)).json().data).map((r) => r.reference),
      [ids[0].reference, ids[1].reference],
    );
  } finally {
    await t.db.query('UPDATE fulfilment_settings SET follow_up_days = 5');
  }

  for (const role of ['seller', 'delivery', 'stock-manager', 'agent'] as const) {
    const who = role === 'seller' ? await login(t.app, a.email) : await login(t.app, (await person(t.db, role)).email);
    assert.equal((await who.get(`/follow-up?account_id=${a.accountId}`)).statusCode, 403, role);
    assert.equal((await who.json('PATCH', `/follow-up/${ids[0].id}/renew`, {})).statusCode, 403, role);
  }
});

test('/follow-up pages as the other lists do: per_page (1–1000, default 25) and page, oldest first', async () => {
  const { a, ids } = await accountWithOrders([order(11), order(12), order(13)]);
  const admin = await login(t.app, (await person(t.db, 'admin')).email);
  const courier = await person(t.db, 'delivery');
  for (const [i, o] of ids.entries()) {
    assert.equal(
      (await admin.json('PATCH', `/orders/${o.id}/status`, { status: 'shipped', delivery_user_id: courier.id })).statusCode,
      200,
    );
    await t.db.query(
      `UPDATE order_histories SET created_at = now() - make_interval(days => $2) WHERE order_id = $1 AND new_status = 'shipped'`,
      [o.id, 10 - i],
    );
  }
  const agent = await login(t.app, (await person(t.db, 'follow-up-agent')).email);
  const list = async (query: string) => {
    const r = await agent.json('GET', `/follow-up?account_id=${a.accountId}${query}`);
    assert.equal(r.statusCode, 200, r.body);
    const body = r.json() as { data: Row[]; meta: unknown };
    return { refs: body.data.map((row) => row.reference), meta: body.meta };
  };
  const refs = ids.map((o) => o.reference);
  assert.deepEqual(await list('&per_page=2'), {
    refs: refs.slice(0, 2),
    meta: { current_page: 1, per_page: 2, total: 3, last_page: 2 },
  });
  assert.deepEqual(await list('&per_page=2&page=2'), {
    refs: refs.slice(2),
    meta: { current_page: 2, per_page: 2, total: 3, last_page: 2 },
  });
  assert.deepEqual(await list(''), { refs, meta: { current_page: 1, per_page: 25, total: 3, last_page: 1 } });
  const page = (await agent.get(`/follow-up?account_id=${a.accountId}&per_page=2`)).body;
  assert.match(page, /1–2 of 3/);
  assert.doesNotMatch(page, new RegExp(refs[2]));
  for (const [query, errors] of [
    ['per_page=0', { per_page: ['The per page field must be at least 1.'] }],
    [
      'per_page=1001&page=0',
      { page: ['The page field must be at least 1.'], per_page: ['The per page field must not be greater than 1000.'] },
    ],
  ] as const) {
    const bad = await agent.json('GET', `/follow-up?account_id=${a.accountId}&${query}`);
    assert.equal(bad.statusCode, 422, query);
    assert.deepEqual(bad.json().errors, errors, query);
  }
});

test('a renewed order shipped again shows no event of its earlier parcel, only its new one’s (follow-up audit)', async () => {
  const { a, ids } = await accountWithOrders([order(1, { full_name: 'Second Try' })]);
  const id = ids[0].id;
  const admin = await login(t.app, (await person(t.db, 'admin')).email);
  const agent = await login(t.app, (await person(t.db, 'follow-up-agent')).email);
  const courier = await person(t.db, 'delivery');
  const ship = async () =>
    assert.equal((await admin.json('PATCH', `/orders/${id}/status`, { status: 'shipped', delivery_user_id: courier.id })).statusCode, 200);
  await ship();
  await t.db.query(`UPDATE order_histories SET created_at = now() - interval '12 days' WHERE order_id = $1 AND new_status = 'shipped'`, [
    id,
  ]);
  await t.db.query(
    `INSERT INTO order_events (order_id, at, status, note, created_at) VALUES ($1, now() - interval '11 days', 'RETOUR', 'client absent', now() - interval '11 days')`,
    [id],
  );
  assert.equal((await admin.json('PATCH', `/orders/${id}/status`, { status: 'returned' })).statusCode, 200);
  assert.equal((await agent.json('PATCH', `/follow-up/${id}/renew`, {})).statusCode, 200);
  await ship();
  await t.db.query(
    `UPDATE order_histories SET created_at = now() - interval '7 days' WHERE order_id = $1 AND new_status = 'shipped' AND created_at > now() - interval '1 hour'`,
    [id],
  );
  const row = async () =>
    ((await agent.json('GET', `/follow-up?account_id=${a.accountId}`)).json().data as Row[]).find((r) => r.id === id)!;
  assert.equal((await row()).days, 7);
  assert.equal((await row()).last_event, null, 'the earlier parcel’s RETOUR is not this one’s');
  await t.db.query(`INSERT INTO order_events (order_id, at, status, note) VALUES ($1, now() - interval '1 day', 'no_answer', NULL)`, [id]);
  assert.equal((await row()).last_event?.status, 'no_answer');
});

/** An account's one order, shipped by a courier and returned; an admin and a follow-up agent logged in. */
async function returnedOrder(name: string) {
  const { a, s, ids } = await accountWithOrders([order(1, { full_name: name })]);
  const admin = await login(t.app, (await person(t.db, 'admin')).email);
  const agent = await login(t.app, (await person(t.db, 'follow-up-agent')).email);
  const courier = await person(t.db, 'delivery');
  const { id, reference } = ids[0];
  const shipAndReturn = async () => {
    assert.equal((await admin.json('PATCH', `/orders/${id}/status`, { status: 'shipped', delivery_user_id: courier.id })).statusCode, 200);
    assert.equal((await admin.json('PATCH', `/orders/${id}/status`, { status: 'returned' })).statusCode, 200);
  };
  await shipAndReturn();
  return { a, s, id, reference, admin, agent, shipAndReturn };
}

test('a returned order whose product was deleted is not renewed: it would wait for stock forever (follow-up audit)', async () => {
  const { a, s, id, reference, admin, agent } = await returnedOrder('Gone Product');
  assert.equal((await admin.json('PUT', `/stocks/${s}/decrement`, { quantity: 20 })).statusCode, 200);
  const p1 = await productId(t.db, a.accountId, 'P1');
  const deleted = await admin.json('DELETE', '/products/delete', { ids: [p1] });
  assert.equal(deleted.statusCode, 200, deleted.body);
  const refused = { status: ['The product P1 is no longer sold: this order cannot be new again.'] };
  expectInvalid(await agent.json('PATCH', `/follow-up/${id}/renew`, {}), refused, 'the queue');
  expectInvalid(await admin.json('PATCH', `/orders/${id}/status`, { status: 'new' }), refused, 'the order page');
  const api = await t.app.inject({
    method: 'PATCH',
    url: `${API}/orders/${reference}`,
    headers: { ...a.auth, accept: 'application/json' },
    payload: { status: 'new' },
  });
  expectInvalid(api, refused, 'the API');
  assert.equal((await t.db.query<{ status: string }>('SELECT status FROM orders WHERE id = $1', [id])).rows[0].status, 'returned');
  assert.deepEqual(await brokenInvariants(t.db, a.accountId), []);
});

test('a renew goes back to the queue as it was looked at: its page, account and search (follow-up audit)', async () => {
  const { id, agent, shipAndReturn } = await returnedOrder('Back Where');
  const from = '/follow-up?tier=returned&search=back&page=1&per_page=10';
  await agent.get(from);
  const renewed = await agent.form(`/follow-up/${id}/renew`, {}, { method: 'PATCH' }); // its Referer: the page above
  assert.equal(renewed.statusCode, 302);
  assert.equal(renewed.headers.location, from);
  // Another page, or none, as Referer: the returned tab.
  await shipAndReturn();
  await agent.get('/orders');
  assert.equal((await agent.form(`/follow-up/${id}/renew`, {}, { method: 'PATCH' })).headers.location, '/follow-up?tier=returned');
});
