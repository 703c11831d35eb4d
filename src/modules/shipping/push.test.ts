import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SYSTEM } from '../../core/actor.js';
import { JobWorker } from '../../jobs/worker.js';
import { tenant, testApp, usingPostgres, type TestApp, type Tenant } from '../../test-support/harness.js';
import { login, type Agent } from '../../test-support/session.js';
import { jobFinished } from '../../test-support/jobs.js';
import { createOrder } from '../orders/service.js';
import { transitionOrders } from '../orders/lifecycle.js';
import { createCompany } from '../shipping-companies/service.js';
import { brokenInvariants, productId, staff, stock, warehouse } from '../stocks/test-fixtures.js';
import { CourierSimulator } from './simulator.js';
import type { ParcelRequest } from './courier.js';
import { pushCompanies } from './push-queries.js';
import { until } from '../../test-support/until.js';
import { expectInvalid } from '../../test-support/expect.js';
import { newId } from '../../lib/ids.js';
import { pdfText } from '../../test-support/pdf-text.js';
import type { Queryable, TxOptions } from '../../db/database.js';

let t: TestApp;
let shop: Tenant;
let admin: Agent;
let sim: CourierSimulator;
let company: string;
let manual: string;

const order = (products = [{ sku: 'P1', quantity: 2, price: 199 }]) =>
  t.db.tx((q) =>
    createOrder(q, SYSTEM, shop.accountId, {
      full_name: 'Client Test',
      phone: '0612345678',
      city: 'Casablanca',
      address: '7 Rue Atlas',
      is_fees_paid_by_customer: false,
      total: 398,
      products,
    }),
  );
// On PostgreSQL the test files share one database: another file's tracking sync may poll this file's
// courier for the parcels shipped here (its 'fetch' route), so the calls a push makes are the others.
const pushCalls = () => sim.requests.filter((r) => r.route !== 'fetch').length;
const idOf = async (reference: string) =>
  (await t.db.query<{ id: string }>('SELECT id FROM orders WHERE account_id = $1 AND reference = $2', [shop.accountId, reference])).rows[0]
    .id;

before(async () => {
  t = await testApp();
  shop = await tenant(t.db);
  await stock(t.db, await productId(t.db, shop.accountId, 'P1'), await warehouse(t.db), { quantity: 1000 });
  const a = await staff(t.db, 'admin');
  admin = await login(t.app, a.email);
  sim = await CourierSimulator.start();
  const user = { id: a.id } as never;
  company = await t.db.tx((q) =>
    createCompany(q, user, t.app.config.appKey, { name: `Sim ${Date.now()}`, adapter: 'http', base_url: sim.url, api_key: sim.apiKey }),
  );
  manual = await t.db.tx((q) => createCompany(q, user, t.app.config.appKey, { name: `Hand ${Date.now()}`, adapter: 'manual' }));
});
after(async () => {
  await sim.close();
  await t.close();
});

test('POST /orders/push: a parcel per order, shipped through the transition; a 5xx is retried, a malformed answer and a non-new order are reported', async () => {
  const refs = [];
  for (let i = 0; i < 6; i++) refs.push(await order());
  const ids = await Promise.all(refs.map(idOf));
  await t.db.tx((q) => transitionOrders(q, SYSTEM, shop.accountId, [{ id: ids[5], from: 'new', to: 'canceled', comment: null }]));
  // The customers of two orders pay the delivery fee (the account's default, 15): the courier collects 413.
  await t.db.query('INSERT INTO account_fees (account_id, default_delivery_fee) VALUES ($1, 15)', [shop.accountId]);
  await t.db.query('UPDATE orders SET is_fees_paid_by_customer = true WHERE id = ANY($1::text[])', [ids.slice(0, 2)]);
  sim.set({ serverError: { times: 1, routes: ['create'] }, malformed: { times: 1, routes: ['create'], kind: 'wrong-shape' } });

  const res = await admin.json('POST', '/orders/push', { ids, shipping_company_id: company });
  assert.equal(res.statusCode, 202, res.body);
  const { job_id: jobId, total } = res.json().data;
  assert.equal(total, 6);
  const worker = await new JobWorker(t.db, { slots: 1, pollMs: 100, kinds: ['orders.push'], appKey: t.app.config.appKey }).start();
  let job;
  try {
    job = await jobFinished(t.db, jobId);
  } finally {
    await worker.stop();
  }
  assert.equal(job.status, 'done', JSON.stringify(job));
  assert.equal(job.done, 4);
  assert.equal(job.failed, 2);
  const messages = job.errors.map((e) => e.message).sort();
  assert.match(messages.join('\n'), /Only a new order can be pushed; this one is canceled\./);
  assert.match(messages.join('\n'), /does not fit the protocol/);

  const { rows } = await t.db.query<{ id: string; status: string; tracking_number: string | null; shipping_company_id: string | null }>(
    'SELECT id, status, tracking_number, shipping_company_id FROM orders WHERE id = ANY($1::text[])',
    [ids],
  );
  const shipped = rows.filter((r) => r.status === 'shipped');
  assert.equal(shipped.length, 4);
  for (const r of shipped) {
    assert.equal(r.tracking_number, sim.parcelOf(r.id)?.tracking_number, 'the courier parcel of the order');
    assert.equal(r.shipping_company_id, company);
  }
  assert.equal(rows.filter((r) => r.status === 'new').length, 1, 'the malformed answer leaves its order new');
  assert.deepEqual(await brokenInvariants(t.db, shop.accountId), []);
  const histories = await t.db.query<{ changed_by: string; user_id: string | null }>(
    'SELECT changed_by, user_id FROM order_histories WHERE order_id = ANY($1::text[]) AND new_status = $2',
    [ids, 'shipped'],
  );
  assert.equal(histories.rows.length, 4);
  // The admin who pushed is who shipped them, not "system".
  const pusher = await t.db.query<{ id: string; full_name: string }>(
    "SELECT id, full_name FROM users WHERE role = 'admin' AND id = (SELECT user_id FROM jobs WHERE id = $1)",
    [jobId],
  );
  assert.deepEqual(
    new Set(histories.rows.map((h) => `${h.changed_by}/${h.user_id}`)),
    new Set([`${pusher.rows[0].full_name}/${pusher.rows[0].id}`]),
  );
  // Every create went to the courier with the order's id as its key: a retried order got its one parcel back.
  const keys = sim.requests.filter((r) => r.route === 'create').map((r) => r.idempotencyKey);
  assert.equal(new Set(keys).size, 5);
  // The body is fulfilment.md's, field for field: nothing of the order's own row (id, account, status).
  const sent = sim.parcelOf(shipped[0].id)!.request as Record<string, any>;
  assert.deepEqual(Object.keys(sent).sort(), ['cod_amount', 'customer', 'items', 'reference']);
  assert.deepEqual(Object.keys(sent.customer).sort(), ['address', 'area', 'city', 'full_name', 'phone']);
  assert.deepEqual(Object.keys(sent.items[0]).sort(), ['name', 'quantity', 'sku']);
  assert.deepEqual(
    ids.slice(0, 5).map((id) => (sim.parcelOf(id)?.request as { cod_amount?: number } | undefined)?.cod_amount ?? null),
    ids.slice(0, 5).map((id, i) => (sim.parcelOf(id) ? (i < 2 ? 413 : 398) : null)),
  );
  assert.ok(sim.parcelOf(ids[0]) || sim.parcelOf(ids[1]), 'a parcel of an order whose customer pays the fee');
});

test("a manager's push ships the orders, recorded as the manager (fulfilment.md: an admin or manager pushes)", async () => {
  const m = await staff(t.db, 'manager');
  const manager = await login(t.app, m.email);
  const ids = await Promise.all([await order(), await order()].map(idOf));
  const res = await manager.json('POST', '/orders/push', { ids, shipping_company_id: company });
  assert.equal(res.statusCode, 202, res.body);
  const worker = await new JobWorker(t.db, { slots: 1, pollMs: 100, kinds: ['orders.push'], appKey: t.app.config.appKey }).start();
  let job;
  try {
    job = await jobFinished(t.db, res.json().data.job_id);
  } finally {
    await worker.stop();
  }
  assert.deepEqual([job.status, job.done, job.failed, job.errors], ['done', 2, 0, []]);
  const { rows } = await t.db.query<{ status: string; changed_by: string; user_id: string }>(
    `SELECT o.status, h.changed_by, h.user_id FROM orders o JOIN order_histories h ON h.order_id = o.id AND h.new_status = 'shipped'
      WHERE o.id = ANY($1::text[])`,
    [ids],
  );
  assert.deepEqual(
    rows.map((r) => `${r.status}/${r.user_id}`),
    ids.map(() => `shipped/${m.id}`),
  );
  assert.deepEqual(await brokenInvariants(t.db, shop.accountId), []);
  // Pushing is not the right to ship by hand: the order page offers a manager no "shipped".
  const other = await idOf(await order());
  const byHand = await manager.json('PATCH', `/orders/${other}/status`, {
    status: 'shipped',
    shipping_company_id: manual,
    tracking_number: 'T-1',
  });
  assert.equal(byHand.statusCode, 422, byHand.body);
});

test('the push request: required fields, a manual company, an unknown order, and who may push', async () => {
  const empty = await admin.json('POST', '/orders/push', {});
  assert.equal(empty.statusCode, 422);
  expectInvalid(empty, {
    ids: ['The ids field is required.'],
    shipping_company_id: ['The shipping company id field is required.'],
  });
  const ref = await order();
  const byHand = await admin.json('POST', '/orders/push', { ids: [await idOf(ref), 'nope'], shipping_company_id: manual });
  expectInvalid(byHand, {
    shipping_company_id: ['The selected shipping company ships by hand: give the tracking number on each order instead.'],
    'ids.1': ['The selected ids.1 is invalid.'],
  });
  // Each id's error at its own place in what was sent (a repeated id does not shift them); after a failed
  // `required`, no other rule of that id; a number is not a string, and `exists` is not asked then
  // (Laravel runs it only on a value without an error yet).
  const mixed = await admin.json('POST', '/orders/push', {
    ids: [await idOf(ref), await idOf(ref), null, 5, 'nope'],
    shipping_company_id: company,
  });
  expectInvalid(mixed, {
    'ids.2': ['The ids.2 field is required.'],
    'ids.3': ['The ids.3 field must be a string.'],
    'ids.4': ['The selected ids.4 is invalid.'],
  });
  // Items of any JSON type are each refused, never sent to the database as ids (that was a 500).
  const odd = await admin.json('POST', '/orders/push', { ids: [null, 5, {}, []], shipping_company_id: company });
  assert.equal(odd.statusCode, 422, odd.body);
  expectInvalid(odd, {
    'ids.0': ['The ids.0 field is required.'],
    'ids.1': ['The ids.1 field must be a string.'],
    'ids.2': ['The ids.2 field is required.'],
    'ids.3': ['The ids.3 field is required.'],
  });
  assert.equal((await admin.json('POST', '/orders/labels', { ids: [null, 5, {}, []] })).statusCode, 422);
  // `ids` that is no list at all (a form's lone `ids=abc`): the schema's 422, not a 500 (fuzz audit).
  for (const ids of ['abc', true, 0])
    for (const url of ['/orders/push', '/orders/labels']) {
      const res = await admin.json('POST', url, { ids, shipping_company_id: company });
      expectInvalid(res, { ids: ['The ids field must be an array.'] }, `${url} ${JSON.stringify(ids)}`);
    }
  const labels = await admin.json('POST', '/orders/labels', { ids: [await idOf(ref), await idOf(ref), null, 'nope'] });
  expectInvalid(labels, { 'ids.2': ['The ids.2 field is required.'], 'ids.3': ['The selected ids.3 is invalid.'] });
  // A form sent with nothing ticked (no JavaScript to stop it) comes back saying so.
  const bare = await admin.form('/orders/push', { shipping_company_id: company });
  assert.equal(bare.statusCode, 302);
  assert.match(
    (await admin.get('/orders/push')).body,
    /<div class="flash flash-error" role="alert"><ul class="plain-list"><li>The ids field is required\.<\/li>/,
  );
  // Orders ticked but no company chosen (forms audit): the page comes back with the same orders ticked.
  const other = await idOf(await order());
  await admin.get('/orders/push');
  const noCompany = await admin.form('/orders/push', { ids: [await idOf(ref)] });
  assert.equal(noCompany.statusCode, 302);
  const back = (await admin.follow(noCompany)).body;
  assert.match(back, /The shipping company id field is required\./);
  assert.match(back, new RegExp(`value="${await idOf(ref)}" checked`));
  assert.match(back, new RegExp(`value="${other}" aria-label`), 'the others stay unticked');
  const seller = await login(t.app, shop.email);
  assert.equal((await seller.json('POST', '/orders/push', { ids: [await idOf(ref)], shipping_company_id: company })).statusCode, 403);
  assert.equal((await seller.get('/orders/push')).statusCode, 403);
  const page = await admin.get('/orders/push');
  assert.equal(page.statusCode, 200);
  assert.match(page.body, new RegExp(ref));
  // JSON on request (fulfilment audit: the page's HTML came back): the selection, the companies, the job asked for.
  const json = await admin.json('GET', '/orders/push');
  assert.equal(json.statusCode, 200, json.body);
  assert.match(String(json.headers['content-type']), /^application\/json/);
  const data = json.json().data;
  const refId = await idOf(ref);
  const mine = data.orders.find((o: { id: string }) => o.id === refId);
  assert.deepEqual(Object.keys(mine ?? {}).sort(), [
    'account',
    'city',
    'created_at',
    'full_name',
    'id',
    'push_failure',
    'reference',
    'total',
    'waiting_for_stock',
  ]);
  assert.ok(data.shipping_companies.some((c: { id: string; name: string }) => c.id === company));
  assert.ok(!data.shipping_companies.some((c: { id: string }) => c.id === manual), 'a company that ships by hand is not pushed to');
  assert.equal(data.job, undefined);
  const jobId = (await admin.json('POST', '/orders/push', { ids: [refId], shipping_company_id: company })).json().data.job_id;
  const withJob = (await admin.json('GET', `/orders/push?job=${jobId}`)).json().data;
  assert.equal(withJob.job.id, jobId);
  // The job is run here, so that no later test's worker takes it (they count the courier's calls).
  const worker = await new JobWorker(t.db, { slots: 1, pollMs: 100, kinds: ['orders.push'], appKey: t.app.config.appKey }).start();
  try {
    assert.equal((await jobFinished(t.db, jobId)).status, 'done');
  } finally {
    await worker.stop();
  }
  assert.equal((await seller.json('GET', '/orders/push')).statusCode, 403);
});

test('shipping by hand through a manual company: the status change with its tracking number, no courier call', async () => {
  const ref = await order();
  const id = await idOf(ref);
  const page = await admin.get(`/orders/${id}/show`);
  assert.match(page.body, /<select[^>]*name="shipping_company_id"/);
  const ship = (body: Record<string, unknown>) => admin.json('PATCH', `/orders/${id}/status`, { status: 'shipped', ...body });
  const noTracking = await ship({ shipping_company_id: manual });
  assert.equal(noTracking.statusCode, 422);
  assert.deepEqual(noTracking.json().errors, { tracking_number: ['The tracking number field is required.'] });
  const both = await ship({ shipping_company_id: manual, delivery_user_id: shop.userId, tracking_number: 'HAND-1' });
  assert.equal(both.statusCode, 422);
  assert.deepEqual(both.json().errors, {
    shipping_company_id: ['The shipping company id field prohibits delivery user id from being present.'],
  });
  const throughHttp = await ship({ shipping_company_id: company, tracking_number: 'HAND-1' });
  assert.deepEqual(throughHttp.json().errors, { shipping_company_id: ['The selected shipping company id is invalid.'] });
  const calls = pushCalls();
  const shipped = await ship({ shipping_company_id: manual, tracking_number: 'HAND-1' });
  assert.equal(shipped.statusCode, 200, shipped.body);
  const { rows } = await t.db.query('SELECT status, tracking_number, shipping_company_id, delivery_user_id FROM orders WHERE id = $1', [
    id,
  ]);
  assert.deepEqual(rows[0], { status: 'shipped', tracking_number: 'HAND-1', shipping_company_id: manual, delivery_user_id: null });
  assert.equal(pushCalls(), calls, 'no call to any courier');
  assert.deepEqual(await brokenInvariants(t.db, shop.accountId), []);
});

const TAKEN = { tracking_number: ['The tracking number has already been taken.'] };

// Fulfilment audit: two orders shipped by hand under one tracking number of one company.
test('a tracking number typed for a company is refused when another of its orders carries it: any account, any status, case aside', async () => {
  const ship = (id: string, body: Record<string, unknown>) => admin.json('PATCH', `/orders/${id}/status`, { status: 'shipped', ...body });
  const number = `HAND-${newId()}`;
  const [first, second, third, fourth] = [await order(), await order(), await order(), await order()];
  const [a, b, c, d] = await Promise.all([first, second, third, fourth].map(idOf));
  assert.equal((await ship(a, { shipping_company_id: manual, tracking_number: number })).statusCode, 200);
  await t.db.tx((q) => transitionOrders(q, SYSTEM, shop.accountId, [{ id: a, from: 'shipped', to: 'delivered', comment: null }]));
  expectInvalid(await ship(b, { shipping_company_id: manual, tracking_number: number.toLowerCase() }), TAKEN);
  // Another account's order at the same company: the company's parcel all the same.
  const other = await tenant(t.db);
  await stock(t.db, await productId(t.db, other.accountId, 'P1'), await warehouse(t.db), { quantity: 5 });
  const theirs = await t.db.tx((q) =>
    createOrder(q, SYSTEM, other.accountId, {
      full_name: 'Other',
      phone: '0612345679',
      city: 'Rabat',
      address: '1 Rue',
      is_fees_paid_by_customer: false,
      total: 199,
      products: [{ sku: 'P1', quantity: 1, price: 199 }],
    }),
  );
  const theirId = (
    await t.db.query<{ id: string }>('SELECT id FROM orders WHERE account_id = $1 AND reference = $2', [other.accountId, theirs])
  ).rows[0].id;
  expectInvalid(await ship(theirId, { shipping_company_id: manual, tracking_number: number }), TAKEN);
  assert.equal((await orderRow(b)).status, 'new');
  // Another company, or one of our couriers, is another carrier.
  const user = { id: (await staff(t.db, 'admin')).id } as never;
  const otherCompany = await t.db.tx((q) =>
    createCompany(q, user, t.app.config.appKey, { name: `Hand 2 ${Date.now()}`, adapter: 'manual' }),
  );
  assert.equal((await ship(b, { shipping_company_id: otherCompany, tracking_number: number })).statusCode, 200);
  const courier = await staff(t.db, 'delivery');
  assert.equal((await ship(c, { delivery_user_id: courier.id, tracking_number: number })).statusCode, 200);
  // A returned order renewed has no tracking number any more: its old one is free.
  const again = `HAND-${newId()}`;
  assert.equal((await ship(d, { shipping_company_id: manual, tracking_number: again })).statusCode, 200);
  await t.db.tx((q) => transitionOrders(q, SYSTEM, shop.accountId, [{ id: d, from: 'shipped', to: 'returned', comment: null }]));
  expectInvalid(await ship(theirId, { shipping_company_id: manual, tracking_number: again }), TAKEN);
  await t.db.tx((q) => transitionOrders(q, SYSTEM, shop.accountId, [{ id: d, from: 'returned', to: 'new', comment: null }]));
  assert.equal((await ship(theirId, { shipping_company_id: manual, tracking_number: again })).statusCode, 200);
  assert.deepEqual(await brokenInvariants(t.db, shop.accountId), []);
});

// The check and the write of a tracking number are two statements: an advisory lock on the carrier and
// number makes two shipments of one number at once take turns (trackingNumberTaken). PostgreSQL only:
// PGlite runs one transaction at a time.
test('two orders shipped at once under one tracking number: one is shipped, the other refused', { skip: !usingPostgres }, async () => {
  const ship = (id: string, number: string) =>
    admin.json('PATCH', `/orders/${id}/status`, { status: 'shipped', shipping_company_id: manual, tracking_number: number });
  for (let pair = 0; pair < 10; pair++) {
    const ids = await Promise.all([await order(), await order()].map(idOf));
    const number = `RACE-${newId()}`;
    const answers = await Promise.all(ids.map((id) => ship(id, number)));
    assert.deepEqual(answers.map((r) => r.statusCode).sort(), [200, 422], `pair ${pair}: ${answers.map((r) => r.body).join(' | ')}`);
    expectInvalid(
      answers.find((r) => r.statusCode === 422)!,
      TAKEN,
    );
    const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM orders WHERE tracking_number = $1', [number]);
    assert.equal(rows[0].n, 1);
  }
});

// Fulfilment audit (M1): a courier answering 5xx to the end left the push failed naming no order, and
// every order new with no reason. On the push's last attempt (jobs.attempts set as eight retries had).
test('a push whose courier still fails on its last attempt reports that order and the orders after it, each new with the reason shown', async () => {
  const refs = [await order(), await order(), await order()];
  const ids = await Promise.all(refs.map(idOf));
  sim.set({ serverError: { times: 1000, routes: ['create'] } });
  try {
    const res = await admin.json('POST', '/orders/push', { ids, shipping_company_id: company });
    assert.equal(res.statusCode, 202, res.body);
    const jobId = res.json().data.job_id;
    await t.db.query('UPDATE jobs SET attempts = 8 WHERE id = $1', [jobId]);
    const calls = pushCalls();
    // The worker's database, counting the statements that record a push failure.
    const recorded: string[] = [];
    const counting = new Proxy(t.db, {
      get(target, prop) {
        if (prop === 'tx')
          return (fn: (q: Queryable) => Promise<unknown>, opts?: unknown) =>
            target.tx(
              (q) =>
                fn({
                  query: (text, params, o) => {
                    if (text.includes('INSERT INTO order_push_failures')) recorded.push(text);
                    return q.query(text, params, o);
                  },
                  exec: (text) => q.exec(text),
                  database: q.database,
                }),
              opts as TxOptions,
            );
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const worker = await new JobWorker(counting, { slots: 1, pollMs: 50, kinds: ['orders.push'], appKey: t.app.config.appKey }).start();
    let job;
    try {
      job = await jobFinished(t.db, jobId);
    } finally {
      await worker.stop();
    }
    assert.equal(pushCalls(), calls + 1, 'one call, for the first order');
    // On PostgreSQL another test file's worker (sync.test.ts runs orders.push) may take the job: then
    // this worker saw none of its statements. Run here, it records the failures in one, not one an order.
    const elsewhere = usingPostgres && recorded.length === 0;
    assert.equal(recorded.length, elsewhere ? 0 : 1, 'the give-up records its order and the orders after it in one statement');
    assert.equal(job.status, 'done', JSON.stringify(job));
    assert.equal(job.failed, 3);
    const reason = job.errors[0].message;
    assert.match(reason, /^The courier answered HTTP 5\d\d/);
    const notSent = `Not sent: the push stopped at ${refs[0]}, for which the courier kept failing (${reason.replace(/\.$/, '')}). Push it again.`;
    assert.deepEqual(job.errors, [
      { reference: refs[0], message: reason },
      { reference: refs[1], message: notSent },
      { reference: refs[2], message: notSent },
    ]);
    for (const [i, id] of ids.entries()) {
      assert.equal((await orderRow(id)).status, 'new');
      const page = (await admin.get(`/orders/${id}/show`)).body;
      assert.ok(page.includes('Push failed'), `order ${refs[i]}'s page shows why`);
      if (i > 0) assert.ok(page.includes('Not sent: the push stopped at'), `order ${refs[i]}'s page says it was not sent`);
    }
  } finally {
    sim.set({});
  }
  assert.deepEqual(await brokenInvariants(t.db, shop.accountId), []);
});

/** Pushes `ids` to `companyId` (the page's JSON answer), runs the job to its end and answers it. */
async function push(ids: string[], companyId = company) {
  const res = await admin.json('POST', '/orders/push', { ids, shipping_company_id: companyId });
  assert.equal(res.statusCode, 202, res.body);
  const worker = await new JobWorker(t.db, {
    slots: 1,
    pollMs: 50,
    kinds: ['orders.push', 'shipping.sync'],
    appKey: t.app.config.appKey,
  }).start();
  try {
    return await jobFinished(t.db, res.json().data.job_id);
  } finally {
    await worker.stop();
  }
}
const orderRow = async (id: string) =>
  (
    await t.db.query<{ status: string; tracking_number: string | null; parcel_attempts: number }>(
      'SELECT status, tracking_number, parcel_attempts FROM orders WHERE id = $1',
      [id],
    )
  ).rows[0];

// Found by the finance audit: the parcel told the courier one cash amount, the label and the ledger
// another after a fee change. The push fixes on the order the amount it sent.
test('a push fixes the cash to collect it sent the courier: a later fee change moves neither the label nor the delivered row', async () => {
  const setDefault = (fee: number) =>
    t.db.query(
      `INSERT INTO account_fees (account_id, default_delivery_fee) VALUES ($1, $2)
       ON CONFLICT (account_id) DO UPDATE SET default_delivery_fee = $2`,
      [shop.accountId, fee],
    );
  await setDefault(15);
  const id = await idOf(await order());
  await t.db.query('UPDATE orders SET is_fees_paid_by_customer = true WHERE id = $1', [id]);
  try {
    const job = await push([id]);
    assert.equal(job.done, 1, JSON.stringify(job));
    assert.equal((sim.parcelOf(id)!.request as { cod_amount: number }).cod_amount, 413);
    await setDefault(25);
    assert.match(pdfText((await admin.get(`/orders/${id}/label`)).rawPayload), /To collect: 413\.00 MAD/);
    assert.match((await admin.get(`/orders/${id}/show`)).body, /Cash to collect: <span class="money">413\.00 MAD/);
    await t.db.tx((q) => transitionOrders(q, SYSTEM, shop.accountId, [{ id, from: 'shipped', to: 'delivered', comment: null }]));
    const { rows } = await t.db.query<{ kind: string; amount: number }>(
      `SELECT kind, amount::float8 AS amount FROM balance_histories WHERE order_id = $1 AND kind IN ('delivered', 'delivery_fee') ORDER BY id`,
      [id],
    );
    assert.deepEqual(rows, [
      { kind: 'delivered', amount: 413 },
      { kind: 'delivery_fee', amount: -25 },
    ]);
  } finally {
    await setDefault(15);
  }
});

test('push: an order waiting for stock is reported without a parcel; one moved while its parcel was made gets the parcel cancelled', async () => {
  const [readyRef, waitingRef] = [await order(), await order([{ sku: 'P2', quantity: 1, price: 50 }])];
  const [ready, waiting] = [await idOf(readyRef), await idOf(waitingRef)];
  const creates = sim.count('create');
  const job = await push([waiting, ready]);
  assert.equal(job.status, 'done', JSON.stringify(job));
  assert.equal(job.done, 1);
  assert.deepEqual(job.errors, [
    {
      reference: waitingRef,
      message: `The order ${waitingRef} is waiting for stock and cannot be shipped until its products are reserved.`,
    },
  ]);
  assert.equal(sim.count('create'), creates + 1, 'the courier was asked for the ready order only');
  assert.equal(sim.parcelOf(waiting), undefined);
  assert.equal((await orderRow(waiting)).status, 'new');
  assert.equal((await orderRow(ready)).status, 'shipped');

  // Canceled while the courier makes its parcel: the move is refused and the parcel cancelled (DELETE).
  const racedRef = await order();
  const raced = await idOf(racedRef);
  sim.set({ latencyMs: 300 });
  const cancels = sim.count('cancel');
  const running = push([raced]);
  await until(
    'the courier asked for its parcel',
    () => sim.requests.some((r) => r.route === 'create' && r.idempotencyKey === raced),
    10_000,
  );
  await t.db.tx((q) => transitionOrders(q, SYSTEM, shop.accountId, [{ id: raced, from: 'new', to: 'canceled', comment: null }]));
  const racedJob = await running;
  sim.set({});
  const first = sim.parcelOf(raced)!;
  assert.deepEqual(racedJob.errors, [
    {
      reference: racedRef,
      message: `Only a new order can be pushed; this one is canceled. Its parcel ${first.tracking_number} was cancelled at the courier.`,
    },
  ]);
  assert.equal(sim.count('cancel'), cancels + 1);
  assert.ok(sim.requests.some((r) => r.method === 'DELETE' && r.url === `/parcels/${first.tracking_number}`));
  assert.equal(first.status, 'cancelled');
  // Renewed and pushed again: a new parcel under the next key, not the cancelled one.
  await t.db.tx((q) => transitionOrders(q, SYSTEM, shop.accountId, [{ id: raced, from: 'canceled', to: 'new', comment: null }]));
  assert.equal((await push([raced])).done, 1);
  const again = await orderRow(raced);
  assert.equal(again.status, 'shipped');
  assert.equal(again.tracking_number, sim.parcelOf(`${raced}-2`)?.tracking_number);
  assert.notEqual(again.tracking_number, first.tracking_number);
  assert.deepEqual(await brokenInvariants(t.db, shop.accountId), []);
});

test('an order edited while the courier makes its parcel is not shipped under it: the parcel is cancelled, the next push sends the edit (fulfilment audit)', async () => {
  const ref = await order();
  const id = await idOf(ref);
  sim.set({ latencyMs: 300 });
  const running = push([id]);
  await until('the courier asked for its parcel', () => sim.requests.some((r) => r.route === 'create' && r.idempotencyKey === id), 10_000);
  const edited = await t.app.inject({
    method: 'PATCH',
    url: `/api/web/1.0/orders/${ref}`,
    headers: { ...shop.auth, accept: 'application/json' },
    payload: { address: '99 New Address', total: 1990, products: [{ sku: 'P1', quantity: 10, price: 199 }] },
  });
  assert.equal(edited.statusCode, 200, edited.body);
  const job = await running;
  sim.set({});
  const first = sim.parcelOf(id)!;
  assert.equal((first.request as ParcelRequest).cod_amount, 398, 'the parcel the courier made carries the order as it was');
  assert.deepEqual(job.errors, [
    {
      reference: ref,
      message: `This order was changed while the courier made its parcel: push it again. Its parcel ${first.tracking_number} was cancelled at the courier.`,
    },
  ]);
  assert.equal(first.status, 'cancelled');
  assert.equal((await orderRow(id)).status, 'new');
  // Pushed again: a new parcel with the order as it is now.
  assert.equal((await push([id])).done, 1);
  const second = sim.parcelOf(`${id}-2`)!;
  const sent = second.request as ParcelRequest;
  assert.equal(sent.cod_amount, 1990);
  assert.equal(sent.customer.address, '99 New Address');
  assert.deepEqual(
    sent.items.map((i) => i.quantity),
    [10],
  );
  assert.equal((await orderRow(id)).tracking_number, second.tracking_number);
  assert.deepEqual(await brokenInvariants(t.db, shop.accountId), []);
});

test('a courier answering with a tracking number another of its orders carries: refused, that parcel not cancelled (fulfilment audit)', async () => {
  const [heldRef, nextRef] = [await order(), await order()];
  const [held, next] = [await idOf(heldRef), await idOf(nextRef)];
  assert.equal((await push([held])).done, 1);
  // The number the courier hands out next, already on the shipped order (a courier or bridge repeating itself).
  const repeated = `SIM${String((sim as unknown as { counter: number }).counter + 1).padStart(8, '0')}`;
  await t.db.query('UPDATE orders SET tracking_number = $2 WHERE id = $1', [held, repeated.toLowerCase()]);
  const cancels = sim.count('cancel');
  const job = await push([next]);
  assert.equal(sim.parcelOf(next)?.tracking_number, repeated);
  assert.deepEqual(job.errors, [
    { reference: nextRef, message: `The courier answered with tracking number ${repeated}, which another of its orders already carries.` },
  ]);
  assert.equal((await orderRow(next)).status, 'new');
  assert.equal(sim.count('cancel'), cancels, 'the parcel may be the other order’s: not cancelled');
  assert.deepEqual(await brokenInvariants(t.db, shop.accountId), []);
});

test('"Waiting for stock" shows on the order page, the orders list and the push page, and only for such orders', async () => {
  const waitingRef = await order([{ sku: 'P2', quantity: 1, price: 50 }]);
  const readyRef = await order();
  const [waiting, ready] = [await idOf(waitingRef), await idOf(readyRef)];
  const badge = /<span class="badge badge-amber">Waiting for stock<\/span>/;
  // By id: the push page lists every account's new orders, and on a shared database another
  // account's order may have the same reference.
  const rowOf = (html: string, id: string) => {
    const row = html.split('<tr').find((r) => r.includes(`/orders/${id}/show`));
    assert.ok(row, `a row for order ${id}`);
    return row;
  };

  assert.match((await admin.get(`/orders/${waiting}/show`)).body, badge);
  assert.doesNotMatch((await admin.get(`/orders/${ready}/show`)).body, badge);
  // In a list (the orders list, Push orders), as text (a badge widened the table past the page).
  const note = /<span class="small waiting-note">Waiting for stock<\/span>/;
  // Why, as text under it: a `title` tooltip reaches neither a keyboard, a phone nor most screen readers.
  const why = /<span class="small muted">No stock reserved<\/span>/;
  const list = (await admin.get(`/orders?account_id=${shop.accountId}&per_page=100`)).body;
  assert.match(rowOf(list, waiting), new RegExp(note.source + why.source));
  assert.doesNotMatch(rowOf(list, ready), note);
  assert.doesNotMatch(rowOf(list, ready), why);
  const page = (await admin.get('/orders/push')).body;
  assert.match(rowOf(page, waiting), new RegExp(note.source + why.source));
  assert.doesNotMatch(rowOf(page, ready), note);
  assert.doesNotMatch(rowOf(page, ready), why);
  const show = (await admin.get(`/orders/${waiting}/show`)).body;
  for (const html of [list, page, show]) assert.doesNotMatch(html, /title="None of its products/);
  // The whole sentence on the order's page; in a list, the short line keeps the row short.
  const sentence = /It cannot be shipped until its products are reserved\./;
  assert.match(show, sentence);
  for (const html of [list, page]) assert.doesNotMatch(html, sentence);
  // The API's JSON is unchanged (api-v1.md has no such field).
  assert.equal('waiting_for_stock' in (await admin.json('GET', `/orders/${waiting}/show`)).json().data, false);
});

test('with no HTTP company to push to, the push page offers to add one only to those who may (admins)', async () => {
  // This file's HTTP company set aside for the page's empty state (on PostgreSQL, other files' may still show the form).
  await t.db.query(`UPDATE shipping_companies SET status = 'inactive' WHERE id = $1`, [company]);
  try {
    const empty = (await pushCompanies(t.db)).length === 0;
    assert.ok(empty || usingPostgres, 'no active HTTP company in this file’s database');
    for (const role of ['admin', 'manager-leader', 'manager'] as const) {
      const who = await login(t.app, (await staff(t.db, role)).email);
      const page = await who.get('/orders/push');
      assert.equal(page.statusCode, 200, role);
      const mayCreate = (await who.get('/shipping-companies/create')).statusCode === 200;
      assert.equal(mayCreate, role === 'admin', role);
      if (!empty) continue;
      assert.match(page.body, /No active shipping company with the HTTP adapter yet/, role);
      if (mayCreate) assert.match(page.body, /<a href="\/shipping-companies\/create">add one<\/a>/, role);
      else assert.doesNotMatch(page.body, /href="\/shipping-companies\/create"/, role);
    }
  } finally {
    await t.db.query(`UPDATE shipping_companies SET status = 'active' WHERE id = $1`, [company]);
  }
});

// Found by the fulfilment audit: an order went with a company that does not deliver to its city, and no fee was ever booked.
test('an order goes only with a company that delivers to its city (a company listing no city takes any)', async () => {
  const city = newId();
  await t.db.query('INSERT INTO cities (id, name) VALUES ($1, $2)', [city, `Tanger ${city.slice(-6)}`]);
  const user = { id: shop.userId } as never;
  const serving = (name: string, adapter: 'manual' | 'http') =>
    t.db.tx((q) =>
      createCompany(q, user, t.app.config.appKey, {
        name: `${name} ${Date.now()}`,
        adapter,
        ...(adapter === 'http' ? { base_url: sim.url, api_key: sim.apiKey } : {}),
        cities: [{ city_id: city, delivery_fee: 30, return_fee: 10 }],
      }),
    );
  const byHand = await serving('Tanger by hand', 'manual');
  const ref = await order(); // in Casablanca
  const id = await idOf(ref);
  const nameOf = async (company: string) =>
    (await t.db.query<{ name: string }>('SELECT name FROM shipping_companies WHERE id = $1', [company])).rows[0].name;
  const refused = await admin.json('PATCH', `/orders/${id}/status`, {
    status: 'shipped',
    shipping_company_id: byHand,
    tracking_number: 'T-1',
  });
  expectInvalid(refused, {
    status: [`The order ${ref} cannot be shipped with ${await nameOf(byHand)}: it does not deliver to Casablanca.`],
  });
  assert.equal((await orderRow(id)).status, 'new');
  const calls = pushCalls();
  const http = await serving('Tanger http', 'http');
  const job = await push([id], http);
  assert.equal(job.failed, 1);
  assert.deepEqual(job.errors, [
    { reference: ref, message: `The order ${ref} cannot be shipped with ${await nameOf(http)}: it does not deliver to Casablanca.` },
  ]);
  assert.equal(pushCalls(), calls, 'no parcel asked for');
  // The reason shows on the order's page too while it stays new (operations.md: "with the reason shown").
  const page = async () => (await admin.get(`/orders/${id}/show`)).body;
  assert.match(await page(), new RegExp(`Push failed</span> <span>${await nameOf(http)}, [^<]+: The order ${ref} cannot be shipped`));
  // And on its row of the push list, where the next push is chosen.
  const list = (await admin.get('/orders/push')).body;
  assert.match(
    list,
    new RegExp(
      `<span class="small failed-note">Push failed: The order <span class="nowrap">${ref}</span> cannot be shipped with .+? <span class="muted">\\(${await nameOf(http)}, <time datetime="[^"]+" class="datetime">`,
    ),
  );
  // The manual company of the other tests lists no city: it takes the order.
  const ok = await admin.json('PATCH', `/orders/${id}/status`, { status: 'shipped', shipping_company_id: manual, tracking_number: 'T-2' });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.doesNotMatch(await page(), /Push failed/);
  assert.deepEqual(await brokenInvariants(t.db, shop.accountId), []);
});

// Found by an audit: a relative label_url ("must match format "uri"") failed the push for good, the
// order stayed new and the parcel made at the courier stayed alive. codops prints its own labels.
test('a label_url of any kind never fails a push whose tracking number is fine', async () => {
  try {
    for (const value of ['/labels/TRK002001.pdf', 'not a url', 7]) {
      sim.set({ labelUrl: { value } });
      const id = await idOf(await order());
      const job = await push([id]);
      assert.deepEqual([job.status, job.done, job.failed, job.errors], ['done', 1, 0, []], JSON.stringify(value));
      const row = await orderRow(id);
      assert.deepEqual([row.status, row.tracking_number], ['shipped', sim.parcelOf(id)!.tracking_number]);
    }
  } finally {
    sim.set({});
  }
  assert.deepEqual(await brokenInvariants(t.db, shop.accountId), []);
});
