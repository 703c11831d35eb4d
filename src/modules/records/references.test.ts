import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '../../lib/ids.js';
import { lead, order, tenant, sharedTestApp, type Tenant, type TestApp } from '../../test-support/harness.js';
import type { Actor } from '../../core/actor.js';
import type { Queryable } from '../../db/database.js';
import { insertLeads } from '../leads/service.js';
import { appendHistories } from './history.js';

// Migration 0009 checks the references of leads, orders, their lines and histories once per
// statement. These prove it refuses what the per-row foreign keys refused, and writes nothing.

let t: TestApp;
sharedTestApp((app) => (t = app));

const API = '/api/web/1.0';

async function refused(sql: string, params: unknown[], pattern: RegExp) {
  await assert.rejects(
    t.db.tx((q) => q.query(sql, params)),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, '23503', err.message);
      assert.match(err.message, pattern);
      return true;
    },
  );
}

async function shop() {
  const a = await tenant(t.db);
  const created = await t.app.inject({
    method: 'POST',
    url: `${API}/leads`,
    headers: a.auth,
    payload: { leads: [lead(1), lead(2)] },
  });
  assert.equal(created.statusCode, 201, created.body);
  const orderRes = await t.app.inject({ method: 'POST', url: `${API}/orders`, headers: a.auth, payload: { orders: [order(1)] } });
  assert.equal(orderRes.statusCode, 201, orderRes.body);
  const ids = await t.db.query<{ lead: string; product: string; order: string }>(
    `SELECT l.id AS lead, ll.product_id AS product, o.id AS order
       FROM leads l JOIN lead_lines ll ON ll.lead_id = l.id JOIN orders o ON o.account_id = l.account_id
      WHERE l.account_id = $1 LIMIT 1`,
    [a.accountId],
  );
  return { a, ...ids.rows[0] };
}

test('a line, a history or a lead naming a missing parent is refused, and the whole statement with it', async () => {
  const { a, lead: leadId, product } = await shop();
  const ghost = newId();
  // Counted for these two leads only: on PostgreSQL, other test files write lead_lines in the same database.
  const lines = async () =>
    (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM lead_lines WHERE lead_id = ANY($1)', [[leadId, ghost]])).rows[0].n;
  const before = await lines();
  await refused(
    `INSERT INTO lead_lines (lead_id, position, product_id, sku, name, quantity, price)
     SELECT * FROM unnest($1::text[], $2::smallint[], $3::text[], $4::text[], $5::text[], $6::int[], $7::numeric[])`,
    [
      [leadId, ghost],
      [7, 0],
      [product, product],
      ['P1', 'P1'],
      ['x', 'x'],
      [1, 1],
      [1, 1],
    ],
    new RegExp(`lead_id=\\(${ghost}\\) is not present in table "leads"`),
  );
  assert.equal(await lines(), before);

  await refused(
    'INSERT INTO lead_lines (lead_id, position, product_id, sku, name, quantity, price) VALUES ($1, 9, $2, $3, $3, 1, 1)',
    [leadId, ghost, 'GHOST'],
    /product_id=\(.+\) is not present in table "products"/,
  );
  await refused(
    `INSERT INTO lead_histories (account_id, lead_id, new_status, changed_by, token_id) VALUES ($1, $2, 'new', 'x', -1)`,
    [a.accountId, leadId],
    /token_id=\(-1\) is not present in table "api_tokens"/,
  );
  await refused(
    `INSERT INTO order_histories (account_id, order_id, new_status, changed_by, user_id) VALUES ($1, $2, 'new', 'x', NULL)`,
    [a.accountId, ghost],
    /order_id=\(.+\) is not present in table "orders"/,
  );
  await refused('UPDATE leads SET order_id = $2 WHERE id = $1', [leadId, ghost], /order_id=\(.+\) is not present in table "orders"/);
  await refused('UPDATE orders SET delivery_user_id = $1 WHERE account_id = $2', [ghost, a.accountId], /is not present in table "users"/);
  await refused(
    `INSERT INTO leads (id, account_id, reference, full_name, phone, phone_normalized, total) VALUES ($1, $2, 'LD-X', 'x', '1', '1', 1)`,
    [newId(), ghost],
    /account_id=\(.+\) is not present in table "accounts"/,
  );
});

/**
 * Calls of the check and count functions so far, counted with track_functions (turned on for the
 * transaction). The counts are the backend's not yet reported ones, which may include an earlier
 * transaction's: compare differences.
 */
async function functionCalls(q: Queryable) {
  await q.query(`SELECT set_config('track_functions', 'pl', true)`);
  const { rows } = await q.query<{ checks: number; counts: number; notes: number }>(
    `SELECT coalesce(pg_stat_get_xact_function_calls('require_parents'::regproc), 0)::int AS checks,
            coalesce(pg_stat_get_xact_function_calls('status_counts_apply'::regproc), 0)::int AS counts,
            coalesce(pg_stat_get_xact_function_calls('note_statement_change'::regproc), 0)::int AS notes`,
  );
  return rows[0];
}

// Migration 0027: the create's statement proves its parents, and the checks of that one statement stand aside.

const tokenActor = (a: Tenant, tokenId: number): Actor => ({
  kind: 'token',
  userId: a.userId,
  tokenId,
  label: 'API token "Test shop"',
  role: 'seller',
  accountId: a.accountId,
  impersonatorId: null,
});

test('a lead create whose actor is missing is refused by the parent check, and writes nothing', async () => {
  const a = await tenant(t.db);
  await assert.rejects(
    t.db.tx((q) => insertLeads(q, tokenActor(a, -1), a.accountId, [lead(1)] as Parameters<typeof insertLeads>[3])),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, '23503', err.message);
      assert.match(err.message, /token_id=\(-1\) is not present in table "api_tokens"/);
      return true;
    },
  );
  const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM leads WHERE account_id = $1', [a.accountId]);
  assert.equal(rows[0].n, 0);
});

test('after a lead create, the next statement of its transaction is checked again', async () => {
  const a = await tenant(t.db);
  let created: string[] | null = null;
  await assert.rejects(
    t.db.tx(async (q) => {
      const before = await functionCalls(q);
      created = (await insertLeads(q, tokenActor(a, a.tokenId), a.accountId, [lead(1), lead(2)] as Parameters<typeof insertLeads>[3])).refs;
      assert.equal((await functionCalls(q)).checks, before.checks, 'the create ran no parent check');
      await q.query(
        `INSERT INTO lead_histories (account_id, lead_id, new_status, changed_by, user_id)
         SELECT account_id, id, 'new', 'x', $2 FROM leads WHERE account_id = $1`,
        [a.accountId, newId()],
      );
    }),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, '23503', err.message);
      assert.match(err.message, /user_id=\(.+\) is not present in table "users"/);
      return true;
    },
  );
  assert.deepEqual(created, ['LD-00001', 'LD-00002'], 'the create itself was written');
});

// Migration 0044: a history append proves its parents as a create does.

test("a history append proves its rows' parents: no parent check runs for lead or order histories", async () => {
  const { a, lead: leadId, order: orderId } = await shop();
  await assert.rejects(
    t.db.tx(async (q) => {
      const before = await functionCalls(q);
      const actor = tokenActor(a, a.tokenId);
      await appendHistories(q, 'lead_histories', actor, a.accountId, [{ id: leadId, from: 'new', to: 'new', comment: 'c' }]);
      await appendHistories(q, 'lead_histories', actor, a.accountId, [
        { id: leadId, from: 'new', to: 'new', comment: null, changes: { city: ['A', 'B'] } },
      ]);
      await appendHistories(q, 'order_histories', actor, a.accountId, [{ id: orderId, from: 'new', to: 'new', comment: 'c' }]);
      assert.equal((await functionCalls(q)).checks, before.checks, 'no parent check ran');
      throw new Error('rolled back');
    }),
    /rolled back/,
  );
});

test('a history append naming a missing record or actor is refused by the parent check, and writes nothing', async () => {
  const { a, lead: leadId, order: orderId } = await shop();
  const ghost = newId();
  const histories = async () =>
    (
      await t.db.query<{ n: number }>(
        `SELECT (SELECT count(*) FROM lead_histories WHERE account_id = $1) + (SELECT count(*) FROM order_histories WHERE account_id = $1) AS n`,
        [a.accountId],
      )
    ).rows[0].n;
  const before = await histories();
  const append = (table: 'lead_histories' | 'order_histories', actor: Actor, ids: string[]) =>
    t.db.tx((q) =>
      appendHistories(
        q,
        table,
        actor,
        a.accountId,
        ids.map((id) => ({ id, from: 'new', to: 'new', comment: 'c' })),
      ),
    );
  const refusedWith = (pattern: RegExp) => (err: Error & { code?: string }) => {
    assert.equal(err.code, '23503', err.message);
    assert.match(err.message, pattern);
    return true;
  };
  await assert.rejects(
    append('lead_histories', tokenActor(a, a.tokenId), [leadId, ghost]),
    refusedWith(/lead_id=\(.+\) is not present in table "leads"/),
  );
  await assert.rejects(
    append('order_histories', tokenActor(a, a.tokenId), [ghost, orderId]),
    refusedWith(/order_id=\(.+\) is not present in table "orders"/),
  );
  await assert.rejects(
    append('lead_histories', tokenActor(a, -1), [leadId]),
    refusedWith(/token_id=\(-1\) is not present in table "api_tokens"/),
  );
  await assert.rejects(
    append('order_histories', { ...tokenActor(a, a.tokenId), impersonatorId: ghost }, [orderId]),
    refusedWith(/impersonator_id=\(.+\) is not present in table "users"/),
  );
  assert.equal(Number(await histories()), Number(before));
});

test('an update runs the parent check only when a reference changes, and the count only when a counted column does', async () => {
  const { a, lead: leadId, order: orderId } = await shop();
  const calls: Record<string, number>[] = [];
  await assert.rejects(
    t.db.tx(async (q) => {
      const before = await functionCalls(q);
      const step = async (sql: string, params: unknown[]) => {
        await q.query(sql, params);
        const now = await functionCalls(q);
        calls.push({ checks: now.checks - before.checks, counts: now.counts - before.counts, notes: now.notes - before.notes });
      };
      await step(`UPDATE leads SET city = 'Rabat', claimed_until = now() WHERE id = $1`, [leadId]);
      await step(`UPDATE leads SET status = 'no_reply' WHERE id = $1`, [leadId]);
      await step(`UPDATE leads SET order_id = $2 WHERE id = $1`, [leadId, orderId]);
      await step(`UPDATE orders SET city = 'Rabat' WHERE id = $1`, [orderId]);
      await step(`UPDATE orders SET deleted_at = now() WHERE id = $1`, [orderId]);
      // Both leads change status: one note for the statement.
      await step(`UPDATE leads SET status = 'canceled' WHERE account_id = $1`, [a.accountId]);
      throw new Error('rolled back');
    }),
    /rolled back/,
  );
  // Calls since the transaction began, after each statement.
  assert.deepEqual(calls, [
    { checks: 0, counts: 0, notes: 0 },
    { checks: 0, counts: 1, notes: 1 },
    { checks: 1, counts: 1, notes: 2 },
    { checks: 1, counts: 1, notes: 2 },
    { checks: 1, counts: 2, notes: 3 },
    { checks: 1, counts: 3, notes: 4 },
  ]);
});

test('a parent that is still referenced cannot be deleted, and ids cannot change', async () => {
  const { a, lead: leadId, product, order: orderId } = await shop();
  await refused('DELETE FROM leads WHERE id = $1', [leadId], /still referenced from table "lead_lines"/);
  await refused('DELETE FROM orders WHERE id = $1', [orderId], /still referenced from table "order_lines"/);
  await refused('DELETE FROM products WHERE id = $1', [product], /still referenced from table "lead_lines"/);
  await refused('UPDATE leads SET id = $2 WHERE id = $1', [leadId, newId()], /the id of a row of "leads" cannot change/);
  const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM leads WHERE id = $1 AND account_id = $2', [
    leadId,
    a.accountId,
  ]);
  assert.equal(rows[0].n, 1);
  // Once its children are gone, a lead can go (as the status-count test's hard delete does).
  await t.db.tx(async (q) => {
    await q.query('DELETE FROM lead_histories WHERE lead_id = $1', [leadId]);
    await q.query('DELETE FROM lead_lines WHERE lead_id = $1', [leadId]);
    await q.query('DELETE FROM leads WHERE id = $1', [leadId]);
  });
});

// Migration 0011: references come from one sequence per account and kind, created on first use.

const numbers = (refs: string[]) => refs.map((r) => Number(r.replace(/^\D+-/, '')));

test('8 concurrent creates in a new account get unique references, increasing within each request and over time', async () => {
  const a = await tenant(t.db);
  const create = async (n: number, from: number) => {
    const res = await t.app.inject({
      method: 'POST',
      url: `${API}/leads`,
      headers: a.auth,
      payload: { leads: Array.from({ length: n }, (_, i) => lead(from + i)) },
    });
    assert.equal(res.statusCode, 201, res.body);
    return numbers((res.json() as { data: { references: string[] } }).data.references);
  };
  // The first requests of the account race to create its sequence.
  const batches = await Promise.all(Array.from({ length: 8 }, (_, i) => create(1 + (i % 3) * 10, i * 100)));
  for (const b of batches)
    assert.deepEqual(
      b,
      [...b].sort((x, y) => x - y),
      'increasing within a request',
    );
  const all = batches.flat();
  assert.equal(new Set(all).size, all.length, 'unique');
  // Nothing was rolled back: the numbers are exactly 1..n.
  assert.deepEqual(
    [...all].sort((x, y) => x - y),
    Array.from({ length: all.length }, (_, i) => i + 1),
  );
  const later = await create(2, 1000);
  assert.ok(later[0] > Math.max(...all), 'a later request gets higher numbers');
  const { rows } = await t.db.query<{ n: number }>('SELECT count(DISTINCT reference)::int AS n FROM leads WHERE account_id = $1', [
    a.accountId,
  ]);
  assert.equal(rows[0].n, all.length + 2);
});

test('each account and kind counts on its own, and a rolled-back request leaves a gap', async () => {
  const a = await tenant(t.db);
  const b = await tenant(t.db);
  const post = (who: typeof a, url: string, payload: object) =>
    t.app.inject({ method: 'POST', url: `${API}${url}`, headers: who.auth, payload });
  assert.equal((await post(a, '/leads', { leads: [lead(1), lead(2)] })).json().data.references.join(), 'LD-00001,LD-00002');
  assert.equal((await post(b, '/leads', { leads: [lead(1)] })).json().data.references.join(), 'LD-00001');
  assert.equal((await post(a, '/orders', { orders: [order(1)] })).statusCode, 201);
  const refs = await t.db.query<{ reference: string }>('SELECT reference FROM orders WHERE account_id = $1', [a.accountId]);
  assert.deepEqual(
    refs.rows.map((r) => r.reference),
    ['ORD-00001'],
  );

  await assert.rejects(
    t.db.tx(async (q) => {
      await q.query(`SELECT reserve_references($1, 'lead', 3)`, [a.accountId]);
      throw new Error('rolled back');
    }),
    /rolled back/,
  );
  assert.equal((await post(a, '/leads', { leads: [lead(3)] })).json().data.references.join(), 'LD-00006');
});
