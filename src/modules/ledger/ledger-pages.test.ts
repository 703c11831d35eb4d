import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, type TestApp, type Tenant } from '../../test-support/harness.js';
import { expectInvalid, fieldErrors, redirectsTo } from '../../test-support/expect.js';
import { person } from '../../test-support/people.js';
import { login, type Agent } from '../../test-support/session.js';
import { makeOrder, moneyShop, moveOrder } from './test-fixtures.js';

let t: TestApp;
let admin: Agent;
let shop: Tenant;
let other: Tenant;

before(async () => {
  t = await testApp();
  admin = await login(t.app, (await person(t.db, 'admin')).email);
  shop = await moneyShop(t.db);
  other = await moneyShop(t.db);
  for (const [s, amount, comment] of [
    [shop, 12.34, 'goodwill for shop'],
    [other, 500, 'opening credit for other'],
  ] as const)
    assert.equal((await admin.json('POST', '/balance-histories/adjust', { account_id: s.accountId, amount, comment })).statusCode, 201);
});

const nameOf = async (s: Tenant) =>
  (await t.db.query<{ name: string }>('SELECT name FROM accounts WHERE id = $1', [s.accountId])).rows[0].name;
after(() => t.close());

const FEES = ['confirmation_fee', 'fulfilment_fee', 'default_delivery_fee', 'default_return_fee', 'cod_percent'];

describe('the fees form, found by the finance audit', () => {
  test('an emptied fee that has no "unset" is required, never kept under "Fees saved."; emptied flat fees go back to the company\'s', async () => {
    const url = `/accounts/${shop.accountId}/fees`;
    const set = { confirmation_fee: 3, fulfilment_fee: 4, delivery_fee: 7, return_fee: 2, default_delivery_fee: 12, default_return_fee: 5 };
    assert.equal((await admin.json('PATCH', url, { ...set, cod_percent: 1.5 })).statusCode, 200);
    await admin.get(url);
    const emptied = await admin.form(url, Object.fromEntries([...FEES, 'delivery_fee', 'return_fee'].map((k) => [k, ''])), {
      method: 'PATCH',
    });
    assert.equal(emptied.statusCode, 302);
    assert.equal(emptied.headers.location, url);
    const page = (await admin.get(url)).body;
    assert.doesNotMatch(page, /Fees saved\./);
    for (const k of FEES) assert.deepEqual(fieldErrors(page, `f-${k}`), [`The ${k.replace(/_/g, ' ')} field is required.`], k);
    assert.deepEqual(fieldErrors(page, 'f-delivery_fee'), []);
    // Nothing saved: the refused form changed no fee, the flat ones neither.
    assert.deepEqual((await admin.json('GET', url)).json().data, { ...set, cod_percent: 1.5 });
    // JSON alike: null is required for these; left out they keep their value; null resets a flat fee.
    expectInvalid(await admin.json('PATCH', url, { confirmation_fee: null, cod_percent: '' }), {
      confirmation_fee: ['The confirmation fee field is required.'],
      cod_percent: ['The cod percent field is required.'],
    });
    const reset = await admin.json('PATCH', url, { delivery_fee: null, confirmation_fee: 0 });
    assert.deepEqual(reset.json().data, { ...set, delivery_fee: null, confirmation_fee: 0, cod_percent: 1.5 });
  });
});

describe('number pads, found by the number fields review', () => {
  test('a fee, never negative, opens the decimal pad; the adjustment, which may be negative, keeps the full keyboard', async () => {
    const fees = (await admin.get(`/accounts/${shop.accountId}/fees`)).body;
    for (const k of [...FEES, 'delivery_fee', 'return_fee'])
      assert.match(fees, new RegExp(`<input id="f-${k}" name="${k}" type="text" inputmode="decimal"`), k);
    const adjust = (await admin.get(`/balance-histories?account_id=${shop.accountId}`)).body;
    assert.match(adjust, /<input id="f-amount" name="amount" type="text"(?! inputmode)/);
  });
});

describe('the ledger list as an admin, found by the finance audit', () => {
  test("one account's page keeps its account in the filter form; the all-accounts page names each row's account", async () => {
    const mine = `/balance-histories?account_id=${shop.accountId}`;
    const page = (await admin.get(mine)).body;
    // The account is a filter among the others (as on Payouts), chosen: filtering by kind stays on it.
    assert.match(page, new RegExp(`<select[^>]*name="account_id"[^>]*>.*<option value="${shop.accountId}" selected`, 's'));
    const filtered = (await admin.get(`${mine}&kind=adjustment&search=&order_reference=`)).body;
    assert.match(filtered, /goodwill for shop/);
    assert.doesNotMatch(filtered, /opening credit for other/);
    assert.match(filtered, /Adjust the balance/);
    assert.doesNotMatch(filtered, /<th scope="col"[^>]*>Account<\/th>/, "one account's rows need no Account column");
    // The nav's Balance: every account's rows, each with its account's name.
    const all = (await admin.get('/balance-histories?kind=adjustment')).body;
    assert.match(all, /<th scope="col"[^>]*>Account<\/th>/);
    for (const [s, comment] of [
      [shop, 'goodwill for shop'],
      [other, 'opening credit for other'],
    ] as const)
      assert.match(all, new RegExp(`<tr>(?:(?!</tr>).)*<td[^>]*>${await nameOf(s)}</td>(?:(?!</tr>).)*${comment}`, 's'));
    // JSON keeps finance.md's row shape.
    const json = (await admin.json('GET', '/balance-histories?kind=adjustment')).json().data as Record<string, unknown>[];
    assert.ok(json.length >= 2 && json.every((r) => !('account_name' in r)));
    // A seller has no account to choose.
    const seller = await login(t.app, shop.email);
    assert.doesNotMatch((await seller.get('/balance-histories')).body, /name="account_id"/);
  });
});

describe('the ledger search, found by the finance audit', () => {
  test("search finds an order's or a payout's rows by reference, and adjustments by their comment, in JSON and on the page", async () => {
    const s = await moneyShop(t.db);
    const sel = await login(t.app, s.email);
    await admin.json('PATCH', `/accounts/${s.accountId}/fees`, { fulfilment_fee: 10 });
    const orders = [await makeOrder(t.db, s.accountId, { total: 300 }), await makeOrder(t.db, s.accountId, { total: 120 })];
    for (const o of orders) {
      await moveOrder(t.db, s.accountId, o.id, 'shipped');
      await moveOrder(t.db, s.accountId, o.id, 'delivered');
    }
    await admin.json('POST', '/balance-histories/adjust', { account_id: s.accountId, amount: 5, comment: 'Goodwill 100% for the delay' });
    await sel.json('PATCH', '/settings/payment/paypal', { paypal_email: 'search@example.test' });
    const inv = (await sel.json('POST', '/invoices/create/request', { amount: 50, payment_method: 'paypal' })).json().data;
    const found = async (search: string) => {
      const body = (await sel.json('GET', `/balance-histories?search=${encodeURIComponent(search)}`)).json();
      assert.equal(body.meta.total, body.data.length, search);
      return (body.data as { kind: string; order_reference: string | null; invoice_reference: string | null }[]).map((r) =>
        `${r.kind} ${r.order_reference ?? r.invoice_reference ?? ''}`.trim(),
      );
    };
    const ref = orders[0].reference;
    assert.deepEqual(await found(ref.toLowerCase()), [`fulfilment_fee ${ref}`, `delivered ${ref}`]);
    assert.deepEqual(await found(` ${inv.reference} `), [`payout_reserved ${inv.reference}`]);
    assert.deepEqual(await found('goodwill 100%'), ['adjustment']);
    assert.deepEqual(await found('zzzzzz'), []);
    assert.deepEqual(await found('1%'), [], 'a wildcard is a character');
    assert.equal((await found('')).length, 6);
    // The page: the search box's rows only; admins search too.
    const page = (await sel.get(`/balance-histories?search=${orders[1].reference}`)).body;
    assert.match(page, new RegExp(orders[1].reference));
    assert.doesNotMatch(page, new RegExp(ref));
    const adminPage = (await admin.get(`/balance-histories?account_id=${s.accountId}&search=goodwill`)).body;
    assert.match(adminPage, /Goodwill 100% for the delay/);
    assert.doesNotMatch(adminPage, new RegExp(ref));
  });
});

describe('GET /balance, found by the finance audit', () => {
  test("an admin's browser without account_id goes to the ledger, as a seller's does; JSON keeps the 422", async () => {
    redirectsTo(await admin.get('/balance'), '/balance-histories');
    redirectsTo(await admin.get(`/balance?account_id=${shop.accountId}`), `/balance-histories?account_id=${shop.accountId}`);
    redirectsTo(await (await login(t.app, shop.email)).get('/balance'), '/balance-histories');
    expectInvalid(await admin.json('GET', '/balance'), { account_id: ['The account id field is required.'] });
  });

  test('account_id sent as an array must be a string, as the ledger list says (it answered "required")', async () => {
    const asArray = { account_id: ['The account id field must be a string.'] };
    expectInvalid(await admin.json('GET', `/balance?account_id[]=${shop.accountId}`), asArray);
    expectInvalid(await admin.json('GET', `/balance-histories?account_id[]=${shop.accountId}`), asArray);
    const other = await admin.json('GET', `/balance?account_id=${shop.accountId}&page=2&x[]=1`);
    assert.equal(other.statusCode, 200, 'other keys are not read');
  });
});
