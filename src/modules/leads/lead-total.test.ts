import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linesTotal } from '../../lib/money.js';
import { lead, tenant, withTestApp } from '../../test-support/harness.js';

test('a price with a third decimal rounds half away from zero, as numeric(12, 2) stores it', () => {
  const one = (price: number, quantity = 1) => linesTotal([{ price, quantity }]);
  assert.equal(one(1.005), 1.01); // 1.00499999… in binary: Math.round(1.005 * 100) is 100
  assert.equal(one(1.015), 1.02);
  assert.equal(one(2.135), 2.14);
  assert.equal(one(1.0049), 1);
  assert.equal(one(1.005, 999), 1008.99);
  assert.equal(
    linesTotal([
      { price: 0.1, quantity: 1 },
      { price: 0.2, quantity: 1 },
    ]),
    0.3,
  );
});

test("a lead's total, and its order's, is the sum of its lines as stored, whatever the prices' decimals", () =>
  withTestApp(async (t) => {
    const a = await tenant(t.db);
    // Every x.xx5 price whose binary value falls below the half cent (1.005, 1.015, 2.135…), and some that do not.
    const prices = Array.from({ length: 200 }, (_, i) => Number((1 + i / 100 + 0.005).toFixed(3)));
    const leads = prices.map((price, i) =>
      lead(i, {
        products: [
          { sku: 'P1', quantity: 999, price },
          { sku: 'P2', quantity: 1, price: 10.555 },
        ],
      }),
    );
    const created = await t.app.inject({ method: 'POST', url: '/api/web/1.0/leads', headers: a.auth, payload: { leads } });
    assert.equal(created.statusCode, 201, created.body);
    const { rows } = await t.db.query<{ reference: string; total: string; lines: string }>(
      `SELECT l.reference, l.total::text, (SELECT sum(quantity * price) FROM lead_lines WHERE lead_id = l.id)::text AS lines
         FROM leads l WHERE l.account_id = $1 ORDER BY l.reference`,
      [a.accountId],
    );
    assert.equal(rows.length, prices.length);
    assert.deepEqual(
      rows.filter((r) => r.total !== r.lines),
      [],
    );
    const patched = await t.app.inject({
      method: 'PATCH',
      url: '/api/web/1.0/leads/LD-00001',
      headers: a.auth,
      payload: { products: [{ sku: 'P1', quantity: 7, price: 2.135 }] },
    });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal(patched.json().data.total, 14.98);
    const confirmed = await t.app.inject({
      method: 'PATCH',
      url: '/api/web/1.0/leads/LD-00001',
      headers: a.auth,
      payload: { status: 'confirmed' },
    });
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    const order = await t.app.inject({ method: 'GET', url: '/api/web/1.0/orders/ORD-00001', headers: a.auth });
    assert.equal(order.json().data.total, 14.98);
    assert.deepEqual(
      order.json().data.products.map((p: { price: number; total: number }) => [p.price, p.total]),
      [[2.14, 14.98]],
    );
  }));
