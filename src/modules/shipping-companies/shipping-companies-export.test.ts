import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import type { LightMyRequestResponse } from 'fastify';
import { newId } from '../../lib/ids.js';
import { JobWorker } from '../../jobs/worker.js';
import { testApp, type TestApp } from '../../test-support/harness.js';
import type { Agent } from '../../test-support/session.js';
import { jobFinished } from '../../test-support/jobs.js';
import { expectInvalid, expectJson, fieldErrors, FORBIDDEN, signInEach } from '../../test-support/expect.js';
import { ROLES, type Role } from '../../core/roles.js';

/** domain.md: shipping companies — admin VCUDX; managers V only. */
const HEADER = ['id', 'name', 'adapter', 'status', 'base_url', 'cities', 'created_at', 'updated_at'];
const SECRET = `sk_live_${newId()}`;
// Each run's companies share a prefix, so the exports name them by the list's search whatever else the database holds.
const PREFIX = `Export ${newId().slice(-8)}`;

let t: TestApp;
let as: Record<Role, Agent>;
let worker: JobWorker;
let http: { id: string; name: string };
let manual: { id: string; name: string };
let casaName: string;
let rabatName: string;

before(async () => {
  t = await testApp();
  ({ as } = await signInEach(t, ROLES));
  const [casa, rabat] = [newId(), newId()];
  [casaName, rabatName] = [`Casa ${casa.slice(-6)}`, `Rabat ${rabat.slice(-6)}`];
  await t.db.query('INSERT INTO cities (id, name) VALUES ($1, $2), ($3, $4)', [casa, casaName, rabat, rabatName]);
  const store = async (body: Record<string, unknown>) => {
    const res = await as.admin.json('POST', '/shipping-companies/store', body);
    assert.equal(res.statusCode, 201, res.body);
    return res.json().data as { id: string; name: string };
  };
  http = await store({
    name: `${PREFIX} Courier`,
    adapter: 'http',
    base_url: 'https://courier.example/api',
    api_key: SECRET,
    status_map: { LIVRE: 'delivered' },
    cities: [
      { city_id: rabat, delivery_fee: 30, return_fee: 10 },
      { city_id: casa, delivery_fee: 25, return_fee: 10 },
    ],
  });
  manual = await store({ name: `${PREFIX} By hand`, adapter: 'manual', status: 'inactive' });
  worker = await new JobWorker(t.db, { slots: 1, pollMs: 100, kinds: ['shipping-companies.export'], files: t.app.files }).start();
});
after(async () => {
  await worker.stop();
  await t.close();
});

const query = (filters: Record<string, string> = {}) => new URLSearchParams({ search: PREFIX, ...filters }).toString();

/** The export's job, run to its end: its `{"url","rows"}`. */
async function finished(jobId: string) {
  const job = await jobFinished(t.db, jobId);
  assert.equal(job.status, 'done', JSON.stringify(job));
  return job.result as { url: string; rows: number };
}

async function exportJson(a: Agent, format: string, filters?: Record<string, string>) {
  const res = await a.json('POST', `/shipping-companies/export?${query(filters)}`, { format });
  const body = expectJsonBody(res, 202);
  assert.deepEqual(Object.keys(body), ['data']);
  assert.deepEqual(Object.keys(body.data), ['job_id']);
  return finished(body.data.job_id as string);
}

function expectJsonBody(res: LightMyRequestResponse, status: number) {
  expectJson(res, status);
  return res.json();
}

async function download(a: Agent, url: string) {
  const res = await a.get(url);
  assert.equal(res.statusCode, 200, res.body.slice(0, 300));
  assert.ok(!res.body.includes(SECRET), 'no API key in the file');
  return res;
}

describe('shipping companies export', () => {
  test('an admin exports CSV: one row per company, the list page’s columns, the cities by name, never the API key', async () => {
    const result = await exportJson(as.admin, 'csv');
    assert.equal(result.rows, 2);
    assert.match(result.url, /^\/exports\/[0-9a-f-]{36}\/download$/);
    const file = await download(as.admin, result.url);
    assert.match(String(file.headers['content-disposition']), /^attachment; filename="export-[0-9a-f-]{36}\.csv"$/);
    const [header, ...rows] = parse(file.body, { bom: true }) as string[][];
    assert.deepEqual(header, HEADER);
    assert.ok(!header.some((c) => /key|secret|token|password|credential/i.test(c)), 'no secret column');
    const byId = new Map(rows.map((r) => [r[0], r]));
    assert.equal(rows.length, 2);
    const h = byId.get(http.id)!;
    assert.deepEqual(h.slice(0, 6), [http.id, http.name, 'http', 'active', 'https://courier.example/api', `${casaName}; ${rabatName}`]);
    assert.match(h[6], /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    assert.deepEqual(byId.get(manual.id)!.slice(0, 6), [manual.id, manual.name, 'manual', 'inactive', '', '']);
  });

  test('an admin exports XLSX from the list page’s form: the job’s page, then the same rows in a worksheet', async () => {
    await as.admin.get(`/shipping-companies?${query()}`);
    const res = await as.admin.form(`/shipping-companies/export?${query()}`, { format: 'xlsx' });
    assert.equal(res.statusCode, 302, res.body);
    const jobId = /^\/jobs\/([0-9a-f-]{36})$/.exec(String(res.headers.location))?.[1];
    assert.ok(jobId, String(res.headers.location));
    const result = await finished(jobId);
    assert.equal(result.rows, 2);
    const file = await download(as.admin, result.url);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(file.rawPayload as unknown as ArrayBuffer);
    const sheet = book.worksheets[0];
    assert.equal(sheet.name, 'Shipping companies');
    assert.deepEqual((sheet.getRow(1).values as unknown[]).slice(1), HEADER);
    const names = [2, 3].map((i) => (sheet.getRow(i).values as unknown[])[2]).sort();
    assert.deepEqual(names, [manual.name, http.name].sort());
    assert.equal(sheet.rowCount, 3);
    // Only the admin who asked (or another admin) downloads it; a manager finds nothing there.
    assert.equal((await as.manager.get(result.url)).statusCode, 404);
  });

  test('the list’s own filters narrow the rows: adapter, status, search', async () => {
    const byAdapter = await exportJson(as.admin, 'csv', { adapter: 'http' });
    assert.equal(byAdapter.rows, 1);
    const [, only] = parse((await download(as.admin, byAdapter.url)).body, { bom: true }) as string[][];
    assert.equal(only[0], http.id);

    const inactive = await exportJson(as.admin, 'csv', { status: 'inactive' });
    assert.equal(inactive.rows, 1);
    const [, line] = parse((await download(as.admin, inactive.url)).body, { bom: true }) as string[][];
    assert.equal(line[0], manual.id);

    const none = await exportJson(as.admin, 'csv', { search: `${PREFIX} nobody` });
    assert.equal(none.rows, 0);
    assert.deepEqual(parse((await download(as.admin, none.url)).body, { bom: true }), [HEADER]);
  });

  test('only admins export: managers (view only) and everyone else get 403', async () => {
    for (const role of ROLES) {
      if (role === 'admin') continue;
      expectJson(await as[role].json('POST', '/shipping-companies/export', { format: 'csv' }), 403, FORBIDDEN, role);
    }
  });

  test('format is required and csv or xlsx, with the leads export’s messages, in JSON and beside the form’s select', async () => {
    expectInvalid(await as.admin.json('POST', '/shipping-companies/export', { format: 'pdf' }), {
      format: ['The selected format is invalid.'],
    });
    expectInvalid(await as.admin.json('POST', '/shipping-companies/export', {}), { format: ['The format field is required.'] });
    const list = `/shipping-companies?${query()}`;
    for (const [format, message] of [
      ['pdf', 'The selected format is invalid.'],
      ['', 'The format field is required.'],
    ]) {
      await as.admin.get(list);
      const res = await as.admin.form(`/shipping-companies/export?${query()}`, { format });
      assert.equal(res.statusCode, 302, res.body);
      assert.equal(res.headers.location, list);
      const page = (await as.admin.follow(res)).body;
      assert.deepEqual(fieldErrors(page, 'export-format-shipping-companies'), [message], format);
    }
    const jobs = await t.db.query(`SELECT 1 FROM jobs WHERE kind = 'shipping-companies.export' AND status = 'queued'`);
    assert.equal(jobs.rows.length, 0, 'a refused export enqueues nothing');
  });

  test('the list page offers the Export form (format select, CSRF token, the filters kept) to admins only', async () => {
    const page = (await as.admin.get(`/shipping-companies?${query({ adapter: 'http' })}&page=2`)).body;
    const form = /<form method="post" action="([^"]*)"[^>]*aria-label="Export shipping companies">(.*?)<\/form>/s.exec(page);
    assert.ok(form, 'the export form');
    assert.equal(form[1].replace(/&amp;/g, '&'), `/shipping-companies/export?${query({ adapter: 'http' })}`);
    assert.match(form[2], /<input type="hidden" name="_token" value="[^"]+"/);
    assert.match(form[2], /<select name="format" id="export-format-shipping-companies"/);
    assert.match(form[2], /<option value="csv">CSV<\/option><option value="xlsx">Excel \(XLSX\)<\/option>/);
    assert.match(form[2], /<button type="submit" class="btn btn-secondary">\s*Export\s*<\/button>/);
    for (const role of ['manager-leader', 'manager', 'call-center-manager'] as const) {
      const viewer = await as[role].get('/shipping-companies');
      assert.equal(viewer.statusCode, 200, role);
      assert.ok(!viewer.body.includes('/shipping-companies/export'), role);
      assert.ok(!viewer.body.includes('export-format'), role);
    }
  });
});
