import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Response } from 'playwright-core';
import { seedDemo } from '../../src/cli/demo.js';
import { ROLES } from '../../src/core/roles.js';
import { layoutProblems } from './layout-check.js';
import { checkAccessibility, login, newPage, skipBrowser, startBrowserEnv, visitEveryPage, type BrowserEnv } from './support.js';

const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;

// On PostgreSQL the suite shares one database: other files' fixtures (random 45-character emails,
// dozens of API keys) land in the admin's lists, so what a reader sees is checked on the embedded
// database, on the demo's data as a new user has it.
const embedded = !process.env.DATABASE_URL;

function assertCsp(res: Response | null, label: string) {
  assert.match(String(res?.headers()['content-security-policy']), /frame-ancestors 'none'/, `the CSP of ${label}`);
}

/** A page whatever its ids: `/leads/01J…/show` → `/leads/:id/show`. */
const pageOf = (path: string) => path.replace(/\/[^/]*\d[^/]*(?=\/|$)/g, '/:id');

/**
 * Every page the menu of each role leads to — and the first show, edit and create page linked from
 * each list — as that role's demo login: it answers below 500, with the CSP header and no console
 * error (a violation of the enforced CSP is one, see newPage). On the embedded database, at
 * 1280 × 800 and 390 × 844, nothing is cut or overlapping (layout-check.ts) and axe finds nothing
 * serious: at desktop width on each page the first time a role has it (a show or edit page once
 * whatever its id: the roles share the pages' markup, and axe took 40 % of this file's time running
 * on each page again for every role) and on every role's home page (its menu), and at phone width
 * on the home page, whose header and menu are the phone's own (axe's rules read the markup and
 * colours, which the width does not change).
 */
describe('every page of every role', { skip: skipBrowser }, () => {
  let env: BrowserEnv;
  let demo: Awaited<ReturnType<typeof seedDemo>>;
  const axeChecked = new Set<string>();

  before(async () => {
    env = await startBrowserEnv();
    demo = await seedDemo(env.t.db);
  });
  after(() => env.close());
  // The other tests see the demo as a new user has it: the orders a test made go, whatever its end.
  const made: string[] = [];
  afterEach(async () => {
    for (const reference of made.splice(0)) await deleteOrder(reference);
  });

  test('the login page has the CSP', async () => {
    const page = await newPage(env);
    assertCsp(await page.goto('/login'), '/login');
    await page.context().close();
  });

  test("the admin's orders list fits beside the menu between the phones' cards and 1440 px, each row's values all still shown", async () => {
    // The first row at its widest: a 999,999.00 total and 4-digit quantities (its products summary
    // scrolled the table 45 px sideways at exactly 1280 px, where no column folds).
    await createOrder({
      full_name: 'Wide Row',
      phone: '0612345680',
      city: 'Casablanca',
      address: '1 Rue',
      is_fees_paid_by_customer: true,
      total: 999_999,
      products: [
        { sku: 'RHASSOUL-200', quantity: 1000, price: 500 },
        { sku: 'AMLOU-250', quantity: 9999, price: 50 },
      ],
    });
    const who = demo.logins.find((l) => l.role === 'admin')!;
    const page = await newPage(env);
    await login(page, who.email, who.password);
    // The demo's account only: on PostgreSQL other files' orders share the list.
    await page.goto(`/orders?account_id=${demo.id}`);
    const squash = (s: string) => s.replace(/\s+/g, ' ').trim();
    const cells = (await page.locator('main tbody tr').first().locator('td:not(.select-col)').allInnerTexts()).map(squash);
    assert.ok(cells.length >= 8, `the admin's columns at 1280 px: ${cells.join(' | ')}`);
    const problems: string[] = [];
    assert.match(cells.join(' | '), /999,999\.00 MAD/, 'the widest order is the first row');
    for (const width of [861, 900, 1024, 1100, 1279, 1280, 1300, 1440]) {
      await page.setViewportSize({ width, height: 800 });
      for (const p of await layoutProblems(page)) problems.push(`${width} px: ${p}`);
      const row = squash(await page.locator('main tbody tr').first().innerText());
      for (const value of cells) if (!row.includes(value)) problems.push(`${width} px: the first row does not show "${value}" (${row})`);
      // The headings of the columns tucked away are not drawn: their sort links are in the sort line.
      if (width < 1280 && !(await page.locator('.sort-bar').getByRole('link', { name: 'Created' }).isVisible()))
        problems.push(`${width} px: no sort by Created`);
    }
    await page.context().close();
    assert.deepEqual(problems, []);
  });

  test("an order's address of 1,000 characters is edited in a textarea it can be read in, at 1024, 1280, 1440 and 390 px", async () => {
    const address = Array.from({ length: 100 }, (_, i) => `Rue ${String(i).padStart(3, '0')},`)
      .join(' ')
      .slice(0, 1000);
    const reference = await createOrder({
      full_name: 'Long Address',
      phone: '0612345681',
      city: 'Rabat',
      address,
      is_fees_paid_by_customer: true,
      total: 199,
      products: [{ sku: 'KOHL-CLASSIC', quantity: 1, price: 199 }],
    });
    const page = await orderPage(reference, 'edit');
    const problems: string[] = [];
    const field = page.getByLabel('Address');
    for (const width of [1024, 1280, 1440, 390]) {
      await page.setViewportSize({ width, height: 800 });
      for (const p of await layoutProblems(page)) problems.push(`${width} px: ${p}`);
      // Several lines of the address in view, the rest a scroll (or a drag of the corner) down: a
      // one-line input showed its first 40 characters.
      const seen = await field.evaluate((el) => ({
        tag: el.tagName,
        resize: getComputedStyle(el).resize,
        lines: Math.round(el.clientHeight / parseFloat(getComputedStyle(el).lineHeight)),
        width: el.getBoundingClientRect().width,
      }));
      if (seen.tag !== 'TEXTAREA' || seen.resize !== 'vertical' || seen.lines < 3)
        problems.push(`${width} px: the address is a ${seen.tag} (resize ${seen.resize}, ${seen.lines} lines)`);
      // Beside the menu the address takes the form's whole row.
      if (width > 860 && seen.width < 600) problems.push(`${width} px: the address is ${Math.round(seen.width)} px wide`);
    }
    assert.deepEqual(problems, []);
    assert.equal(await field.inputValue(), address);
    // The field keeps its name and its check; a corrected address (a line of its own too) is saved.
    assert.deepEqual(await field.evaluate((el) => [el.getAttribute('name'), (el as HTMLTextAreaElement).required]), ['address', true]);
    await field.fill(`${address.slice(0, 990)}\nDoor 4`);
    await Promise.all([page.waitForURL(/\/show$/), page.getByRole('button', { name: 'Save changes' }).click()]);
    // The order's page shows it on its two lines (it ran them together: outside check).
    const shown = await page.locator('.card-customer dd').filter({ hasText: 'Door 4' }).innerText();
    assert.match(shown, /\nDoor 4$/);
    await page.context().close();
    const saved = await fetch(`${env.base}/api/web/1.0/orders/${reference}`, { headers: { authorization: `Bearer ${demo.token}` } });
    assert.equal(((await saved.json()) as { data: { address: string } }).data.address, `${address.slice(0, 990)}\r\nDoor 4`);
  });

  /** An order of the demo's account by its API; answers its reference. */
  async function createOrder(order: Record<string, unknown>): Promise<string> {
    const res = await fetch(`${env.base}/api/web/1.0/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${demo.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ orders: [order] }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    const reference = ((await res.json()) as { data: { references: string[] } }).data.references[0];
    made.push(reference);
    return reference;
  }

  /** A new admin's page on the order's `show` or `edit` page (the dashboard's pages are by id). */
  async function orderPage(reference: string, view: 'show' | 'edit') {
    const who = demo.logins.find((l) => l.role === 'admin')!;
    const page = await newPage(env);
    await login(page, who.email, who.password);
    const id = await page.evaluate(
      async (ref) => (await (await fetch(`/orders?search=${ref}`, { headers: { accept: 'application/json' } })).json()).data[0].id,
      reference,
    );
    await page.goto(`/orders/${id}/${view}`);
    return page;
  }

  async function deleteOrder(reference: string) {
    await fetch(`${env.base}/api/web/1.0/orders/${reference}`, { method: 'DELETE', headers: { authorization: `Bearer ${demo.token}` } });
  }

  test("an order's ten product lines show their price and total beside the status form from 861 px up", async () => {
    const products = ['KOHL-CLASSIC', 'RHASSOUL-200', 'SAVON-BELDI', 'AMLOU-250'].flatMap((sku) => [sku, sku, sku]).slice(0, 10);
    const reference = await createOrder({
      full_name: 'Ten Lines',
      phone: '0612345679',
      city: 'Rabat',
      address: 'x',
      is_fees_paid_by_customer: true,
      total: 4990,
      products: products.map((sku, i) => ({ sku, quantity: 1 + (i % 3), price: 190 + i })),
    });
    const page = await orderPage(reference, 'show');
    const problems: string[] = [];
    for (const width of [861, 1024, 1280, 1440, 1600]) {
      await page.setViewportSize({ width, height: 800 });
      for (const p of await layoutProblems(page)) problems.push(`${width} px: ${p}`);
      const last = await page.locator('.card-products tbody tr').last().innerText();
      // The last line's price and total (1 × 199), in a table or as a card.
      if (!/199\.00 MAD[\s\S]*199\.00 MAD/.test(last))
        problems.push(`${width} px: the last line does not show its price and total (${last})`);
    }
    await page.context().close();
    assert.deepEqual(problems, []);
  });

  for (const role of ROLES) {
    test(role, async () => {
      const who = demo.logins.find((l) => l.role === role);
      assert.ok(who, `the demo has a ${role}`);
      const problems: string[] = [];
      for (const viewport of embedded ? VIEWPORTS : VIEWPORTS.slice(0, 1)) {
        const desktop = viewport.name === 'desktop';
        const page = await newPage(env, viewport);
        await login(page, who.email, who.password);
        const visited = await visitEveryPage(
          page,
          async (path) => {
            const label = `${role} ${viewport.name} ${path}`;
            const res = await page.goto(path);
            assert.ok(res && res.status() < 500, `${label} answers ${res?.status()}`);
            assertCsp(res, label);
            assert.deepEqual(page.consoleErrors, [], `console errors on ${label}`);
            if (!embedded) return;
            for (const p of await layoutProblems(page)) problems.push(`${label}: ${p}`);
            if (path === '/' || (desktop && !axeChecked.has(pageOf(path)))) await checkAccessibility(page, label);
            if (desktop) axeChecked.add(pageOf(path));
          },
          ['/', '/settings/profile', '/settings/password', '/lead-histories', '/orders-histories'],
        );
        if (desktop) {
          await page.goto('/docs');
          await page.waitForLoadState('networkidle');
        }
        assert.deepEqual(page.consoleErrors, [], `console errors for ${role} (${viewport.name}, ${visited} pages)`);
        await page.context().close();
      }
      assert.deepEqual(problems, []);
    });
  }
});
