import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lead, tenant, type Tenant } from '../../src/test-support/harness.js';
import { PASSWORD } from '../../src/test-support/people.js';
import { WebhookDispatcher } from '../../src/modules/webhooks/delivery.js';
import { checkPage, login, newPage, screenshots, skipBrowser, startBrowserEnv, type BrowserEnv } from './support.js';

// The receiver listens on 127.0.0.1: this server may call it.
process.env.WEBHOOKS_ALLOW_PRIVATE = 'true';

describe('webhooks in a real browser', { skip: skipBrowser }, () => {
  let env: BrowserEnv;
  let shop: Tenant;
  let receiver: Server;
  let url = '';
  const got: { headers: Record<string, unknown>; body: string }[] = [];
  /** What the receiver answers next. */
  let answer = { status: 200, body: 'received by the shop' };

  before(async () => {
    env = await startBrowserEnv();
    shop = await tenant(env.t.db);
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body);
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/codops`;
  });
  /** The webhook's deliveries and attempts as the database has them, for a failure's message. */
  const deliveries = async (hookId: string) =>
    JSON.stringify(
      (
        await env.t.db.query(
          `SELECT d.state, d.attempts, d.locked_until, a.http_status, a.error, a.duration_ms
             FROM webhook_deliveries d LEFT JOIN webhook_attempts a ON a.delivery_id = d.id WHERE d.webhook_id = $1`,
          [hookId],
        )
      ).rows,
    );
  after(async () => {
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    await env.close();
  });

  test('a seller registers a webhook and sees a delivery in the log', async () => {
    const page = await newPage(env);
    await login(page, shop.email, PASSWORD);
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.waitForLoadState('load');
    await checkPage(page, 'webhooks list');
    await page.getByRole('link', { name: 'New webhook' }).click();
    await page.waitForLoadState('load');
    await checkPage(page, 'new webhook');
    await page.getByLabel('URL').fill(url);
    await page.getByLabel('Secret').fill('shop-secret');
    await page.getByLabel('lead.created').check();
    await page.getByLabel('Header 1 name').fill('X-Shop');
    await page.getByLabel('Header 1 value').fill('north');
    await page.getByRole('button', { name: 'Save webhook' }).click();
    await page.waitForLoadState('load');
    assert.match(page.url(), /\/settings\/webhooks\/[0-9A-Z]{26}\/show$/);
    // The flash itself: its screen-reader twin gets the same text 250 ms after load (app.js), so a bare getByText finds two on a slow machine.
    assert.equal(await page.locator('.flash-success', { hasText: 'Webhook saved.' }).count(), 1);
    assert.equal(await page.getByText('shop-secret').count(), 0, 'the secret is not shown');
    assert.equal(await page.getByText('Nothing sent yet.').count(), 1);
    const hookId = page.url().split('/').at(-2)!;

    // A lead comes in through the API; the delivery worker sends its event.
    const res = await env.t.app.inject({ method: 'POST', url: '/api/web/1.0/leads', headers: shop.auth, payload: { leads: [lead(1)] } });
    assert.equal(res.statusCode, 201, res.body);
    const worker = await new WebhookDispatcher(env.t.db, {
      appKey: env.t.config.appKey,
      allowPrivate: true,
      only: [hookId],
      pollMs: 50,
    }).start();
    try {
      for (const end = Date.now() + 60_000; got.length === 0; await new Promise((r) => setTimeout(r, 50)))
        if (Date.now() > end) assert.fail(`no delivery in 60 s: ${await deliveries(hookId)}`);
    } finally {
      await worker.stop();
    }
    assert.equal(got[0].headers['x-shop'], 'north');
    assert.equal(JSON.parse(got[0].body).type, 'lead.created');

    await page.reload();
    const log = page.getByRole('region', { name: 'Delivery log' });
    await log
      .getByText('received by the shop')
      .waitFor()
      .catch(async (err: Error) => {
        // Said with what the log and the database show (CI once failed here or near, unexplained).
        throw new Error(`${err.message}\nlog: ${await log.innerText().catch(() => '?')}\ndeliveries: ${await deliveries(hookId)}`);
      });
    assert.equal(await log.getByRole('cell', { name: 'lead.created' }).count(), 1);
    assert.equal(await log.getByRole('cell', { name: '200' }).count(), 1);
    await checkPage(page, 'webhook with its log');

    // Send it again from the log.
    await log.getByRole('button', { name: 'Send again' }).click();
    await page.waitForLoadState('load');
    assert.equal(
      await page.locator('.flash-success', { hasText: 'Sent again: HTTP 200.' }).count(),
      1,
      await page.locator('main').innerText(),
    );
    assert.equal(await page.getByRole('region', { name: 'Delivery log' }).getByRole('cell', { name: '200' }).count(), 2);
    assert.equal(got.length, 2);
    await screenshots(page, 'webhook-log');

    // A failure whose answer is one long word (a minified page, a token) breaks inside its cell: the
    // retry time and "Send again" stay in view (the log's box was 2,559 px wide at 1280).
    answer = { status: 503, body: 'x'.repeat(100_000) };
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('region', { name: 'Delivery log' }).getByRole('button', { name: 'Send again' }).first().click();
    const wide = page.getByRole('region', { name: 'Delivery log' });
    await wide.getByRole('cell', { name: '503', exact: true }).waitFor();
    const wraps = await wide.locator('.table-wrap').evaluateAll((els) => els.map((e) => [e.scrollWidth, e.clientWidth]));
    for (const [scroll, client] of wraps) assert.ok(scroll <= client + 1, `the log scrolls sideways: ${scroll} > ${client}`);
    for (const box of await Promise.all((await wide.getByRole('button', { name: 'Send again' }).all()).map((b) => b.boundingBox())))
      assert.ok(box && box.x + box.width <= 1280, `"Send again" out of view at x ${box?.x}`);
    // Its 500 characters show as their first lines (the row was about 15 lines tall at 1280: the fixwf
    // audit); the row's summary opens the whole answer in place.
    const failed = wide.getByRole('row').filter({ has: page.getByRole('cell', { name: '503', exact: true }) });
    const closed = (await failed.boundingBox())!.height;
    assert.ok(closed < 130, `the failed row is ${closed} px tall`);
    await failed.locator('details.log-response summary').click();
    const opened = (await failed.boundingBox())!.height;
    assert.ok(opened > closed + 60, `opened, the whole answer shows: ${opened} px (closed ${closed})`);
  });
});
