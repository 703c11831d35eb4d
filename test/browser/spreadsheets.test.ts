import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { JobWorker } from '../../src/jobs/worker.js';
import { tenant, type Tenant } from '../../src/test-support/harness.js';
import { checkPage, login, newPage, skipBrowser, startBrowserEnv, type BrowserEnv } from './support.js';

const HEADER = 'full_name,phone,city,sku,quantity,price';

describe('imports and exports in a real browser', { skip: skipBrowser }, () => {
  let env: BrowserEnv;
  let worker: JobWorker;
  let shop: Tenant;

  before(async () => {
    env = await startBrowserEnv();
    shop = await tenant(env.t.db);
    worker = await new JobWorker(env.t.db, {
      slots: 1,
      pollMs: 100,
      kinds: ['leads.import', 'leads.export'],
      files: env.t.app.files,
    }).start();
  });
  after(async () => {
    await worker.stop();
    await env.close();
  });

  test('a seller uploads a CSV and watches the progress bar finish, then exports the filtered list and downloads it', async () => {
    const page = await newPage(env);
    await login(page, shop.email, 'password-123');
    await page.goto('/leads');
    await page.getByRole('link', { name: 'Import', exact: true }).click();
    await page.waitForLoadState('load');
    await checkPage(page, 'import page');

    const rows = [HEADER];
    for (let i = 0; i < 300; i++) rows.push(`Client ${i},06${30_000_000 + i},${i % 3 === 0 ? 'Agadir' : 'Rabat'},P1,1,199`);
    await page.getByLabel(/^File/).setInputFiles({ name: 'leads.csv', mimeType: 'text/csv', buffer: Buffer.from(rows.join('\n')) });
    await page.getByRole('button', { name: 'Import' }).click();
    await page.waitForLoadState('load');
    assert.match(page.url(), /\/leads\/import\?job=[0-9a-f-]{36}$/);
    assert.equal(await page.getByRole('progressbar', { name: 'Importing leads' }).count(), 1);
    await page.locator('[data-job-final]').filter({ hasText: 'The job is done.' }).waitFor({ timeout: 120_000 });
    assert.equal(await page.locator('[data-job-text]').textContent(), 'Done: 300 of 300 processed.');
    assert.equal(
      await page.locator('[data-job-final]').textContent(),
      'The job is done. 300 leads imported.',
      'the poller says what it made',
    );
    await checkPage(page, 'import done');

    // The list filtered by a search, exported as it is shown.
    await page.goto('/leads?search=Client%2012');
    const shown = await page.locator('table tbody tr').count();
    assert.ok(shown >= 1);
    await page.getByLabel('File format').selectOption('csv');
    await page.getByRole('button', { name: 'Export' }).click();
    await page.waitForLoadState('load');
    assert.match(page.url(), /\/jobs\/[0-9a-f-]{36}$/);
    await page.locator('[data-job-final]').filter({ hasText: 'The job is done.' }).waitFor({ timeout: 60_000 });
    const link = page.getByRole('link', { name: 'Download the file' });
    await link.waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const text = await readFile((await download.path())!, 'utf8');
    const exported = parse(text, { bom: true, columns: true }) as Record<string, string>[];
    // "Client 12" and "Client 120"–"Client 129": the name search matches them, and only them.
    assert.deepEqual(
      exported.map((r) => r.full_name).sort(),
      ['Client 12', ...Array.from({ length: 10 }, (_, i) => `Client 12${i}`)].sort(),
    );
    assert.equal(exported.length, shown);
    assert.equal(exported[0].price, '199');
    await checkPage(page, 'export done');
  });
});
