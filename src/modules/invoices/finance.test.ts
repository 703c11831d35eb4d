import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { newId } from '../../lib/ids.js';
import { todayIn } from '../../lib/time-zone.js';
import { pdfText } from '../../test-support/pdf-text.js';
import { order, testApp, usingPostgres, type TestApp, type Tenant } from '../../test-support/harness.js';
import { login, type Agent } from '../../test-support/session.js';
import { expectInvalid, expectJson, expectListControls, fieldErrors, FORBIDDEN, NOT_FOUND, pageErrors } from '../../test-support/expect.js';
import { person } from '../../test-support/people.js';
import {
  companyServing,
  confirmedOrder,
  deliveredByCompany,
  ledgerRows,
  makeOrder,
  moneyShop,
  moveOrder,
  multipartForm,
  multipartPatch,
  PDF_PROOF,
} from '../ledger/test-fixtures.js';

/** A ledger row's keys in the API's JSON (finance.md, "The ledger"). */
const LEDGER_ROW_KEYS = [
  'id',
  'account_id',
  'kind',
  'amount',
  'balance_after',
  'order_reference',
  'invoice_reference',
  'comment',
  'created_by',
  'created_at',
];

/** A payout's JSON keys, in finance.md's order. */
const INVOICE_KEYS = ['id', 'reference', 'amount', 'status', 'payment_method', 'comment', 'proof_url', 'created_at', 'updated_at'];
let t: TestApp;
let admin: Agent;
let shop: Tenant;
let seller: Agent;
let other: Tenant;
let otherSeller: Agent;

before(async () => {
  t = await testApp();
  admin = await login(t.app, (await person(t.db, 'admin')).email);
  shop = await moneyShop(t.db);
  seller = await login(t.app, shop.email);
  other = await moneyShop(t.db);
  otherSeller = await login(t.app, other.email);
});
after(() => t.close());

const data = (res: LightMyRequestResponse, status = 200, what = '') => {
  assert.equal(res.statusCode, status, `${what}: ${res.body.slice(0, 500)}`);
  return res.json().data;
};

const multipart = (
  a: Agent,
  url: string,
  fields: Record<string, string>,
  file?: { name: string; type: string; data: Buffer },
  back?: string,
) => multipartPatch(t.app, a, url, fields, file, back);

describe('fees', () => {
  test('admins read the defaults and set fees; sellers and other staff are refused; bad values are 422', async () => {
    const fresh = await moneyShop(t.db);
    assert.deepEqual(data(await admin.json('GET', `/accounts/${fresh.accountId}/fees`)), {
      confirmation_fee: 0,
      fulfilment_fee: 0,
      delivery_fee: null,
      return_fee: null,
      default_delivery_fee: 0,
      default_return_fee: 0,
      cod_percent: 0,
    });
    const set = data(await admin.json('PATCH', `/accounts/${fresh.accountId}/fees`, { fulfilment_fee: 7.5, cod_percent: '2.5' }));
    assert.equal(set.fulfilment_fee, 7.5);
    assert.equal(set.cod_percent, 2.5);
    assert.equal(set.confirmation_fee, 0);
    expectInvalid(await admin.json('PATCH', `/accounts/${fresh.accountId}/fees`, { cod_percent: 101, fulfilment_fee: -1 }), {
      fulfilment_fee: ['The fulfilment fee field must be at least 0.'],
      cod_percent: ['The cod percent field must not be greater than 100.'],
    });
    expectInvalid(await admin.json('PATCH', `/accounts/${fresh.accountId}/fees`, { fulfilment_fee: 1.005 }), {
      fulfilment_fee: ['The fulfilment fee field must have 0-2 decimal places.'],
    });
    expectJson(await admin.json('GET', `/accounts/${newId()}/fees`), 404, NOT_FOUND);
    const freshSeller = await login(t.app, fresh.email);
    expectJson(await freshSeller.json('GET', `/accounts/${fresh.accountId}/fees`), 403, FORBIDDEN);
    expectJson(await freshSeller.json('PATCH', `/accounts/${fresh.accountId}/fees`, { fulfilment_fee: 0 }), 403, FORBIDDEN);
    const manager = await login(t.app, (await person(t.db, 'manager')).email);
    expectJson(await manager.json('GET', `/accounts/${fresh.accountId}/fees`), 403, FORBIDDEN);
    // The page and its form; the account page links to it.
    assert.match((await admin.get(`/accounts/${fresh.accountId}/show`)).body, new RegExp(`href="/accounts/${fresh.accountId}/fees"`));
    const page = await admin.get(`/accounts/${fresh.accountId}/fees`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /COD fee/);
    const saved = await admin.form(`/accounts/${fresh.accountId}/fees`, { confirmation_fee: '3.50' }, { method: 'PATCH' });
    assert.equal(saved.statusCode, 302, saved.body);
    assert.equal(data(await admin.json('GET', `/accounts/${fresh.accountId}/fees`)).confirmation_fee, 3.5);
    // The account's own flat delivery and return fees: a number, or null for the company's city fee.
    const flat = data(await admin.json('PATCH', `/accounts/${fresh.accountId}/fees`, { delivery_fee: 25, return_fee: '7.5' }));
    assert.deepEqual([flat.delivery_fee, flat.return_fee, flat.confirmation_fee], [25, 7.5, 3.5]);
    expectInvalid(await admin.json('PATCH', `/accounts/${fresh.accountId}/fees`, { delivery_fee: 100_000, return_fee: 'x' }), {
      delivery_fee: ['The delivery fee field must not be greater than 99999.'],
      return_fee: ['The return fee field must be a number.'],
    });
    const cleared = await admin.form(`/accounts/${fresh.accountId}/fees`, { delivery_fee: '' }, { method: 'PATCH' });
    assert.equal(cleared.statusCode, 302, cleared.body);
    const after = data(await admin.json('GET', `/accounts/${fresh.accountId}/fees`));
    assert.deepEqual([after.delivery_fee, after.return_fee], [null, 7.5]);
    assert.match((await admin.get(`/accounts/${fresh.accountId}/fees`)).body, /name="return_fee"[^>]*value="7.5"/);
  });
});

describe('the ledger', () => {
  test("an account's own flat delivery and return fees are charged instead of the company's city fees", async () => {
    const s = await moneyShop(t.db);
    const { company, cityName } = await companyServing(t.db, { delivery: 30, return: 12 });
    await admin.json('PATCH', `/accounts/${s.accountId}/fees`, { delivery_fee: 17, return_fee: 4, default_delivery_fee: 20 });
    const a = await confirmedOrder(t.db, s.accountId, { total: 200, city: cityName });
    await t.db.query('UPDATE orders SET is_fees_paid_by_customer = true WHERE id = $1', [a.id]);
    await moveOrder(t.db, s.accountId, a.id, 'shipped', { company });
    await moveOrder(t.db, s.accountId, a.id, 'returned');
    await moveOrder(t.db, s.accountId, a.id, 'new');
    await moveOrder(t.db, s.accountId, a.id, 'shipped', { company });
    await moveOrder(t.db, s.accountId, a.id, 'delivered');
    assert.deepEqual(
      (await ledgerRows(t.db, s.accountId)).map((r) => [r.attempt, r.kind, r.amount]),
      [
        [1, 'return_fee', -4],
        [2, 'delivered', 217],
        [2, 'delivery_fee', -17],
      ],
    );
  });

  test('a delivery and a return book the spec’s rows with the fees of their moment; renew is a new attempt', async () => {
    const s = await moneyShop(t.db);
    const { company, cityName } = await companyServing(t.db, { delivery: 30, return: 12 });
    await admin.json('PATCH', `/accounts/${s.accountId}/fees`, {
      confirmation_fee: 5,
      fulfilment_fee: 8,
      default_delivery_fee: 20,
      default_return_fee: 9,
      cod_percent: 2,
    });
    // From a confirmed lead, fees paid by the customer at the company's city fee: collected 200 + 30.
    const a = await confirmedOrder(t.db, s.accountId, { total: 200, city: cityName });
    await t.db.query('UPDATE orders SET is_fees_paid_by_customer = true WHERE id = $1', [a.id]);
    await moveOrder(t.db, s.accountId, a.id, 'shipped', { company });
    await moveOrder(t.db, s.accountId, a.id, 'returned');
    await admin.json('PATCH', `/accounts/${s.accountId}/fees`, { fulfilment_fee: 10 }); // later fees change no past row
    await moveOrder(t.db, s.accountId, a.id, 'new');
    await moveOrder(t.db, s.accountId, a.id, 'shipped', { company });
    await moveOrder(t.db, s.accountId, a.id, 'delivered');
    // Hand-made, own courier (no company): the account's default delivery fee; fees not paid by the customer.
    const b = await makeOrder(t.db, s.accountId, { total: 100 });
    await moveOrder(t.db, s.accountId, b.id, 'shipped');
    await moveOrder(t.db, s.accountId, b.id, 'delivered');

    const rows = await ledgerRows(t.db, s.accountId);
    assert.deepEqual(
      rows.map((r) => [r.order_id === a.id ? 'a' : 'b', r.attempt, r.kind, r.amount]),
      [
        ['a', 1, 'confirmation_fee', -5],
        ['a', 1, 'fulfilment_fee', -8],
        ['a', 1, 'return_fee', -12],
        ['a', 2, 'delivered', 230],
        ['a', 2, 'fulfilment_fee', -10],
        ['a', 2, 'delivery_fee', -30],
        ['a', 2, 'cod_fee', -4.6],
        ['b', 1, 'delivered', 100],
        ['b', 1, 'fulfilment_fee', -10],
        ['b', 1, 'delivery_fee', -20],
        ['b', 1, 'cod_fee', -2],
      ],
    );
    let running = 0;
    for (const r of rows) assert.equal(r.balance_after, Math.round((running += r.amount) * 100) / 100);
    const sellerA = await login(t.app, s.email);
    assert.deepEqual(data(await sellerA.json('GET', '/balance')), { balance: 228.4, reserved: 0, available: 228.4 });
    const { rows: order } = await t.db.query<{ c: number; n: number }>(
      'SELECT collected_amount::float8 AS c, delivery_attempts AS n FROM orders WHERE id = $1',
      [a.id],
    );
    assert.deepEqual(order[0], { c: 230, n: 2 });

    // A repeated transition never books twice: the stale move is refused and nothing is added.
    await assert.rejects(moveOrder(t.db, s.accountId, b.id, 'delivered'));
    assert.equal((await ledgerRows(t.db, s.accountId)).length, rows.length);
    // The ledger is append-only.
    await assert.rejects(t.db.query('UPDATE balance_histories SET amount = 0 WHERE account_id = $1', [s.accountId]));

    // The list: filters, paginated body, an order page's rows.
    const page = await sellerA.json('GET', `/balance-histories?kind=cod_fee&per_page=1`);
    const body = page.json();
    assert.equal(body.meta.total, 2);
    assert.equal(body.data.length, 1);
    assert.deepEqual(Object.keys(body.data[0]), LEDGER_ROW_KEYS);
    assert.equal(body.data[0].order_reference, b.reference);
    const byOrder = (await sellerA.json('GET', `/balance-histories?order_reference=${a.reference}`)).json();
    assert.equal(byOrder.meta.total, 7);
    // The Date column sorts: oldest first on asking, newest first by default.
    const ids = (q: string) =>
      sellerA
        .json('GET', `/balance-histories?order_reference=${a.reference}${q}`)
        .then((r) => r.json().data.map((e: { id: number }) => e.id));
    const newest = await ids('');
    assert.deepEqual(await ids('&sort=created_at&direction=asc'), [...newest].reverse());
    assert.deepEqual(await ids('&sort=created_at&direction=desc'), newest);
    const html = (await sellerA.get('/balance-histories')).body;
    assert.match(html, /<a href="\/balance-histories\?sort=created_at&amp;direction=asc">Date<\/a>/);
    const today = todayIn(t.config.timezone); // the dashboard reads dates in TIMEZONE
    assert.equal((await sellerA.json('GET', `/balance-histories?created_from=${today}&created_to=${today}`)).json().meta.total, 11);
    assert.equal((await sellerA.json('GET', `/balance-histories?created_to=2000-01-01`)).json().meta.total, 0);
    expectInvalid(await sellerA.json('GET', '/balance-histories?kind=gift'), { kind: ['The selected kind is invalid.'] });
  });

  test('concurrent deliveries of one order book it once', async () => {
    const s = await moneyShop(t.db);
    const o = await makeOrder(t.db, s.accountId, { total: 150 });
    await moveOrder(t.db, s.accountId, o.id, 'shipped');
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => moveOrder(t.db, s.accountId, o.id, 'delivered')));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    assert.deepEqual(
      (await ledgerRows(t.db, s.accountId)).map((r) => [r.kind, r.amount]),
      [['delivered', 150]],
    );
  });

  test('balance and ledger: staff name the account, another account answers 404; only admins adjust, with a comment', async () => {
    expectJson(await seller.json('GET', `/balance?account_id=${other.accountId}`), 404, NOT_FOUND);
    expectJson(await seller.json('GET', `/balance-histories?account_id=${other.accountId}`), 404, NOT_FOUND);
    expectInvalid(await admin.json('GET', '/balance'), { account_id: ['The account id field is required.'] });
    expectJson(await admin.json('GET', `/balance?account_id=${newId()}`), 404, NOT_FOUND);
    const manager = await login(t.app, (await person(t.db, 'manager')).email);
    expectJson(await manager.json('GET', `/balance?account_id=${shop.accountId}`), 403, FORBIDDEN);

    expectJson(
      await seller.json('POST', '/balance-histories/adjust', { account_id: shop.accountId, amount: 100, comment: 'gift' }),
      403,
      FORBIDDEN,
    );
    expectInvalid(await admin.json('POST', '/balance-histories/adjust', { account_id: shop.accountId, amount: 0 }), {
      amount: ['The amount field must not be zero.'],
      comment: ['The comment field is required.'],
    });
    expectInvalid(await admin.json('POST', '/balance-histories/adjust', { account_id: newId(), amount: 5, comment: 'x' }), {
      account_id: ['The selected account id is invalid.'],
    });
    const before = data(await admin.json('GET', `/balance?account_id=${shop.accountId}`)).balance;
    const after = data(
      await admin.json('POST', '/balance-histories/adjust', { account_id: shop.accountId, amount: 40.25, comment: 'Courier refund' }),
      201,
    );
    assert.equal(after.balance, Math.round((before + 40.25) * 100) / 100);
    const last = (await seller.json('GET', '/balance-histories?kind=adjustment')).json().data[0];
    assert.equal(last.comment, 'Courier refund');
    assert.equal(last.amount, 40.25);
    // A debit may take the available balance to zero, not below (as a payout).
    const debit = Math.round((after.balance + 0.01) * 100) / 100;
    expectInvalid(
      await admin.json('POST', '/balance-histories/adjust', { account_id: shop.accountId, amount: -debit, comment: 'Too much' }),
      {
        amount: [`The amount field must be at least -${after.balance.toFixed(2)}.`],
      },
    );
    assert.equal(data(await admin.json('GET', `/balance?account_id=${shop.accountId}`)).balance, after.balance, 'nothing booked');
    const zero = data(
      await admin.json('POST', '/balance-histories/adjust', { account_id: shop.accountId, amount: -after.balance, comment: 'All of it' }),
      201,
    );
    assert.equal(zero.available, 0);
    expectInvalid(
      await admin.json('POST', '/balance-histories/adjust', { account_id: shop.accountId, amount: -1, comment: 'Below zero' }),
      {
        amount: ['The amount field must be greater than 0.00.'],
      },
    );
    // The seller's own list never shows another account's rows.
    await admin.json('POST', '/balance-histories/adjust', { account_id: other.accountId, amount: 1, comment: 'other' });
    const mine = (await seller.json('GET', '/balance-histories?per_page=1000')).json().data as { account_id: string }[];
    assert.ok(mine.every((r) => r.account_id === shop.accountId));
  });
});

// Found by the finance audit: the cash to collect was computed from the fee tables at each use, so a
// fee changed while an order was on the road gave it three figures (label 130.49, ledger and
// remittance 139.99, its page later 149.99) where the courier collected 130.49.
describe('the cash to collect, fixed when the order leaves', () => {
  test('a fee changed between ship and delivery: label, ledger, cod_fee, collected amount, remittance and page keep the amount fixed at ship', async () => {
    const s = await moneyShop(t.db);
    await admin.json('PATCH', `/accounts/${s.accountId}/fees`, { cod_percent: 2 });
    const city = newId();
    const cityName = `Casablanca ${city.slice(-8)}`;
    await t.db.query('INSERT INTO cities (id, name) VALUES ($1, $2)', [city, cityName]);
    const setFee = async (fee: number) =>
      data(
        await admin.json('PATCH', `/shipping-companies/${company}/update`, {
          cities: [{ city_id: city, delivery_fee: fee, return_fee: 10 }],
        }),
        200,
        `fee ${fee}`,
      );
    const company = data(
      await admin.json('POST', '/shipping-companies/store', {
        name: `Courier ${city.slice(-8)}`,
        adapter: 'manual',
        cities: [{ city_id: city, delivery_fee: 30.5, return_fee: 10 }],
      }),
      201,
      'company',
    ).id as string;
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/web/1.0/orders',
      headers: s.auth,
      payload: {
        orders: [
          order(1, {
            city: cityName.toLowerCase(),
            total: 99.99,
            is_fees_paid_by_customer: true,
            products: [{ sku: 'P1', quantity: 1, price: 99.99 }],
          }),
        ],
      },
    });
    assert.equal(created.statusCode, 201, created.body);
    const { rows } = await t.db.query<{ id: string; reference: string }>('SELECT id, reference FROM orders WHERE account_id = $1', [
      s.accountId,
    ]);
    const { id, reference } = rows[0];
    const cash = async () => /Cash to collect: <span class="money">([\d.,]+) MAD/.exec((await admin.get(`/orders/${id}/show`)).body)?.[1];
    const label = async () => /To collect: ([\d.,]+) MAD/.exec(pdfText((await admin.get(`/orders/${id}/label`)).rawPayload))?.[1];
    const stored = async () =>
      (
        await t.db.query<{ cod: number | null; c: number | null }>(
          'SELECT cod_amount::float8 AS cod, collected_amount::float8 AS c FROM orders WHERE id = $1',
          [id],
        )
      ).rows[0];
    // While new (no company yet), the page shows today's estimate and nothing is fixed.
    assert.equal(await cash(), '99.99');
    assert.deepEqual(await stored(), { cod: null, c: null });

    const shipped = await admin.json('PATCH', `/orders/${id}/status`, {
      status: 'shipped',
      shipping_company_id: company,
      tracking_number: 'TRK-CASA-1',
    });
    assert.equal(shipped.statusCode, 200, shipped.body);
    assert.deepEqual(await stored(), { cod: 130.49, c: null });
    assert.equal(await label(), '130.49');

    await setFee(40);
    assert.equal(await label(), '130.49', 'the label the courier already has');
    assert.equal(await cash(), '130.49');
    data(await admin.json('PATCH', `/orders/${id}/status`, { status: 'delivered' }), 200, 'delivered');
    // The delivery fee is charged at delivery (finance.md's table): today's 40; the cash is the amount fixed at ship.
    assert.deepEqual(
      (await ledgerRows(t.db, s.accountId)).map((r) => [r.kind, r.amount]),
      [
        ['delivered', 130.49],
        ['delivery_fee', -40],
        ['cod_fee', -2.61],
      ],
    );
    assert.deepEqual(await stored(), { cod: 130.49, c: 130.49 });
    const form = await admin.get(`/remittances/create?shipping_company_id=${company}`);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, new RegExp(`${reference}[\\s\\S]*?130\\.49 MAD`));
    assert.doesNotMatch(form.body, /139\.99/);
    const courier = (await admin.json('GET', '/remittances?per_page=1000')).json().data.find((c: { id: string }) => c.id === company);
    assert.equal(courier?.cash_expected, 130.49);

    await setFee(50);
    assert.equal(await cash(), '130.49', 'a delivered order keeps the cash it was delivered with');
    assert.equal(await label(), '130.49');
  });

  test('a renewed order is fixed anew at its next shipment, at the fee of that moment', async () => {
    const s = await moneyShop(t.db);
    const { company, cityName } = await companyServing(t.db, { delivery: 30, return: 12 });
    const setFee = (fee: number) =>
      t.db.query('UPDATE shipping_company_cities SET delivery_fee = $1 WHERE shipping_company_id = $2', [fee, company]);
    const o = await makeOrder(t.db, s.accountId, { total: 100, city: cityName, feesByCustomer: true });
    const stored = async () =>
      (await t.db.query<{ cod: number | null }>('SELECT cod_amount::float8 AS cod FROM orders WHERE id = $1', [o.id])).rows[0].cod;
    const cash = async () => /Cash to collect: <span class="money">([\d.,]+) MAD/.exec((await admin.get(`/orders/${o.id}/show`)).body)?.[1];
    await moveOrder(t.db, s.accountId, o.id, 'shipped', { company });
    assert.equal(await stored(), 130);
    await setFee(35);
    await moveOrder(t.db, s.accountId, o.id, 'returned');
    assert.equal(await stored(), 130, 'a returned order keeps what its attempt was to collect');
    await moveOrder(t.db, s.accountId, o.id, 'new');
    assert.equal(await stored(), null, 'a renew clears it');
    assert.equal(await cash(), '100.00', "back to today's estimate (no company yet)");
    await setFee(40);
    await moveOrder(t.db, s.accountId, o.id, 'shipped', { company });
    assert.equal(await stored(), 140);
    await setFee(45);
    await moveOrder(t.db, s.accountId, o.id, 'delivered');
    assert.deepEqual(
      (await ledgerRows(t.db, s.accountId)).map((r) => [r.attempt, r.kind, r.amount]),
      [
        [1, 'return_fee', -12],
        [2, 'delivered', 140],
        [2, 'delivery_fee', -45],
      ],
    );
    assert.equal(await cash(), '140.00');
  });
});

describe('payouts', () => {
  test('request, paid with a proof, un-paid, cancel with the reservation released, delete, history, PDF statement', async () => {
    const s = await moneyShop(t.db);
    const sel = await login(t.app, s.email);
    await admin.json('PATCH', `/accounts/${s.accountId}/fees`, { fulfilment_fee: 10 });
    const orders = [await makeOrder(t.db, s.accountId, { total: 300 }), await makeOrder(t.db, s.accountId, { total: 120 })];
    for (const o of orders) await moveOrder(t.db, s.accountId, o.id, 'shipped');
    await moveOrder(t.db, s.accountId, orders[0].id, 'delivered');
    await moveOrder(t.db, s.accountId, orders[1].id, 'returned');
    // A return that books nothing (every fee at 0) is on the statement all the same (money audit).
    await admin.json('PATCH', `/accounts/${s.accountId}/fees`, { fulfilment_fee: 0 });
    const free = await makeOrder(t.db, s.accountId, { total: 50 });
    await moveOrder(t.db, s.accountId, free.id, 'shipped');
    await moveOrder(t.db, s.accountId, free.id, 'returned');
    await admin.json('PATCH', `/accounts/${s.accountId}/fees`, { fulfilment_fee: 10 });
    assert.equal(data(await sel.json('GET', '/balance')).balance, 280);

    // The form's way to the details it asks for (the workflow audit: the message named them, no link).
    assert.match((await sel.get('/invoices/create')).body, /<a href="\/settings\/payment">Payment details<\/a>/);
    expectInvalid(await sel.json('POST', '/invoices/create/request', { amount: 50, payment_method: 'bank_transfer' }), {
      payment_method: ['Add your bank account under Payment details before asking for a bank transfer.'],
    });
    expectInvalid(await sel.json('PATCH', '/settings/payment/bank-account', { bank_name: 'CIH', iban: 'x'.repeat(35) }), {
      account_holder: ['The account holder field is required.'],
      iban: ['The iban field must not be greater than 34 characters.'],
    });
    const details = data(
      await sel.json('PATCH', '/settings/payment/bank-account', {
        bank_name: 'CIH Bank',
        account_holder: 'Argan House',
        iban: 'ma64 0112 3456 7890',
      }),
    );
    assert.equal(details.iban, 'MA6401123456789' + '0');
    expectInvalid(await sel.json('PATCH', '/settings/payment/paypal', { paypal_email: 'nope' }), {
      paypal_email: ['The paypal email field must be a valid email address.'],
    });
    expectInvalid(await sel.json('POST', '/invoices/create/request', { amount: 280.01, payment_method: 'bank_transfer' }), {
      amount: ['The amount field must not be greater than 280.00.'],
    });
    // Both at once: too much, and PayPal without a PayPal email.
    expectInvalid(await sel.json('POST', '/invoices/create/request', { amount: 280.01, payment_method: 'paypal' }), {
      amount: ['The amount field must not be greater than 280.00.'],
      payment_method: ['Add your PayPal email under Payment details before asking for a PayPal payout.'],
    });
    expectInvalid(await sel.json('POST', '/invoices/create/request', { amount: 0.5, payment_method: 'cash' }), {
      amount: ['The amount field must be at least 1.'],
      payment_method: ['The selected payment method is invalid.'],
    });
    const inv = data(await sel.json('POST', '/invoices/create/request', { amount: 200, payment_method: 'bank_transfer' }), 201);
    assert.deepEqual(Object.keys(inv), INVOICE_KEYS);
    assert.match(inv.reference, /^INV-\d{5}$/);
    assert.equal(inv.status, 'pending');
    assert.deepEqual(data(await sel.json('GET', '/balance')), { balance: 80, reserved: 200, available: 80 });

    // Who may: a seller neither marks paid nor deletes; another account sees nothing.
    expectJson(
      await multipart(sel, `/invoices/${inv.id}/paid/request`, {}, { name: 'p.pdf', type: 'application/pdf', data: PDF_PROOF }),
      403,
      FORBIDDEN,
    );
    expectJson(await sel.json('PATCH', `/invoices/${inv.id}/un-paid/request`), 403, FORBIDDEN);
    expectJson(await sel.json('DELETE', '/invoices/delete', { ids: [inv.id] }), 403, FORBIDDEN);
    expectJson(await otherSeller.json('GET', `/invoices/${inv.id}/show`), 404, NOT_FOUND);
    expectJson(await otherSeller.json('GET', `/invoices/${inv.id}/pdf`), 404, NOT_FOUND);
    expectJson(await otherSeller.json('PATCH', `/invoices/${inv.id}/cancel/request`), 404, NOT_FOUND);
    assert.ok(!(await otherSeller.json('GET', '/invoices')).body.includes(inv.id));

    // Paid needs a proof file of the right kind.
    expectInvalid(await multipart(admin, `/invoices/${inv.id}/paid/request`, {}), { file: ['The file field is required.'] });
    expectInvalid(
      await multipart(
        admin,
        `/invoices/${inv.id}/paid/request`,
        {},
        { name: 'p.txt', type: 'application/pdf', data: Buffer.from('hello') },
      ),
      { file: ['The file field must be a file of type: pdf, png, jpeg.'] },
    );
    const paid = data(
      await multipart(
        admin,
        `/invoices/${inv.id}/paid/request`,
        { comment: 'Wire 123' },
        { name: 'p.pdf', type: 'application/pdf', data: PDF_PROOF },
      ),
    );
    assert.equal(paid.status, 'paid');
    assert.equal(paid.proof_url, `/invoices/${inv.id}/proof`);
    const proof = await sel.get(paid.proof_url);
    assert.equal(proof.statusCode, 200);
    assert.deepEqual(proof.rawPayload, PDF_PROOF);
    expectInvalid(await sel.json('PATCH', `/invoices/${inv.id}/cancel/request`), {
      status: ['The status cannot change from paid to canceled.'],
    });

    // The statement: the account, the orders with their fees, the totals.
    const pdf = await sel.get(`/invoices/${inv.id}/pdf`);
    assert.equal(pdf.statusCode, 200);
    assert.equal(pdf.headers['content-type'], 'application/pdf');
    const text = pdfText(pdf.rawPayload);
    assert.match(text, new RegExp(inv.reference));
    assert.match(text, new RegExp(orders[0].reference));
    assert.match(text, new RegExp(orders[1].reference));
    assert.match(text, new RegExp(`${free.reference}\\s+returned`));
    assert.match(text, /3 orders/);
    assert.match(text, /Total collected: 300\.00 MAD/);
    assert.match(text, /Total fees: 20\.00 MAD/);
    assert.match(text, /Net for the period: 280\.00 MAD/);
    assert.match(text, /Amount paid out: 200\.00 MAD/);

    // Un-paid back to pending (the proof stays in the history), then canceled: the reservation comes back.
    assert.equal(data(await admin.json('PATCH', `/invoices/${inv.id}/un-paid/request`)).status, 'pending');
    assert.match(pdfText((await sel.get(`/invoices/${inv.id}/pdf`)).rawPayload), /Amount requested: 200\.00 MAD/, 'not paid out yet');
    // The proof is no longer the payout's, but its history row links to it.
    assert.equal((await sel.get(`/invoices/${inv.id}/proof`)).statusCode, 404);
    const kept = /href="(\/invoices\/[^"]+\/proof\?history=\d+)">View this proof</.exec(
      (await sel.get(`/invoices/${inv.id}/show`)).body,
    )?.[1];
    assert.ok(kept, 'the history links the kept proof');
    assert.deepEqual((await sel.get(kept)).rawPayload, PDF_PROOF);
    assert.equal((await sel.get(`/invoices/${inv.id}/proof?history=1x`)).statusCode, 404);
    assert.equal((await sel.get(`/invoices/${inv.id}/proof?history=999999`)).statusCode, 404);
    expectInvalid(await admin.json('DELETE', '/invoices/delete', { ids: [inv.id, 'nope', inv.id] }), {
      'ids.0': [`${inv.reference} is pending: only canceled payouts can be deleted.`],
      'ids.1': ['The selected ids.1 is invalid.'],
      'ids.2': [`${inv.reference} is pending: only canceled payouts can be deleted.`],
    });
    assert.equal(data(await sel.json('PATCH', `/invoices/${inv.id}/cancel/request`)).status, 'canceled');
    assert.deepEqual(data(await sel.json('GET', '/balance')), { balance: 280, reserved: 0, available: 280 });
    const { rows: hist } = await t.db.query<{ old_status: string | null; new_status: string; proof: boolean }>(
      'SELECT old_status, new_status, proof_path IS NOT NULL AS proof FROM invoice_histories WHERE invoice_id = $1 ORDER BY id',
      [inv.id],
    );
    assert.deepEqual(
      hist.map((h) => [h.old_status, h.new_status, h.proof]),
      [
        [null, 'pending', false],
        ['pending', 'paid', true],
        ['paid', 'pending', false],
        ['pending', 'canceled', false],
      ],
    );
    const kinds = (await ledgerRows(t.db, s.accountId)).map((r) => [r.kind, r.amount]).slice(-2);
    assert.deepEqual(kinds, [
      ['payout_reserved', -200],
      ['payout_released', 200],
    ]);
    // Each id's error at its place in what was sent; after a failed `required`, nothing more (Laravel).
    expectInvalid(await admin.json('DELETE', '/invoices/delete', { ids: [inv.id, inv.id, null, 'nope'] }), {
      'ids.2': ['The ids.2 field is required.'],
      'ids.3': ['The selected ids.3 is invalid.'],
    });
    assert.deepEqual(await admin.json('DELETE', '/invoices/delete', { ids: [inv.id, inv.id] }).then((r) => r.json()), {
      message: 'Payout deleted.',
    });
    expectJson(await sel.json('GET', `/invoices/${inv.id}/show`), 404, NOT_FOUND);
  });

  test("an admin cancels a paid payout (finance.md: 'seller (own, pending only), admin'): the money comes back, the proof stays", async () => {
    const s = await moneyShop(t.db);
    const sel = await login(t.app, s.email);
    await sel.json('PATCH', '/settings/payment/paypal', { paypal_email: 'shop@example.test' });
    await admin.json('POST', '/balance-histories/adjust', { account_id: s.accountId, amount: 300, comment: 'Opening' });
    const inv = data(await sel.json('POST', '/invoices/create/request', { amount: 120, payment_method: 'paypal' }), 201);
    const paid = await multipart(
      admin,
      `/invoices/${inv.id}/paid/request`,
      {},
      { name: 'p.pdf', type: 'application/pdf', data: PDF_PROOF },
    );
    assert.equal(data(paid).status, 'paid');
    // The seller may not (their own, pending only), and their page offers no button.
    expectInvalid(await sel.json('PATCH', `/invoices/${inv.id}/cancel/request`), {
      status: ['The status cannot change from paid to canceled.'],
    });
    assert.doesNotMatch((await sel.get(`/invoices/${inv.id}/show`)).body, /cancel\/request/);
    assert.match((await admin.get(`/invoices/${inv.id}/show`)).body, /cancel\/request/);

    const canceled = data(await admin.json('PATCH', `/invoices/${inv.id}/cancel/request`, { comment: 'Bounced' }));
    assert.equal(canceled.status, 'canceled');
    assert.equal(canceled.proof_url, `/invoices/${inv.id}/proof`, 'the proof of the payment that was made stays');
    assert.deepEqual((await sel.get(canceled.proof_url)).rawPayload, PDF_PROOF);
    assert.deepEqual(data(await sel.json('GET', '/balance')), { balance: 300, reserved: 0, available: 300 });
    const kinds = (await ledgerRows(t.db, s.accountId)).map((r) => [r.kind, r.amount]).slice(-2);
    assert.deepEqual(kinds, [
      ['payout_reserved', -120],
      ['payout_released', 120],
    ]);
    expectInvalid(await admin.json('PATCH', `/invoices/${inv.id}/cancel/request`), {
      status: ['The status cannot change from canceled to canceled.'],
    });
  });

  test('20 concurrent payout requests against a balance covering 5: exactly 5 succeed, the rest are 422 on amount', async () => {
    const s = await moneyShop(t.db);
    const sel = await login(t.app, s.email);
    await sel.json('PATCH', '/settings/payment/paypal', { paypal_email: 'shop@example.test' });
    await admin.json('POST', '/balance-histories/adjust', { account_id: s.accountId, amount: 500, comment: 'Opening' });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => sel.json('POST', '/invoices/create/request', { amount: 100, payment_method: 'paypal' })),
    );
    const ok = results.filter((r) => r.statusCode === 201);
    assert.equal(ok.length, 5, results.map((r) => r.statusCode).join(','));
    for (const r of results.filter((x) => x.statusCode !== 201)) expectInvalid(r, { amount: [r.json().errors.amount[0]] }) as unknown;
    for (const r of results.filter((x) => x.statusCode !== 201))
      assert.match(r.json().errors.amount[0], /^The amount field must not be greater than 0\.00\.$/);
    assert.deepEqual(data(await sel.json('GET', '/balance')), { balance: 0, reserved: 500, available: 0 });
    const rows = await ledgerRows(t.db, s.accountId);
    assert.ok(rows.every((r) => r.balance_after >= 0));
    assert.equal(new Set(ok.map((r) => r.json().data.reference)).size, 5);
    if (usingPostgres) assert.ok(true, 'ran against PostgreSQL with a pool');
  });

  // PostgreSQL only: the embedded database runs one statement at a time, so nothing can commit in between.
  test('a payout deleted while a move waits for it answers 404 (it was a 500)', { skip: !usingPostgres }, async () => {
    const s = await moneyShop(t.db);
    const sel = await login(t.app, s.email);
    await sel.json('PATCH', '/settings/payment/paypal', { paypal_email: 'shop@example.test' });
    await admin.json('POST', '/balance-histories/adjust', { account_id: s.accountId, amount: 100, comment: 'Opening' });
    const proof = { name: 'p.pdf', type: 'application/pdf', data: PDF_PROOF };
    const moves = [
      () => admin.json('PATCH', `/invoices/${inv}/un-paid/request`),
      () => sel.json('PATCH', `/invoices/${inv}/cancel/request`),
      () => multipart(admin, `/invoices/${inv}/paid/request`, {}, proof),
    ];
    let inv = '';
    for (const move of moves) {
      inv = data(await sel.json('POST', '/invoices/create/request', { amount: 10, payment_method: 'paypal' }), 201).id;
      data(await sel.json('PATCH', `/invoices/${inv}/cancel/request`));
      // The page found the payout; an admin's delete holds it while the move arrives, then commits.
      const { answer } = await t.db.tx(async (q) => {
        await q.query('SELECT 1 FROM invoices WHERE id = $1 FOR UPDATE', [inv]);
        const xid = (await q.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid')).rows[0].xid;
        const answer = move();
        for (let waiting = 0; waiting === 0; await new Promise((r) => setTimeout(r, 10)))
          waiting = (
            await t.db.query('SELECT 1 FROM pg_locks WHERE locktype = $1 AND transactionid = $2::xid AND NOT granted', [
              'transactionid',
              xid,
            ])
          ).rowCount;
        await q.query('DELETE FROM invoices WHERE id = $1', [inv]);
        return { answer };
      });
      expectJson(await answer, 404, NOT_FOUND);
    }
  });

  test('a payout deleted twice at the same moment is deleted, and audited, once', { skip: !usingPostgres }, async () => {
    const s = await moneyShop(t.db);
    const sel = await login(t.app, s.email);
    await sel.json('PATCH', '/settings/payment/paypal', { paypal_email: 'shop@example.test' });
    await admin.json('POST', '/balance-histories/adjust', { account_id: s.accountId, amount: 100, comment: 'Opening' });
    const inv = data(await sel.json('POST', '/invoices/create/request', { amount: 10, payment_method: 'paypal' }), 201).id;
    data(await sel.json('PATCH', `/invoices/${inv}/cancel/request`));
    // Both requests found the payout; the first holds it while the second arrives, then deletes it.
    const { answer } = await t.db.tx(async (q) => {
      await q.query('SELECT 1 FROM invoices WHERE id = $1 FOR UPDATE', [inv]);
      const xid = (await q.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid')).rows[0].xid;
      const answer = admin.json('DELETE', '/invoices/delete', { ids: [inv] });
      for (let waiting = 0; waiting === 0; await new Promise((r) => setTimeout(r, 10)))
        waiting = (
          await t.db.query('SELECT 1 FROM pg_locks WHERE locktype = $1 AND transactionid = $2::xid AND NOT granted', ['transactionid', xid])
        ).rowCount;
      await q.query('DELETE FROM invoices WHERE id = $1', [inv]);
      return { answer };
    });
    expectJson(await answer, 200, { message: 'Payout deleted.' });
    const audits = await t.db.query(`SELECT 1 FROM audit_log WHERE action = 'invoices.delete' AND subject_id = $1`, [inv]);
    assert.equal(audits.rowCount, 0, 'the request that found it gone wrote no delete of its own');
  });

  test('the payouts list: search, status, method and (admins) account filters, sortable columns, pages with meta; bad values 422', async () => {
    const s = await moneyShop(t.db);
    const sel = await login(t.app, s.email);
    await sel.json('PATCH', '/settings/payment/paypal', { paypal_email: 'list@example.test' });
    await sel.json('PATCH', '/settings/payment/bank-account', { bank_name: 'CIH', account_holder: 'A', iban: 'MA6401' });
    await admin.json('POST', '/balance-histories/adjust', { account_id: s.accountId, amount: 1000, comment: 'Opening' });
    const made: { id: string; reference: string }[] = [];
    for (const [amount, payment_method] of [
      [30, 'paypal'],
      [10, 'bank_transfer'],
      [20, 'paypal'],
    ] as const)
      made.push(data(await sel.json('POST', '/invoices/create/request', { amount, payment_method }), 201));
    data(await sel.json('PATCH', `/invoices/${made[1].id}/cancel/request`));
    const list = async (a: Agent, query: string) => {
      const res = await a.json('GET', `/invoices?${query}`);
      assert.equal(res.statusCode, 200, `${query}: ${res.body.slice(0, 300)}`);
      return res.json() as { data: { reference: string }[]; meta: Record<string, number> };
    };
    const refs = (body: { data: { reference: string }[] }) => body.data.map((i) => i.reference);
    const of = (...i: number[]) => i.map((n) => made[n].reference);

    // Newest first by default, the API's paginated body with the items unchanged.
    const all = await list(sel, '');
    assert.deepEqual(refs(all), of(2, 1, 0));
    assert.deepEqual(all.meta, { current_page: 1, per_page: 25, total: 3, last_page: 1 });
    assert.deepEqual(Object.keys(all.data[0]), INVOICE_KEYS);
    // Sorts: ascending once named, descending when asked.
    assert.deepEqual(refs(await list(sel, 'sort=amount')), of(1, 2, 0));
    assert.deepEqual(refs(await list(sel, 'sort=amount&direction=desc')), of(0, 2, 1));
    assert.deepEqual(refs(await list(sel, 'sort=reference')), of(0, 1, 2));
    assert.deepEqual(refs(await list(sel, 'sort=status&direction=desc')), of(2, 0, 1));
    // Filters and search (part of the reference, any case).
    assert.deepEqual(refs(await list(sel, 'status=canceled')), of(1));
    assert.deepEqual(refs(await list(sel, 'payment_method=paypal&sort=created_at')), of(0, 2));
    assert.deepEqual(refs(await list(sel, `search=${made[0].reference.toLowerCase()}`)), of(0));
    // Pages.
    const second = await list(sel, 'per_page=2&page=2');
    assert.deepEqual(refs(second), of(0));
    assert.deepEqual(second.meta, { current_page: 2, per_page: 2, total: 3, last_page: 2 });
    // A seller's account_id names nothing: still their own. Staff filter by account and search its name.
    assert.deepEqual(refs(await list(sel, `account_id=${other.accountId}`)), of(2, 1, 0));
    assert.deepEqual(refs(await list(admin, `account_id=${s.accountId}&status=pending`)), of(2, 0));
    const { rows: acc } = await t.db.query<{ name: string }>('SELECT name FROM accounts WHERE id = $1', [s.accountId]);
    assert.deepEqual(refs(await list(admin, `search=${encodeURIComponent(acc[0].name)}&sort=amount`)), of(1, 2, 0));

    expectInvalid(await sel.json('GET', '/invoices?sort=secret&direction=up&status=lost&payment_method=cash&per_page=0'), {
      per_page: ['The per page field must be at least 1.'],
      status: ['The selected status is invalid.'],
      sort: ['The selected sort is invalid.'],
      direction: ['The selected direction is invalid.'],
      payment_method: ['The selected payment method is invalid.'],
    });

    // The page: the filters, sortable headers keeping them, a bad filter's message beside it.
    const url = `/invoices?account_id=${s.accountId}&status=pending`;
    const page = await admin.get(url);
    assert.equal(page.statusCode, 200);
    expectListControls(page.body, url, {
      search: 'Search by reference or account',
      filters: ['status', 'payment_method', 'account_id'],
      sorts: ['reference', 'amount', 'status', 'created_at'],
    });
    const mine = await sel.get('/invoices?payment_method=cash');
    assert.equal(mine.statusCode, 200);
    assert.match(mine.body, /<label for="f-search">Search by reference<\/label>/);
    assert.doesNotMatch(mine.body, /name="account_id"/);
    assert.match(mine.body, /The selected payment method is invalid\./);
  });

  test('payment details: the owner and admins see them whole; the invoice page masks them for nobody else', async () => {
    const d = data(await seller.json('PATCH', '/settings/payment/paypal', { paypal_email: 'owner@example.test' }));
    assert.equal(d.paypal_email, 'owner@example.test');
    assert.equal(data(await seller.json('GET', '/settings/payment')).paypal_email, 'owner@example.test');
    expectJson(await admin.json('PATCH', '/settings/payment/paypal', { paypal_email: 'a@example.test' }), 403, FORBIDDEN);
    const { maskDetails } = await import('./queries.js');
    assert.deepEqual(maskDetails({ bank_name: 'CIH', account_holder: 'A', iban: 'MA640011', paypal_email: 'owner@example.test' }), {
      bank_name: 'CIH',
      account_holder: 'A',
      iban: '••••0011',
      paypal_email: 'o•••@example.test',
    });
  });
  test('the payout page shows why a form was refused after its 302 back: beside the proof field, else as the page’s error', async () => {
    const s = await moneyShop(t.db);
    const sel = await login(t.app, s.email);
    await sel.json('PATCH', '/settings/payment/paypal', { paypal_email: 'page@example.test' });
    await admin.json('POST', '/balance-histories/adjust', { account_id: s.accountId, amount: 300, comment: 'Opening' });
    const inv = data(await sel.json('POST', '/invoices/create/request', { amount: 100, payment_method: 'paypal' }), 201);
    const page = `/invoices/${inv.id}/show`;
    /** The page a refused form goes back to. */
    const back = async (a: Agent, res: LightMyRequestResponse) => {
      assert.equal(res.statusCode, 302, res.body);
      assert.equal(res.headers.location, page);
      const shown = await a.follow(res);
      assert.equal(shown.statusCode, 200);
      return shown.body;
    };
    const paidForm = (file?: { name: string; type: string; data: Buffer }) =>
      multipart(admin, `/invoices/${inv.id}/paid/request`, { comment: 'Wire 9' }, file, page);

    // Mark as paid without a proof, then with a text file named .png: the message under the file field, the comment kept.
    await admin.get(page);
    let body = await back(admin, await paidForm());
    assert.deepEqual(fieldErrors(body, 'f-file'), ['The file field is required.']);
    assert.match(body, /<input id="f-file" name="file" type="file"[^>]* aria-invalid="true" aria-describedby="f-file-error"/);
    assert.match(body, />Wire 9<\/textarea>/);
    assert.deepEqual(pageErrors(body), []);
    body = await back(admin, await paidForm({ name: 'proof.png', type: 'image/png', data: Buffer.from('not an image') }));
    assert.deepEqual(fieldErrors(body, 'f-file'), ['The file field must be a file of type: pdf, png, jpeg.']);

    // Deleting it while pending (a page opened before an un-paid): the page's error message.
    body = await back(admin, await admin.form('/invoices/delete', { ids: [inv.id] }, { method: 'DELETE' }));
    assert.deepEqual(pageErrors(body), [`${inv.reference} is pending: only canceled payouts can be deleted.`]);

    // Paid, then "Mark as unpaid" sent twice (a double click).
    data(await multipart(admin, `/invoices/${inv.id}/paid/request`, {}, { name: 'p.pdf', type: 'application/pdf', data: PDF_PROOF }));
    await admin.get(page);
    assert.equal((await admin.form(`/invoices/${inv.id}/un-paid/request`, {}, { method: 'PATCH' })).statusCode, 302);
    body = await back(admin, await admin.form(`/invoices/${inv.id}/un-paid/request`, {}, { method: 'PATCH' }));
    assert.deepEqual(pageErrors(body), ['The status cannot change from pending to pending.']);

    // "Cancel payout" sent twice, by the seller, then by an admin from a page opened before.
    await sel.get(page);
    assert.equal((await sel.form(`/invoices/${inv.id}/cancel/request`, {}, { method: 'PATCH' })).statusCode, 302);
    body = await back(sel, await sel.form(`/invoices/${inv.id}/cancel/request`, {}, { method: 'PATCH' }));
    assert.deepEqual(pageErrors(body), ['The status cannot change from canceled to canceled.']);
    body = await back(admin, await admin.form(`/invoices/${inv.id}/cancel/request`, {}, { method: 'PATCH' }));
    assert.deepEqual(pageErrors(body), ['The status cannot change from canceled to canceled.']);
    // The message is shown once: the next visit is the plain page.
    assert.deepEqual(pageErrors((await admin.get(page)).body), []);
  });
});

describe('money on the pages', () => {
  test('the seller’s home shows the balance and pending payouts, an order page its fees and ledger rows; "hide money" blanks them all', async () => {
    const s = await moneyShop(t.db);
    const sel = await login(t.app, s.email);
    await admin.json('PATCH', `/accounts/${s.accountId}/fees`, { fulfilment_fee: 12.34 });
    const o = await makeOrder(t.db, s.accountId, { total: 987.65 });
    await moveOrder(t.db, s.accountId, o.id, 'shipped');
    await moveOrder(t.db, s.accountId, o.id, 'delivered');
    await sel.json('PATCH', '/settings/payment/paypal', { paypal_email: 'me@example.test' });
    const inv = data(await sel.json('POST', '/invoices/create/request', { amount: 111.11, payment_method: 'paypal' }), 201);

    const home = await sel.get('/');
    assert.equal(home.statusCode, 200);
    assert.match(home.body, /Your money/);
    assert.match(home.body, /864\.20 MAD/); // 987.65 − 12.34 − 111.11
    assert.match(home.body, /111\.11 MAD/);
    const page = await sel.get(`/orders/${o.id}/show`);
    assert.match(page.body, /Fees and balance/);
    assert.match(page.body, /987\.65 MAD/);
    assert.match(page.body, /-12\.34 MAD/);
    assert.match((await sel.get('/balance-histories')).body, /975\.31 MAD/);
    assert.match((await sel.get('/invoices')).body, /111\.11 MAD/);
    assert.match((await sel.get(`/invoices/${inv.id}/show`)).body, /111\.11 MAD/);
    // A manager sees the order but not its money.
    const manager = await login(t.app, (await person(t.db, 'manager')).email);
    const seen = await manager.get(`/orders/${o.id}/show`);
    if (seen.statusCode === 200) assert.doesNotMatch(seen.body, /Fees and balance/);

    await t.db.query('UPDATE users SET hide_money = true WHERE lower(email) = lower($1)', [s.email]);
    for (const url of ['/', `/orders/${o.id}/show`, '/balance-histories', '/invoices', `/invoices/${inv.id}/show`, '/invoices/create']) {
      const res = await sel.get(url);
      assert.equal(res.statusCode, 200, url);
      for (const amount of ['864.20', '111.11', '987.65', '12.34', '975.31'])
        assert.ok(!res.body.includes(amount), `${url} shows ${amount}`);
    }
    // Not in JSON.
    assert.equal(data(await sel.json('GET', '/balance')).balance, 864.2);
  });
});

describe('courier cash', () => {
  test('a remittance with one wrong amount is reported line by line and not recorded; a correct one is; selected orders too', async () => {
    const s = await moneyShop(t.db);
    const { company, cityName } = await companyServing(t.db, { delivery: 0, return: 0 });
    const made = [];
    for (const total of [100, 250.5, 80]) {
      const o = await makeOrder(t.db, s.accountId, { total, city: cityName });
      await moveOrder(t.db, s.accountId, o.id, 'shipped', { company });
      await moveOrder(t.db, s.accountId, o.id, 'delivered');
      made.push(o);
    }
    const mine = async () =>
      (
        (await admin.json('GET', '/remittances?per_page=1000')).json().data as {
          id: string;
          pending_orders: number;
          pending_amount: number;
          cash_received: number;
          difference: number;
        }[]
      ).find((r) => r.id === company)!;
    assert.deepEqual(
      { ...(await mine()) },
      {
        ...(await mine()),
        type: 'shipping_company',
        pending_orders: 3,
        pending_amount: 430.5,
        cash_expected: 430.5,
        cash_received: 0,
        difference: 430.5,
      },
    );
    const wrong = await admin.json('POST', '/remittances', {
      shipping_company_id: company,
      csv: `reference,amount\n${made[0].reference},100.00\n${made[1].reference},205.50\nORD-99999,10\n`,
      received_at: '2026-11-30',
    });
    expectInvalid(wrong, {
      'lines.3.amount': [`Line 3 (${made[1].reference}): expected 250.50, received 205.50.`],
      'lines.4': [
        `Line 4: ORD-99999 is not a delivered order of ${(await t.db.query<{ name: string }>('SELECT name FROM shipping_companies WHERE id = $1', [company])).rows[0].name} awaiting remittance.`,
      ],
    });
    // A reference no order could have (over 100 characters; in a file, a control character too) is not quoted back (uploads audit).
    const odd = await admin.json('POST', '/remittances', {
      shipping_company_id: company,
      csv: `${'R'.repeat(10_000)},10\n`,
      received_at: '2026-11-30',
    });
    expectInvalid(odd, {
      'lines.1': ["Line 1: write the order's reference and the amount received, as ORD-00001,398.00."],
    });
    assert.equal((await mine()).pending_orders, 3, 'nothing recorded');
    const { rows: none } = await t.db.query('SELECT 1 FROM remittances WHERE shipping_company_id = $1', [company]);
    assert.equal(none.length, 0);
    // Only the wrong amount: still refused until confirmed.
    const differ = {
      shipping_company_id: company,
      csv: `${made[0].reference},100\n${made[1].reference},205.50`,
      received_at: '2026-11-30',
    };
    expectInvalid(await admin.json('POST', '/remittances', differ), {
      'lines.2.amount': [`Line 2 (${made[1].reference}): expected 250.50, received 205.50.`],
    });
    const ok = await admin.json('POST', '/remittances', {
      shipping_company_id: company,
      csv: `${made[0].reference},100\n${made[1].reference},250.50`,
      received_at: '2026-11-30',
      comment: 'Weekly',
    });
    const rec = data(ok, 201);
    assert.equal(rec.amount, 350.5);
    assert.equal(rec.orders, 2);
    assert.deepEqual(
      { pending_orders: (await mine()).pending_orders, cash_received: (await mine()).cash_received, difference: (await mine()).difference },
      { pending_orders: 1, cash_received: 350.5, difference: 80 },
    );
    // Remitted orders cannot be remitted again; the last one by selection.
    expectInvalid(
      await admin.json('POST', '/remittances', { shipping_company_id: company, order_ids: [made[0].id], received_at: '2026-11-30' }),
      {
        'order_ids.0': ['The selected order_ids.0 is invalid.'],
      },
    );
    // The same from the form (multipart, one field per ticked box, more than 50 of them): the refusal is shown on the page it goes back to.
    const form = `/remittances/create?shipping_company_id=${company}`;
    const ticked = [made[0].id, ...Array.from({ length: 60 }, () => newId())];
    const refused = await multipartForm(
      t.app,
      admin,
      '/remittances',
      { shipping_company_id: company, 'order_ids[]': ticked, received_at: '2026-11-30' },
      undefined,
      form,
    );
    assert.equal(refused.statusCode, 302);
    assert.equal(refused.headers.location, form);
    assert.deepEqual(
      pageErrors((await admin.get(form)).body),
      ticked.map((_, i) => `The selected order_ids.${i} is invalid.`),
    );
    data(
      await admin.json('POST', '/remittances', { shipping_company_id: company, order_ids: [made[2].id], received_at: '2026-11-30' }),
      201,
    );
    assert.equal((await mine()).difference, 0);
    // A confirmed difference is recorded and shows as the courier's difference.
    expectInvalid(await admin.json('POST', '/remittances', { received_at: '2026-11-30', order_ids: [made[2].id] }), {
      shipping_company_id: ['Give either a shipping company or a delivery person.'],
    });
    expectJson(await seller.json('GET', '/remittances'), 403, FORBIDDEN);
    const page = await admin.get('/remittances');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Courier cash/);
  });
});

describe('courier cash, found by the money audit', () => {
  const delivered = (totals: number[]) => deliveredByCompany(t.db, totals);

  test('remittances of the same orders at the same moment: one is recorded, the others are 422s (they were 500s)', async () => {
    const { company, made } = await delivered([100, 200]);
    const ids = made.map((o) => o.id);
    const body = { shipping_company_id: company, order_ids: ids, received_at: '2026-12-04' };
    const answers = await Promise.all([1, 2, 3, 4].map(() => admin.json('POST', '/remittances', body)));
    assert.deepEqual(answers.map((a) => a.statusCode).sort(), [201, 422, 422, 422], answers.map((a) => a.body).join('\n'));
    for (const a of answers.filter((a) => a.statusCode === 422)) {
      expectInvalid(a, {
        'order_ids.0': ['The selected order_ids.0 is invalid.'],
        'order_ids.1': ['The selected order_ids.1 is invalid.'],
      });
    }
    const { rows } = await t.db.query('SELECT count(*)::int AS n FROM remittance_orders WHERE order_id = ANY($1)', [ids]);
    assert.equal(rows[0].n, 2);
  });

  test("a csv that is no text is the field's 422; ';' lines read a decimal comma; a malformed line is reported with the others", async () => {
    const { company, made } = await delivered([597.75, 80]);
    const { name } = (await t.db.query<{ name: string }>('SELECT name FROM shipping_companies WHERE id = $1', [company])).rows[0];
    const send = (csv: unknown, extra = {}) =>
      admin.json('POST', '/remittances', { shipping_company_id: company, received_at: '2026-12-04', csv, ...extra });
    for (const csv of [12, true, ['a'], { a: 1 }]) expectInvalid(await send(csv), { csv: ['The csv field must be a string.'] });
    // A comma line with a decimal comma has three cells: refused, never read as 597.00.
    expectInvalid(await send(`${made[0].reference},597,75`), {
      'lines.1': ["Line 1: write the order's reference and the amount received, as ORD-00001,398.00."],
    });
    // Every line's problem at once: the malformed line, the unknown order and the wrong amount.
    expectInvalid(await send(`reference;amount\n${made[0].reference};597,00\nnot a line\nORD-77777;5`), {
      'lines.2.amount': [`Line 2 (${made[0].reference}): expected 597.75, received 597.00.`],
      'lines.3': ["Line 3: write the order's reference and the amount received, as ORD-00001,398.00."],
      'lines.4': [`Line 4: ORD-77777 is not a delivered order of ${name} awaiting remittance.`],
    });
    const ok = await send(`reference;amount\n${made[0].reference};597,75\n"${made[1].reference}";"80,00"`);
    assert.equal(ok.statusCode, 201, ok.body);
    assert.equal(ok.json().data.amount, 677.75);
  });

  test('a CSV of thousands of bad lines answers its first 100 and how many more', async () => {
    const { company } = await delivered([10]);
    const csv = Array.from({ length: 5000 }, (_, i) => `ORD-9${i},1.00`).join('\n');
    const res = await admin.json('POST', '/remittances', { shipping_company_id: company, received_at: '2026-12-04', csv });
    assert.equal(res.statusCode, 422);
    const errors = res.json().errors as Record<string, string[]>;
    const keys = Object.keys(errors);
    assert.equal(keys.length, 100);
    assert.equal(keys[99], 'lines.100');
    assert.equal(errors['lines.100'][1], '…and 4900 more lines with a problem: fix these first.');
  });
});

describe('invoice events', () => {
  test('every payout status change writes invoice.status_changed to the outbox, with the invoice JSON and previous status', async () => {
    const s = await moneyShop(t.db);
    const sel = await login(t.app, s.email);
    const hook = newId();
    await t.db.query(
      `INSERT INTO webhooks (id, account_id, url, secret_sealed, event_types, status) VALUES ($1, $2, 'https://example.com/hook', 'x', $3, 'active')`,
      [hook, s.accountId, ['invoice.status_changed']],
    );
    await sel.json('PATCH', '/settings/payment/paypal', { paypal_email: 'hooks@example.test' });
    await admin.json('POST', '/balance-histories/adjust', { account_id: s.accountId, amount: 100, comment: 'Opening' });
    const inv = data(await sel.json('POST', '/invoices/create/request', { amount: 60, payment_method: 'paypal' }), 201);
    data(await multipart(admin, `/invoices/${inv.id}/paid/request`, {}, { name: 'p.pdf', type: 'application/pdf', data: PDF_PROOF }));
    data(await admin.json('PATCH', `/invoices/${inv.id}/un-paid/request`));
    data(await sel.json('PATCH', `/invoices/${inv.id}/cancel/request`));
    const { rows } = await t.db.query<{
      type: string;
      resource_key: string;
      previous_status: string | null;
      data: { status: string; reference: string };
    }>('SELECT type, resource_key, previous_status, data FROM webhook_events WHERE account_id = $1 ORDER BY seq', [s.accountId]);
    assert.deepEqual(
      rows.map((r) => [r.type, r.resource_key, r.previous_status, r.data.status, r.data.reference]),
      [
        ['invoice.status_changed', `invoice:${inv.id}`, null, 'pending', inv.reference],
        ['invoice.status_changed', `invoice:${inv.id}`, 'pending', 'paid', inv.reference],
        ['invoice.status_changed', `invoice:${inv.id}`, 'paid', 'pending', inv.reference],
        ['invoice.status_changed', `invoice:${inv.id}`, 'pending', 'canceled', inv.reference],
      ],
    );
    const { rows: deliveries } = await t.db.query('SELECT 1 FROM webhook_deliveries WHERE webhook_id = $1', [hook]);
    assert.equal(deliveries.length, 4);
    // No delivery worker of a shared test database may try example.com.
    await t.db.query('DELETE FROM webhooks WHERE id = $1', [hook]);
  });
});

describe('payouts and the ledger while logged in as a seller', () => {
  test('a payout requested and canceled by an admin logged in as the seller names both, in its history, its ledger rows and the audit (outside audit: the seller alone)', async () => {
    const s = await moneyShop(t.db);
    const boss = await person(t.db, 'admin', { fullName: 'Boss Admin' });
    const as = await login(t.app, boss.email);
    data(await as.json('POST', '/balance-histories/adjust', { account_id: s.accountId, amount: 100, comment: 'Opening balance' }), 201);
    await as.form(`/users/${s.userId}/impersonate`);
    data(await as.json('PATCH', '/settings/payment/paypal', { paypal_email: 'shop@example.test' }));
    const inv = data(await as.json('POST', '/invoices/create/request', { amount: 10, payment_method: 'paypal' }), 201);
    assert.equal(data(await as.json('PATCH', `/invoices/${inv.id}/cancel/request`)).status, 'canceled');

    // The page's history, as an order's timeline names them.
    const both = 'Test seller (Boss Admin logged in as them)';
    const page = (await as.get(`/invoices/${inv.id}/show`)).body;
    assert.equal(page.split(`<td data-label="By">${both}</td>`).length - 1, 2, page.slice(page.indexOf('History')));
    const { rows: hist } = await t.db.query(
      'SELECT old_status, new_status, changed_by, user_id, impersonator_id FROM invoice_histories WHERE invoice_id = $1 ORDER BY id',
      [inv.id],
    );
    assert.deepEqual(hist, [
      { old_status: null, new_status: 'pending', changed_by: 'Test seller', user_id: s.userId, impersonator_id: boss.id },
      { old_status: 'pending', new_status: 'canceled', changed_by: 'Test seller', user_id: s.userId, impersonator_id: boss.id },
    ]);

    // The ledger rows: the seller wrote them, the admin was logged in as them; the adjustment had no one behind it.
    const { rows: ledger } = await t.db.query(
      'SELECT kind, created_by, impersonator_id FROM balance_histories WHERE account_id = $1 ORDER BY id',
      [s.accountId],
    );
    assert.deepEqual(ledger, [
      { kind: 'adjustment', created_by: boss.id, impersonator_id: null },
      { kind: 'payout_reserved', created_by: s.userId, impersonator_id: boss.id },
      { kind: 'payout_released', created_by: s.userId, impersonator_id: boss.id },
    ]);
    // The list's JSON keeps finance.md's keys (created_by: the user's id); its page names both.
    const json = (await as.json('GET', '/balance-histories?kind=payout_reserved')).json().data;
    assert.deepEqual(Object.keys(json[0]), LEDGER_ROW_KEYS);
    assert.equal(json[0].created_by, s.userId);
    // The By cell goes under the Date's between the phones' cards and 1280 px (its td a tucked-col).
    assert.match(
      (await as.get('/balance-histories')).body,
      new RegExp(`<td class="tucked-col" data-label="By">${both.replace(/[()]/g, '\\$&')}</td>`),
    );
    await as.form('/impersonate/leave');
    const all = (await admin.get(`/balance-histories?account_id=${s.accountId}`)).body;
    assert.equal(all.split(`<td class="tucked-col" data-label="By">${both}</td>`).length - 1, 2);

    // The audit trail, as every other finance action has one: the seller and the admin behind them.
    const { rows: audits } = await t.db.query(
      `SELECT action, user_id, impersonator_id, account_id, changes FROM audit_log WHERE subject_type = 'invoice' AND subject_id = $1 ORDER BY id`,
      [inv.id],
    );
    assert.deepEqual(audits, [
      {
        action: 'invoices.request',
        user_id: s.userId,
        impersonator_id: boss.id,
        account_id: s.accountId,
        changes: { reference: inv.reference, amount: '10.00', payment_method: 'paypal' },
      },
      {
        action: 'invoices.cancel',
        user_id: s.userId,
        impersonator_id: boss.id,
        account_id: s.accountId,
        changes: { reference: inv.reference, status: ['pending', 'canceled'] },
      },
    ]);
  });

  test('an admin marking a payout paid and un-paid is audited, with the comment', async () => {
    const s = await moneyShop(t.db);
    const sel = await login(t.app, s.email);
    const payer = await person(t.db, 'admin');
    const admin = await login(t.app, payer.email);
    await admin.json('POST', '/balance-histories/adjust', { account_id: s.accountId, amount: 50, comment: 'Opening balance' });
    data(await sel.json('PATCH', '/settings/payment/paypal', { paypal_email: 'shop@example.test' }));
    const inv = data(await sel.json('POST', '/invoices/create/request', { amount: 20, payment_method: 'paypal' }), 201);
    data(
      await multipart(
        admin,
        `/invoices/${inv.id}/paid/request`,
        { comment: 'Wire 9' },
        { name: 'p.pdf', type: 'application/pdf', data: PDF_PROOF },
      ),
    );
    data(await admin.json('PATCH', `/invoices/${inv.id}/un-paid/request`));
    const { rows: audits } = await t.db.query(
      `SELECT action, user_id, impersonator_id, changes FROM audit_log WHERE subject_type = 'invoice' AND subject_id = $1 ORDER BY id`,
      [inv.id],
    );
    assert.deepEqual(audits, [
      {
        action: 'invoices.request',
        user_id: s.userId,
        impersonator_id: null,
        changes: { reference: inv.reference, amount: '20.00', payment_method: 'paypal' },
      },
      {
        action: 'invoices.paid',
        user_id: payer.id,
        impersonator_id: null,
        changes: { reference: inv.reference, status: ['pending', 'paid'], comment: 'Wire 9' },
      },
      {
        action: 'invoices.un-paid',
        user_id: payer.id,
        impersonator_id: null,
        changes: { reference: inv.reference, status: ['paid', 'pending'] },
      },
    ]);
  });
});

describe('payouts, found by the outside check', () => {
  const OLD = { bank_name: 'CIH', account_holder: 'Demo Seller', iban: 'MA64011519000001205000534921' };
  const NEW = { bank_name: 'Attijariwafa', account_holder: 'Other Holder', iban: 'MA64007780000001234567890123' };
  /** How the payout page shows an IBAN: in groups of 4. */
  const grouped = (iban: string) => iban.replace(/(.{4})(?=.)/g, '$1 ');
  const shown = (d: typeof OLD) => `${d.bank_name} · ${d.account_holder}<br/><code class="iban">${grouped(d.iban)}</code>`;

  test("a payout's page shows the details it was requested to, whatever the seller changes after (pending, paid)", async () => {
    const s = await moneyShop(t.db);
    const sel = await login(t.app, s.email);
    await admin.json('POST', '/balance-histories/adjust', { account_id: s.accountId, amount: 5000, comment: 'Opening' });
    data(await sel.json('PATCH', '/settings/payment/bank-account', OLD));
    data(await sel.json('PATCH', '/settings/payment/paypal', { paypal_email: 'old@example.test' }));
    const bank = data(await sel.json('POST', '/invoices/create/request', { amount: 1234.56, payment_method: 'bank_transfer' }), 201);
    const paypal = data(await sel.json('POST', '/invoices/create/request', { amount: 10, payment_method: 'paypal' }), 201);
    // The API's body stays finance.md's.
    assert.deepEqual(Object.keys(bank), INVOICE_KEYS);
    assert.deepEqual(Object.keys(data(await admin.json('GET', `/invoices/${bank.id}/show`))), INVOICE_KEYS);

    const pages = async (inv: { id: string }, want: string, not: string) => {
      for (const [who, a] of [
        ['admin', admin],
        ['seller', sel],
      ] as const) {
        const body = (await a.get(`/invoices/${inv.id}/show`)).body;
        assert.ok(body.includes(want), `${who} sees ${want}`);
        assert.ok(!body.includes(not), `${who} does not see ${not}`);
      }
    };
    data(await sel.json('PATCH', '/settings/payment/bank-account', NEW));
    data(await sel.json('PATCH', '/settings/payment/paypal', { paypal_email: 'new@example.test' }));
    await pages(bank, shown(OLD), grouped(NEW.iban));
    await pages(paypal, 'old@example.test', 'new@example.test');

    data(await multipart(admin, `/invoices/${bank.id}/paid/request`, {}, { name: 'p.pdf', type: 'application/pdf', data: PDF_PROOF }));
    data(await sel.json('PATCH', '/settings/payment/bank-account', { ...NEW, iban: 'MA64000000000000000000000001' }));
    await pages(bank, shown(OLD), grouped('MA64000000000000000000000001'));
    // A new payout is paid to the details of its own request.
    const next = data(await sel.json('POST', '/invoices/create/request', { amount: 5, payment_method: 'bank_transfer' }), 201);
    await pages(next, shown({ ...NEW, iban: 'MA64000000000000000000000001' }), grouped(OLD.iban));
  });

  test("migration 0046 gives a payout requested before it the account's current details of its method", async () => {
    const s = await moneyShop(t.db);
    const sel = await login(t.app, s.email);
    await admin.json('POST', '/balance-histories/adjust', { account_id: s.accountId, amount: 100, comment: 'Opening' });
    data(await sel.json('PATCH', '/settings/payment/bank-account', OLD));
    data(await sel.json('PATCH', '/settings/payment/paypal', { paypal_email: 'old@example.test' }));
    const bank = data(await sel.json('POST', '/invoices/create/request', { amount: 10, payment_method: 'bank_transfer' }), 201);
    const paypal = data(await sel.json('POST', '/invoices/create/request', { amount: 10, payment_method: 'paypal' }), 201);
    await t.db.query('UPDATE invoices SET paid_to = NULL WHERE account_id = $1', [s.accountId]);
    const { readFile } = await import('node:fs/promises');
    const sql = await readFile(new URL('../../../migrations/0046_invoice_paid_to.sql', import.meta.url), 'utf8');
    await t.db.query(sql.slice(sql.indexOf('UPDATE invoices')));
    const { rows } = await t.db.query<{ id: string; paid_to: unknown }>('SELECT id, paid_to FROM invoices WHERE account_id = $1', [
      s.accountId,
    ]);
    assert.deepEqual(Object.fromEntries(rows.map((r) => [r.id, r.paid_to])), {
      [bank.id]: OLD,
      [paypal.id]: { paypal_email: 'old@example.test' },
    });
  });

  test('"hide money": the payout form\'s message keeps the available balance out; JSON keeps the number', async () => {
    const s = await moneyShop(t.db);
    const sel = await login(t.app, s.email);
    await admin.json('POST', '/balance-histories/adjust', { account_id: s.accountId, amount: 19474.85, comment: 'Opening' });
    data(await sel.json('PATCH', '/settings/payment/bank-account', OLD));
    const ask = async () => {
      await sel.get('/invoices/create');
      const res = await sel.form('/invoices/create/request', { amount: '99999', payment_method: 'bank_transfer' });
      assert.equal(res.statusCode, 302, res.body);
      return (await sel.follow(res)).body;
    };
    assert.deepEqual(fieldErrors(await ask(), 'f-amount'), ['The amount field must not be greater than 19474.85.']);
    await t.db.query('UPDATE users SET hide_money = true WHERE lower(email) = lower($1)', [s.email]);
    const body = await ask();
    assert.deepEqual(fieldErrors(body, 'f-amount'), ['The amount field must not be greater than your available balance.']);
    assert.ok(!body.includes('19474.85') && !body.includes('19,474.85'), 'the page shows the balance');
    expectInvalid(await sel.json('POST', '/invoices/create/request', { amount: 99999, payment_method: 'bank_transfer' }), {
      amount: ['The amount field must not be greater than 19474.85.'],
    });
  });
});
