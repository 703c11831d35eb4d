import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testApp, type TestApp } from '../../test-support/harness.js';
import { login, type Agent } from '../../test-support/session.js';
import { makeOrder, moneyShop, moveOrder } from '../ledger/test-fixtures.js';

let t: TestApp;

before(async () => {
  t = await testApp();
});
after(() => t.close());

/** Text of a PDF through Debian's pdftotext. */
function pdfText(pdf: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'codops-pdf-'));
  try {
    writeFileSync(join(dir, 's.pdf'), pdf);
    return execFileSync('pdftotext', ['-layout', join(dir, 's.pdf'), '-'], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

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
