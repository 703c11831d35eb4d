// The edit pages of a lead and of an order send every line back by SKU: a line whose product was
// deleted, its SKU taken since by a new product, is not swapped to the new product by a save that
// did not change it (docs/decisions.md, "A deleted product's line is not swapped by SKU"). The API's
// PATCH writes the lines as sent: there the SKU names the account's active product (api-v1.md).
// A lead's and an order's page mark such a line 'No longer sold' alike (ProductsTable).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { order, lead, sharedTestApp, tenant, type Tenant, type TestApp, apiCall } from '../../test-support/harness.js';
import { login } from '../../test-support/session.js';
import { createProduct, deleteProducts } from '../products/service.js';
import { productId } from '../stocks/test-fixtures.js';

const INVALID_LINE = 'The selected products.0.sku is invalid.';
const DELETED_CHOSEN = /<option value="P1" selected>P1 \(not an active product\)<\/option>/;
const NEW_APART = /<option value="P1" data-price="210.00">P1 — Argan Oil 100ml \(new\)<\/option>/;

let t: TestApp;
sharedTestApp((app) => (t = app));

const call = (a: Tenant, method: 'GET' | 'POST' | 'PATCH', path: string, payload?: unknown) => apiCall(t.app, a, method, path, payload);

/** P1 deleted, and a new product created under its SKU. */
async function reuseP1(a: Tenant) {
  await t.db.tx(async (q) => deleteProducts(q, [await productId(q, a.accountId, 'P1')]));
  await createProduct(t.db, { accountId: a.accountId, sku: 'P1', name: 'Argan Oil 100ml (new)', price: 210 });
}

/** Each line as `sku:product name`, `(deleted)` when its product is. */
async function lines(table: 'lead_lines' | 'order_lines', id: string) {
  const fk = table === 'lead_lines' ? 'lead_id' : 'order_id';
  const { rows } = await t.db.query<{ line: string }>(
    `SELECT x.sku || ':' || p.name || CASE WHEN p.deleted_at IS NULL THEN '' ELSE ' (deleted)' END AS line
       FROM ${table} x JOIN products p ON p.id = x.product_id WHERE x.${fk} = $1 ORDER BY x.position`,
    [id],
  );
  return rows.map((r) => r.line);
}

async function idOf(table: 'leads' | 'orders', a: Tenant, reference: string) {
  const { rows } = await t.db.query<{ id: string }>(`SELECT id FROM ${table} WHERE account_id = $1 AND reference = $2`, [
    a.accountId,
    reference,
  ]);
  return rows[0].id;
}

test('the lead edit page: a line of a deleted product whose SKU a new product took shows as the deleted product, and saving it unchanged is refused on the line', async () => {
  const a = await tenant(t.db);
  const created = await call(a, 'POST', '/leads', { leads: [lead(1, { address: '1 Rue de Fes' })] });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const [reference] = created.body.data.references as string[];
  const id = await idOf('leads', a, reference);
  await reuseP1(a);
  const seller = await login(t.app, a.email);

  const edit = await seller.get(`/leads/${id}/edit`);
  assert.equal(edit.statusCode, 200, edit.body.slice(0, 300));
  assert.match(edit.body, DELETED_CHOSEN);
  // The new product is not offered while the deleted one's line is there: choosing it was always refused.
  assert.doesNotMatch(edit.body, NEW_APART);

  // The form saved as shown: refused on the line, nothing written, the line still the deleted product.
  const form = { full_name: 'Customer 1', phone: '0612000001', city: 'Casablanca', area: '', address: '1 Rue de Fes' };
  const unchanged = await seller.form(
    `/leads/${id}/update`,
    { ...form, products: [{ sku: 'P1', quantity: 2, price: 199 }] },
    { method: 'PATCH' },
  );
  assert.equal(unchanged.statusCode, 302, unchanged.body);
  assert.equal(unchanged.headers.location, `/leads/${id}/edit`);
  const back = await seller.follow(unchanged);
  assert.ok(back.body.includes(INVALID_LINE), 'the line says why');
  assert.match(back.body, DELETED_CHOSEN);
  assert.deepEqual(await lines('lead_lines', id), ['P1:Argan Oil 100ml (deleted)']);
  const json = await seller.json('PATCH', `/leads/${id}/update`, { products: [{ sku: 'P1', quantity: 2, price: 199 }] });
  assert.equal(json.statusCode, 422, json.body);
  assert.deepEqual(json.json().errors, { 'products.0.sku': [INVALID_LINE] });
  assert.deepEqual(await lines('lead_lines', id), ['P1:Argan Oil 100ml (deleted)']);

  // An edit that leaves the lines out passes; so does one changing the line to another product.
  assert.equal((await seller.json('PATCH', `/leads/${id}/update`, { city: 'Rabat' })).statusCode, 200);
  const relined = await seller.form(
    `/leads/${id}/update`,
    { ...form, products: [{ sku: 'P2', quantity: 1, price: 50 }] },
    { method: 'PATCH' },
  );
  assert.equal(relined.statusCode, 302, relined.body);
  assert.equal(relined.headers.location, `/leads/${id}/show`);
  assert.deepEqual(await lines('lead_lines', id), ['P2:Amlou 250g']);
  // No deleted product's line left: the SKU names the new product again.
  const again = await seller.get(`/leads/${id}/edit`);
  assert.doesNotMatch(again.body, /not an active product/);
  const taken = await seller.json('PATCH', `/leads/${id}/update`, { products: [{ sku: 'P1', quantity: 1, price: 210 }] });
  assert.equal(taken.statusCode, 200, taken.body);
  assert.deepEqual(await lines('lead_lines', id), ['P1:Argan Oil 100ml (new)']);
});

test('the order edit page: a line of a deleted product whose SKU a new product took shows as the deleted product, and saving it unchanged is refused on the line', async () => {
  const a = await tenant(t.db);
  const created = await call(a, 'POST', '/orders', { orders: [order(1)] });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const [reference] = created.body.data.references as string[];
  const id = await idOf('orders', a, reference);
  await reuseP1(a);
  const seller = await login(t.app, a.email);

  const edit = await seller.get(`/orders/${id}/edit`);
  assert.equal(edit.statusCode, 200, edit.body.slice(0, 300));
  assert.match(edit.body, DELETED_CHOSEN);
  // The new product is not offered while the deleted one's line is there: choosing it was always refused.
  assert.doesNotMatch(edit.body, NEW_APART);

  const form = {
    full_name: 'Customer 1',
    phone: '0613000001',
    email: '',
    city: 'Rabat',
    area: '',
    address: '1 Avenue Hassan II',
    shipment_way: '1',
    is_fees_paid_by_customer: '0',
    total: '398',
  };
  const unchanged = await seller.form(
    `/orders/${id}/update`,
    { ...form, products: [{ sku: 'P1', quantity: 2, price: 199 }] },
    { method: 'PATCH' },
  );
  assert.equal(unchanged.statusCode, 302, unchanged.body);
  assert.equal(unchanged.headers.location, `/orders/${id}/edit`);
  const back = await seller.follow(unchanged);
  assert.ok(back.body.includes(INVALID_LINE), 'the line says why');
  assert.match(back.body, DELETED_CHOSEN);
  assert.deepEqual(await lines('order_lines', id), ['P1:Argan Oil 100ml (deleted)']);
  const json = await seller.json('PATCH', `/orders/${id}/update`, { products: [{ sku: 'P1', quantity: 2, price: 199 }] });
  assert.equal(json.statusCode, 422, json.body);
  assert.deepEqual(json.json().errors, { 'products.0.sku': [INVALID_LINE] });

  const relined = await seller.form(
    `/orders/${id}/update`,
    { ...form, total: '100', products: [{ sku: 'P2', quantity: 2, price: 50 }] },
    { method: 'PATCH' },
  );
  assert.equal(relined.statusCode, 302, relined.body);
  assert.equal(relined.headers.location, `/orders/${id}/show`);
  assert.deepEqual(await lines('order_lines', id), ['P2:Amlou 250g']);
});

test('the API’s PATCH writes the lines as sent: a reused SKU names the new product, on a lead and on an order; a patch without lines keeps the deleted one', async () => {
  const a = await tenant(t.db);
  const [leadRef] = (await call(a, 'POST', '/leads', { leads: [lead(1), lead(2)] })).body.data.references as string[];
  const [orderRef] = (await call(a, 'POST', '/orders', { orders: [order(1), order(2)] })).body.data.references as string[];
  await reuseP1(a);
  const [leadId, orderId] = [await idOf('leads', a, leadRef), await idOf('orders', a, orderRef)];

  assert.equal((await call(a, 'PATCH', `/leads/${leadRef}`, { city: 'Rabat' })).status, 200);
  assert.equal((await call(a, 'PATCH', `/orders/${orderRef}`, { city: 'Casablanca' })).status, 200);
  assert.deepEqual(await lines('lead_lines', leadId), ['P1:Argan Oil 100ml (deleted)']);
  assert.deepEqual(await lines('order_lines', orderId), ['P1:Argan Oil 100ml (deleted)']);

  const products = [{ sku: 'P1', quantity: 2, price: 199 }];
  const leadPatch = await call(a, 'PATCH', `/leads/${leadRef}`, { products });
  assert.equal(leadPatch.status, 200, JSON.stringify(leadPatch.body));
  assert.deepEqual(leadPatch.body.data.products, [{ sku: 'P1', name: 'Argan Oil 100ml (new)', quantity: 2, price: 199, total: 398 }]);
  const orderPatch = await call(a, 'PATCH', `/orders/${orderRef}`, { products });
  assert.equal(orderPatch.status, 200, JSON.stringify(orderPatch.body));
  assert.deepEqual(await lines('order_lines', orderId), ['P1:Argan Oil 100ml (new)']);
});

test("the lead's page and the order's page mark a deleted product's line 'No longer sold', its SKU taken by a new product since, and not the other lines", async () => {
  const a = await tenant(t.db);
  const products = [
    { sku: 'P1', quantity: 2, price: 199 },
    { sku: 'P2', quantity: 1, price: 50 },
  ];
  const [leadRef] = (await call(a, 'POST', '/leads', { leads: [lead(1, { products })] })).body.data.references as string[];
  const [orderRef] = (await call(a, 'POST', '/orders', { orders: [order(1, { total: 448, products })] })).body.data.references as string[];
  await reuseP1(a);
  const seller = await login(t.app, a.email);
  for (const page of [`/leads/${await idOf('leads', a, leadRef)}/show`, `/orders/${await idOf('orders', a, orderRef)}/show`]) {
    const res = await seller.get(page);
    assert.equal(res.statusCode, 200, res.body.slice(0, 300));
    // Each products table row: its SKU and whether it is marked.
    const rows = [...res.body.matchAll(/<tr><td data-label="SKU"><code[^>]*>([^<]+)<\/code>[\s\S]*?<\/tr>/g)].map(
      ([row, sku]) => `${sku}${row.includes('<span class="badge badge-red">No longer sold</span>') ? ' (no longer sold)' : ''}`,
    );
    assert.deepEqual(rows, ['P1 (no longer sold)', 'P2'], page);
  }
});
