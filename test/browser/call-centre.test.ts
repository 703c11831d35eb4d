import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { SYSTEM } from '../../src/core/actor.js';
import { clockIn } from '../../src/modules/call-centre/agent.js';
import { agentOf, leads, shop, type Shop } from '../../src/modules/call-centre/test-fixtures.js';
import { createOrder } from '../../src/modules/orders/service.js';
import { createProduct } from '../../src/modules/products/service.js';
import { PASSWORD, person } from '../../src/test-support/people.js';
import { layoutProblems } from './layout-check.js';
import { checkPage, login, newPage, screenshots, skipBrowser, startBrowserEnv, type BrowserEnv } from './support.js';

describe('the call centre in a real browser', { skip: skipBrowser }, () => {
  let env: BrowserEnv;
  let s: Shop;
  before(async () => {
    env = await startBrowserEnv();
    s = await shop(env.t.db);
  });
  after(() => env.close());

  /** A new agent's page on the call screen of a new lead they hold. */
  async function onCallScreen() {
    const [id] = await leads(env.t.db, s, [{ sku: 'A' }]);
    const agent = await agentOf(env.t.db, [s.products.A], { hours: [{ startTime: '00:00', endTime: '23:59' }] });
    await env.t.db.query(`UPDATE leads SET claimed_by = $2, claimed_until = now() + interval '10 minutes' WHERE id = $1`, [id, agent.id]);
    const page = await newPage(env);
    await login(page, agent.email, PASSWORD);
    await page.goto(`/call-centre/leads/${id}`);
    return { page, id, agent };
  }

  test('an agent works the queue: due callback first, no reply, call later, then a confirmation with a corrected address and an upsell', async () => {
    const db = env.t.db;
    const [older, callback] = await leads(db, s, [
      { sku: 'A', age: 300 },
      { sku: 'B', age: 5, set: `status = 'call_later', callback_at = now() - interval '2 minutes'` },
    ]);
    const hours = [{ startTime: '00:00', endTime: '23:59' }];
    const agent = await agentOf(db, [s.products.A, s.products.B], { hours });
    const second = await agentOf(db, [s.products.A, s.products.B], { hours });
    const page = await newPage(env);
    await login(page, agent.email, PASSWORD);
    assert.equal(new URL(page.url()).pathname, '/call-centre', 'logged in, on the call queue (an agent’s home)');
    await checkPage(page, 'call queue');
    assert.match((await page.locator('main').textContent()) ?? '', /Due callbacks\s*1/);

    // The due callback comes before the older new lead.
    await Promise.all([page.waitForURL(/\/call-centre\/leads\//), page.getByRole('button', { name: 'Next lead' }).click()]);
    assert.equal(new URL(page.url()).pathname, `/call-centre/leads/${callback}`);
    await checkPage(page, 'call screen');
    assert.equal((await page.locator(`a[href^="tel:"]`).count()) > 0, true);
    assert.equal(await page.locator(`a[href^="https://wa.me/212"]`).count(), 1);

    // A second agent never gets the lead the first holds.
    const other = await newPage(env);
    await login(other, second.email, PASSWORD);
    await other.goto('/call-centre');
    await Promise.all([other.waitForURL(/\/call-centre\/leads\//), other.getByRole('button', { name: 'Next lead' }).click()]);
    assert.equal(new URL(other.url()).pathname, `/call-centre/leads/${older}`);
    await Promise.all([other.waitForURL(/\/call-centre$/), other.getByRole('button', { name: 'Release without a call' }).click()]);

    // Key 1: no reply.
    await page.keyboard.press('1');
    await Promise.all([page.waitForURL(/\/call-centre$/), page.getByRole('button', { name: 'Save outcome' }).click()]);
    assert.match((await page.locator('.flash-success').textContent()) ?? '', /No reply/);

    // Next: the new lead (new before no reply); key 2: call later, in an hour.
    await Promise.all([page.waitForURL(/\/call-centre\/leads\//), page.getByRole('button', { name: 'Next lead' }).click()]);
    assert.equal(new URL(page.url()).pathname, `/call-centre/leads/${older}`);
    await page.keyboard.press('2');
    // Typed on the platform's clock (TIMEZONE), as the field's hint says.
    const inAnHour = DateTime.now().setZone(env.t.config.timezone).plus({ hours: 1 }).toFormat("yyyy-MM-dd'T'HH:mm");
    await page.getByLabel('Call back at').fill(inAnHour);
    await Promise.all([page.waitForURL(/\/call-centre$/), page.getByRole('button', { name: 'Save outcome' }).click()]);
    assert.match((await page.locator('.flash-success').textContent()) ?? '', /Call later/);
    const { rows } = await env.t.db.query<{ minutes: number }>(
      `SELECT round(extract(epoch FROM callback_at - now()) / 60)::int AS minutes FROM leads WHERE id = $1`,
      [older],
    );
    assert.ok(rows[0].minutes >= 58 && rows[0].minutes <= 60, `the callback is in an hour (${rows[0].minutes} minutes)`);

    // Next: the no-reply lead again; key 3: confirmed, with a corrected address and an upsell line.
    await Promise.all([page.waitForURL(/\/call-centre\/leads\//), page.getByRole('button', { name: 'Next lead' }).click()]);
    assert.equal(new URL(page.url()).pathname, `/call-centre/leads/${callback}`);
    await page.setViewportSize({ width: 390, height: 844 });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `the call screen fits 390 px (${width})`);
    await page.keyboard.press('3');
    await page.getByLabel('Address', { exact: true }).fill('22 Boulevard Zerktouni');
    await page.locator('select[name="products[1][sku]"]').selectOption('A');
    await page.locator('input[name="products[1][quantity]"]').fill('1');
    await page.locator('input[name="products[1][price]"]').fill('90');
    await page.locator('input[name="products[0][price]"]').fill('1249.99');
    // The lines in the narrow column of a desktop screen: nothing cut or overlapping (call-centre audit:
    // the SKU cut its name, Quantity ran into Price, a four-digit price was cut), nor on a phone.
    for (const viewport of [
      { width: 390, height: 844 },
      { width: 1280, height: 800 },
    ]) {
      await page.setViewportSize(viewport);
      assert.deepEqual(await layoutProblems(page), [], `call screen, confirming, ${viewport.width} px`);
    }
    // On a phone the outcome comes right after the products, not below the history and the customer's record.
    await page.setViewportSize({ width: 390, height: 844 });
    const top = async (css: string) => (await page.locator(css).first().boundingBox())!.y;
    const [products, outcome, history] = [await top('.card-products'), await top('.card-outcome'), await top('.card-history')];
    assert.ok(products < outcome && outcome < history, `phone order: products ${products}, outcome ${outcome}, history ${history}`);
    await page.setViewportSize({ width: 1280, height: 800 });
    await checkPage(page, 'call screen, confirming');
    await screenshots(page, 'call-screen');
    await Promise.all([page.waitForURL(/\/call-centre$/), page.getByRole('button', { name: 'Save outcome' }).click()]);
    assert.match((await page.locator('.flash-success').textContent()) ?? '', /Confirmed\. Order ORD-\d+ was created\./);
    const order = await db.query<{ address: string; lines: string[] }>(
      `SELECT o.address, array(SELECT ol.sku || 'x' || ol.quantity FROM order_lines ol WHERE ol.order_id = o.id ORDER BY ol.position) AS lines
         FROM orders o WHERE o.lead_id = $1`,
      [callback],
    );
    assert.deepEqual(order.rows[0], { address: '22 Boulevard Zerktouni', lines: ['Bx1', 'Ax1'] });
  });

  test('the single-key shortcuts can be turned off, and stay off in this browser (WCAG 2.1.4); they never fire while typing', async () => {
    const mine = await shop(env.t.db);
    await leads(env.t.db, mine, [{ sku: 'A' }]);
    const agent = await agentOf(env.t.db, [mine.products.A], { hours: [{ startTime: '00:00', endTime: '23:59' }] });
    const page = await newPage(env);
    await login(page, agent.email, PASSWORD);
    await Promise.all([page.waitForURL(/\/call-centre\/leads\//), page.getByRole('button', { name: 'Next lead' }).click()]);
    const chosen = () => page.locator('input[name="status"]:checked').count();
    const toggle = page.getByLabel('Keyboard shortcuts');
    assert.equal(await toggle.isChecked(), true, 'on by default');

    // Typed in a field, a digit is text, not an outcome.
    await page.getByLabel('Comment').pressSequentially('1 2 3');
    assert.equal(await page.getByLabel('Comment').inputValue(), '1 2 3');
    assert.equal(await chosen(), 0, 'no outcome picked while typing');

    await toggle.uncheck();
    await page.evaluate(() => (document.activeElement as HTMLElement).blur()); // keys to the page, not the checkbox
    await page.keyboard.press('1');
    assert.equal(await chosen(), 0, 'turned off: 1 picks nothing');
    assert.equal(await page.locator('.outcomes kbd').first().isVisible(), false, 'the key hints go with them');
    await checkPage(page, 'call screen, shortcuts off');
    await screenshots(page, 'call-screen-shortcuts-off');

    await page.reload();
    assert.equal(await toggle.isChecked(), false, 'remembered after a reload');
    await page.keyboard.press('1');
    assert.equal(await chosen(), 0);

    await toggle.check();
    await page.evaluate(() => (document.activeElement as HTMLElement).blur()); // keys to the page, not the checkbox
    await page.keyboard.press('1');
    assert.equal(await page.getByLabel('No reply').isChecked(), true, 'on again: 1 picks No reply');
    await page.context().close();
  });

  test('a manager gives two ticked leads to an agent from the leads list; that agent gets them first', async () => {
    const db = env.t.db;
    const [first, second, third] = await leads(db, s, [
      { sku: 'B', age: 90 },
      { sku: 'B', age: 60 },
      { sku: 'B', age: 30 },
    ]);
    const agent = await agentOf(db, [s.products.B]);
    const boss = await person(db, 'manager');
    await db.query('UPDATE users SET manager_id = $2, full_name = $3 WHERE id = $1', [agent.id, boss.id, 'Yasmine Agent']);
    const page = await newPage(env);
    await login(page, boss.email, PASSWORD);
    await page.goto(`/leads?status=new&account_id=${s.accountId}`);
    await checkPage(page, 'leads list with the assign form');
    const ref = async (id: string) =>
      (await db.query<{ reference: string }>('SELECT reference FROM leads WHERE id = $1', [id])).rows[0].reference;
    await page.getByLabel(`Select ${await ref(second)}`).check();
    await page.getByLabel(`Select ${await ref(third)}`).check();
    await page.getByLabel('Assign to').selectOption({ label: 'Yasmine Agent' });
    await screenshots(page, 'leads-assign');
    await page.getByRole('button', { name: 'Assign selected' }).click();
    assert.equal((await page.locator('.flash-success').textContent())?.trim(), '2 leads assigned.');
    const { rows } = await db.query<{ id: string }>('SELECT id FROM leads WHERE assigned_to = $1 ORDER BY id', [agent.id]);
    assert.deepEqual(rows.map((r) => r.id).sort(), [second, third].sort());
    // Nothing ticked: the page says so and sends nothing.
    await page.getByRole('button', { name: 'Assign selected' }).click();
    assert.match((await page.locator('[data-empty-note]').textContent()) ?? '', /Select at least one lead first\./);
    assert.equal(await page.getByRole('status').count(), 1, "the page's one status is still its flash");

    // An admin's one form also deletes; only that button asks first.
    const admin = await person(db, 'admin');
    const adminPage = await newPage(env);
    await login(adminPage, admin.email, PASSWORD);
    await adminPage.goto(`/leads?status=new&account_id=${s.accountId}`);
    await adminPage.getByLabel(`Select ${await ref(first)}`).check();
    const asked: string[] = [];
    adminPage.on('dialog', (d) => {
      asked.push(d.message());
      void d.accept();
    });
    await adminPage.getByRole('button', { name: 'Delete selected' }).click();
    assert.equal((await adminPage.locator('.flash-success').textContent())?.trim(), '1 lead deleted.');
    assert.deepEqual(asked, ['Delete the selected leads? Confirmed leads cannot be deleted.']);
    assert.equal((await db.query('SELECT 1 FROM leads WHERE id = $1 AND deleted_at IS NULL', [first])).rowCount, 0);
  });

  test('the agents board says until when an agent holds a lead, as text (it was a tooltip), at desktop and phone widths', async () => {
    const db = env.t.db;
    const [held] = await leads(db, s, [{ sku: 'A' }]);
    const agent = await agentOf(db, [s.products.A]);
    await db.query(`UPDATE users SET full_name = 'Karim Holding' WHERE id = $1`, [agent.id]);
    await db.query(`UPDATE leads SET claimed_by = $2, claimed_until = now() + interval '5 minutes' WHERE id = $1`, [held, agent.id]);
    const admin = await person(db, 'admin');
    const page = await newPage(env);
    await login(page, admin.email, PASSWORD);
    await page.goto('/call-centre/agents');
    const line = page.locator('tr').filter({ hasText: 'Karim Holding' });
    for (const viewport of [
      { width: 1280, height: 800 },
      { width: 390, height: 844 },
    ]) {
      await page.setViewportSize(viewport);
      const until = line.getByText(/^until /);
      assert.equal(await until.isVisible(), true, `until when, at ${viewport.width} px`);
      assert.match((await until.textContent()) ?? '', /^until (\d{1,2} \w{3} \d{4}, )?\d{2}:\d{2} UTC/);
      assert.equal(await line.locator('[title]').count(), 0, 'no tooltip');
      assert.deepEqual(await layoutProblems(page), [], `${viewport.width} px`);
    }
    await checkPage(page, 'agents board with a claim');
    await page.context().close();
  });

  test("the statistics chart's days are the platform's days whatever the browser's zone", async () => {
    const admin = await person(env.t.db, 'admin');
    // UTC+14: a day drawn on the browser's calendar moved to the next one.
    const page = await newPage(env, { width: 1280, height: 800 }, 'Pacific/Kiritimati');
    await login(page, admin.email, PASSWORD);
    await page.goto('/statistics/agents?from=2026-01-10&to=2026-01-12');
    const over = page.locator('#agents-chart .u-over');
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + 2, box.y + box.height / 2); // the cursor takes the nearest point: the first day
    assert.match((await page.locator('#agents-chart .u-legend').textContent()) ?? '', /^Day\s*2026-01-10Calls/);
    await checkPage(page, 'agent statistics in another zone');
    // Drawn at 1280 px, the chart follows the window down to a phone's width (it kept 1,100 px: a page of 952).
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(800);
    assert.deepEqual(await layoutProblems(page), [], 'the page at 390 px after drawing at 1280');
    assert.ok((await page.locator('#agents-chart .u-over').boundingBox())!.width < 390, 'the chart narrowed');
  });

  test("the statistics chart's axis shows the range's days or weeks and its legend names the unit, at 1280 and 390 px", async () => {
    const admin = await person(env.t.db, 'admin');
    const page = await newPage(env, { width: 1280, height: 800 });
    // The chart's uPlot, caught as the page makes it: its x-axis ticks and labels are drawn on a canvas.
    // (A string: tsx's compiled functions call helpers the page does not have.)
    await page.addInitScript({
      content: `window.charts = []; let lib;
        Object.defineProperty(window, 'uPlot', { configurable: true, get: () => lib, set(v) {
          lib = Object.assign(function (...a) { const u = new v(...a); window.charts.push(u); return u; }, v);
        } });`,
    });
    await login(page, admin.email, PASSWORD);
    const axis = () =>
      page.evaluate(() => {
        const u = (window as unknown as { charts: { axes: { _splits: number[]; _values: string[] }[] }[] }).charts[0];
        return { splits: u.axes[0]._splits, values: u.axes[0]._values, calls: u.axes[1]._splits };
      });
    // The y-axis counts whole calls from zero (a quiet range read 0.2, 0.4…).
    const wholeCalls = (calls: number[], where: string) =>
      assert.ok(calls[0] === 0 && calls.length >= 2 && calls.every(Number.isInteger), `${calls} ${where}`);
    const legend = async () => {
      const box = (await page.locator('#agents-chart .u-over').boundingBox())!;
      await page.mouse.move(box.x + 2, box.y + box.height / 2); // the cursor on the first point fills the legend
      return page.locator('#agents-chart .u-legend').textContent();
    };
    const at = (day: string) => Date.parse(`${day}T00:00:00Z`) / 1000;
    // A quiet range, one call in three days: its axis read 0, 0.2, 0.4… calls.
    const [quiet] = await leads(env.t.db, s, [{ sku: 'A' }]);
    const caller = await agentOf(env.t.db, [s.products.A]);
    await env.t.db.query(
      "INSERT INTO lead_calls (account_id, lead_id, agent_id, outcome, created_at) VALUES ($1, $2, $3, 'no_reply', '2025-03-05T10:00Z')",
      [s.accountId, quiet, caller.id],
    );
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 800 });
      await page.goto('/statistics/agents?from=2025-03-04&to=2025-03-06');
      wholeCalls((await axis()).calls, `a quiet range at ${width}`);
    }
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 800 });
      await page.goto('/statistics/agents?from=2026-01-10&to=2026-01-12');
      // It showed 12am/12pm ticks, and one before the 10th; a narrow chart labels every other day.
      const days = await axis();
      const all = ['2026-01-10', '2026-01-11', '2026-01-12'].map(at);
      wholeCalls(days.calls, `by day at ${width}`);
      if (width === 1280)
        assert.deepEqual({ ...days, calls: [] }, { splits: all, values: ['Jan 10\n2026', 'Jan 11', 'Jan 12'], calls: [] });
      assert.ok(days.splits.length >= 2 && days.splits.every((x) => all.includes(x)), `${days.splits} at ${width}`);
      assert.equal(days.values[0], 'Jan 10\n2026');
      assert.match((await legend()) ?? '', /^Day\s*2026-01-10Calls/);
      if (width === 1280) await screenshots(page, 'agent statistics by day');
      // Over 92 days a point per week: the legend said `Day:`.
      await page.goto('/statistics/agents?from=2026-10-01&to=2027-01-31');
      const weeks = await axis();
      wholeCalls(weeks.calls, `by week at ${width}`);
      assert.ok(weeks.splits.length >= 2 && weeks.splits.length <= 18, `${weeks.splits.length} ticks at ${width}`);
      assert.equal(weeks.splits[0], at('2026-09-28'), 'the first week, from its Monday');
      assert.ok(
        weeks.splits.every((x) => (x - at('2026-09-28')) % (7 * 86400) === 0),
        'every tick a week',
      );
      assert.equal(weeks.values[0], 'Sep 28\n2026');
      assert.match((await legend()) ?? '', /^Week from\s*2026-09-28Calls/);
      assert.deepEqual(await layoutProblems(page), [], `${width} px`);
      if (width === 1280) await screenshots(page, 'agent statistics by week');
    }
    await page.context().close();
  });

  test("a customer's phone of 60 digits, or a dialable one of 93 characters, wraps on the call screen and in the leads list at 390 and 1280 px", async () => {
    // The API takes 100 characters in `phone`: digits no phone dials (shown as text), or a number with
    // a tail of dashes that still dials (its Call button).
    const [digits, dashes] = await leads(env.t.db, s, [
      { sku: 'A', phone: '6'.repeat(60) },
      { sku: 'A', phone: `+212612345678${'-'.repeat(80)}` },
    ]);
    const admin = await person(env.t.db, 'admin');
    const page = await newPage(env);
    await login(page, admin.email, PASSWORD);
    const problems: string[] = [];
    for (const viewport of [
      { width: 390, height: 844 },
      { width: 1280, height: 800 },
    ]) {
      await page.setViewportSize(viewport);
      for (const id of [digits, dashes]) {
        await page.goto(`/call-centre/leads/${id}`);
        for (const p of await layoutProblems(page)) problems.push(`${id === digits ? 'digits' : 'dashes'} at ${viewport.width} px: ${p}`);
        const links = page.locator('.call-links');
        const box = (await links.boundingBox())!;
        if (box.x + box.width > viewport.width) problems.push(`call links end at ${Math.round(box.x + box.width)} px`);
      }
      assert.equal(await page.locator('a[href="tel:+212612345678"]').count(), 1, 'the long number still dials');
      // In the leads list the numbers break inside the customer's column.
      await page.goto(`/leads?account_id=${s.accountId}`);
      for (const p of await layoutProblems(page))
        if (!/^word broken: .* "(6{60}|\+212612345678-{80})"$/.test(p)) problems.push(`leads list at ${viewport.width} px: ${p}`);
    }
    assert.deepEqual(problems, []);
    await checkPage(page, 'call screen with a long phone');
    await page.context().close();
  });

  test("a 40-character SKU's product select shows the SKU and its product's name at 1024 px on the call screen's correction and on the lead and order forms (edit and create), the page no wider than the screen", async () => {
    const db = env.t.db;
    const wide = await shop(db);
    const sku = 'ARGAN-OIL-PURE-COLD-PRESSED-100ML-BOTTLE';
    await createProduct(db, { accountId: wide.accountId, sku, name: 'Huile d’argan 100 ml', price: 199 });
    const [id] = await leads(db, wide, [{ sku: 'A' }]);
    const reference = await db.tx((q) =>
      createOrder(q, SYSTEM, wide.accountId, {
        full_name: 'Customer Test',
        phone: '0612345678',
        city: 'Casablanca',
        address: '1 Rue de Fes',
        is_fees_paid_by_customer: true,
        total: 100,
        products: [{ sku: 'A', quantity: 1, price: 100 }],
      }),
    );
    const { rows } = await db.query<{ id: string }>('SELECT id FROM orders WHERE account_id = $1 AND reference = $2', [
      wide.accountId,
      reference,
    ]);
    const admin = await person(db, 'admin');
    const page = await newPage(env, { width: 1024, height: 800 });
    await login(page, admin.email, PASSWORD);
    const problems: string[] = [];
    /** The first line's select with the long SKU chosen, from 1024 px to a phone's width. */
    async function check(label: string, nameShownFrom: number) {
      const select = page.locator('select[name="products[0][sku]"]');
      await select.selectOption(sku);
      for (const width of [1024, 1280, 1440, 390]) {
        await page.setViewportSize({ width, height: 800 });
        for (const p of await layoutProblems(page))
          // Narrower than 1024 px (a phone) the name may be cut; the page never scrolls sideways.
          if (width === 1024 || width >= nameShownFrom || !p.startsWith('choice cut')) problems.push(`${label}, ${width} px: ${p}`);
        // The SKU itself is readable at every width but a phone's.
        const [need, room] = await select.evaluate((el, text) => {
          const s = getComputedStyle(el);
          const ctx = document.createElement('canvas').getContext('2d')!;
          ctx.font = `${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
          return [ctx.measureText(text).width, el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight)];
        }, `${sku} —`);
        if (width > 860 && need > room)
          problems.push(`${label}, ${width} px: the SKU needs ${Math.round(need)} px, the select has ${Math.round(room)}`);
      }
      await page.setViewportSize({ width: 1024, height: 800 });
    }
    await page.goto(`/call-centre/leads/${id}`);
    await page.getByText('Corrections on confirmation').click();
    // The call screen's name shows at 1024 px (stacked) and again from 1440 px (decisions.md).
    await check('call screen', 1440);
    await checkPage(page, 'call screen with a long SKU');
    // The lead and order forms: their select had 350 px at 1024 px and 397 px from 1280 px.
    for (const [label, path] of [
      ['lead edit', `/leads/${id}/edit`],
      ['order edit', `/orders/${rows[0].id}/edit`],
      ['lead create', `/leads/create?account_id=${wide.accountId}`],
      ['order create', `/orders/create?account_id=${wide.accountId}`],
    ]) {
      await page.goto(path);
      await check(label, 861);
    }
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  test("the statistics' From and To line up with their Show button, as every filter form's fields and buttons do, at 1280 and 390 px", async () => {
    const admin = await person(env.t.db, 'admin');
    const page = await newPage(env);
    await login(page, admin.email, PASSWORD);
    const problems: string[] = [];
    for (const viewport of [
      { width: 1280, height: 800 },
      { width: 390, height: 844 },
    ]) {
      await page.setViewportSize(viewport);
      // Date fields beside a button; text, select and date fields side by side; a search beside selects.
      for (const path of ['/statistics/agents', '/lead-histories', '/products']) {
        await page.goto(path);
        for (const p of (await page.evaluate(`(${MISALIGNED})(document.querySelector('main form.filters'))`)) as string[])
          problems.push(`${path} at ${viewport.width} px: ${p}`);
      }
    }
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  test('an agent outside their working hours sees the message', async () => {
    const t = (m: number) => clockIn(env.t.config.timezone, new Date(Date.now() + m * 60_000));
    const hours = [{ startTime: t(-3), endTime: t(-1) }];
    if (hours[0].startTime >= hours[0].endTime) return; // around midnight the window would wrap
    await leads(env.t.db, s, [{ sku: 'C' }]);
    const away = await agentOf(env.t.db, [s.products.C], { hours });
    const page = await newPage(env);
    await login(page, away.email, PASSWORD);
    await page.goto('/call-centre');
    assert.match((await page.locator('main').textContent()) ?? '', /You are outside your working hours\./);
    await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/call-centre') && r.request().method() === 'GET'),
      page.getByRole('button', { name: 'Next lead' }).click(),
    ]);
    assert.equal(new URL(page.url()).pathname, '/call-centre');
    await checkPage(page, 'queue outside hours');
  });
  test("the call screen, stacked (phones, and up to 1,279 px), shows the customer's record before the products and the outcome", async () => {
    const { page } = await onCallScreen();
    const top = async (name: string) => (await page.locator(`.${name}`).first().boundingBox())!.y;
    for (const width of [390, 1024, 1279]) {
      await page.setViewportSize({ width, height: 900 });
      const at = [await top('card-customer'), await top('card-customer-record'), await top('card-products'), await top('card-outcome')];
      // It came last, after the history: the risk read after the outcome was chosen (outside check).
      assert.deepEqual(
        [...at].sort((a, b) => a - b),
        at,
        `${width} px: customer, record, products, outcome at ${at.join(', ')}`,
      );
    }
    await page.context().close();
  });

  test('the agent statistics of a year fit beside the menu from 861 px (cards up to ~960 px), every heading whole, and at 1280, 1440 and 390 px', async () => {
    const admin = await person(env.t.db, 'admin');
    const [lead] = await leads(env.t.db, s, [{ sku: 'A' }]);
    const caller = await agentOf(env.t.db, [s.products.A]);
    // A name of two long words: the Agent column is as wide as the longer.
    await env.t.db.query(`UPDATE users SET full_name = 'Mohammed Benjelloun' WHERE id = $1`, [caller.id]);
    await env.t.db.query(`UPDATE leads SET created_at = '2026-06-01T08:30Z' WHERE id = $1`, [lead]);
    await env.t.db.query(
      "INSERT INTO lead_calls (account_id, lead_id, agent_id, outcome, created_at) VALUES ($1, $2, $3, 'confirmed', '2026-06-01T10:00Z')",
      [s.accountId, lead, caller.id],
    );
    const page = await newPage(env, { width: 1024, height: 800 });
    await login(page, admin.email, PASSWORD);
    await page.goto('/statistics/agents?from=2025-12-01&to=2026-12-01');
    // Outside check: at 1024 px the table scrolled 40 px sideways in its frame (758 in 718) and its last
    // heading was cut to "MEDI…" at the frame's edge.
    // Between 861 and ~960 px its nine columns had 555–640 px and scrolled in the frame: rows are cards there.
    for (const width of [861, 900, 1024, 1280, 1440, 390]) {
      await page.setViewportSize({ width, height: 800 });
      await page.waitForTimeout(300); // the chart follows the window
      assert.deepEqual(await layoutProblems(page), [], `${width} px`);
      const past = (await page.evaluate(HEADINGS_PAST_FRAME)) as string[];
      assert.deepEqual(past, [], `${width} px: headings past the table's frame`);
      const frame = await page.locator('.agent-stats .table-wrap').evaluate((el) => [el.scrollWidth, el.clientWidth]);
      assert.ok(frame[0] <= frame[1], `${width} px: the table scrolls sideways in its frame (${frame[0]} in ${frame[1]})`);
    }
    await page.setViewportSize({ width: 1024, height: 800 });
    await screenshots(page, 'agent statistics of a year at 1024');
    await page.context().close();
  });

  test("the call screen's corrections keep the form's gap, and Save outcome and Release without a call are buttons alike, the save first, at 390, 1024 and 1280 px", async () => {
    const { page } = await onCallScreen();
    await page.locator('details.corrections > summary').click();
    // Outside check: the summary touched "Full name" and the address the Products box (0 px); "Release
    // without a call" was drawn the card's width under a compact "Save outcome", the main one's look.
    for (const width of [390, 1024, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      const m = (await page.evaluate(CALL_SCREEN_SPACING)) as {
        gap: number;
        summaryToLabel: number;
        addressToProducts: number;
        form: number;
        save: { left: number; top: number; bottom: number; right: number; width: number; height: number; kind: string };
        release: { left: number; top: number; bottom: number; right: number; width: number; height: number; kind: string };
      };
      const at = `${width} px: ${JSON.stringify(m)}`;
      assert.ok(m.gap >= 16, at);
      assert.ok(m.summaryToLabel >= m.gap - 0.5, `the summary apart from Full name, ${at}`);
      assert.ok(m.addressToProducts >= m.gap - 0.5, `the address apart from the products, ${at}`);
      assert.deepEqual([m.save.kind, m.release.kind], ['btn-primary', 'btn-secondary'], at);
      assert.equal(m.save.height, m.release.height, `one height, ${at}`);
      assert.ok(m.release.width < m.form * 0.8, `the release as compact as the save, not the form's width, ${at}`);
      const sameLine = m.release.top < m.save.bottom;
      assert.ok(
        sameLine ? m.release.left - m.save.right >= 8 : m.release.top - m.save.bottom >= 8 && m.release.left === m.save.left,
        `the save first, the release beside it or under it, apart, ${at}`,
      );
      assert.deepEqual(await layoutProblems(page), [], `${width} px`);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    await checkPage(page, 'call screen, corrections open');
    // The release button sits in the outcome form but sends its own form.
    await Promise.all([page.waitForURL(/\/call-centre$/), page.getByRole('button', { name: 'Release without a call' }).click()]);
    assert.match((await page.locator('.flash-success').textContent()) ?? '', /is back in the queue/);
    await page.context().close();
  });
});

/** The headings of the page's table that reach past its frame (cut there). A string: the page has none of tsx's helpers. */
const HEADINGS_PAST_FRAME = `(() => {
  const wrap = document.querySelector('main .table-wrap');
  const edge = wrap.getBoundingClientRect().right;
  return [...wrap.querySelectorAll('th')]
    .filter((th) => th.getBoundingClientRect().width > 0 && th.getBoundingClientRect().right > edge + 1)
    .map((th) => th.textContent.trim());
})()`;

/** The call screen's opened corrections and its two buttons, measured. */
const CALL_SCREEN_SPACING = `(() => {
  const form = document.querySelector('.outcome-form');
  const details = form.querySelector('details.corrections');
  const box = (el) => el.getBoundingClientRect();
  const button = (name) => {
    const b = [...document.querySelectorAll('.card-outcome button')].find((x) => x.textContent.trim() === name);
    const r = box(b);
    return { left: r.left, top: r.top, bottom: r.bottom, right: r.right, width: r.width, height: r.height, kind: [...b.classList].find((c) => c !== 'btn') };
  };
  return {
    gap: parseFloat(getComputedStyle(form).rowGap),
    summaryToLabel: box(details.querySelector('.field label')).top - box(details.querySelector('summary')).bottom,
    addressToProducts: box(details.querySelector('#f-lines')).top - box(details.querySelector('textarea[name="address"]')).bottom,
    form: form.clientWidth,
    save: button('Save outcome'),
    release: button('Release without a call'),
  };
})()`;

/**
 * In a filter form, the labels and the controls (fields and buttons) that share a line: each set at one
 * top and one height, so a label and its box line up with their neighbours'. A string: the page has
 * none of tsx's helpers.
 */
const MISALIGNED = `(form) => {
  const out = [];
  const lines = (els) => {
    const boxes = els.map((el) => ({ el, r: el.getBoundingClientRect() })).filter((b) => b.r.height > 0).sort((a, b) => a.r.top - b.r.top);
    const result = [];
    for (const b of boxes) {
      const line = result.find((l) => b.r.top < l[0].r.bottom && b.r.bottom > l[0].r.top);
      if (line) line.push(b); else result.push([b]);
    }
    return result;
  };
  const name = (b) => (b.el.textContent || b.el.name || b.el.type).trim().slice(0, 20) + ' ' + Math.round(b.r.top) + '+' + Math.round(b.r.height);
  const controls = [...form.querySelectorAll('input:not([type=hidden]), select, .btn')];
  const labels = [...form.querySelectorAll('label')];
  for (const [kind, els] of [['controls', controls], ['labels', labels]])
    for (const line of lines(els)) {
      const tops = new Set(line.map((b) => Math.round(b.r.top)));
      const heights = new Set(line.map((b) => Math.round(b.r.height)));
      if (tops.size > 1 || heights.size > 1) out.push(kind + ' not in line: ' + line.map(name).join(', '));
    }
  return out;
}`;
