import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SYSTEM } from '../../core/actor.js';
import { JobWorker } from '../../jobs/worker.js';
import { tenant, testApp, type TestApp, type Tenant } from '../../test-support/harness.js';
import { login, type Agent } from '../../test-support/session.js';
import { jobFinished } from '../../test-support/jobs.js';
import { createOrdersFromApi } from '../orders/service.js';
import { transitionOrders } from '../orders/lifecycle.js';
import { createCompany } from '../shipping-companies/service.js';
import { brokenInvariants, productId, staff, stock, warehouse } from '../stocks/test-fixtures.js';
import { CourierSimulator } from './simulator.js';
import { enqueueScheduledSync } from './sync.js';

const ORDERS = 130; // more than one call of 100 tracking numbers
let t: TestApp;
let shop: Tenant;
let admin: Agent;
let sim: CourierSimulator;
let company: string;
const companyName = `Sim ${Date.now()}`;
let worker: JobWorker;

const statuses = async () =>
  (
    await t.db.query<{ id: string; status: string; tracking_number: string }>(
      'SELECT id, status, tracking_number FROM orders WHERE account_id = $1 ORDER BY reference',
      [shop.accountId],
    )
  ).rows;

before(async () => {
  t = await testApp();
  shop = await tenant(t.db);
  await stock(t.db, await productId(t.db, shop.accountId, 'P1'), await warehouse(t.db), { quantity: ORDERS * 2 });
  const a = await staff(t.db, 'admin');
  admin = await login(t.app, a.email);
  sim = await CourierSimulator.start();
  company = await t.db.tx((q) =>
    createCompany(q, { id: a.id } as never, t.app.config.appKey, {
      name: companyName,
      adapter: 'http',
      base_url: sim.url,
      api_key: sim.apiKey,
      status_map: { LIVRE: 'delivered', RETOUR: 'returned', RAMASSE: 'shipped' },
    }),
  );
  const order = (i: number) => ({
    full_name: `Client ${i}`,
    phone: '0612345678',
    city: 'Tanger',
    address: `${i} Rue de la Plage`,
    is_fees_paid_by_customer: false,
    total: 199,
    products: [{ sku: 'P1', quantity: 1, price: 199 }],
  });
  await t.db.tx((q) => createOrdersFromApi(q, SYSTEM, shop.accountId, { orders: Array.from({ length: ORDERS }, (_, i) => order(i)) }));
  worker = await new JobWorker(t.db, {
    slots: 1,
    pollMs: 100,
    kinds: ['orders.push', 'shipping.sync'],
    appKey: t.app.config.appKey,
  }).start();
  const ids = (await statuses()).map((o) => o.id);
  const push = await admin.json('POST', '/orders/push', { ids, shipping_company_id: company });
  assert.equal((await jobFinished(t.db, push.json().data.job_id)).done, ORDERS);
});
after(async () => {
  await worker.stop();
  await sim.close();
  await t.close();
});

test('sync: delivered and returned through the transition, each courier event once even when repeated, unmapped statuses kept as events', async () => {
  const orders = await statuses();
  const tn = (i: number) => orders[i].tracking_number;
  const all = orders.map((o) => o.tracking_number);
  sim.advance(all, 'RAMASSE', { note: 'Picked up', at: '2026-11-30T08:00:00Z' });
  sim.advance([tn(0), tn(1), tn(120)], 'LIVRE', { at: '2026-11-30T12:00:00Z' });
  sim.advance([tn(2), tn(125)], 'RETOUR', { note: 'Refused at the door', at: '2026-11-30T13:00:00Z' });
  sim.advance(tn(3), 'EN_ATTENTE', { at: '2026-11-30T14:00:00Z' });
  sim.repeatLastEvent(tn(0));

  const res = await admin.json('POST', `/shipping-companies/${company}/sync`);
  assert.equal(res.statusCode, 202, res.body);
  const job = await jobFinished(t.db, res.json().data.job_id);
  assert.equal(job.status, 'done', JSON.stringify(job));
  assert.equal(job.done, ORDERS);
  assert.ok(sim.count('fetch') >= 2, 'asked 100 tracking numbers at a time');

  const after = await statuses();
  const by = (s: string) =>
    after
      .filter((o) => o.status === s)
      .map((o) => o.tracking_number)
      .sort();
  assert.deepEqual(by('delivered'), [tn(0), tn(1), tn(120)].sort());
  assert.deepEqual(by('returned'), [tn(2), tn(125)].sort());
  assert.equal(by('shipped').length, ORDERS - 5);
  const events = async () =>
    (
      await t.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM order_events e JOIN orders o ON o.id = e.order_id WHERE o.account_id = $1',
        [shop.accountId],
      )
    ).rows[0].n;
  // Every distinct event the courier holds (creation, pick-up, delivered, returned, waiting); a repeat once.
  const expected = [...sim.parcels.values()].reduce((n, p) => n + new Set(p.events.map((e) => JSON.stringify(e))).size, 0);
  assert.equal(expected, ORDERS * 2 + 3 + 2 + 1);
  assert.equal(await events(), expected);
  assert.deepEqual(await brokenInvariants(t.db, shop.accountId), []);
  // The order page shows what the courier said; the order names its company.
  const page = await admin.get(`/orders/${orders[0].id}/show`);
  assert.match(page.body, /Courier events/);
  assert.match(page.body, /<strong>LIVRE<\/strong>/);
  assert.match(page.body, /Picked up/);
  assert.equal((await admin.json('GET', `/orders/${orders[0].id}/show`)).json().data.shipping_company, companyName);
  // And so does the order's history page, under its timeline.
  const historyPage = (await admin.get(`/orders-histories/${orders[0].id}/show`)).body;
  assert.match(historyPage, /Timeline[\s\S]*Courier events[\s\S]*<strong>LIVRE<\/strong>/);

  // The schedule's sync asks again: nothing recorded twice, nothing moved twice; the courier repeats itself.
  sim.repeatLastEvent(tn(2));
  const scheduled = await t.db.tx((q) => enqueueScheduledSync(q));
  assert.ok(scheduled);
  assert.equal(await t.db.tx((q) => enqueueScheduledSync(q)), undefined, 'one scheduled sync at a time');
  assert.equal((await jobFinished(t.db, scheduled!)).status, 'done');
  assert.equal(await events(), expected);
  const histories = await t.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM order_histories h JOIN orders o ON o.id = h.order_id WHERE o.account_id = $1 AND h.new_status IN ('delivered', 'returned')`,
    [shop.accountId],
  );
  assert.equal(histories.rows[0].n, 5);
  assert.deepEqual(await brokenInvariants(t.db, shop.accountId), []);
});

test('sync on demand: a page goes back to the company with the progress bar; only admins may start one', async () => {
  const seller = await login(t.app, shop.email);
  assert.equal((await seller.json('POST', `/shipping-companies/${company}/sync`)).statusCode, 403);
  const page = await admin.form(`/shipping-companies/${company}/sync`, {});
  assert.equal(page.statusCode, 302);
  assert.match(String(page.headers.location), new RegExp(`^/shipping-companies/${company}/show\\?job=`));
  const shown = await admin.follow(page);
  assert.match(shown.body, /Syncing statuses/);
});

test('a renewed order gets a new parcel (Idempotency-Key <id>-2): its old, returned parcel never moves it again', async () => {
  const order = (await statuses()).filter((o) => o.status === 'shipped').at(-1)!;
  const sync = async () => {
    const res = await admin.json('POST', `/shipping-companies/${company}/sync`);
    assert.equal((await jobFinished(t.db, res.json().data.job_id)).status, 'done');
  };
  const now = async () => (await statuses()).find((o) => o.id === order.id)!;
  assert.equal(sim.parcelOf(order.id)?.tracking_number, order.tracking_number, 'the first parcel is keyed by the order id alone');
  sim.advance(order.tracking_number, 'RETOUR', { note: 'Refused' });
  await sync();
  assert.equal((await now()).status, 'returned');
  await t.db.tx((q) => transitionOrders(q, SYSTEM, shop.accountId, [{ id: order.id, from: 'returned', to: 'new', comment: null }]));

  const push = await admin.json('POST', '/orders/push', { ids: [order.id], shipping_company_id: company });
  assert.equal((await jobFinished(t.db, push.json().data.job_id)).done, 1);
  const again = await now();
  assert.equal(again.status, 'shipped');
  assert.notEqual(again.tracking_number, order.tracking_number, 'a new parcel, not the returned one');
  assert.equal(sim.parcelOf(`${order.id}-2`)?.tracking_number, again.tracking_number);
  assert.equal(sim.requests.filter((r) => r.route === 'create').at(-1)?.idempotencyKey, `${order.id}-2`);
  await sync();
  assert.equal((await now()).status, 'shipped', 'the old parcel, returned, does not move the new attempt');
  const returns = await t.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM order_histories WHERE order_id = $1 AND new_status = 'returned'`,
    [order.id],
  );
  assert.equal(returns.rows[0].n, 1, 'returned once: one return fee');
  assert.deepEqual(await brokenInvariants(t.db, shop.accountId), []);
});

test('sync: a parcel the order no longer travels under never moves it (its tracking number changed while the courier answered)', async () => {
  const order = (await statuses()).find((o) => o.status === 'shipped')!;
  sim.advance(order.tracking_number, 'RETOUR', { note: 'An earlier attempt' });
  sim.set({ latencyMs: 300 });
  const seen = sim.requests.length;
  const res = await admin.json('POST', `/shipping-companies/${company}/sync`);
  for (const end = Date.now() + 10_000; ; await new Promise((r) => setTimeout(r, 10))) {
    if (sim.requests.slice(seen).some((r) => r.route === 'fetch' && r.url.includes(order.tracking_number))) break;
    if (Date.now() > end) throw new Error('no fetch of the parcel');
  }
  // Meanwhile the order travels under another parcel (renewed and shipped again).
  await t.db.query('UPDATE orders SET tracking_number = $2 WHERE id = $1', [order.id, `${order.tracking_number}-NEXT`]);
  const job = await jobFinished(t.db, res.json().data.job_id);
  sim.set({});
  assert.equal(job.status, 'done', JSON.stringify(job));
  const now = (await statuses()).find((o) => o.id === order.id)!;
  assert.deepEqual([now.status, now.tracking_number], ['shipped', `${order.tracking_number}-NEXT`]);
});

test('sync on demand: a malformed or 4xx answer ends the job with its reason, asked once (a 5xx would be asked again)', async () => {
  const syncOnce = async () => {
    const before = sim.count('fetch');
    const res = await admin.json('POST', `/shipping-companies/${company}/sync`);
    const job = await jobFinished(t.db, res.json().data.job_id);
    return { job, fetches: sim.count('fetch') - before };
  };
  sim.set({ malformed: { times: 1, routes: ['fetch'], kind: 'wrong-shape' } });
  const malformed = await syncOnce();
  assert.equal(malformed.job.status, 'failed', JSON.stringify(malformed.job));
  assert.equal(malformed.fetches, 1, 'not asked again');
  assert.match(malformed.job.errors.at(-1)!.message, new RegExp(`^${companyName}: The courier's answer does not fit the protocol`));

  sim.set({ serverError: { times: 1, routes: ['fetch'], status: 403 } });
  const refused = await syncOnce();
  assert.equal(refused.job.status, 'failed', JSON.stringify(refused.job));
  assert.equal(refused.fetches, 1, 'not asked again');
  assert.match(refused.job.errors.at(-1)!.message, new RegExp(`^${companyName}: The courier refused the request \\(HTTP 403\\)`));
  sim.set({});
});

// Found by the fulfilment audit: deactivating a company (no new parcels) left its parcels on the road unsynced.
test('the schedule still follows the parcels of a company made inactive', async () => {
  const shipped = (await statuses()).filter((o) => o.status === 'shipped' && sim.parcels.has(o.tracking_number));
  await t.db.query(`UPDATE shipping_companies SET status = 'inactive' WHERE id = $1`, [company]);
  try {
    sim.advance(shipped[0].tracking_number, 'LIVRE', { at: '2026-12-01T10:00:00Z' });
    const scheduled = await t.db.tx((q) => enqueueScheduledSync(q));
    assert.ok(scheduled);
    assert.equal((await jobFinished(t.db, scheduled!)).status, 'done');
    const now = (await statuses()).find((o) => o.id === shipped[0].id);
    assert.equal(now?.status, 'delivered');
  } finally {
    await t.db.query(`UPDATE shipping_companies SET status = 'active' WHERE id = $1`, [company]);
  }
});

test('a courier event without a zone is a UTC time; one with no readable time is told on the job and the rest of the answer still counts', async () => {
  const [first, second] = (await statuses()).filter((o) => o.status === 'shipped' && sim.parcels.has(o.tracking_number));
  const reference = async (id: string) =>
    (await t.db.query<{ reference: string }>('SELECT reference FROM orders WHERE id = $1', [id])).rows[0].reference;
  // The session's zone is not UTC: a zone-less text cast to timestamptz would be read in it.
  await t.db.query(`SET TIME ZONE 'Asia/Tokyo'`);
  try {
    sim.advance(first.tracking_number, 'RAMASSE', { at: '2026-12-02 08:00:00' });
    sim.advance(first.tracking_number, 'EN_ROUTE', { at: 'yesterday' });
    sim.advance(first.tracking_number, 'LIVRE', { at: '2026-12-02T17:30' });
    sim.advance(second.tracking_number, 'EN_ATTENTE', { at: '2026-02-30T10:00:00Z' });
    const res = await admin.json('POST', `/shipping-companies/${company}/sync`);
    const job = await jobFinished(t.db, res.json().data.job_id);
    assert.equal(job.status, 'done', JSON.stringify(job));
    assert.deepEqual(
      job.errors.map((e) => [e.reference, e.message]),
      [
        [
          await reference(first.id),
          `${companyName}: the courier event "EN_ROUTE" has no readable time ("yesterday"): it was not recorded.`,
        ],
        [
          await reference(second.id),
          `${companyName}: the courier event "EN_ATTENTE" has no readable time ("2026-02-30T10:00:00Z"): it was not recorded.`,
        ],
      ],
    );
  } finally {
    await t.db.query('SET TIME ZONE DEFAULT');
  }
  const events = await t.db.query<{ status: string; at: string }>(
    `SELECT status, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS at FROM order_events WHERE order_id = $1 AND at >= '2026-12-02T00:00:00Z' AND at < '2026-12-03T00:00:00Z' ORDER BY at`,
    [first.id],
  );
  assert.deepEqual(
    events.rows.map((e) => [e.status, e.at]),
    [
      ['RAMASSE', '2026-12-02T08:00:00Z'],
      ['LIVRE', '2026-12-02T17:30:00Z'],
    ],
  );
  assert.equal((await statuses()).find((o) => o.id === first.id)?.status, 'delivered');
});

// Found by an audit: one event note of 2,001 characters made the whole answer "does not fit the
// protocol", so the company's other parcels (a delivered one) were never synced, tick after tick.
test('limits are per event and per parcel: a long note is kept cut, an unreadable event or parcel is told on the job, the others sync', async () => {
  // Orders no earlier test gave an event of its own (the one before took the first ones).
  const [long, plain, odd] = (await statuses()).filter((o) => o.status === 'shipped' && sim.parcels.has(o.tracking_number)).slice(-4, -1);
  const reference = async (id: string) =>
    (await t.db.query<{ reference: string }>('SELECT reference FROM orders WHERE id = $1', [id])).rows[0].reference;
  sim.advance(long.tracking_number, 'EN_ROUTE', { note: 'n'.repeat(2001), at: '2026-12-03T09:00:00Z' });
  sim.advance(long.tracking_number, 'S'.repeat(256), { at: '2026-12-03T09:30:00Z' });
  const unreadable = sim.parcels.get(long.tracking_number)!.events.length;
  sim.advance(long.tracking_number, 'EN_ATTENTE', { note: 'a\u0000b', at: '2026-12-03T09:40:00Z' }); // no text column keeps a NUL
  sim.advance(long.tracking_number, 'EN_ATTENTE', { at: '2026-12-03T09:45:00Z' }); // the parcel's own status is readable
  sim.advance(plain.tracking_number, 'LIVRE', { at: '2026-12-03T10:00:00Z' });
  sim.advance(odd.tracking_number, 'R'.repeat(256), { at: '2026-12-03T10:00:00Z' });
  const tick = async () => {
    const scheduled = await t.db.tx((q) => enqueueScheduledSync(q));
    return jobFinished(t.db, scheduled!);
  };
  const job = await tick();
  assert.equal(job.status, 'done', JSON.stringify(job));
  const mine = new Set([await reference(long.id), await reference(plain.id), await reference(odd.id)]);
  assert.deepEqual(
    job.errors.filter((e) => mine.has(e.reference!)).map((e) => [e.reference, e.message]),
    [
      [
        await reference(long.id),
        `${companyName}: the courier event no. ${unreadable} of the parcel cannot be read (status must NOT have more than 255 characters): it was not recorded.`,
      ],
      [
        await reference(long.id),
        `${companyName}: the courier event no. ${unreadable + 1} of the parcel cannot be read (its note holds a NUL character): it was not recorded.`,
      ],
      [
        await reference(odd.id),
        `${companyName}: the courier's parcel ${odd.tracking_number} cannot be read (status must NOT have more than 255 characters): it was skipped.`,
      ],
    ],
  );
  const now = async (id: string) => (await statuses()).find((o) => o.id === id)!.status;
  assert.equal(await now(plain.id), 'delivered');
  assert.equal(await now(long.id), 'shipped');
  assert.equal(await now(odd.id), 'shipped');
  const notes = async () =>
    (await t.db.query<{ note: string }>(`SELECT note FROM order_events WHERE order_id = $1 AND status = 'EN_ROUTE'`, [long.id])).rows.map(
      (r) => r.note,
    );
  assert.deepEqual(await notes(), ['n'.repeat(1999) + '…']);
  // The next tick reads the same answer the same way: the cut note is recorded once.
  assert.equal((await tick()).status, 'done');
  assert.deepEqual(await notes(), ['n'.repeat(1999) + '…']);
  assert.deepEqual(await brokenInvariants(t.db, shop.accountId), []);
});

// A parcel nobody asked for (a courier's bridge answering its whole account, a stale cache) used to
// make the answer malformed: the company's whole sync failed and its delivered parcels never moved.
test('a parcel nobody asked for is skipped and told on the job; the parcels asked for sync', async () => {
  const [mine] = (await statuses()).filter((o) => o.status === 'shipped' && sim.parcels.has(o.tracking_number)).slice(-1);
  const { reference } = (await t.db.query<{ reference: string }>('SELECT reference FROM orders WHERE id = $1', [mine.id])).rows[0];
  sim.advance(mine.tracking_number, 'LIVRE', { at: '2026-12-04T10:00:00Z' });
  sim.set({ unaskedParcel: { times: 1 } });
  const res = await admin.json('POST', `/shipping-companies/${company}/sync`);
  const job = await jobFinished(t.db, res.json().data.job_id);
  sim.set({});
  assert.equal(job.status, 'done', JSON.stringify(job));
  // (The unreadable events of the earlier tests' parcels are told again, by order: couriers keep their events.)
  assert.deepEqual(
    job.errors.filter((e) => e.reference === undefined),
    [{ message: `${companyName}: the courier's parcel SIM-STRANGER was not asked for: it was skipped.` }],
  );
  assert.equal((await statuses()).find((o) => o.id === mine.id)!.status, 'delivered');
  const { rows } = await t.db.query('SELECT status FROM order_events WHERE order_id = $1 AND at = $2', [mine.id, '2026-12-04T10:00:00Z']);
  assert.deepEqual(rows, [{ status: 'LIVRE' }], reference);
  assert.deepEqual(await brokenInvariants(t.db, shop.accountId), []);
});
