import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { seedDemo } from '../../src/cli/demo.js';
import { ROLES } from '../../src/core/roles.js';
import { createUser } from '../../src/modules/users/service.js';
import { login, newPage, skipBrowser, startBrowserEnv, type BrowserEnv, visitEveryPage } from './support.js';

/**
 * With the CSP the server sends (enforced, not report-only), every page a menu leads to — and the
 * first show, edit and create page linked from each list — loads for every role without one
 * violation, seen both as Chromium's console message and as a `securitypolicyviolation` event.
 */
describe('the CSP holds on every page of every role', { skip: skipBrowser }, () => {
  let env: BrowserEnv;
  let demo: Awaited<ReturnType<typeof seedDemo>>;

  before(async () => {
    env = await startBrowserEnv();
    demo = await seedDemo(env.t.db);
  });
  after(() => env.close());

  for (const role of ROLES) {
    test(role, async () => {
      const email = `csp-${role}@example.test`;
      await createUser(env.t.db, { role, email, password: 'password-123', fullName: `Csp ${role}`, accountId: demo.account_id });
      const page = await newPage(env);
      const violations: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) violations.push(`${page.url()}: ${m.text()}`);
      });
      await page.exposeFunction('__cspViolation', (v: string) => violations.push(v));
      await page.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (e) => {
          (window as unknown as { __cspViolation(v: string): void }).__cspViolation(
            `${location.pathname}: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`,
          );
        });
      });

      const first = await page.goto('/login');
      assert.match(String(first?.headers()['content-security-policy']), /frame-ancestors 'none'/);
      await login(page, email, 'password-123');
      const pages = await visitEveryPage(
        page,
        async (path) => {
          const res = await page.goto(path);
          assert.ok(res && res.status() < 500, `${path} answers ${res?.status()}`);
          await page.waitForLoadState('load');
        },
        ['/', '/settings/profile', '/settings/password'],
      );
      await page.goto('/docs');
      await page.waitForLoadState('networkidle');
      assert.deepEqual(violations, [], `CSP violations for ${role} on ${pages} pages`);
      await page.context().close();
    });
  }
});
