import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { seedDemo } from '../../src/cli/demo.js';
import { login, newPage, skipBrowser, startBrowserEnv, type BrowserEnv } from './support.js';

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

/** The focused element, and whether the sticky top bar covers it (the bar is what shows at its middle). */
function focusedUnderTopBar(page: Page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const r = el.getBoundingClientRect();
    const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    const name = `${el.tagName.toLowerCase()} "${(el.textContent || el.getAttribute('aria-label') || '').trim().slice(0, 30)}"`;
    return { name, hidden: !el.closest('.topbar') && !!top?.closest('.topbar') };
  });
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

  test('what Tab and Shift+Tab focus in a long list is never hidden under the sticky top bar', async () => {
    for (const viewport of [DESKTOP, PHONE]) {
      const page = await newPage(env, viewport);
      await login(page, who('admin').email, who('admin').password);
      await page.goto('/orders');
      const hidden: string[] = [];
      for (const key of ['Tab', 'Shift+Tab']) {
        for (let i = 0; i < 60; i++) {
          await page.keyboard.press(key);
          const f = await focusedUnderTopBar(page);
          if (f?.hidden) hidden.push(`${viewport.width}px ${key}: ${f.name}`);
        }
      }
      assert.deepEqual(hidden, []);
      await page.context().close();
    }
  });
});
