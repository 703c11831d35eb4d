import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SYSTEM } from '../../src/core/actor.js';
import { transitionOrders } from '../../src/modules/orders/lifecycle.js';
import { createOrder } from '../../src/modules/orders/service.js';
import { productId, stock, warehouse } from '../../src/modules/stocks/test-fixtures.js';
import { tenant } from '../../src/test-support/harness.js';
import { person, PASSWORD, type Person } from '../../src/test-support/people.js';
import { checkPage, login, newPage, screenshots, skipBrowser, startBrowserEnv, type BrowserEnv } from './support.js';

describe('a courier on a phone', { skip: skipBrowser }, () => {
  let env: BrowserEnv;
  let courier: Person;
  let accountId = '';
  const refs: string[] = [];

  before(async () => {
    env = await startBrowserEnv();
    courier = await person(env.t.db, 'delivery', { fullName: 'Youssef Courier' });
    const shop = await tenant(env.t.db);
    accountId = shop.accountId;
    await stock(env.t.db, await productId(env.t.db, shop.accountId, 'P1'), await warehouse(env.t.db), { quantity: 10 });
    for (const [i, name] of ['Amina Door', 'Karim Second'].entries()) {
      const ref = await env.t.db.tx((q) =>
        createOrder(q, SYSTEM, shop.accountId, {
          full_name: name,
          phone: '0612345678',
          city: 'Rabat',
          area: 'Agdal',
          address: `${i + 3} Avenue Hassan II`,
          is_fees_paid_by_customer: false,
          total: 199,
          products: [{ sku: 'P1', quantity: 1, price: 199 }],
        }),
      );
      refs.push(ref);
      await env.t.db.tx(async (q) => {
        const { rows } = await q.query<{ id: string }>('SELECT id FROM orders WHERE account_id = $1 AND reference = $2 FOR UPDATE', [
          shop.accountId,
          ref,
        ]);
        await transitionOrders(q, SYSTEM, shop.accountId, [
          { id: rows[0].id, from: 'new', to: 'shipped', comment: null, trackingNumber: ref, deliveryUserId: courier.id },
        ]);
      });
    }
  });
  after(async () => {
    await env.close();
  });

  test('at 390 px a delivery user calls, finds the address and marks an order delivered with a note', async () => {
    const page = await newPage(env, { width: 390, height: 844 });
    await login(page, courier.email, PASSWORD);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'My deliveries'); // their home is their round
    await page.goto('/deliveries');
    assert.match(page.url(), /\/deliveries$/);
    await checkPage(page, 'deliveries');
    // One column that fits the phone: nothing wider than the screen.
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true);
    const card = page.locator('li.delivery', { hasText: 'Amina Door' });
    assert.equal(await card.getByRole('link', { name: 'Call 0612345678' }).getAttribute('href'), 'tel:+212612345678');
    assert.match(
      (await card.getByRole('link', { name: /3 Avenue Hassan II, Agdal, Rabat/ }).getAttribute('href')) ?? '',
      /^https:\/\/www\.google\.com\/maps\/search\//,
    );
    assert.match((await card.textContent()) ?? '', /To collect: 199/);
    const box = await card.getByRole('button', { name: 'Delivered' }).boundingBox();
    assert.ok(box && box.height >= 44 && box.x + box.width <= 390, `the button fits a thumb and the screen: ${JSON.stringify(box)}`);

    await card.getByLabel('Note (optional)').fill('Paid in cash, left with the doorman');
    // Final either way: the page asks first (the ops audit: a mis-tap could not be undone). Dismissed, nothing is sent.
    page.once('dialog', (d) => void d.dismiss());
    await card.getByRole('button', { name: 'Delivered' }).click();
    assert.equal(await page.locator('li.delivery').count(), 2, 'dismissed: still to deliver');
    let asked = '';
    page.once('dialog', (d) => {
      asked = d.message();
      void d.accept();
    });
    await card.getByRole('button', { name: 'Delivered' }).click();
    await page.waitForLoadState('load');
    assert.match(page.url(), /\/deliveries$/);
    assert.equal(await page.getByRole('status').textContent(), `${refs[0]} is delivered.`);
    assert.equal(asked, `${refs[0]} delivered and paid? This cannot be undone.`);
    assert.equal(await page.locator('li.delivery').count(), 1);
    assert.equal(await page.locator('li.delivery', { hasText: 'Karim Second' }).count(), 1);
    await checkPage(page, 'deliveries after marking');
    await screenshots(page, 'deliveries');

    const { rows } = await env.t.db.query<{ status: string; comment: string; changed_by: string }>(
      `SELECT o.status, h.comment, h.changed_by FROM orders o JOIN order_histories h ON h.order_id = o.id AND h.new_status = 'delivered'
        WHERE o.account_id = $1 AND o.reference = $2`,
      [accountId, refs[0]],
    );
    assert.deepEqual(rows, [{ status: 'delivered', comment: 'Paid in cash, left with the doorman', changed_by: 'Youssef Courier' }]);
  });
});
