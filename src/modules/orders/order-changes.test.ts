// What an edit of an order records (docs/decisions.md, "What an edit of an order records"): the fields
// and lines a request changed, on its history row, shown on the order's timeline and the history list.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { order, sharedTestApp, tenant, type Tenant, type TestApp } from '../../test-support/harness.js';
import { login, type FormValue } from '../../test-support/session.js';
import { statements as runStatements } from '../../test-support/statements.js';
import { historyListChanges, timelineRows } from '../../test-support/history-text.js';

let t: TestApp;
sharedTestApp((app) => (t = app));

interface Row {
  old_status: string | null;
  new_status: string;
  comment: string | null;
  changes: Record<string, unknown> | null;
}

const api = (a: Tenant, method: 'POST' | 'PATCH' | 'GET', url: string, payload?: object) =>
  t.app.inject({ method, url: `/api/web/1.0${url}`, headers: a.auth, payload });

const statements = (fn: () => Promise<unknown>) => runStatements(t, fn);

/** The account's history rows after each order's creation, by order reference. */
const edits = async (a: Tenant) =>
  (
    await t.db.query<Row & { reference: string }>(
      `SELECT o.reference, h.old_status, h.new_status, h.comment, h.changes
         FROM order_histories h JOIN orders o ON o.id = h.order_id
        WHERE o.account_id = $1 AND h.old_status IS NOT NULL ORDER BY o.reference, h.created_at, h.id`,
      [a.accountId],
    )
  ).rows;

async function created(a: Tenant, orders: object[]): Promise<string[]> {
  assert.equal((await api(a, 'POST', '/orders', { orders })).statusCode, 201);
  const { rows } = await t.db.query<{ id: string }>('SELECT id FROM orders WHERE account_id = $1 ORDER BY reference', [a.accountId]);
  return rows.map((r) => r.id);
}

describe('an order’s field edits on its history', () => {
  test('an API PATCH of fields only writes one old=new row with what changed, told on the timeline and the list (money masked under hide money); the same values write none; the API JSON is unchanged', async () => {
    const a = await tenant(t.db);
    const [id] = await created(a, [order(1)]);
    const before = (await api(a, 'GET', '/orders/ORD-00001')).json() as { data: Record<string, unknown> };
    const edit = {
      email: 'salma@example.test',
      address: '7 Rue <i>Nouvelle</i>',
      shipment_way: 2,
      is_fees_paid_by_customer: true,
      total: 450,
      products: [{ sku: 'P1', quantity: 2, price: 225 }],
    };
    assert.equal((await api(a, 'PATCH', '/orders/ORD-00001', { ...edit, comment: 'customer called' })).statusCode, 200);
    const row = {
      reference: 'ORD-00001',
      old_status: 'new',
      new_status: 'new',
      comment: 'customer called',
      changes: {
        email: [null, 'salma@example.test'],
        address: ['1 Avenue Hassan II', '7 Rue <i>Nouvelle</i>'],
        shipment_way: [1, 2],
        is_fees_paid_by_customer: [false, true],
        total: [398, 450],
        products: [[{ sku: 'P1', quantity: 2, price: 199 }], [{ sku: 'P1', quantity: 2, price: 225 }]],
      },
    };
    assert.deepEqual(await edits(a), [row]);
    // The same values again, or one field as it is: nothing changed, no row.
    assert.equal((await api(a, 'PATCH', '/orders/ORD-00001', edit)).statusCode, 200);
    assert.equal((await api(a, 'PATCH', '/orders/ORD-00001', { city: 'Rabat' })).statusCode, 200);
    assert.deepEqual(await edits(a), [row]);
    // The API's order and history JSON keep their keys (api-v1.md).
    const after = (await api(a, 'GET', '/orders/ORD-00001')).json() as { data: Record<string, unknown> };
    assert.deepEqual(Object.keys(after.data), Object.keys(before.data));
    const listed = (await api(a, 'GET', '/order-histories?reference=ORD-00001')).json() as { data: Record<string, unknown>[] };
    assert.deepEqual(
      listed.data.map((h) => Object.keys(h)),
      listed.data.map(() => ['order_reference', 'old_status', 'new_status', 'changed_by', 'changed_at', 'comment']),
    );
    // The order's page, its history page and the history list tell the edit, escaped.
    const told =
      'Edited · New Email: — → salma@example.test Address: 1 Avenue Hassan II → 7 Rue &lt;i>Nouvelle&lt;/i> ' +
      'Shipment way: Shipping company → Platform delivery staff Delivery fees paid by the customer: No → Yes ' +
      'Total to collect: 398.00 MAD → 450.00 MAD Products: P1 2 × 199.00 MAD → P1 2 × 225.00 MAD';
    const seller = await login(t.app, a.email);
    const page = await seller.get(`/orders/${id}/show`);
    assert.equal(page.statusCode, 200);
    assert.ok(!page.body.includes('<i>Nouvelle'));
    assert.deepEqual(timelineRows(page.body), ['Created as New', `${told} customer called`]);
    assert.deepEqual(timelineRows((await seller.get(`/orders-histories/${id}/show`)).body)[1], `${told} customer called`);
    assert.deepEqual(historyListChanges((await seller.get('/orders-histories?reference=ORD-00001')).body), [told, 'Created as New']);
    // "Hide money": the total and the prices are masked, the rest of the change is told.
    await t.db.query('UPDATE users SET hide_money = true WHERE id = $1', [a.userId]);
    const hidden = await login(t.app, a.email);
    const masked = told.replace(/\d+\.00 MAD/g, '•••');
    assert.equal(timelineRows((await hidden.get(`/orders/${id}/show`)).body)[1], `${masked} customer called`);
    assert.deepEqual(historyListChanges((await hidden.get('/orders-histories?reference=ORD-00001')).body)[0], masked);
    // The page's JSON stays the API's.
    const json = (await hidden.json('GET', '/orders-histories?reference=ORD-00001')).json() as { data: Record<string, unknown>[] };
    assert.ok(!JSON.stringify(json).includes('changes'));
  });

  test('the dashboard’s edit form records what it changed, and nothing when saved as it is', async () => {
    const a = await tenant(t.db);
    const [id] = await created(a, [order(1, { area: 'Agdal' })]);
    const seller = await login(t.app, a.email);
    const form = (over: Record<string, FormValue> = {}): Record<string, FormValue> => ({
      full_name: 'Customer 1',
      phone: order(1).phone,
      email: '',
      city: 'Rabat',
      area: 'Agdal',
      address: '1 Avenue Hassan II',
      shipment_way: 1,
      is_fees_paid_by_customer: 0,
      total: 398,
      products: [
        { sku: 'P1', quantity: 2, price: 199 },
        { sku: '', quantity: '', price: '' },
      ],
      ...over,
    });
    const save = async (body: Record<string, FormValue>) => {
      const res = await seller.form(`/orders/${id}/update`, body, { method: 'PATCH' });
      assert.equal(res.statusCode, 302, res.body);
    };
    await save(form());
    assert.deepEqual(await edits(a), []);
    await save(form({ area: '', full_name: 'Salma Idrissi', products: [{ sku: 'P2', quantity: 1, price: 50 }] }));
    assert.deepEqual(await edits(a), [
      {
        reference: 'ORD-00001',
        old_status: 'new',
        new_status: 'new',
        comment: null,
        changes: {
          full_name: ['Customer 1', 'Salma Idrissi'],
          area: ['Agdal', null],
          products: [[{ sku: 'P1', quantity: 2, price: 199 }], [{ sku: 'P2', quantity: 1, price: 50 }]],
        },
      },
    ]);
  });

  test('with a status the changes go on its row; a status-only PATCH writes none and runs none of the edits’ statements', async () => {
    const a = await tenant(t.db);
    await created(a, [order(1), order(2), order(3)]);
    assert.equal((await api(a, 'PATCH', '/orders/ORD-00001', { status: 'canceled', address: '9 Rue Autre' })).statusCode, 200);
    const moved = await statements(async () =>
      assert.equal((await api(a, 'PATCH', '/orders/ORD-00002', { status: 'canceled', comment: 'no answer' })).statusCode, 200),
    );
    assert.ok(!moved.some((text) => /\bchanges\b|JOIN orders o|AS id, position/.test(text)), moved.join('\n'));
    // A status with the fields' current values: a move, nothing edited.
    assert.equal((await api(a, 'PATCH', '/orders/ORD-00003', { status: 'canceled', city: 'Rabat' })).statusCode, 200);
    assert.deepEqual(await edits(a), [
      {
        reference: 'ORD-00001',
        old_status: 'new',
        new_status: 'canceled',
        comment: null,
        changes: { address: ['1 Avenue Hassan II', '9 Rue Autre'] },
      },
      { reference: 'ORD-00002', old_status: 'new', new_status: 'canceled', comment: 'no answer', changes: null },
      { reference: 'ORD-00003', old_status: 'new', new_status: 'canceled', comment: null, changes: null },
    ]);
  });

  test('a bulk PATCH records each order’s own changes, set-based; an unchanged item writes no row', async () => {
    const a = await tenant(t.db);
    const n = 40;
    await created(
      a,
      Array.from({ length: n }, (_, i) => order(i, { address: `${i} Rue Old` })),
    );
    const items = Array.from({ length: n }, (_, i) => ({
      reference: `ORD-${String(i + 1).padStart(5, '0')}`,
      // Every third order is sent its own address: no change.
      address: i % 3 === 0 ? `${i} Rue Old` : `${i} Rue New`,
      ...(i % 2 === 1 ? { products: [{ sku: 'P2', quantity: i, price: 50 }] } : {}),
      ...(i % 5 === 0 ? { status: 'canceled' } : {}),
    }));
    assert.equal((await api(a, 'PATCH', '/orders', { orders: items })).statusCode, 200);
    const expected = items.flatMap((item, i) => {
      const changes: Record<string, unknown> = {};
      if (i % 3 !== 0) changes.address = [`${i} Rue Old`, `${i} Rue New`];
      if (i % 2 === 1) changes.products = [[{ sku: 'P1', quantity: 2, price: 199 }], [{ sku: 'P2', quantity: i, price: 50 }]];
      const moved = i % 5 === 0;
      if (!moved && Object.keys(changes).length === 0) return [];
      return [
        {
          reference: item.reference,
          old_status: 'new',
          new_status: moved ? 'canceled' : 'new',
          comment: null,
          changes: Object.keys(changes).length > 0 ? changes : null,
        },
      ];
    });
    assert.deepEqual(await edits(a), expected);
    // Set-based: a bulk PATCH of 32 new orders' fields and lines runs the statements one of 2 runs.
    const open = items.filter((item) => !('status' in item)).map((item) => item.reference);
    const edit = (count: number, street: string) =>
      api(a, 'PATCH', '/orders', {
        orders: open.slice(0, count).map((reference, i) => ({
          reference,
          address: `${street} ${i}`,
          total: 100 + i,
          products: [{ sku: 'P1', quantity: 7, price: 199 }],
        })),
      });
    const two = await statements(async () => assert.equal((await edit(2, 'Two')).statusCode, 200));
    const many = await statements(async () => assert.equal((await edit(open.length, 'Many')).statusCode, 200));
    assert.ok(two.some((text) => /\bchanges\b/.test(text)));
    assert.deepEqual(many, two);
  });
});
