import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createAccount } from '../../src/modules/accounts/service.js';
import { createUser } from '../../src/modules/users/service.js';
import { createProduct } from '../../src/modules/products/service.js';
import { createToken } from '../../src/modules/tokens/tokens.js';
import { newId } from '../../src/lib/ids.js';
import { SYSTEM } from '../../src/core/actor.js';
import { createLeads } from '../../src/modules/leads/service.js';
import { checkPage, login, newPage, screenshots, skipBrowser, startBrowserEnv, type BrowserEnv } from './support.js';
import { layoutProblems } from './layout-check.js';

const unique = (prefix: string) => `${prefix}-${newId().slice(-8).toLowerCase()}@example.test`;

describe('catalog in a real browser', { skip: skipBrowser }, () => {
  let env: BrowserEnv;
  const admin = { email: unique('admin'), password: 'admin-password-1' };
  const seller = { email: unique('seller'), password: 'seller-password-1' };
  // Categories and warehouses are platform-wide: names unique to this run, as other tests share the database.
  const tag = newId().slice(-6);
  const category = `Cosmetics ${tag}`;
  let accountId: string;

  before(async () => {
    env = await startBrowserEnv();
    await createUser(env.t.db, { role: 'admin', email: admin.email, password: admin.password, fullName: 'Amina Admin' });
    accountId = (await createAccount(env.t.db, { name: 'Souk Naturel' })).id;
    await createUser(env.t.db, { role: 'seller', email: seller.email, password: seller.password, fullName: 'Sami Seller', accountId });
  });
  after(() => env.close());

  test("an admin creates a category, a warehouse and a product for a seller's account; the seller changes only their four fields", async () => {
    const page = await newPage(env);
    await login(page, admin.email, admin.password);

    await page.goto('/categories/create');
    await checkPage(page, 'new category');
    await page.getByLabel('Name', { exact: true }).fill(category);
    await page.getByRole('button', { name: 'Create category' }).click();
    assert.match((await page.locator('.flash-success').textContent()) ?? '', /.+/);

    await page.goto('/warehouses/create');
    await checkPage(page, 'new warehouse');
    await page.getByLabel('Name', { exact: true }).fill(`Casablanca hub ${tag}`);
    await page.getByLabel('Address', { exact: true }).fill('12 Rue Ibn Batouta');
    await page.getByRole('button', { name: 'Create warehouse' }).click();
    assert.match((await page.locator('.flash-success').textContent()) ?? '', /.+/);

    await page.goto('/products/create');
    await checkPage(page, 'new product');
    await page.getByLabel('Account', { exact: true }).selectOption(accountId);
    await page.getByLabel('Name', { exact: true }).fill('Argan Oil 100ml');
    await page.getByLabel('SKU', { exact: true }).fill('ARGAN-100');
    await page.getByLabel('Category', { exact: true }).selectOption({ label: category });
    await page.getByLabel('Price', { exact: true }).fill('199');
    await page.getByLabel('Purchase price', { exact: true }).fill('80');
    await screenshots(page, 'product-form');
    await page.getByRole('button', { name: 'Create product' }).click();
    assert.match((await page.locator('.flash-success').textContent()) ?? '', /.+/);
    await checkPage(page, 'product page');
    const product = await env.t.db.query<{ id: string; account_id: string; price: string; purchase_price: string }>(
      `SELECT id, account_id, price::text, purchase_price::text FROM products WHERE sku = 'ARGAN-100' AND account_id = $1`,
      [accountId],
    );
    assert.equal(product.rows.length, 1);
    const productId = product.rows[0].id;

    await page.goto('/products');
    await checkPage(page, 'products list');
    await screenshots(page, 'products-list');
    await page.context().close();

    const sp = await newPage(env);
    await login(sp, seller.email, seller.password);
    await sp.goto(`/products/${productId}/edit`);
    await checkPage(sp, 'seller product edit');
    assert.equal(await sp.getByLabel('Price', { exact: true }).count(), 0, 'the price is not offered');
    assert.equal(await sp.getByLabel('Purchase price', { exact: true }).count(), 0, 'the purchase price is not shown');
    await sp.getByLabel('Landing page URL').fill('https://souk.example/argan');
    await sp.getByLabel('Free shipping').check();
    // A forged post: fields the seller may not change, slipped into the real form.
    await sp.evaluate(() => {
      const form = document.querySelector('form[aria-label="Edit product settings"]') as HTMLFormElement;
      for (const [name, value] of [
        ['name', 'Hacked'],
        ['price', '1'],
        ['purchase_price', '1'],
        ['sku', 'HACK'],
      ]) {
        const input = document.createElement('input');
        input.type = 'hidden';
        input.name = name;
        input.value = value;
        form.appendChild(input);
      }
    });
    await sp.getByRole('button', { name: 'Save changes' }).click();
    const after = await env.t.db.query<Record<string, unknown>>(
      'SELECT name, sku, price::float8 AS price, purchase_price::float8 AS purchase_price, free_shipping, landing_page_url FROM products WHERE id = $1',
      [productId],
    );
    assert.deepEqual(after.rows[0], {
      name: 'Argan Oil 100ml',
      sku: 'ARGAN-100',
      price: 199,
      purchase_price: 80,
      free_shipping: true,
      landing_page_url: 'https://souk.example/argan',
    });
    await sp.context().close();
  });

  test('a stock is created at 0, incremented with a comment, and a decrement below the reserved quantity is refused', async () => {
    const { id: productId } = await createProduct(env.t.db, { accountId, sku: 'AMLOU-250', name: 'Amlou 250g', price: 89 });
    const wh = await env.t.db.query<{ id: string }>(`INSERT INTO warehouses (id, name) VALUES ($1, $2) RETURNING id`, [
      newId(),
      `Rabat depot ${tag}`,
    ]);
    const page = await newPage(env);
    await login(page, admin.email, admin.password);
    await page.goto('/stocks/create');
    await checkPage(page, 'new stock');
    await page.getByLabel('Product', { exact: true }).selectOption(productId);
    await page.getByLabel('Warehouse', { exact: true }).selectOption(wh.rows[0].id);
    await page.getByRole('button', { name: 'Create stock' }).click();
    assert.match((await page.locator('.flash-success').textContent()) ?? '', /.+/);
    const stockUrl = page.url();

    await page.getByLabel('Quantity', { exact: true }).fill('10');
    await page.getByLabel('Comment').fill('First delivery from the supplier');
    await page.getByRole('button', { name: 'Add to stock' }).click();
    assert.match((await page.locator('.flash-success').textContent()) ?? '', /.+/);

    // A customer order through the REST API reserves 3 of the 10.
    const user = await env.t.db.query<{ id: string }>('SELECT id FROM users WHERE email = $1', [seller.email]);
    const { token } = await createToken(env.t.db, {
      userId: user.rows[0].id,
      accountId,
      name: 'Shop',
      scopes: ['CREATE ORDERS'],
      expiresAt: null,
    });
    const created = await fetch(`${env.base}/api/web/1.0/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        orders: [
          {
            full_name: 'Hind Client',
            phone: '0611111111',
            city: 'Rabat',
            address: '5 Avenue Mohammed VI',
            is_fees_paid_by_customer: true,
            total: 267,
            products: [{ sku: 'AMLOU-250', quantity: 3, price: 89 }],
          },
        ],
      }),
    });
    assert.equal(created.status, 201);

    await page.goto(stockUrl);
    await page.getByLabel('Quantity', { exact: true }).fill('8');
    await page.getByLabel('Comment').fill('Broken jars');
    await page.getByRole('button', { name: 'Remove from stock' }).click();
    assert.equal(page.url(), stockUrl, 'back on the stock page');
    assert.match((await page.locator('#f-quantity-error').textContent()) ?? '', /.+/, 'the refusal stands beside the quantity');
    const stock = await env.t.db.query<{ quantity: number; reserved: number; history: number }>(
      `SELECT s.quantity, s.reserved, (SELECT coalesce(sum(h.change), 0)::int FROM stock_histories h WHERE h.stock_id = s.id) AS history
         FROM stocks s WHERE s.product_id = $1`,
      [productId],
    );
    assert.deepEqual(stock.rows[0], { quantity: 10, reserved: 3, history: 10 }, 'nothing changed, and quantity equals its history');
    await checkPage(page, 'stock page with its history');
    await screenshots(page, 'stock-with-history');
    await page.context().close();
  });

  test('the longest unbroken values the forms allow wrap inside product and agent pages at 390 and 1280 px', async () => {
    // A description of 10,000 characters, variant names and a SKU of 100, a name of 60: none with a space.
    const long = (c: string, n: number) => c.repeat(n);
    const { id: productId } = await createProduct(env.t.db, {
      accountId,
      sku: `${tag}${long('S', 94)}`,
      name: long('N', 60),
      price: 10,
    });
    await env.t.db.query('UPDATE products SET description = $2, variants = $3::jsonb WHERE id = $1', [
      productId,
      long('d', 10_000),
      JSON.stringify([
        { type: 'colors', name: long('c', 100) },
        { type: 'sizes', name: long('z', 100) },
      ]),
    ]);
    const agentEmail = unique('agent');
    const agent = await createUser(env.t.db, { role: 'agent', email: agentEmail, password: 'agent-password-1', fullName: 'Long Agent' });
    const page = await newPage(env);
    await login(page, admin.email, admin.password);
    const problems: string[] = [];
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 844 });
      for (const path of [
        `/products/${productId}/show`,
        `/products/${productId}/edit`,
        '/users/agents/create',
        `/users/agents/${agent.id}/edit`,
      ]) {
        await page.goto(path);
        const wide = await page.evaluate(`[...document.querySelectorAll('main *')]
          .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && !el.closest('.table-wrap'))
          .slice(0, 3).map((el) => el.tagName.toLowerCase() + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().right))`);
        for (const w of wide as string[]) problems.push(`${path} at ${width} px: past the screen's right edge: ${w}`);
        // A field holding a value longer than its box scrolls it, as fields do.
        for (const p of await layoutProblems(page)) if (!p.startsWith('content cut: input')) problems.push(`${path} at ${width} px: ${p}`);
      }
    }
    assert.deepEqual(problems, []);
    await page.context().close();
  });
  test("a product's longest name and SKU break inside their cells: the products list, an agent's products, a lead's lines and the leads list fit at 1280 and 390 px", async () => {
    // A name of 60 characters and a SKU of 100 without a space, beside a short SKU with hyphens that stays whole.
    const { id: shop } = await createAccount(env.t.db, { name: `Long ${tag}` });
    const longSku = `${tag}${'S'.repeat(94)}`;
    const { id: longId } = await createProduct(env.t.db, { accountId: shop, sku: longSku, name: 'N'.repeat(60), price: 10 });
    const { id: shortId } = await createProduct(env.t.db, { accountId: shop, sku: 'KOHL-25', name: 'Kohl Classic', price: 35 });
    const agent = await createUser(env.t.db, {
      role: 'agent',
      email: unique('agent'),
      password: 'agent-password-1',
      fullName: 'Agent Long',
    });
    await env.t.db.query('UPDATE users SET products_ids_to_confirm = $2::jsonb WHERE id = $1', [
      agent.id,
      JSON.stringify([longId, shortId]),
    ]);
    const [reference] = await env.t.db.tx((q) =>
      createLeads(q, SYSTEM, shop, {
        leads: [
          {
            full_name: 'Long Lines',
            phone: '0612345678',
            city: 'Casablanca',
            address: '1 Rue de Fes',
            products: [
              { sku: longSku, quantity: 1, price: 10 },
              { sku: 'KOHL-25', quantity: 2, price: 35 },
            ],
          },
        ],
      }),
    );
    const lead = (await env.t.db.query<{ id: string }>('SELECT id FROM leads WHERE account_id = $1 AND reference = $2', [shop, reference]))
      .rows[0];
    const page = await newPage(env);
    await login(page, admin.email, admin.password);
    const problems: string[] = [];
    for (const viewport of [
      { width: 1280, height: 800 },
      { width: 390, height: 844 },
    ]) {
      await page.setViewportSize(viewport);
      for (const path of [
        `/products?account_id=${shop}`,
        `/users/agents/${agent.id}/show`,
        `/leads/${lead.id}/show`,
        `/leads?account_id=${shop}`,
        `/call-centre/leads/${lead.id}`,
      ]) {
        await page.goto(path);
        // The long words break, as they must; any other problem (a table scrolling sideways, a short SKU cut) is one.
        for (const p of await layoutProblems(page))
          if (!/^word broken: .* "(N{60}|\w{6}S{94}),?"$/.test(p)) problems.push(`${path} at ${viewport.width} px: ${p}`);
      }
    }
    assert.deepEqual(problems, []);
    await page.context().close();
  });
});
