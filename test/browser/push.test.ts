import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SYSTEM } from '../../src/core/actor.js';
import { JobWorker } from '../../src/jobs/worker.js';
import { createOrder } from '../../src/modules/orders/service.js';
import { createCompany } from '../../src/modules/shipping-companies/service.js';
import { CourierSimulator } from '../../src/modules/shipping/simulator.js';
import { productId, stock, warehouse } from '../../src/modules/stocks/test-fixtures.js';
import { tenant } from '../../src/test-support/harness.js';
import { person, PASSWORD, type Person } from '../../src/test-support/people.js';
import { recordPushFailure } from '../../src/modules/shipping/push-failures.js';
import { layoutProblems } from './layout-check.js';
import { checkPage, login, newPage, screenshots, skipBrowser, startBrowserEnv, type BrowserEnv } from './support.js';

describe('pushing orders in a real browser', { skip: skipBrowser }, () => {
  let env: BrowserEnv;
  let sim: CourierSimulator;
  let admin: Person;
  let worker: JobWorker;
  const refs: string[] = [];
  let account = '';
  let accountId = '';
  const courier = `Simulated Express ${Date.now() % 100000}`;
  // Every account numbers its orders from ORD-00001: a row is named by its reference and account.
  const row = (ref: string) => `Select ${ref} (${account})`;

  before(async () => {
    env = await startBrowserEnv();
    sim = await CourierSimulator.start();
    sim.set({ latencyMs: 150 });
    admin = await person(env.t.db, 'admin');
    const shop = await tenant(env.t.db);
    accountId = shop.accountId;
    account = (await env.t.db.query<{ name: string }>('SELECT name FROM accounts WHERE id = $1', [shop.accountId])).rows[0].name;
    await stock(env.t.db, await productId(env.t.db, shop.accountId, 'P1'), await warehouse(env.t.db), { quantity: 50 });
    for (let i = 0; i < 4; i++) {
      refs.push(
        await env.t.db.tx((q) =>
          createOrder(q, SYSTEM, shop.accountId, {
            full_name: `Client ${i}`,
            phone: '0612345678',
            city: 'Rabat',
            address: '3 Avenue Hassan II',
            is_fees_paid_by_customer: false,
            total: 199,
            products: [{ sku: 'P1', quantity: 1, price: 199 }],
          }),
        ),
      );
    }
    await env.t.db.tx((q) =>
      createCompany(q, { id: admin.id } as never, env.t.app.config.appKey, {
        name: courier,
        adapter: 'http',
        base_url: sim.url,
        api_key: sim.apiKey,
      }),
    );
    worker = await new JobWorker(env.t.db, { slots: 1, pollMs: 100, kinds: ['orders.push'], appKey: env.t.app.config.appKey }).start();
  });
  after(async () => {
    await worker.stop();
    await sim.close();
    await env.close();
  });

  test('an admin pushes a selection and watches the progress bar finish; the orders are shipped', async () => {
    const page = await newPage(env);
    await login(page, admin.email, PASSWORD);
    await page.getByRole('link', { name: 'Push orders' }).click();
    await checkPage(page, 'push page');
    await page.getByLabel('Shipping company').selectOption({ label: courier });
    for (const ref of refs.slice(0, 3)) await page.getByLabel(row(ref), { exact: true }).check();
    await page.getByRole('button', { name: 'Push the selected orders' }).click();
    await page.waitForLoadState('load');
    assert.match(page.url(), /\/orders\/push\?job=[0-9a-f-]{36}$/);
    assert.equal(await page.getByRole('progressbar', { name: 'Pushing orders' }).count(), 1);
    await page.locator('[data-job-final]').filter({ hasText: 'The job is done.' }).waitFor({ timeout: 60_000 });
    assert.equal(await page.locator('[data-job-text]').textContent(), 'Done: 3 of 3 processed.');
    // The page shows the list as it is now: the pushed orders are gone without a reload by hand.
    await page.getByLabel(row(refs[0]), { exact: true }).waitFor({ state: 'detached', timeout: 10_000 });
    assert.equal(await page.getByLabel(row(refs[3]), { exact: true }).count(), 1);
    await checkPage(page, 'push done');

    const { rows } = await env.t.db.query<{ reference: string; status: string }>(
      'SELECT reference, status FROM orders WHERE account_id = $1 AND reference = ANY($2::text[]) ORDER BY reference',
      [accountId, refs],
    );
    assert.deepEqual(
      rows.map((r) => r.status),
      ['shipped', 'shipped', 'shipped', 'new'],
    );
    // What is left to push, on a phone.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    assert.equal(await page.getByLabel(row(refs[3]), { exact: true }).count(), 1);
    assert.equal(await page.getByLabel(row(refs[0]), { exact: true }).count(), 0);
    await checkPage(page, 'push page on a phone');
  });

  test("a failed push's company and time show as text on its row, not in a tooltip only, at desktop and phone widths", async () => {
    const q = async (sql: string, params: unknown[]) => (await env.t.db.query<{ id: string }>(sql, params)).rows[0].id;
    const order = await q('SELECT id FROM orders WHERE account_id = $1 AND reference = $2', [accountId, refs[3]]);
    const company = await q('SELECT id FROM shipping_companies WHERE name = $1', [courier]);
    await recordPushFailure(env.t.db, order, company, `The order ${refs[3]} was refused by the courier.`);
    const page = await newPage(env);
    await login(page, admin.email, PASSWORD);
    await page.goto('/orders/push');
    const note = page.locator('.failed-note');
    assert.match(
      (await note.textContent()) ?? '',
      new RegExp(`Push failed: The order ${refs[3]} was refused by the courier\\.\\s+\\(${courier}, `),
    );
    const when = note.locator('time');
    assert.equal(await when.isVisible(), true, 'the time is on the page');
    assert.match((await when.textContent()) ?? '', /^\d{1,2} \w{3} \d{4}, \d{2}:\d{2}/);
    const at = Date.parse((await when.getAttribute('datetime')) ?? '');
    assert.ok(Math.abs(Date.now() - at) < 60_000, `the failure's time (${await when.getAttribute('datetime')})`);
    for (const viewport of [
      { width: 1280, height: 800 },
      { width: 390, height: 844 },
    ]) {
      await page.setViewportSize(viewport);
      assert.deepEqual(await layoutProblems(page), [], `${viewport.width} px`);
    }
    await checkPage(page, 'push page with a failure');
    await page.setViewportSize({ width: 1280, height: 800 });
    await screenshots(page, 'push-failure');
    await page.context().close();
  });

  test('why an order waits for stock shows as text on its row, not in a tooltip only, at desktop and phone widths', async () => {
    // P2 has no stock anywhere: the order reserves nothing and waits.
    const waiting = await env.t.db.tx((q) =>
      createOrder(q, SYSTEM, accountId, {
        full_name: 'Client waiting',
        phone: '0612345678',
        city: 'Rabat',
        address: '3 Avenue Hassan II',
        is_fees_paid_by_customer: false,
        total: 50,
        products: [{ sku: 'P2', quantity: 1, price: 50 }],
      }),
    );
    const page = await newPage(env);
    await login(page, admin.email, PASSWORD);
    await page.goto('/orders/push');
    const line = page.locator('tr').filter({ has: page.getByLabel(row(waiting), { exact: true }) });
    for (const viewport of [
      { width: 1280, height: 800 },
      { width: 390, height: 844 },
    ]) {
      await page.setViewportSize(viewport);
      for (const text of ['Waiting for stock', 'No stock reserved'])
        assert.equal(await line.getByText(text, { exact: true }).isVisible(), true, `${text} at ${viewport.width} px`);
      assert.equal(await line.locator('[title]').count(), 0, 'no tooltip');
      assert.deepEqual(await layoutProblems(page), [], `${viewport.width} px`);
    }
    await checkPage(page, 'push page with a waiting order');
    // The orders list at 1280 px: the why is one short line (the whole sentence, on the order's page, made the row six lines tall).
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`/orders?account_id=${accountId}`);
    const listed = page.locator('tr').filter({ hasText: 'Client waiting' });
    const why = listed.getByText('No stock reserved', { exact: true });
    const lines = await why.evaluate((el) => {
      const range = document.createRange();
      range.selectNodeContents(el);
      return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
    });
    assert.equal(lines, 1, 'the why on one line');
    // And the row about as tall as its neighbour (three short lines beside a name and a phone): "Waiting
    // for stock" and its why wrapped to two lines each in the status column, 123 px beside 67–89 px rows
    // with the demo's data (104 px beside 67 px here).
    const height = async (row: typeof listed) => (await row.boundingBox())?.height ?? 0;
    const [own, next] = [await height(listed), await height(listed.locator('xpath=following-sibling::tr[1]'))];
    assert.ok(next > 0 && own <= next * 1.4, `the waiting row ${own} px tall, its neighbour ${next} px`);
    assert.deepEqual(await layoutProblems(page), [], 'orders list at 1280 px');
    await checkPage(page, 'orders list with a waiting order');
    await page.context().close();
  });
});
