// A lead naming a product deleted since cannot be confirmed (its order would wait for stock forever),
// through every door that confirms: the API's single and bulk PATCH, the lead page, the call screen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lead, tenant, sharedTestApp, usingPostgres, type Tenant, type TestApp, apiCall } from '../../test-support/harness.js';
import { backendPid, waitsForAdvisoryLockOf } from '../../test-support/locks.js';
import { login } from '../../test-support/session.js';
import { createProduct, deleteProducts, stockRefusal } from '../products/service.js';
import { agentOf, shop } from '../call-centre/test-fixtures.js';
import { createLeads } from './service.js';
import { SYSTEM } from '../../core/actor.js';
import { productId, stock, warehouse, brokenInvariants } from '../stocks/test-fixtures.js';
import { transitionLeads } from './lifecycle.js';
import type { Queryable } from '../../db/database.js';

const INVALID = 'The given data was invalid.';
const unsold = (sku: string) => `The product ${sku} is no longer sold and this lead cannot be confirmed: change the lead's products first.`;

let t: TestApp;
sharedTestApp((app) => (t = app), { API_RATE_LIMIT_PER_MINUTE: '100000' });

const call = (a: Tenant, method: 'GET' | 'POST' | 'PATCH', path: string, payload?: unknown) => apiCall(t.app, a, method, path, payload);

const deleteProduct = (id: string) => t.db.tx((q) => deleteProducts(q, [id]));

async function state(a: Tenant) {
  const { rows } = await t.db.query<{ reference: string; status: string; order_id: string | null }>(
    'SELECT reference, status, order_id FROM leads WHERE account_id = $1 ORDER BY reference',
    [a.accountId],
  );
  const orders = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM orders WHERE account_id = $1', [a.accountId]);
  return { leads: rows.map((r) => [r.reference, r.status, r.order_id !== null]), orders: orders.rows[0].n };
}

test('API: confirming a lead that names a deleted product is a 422 on its products, single and bulk (all or nothing); other moves and a confirmation with new lines pass', async () => {
  const a = await tenant(t.db);
  const created = await call(a, 'POST', '/leads', {
    leads: [
      lead(1),
      lead(2, { products: [{ sku: 'P2', quantity: 1, price: 50 }] }),
      lead(3, {
        products: [
          { sku: 'P1', quantity: 1, price: 199 },
          { sku: 'P2', quantity: 1, price: 50 },
          { sku: 'P1', quantity: 1, price: 190 },
        ],
      }),
      lead(4),
    ],
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const [one, two, three, four] = created.body.data.references as string[];
  await deleteProduct(await productId(t.db, a.accountId, 'P1'));
  // The SKU is free again: a new product under it is another product, and the old lines still name the deleted one.
  await createProduct(t.db, { accountId: a.accountId, sku: 'P1', name: 'Argan Oil 100ml (new)', price: 210 });
  const before = await state(a);

  assert.deepEqual(await call(a, 'PATCH', `/leads/${one}`, { status: 'confirmed' }), {
    status: 422,
    body: { message: INVALID, errors: { products: [unsold('P1')] } },
  });
  assert.deepEqual(
    await call(a, 'PATCH', '/leads', {
      leads: [
        { reference: two, status: 'confirmed' },
        { reference: three, status: 'confirmed' },
      ],
    }),
    {
      status: 422,
      body: { message: INVALID, errors: { 'leads.1.products': [unsold('P1')] } },
    },
  );
  // Nothing written: the other item's lead is not confirmed either.
  assert.deepEqual(await state(a), before);

  // Both SKUs named when both are gone (each once).
  await deleteProduct(await productId(t.db, a.accountId, 'P2'));
  assert.deepEqual((await call(a, 'PATCH', `/leads/${three}`, { status: 'confirmed' })).body.errors, {
    products: ["The products P1 and P2 are no longer sold and this lead cannot be confirmed: change the lead's products first."],
  });

  // Any other move of such a lead passes.
  for (const [reference, body] of [
    [one, { status: 'no_reply' }],
    [one, { status: 'call_later', callback_at: '2099-01-01 10:00:00' }],
    [two, { status: 'canceled', cancel_reason: 'changed mind' }],
    [three, { status: 'wrong' }],
  ] as const) {
    const res = await call(a, 'PATCH', `/leads/${reference}`, body);
    assert.equal(res.status, 200, `${reference} ${JSON.stringify(res.body)}`);
  }
  // A confirmation that replaces the lines with sold products passes, in one request and in a bulk one.
  const relined = await call(a, 'PATCH', `/leads/${one}`, { status: 'confirmed', products: [{ sku: 'P1', quantity: 1, price: 210 }] });
  assert.equal(relined.status, 200, JSON.stringify(relined.body));
  const bulk = await call(a, 'PATCH', '/leads', {
    leads: [{ reference: four, status: 'confirmed', products: [{ sku: 'P1', quantity: 2, price: 210 }] }],
  });
  assert.equal(bulk.status, 200, JSON.stringify(bulk.body));
  const lines = await t.db.query<{ reference: string; sku: string; name: string }>(
    `SELECT o.reference, ol.sku, p.name FROM orders o JOIN order_lines ol ON ol.order_id = o.id JOIN products p ON p.id = ol.product_id
      WHERE o.account_id = $1 ORDER BY o.reference`,
    [a.accountId],
  );
  assert.deepEqual(
    lines.rows.map((r) => [r.sku, r.name]),
    [
      ['P1', 'Argan Oil 100ml (new)'],
      ['P1', 'Argan Oil 100ml (new)'],
    ],
  );
});

test('the lead page: confirming a lead of a deleted product goes back with the reason (form) or answers the 422 (JSON)', async () => {
  const a = await tenant(t.db);
  const created = await call(a, 'POST', '/leads', { leads: [lead(1)] });
  const [reference] = created.body.data.references as string[];
  const { rows } = await t.db.query<{ id: string }>('SELECT id FROM leads WHERE account_id = $1 AND reference = $2', [
    a.accountId,
    reference,
  ]);
  const id = rows[0].id;
  await deleteProduct(await productId(t.db, a.accountId, 'P1'));
  const seller = await login(t.app, a.email);
  await seller.get(`/leads/${id}/show`);

  const json = await seller.json('PATCH', `/leads/${id}/status`, { status: 'confirmed' });
  assert.equal(json.statusCode, 422, json.body);
  assert.deepEqual(json.json(), { message: INVALID, errors: { products: [unsold('P1')] } });

  const res = await seller.form(`/leads/${id}/status`, { status: 'confirmed' }, { method: 'PATCH' });
  assert.equal(res.statusCode, 302, res.body);
  const page = await seller.follow(res);
  assert.equal(page.statusCode, 200);
  assert.ok(page.body.includes(unsold('P1')), 'the page shows why');
  assert.equal((await call(a, 'GET', `/leads/${reference}`)).body.data.status, 'new');

  // Canceling it still works from the page.
  const canceled = await seller.json('PATCH', `/leads/${id}/status`, { status: 'wrong' });
  assert.equal(canceled.statusCode, 200, canceled.body);
});

test('the call screen: an agent confirming a lead one of whose products was deleted during the call is refused and sent back to the call screen with the reason', async () => {
  const s = await shop(t.db);
  const line = (sku: string, price: number) => ({ sku, quantity: 1, price });
  const [reference] = await t.db.tx((q) =>
    createLeads(q, SYSTEM, s.accountId, {
      leads: [
        {
          full_name: 'Customer Test',
          phone: '0611000000',
          city: 'Casablanca',
          address: '1 Rue de Fes',
          products: [line('A', 100), line('B', 40)],
        },
      ],
    }),
  );
  const { rows: found } = await t.db.query<{ id: string }>('SELECT id FROM leads WHERE account_id = $1 AND reference = $2', [
    s.accountId,
    reference,
  ]);
  const id = found[0].id;
  // The agent confirms B: the lead stays in their queue once A is deleted.
  const agent = await login(t.app, (await agentOf(t.db, [s.products.B])).email);
  const claimed = await agent.json('POST', '/call-centre/next', {});
  assert.equal(claimed.json().data.id, id, claimed.body);
  const screen = await agent.get(`/call-centre/leads/${id}`);
  assert.equal(screen.statusCode, 200);
  await deleteProduct(s.products.A);

  // Sent without the lines (a JSON client), the lifecycle's refusal.
  const json = await agent.json('PATCH', `/leads/${id}/status`, { status: 'confirmed' });
  assert.equal(json.statusCode, 422, json.body);
  assert.deepEqual(json.json(), { message: INVALID, errors: { products: [unsold('A')] } });
  // The outcome form sends the lines as shown, the deleted SKU among them: its line says so, on the call screen.
  const confirm = { status: 'confirmed', full_name: 'Customer Test', phone: '0611000000', city: 'Casablanca', address: '1 Rue de Fes' };
  const res = await agent.form(`/leads/${id}/status`, { ...confirm, products: [line('A', 100), line('B', 40)] }, { method: 'PATCH' });
  assert.equal(res.statusCode, 302, res.body);
  assert.equal(res.headers.location, `/call-centre/leads/${id}`);
  const page = await agent.follow(res);
  assert.equal(page.statusCode, 200, page.body.slice(0, 400));
  assert.match(page.body, /<option value="A" selected>A \(not an active product\)<\/option>/);
  assert.ok(page.body.includes('The selected products.0.sku is invalid.'), 'the line says why');

  // With its lines changed to a product still sold, the confirmation passes.
  const relined = await agent.form(`/leads/${id}/status`, { ...confirm, products: [line('B', 40)] }, { method: 'PATCH' });
  assert.equal(relined.statusCode, 302, relined.body);
  const { rows } = await t.db.query<{ status: string; order_id: string | null }>('SELECT status, order_id FROM leads WHERE id = $1', [id]);
  assert.equal(rows[0].status, 'confirmed');
  assert.ok(rows[0].order_id);
});

// PostgreSQL only: the embedded database runs one transaction at a time, so nothing waits for a lock.
test('a confirmation during its product’s delete waits for it, then is refused', { skip: !usingPostgres }, async () => {
  const a = await tenant(t.db);
  const [reference] = (await call(a, 'POST', '/leads', { leads: [lead(1)] })).body.data.references as string[];
  const product = await productId(t.db, a.accountId, 'P1');
  const { answer } = await t.db.tx(async (q) => {
    // The product's delete, as its route runs it, holds its locks while the confirmation arrives.
    assert.equal(await stockRefusal(q, [product]), undefined);
    await deleteProducts(q, [product]);
    const answer = call(a, 'PATCH', `/leads/${reference}`, { status: 'confirmed' });
    assert.ok(await waitsForAdvisoryLockOf(t.db, await backendPid(q), answer), 'the confirmation waits for the delete');
    return { answer };
  });
  assert.deepEqual(await answer, { status: 422, body: { message: INVALID, errors: { products: [unsold('P1')] } } });
  assert.deepEqual(await state(a), { leads: [[reference, 'new', false]], orders: 0 });
});

test('a confirmation takes its account’s stock lock once: the check of its products holds it until the order’s reservation', async () => {
  const a = await tenant(t.db);
  const [reference] = (await call(a, 'POST', '/leads', { leads: [lead(1)] })).body.data.references as string[];
  await stock(t.db, await productId(t.db, a.accountId, 'P1'), await warehouse(t.db), { quantity: 5 });
  const { rows } = await t.db.query<{ id: string }>('SELECT id FROM leads WHERE account_id = $1 AND reference = $2', [
    a.accountId,
    reference,
  ]);
  const locks: string[] = [];
  await t.db.tx((q) => {
    const counting: Queryable = {
      query: (text, params, opts) => {
        if (text.includes("'codops:stock:'")) locks.push(text);
        return q.query(text, params, opts);
      },
      exec: (text) => q.exec(text),
      database: q.database,
    };
    return transitionLeads(counting, SYSTEM, a.accountId, [{ id: rows[0].id, from: 'new', to: 'confirmed' }]);
  });
  assert.equal(locks.length, 1, locks.join('\n---\n'));
  // Confirmed, its order made and holding its stock.
  const { rows: orders } = await t.db.query<{ waiting: boolean; reserved: number }>(
    `SELECT o.waiting_for_stock AS waiting, (SELECT sum(s.reserved)::int FROM stocks s JOIN products p ON p.id = s.product_id WHERE p.account_id = o.account_id) AS reserved
       FROM orders o WHERE o.account_id = $1`,
    [a.accountId],
  );
  assert.deepEqual(orders, [{ waiting: false, reserved: 2 }]);
  assert.deepEqual(await brokenInvariants(t.db, a.accountId), []);
});
