import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import { seedDemo } from '../../src/cli/demo.js';
import { login, newPage, skipBrowser, startBrowserEnv, type BrowserEnv } from './support.js';

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

/**
 * Focuses an entry of the phone's drawer once it is shown: it slides in from `visibility: hidden`,
 * and a focus() in the frame that opened it stays on the menu button (seen on a loaded machine).
 */
async function focusInDrawer(entry: Locator) {
  await entry.waitFor({ state: 'visible' });
  await entry.focus();
  assert.equal(await entry.evaluate((e) => e === document.activeElement), true, 'the drawer entry has the focus');
}

/**
 * The focused element, and whether something matching `cover` (and not holding it) is what shows at
 * its middle: the sticky top bar, the user menu's panel, the drawer. Null when nothing has the focus.
 */
function focusedUnder(page: Page, cover: string) {
  return page.evaluate((cover) => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const r = el.getBoundingClientRect();
    const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    const name = `${el.tagName.toLowerCase()} "${(el.textContent || el.getAttribute('aria-label') || '').trim().slice(0, 30)}"`;
    return { name, hidden: !el.closest(cover) && !!top?.closest(cover) };
  }, cover);
}

/** WCAG's contrast ratio of two computed colours (`rgb(…)`); a see-through one counts as none (1:1). */
function contrast(c1: string, c2: string): number {
  const lum = (c: string) => {
    const [r, g, b, alpha = 1] = (c.match(/[\d.]+/g) ?? []).map(Number);
    if (alpha < 1) return NaN;
    const [R, G, B] = [r, g, b].map((v) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4));
    return 0.2126 * R + 0.7152 * G + 0.0722 * B;
  };
  const [a, b] = [lum(c1), lum(c2)];
  return Number.isNaN(a) || Number.isNaN(b) ? 1 : (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}

/**
 * The focused element's outline and the contrast of its colour against what surrounds it (the first
 * ancestor with a background of its own), as WCAG 1.4.11 measures a focus indicator.
 */
async function focusRing(page: Page) {
  const f = await page.evaluate(() => {
    const el = document.activeElement as HTMLElement;
    const style = getComputedStyle(el);
    let around = el.parentElement;
    while (around && /rgba\(0, 0, 0, 0\)|transparent/.test(getComputedStyle(around).backgroundColor)) around = around.parentElement;
    return {
      name: `${el.tagName.toLowerCase()} ${el.getAttribute('type') ?? ''} "${(el.textContent || el.getAttribute('aria-label') || '').trim().slice(0, 30)}"`,
      width: style.outlineStyle === 'none' ? 0 : parseFloat(style.outlineWidth),
      color: style.outlineColor,
      background: getComputedStyle(around ?? document.body).backgroundColor,
    };
  });
  return { name: f.name, width: f.width, contrast: contrast(f.color, f.background) };
}

/** Keyboard-only use of the dashboard (the accessibility audit). */
describe('the dashboard with the keyboard only', { skip: skipBrowser }, () => {
  let env: BrowserEnv;
  let demo: Awaited<ReturnType<typeof seedDemo>>;
  const who = (role: string) => demo.logins.find((l) => l.role === role)!;

  before(async () => {
    env = await startBrowserEnv();
    demo = await seedDemo(env.t.db);
  });
  after(() => env.close());

  /** A new browser page, logged in as the demo's admin, on the orders list (a long list, every kind of control). */
  async function adminOnOrders(viewport: typeof DESKTOP) {
    const page = await newPage(env, viewport);
    await login(page, who('admin').email, who('admin').password);
    await page.goto('/orders');
    return page;
  }

  /** The admin's orders list on a phone, its menu opened by the keyboard and `entry` of it focused. */
  async function phoneMenuFocusedOn(entry: (page: Page) => Locator) {
    const page = await adminOnOrders(PHONE);
    const button = page.getByRole('button', { name: 'Menu' });
    await button.focus();
    await page.keyboard.press('Enter');
    await focusInDrawer(entry(page));
    return { page, button };
  }

  test('what Tab and Shift+Tab focus in a long list is never hidden under the sticky top bar', async () => {
    for (const viewport of [DESKTOP, PHONE]) {
      const page = await adminOnOrders(viewport);
      const hidden: string[] = [];
      for (const key of ['Tab', 'Shift+Tab']) {
        for (let i = 0; i < 60; i++) {
          await page.keyboard.press(key);
          const f = await focusedUnder(page, '.topbar');
          if (f?.hidden) hidden.push(`${viewport.width}px ${key}: ${f.name}`);
        }
      }
      assert.deepEqual(hidden, []);
      await page.context().close();
    }
  });

  test('the focus ring of links and buttons stands out 3:1 from what surrounds it', async () => {
    const page = await adminOnOrders(DESKTOP);
    const faint: string[] = [];
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const ring = await focusRing(page);
      if (/^(a|button|summary) /.test(ring.name) && !(ring.width >= 2 && ring.contrast >= 3))
        faint.push(`${ring.name}: ${ring.width}px, ${ring.contrast.toFixed(2)}:1`);
    }
    assert.deepEqual(faint, []);
    await page.context().close();
  });

  test('a focused checkbox or radio shows the focus ring (a row of a list, an outcome of a call)', async () => {
    const page = await adminOnOrders(DESKTOP);
    await page.locator('main input[name="ids[]"]').first().focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab'); // focused by the keyboard, as :focus-visible wants
    const row = await focusRing(page);
    assert.match(row.name, /^input checkbox/);
    assert.ok(row.width >= 2 && row.contrast >= 3, `${row.name}: ${row.width}px, ${row.contrast.toFixed(2)}:1`);
    await page.context().clearCookies(); // the login page's Remember me
    await page.goto('/login');
    await page.getByLabel('Password').focus();
    await page.keyboard.press('Tab');
    const remember = await focusRing(page);
    assert.match(remember.name, /^input checkbox/);
    assert.ok(remember.width >= 2 && remember.contrast >= 3, `${remember.name}: ${remember.width}px, ${remember.contrast.toFixed(2)}:1`);
    await page.context().close();
  });

  test("the phone's menu button opens the menu with Space as well as Enter", async () => {
    const page = await adminOnOrders(PHONE);
    const button = page.getByRole('button', { name: 'Menu' });
    await page.keyboard.press('Tab'); // Skip to content
    await page.keyboard.press('Tab');
    assert.equal(await button.evaluate((b) => b === document.activeElement), true);
    await page.keyboard.press(' ');
    assert.equal(await button.getAttribute('aria-expanded'), 'true');
    await assert.doesNotReject(page.getByRole('link', { name: 'Leads', exact: true }).waitFor({ state: 'visible' }));
    assert.equal(await page.evaluate(() => window.scrollY), 0, 'Space did not scroll the page');
    await page.keyboard.press(' ');
    assert.equal(await button.getAttribute('aria-expanded'), 'false');
    await page.context().close();
  });

  test("Escape closes the phone's menu and gives the focus back to its button, not to the page", async () => {
    const { page, button } = await phoneMenuFocusedOn((p) => p.getByRole('link', { name: 'Leads', exact: true }));
    await page.keyboard.press('Escape');
    assert.equal(await button.getAttribute('aria-expanded'), 'false');
    assert.equal(await button.evaluate((b) => b === document.activeElement), true, 'the focus is on the menu button');
    await page.context().close();
  });

  test('the user menu closes with Escape (the focus back on its button) and when the focus leaves it', async () => {
    const page = await adminOnOrders(PHONE);
    const menu = page.locator('.user-menu details');
    const summary = menu.locator('summary');
    await summary.focus();
    await page.keyboard.press('Enter');
    assert.equal(await menu.evaluate((d) => (d as HTMLDetailsElement).open), true);
    await page.keyboard.press('Tab'); // Profile
    await page.keyboard.press('Escape');
    assert.equal(await menu.evaluate((d) => (d as HTMLDetailsElement).open), false, 'Escape closes it');
    assert.equal(await summary.evaluate((s) => s === document.activeElement), true, 'the focus is back on its button');

    await page.keyboard.press('Enter');
    for (let i = 0; i < 4; i++) await page.keyboard.press('Tab'); // Profile, Password, Log out, then the page
    assert.equal(await menu.evaluate((d) => (d as HTMLDetailsElement).open), false, 'leaving it closes it');
    assert.equal((await focusedUnder(page, '.menu-panel'))?.hidden, false, 'nothing hides the focused control');
    await page.context().close();
  });

  test("Tab past the phone menu's last entry closes the menu instead of moving under it", async () => {
    const { page, button } = await phoneMenuFocusedOn((p) => p.locator('nav.sidebar a').last());
    await page.keyboard.press('Tab');
    assert.equal(await button.getAttribute('aria-expanded'), 'false');
    await page.waitForTimeout(400); // the drawer's slide-out transition
    assert.equal(
      (await focusedUnder(page, '.sidebar, .backdrop'))?.hidden,
      false,
      'the focused control is not under the drawer or its backdrop',
    );
    await page.context().close();
  });
});
