import { after, before, describe, test } from 'node:test';
import { seedDemo } from '../../src/cli/demo.js';
import { checkPage, login, newPage, skipBrowser, startBrowserEnv, visitEveryPage, type BrowserEnv } from './support.js';

/**
 * Every page a menu leads to — and the first show, edit and create page linked from each list —
 * renders without console errors and without serious accessibility violations, for an admin and
 * a seller, on the demo data.
 */
describe('every page, as an admin and as a seller', { skip: skipBrowser }, () => {
  let env: BrowserEnv;
  let demo: Awaited<ReturnType<typeof seedDemo>>;

  before(async () => {
    env = await startBrowserEnv();
    demo = await seedDemo(env.t.db);
  });
  after(() => env.close());

  for (const who of ['admin', 'seller'] as const) {
    test(`${who}: every reachable page passes`, async () => {
      const page = await newPage(env);
      await login(page, demo[who].email, demo[who].password);
      await visitEveryPage(page, async (path) => {
        await page.goto(path);
        await checkPage(page, `${who} ${path}`);
        page.consoleErrors.length = 0;
      });
      await page.context().close();
    });
  }
});
