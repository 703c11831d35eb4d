import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SYSTEM } from '../../core/actor.js';
import type { Queryable } from '../../db/database.js';
import { lead, tenant, sharedTestApp, type Tenant, type TestApp } from '../../test-support/harness.js';
import { login } from '../../test-support/session.js';
import { createProduct } from '../products/service.js';
import { createLeads } from './service.js';

let t: TestApp;
sharedTestApp((app) => (t = app));

const API = '/api/web/1.0';
const post = async (a: Tenant, leads: unknown[]) => {
  const res = await t.app.inject({ method: 'POST', url: `${API}/leads`, headers: a.auth, payload: { leads } });
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as { message: string; data: { references: string[] } };
};
const states = async (a: Tenant) =>
  (
    await t.db.query<{ reference: string; status: string; duplicate_of: string | null }>(
      'SELECT reference, status, duplicate_of FROM leads WHERE account_id = $1 ORDER BY reference',
      [a.accountId],
    )
  ).rows.map((r) => [r.reference, r.status, r.duplicate_of]);
const line = (sku: string) => ({ sku, quantity: 1, price: 10 });

test('a duplicate within one body and against open leads of the window with a SKU in common: status duplicate, duplicate_of the earliest', async () => {
  const a = await tenant(t.db);
  const phone = '0612000111';
  // The create's answer does not change.
  assert.deepEqual(await post(a, [lead(1, { phone, products: [line('P1')] })]), {
    message: 'Leads created successfully.',
    data: { references: ['LD-00001'] },
  });
  await post(a, [
    lead(2, { phone: '+212612000111', products: [line('P2'), line('P1')] }), // same number, P1 in common with LD-00001
    lead(3, { phone, products: [line('P2')] }), // nothing in common with LD-00001; P2 only with LD-00002, a duplicate: not open, so new
    lead(4, { phone: '0612000222', products: [line('P1')] }), // another customer
    lead(5, { phone: '0612000222', products: [line('P1'), line('P2')] }), // a duplicate of the item before it
    lead(6, { phone: '0612000222', products: [line('P2')] }), // P2 only with LD-00005, a duplicate: not open, so new
    lead(7, { phone: '0612000222', products: [line('P2'), line('P1')] }), // of the earliest open one, LD-00004
  ]);
  assert.deepEqual(await states(a), [
    ['LD-00001', 'new', null],
    ['LD-00002', 'duplicate', 'LD-00001'],
    ['LD-00003', 'new', null],
    ['LD-00004', 'new', null],
    ['LD-00005', 'duplicate', 'LD-00004'],
    ['LD-00006', 'new', null],
    ['LD-00007', 'duplicate', 'LD-00004'],
  ]);
  const history = await t.db.query<{ new_status: string }>(
    `SELECT h.new_status FROM lead_histories h JOIN leads l ON l.id = h.lead_id WHERE l.account_id = $1 AND l.reference = 'LD-00002'`,
    [a.accountId],
  );
  assert.deepEqual(
    history.rows.map((r) => r.new_status),
    ['duplicate'],
  );
});

test('within one body, an item counts for later ones only if it is itself open: as when the leads come in separate requests', async () => {
  const a = await tenant(t.db);
  const b = await tenant(t.db);
  await createProduct(t.db, { accountId: a.accountId, sku: 'P3', name: 'Honey 500g', price: 80 });
  const phone = '0655000222';
  // The audit's case: P1 open before the request; [P2+P1, P2] gives the second item new, as three requests do.
  await post(a, [lead(1, { phone, products: [line('P1')] })]);
  await post(a, [lead(2, { phone, products: [line('P2'), line('P1')] }), lead(3, { phone, products: [line('P2')] })]);
  for (const skus of [['P1'], ['P2', 'P1'], ['P2']]) await post(b, [lead(1, { phone, products: skus.map(line) })]);
  // Chains on another number: P1 new; P1+P2 its duplicate; P2 (only with that duplicate) new; P2+P3 a
  // duplicate of the new P2; P3 (only with that duplicate) new; P3+P1 a duplicate of the earliest open one.
  const chain = [['P1'], ['P1', 'P2'], ['P2'], ['P2', 'P3'], ['P3'], ['P3', 'P1']];
  await post(
    a,
    chain.map((skus, i) => lead(10 + i, { phone: '0655000333', products: skus.map(line) })),
  );
  assert.deepEqual(await states(a), [
    ['LD-00001', 'new', null],
    ['LD-00002', 'duplicate', 'LD-00001'],
    ['LD-00003', 'new', null],
    ['LD-00004', 'new', null],
    ['LD-00005', 'duplicate', 'LD-00004'],
    ['LD-00006', 'new', null],
    ['LD-00007', 'duplicate', 'LD-00006'],
    ['LD-00008', 'new', null],
    ['LD-00009', 'duplicate', 'LD-00004'],
  ]);
  assert.deepEqual(await states(b), (await states(a)).slice(0, 3));
});

test('the dashboard names what a duplicate repeats: a link on its page, the reference on the list', async () => {
  const a = await tenant(t.db);
  await post(a, [lead(1, { phone: '0612000333', products: [line('P1')] }), lead(2, { phone: '0612000333', products: [line('P1')] })]);
  const ids = Object.fromEntries(
    (await t.db.query<{ reference: string; id: string }>('SELECT reference, id FROM leads WHERE account_id = $1', [a.accountId])).rows.map(
      (r) => [r.reference, r.id],
    ),
  );
  const seller = await login(t.app, a.email);
  const page = await seller.get(`/leads/${ids['LD-00002']}/show`);
  assert.match(page.body, new RegExp(`<dt>Duplicate of</dt><dd><a href="/leads/${ids['LD-00001']}/show">LD-00001</a></dd>`));
  assert.match((await seller.get('/leads?status=duplicate')).body, /of LD-00001/);
});

test('no duplicate of a closed lead, of one older than the window, or of another account’s', async () => {
  const a = await tenant(t.db);
  const b = await tenant(t.db);
  const phone = '0612000333';
  await post(a, [lead(1, { phone }), lead(2, { phone: '0612000444' })]);
  await t.db.query(`UPDATE leads SET status = 'confirmed' WHERE account_id = $1 AND reference = 'LD-00001'`, [a.accountId]);
  await t.db.query(`UPDATE leads SET created_at = now() - interval '8 days' WHERE account_id = $1 AND reference = 'LD-00002'`, [
    a.accountId,
  ]);
  await post(a, [lead(3, { phone }), lead(4, { phone: '0612000444' })]);
  await post(b, [lead(5, { phone })]);
  assert.deepEqual(await states(a), [
    ['LD-00001', 'confirmed', null],
    ['LD-00002', 'new', null],
    ['LD-00003', 'new', null],
    ['LD-00004', 'new', null],
  ]);
  assert.deepEqual(await states(b), [['LD-00001', 'new', null]]);
});

test('the insert issues the same statements for 1 lead as for 200: no query per lead', async () => {
  const a = await tenant(t.db);
  const counted = async (n: number) => {
    let statements = 0;
    await t.db.tx(async (q) => {
      const spy: Queryable = {
        ...q,
        query: ((...args: Parameters<Queryable['query']>) => (statements++, q.query(...args))) as Queryable['query'],
      };
      await createLeads(spy, SYSTEM, a.accountId, {
        leads: [...Array(n)].map((_, i) => lead(i, { phone: `06${String(40_000_000 + (i % 50))}`, products: [line(i % 2 ? 'P1' : 'P2')] })),
      });
    });
    return statements;
  };
  await counted(1); // the account's first change also asks who listens to its events (then remembered)
  const one = await counted(1);
  assert.equal(await counted(200), one);
  const dups = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM leads WHERE account_id = $1 AND status = 'duplicate'`, [
    a.accountId,
  ]);
  assert.ok(dups.rows[0].n >= 150, `${dups.rows[0].n} duplicates among 201 leads on 50 numbers`);
});
