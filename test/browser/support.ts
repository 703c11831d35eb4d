import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { chromium, type Browser, type Page } from 'playwright-core';
import { testApp, type TestApp } from '../../src/test-support/harness.js';
import { tempDataDir } from '../support/server-process.js';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
/** Browser tests need Debian's chromium (.ci/run installs it); elsewhere they report themselves skipped. */
export const skipBrowser = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`;

export const SHOTS = join(new URL('../..', import.meta.url).pathname, 'test-results', 'screenshots');
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface BrowserEnv {
  t: TestApp;
  base: string;
  browser: Browser;
  dataDir: string;
  close(): Promise<void>;
}

/** A real server on a free port (in-process, embedded or PostgreSQL database) and a headless Chromium. */
export async function startBrowserEnv(): Promise<BrowserEnv> {
  const dataDir = tempDataDir();
  const t = await testApp({ DATA_DIR: dataDir, APP_URL: 'http://127.0.0.1' });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = t.app.server.address() as { port: number };
  // Links in mail point at this server.
  (t.app.config as { appUrl: string }).appUrl = `http://127.0.0.1:${port}`;
  const browser = await launchBrowser();
  return {
    t,
    base: `http://127.0.0.1:${port}`,
    browser,
    dataDir,
    async close() {
      await browser.close();
      await t.close();
    },
  };
}

/** Debian's headless Chromium with the flags this machine needs. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/** A fresh browser context (its own cookies) whose pages fail the test on any console error. */
export async function newPage(
  env: Pick<BrowserEnv, 'browser' | 'base'>,
  viewport = { width: 1280, height: 800 },
  timezoneId?: string,
): Promise<Page & { consoleErrors: string[] }> {
  const context = await env.browser.newContext({ viewport, baseURL: env.base, timezoneId });
  // A CSP violation fails the page: Chromium's own console message did not reach the page's console
  // events for an inline script added by a script, so the page's violation event is logged as an error.
  await context.addInitScript({ content: CSP_EVENTS });
  const page = (await context.newPage()) as Page & { consoleErrors: string[] };
  page.consoleErrors = [];
  page.on('console', (m) => {
    // A 4xx page is a normal answer of some tests; Chromium logs its status as a console error.
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of (4\d\d)/.test(m.text()))
      page.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => page.consoleErrors.push(String(e)));
  return page;
}

const CSP_EVENTS = `document.addEventListener('securitypolicyviolation', (e) =>
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' (' + e.sourceFile + ':' + e.lineNumber + ')'));`;

/** No console errors (a CSP violation is one), and axe finds no serious or critical accessibility violation. */
export async function checkPage(page: Page & { consoleErrors: string[] }, label: string) {
  assert.deepEqual(page.consoleErrors, [], `console errors on ${label}`);
  await checkAccessibility(page, label);
}

/** axe finds no serious or critical accessibility violation. */
export async function checkAccessibility(page: Page, label: string) {
  await page.evaluate(axeSource); // not a script tag: the CSP refuses inline scripts
  const violations = await page.evaluate(async () => {
    const r = await (
      window as unknown as {
        axe: { run: (o: unknown) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> };
      }
    ).axe.run({
      resultTypes: ['violations'],
    });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  assert.deepEqual(violations, [], `accessibility violations on ${label}`);
}

/** Screenshots at desktop and phone widths into test-results/screenshots (kept by CI). */
export async function screenshots(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  const size = page.viewportSize() ?? { width: 1280, height: 800 };
  await page.screenshot({ path: join(SHOTS, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(400); // let the menu's slide-out transition end
  await page.screenshot({ path: join(SHOTS, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize(size);
}

export async function login(page: Page, email: string, password: string) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForLoadState('load');
}

/**
 * Every page the signed-in user's menu leads to (after `extra`), and after each the first show, edit
 * and create page it links to: `visit(path)` goes there and checks it, once per path. Answers the
 * number of pages visited.
 */
export async function visitEveryPage(page: Page, visit: (path: string) => Promise<void>, extra: string[] = []): Promise<number> {
  const menu = await page.locator('nav.sidebar a').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).pathname));
  assert.ok(menu.length > 0, 'a menu');
  const seen = new Set<string>();
  const once = async (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    await visit(path);
  };
  for (const path of [...extra, ...menu]) {
    await once(path);
    const links = await page
      .locator('main a')
      .evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).pathname).filter((p) => /\/(show|edit|create)$/.test(p)));
    const firstOfEach = new Map<string, string>();
    for (const l of links) {
      const kind = l.split('/').pop()!;
      if (!firstOfEach.has(kind)) firstOfEach.set(kind, l);
    }
    for (const l of firstOfEach.values()) await once(l);
  }
  return seen.size;
}
