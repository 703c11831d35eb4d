// `npm run bench -- --fulfilment [--orders 10000] [--slots 2]`: pushes N orders through the `http`
// adapter to the local simulated courier (src/modules/shipping/simulator.ts) with a separate
// `codops worker` process, then syncs N shipped orders; writes bench/results-fulfilment.json.
// PostgreSQL only (a worker process beside the bench needs a shared database): DATABASE_URL, else a
// temporary database.
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { SYSTEM } from '../src/core/actor.js';
import type { Database } from '../src/db/database.js';
import { migrate } from '../src/db/migrate.js';
import { openDatabase } from '../src/db/open.js';
import { enqueue } from '../src/jobs/enqueue.js';
import '../src/job-kinds.js';
import { findJob } from '../src/modules/jobs/queries.js';
import { createOrders } from '../src/modules/orders/lifecycle.js';
import { activeProductsBySku } from '../src/modules/products/lookup.js';
import { createCompany } from '../src/modules/shipping-companies/service.js';
import { CourierSimulator } from '../src/modules/shipping/simulator.js';
import { incrementStock } from '../src/modules/stocks/service.js';
import { newId } from '../src/lib/ids.js';
import { type machine, percentile, round, sleep, watchRss, writeJson } from './lib.js';
import { APP_KEY, log, makeShop, onCleanup, temporaryDatabase } from './setup.js';

const PUSH_CHUNK = 1000; // POST /orders/push takes at most 1,000 ids: one job per chunk, as the page would enqueue

async function shippedCount(db: Database, accountId: string, status = 'shipped'): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM orders WHERE account_id = $1 AND status = $2', [
    accountId,
    status,
  ]);
  return rows[0].n;
}

async function waitJobs(db: Database, ids: string[], timeoutMs: number) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const jobs = await Promise.all(ids.map(async (id) => (await findJob(db, id))!.data));
    if (jobs.every((j) => j.status === 'done' || j.status === 'failed')) return jobs;
    if (Date.now() > end)
      throw new Error(`jobs not finished after ${timeoutMs} ms: ${jobs.map((j) => `${j.status} ${j.done}/${j.total}`).join(', ')}`);
    await sleep(100);
  }
}

export async function runFulfilment(root: string, info: ReturnType<typeof machine>, opt: { orders: number; slots: number; out: string }) {
  const url = process.env.DATABASE_URL || (await temporaryDatabase('fulfilment'));
  const db = await openDatabase({ databaseUrl: url, dataDir: '' });
  onCleanup('close database', () => db.close());
  await migrate(db);
  const shop = await makeShop(db, `Fulfilment bench ${Date.now()}`, 1);
  const sku = shop.products[0].sku;

  // ---------------------------------------------------------------- setup: stock, N new orders, a courier
  log(`setup: ${opt.orders} orders`);
  const warehouseId = newId();
  const stockId = newId();
  await db.query('INSERT INTO warehouses (id, name, city, address) VALUES ($1, $2, $3, $4)', [
    warehouseId,
    `Bench ${warehouseId}`,
    'Rabat',
    '1 Rue',
  ]);
  await db.query('INSERT INTO stocks (id, product_id, warehouse_id) VALUES ($1, $2, $3)', [stockId, shop.products[0].id, warehouseId]);
  await db.tx((q) => incrementStock(q, SYSTEM, stockId, opt.orders, 'Bench stock'));
  const products = await activeProductsBySku(db, shop.accountId, [sku]);
  for (let i = 0; i < opt.orders; i += 1000) {
    const n = Math.min(1000, opt.orders - i);
    await db.tx((q) =>
      createOrders(
        q,
        SYSTEM,
        shop.accountId,
        Array.from({ length: n }, (_, k) => ({
          full_name: `Bench customer ${i + k}`,
          phone: `06${String(20_000_000 + i + k)}`,
          city: 'Rabat',
          area: 'Agdal',
          address: `${i + k} Avenue Hassan II`,
          is_fees_paid_by_customer: false,
          total: 199,
          products: [{ sku, quantity: 1, price: 199 }],
        })),
        products,
      ),
    );
  }
  const { rows: orderRows } = await db.query<{ id: string }>('SELECT id FROM orders WHERE account_id = $1 ORDER BY reference', [
    shop.accountId,
  ]);
  const sim = await CourierSimulator.start();
  onCleanup('stop simulator', () => sim.close());
  const companyId = await db.tx((q) =>
    createCompany(q, SYSTEM as never, APP_KEY, {
      name: `Bench courier ${Date.now()}`,
      adapter: 'http',
      base_url: sim.url,
      api_key: sim.apiKey,
      status_map: { DELIVERED: 'delivered', RETURNED: 'returned', OUT: 'shipped' },
    }),
  );

  // ---------------------------------------------------------------- the worker process
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: url, APP_KEY, LOG_LEVEL: 'warn', SYNC_INTERVAL_SECONDS: '0' };
  delete env.REDIS_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/index.ts'), 'worker', '--slots', String(opt.slots)], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  onCleanup('stop worker', async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => (String(d).includes('Worker started') ? resolve() : undefined));
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
  const rss = watchRss(child.pid!, 100);
  const idleRss = rss.last();
  log(`worker pid ${child.pid}, ${opt.slots} slots, ${idleRss} MB at rest`);

  // ---------------------------------------------------------------- push
  const started = performance.now();
  const pushJobs: string[] = [];
  await db.tx(async (q) => {
    for (let i = 0; i < orderRows.length; i += PUSH_CHUNK) {
      const ids = orderRows.slice(i, i + PUSH_CHUNK).map((r) => r.id);
      pushJobs.push(await enqueue(q, 'orders.push', { companyId, orderIds: ids }, { total: ids.length }));
    }
  });
  const pushed = await waitJobs(db, pushJobs, 30 * 60_000);
  const pushSeconds = (performance.now() - started) / 1000;
  const pushRss = rss.mark();
  const shipped = await shippedCount(db, shop.accountId);
  const parcels = sim.parcels.size;
  const pushFailed = pushed.reduce((n, j) => n + j.failed, 0);
  // Each job's own rate, from its start to its end (jobs run three at a time: the worker's slots and its urgent one).
  const { rows: perJob } = await db.query<{ seconds: number; total: number }>(
    'SELECT extract(epoch FROM finished_at - started_at)::float8 AS seconds, total FROM jobs WHERE id = ANY($1::uuid[])',
    [pushJobs],
  );
  const jobRates = perJob.map((j) => j.total / j.seconds).sort((a, b) => a - b);
  log(`push: ${shipped} shipped, ${parcels} parcels in ${round(pushSeconds, 1)} s`);

  // ---------------------------------------------------------------- sync
  const tracking = (
    await db.query<{ t: string }>('SELECT tracking_number AS t FROM orders WHERE account_id = $1 AND status = $2', [
      shop.accountId,
      'shipped',
    ])
  ).rows.map((r) => r.t);
  // Every parcel gets an event; 60 % are delivered, 25 % returned, 15 % still on the road.
  const delivered = tracking.filter((_, i) => i % 20 < 12);
  const returned = tracking.filter((_, i) => i % 20 >= 12 && i % 20 < 17);
  const onRoad = tracking.filter((_, i) => i % 20 >= 17);
  sim.advance(delivered, 'DELIVERED', { note: 'Paid cash' });
  sim.advance(returned, 'RETURNED', { note: 'Refused' });
  sim.advance(onRoad, 'OUT');
  const syncStart = performance.now();
  const syncJob = await db.tx((q) => enqueue(q, 'shipping.sync', { companyId }));
  const [synced] = await waitJobs(db, [syncJob], 30 * 60_000);
  const syncSeconds = (performance.now() - syncStart) / 1000;
  const syncRss = rss.mark();
  const { rows: ev } = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM order_events e JOIN orders o ON o.id = e.order_id WHERE o.account_id = $1',
    [shop.accountId],
  );
  const { rows: stock } = await db.query<{ quantity: number; history: number }>(
    'SELECT quantity, (SELECT sum(change) FROM stock_histories h WHERE h.stock_id = s.id)::int AS history FROM stocks s WHERE id = $1',
    [stockId],
  );
  const result = {
    machine: info,
    date: new Date().toISOString(),
    load_average: loadavg().map((x) => round(x, 2)),
    orders: opt.orders,
    worker_slots: opt.slots,
    push: {
      jobs: pushJobs.length,
      seconds: round(pushSeconds, 2),
      orders_per_second: round(opt.orders / pushSeconds, 1),
      job_orders_per_second: {
        median: round(percentile(jobRates, 50), 1),
        min: round(jobRates[0], 1),
        max: round(jobRates[jobRates.length - 1], 1),
      },
      shipped,
      parcels,
      failed: pushFailed,
      worker_idle_rss_mb: idleRss,
      worker_peak_rss_mb: pushRss,
      simulator_requests: sim.requests.length,
    },
    sync: {
      seconds: round(syncSeconds, 2),
      orders_per_second: round(tracking.length / syncSeconds, 1),
      status: synced.status,
      delivered: await shippedCount(db, shop.accountId, 'delivered'),
      returned: await shippedCount(db, shop.accountId, 'returned'),
      still_shipped: await shippedCount(db, shop.accountId),
      events_recorded: ev[0].n,
      worker_peak_rss_mb: syncRss,
    },
    stock_rule_holds: stock[0].quantity === stock[0].history,
  };
  rss.stop();
  await writeJson(opt.out, result);
  console.log(JSON.stringify(result, null, 2));
  return result;
}
