import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { companyServing, makeOrder, moneyShop, moveOrder, PDF_PROOF } from '../../src/modules/ledger/test-fixtures.js';
import type { Tenant } from '../../src/test-support/harness.js';
import { person, PASSWORD, type Person } from '../../src/test-support/people.js';
import { checkPage, login, newPage, skipBrowser, startBrowserEnv, type BrowserEnv } from './support.js';

describe('payouts in a real browser', { skip: skipBrowser }, () => {
  let env: BrowserEnv;
  let shop: Tenant;
  let admin: Person;
  const refs: string[] = [];
  const tmp = mkdtempSync(join(tmpdir(), 'codops-finance-'));

  before(async () => {
    env = await startBrowserEnv();
    const db = env.t.db;
    admin = await person(db, 'admin');
    shop = await moneyShop(db);
    await db.query(`INSERT INTO account_fees (account_id, fulfilment_fee, default_delivery_fee, cod_percent) VALUES ($1, 10, 25, 1)`, [
      shop.accountId,
    ]);
    const { company, cityName } = await companyServing(db, { delivery: 30, return: 15 });
    // Delivered 400 by the company (fees 10 + 30 + 4), delivered 150 by own courier (10 + 25 + 1.50), returned (10 + 15).
    const plan: [number, string | undefined, 'delivered' | 'returned'][] = [
      [400, company, 'delivered'],
      [150, undefined, 'delivered'],
      [99, company, 'returned'],
    ];
    for (const [total, by, end] of plan) {
      const o = await makeOrder(db, shop.accountId, { total, city: by ? cityName : 'Rabat' });
      await moveOrder(db, shop.accountId, o.id, 'shipped', { company: by });
      await moveOrder(db, shop.accountId, o.id, end);
      refs.push(o.reference);
    }
  });
  after(async () => {
    rmSync(tmp, { recursive: true, force: true });
    await env.close();
  });

  test('a seller requests a payout, the admin marks it paid with a proof, the seller sees paid and reads the PDF statement', async () => {
    // 400 + 150 − (10 + 30 + 4) − (10 + 25 + 1.50) − (10 + 15) = 444.50
    const seller = await newPage(env);
    await login(seller, shop.email, PASSWORD);
    assert.match(await seller.locator('main').innerText(), /444\.50 MAD/);
    await checkPage(seller, 'seller home with money');

    await seller.getByRole('link', { name: 'Payment details' }).click();
    await seller.getByLabel('PayPal email').fill('argan.house@example.test');
    await seller.getByRole('button', { name: 'Save PayPal' }).click();
    await seller.waitForLoadState('load');
    assert.match(await seller.locator('body').innerText(), /PayPal email saved\./);
    await checkPage(seller, 'payment details');

    await seller.getByRole('link', { name: 'Payouts' }).first().click();
    await seller.getByRole('link', { name: 'Request a payout' }).click();
    await checkPage(seller, 'payout request form');
    await seller.getByLabel('Amount').fill('500');
    await seller.getByLabel('Payment method').selectOption('paypal');
    await seller.getByRole('button', { name: 'Request payout' }).click();
    await seller.waitForLoadState('load');
    assert.match(await seller.locator('body').innerText(), /must not be greater than 444\.50\./);
    await seller.getByLabel('Amount').fill('400');
    await seller.getByLabel('Payment method').selectOption('paypal');
    await seller.getByRole('button', { name: 'Request payout' }).click();
    await seller.waitForLoadState('load');
    const heading = await seller.getByRole('heading', { level: 1 }).innerText();
    const reference = /INV-\d{5}/.exec(heading)?.[0];
    assert.ok(reference, heading);
    assert.match(await seller.locator('main').innerText(), /Status\s+pending/);
    await checkPage(seller, 'payout pending');
    const invoiceUrl = seller.url();

    const staff = await newPage(env);
    await login(staff, admin.email, PASSWORD);
    await staff.goto(`/invoices?account_id=${shop.accountId}`); // every account numbers its payouts from INV-00001
    await staff.getByRole('link', { name: reference }).click();
    await staff.getByLabel(/Proof of payment/).setInputFiles({ name: 'wire.pdf', mimeType: 'application/pdf', buffer: PDF_PROOF });
    await staff.getByLabel('Comment').fill('Sent by PayPal');
    await staff.getByRole('button', { name: 'Mark as paid' }).click();
    await staff.waitForLoadState('load');
    assert.match(await staff.locator('body').innerText(), /Payout marked as paid\./);
    await checkPage(staff, 'payout paid (admin)');

    await seller.goto(invoiceUrl);
    const text = await seller.locator('main').innerText();
    assert.match(text, /Status\s+paid/);
    assert.match(text, /Sent by PayPal/);
    assert.equal(await seller.getByRole('link', { name: 'View the proof of payment' }).count(), 1);
    const [download] = await Promise.all([
      seller.waitForEvent('download'),
      seller.getByRole('link', { name: 'Download statement (PDF)' }).click(),
    ]);
    const file = join(tmp, 'statement.pdf');
    await download.saveAs(file);
    assert.equal(readFileSync(file).subarray(0, 5).toString(), '%PDF-');
    const pdf = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    assert.match(pdf, new RegExp(`Payout statement ${reference}`));
    for (const ref of refs) assert.match(pdf, new RegExp(ref));
    assert.match(pdf, /Total collected: 550\.00 MAD/);
    assert.match(pdf, /Total fees: 105\.50 MAD/);
    assert.match(pdf, /Net for the period: 444\.50 MAD/);
    assert.match(pdf, /Amount paid out: 400\.00 MAD/);
    assert.match(pdf, /3 orders/);
  });
});
