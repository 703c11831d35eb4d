import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { companyServing, makeOrder, moneyShop, moveOrder, PDF_PROOF } from '../../src/modules/ledger/test-fixtures.js';
import type { Tenant } from '../../src/test-support/harness.js';
import { person, PASSWORD, type Person } from '../../src/test-support/people.js';
import { layoutProblems } from './layout-check.js';
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

  /** A shop of its own with fees, and its order delivered by a company: four ledger rows (delivered, fulfilment, delivery, COD). */
  const deliveredOrder = async (accountId: string) => {
    const db = env.t.db;
    const { company, cityName } = await companyServing(db, { delivery: 30, return: 15 });
    const o = await makeOrder(db, accountId, { total: 400, city: cityName });
    await moveOrder(db, accountId, o.id, 'shipped', { company });
    await moveOrder(db, accountId, o.id, 'delivered');
    return o;
  };
  const feesShop = async () => {
    const s = await moneyShop(env.t.db);
    await env.t.db.query(
      `INSERT INTO account_fees (account_id, fulfilment_fee, default_delivery_fee, cod_percent) VALUES ($1, 10, 25, 1)`,
      [s.accountId],
    );
    return s;
  };

  test("an order's fees and balance fit the order page's column without the columns of its own reference, as cards below 40rem", async () => {
    const own = await feesShop();
    const order = await deliveredOrder(own.accountId);
    const seller = await newPage(env);
    await login(seller, own.email, PASSWORD);
    await seller.goto(`/orders/${order.id}/show`);
    const card = seller.locator('section.card-ledger');
    assert.equal(await card.locator('tbody tr').count(), 4);
    const problems: string[] = [];
    for (const width of [1024, 1280, 1440, 390]) {
      await seller.setViewportSize({ width, height: 800 });
      for (const p of await layoutProblems(seller)) problems.push(`${width} px: ${p}`);
      // Its rows are this order's: no Order column, no empty Invoice or Comment column.
      const labels = await card
        .locator('tbody tr')
        .first()
        .locator('td')
        .evaluateAll((tds) => tds.map((td) => td.dataset.label));
      if (labels.join() !== 'Date,Kind,Amount,Balance after,By') problems.push(`${width} px: columns ${labels.join()}`);
      // Each row's balance after is in the card's box (it was cut at its right edge, behind a sideways scroll).
      const box = (await card.boundingBox())!;
      for (const cell of await card.locator('td[data-label="Balance after"]').all()) {
        const b = (await cell.boundingBox())!;
        if (b.x + b.width > box.x + box.width)
          problems.push(`${width} px: the balance after ends out of the card (${await cell.innerText()})`);
      }
      // The column is narrower than 40rem at each of these widths: the rows are cards, their headings not drawn.
      if (await card.locator('thead').isVisible()) problems.push(`${width} px: the rows are a table`);
    }
    await seller.context().close();
    assert.deepEqual(problems, []);
  });

  test('amounts, references and an IBAN are kept whole: the balance in a card on a phone, the payout page, the ledger', async () => {
    const own = await feesShop();
    const staff = await newPage(env);
    await login(staff, admin.email, PASSWORD);
    for (let i = 0; i < 2; i++) {
      await staff.goto(`/balance-histories?account_id=${own.accountId}`);
      await staff.getByLabel('Amount (negative to debit)').fill('9999999');
      await staff.getByRole('textbox', { name: 'Comment', exact: true }).fill('A large balance');
      await staff.getByRole('button', { name: 'Adjust' }).click();
      await staff.waitForLoadState('load');
    }
    const order = await deliveredOrder(own.accountId); // a row with an order's reference and a balance of 20 million

    const seller = await newPage(env, { width: 390, height: 844 });
    await login(seller, own.email, PASSWORD);
    await seller.goto('/settings/payment');
    await seller.getByLabel('Bank name').fill('Attijariwafa Bank');
    await seller.getByLabel('Account holder').fill('Argan House SARL');
    await seller.getByLabel('IBAN / RIB').fill('MA64 0115 1900 0001 2050 0053 4921');
    await seller.getByRole('button', { name: 'Save bank account' }).click();
    await seller.waitForLoadState('load');
    await seller.goto('/invoices/create');
    const problems: string[] = [];
    // 19,999,998 + 400 − (10 + 30 + 4): it broke as '20,000,354 / .00 MAD' in a half-width card.
    assert.match(await seller.locator('.kpis').innerText(), /20,000,354\.00 MAD/);
    for (const p of await layoutProblems(seller)) problems.push(`payout request at 390 px: ${p}`);
    await seller.getByLabel('Amount').fill('1234567.89');
    await seller.getByLabel('Payment method').selectOption('bank_transfer');
    await seller.getByRole('button', { name: 'Request payout' }).click();
    await seller.waitForLoadState('load');
    const invoiceUrl = new URL(seller.url()).pathname;
    assert.match(invoiceUrl, /^\/invoices\/\w+\/show$/);
    await seller.context().close();

    await staff.goto(invoiceUrl);
    // The IBAN as banks print it, in groups of 4, a line breaking between them only.
    const iban = await staff.locator('main code.iban').allInnerTexts();
    if (iban.join() !== 'MA64 0115 1900 0001 2050 0053 4921') problems.push(`the IBAN reads ${JSON.stringify(iban)}`);
    for (const width of [1280, 1024, 1440, 390]) {
      await staff.setViewportSize({ width, height: 800 });
      for (const p of await layoutProblems(staff)) problems.push(`payout page at ${width} px: ${p}`);
    }
    // Every account's ledger: this shop's rows first, with its order's and its payout's references.
    await staff.goto('/balance-histories');
    const main = await staff.locator('main').innerText();
    assert.match(main, new RegExp(order.reference));
    assert.match(main, /INV-00001/);
    for (const width of [1280, 1024, 1440, 390]) {
      await staff.setViewportSize({ width, height: 800 });
      for (const p of await layoutProblems(staff)) problems.push(`ledger at ${width} px: ${p}`);
    }
    await staff.context().close();
    assert.deepEqual(problems, []);
  });
});
