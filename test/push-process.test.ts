import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { SYSTEM } from '../src/core/actor.js';
import { enqueue } from '../src/jobs/enqueue.js';
import { createOrdersFromApi } from '../src/modules/orders/service.js';
import { createCompany } from '../src/modules/shipping-companies/service.js';
import { CourierSimulator } from '../src/modules/shipping/simulator.js';
import { pushJob } from '../src/modules/shipping/push.js';
import { brokenInvariants, productId, stock, warehouse } from '../src/modules/stocks/test-fixtures.js';
import { tenant, TEST_APP_KEY } from '../src/test-support/harness.js';
import { ownDatabase, spawnProcess, tempDataDir, withDatabase, type LongProcess } from './support/server-process.js';

// Workers killed here must not hold other files' jobs (see ownDatabase).
await ownDatabase();

const ORDERS = 200;
// The key the workers started here open the company's sealed API key with.
const APP_KEY = TEST_APP_KEY;

async function stop(p: LongProcess) {
  p.proc.kill('SIGTERM');
  assert.equal(await p.exited, 0, p.output());
}

/**
 * Waits for the job to end: on PostgreSQL its record says so; PGlite's data directory is this
 * worker's alone while it runs (nothing else can read the record), so its log says so.
 */
async function finished(worker: LongProcess, dataDir: string, jobId: string) {
  if (!process.env.DATABASE_URL) {
    await worker.waitFor(new RegExp(`"job":"${jobId}".*"msg":"job done"`), 180_000);
    return;
  }
  await withDatabase(dataDir, async (db) => {
    for (const end = Date.now() + 180_000; ; await sleep(250)) {
      const { rows } = await db.query<{ status: string }>('SELECT status FROM jobs WHERE id = $1', [jobId]);
      if (rows[0]?.status === 'done' || rows[0]?.status === 'failed') return;
      if (Date.now() > end) assert.fail(`the job is ${rows[0]?.status} after 180 s:\n${worker.output()}`);
    }
  });
}

test(`push ${ORDERS} orders, SIGKILL the worker midway, start another: one parcel per order, every order shipped once`, async () => {
  const dataDir = tempDataDir();
  const env = { DATA_DIR: dataDir, DATABASE_URL: process.env.DATABASE_URL, APP_KEY, JOBS_MAINTENANCE_SECONDS: '1', LOG_LEVEL: 'info' };
  const sim = await CourierSimulator.start();
  sim.set({ latencyMs: 15 });
  try {
    const { jobId, accountId, orderIds } = await withDatabase(dataDir, async (db) => {
      const shop = await tenant(db);
      await stock(db, await productId(db, shop.accountId, 'P1'), await warehouse(db), { quantity: ORDERS * 2 });
      const order = (i: number) => ({
        full_name: `Client ${i}`,
        phone: '0612345678',
        city: 'Fes',
        address: `${i} Rue des Mérinides`,
        is_fees_paid_by_customer: false,
        total: 199,
        products: [{ sku: 'P1', quantity: 1, price: 199 }],
      });
      const refs = await db.tx((q) =>
        createOrdersFromApi(q, SYSTEM, shop.accountId, { orders: Array.from({ length: ORDERS }, (_, i) => order(i)) }),
      );
      assert.equal(refs.length, ORDERS);
      const ids = (
        await db.query<{ id: string }>('SELECT id FROM orders WHERE account_id = $1 ORDER BY reference', [shop.accountId])
      ).rows.map((r) => r.id);
      const company = await db.tx((q) =>
        createCompany(q, SYSTEM as never, APP_KEY, { name: `Sim ${Date.now()}`, adapter: 'http', base_url: sim.url, api_key: sim.apiKey }),
      );
      const id = await db.tx((q) => enqueue(q, pushJob.kind, { companyId: company, orderIds: ids }, { total: ids.length }));
      return { jobId: id, accountId: shop.accountId, orderIds: ids };
    });

    const first = spawnProcess(['src/cli/index.ts', 'worker'], env);
    for (const end = Date.now() + 120_000; sim.parcels.size < ORDERS / 4; await sleep(20)) {
      if (first.proc.exitCode !== null || Date.now() > end) {
        first.proc.kill('SIGKILL');
        assert.fail(`the push did not get going (${sim.parcels.size} parcels):\n${first.output()}`);
      }
    }
    first.proc.kill('SIGKILL');
    await first.exited;
    assert.ok(sim.parcels.size < ORDERS, 'killed midway');

    const second = spawnProcess(['src/cli/index.ts', 'worker'], env);
    await finished(second, dataDir, jobId);
    await stop(second);

    await withDatabase(dataDir, async (db) => {
      const { rows } = await db.query<{ id: string; status: string; tracking_number: string }>(
        'SELECT id, status, tracking_number FROM orders WHERE id = ANY($1::text[])',
        [orderIds],
      );
      assert.equal(rows.length, ORDERS);
      for (const r of rows) {
        assert.equal(r.status, 'shipped', r.id);
        assert.equal(r.tracking_number, sim.parcelOf(r.id)?.tracking_number, `${r.id}: its one parcel`);
      }
      assert.equal(sim.parcels.size, ORDERS, 'one parcel per order');
      const histories = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM order_histories WHERE order_id = ANY($1::text[]) AND new_status = 'shipped'`,
        [orderIds],
      );
      assert.equal(histories.rows[0].n, ORDERS, 'shipped once each');
      assert.deepEqual(await brokenInvariants(db, accountId), []);
      const job = await db.query<{ status: string; done: number; failed: number }>('SELECT status, done, failed FROM jobs WHERE id = $1', [
        jobId,
      ]);
      assert.deepEqual(job.rows[0], { status: 'done', done: ORDERS, failed: 0 });
    });
  } finally {
    await sim.close();
  }
});
