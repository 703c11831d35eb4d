import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createAccount } from '../../src/modules/accounts/service.js';
import { createProduct } from '../../src/modules/products/service.js';
import { createUser } from '../../src/modules/users/service.js';
import { newId } from '../../src/lib/ids.js';
import { checkPage, login, newPage, screenshots, skipBrowser, startBrowserEnv, type BrowserEnv } from './support.js';

const unique = (prefix: string) => `${prefix}-${newId().slice(-8).toLowerCase()}@example.test`;

describe('dashboard people and settings in a real browser', { skip: skipBrowser }, () => {
  let env: BrowserEnv;
  const admin = { email: unique('admin'), password: 'admin-password-1' };
  let productId: string;

  before(async () => {
    env = await startBrowserEnv();
    await createUser(env.t.db, { role: 'admin', email: admin.email, password: admin.password, fullName: 'Amina Admin' });
    const shop = await createAccount(env.t.db, { name: 'Argan House' });
    productId = (await createProduct(env.t.db, { accountId: shop.id, sku: 'ARGAN-100', name: 'Argan Oil 100ml', price: 199 })).id;
  });
  after(() => env.close());

  test('an admin creates an account, a seller in it, and an agent with products and working hours', async () => {
    const page = await newPage(env);
    await login(page, admin.email, admin.password);
    await checkPage(page, 'admin home');

    await page.goto('/accounts/create');
    await checkPage(page, 'new account form');
    await page.getByLabel('Account name').fill('Casa Cosmetics');
    const served = page.waitForResponse((r) => r.request().method() === 'GET' && /\/accounts\/[^/]+\/show$/.test(r.url()));
    await page.getByRole('button', { name: 'Create account' }).click();
    const flash = ((await page.locator('.flash-success').textContent()) ?? '').trim();
    assert.match(flash, /.+/);
    assert.equal((await page.locator('h1').textContent())?.trim(), 'Casa Cosmetics');
    // The message is announced: its live region comes empty (text present at load is not read out) and is filled after load.
    assert.match(await (await served).text(), /<div class="sr-only" aria-live="polite" data-announce="[^"]+"><\/div>/);
    await page.waitForFunction((text) => document.querySelector('[aria-live="polite"][data-announce]')?.textContent === text, flash);
    await checkPage(page, 'account page');
    const accountId = /\/accounts\/([^/]+)\/show/.exec(new URL(page.url()).pathname)?.[1];
    assert.ok(accountId, 'the account page is shown');

    await page.goto('/accounts');
    await checkPage(page, 'accounts list');
    await screenshots(page, 'accounts-list');

    const sellerEmail = unique('seller');
    await page.goto(`/users/sellers/create?account_id=${accountId}`);
    await checkPage(page, 'new seller form');
    await page.getByLabel('Full name').fill('Sara Seller');
    await page.getByLabel('Email').fill(sellerEmail);
    await page.getByLabel('Phone', { exact: true }).fill('0612345678');
    await page.getByLabel('Password', { exact: true }).fill('seller-password-1');
    await page.getByLabel('Confirm password').fill('seller-password-1');
    await page.getByRole('button', { name: 'Create seller' }).click();
    assert.match((await page.locator('.flash-success').textContent()) ?? '', /.+/, 'the seller was created');
    await checkPage(page, 'seller page');
    const seller = await env.t.db.query<{ account_id: string; role: string }>('SELECT account_id, role FROM users WHERE email = $1', [
      sellerEmail,
    ]);
    assert.deepEqual(seller.rows[0], { account_id: accountId, role: 'seller' });

    const agentEmail = unique('agent');
    await page.goto('/users/agents/create');
    await checkPage(page, 'new agent form');
    await page.getByLabel('Full name').fill('Adil Agent');
    await page.getByLabel('Email').fill(agentEmail);
    await page.getByLabel('Phone', { exact: true }).fill('0622222222');
    // By value: other tests sharing a PostgreSQL database may have their own ARGAN-100.
    await page.locator(`input[name="products_ids_to_confirm[]"][value="${productId}"]`).check();
    await page.locator('#f-agent_working_hours-0-startTime').fill('09:00');
    await page.locator('#f-agent_working_hours-0-endTime').fill('17:30');
    await page.getByLabel('Password', { exact: true }).fill('agent-password-1');
    await page.getByLabel('Confirm password').fill('agent-password-1');
    await screenshots(page, 'agent-form');
    await page.getByRole('button', { name: 'Create agent' }).click();
    assert.match((await page.locator('.flash-success').textContent()) ?? '', /.+/, 'the agent was created');
    const agent = await env.t.db.query<{ products_ids_to_confirm: string[]; agent_working_hours: unknown }>(
      'SELECT products_ids_to_confirm, agent_working_hours FROM users WHERE email = $1',
      [agentEmail],
    );
    assert.deepEqual(agent.rows[0], {
      products_ids_to_confirm: [productId],
      agent_working_hours: [{ startTime: '09:00', endTime: '17:30' }],
    });
    await checkPage(page, 'agent page');
    await page.context().close();
  });

  test('a form with errors comes back with each message beside its field and the input kept', async () => {
    const page = await newPage(env);
    await login(page, admin.email, admin.password);
    await page.goto('/users/agents/create');
    await page.getByLabel('Full name').fill('Kept Name');
    await page.getByLabel('Email').fill('not-an-email');
    // The same time twice is no range (an end before its start crosses midnight, and passes).
    await page.locator('#f-agent_working_hours-0-startTime').fill('18:00');
    await page.locator('#f-agent_working_hours-0-endTime').fill('18:00');
    // A decimal comma: Chromium's number input read it as a grouping separator and sent 450050.
    await page.getByLabel('Salary').fill('4500,50');
    await page.getByLabel('Password', { exact: true }).fill('short');
    await page.getByLabel('Confirm password').fill('short');
    await page.getByRole('button', { name: 'Create agent' }).click();
    assert.equal(new URL(page.url()).pathname, '/users/agents/create');
    assert.equal(await page.getByLabel('Salary').inputValue(), '4500,50');
    assert.equal((await page.locator('#f-salary-error').textContent())?.trim(), 'The salary field must be a number.');
    // The first wrong field has the focus (the name was right): Tab and a screen reader start there.
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'f-email');
    assert.equal(await page.getByLabel('Full name').inputValue(), 'Kept Name');
    assert.equal(await page.getByLabel('Email').inputValue(), 'not-an-email');
    assert.equal(await page.getByLabel('Password', { exact: true }).inputValue(), '', 'passwords are never refilled');
    assert.equal((await page.locator('#f-email-error').textContent())?.trim(), 'The email field must be a valid email address.');
    assert.equal((await page.locator('#f-phone-error').textContent())?.trim(), 'The phone field is required.');
    assert.match((await page.locator('#f-password-error').textContent()) ?? '', /The password field must be at least 8 characters\./);
    assert.ok((await page.locator('.field-errors').count()) >= 4, 'errors stand beside their fields');
    await checkPage(page, 'agent form with errors');
    await screenshots(page, 'user-form-with-errors');
    // On a phone the working hours' message (a path without spaces) breaks inside its column: it
    // made the refused form 433 px wide.
    await page.setViewportSize({ width: 390, height: 844 });
    assert.match((await page.locator('#f-agent_working_hours-0-endTime-error').textContent()) ?? '', /agent_working_hours\.0\.endTime/);
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 390, 'the refused form fits a phone');
    await page.context().close();
  });

  test('a second click on a form that changes something, while the first is on its way, sends nothing more', async () => {
    const page = await newPage(env);
    await login(page, admin.email, admin.password);
    await page.goto('/notifications/create');
    const title = `Stock count ${newId().slice(-6)}`;
    await page.getByLabel('Title').fill(title);
    // The answer is held back, as on a slow network, so the second click lands on the same page.
    let posts = 0;
    await page.route('**/notifications/store', async (route) => {
      posts++;
      await new Promise((r) => setTimeout(r, 600));
      await route.continue().catch(() => undefined); // a request the browser gave up on
    });
    // Two clicks 150 ms apart, from the page itself (Playwright's click would wait for the navigation).
    await page.evaluate(() => {
      const send = [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Send notification')!;
      send.click();
      return new Promise<void>((resolve) =>
        setTimeout(() => {
          send.click();
          resolve();
        }, 150),
      );
    });
    await page.waitForURL((u) => u.pathname !== '/notifications/create');
    await page.waitForLoadState('load');
    assert.equal(posts, 1, 'the browser sent the form once');
    const sends = await env.t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM announcements WHERE title = $1', [title]);
    assert.equal(sends.rows[0].n, 1);
    await checkPage(page, 'after sending a notification');
    await page.context().close();
  });

  test('a seller generates an API key, sees it once, uses it, revokes it, and it answers 401', async () => {
    const shop = await createAccount(env.t.db, { name: 'Key Shop' });
    const s = { email: unique('keys'), password: 'seller-password-2' };
    await createUser(env.t.db, { role: 'seller', email: s.email, password: s.password, fullName: 'Karim Keys', accountId: shop.id });
    const page = await newPage(env);
    await login(page, s.email, s.password);
    await page.goto('/settings/api-keys');
    await checkPage(page, 'api keys');
    await page.getByRole('link', { name: 'Generate a key' }).click();
    await checkPage(page, 'generate a key');
    await page.getByLabel('Name', { exact: true }).fill('My Shopify store');
    await page.getByLabel('VIEW LEADS').check();
    await page.getByRole('button', { name: 'Generate the key' }).click();
    const token = (await page.locator('#new-api-key').textContent())?.trim() ?? '';
    assert.match(token, /^\d+\|\w+$/, 'the key is shown');
    // Copy says so to a screen reader too: in a live region that was there before (a button's new
    // text is not announced).
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.base });
    const copied = page.locator('.token-box [aria-live="polite"]');
    assert.equal(await copied.textContent(), '', 'the live region is on the page before the copy');
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    assert.equal(await copied.textContent(), 'Copied');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token);
    await checkPage(page, 'key shown once');
    await screenshots(page, 'api-key-shown');
    // On a phone the API's address in the box wraps inside it rather than widening the page.
    await page.setViewportSize({ width: 390, height: 844 });
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 390, 'the page fits a phone');
    await page.setViewportSize({ width: 1280, height: 800 });

    const api = (t: string) => fetch(`${env.base}/api/web/1.0/leads`, { headers: { authorization: `Bearer ${t}` } });
    assert.equal((await api(token)).status, 200, 'the key works');

    await page.reload();
    assert.equal(await page.locator('#new-api-key').count(), 0, 'shown once only');
    assert.ok(!(await page.content()).includes(token.split('|')[1]), 'the secret is not on the page again');

    page.once('dialog', (d) => void d.accept());
    await page
      .getByRole('button', { name: /Revoke/ })
      .first()
      .click();
    await page.waitForLoadState('load');
    const after = await api(token);
    assert.equal(after.status, 401);
    assert.deepEqual(await after.json(), { message: 'Unauthenticated.' });
    await page.context().close();
  });

  test('an admin logs in as a seller, sees the banner, and goes back', async () => {
    const shop = await createAccount(env.t.db, { name: 'Banner Shop' });
    const { id: sellerId } = await createUser(env.t.db, {
      role: 'seller',
      email: unique('imp'),
      password: 'seller-password-3',
      fullName: 'Nadia Seller',
      accountId: shop.id,
    });
    const page = await newPage(env);
    await login(page, admin.email, admin.password);
    await page.goto(`/users/sellers/${sellerId}/show`);
    await page.getByRole('button', { name: 'Log in as' }).click();
    await page.waitForLoadState('load');
    const banner = page.getByRole('region', { name: 'Impersonation' });
    assert.match((await banner.textContent()) ?? '', /Nadia Seller/);
    assert.match((await page.locator('h1').first().textContent()) ?? '', /Nadia Seller/);
    await checkPage(page, 'impersonating');
    await screenshots(page, 'impersonation-banner');
    await page.getByRole('button', { name: 'Back to Amina Admin' }).click();
    await page.waitForLoadState('load');
    assert.equal(await page.getByRole('region', { name: 'Impersonation' }).count(), 0);
    assert.match((await page.locator('.user-name').textContent()) ?? '', /Amina Admin/);
    await page.context().close();
  });
});
