import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pdfText } from '../../test-support/pdf-text.js';
import { testApp, type TestApp } from '../../test-support/harness.js';
import { person } from '../../test-support/people.js';
import { login, type Agent } from '../../test-support/session.js';
import { makeOrder, moneyShop, moveOrder, multipartPatch, PDF_PROOF } from '../ledger/test-fixtures.js';

let t: TestApp;
let admin: Agent;

before(async () => {
  t = await testApp();
  admin = await login(t.app, (await person(t.db, 'admin')).email);
});
after(() => t.close());

/** A new shop with one delivered order of 90, its seller and a PayPal address to be paid at. */
async function shopWithOneOrder() {
  const s = await moneyShop(t.db);
  const seller = await login(t.app, s.email);
  const o = await makeOrder(t.db, s.accountId, { total: 90 });
  await moveOrder(t.db, s.accountId, o.id, 'shipped');
  await moveOrder(t.db, s.accountId, o.id, 'delivered');
  await seller.json('PATCH', '/settings/payment/paypal', { paypal_email: 'statement@example.test' });
  return { s, seller };
}

const statement = async (a: Agent, payout: { amount: number }) => {
  const inv = (await a.json('POST', '/invoices/create/request', { ...payout, payment_method: 'paypal' })).json().data;
  return pdfText((await a.get(`/invoices/${inv.id}/pdf`)).rawPayload);
};

describe('the PDF statement, found by the finance audit', () => {
  test('one order is "1 order"', async () => {
    const { seller } = await shopWithOneOrder();
    const text = await statement(seller, { amount: 50 });
    assert.match(text, /Totals\s+1 order\s/);
  });
});

describe('the PDF statement keeps large figures whole, found by the finance audit', () => {
  test('a total of millions is one figure in its cell, not cut over two lines', async () => {
    const s = await moneyShop(t.db);
    const seller = await login(t.app, s.email);
    for (const total of [999_999, 999_999]) {
      const o = await makeOrder(t.db, s.accountId, { total });
      await moveOrder(t.db, s.accountId, o.id, 'shipped');
      await moveOrder(t.db, s.accountId, o.id, 'delivered');
    }
    await seller.json('PATCH', '/settings/payment/paypal', { paypal_email: 'millions@example.test' });
    const text = await statement(seller, { amount: 50 });
    assert.match(text, /Totals\s+2 orders\s+1,999,998\.00\s/, text);
    assert.match(text, /\s999,999\.00\s/);
  });
});

describe("the statement's net, found by the finance audit", () => {
  test("the period's adjustments are listed and counted in the net, which is what the period added to the balance", async () => {
    const { s, seller } = await shopWithOneOrder();
    const adjust = async (amount: number, comment: string) =>
      assert.equal((await admin.json('POST', '/balance-histories/adjust', { account_id: s.accountId, amount, comment })).statusCode, 201);
    await adjust(12.34, 'Goodwill for the late parcel');
    await adjust(-0.28, 'Rounding');
    const first = await statement(seller, { amount: 50 });
    assert.match(first, /Adjustments\n/);
    assert.match(first, /\d{4}-\d{2}-\d{2}\s+Goodwill for the late parcel\s+12\.34\n/);
    assert.match(first, /Rounding\s+-0\.28\n/);
    assert.match(first, /Total collected: 90\.00 MAD/);
    assert.match(first, /Adjustments: 12\.06 MAD/);
    assert.match(first, /Net for the period: 102\.06 MAD/);
    // The next payout's period starts after the first's reservation: only its own adjustment.
    await adjust(7, 'Bonus');
    const second = await statement(seller, { amount: 10 });
    assert.match(second, /Bonus\s+7\.00\n/);
    assert.doesNotMatch(second, /Goodwill|Rounding/);
    assert.match(second, /0 orders/);
    assert.match(second, /Net for the period: 7\.00 MAD/);
    // Without adjustments the statement has no such section.
    const plain = await statement((await shopWithOneOrder()).seller, { amount: 20 });
    assert.doesNotMatch(plain, /Adjustments/);
    assert.match(plain, /Net for the period: 90\.00 MAD/);
  });
});

describe('the PDF statement over pages, found by the finance audit', () => {
  test("every page of orders starts with the columns' names, and the method reads as the pages name it", async () => {
    const { s, seller } = await shopWithOneOrder();
    for (let i = 0; i < 60; i++) {
      const o = await makeOrder(t.db, s.accountId, { total: 90 });
      await moveOrder(t.db, s.accountId, o.id, 'shipped');
      await moveOrder(t.db, s.accountId, o.id, 'delivered');
    }
    const text = await statement(seller, { amount: 50 });
    const pages = text.split('\f').filter((p) => /ORD-/.test(p));
    assert.ok(pages.length >= 2, `${pages.length} pages of orders`);
    for (const [i, page] of pages.entries()) assert.match(page, /Order\s+Status\s+Collected/, `page ${i + 1}`);
    assert.match(text, /Totals\s+61 orders\s/);
    assert.match(text, /\(PayPal\)/);
  });
});

describe("the statement's account name, found by the finance audit", () => {
  test('an Arabic name reads in order, a space between its words, beside the Latin ones', async () => {
    const { s, seller } = await shopWithOneOrder();
    await t.db.query('UPDATE accounts SET name = $1 WHERE id = $2', ['متجر الأركان Été', s.accountId]);
    const inv = (await seller.json('POST', '/invoices/create/request', { amount: 50, payment_method: 'paypal' })).json().data;
    const text = pdfText((await seller.get(`/invoices/${inv.id}/pdf`)).rawPayload, { layout: false }).replace(/[\u202a-\u202e]/g, '');
    // pdftotext spells the lam-alef ligature its own way: the words' order is what is checked (it was
    // "الأركان متجر", pdfkit laying the words out left to right).
    assert.match(text, /Account:\s+متجر\s+\S*ركان\s*Été/);
  });
});

describe("a payout's statement does not change after the fact, found by the finance audit", () => {
  /** A shop whose seller can be paid by PayPal, and a way to deliver it an order of 90. */
  async function shop() {
    const s = await moneyShop(t.db);
    const seller = await login(t.app, s.email);
    await seller.json('PATCH', '/settings/payment/paypal', { paypal_email: 'period@example.test' });
    const deliver = async () => {
      const o = await makeOrder(t.db, s.accountId, { total: 90 });
      await moveOrder(t.db, s.accountId, o.id, 'shipped');
      await moveOrder(t.db, s.accountId, o.id, 'delivered');
      return o.reference;
    };
    const request = async (amount: number): Promise<{ id: string; reference: string }> =>
      (await seller.json('POST', '/invoices/create/request', { amount, payment_method: 'paypal' })).json().data;
    const pdf = async (inv: { id: string }) => pdfText((await seller.get(`/invoices/${inv.id}/pdf`)).rawPayload);
    const cancel = async (inv: { id: string }) =>
      assert.equal((await seller.json('PATCH', `/invoices/${inv.id}/cancel/request`)).statusCode, 200);
    return { s, seller, deliver, request, pdf, cancel };
  }
  const orders = (text: string) => [...text.matchAll(/ORD-\S+/g)].map((m) => m[0]).sort();

  test('an earlier payout canceled after a later one was requested leaves the later statement as it was; its orders go to the next request', async () => {
    const { deliver, request, pdf, cancel } = await shop();
    const [o7, o8] = [await deliver(), await deliver()];
    const inv4 = await request(100);
    const o9 = await deliver();
    const inv5 = await request(50);
    const paid = await multipartPatch(
      t.app,
      admin,
      `/invoices/${inv5.id}/paid/request`,
      {},
      { name: 'p.pdf', type: 'application/pdf', data: PDF_PROOF },
    );
    assert.equal(paid.statusCode, 200);
    const kept = await pdf(inv5);
    assert.deepEqual(orders(kept), [o9]);
    assert.match(kept, /status paid/);

    await cancel(inv4);
    assert.equal(await pdf(inv5), kept, 'the paid statement the seller kept');
    // INV-4 never paid orders 7 and 8: the first payout requested after its cancel lists them.
    const o10 = await deliver();
    const inv6 = await request(20);
    const next = await pdf(inv6);
    assert.deepEqual(orders(next), [o7, o8, o10].sort());
    assert.match(next, new RegExp(`With the orders of canceled payout ${inv4.reference}\\n`));
    assert.match(next, /Net for the period: 270\.00 MAD/);
    // …and that one too stays as it is: deleting the canceled payout changes neither.
    assert.equal((await admin.json('DELETE', '/invoices/delete', { ids: [inv4.id] })).statusCode, 200);
    assert.equal(await pdf(inv5), kept);
    assert.equal(await pdf(inv6), next);
    assert.deepEqual(orders(await pdf(await request(10))), [], 'no order listed twice');
  });

  test("a payout canceled before the next request leaves its orders to that request's statement, as before", async () => {
    const { deliver, request, pdf, cancel } = await shop();
    const [o7, o8] = [await deliver(), await deliver()];
    const inv4 = await request(100);
    await cancel(inv4);
    const o9 = await deliver();
    const text = await pdf(await request(50));
    assert.deepEqual(orders(text), [o7, o8, o9].sort());
    assert.match(text, /Period: the beginning to /);
    assert.doesNotMatch(text, /canceled payout/);
  });
});
