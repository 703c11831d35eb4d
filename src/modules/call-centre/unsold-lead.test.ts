// A lead whose products were deleted while an agent works it: the agent holding its claim (or the one
// it is assigned to) keeps it, told its product is no longer sold, and may give an outcome that does
// not need the product or change its lines; a SKU reused since by a new product does not take the
// deleted one's place unseen (docs/decisions.md, "The agent on a lead keeps it when its products are
// deleted", "A deleted product's line is not swapped by SKU").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedTestApp, type TestApp } from '../../test-support/harness.js';
import { login } from '../../test-support/session.js';
import { createProduct, deleteProducts } from '../products/service.js';
import { agentOf, leads, shop } from './test-fixtures.js';

let t: TestApp;
sharedTestApp((app) => (t = app));

const deleteProduct = (id: string) => t.db.tx((q) => deleteProducts(q, [id]));
const unsold = (sku: string) => `The product ${sku} is no longer sold and this lead cannot be confirmed: change the lead's products first.`;
const hold = (leadId: string, agentId: string) =>
  t.db.query(`UPDATE leads SET claimed_by = $2, claimed_until = now() + interval '10 minutes' WHERE id = $1`, [leadId, agentId]);
const leadState = async (id: string) =>
  (
    await t.db.query<{ status: string; call_attempts: number; products: string[] }>(
      `SELECT l.status, l.call_attempts,
              ARRAY(SELECT ll.sku || ':' || p.name || CASE WHEN p.deleted_at IS NULL THEN '' ELSE ' (deleted)' END
                      FROM lead_lines ll JOIN products p ON p.id = ll.product_id WHERE ll.lead_id = l.id ORDER BY ll.position) AS products
         FROM leads l WHERE l.id = $1`,
      [id],
    )
  ).rows[0];
const customer = { full_name: 'Customer Test', phone: '0611000000', city: 'Casablanca', address: '1 Rue de Fes' };

test('the agent on a call whose every product is deleted keeps the lead: its call screen says the product is no longer sold, and a no reply or new lines pass', async () => {
  const s = await shop(t.db);
  const [first, second, third] = await leads(t.db, s, [
    { sku: 'A', age: 3 },
    { sku: 'A', age: 2 },
    { sku: 'A', age: 1 },
  ]);
  const agent = await agentOf(t.db, [s.products.A]);
  const other = await agentOf(t.db, [s.products.A]);
  const session = await login(t.app, agent.email);
  const claimed = await session.json('POST', '/call-centre/next', {});
  assert.equal(claimed.json().data.id, first, claimed.body);
  await t.db.query('UPDATE leads SET assigned_to = $2 WHERE id = $1', [third, agent.id]);
  await deleteProduct(s.products.A);

  // The call goes on: the call screen and the lead's page, with the reason it cannot be confirmed.
  const screen = await session.get(`/call-centre/leads/${first}`);
  assert.equal(screen.statusCode, 200, screen.body.slice(0, 300));
  assert.ok(screen.body.includes(unsold('A')), 'the call screen says the product is no longer sold');
  assert.match(screen.body, /No longer sold/);
  const page = await session.get(`/leads/${first}/show`);
  assert.equal(page.statusCode, 200);
  assert.ok(page.body.includes(unsold('A')));
  // Another agent of the same (former) product does not see it, nor the lead nobody holds.
  assert.equal((await (await login(t.app, other.email)).get(`/call-centre/leads/${first}`)).statusCode, 404);
  assert.equal((await session.get(`/leads/${second}/show`)).statusCode, 404);
  // The lead assigned to the agent stays theirs to see.
  assert.equal((await session.get(`/leads/${third}/show`)).statusCode, 200);

  // An outcome that does not need the product: recorded, the claim ends (and with it the lead leaves the agent).
  const noReply = await session.form(`/leads/${first}/status`, { status: 'no_reply' }, { method: 'PATCH' });
  assert.equal(noReply.statusCode, 302, noReply.body);
  assert.equal(noReply.headers.location, '/call-centre');
  assert.deepEqual(await leadState(first), { status: 'no_reply', call_attempts: 1, products: ['A:Product A (deleted)'] });
  assert.equal((await session.get(`/call-centre/leads/${first}`)).statusCode, 404);

  // Or its lines changed to a product still sold, on confirmation.
  await hold(second, agent.id);
  const relined = await session.form(
    `/leads/${second}/status`,
    { status: 'confirmed', ...customer, products: [{ sku: 'B', quantity: 1, price: 40 }] },
    { method: 'PATCH' },
  );
  assert.equal(relined.statusCode, 302, relined.body);
  assert.equal(relined.headers.location, '/call-centre');
  assert.deepEqual(await leadState(second), { status: 'confirmed', call_attempts: 0, products: ['B:Product B'] });
});

test('a deleted product’s SKU taken by a new product: the call screen shows the line as the deleted product and its confirmation is refused unless the line is changed', async () => {
  const s = await shop(t.db);
  const [id] = await leads(t.db, s, [{ sku: 'A' }]);
  const agent = await agentOf(t.db, [s.products.A, s.products.B]);
  const session = await login(t.app, agent.email);
  assert.equal((await session.json('POST', '/call-centre/next', {})).json().data.id, id);
  await deleteProduct(s.products.A);
  await createProduct(t.db, { accountId: s.accountId, sku: 'A', name: 'Product A2', price: 120 });

  const screen = await session.get(`/call-centre/leads/${id}`);
  assert.equal(screen.statusCode, 200);
  assert.ok(screen.body.includes(unsold('A')));
  // The line's choice is the deleted product; the new one is not offered (its choice was always refused).
  assert.match(screen.body, /<option value="A" selected>A \(not an active product\)<\/option>/);
  assert.doesNotMatch(screen.body, /A — Product A2/, 'the new product is not offered while the line is there');

  // The form sends the line back as shown: refused on the line, nothing written.
  const line = { sku: 'A', quantity: 1, price: 100 };
  const res = await session.form(`/leads/${id}/status`, { status: 'confirmed', ...customer, products: [line] }, { method: 'PATCH' });
  assert.equal(res.statusCode, 302, res.body);
  assert.equal(res.headers.location, `/call-centre/leads/${id}`);
  const back = await session.follow(res);
  assert.ok(back.body.includes('The selected products.0.sku is invalid.'), 'the line says why');
  assert.match(back.body, /<option value="A" selected>A \(not an active product\)<\/option>/);
  assert.deepEqual(await leadState(id), { status: 'new', call_attempts: 0, products: ['A:Product A (deleted)'] });
  // As JSON too.
  const json = await session.json('PATCH', `/leads/${id}/status`, { status: 'confirmed', products: [line] });
  assert.equal(json.statusCode, 422, json.body);
  assert.deepEqual(json.json().errors, { 'products.0.sku': ['The selected products.0.sku is invalid.'] });

  // The line changed to another product: confirmed with it.
  const relined = await session.form(
    `/leads/${id}/status`,
    { status: 'confirmed', ...customer, products: [{ sku: 'B', quantity: 2, price: 40 }] },
    { method: 'PATCH' },
  );
  assert.equal(relined.statusCode, 302, relined.body);
  assert.deepEqual(await leadState(id), { status: 'confirmed', call_attempts: 0, products: ['B:Product B'] });
});

// Review of 7597220: a lapsed claim keeps `claimed_by`, so the agent kept every lead they once held,
// and could take it again, after their manager took its product off them.
test('a lapsed claim keeps a lead with its agent only when its product was deleted, not once the product is taken off the agent', async () => {
  const s = await shop(t.db);
  const [kept, taken] = await leads(t.db, s, [{ sku: 'B' }, { sku: 'A' }]);
  const agent = await agentOf(t.db, [s.products.A, s.products.B]);
  const session = await login(t.app, agent.email);
  const lapse = (id: string) =>
    t.db.query(`UPDATE leads SET claimed_by = $2, claimed_until = now() - interval '1 minute' WHERE id = $1`, [id, agent.id]);
  await lapse(kept);
  await lapse(taken);
  await deleteProduct(s.products.B);
  await t.db.query(`UPDATE users SET products_ids_to_confirm = '[]' WHERE id = $1`, [agent.id]);
  // The deleted product's lead: still on their screen, to take again.
  assert.equal((await session.get(`/call-centre/leads/${kept}`)).statusCode, 200);
  // The product taken off them: the lead is no longer theirs to see or take.
  assert.equal((await session.get(`/call-centre/leads/${taken}`)).statusCode, 404);
  assert.equal((await session.get(`/leads/${taken}/show`)).statusCode, 404);
  await session.get('/call-centre');
  assert.equal((await session.form(`/call-centre/leads/${taken}/claim`, {})).statusCode, 404);
  const { rows } = await t.db.query<{ live: boolean }>('SELECT claimed_until > now() AS live FROM leads WHERE id = $1', [taken]);
  assert.equal(rows[0].live, false, 'not taken again');
});
