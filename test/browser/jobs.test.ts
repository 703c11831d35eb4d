import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { enqueue } from '../../src/jobs/enqueue.js';
import { defineJob } from '../../src/jobs/registry.js';
import { JobWorker } from '../../src/jobs/worker.js';
import { person, PASSWORD, type Person } from '../../src/test-support/people.js';
import { checkPage, login, newPage, screenshots, skipBrowser, startBrowserEnv, type BrowserEnv } from './support.js';

const kind = defineJob<{ steps: number }>({
  kind: 'test.browser.steps',
  label: 'Counting to six',
  retry: { limit: 0, delaySeconds: 1 },
  async handler(ctx) {
    await ctx.report({ total: ctx.payload.steps });
    for (let i = 0; i < ctx.payload.steps; i++) {
      await sleep(250);
      await ctx.report({
        done: 1,
        ...(i === 2 ? { failed: 0, errors: [{ reference: 'ORD-00003', message: 'Skipped for the test.' }] } : {}),
      });
    }
    return { counted: ctx.payload.steps };
  },
});

describe('job progress in a real browser', { skip: skipBrowser }, () => {
  let env: BrowserEnv;
  let seller: Person;

  before(async () => {
    env = await startBrowserEnv();
    seller = await person(env.t.db, 'seller');
  });
  after(() => env.close());

  test('the bar follows the job until it ends, without reloading; the final state is announced', async () => {
    const id = await env.t.db.tx((q) => enqueue(q, kind.kind, { steps: 6 }, { userId: seller.id }));
    const page = await newPage(env);
    await login(page, seller.email, PASSWORD);
    await page.goto(`/jobs/${id}`);
    assert.equal(await page.locator('[data-job-text]').textContent(), 'Waiting to start.');
    assert.equal(await page.getByRole('progressbar', { name: 'Progress' }).count(), 1);
    assert.equal(await page.getByText('Refresh to see the progress').isVisible(), false, 'hidden while the script polls');
    await checkPage(page, 'job queued');

    const worker = await new JobWorker(env.t.db, { slots: 1, pollMs: 100, kinds: [kind.kind] }).start();
    try {
      await page.waitForFunction(() => document.querySelector('[data-job-text]')?.textContent?.startsWith('Running:'), null, {
        timeout: 20_000,
      });
      await page.locator('[data-job-final]').filter({ hasText: 'The job is done.' }).waitFor({ timeout: 20_000 });
    } finally {
      await worker.stop();
    }
    const bar = page.locator('progress');
    assert.equal(await bar.getAttribute('max'), '6');
    assert.equal(await bar.evaluate((b: HTMLProgressElement) => b.value), 6);
    assert.equal(await page.locator('[data-job-text]').textContent(), 'Done: 6 of 6 processed.');
    assert.equal(await page.locator('[data-job-final]').getAttribute('aria-live'), 'polite');
    assert.equal(await page.getByRole('link', { name: 'See the error' }).isVisible(), true);
    assert.equal(await page.getByText('Finished').count(), 0, 'no "Finished —" left behind while it ran');
    await page.reload();
    assert.equal(await page.locator('.deflist dt', { hasText: 'Finished' }).count(), 1);
    await checkPage(page, 'job done');
    await screenshots(page, 'job-progress');
  });

  test('without JavaScript the page shows the current state and a link to refresh it', async () => {
    const id = await env.t.db.tx((q) => enqueue(q, kind.kind, { steps: 2 }, { userId: seller.id }));
    const context = await env.browser.newContext({ baseURL: env.base, javaScriptEnabled: false });
    const page = await context.newPage();
    await login(page, seller.email, PASSWORD);
    await page.goto(`/jobs/${id}`);
    assert.equal(await page.locator('[data-job-text]').textContent(), 'Waiting to start.');
    const worker = await new JobWorker(env.t.db, { slots: 1, pollMs: 100, kinds: [kind.kind] }).start();
    try {
      for (
        let i = 0;
        i < 100 && (await env.t.db.query(`SELECT 1 FROM jobs WHERE id = $1 AND status = 'done'`, [id])).rows.length === 0;
        i++
      )
        await sleep(100);
    } finally {
      await worker.stop();
    }
    assert.equal(await page.locator('[data-job-text]').textContent(), 'Waiting to start.', 'no script: the page stays as rendered');
    await page.getByRole('link', { name: 'Refresh to see the progress' }).click();
    assert.equal(await page.locator('[data-job-text]').textContent(), 'Done: 2 of 2 processed.');
    assert.equal(await page.locator('[data-job-final]').textContent(), 'The job is done.');
    await context.close();
  });
});
