import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { SYSTEM } from '../../core/actor.js';
import type { Database, Queryable } from '../../db/database.js';
import { vacuumAndAnalyze } from '../../db/maintenance.js';
import { migrate } from '../../db/migrate.js';
import { openPostgres } from '../../db/postgres.js';
import { lead, order, tenant, usingPostgres } from '../../test-support/harness.js';
import { openMigrated } from '../../test-support/pglite-template.js';
import { lockOrders, orderJson, reachableOrders } from '../orders/queries.js';
import { createOrdersFromApi } from '../orders/service.js';
import { leadJson, lockLeads, reachableLeads } from './queries.js';
import { createLeads } from './service.js';

/**
 * A database of its own, on one connection (the plans under test are kept per connection): a new
 * PostgreSQL database beside the suite's, or an in-memory PGlite.
 */
async function ownDatabase(): Promise<{ db: Database; drop: () => Promise<void> }> {
  if (!usingPostgres) {
    const db = await openMigrated({ databaseUrl: '', dataDir: '' }, { memory: true });
    return { db, drop: () => db.close() };
  }
  const url = new URL(process.env.DATABASE_URL!);
  const name = `young_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: url.href });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  url.pathname = `/${name}`;
  const db = await openPostgres(url.href, 1);
  const drop = async () => {
    await db.close();
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin.end();
  };
  try {
    await migrate(db);
  } catch (err) {
    await drop(); // a failed migration leaves no database behind
    throw err;
  }
  return { db, drop };
}

/** A body of n leads, numbered from `from`. */
const leads = (from: number, n: number) => ({ leads: [...Array(n)].map((_, i) => lead(from + i)) });

/** Rows of `table` read by `fn` (heap rows fetched through indexes and read by scans), in one transaction. */
async function rowsRead(db: Database, table: string, fn: (q: Queryable) => Promise<unknown>): Promise<number> {
  return db.tx(async (q) => {
    const read = async () =>
      (
        await q.query<{ n: number }>(
          `SELECT (coalesce(idx_tup_fetch, 0) + coalesce(seq_tup_read, 0))::int AS n FROM pg_stat_xact_user_tables WHERE relname = $1`,
          [table],
        )
      ).rows[0].n;
    const before = await read();
    await fn(q);
    return (await read()) - before;
  });
}

test('plans made while leads was empty still look leads up by key once it holds thousands: a small create and a lock read a few rows', async () => {
  const { db, drop } = await ownDatabase();
  try {
    // What the maintenance task does on a new installation: statistics of the empty tables.
    await vacuumAndAnalyze(db, true);
    const a = await tenant(db);
    // The small statements' plans (kept by the connection until the next ANALYZE) are made now.
    const first = await db.tx((q) => createLeads(q, SYSTEM, a.accountId, leads(0, 10)));
    await db.tx((q) => lockLeads(q, a.accountId, first));
    for (let i = 1; i <= 3; i++) await db.tx((q) => createLeads(q, SYSTEM, a.accountId, leads(i * 1000, 1000)));

    let refs: string[] = [];
    const created = await rowsRead(db, 'leads', async (q) => (refs = await createLeads(q, SYSTEM, a.accountId, leads(10, 10))));
    assert.equal(refs.length, 10);
    // Its own ten (the lines' and histories' parent checks) and the phones' look-up; 3,000 when
    // a check or the look-up read the account's leads.
    assert.ok(created <= 100, `a 10-lead create read ${created} rows of leads`);
    const locked = await rowsRead(db, 'leads', async (q) =>
      assert.equal((await lockLeads(q, a.accountId, [...refs, 'LD-99999'])).size, 10),
    );
    assert.ok(locked <= 30, `locking 10 leads read ${locked} rows of leads`);
  } finally {
    await drop();
  }
});

/** A body of n orders, numbered from `from`. */
const orders = (from: number, n: number) => ({ orders: [...Array(n)].map((_, i) => order(from + i)) });

/** An account with one lead and one order, on tables analysed while empty. */
async function oneOfEach(db: Database) {
  await vacuumAndAnalyze(db, true);
  const a = await tenant(db);
  const [aLead] = await db.tx((q) => createLeads(q, SYSTEM, a.accountId, leads(0, 1)));
  const [anOrder] = await db.tx((q) => createOrdersFromApi(q, SYSTEM, a.accountId, orders(0, 1)));
  return { a, aLead, anOrder };
}

/** 3,000 more leads and orders in the account, with no ANALYZE between. */
async function grow(db: Database, accountId: string) {
  for (let i = 1; i <= 3; i++) {
    await db.tx((q) => createLeads(q, SYSTEM, accountId, leads(i * 1000, 1000)));
    await db.tx((q) => createOrdersFromApi(q, SYSTEM, accountId, orders(i * 1000, 1000)));
  }
}

test('a show planned while leads and orders were nearly empty reads its one row once they hold thousands', async () => {
  const { db, drop } = await ownDatabase();
  try {
    const { a, aLead, anOrder } = await oneOfEach(db);
    // More than the five custom plans PostgreSQL makes before it keeps a named statement's generic one.
    for (let i = 0; i < 7; i++) {
      assert.ok(await leadJson(db, a.accountId, aLead));
      assert.ok(await orderJson(db, a.accountId, anOrder));
    }
    await grow(db, a.accountId);
    // One row each; 3,001 when the plan made on a one-row table (a scan) was kept.
    const leadRows = await rowsRead(db, 'leads', async (q) => assert.ok(await leadJson(q, a.accountId, aLead)));
    assert.ok(leadRows <= 2, `GET /leads/{reference} read ${leadRows} rows of leads`);
    const orderRows = await rowsRead(db, 'orders', async (q) => assert.ok(await orderJson(q, a.accountId, anOrder)));
    assert.ok(orderRows <= 2, `GET /orders/{reference} read ${orderRows} rows of orders`);
  } finally {
    await drop();
  }
});

test('analysed while leads and orders were nearly empty, the reach checks and the order lock read only the rows they name', async () => {
  const { db, drop } = await ownDatabase();
  try {
    const { a, aLead, anOrder } = await oneOfEach(db);
    await vacuumAndAnalyze(db, true); // statistics of tables of one row each
    await grow(db, a.accountId);
    const { rows } = await db.query<{ p: string }>('SELECT product_id AS p FROM lead_lines LIMIT 1');
    // An agent's token (their products' leads) and a courier's (their orders) narrow the account.
    const agent = { accountId: a.accountId, productIds: [rows[0].p] };
    const courier = { accountId: a.accountId, deliveryUserId: 'nobody' };
    // One row each; 3,001 when the partial index of the account's live rows was scanned instead.
    const reachedLeads = await rowsRead(db, 'leads', async (q) =>
      assert.deepEqual([...(await reachableLeads(q, agent, [aLead]))], [aLead]),
    );
    assert.ok(reachedLeads <= 2, `reaching one lead read ${reachedLeads} rows of leads`);
    const reachedOrders = await rowsRead(db, 'orders', async (q) => assert.equal((await reachableOrders(q, courier, [anOrder])).size, 0));
    assert.ok(reachedOrders <= 2, `reaching one order read ${reachedOrders} rows of orders`);
    const locked = await rowsRead(db, 'orders', async (q) =>
      assert.deepEqual([...(await lockOrders(q, a.accountId, [anOrder, 'ORD-99999'])).keys()], [anOrder]),
    );
    assert.ok(locked <= 2, `locking one order read ${locked} rows of orders`);
  } finally {
    await drop();
  }
});
