import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import { JobWorker } from '../../jobs/worker.js';
import { uploadAs } from '../../test-support/multipart.js';
import { tenant, testApp, usingPostgres, type TestApp } from '../../test-support/harness.js';
import { login, type Agent } from '../../test-support/session.js';
import { person } from '../../test-support/people.js';
import { jobFinished } from '../../test-support/jobs.js';
import { letters, sharedStrings, sheet, text, zipOf } from '../../test-support/zip.js';

// What an import reads: the file's bounds and formats (the whf audit). The import's other behaviours
// are in spreadsheets.test.ts.

let t: TestApp;
let worker: JobWorker;

before(async () => {
  t = await testApp();
  worker = await new JobWorker(t.db, { slots: 1, pollMs: 100, kinds: ['leads.import'], files: t.app.files }).start();
});
after(async () => {
  await worker.stop();
  await t.close();
});

async function importLeads(a: Agent, file: { name: string; type: string; data: Buffer }) {
  const res = await uploadAs(t.app, a, '/leads/import', file);
  assert.equal(res.statusCode, 202, res.body);
  return jobFinished(t.db, (res.json().data as { job_id: string }).job_id, 120_000);
}

const xlsxFile = (data: Buffer) => ({ name: 'leads.xlsx', type: 'application/octet-stream', data });

test('an XLSX of a 300,000,000-character name ends the import with one error, nothing imported (whf audit H2)', async () => {
  const shop = await tenant(t.db);
  const a = await login(t.app, shop.email);
  const header = ['full_name', 'phone', 'sku', 'quantity', 'price'].map(
    (h, i) => `<c r="${'ABCDE'[i]}1" t="inlineStr"><is><t>${h}</t></is></c>`,
  );
  const data = await zipOf(
    sharedStrings(letters(300_000_000)),
    sheet(text(`<row r="1">${header.join('')}</row>`), text('<row r="2"><c r="A2" t="s"><v>0</v></c></row>')),
  );
  const job = await importLeads(a, xlsxFile(data));
  assert.equal(job.status, 'failed');
  assert.deepEqual(job.errors, [{ message: 'The file could not be read as XLSX: a cell holds more than 32,767 characters.' }]);
  const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM leads WHERE account_id = $1', [shop.accountId]);
  assert.equal(rows[0].n, 0);
});

// In fr/ar-MA Excel, typing 12.5 in a price cell makes it 12 May: it was imported as price 46154.
test('a date in a number column of an XLSX is refused as the API refuses it, not imported as its serial (whf audit M2)', async () => {
  const shop = await tenant(t.db);
  const a = await login(t.app, shop.email);
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('Leads');
  sheet.addRow(['full_name', 'phone', 'sku', 'quantity', 'price']);
  sheet.addRow(['Amina Alaoui', '0612000006', 'P1', 1, new Date(Date.UTC(2026, 4, 12))]);
  sheet.addRow(['Omar Idrissi', new Date(Date.UTC(2026, 0, 1)), 'P1', new Date(Date.UTC(2026, 0, 2)), 100]);
  const job = await importLeads(a, xlsxFile(Buffer.from(await book.xlsx.writeBuffer())));
  assert.equal(job.status, 'failed');
  assert.deepEqual(job.errors, [
    { row: 2, column: 'price', message: 'The price field must be a number.' },
    { row: 3, column: 'quantity', message: 'The quantity field must be an integer.' },
  ]);
});

test('a semicolon CSV imports, its amounts with a decimal comma; one csv-parse cannot read ends with one error in our words (whf audit L1)', async () => {
  const shop = await tenant(t.db);
  const a = await login(t.app, shop.email);
  const csv = (text: string) => ({ name: 'leads.csv', type: 'text/csv', data: Buffer.from(text) });
  const header = '\ufefffull_name;phone;city;area;address;sku;quantity;price\n';
  const done = await importLeads(a, csv(`${header}Semi One;0621111111;Rabat;;"1 Rue; Bonne";P1;1;100\n`));
  assert.equal(done.status, 'done', JSON.stringify(done.errors));
  const { rows } = await t.db.query('SELECT full_name, address FROM leads WHERE account_id = $1', [shop.accountId]);
  assert.deepEqual(rows, [{ full_name: 'Semi One', address: '1 Rue; Bonne' }]);

  // The decimal comma French or Moroccan Excel writes in such a file (`199,5` was "must be a number"),
  // in an amount only: a comma in a `,` CSV's price is still refused, and a quantity is no amount.
  const comma = await importLeads(a, csv(`${header}Semi Two;0621111113;Rabat;;2 Rue;P1;2;199,5\r\n`));
  assert.equal(comma.status, 'done', JSON.stringify(comma.errors));
  const two = await t.db.query<{ total: string; price: string }>(
    `SELECT l.total::text, ll.price::text FROM leads l JOIN lead_lines ll ON ll.lead_id = l.id WHERE l.account_id = $1 AND l.full_name = 'Semi Two'`,
    [shop.accountId],
  );
  assert.deepEqual(two.rows, [{ total: '399.00', price: '199.50' }]);
  const refused = await importLeads(a, csv(`${header}Semi Three;0621111114;Rabat;;3 Rue;P1;1,5;10\n`));
  assert.deepEqual(refused.errors, [{ row: 2, column: 'quantity', message: 'The quantity field must be an integer.' }]);
  const commas = await importLeads(a, csv('full_name,phone,sku,quantity,price\nComma Four,0621111115,P1,1,"199,5"\n'));
  assert.deepEqual(commas.errors, [{ row: 2, column: 'price', message: 'The price field must be a number.' }]);

  const failed = await importLeads(a, csv(`${header}Semi "One";0621111112;Rabat;;1 Rue;P1;1;100\n`));
  assert.equal(failed.status, 'failed');
  assert.deepEqual(failed.errors, [
    {
      message:
        'The file could not be read as CSV: a quote is found inside a value on line 2 (a value holding quotes is quoted whole, its quotes doubled).',
    },
  ]);
});

// The import audit: a CSV saved by Excel as "CSV" in a French or Arabic Windows (Windows-1252,
// Windows-1256) was imported with U+FFFD in place of each accented or Arabic letter, text the API
// refuses (a body that is not UTF-8 answers 400).
test("a CSV row that is not UTF-8 is that row's error at its first such cell, listed with every other row's error, nothing imported; UTF-8 with its BOM imports (import audit)", async () => {
  const shop = await tenant(t.db);
  const a = await login(t.app, shop.email);
  const csv = (data: Buffer) => ({ name: 'leads.csv', type: 'text/csv', data });
  const message =
    'This row holds text that is not UTF-8 (the file was saved in another encoding): save the file as "CSV UTF-8" and import it again.';
  const cp1252 = Buffer.from(
    'full_name;phone;city;area;address;sku;quantity;price\r\nAmina Alaoui;0612121276;Rabat;;;P1;1;35\r\nYoussef Bena\xefssa;0612121277;F\xe8s;;12 Rue Ibn S\xeen\xe2;P1;1;35\r\n',
    'latin1',
  );
  const french = await importLeads(a, csv(cp1252));
  assert.equal(french.status, 'failed');
  assert.deepEqual(french.errors, [{ row: 3, column: 'full_name', message }]);
  assert.deepEqual(french.result, { message: 'The file has 1 error in 1 row: nothing was imported.' });
  // The import audit: a bad phone on row 2 came only on the next import, once row 5 was saved as UTF-8.
  const several = Buffer.from(
    [
      'full_name;phone;city;area;address;sku;quantity;price',
      'Amina Alaoui;06;Rabat;;;P1;1;35',
      'Omar Idrissi;0612121280;Rabat;;;P1;1;35',
      'Sara Tazi;0612121281;Rabat;;;P1;1;35',
      'Youssef Bena\xefssa;0612121277;F\xe8s;;12 Rue Ibn S\xeen\xe2;NOPE;0;35',
      'Sa\xefd Alami;0612121282;Rabat;;;P1;x;35',
      '',
    ].join('\r\n'),
    'latin1',
  );
  const together = await importLeads(a, csv(several));
  assert.deepEqual(together.errors, [
    { row: 2, column: 'phone', message: 'The phone field must be at least 7 characters.' },
    { row: 5, column: 'full_name', message },
    { row: 5, column: 'sku', message: 'The selected sku is invalid.' },
    { row: 5, column: 'quantity', message: 'The quantity field must be at least 1.' },
    { row: 6, column: 'full_name', message },
    { row: 6, column: 'quantity', message: 'The quantity field must be an integer.' },
  ]);
  assert.deepEqual(together.result, { message: 'The file has 6 errors in 3 rows: nothing was imported.' });
  // أحمد العلوي, 0612121278, فاس in Windows-1256, the name in a column of its own the import ignores.
  const cp1256 = Buffer.concat([
    Buffer.from('Phone,City,Nom arabe,full_name,sku,quantity,price\n0612121278,'),
    Buffer.from('ddc7d3', 'hex'), // (a comma in a hex string ended it: the name's bytes were left out)
    Buffer.from(','),
    Buffer.from('c3cde3cf20c7e1dae1e6ed', 'hex'),
    Buffer.from(',Ahmed,P1,1,35\n'),
  ]);
  const arabic = await importLeads(a, csv(cp1256));
  assert.deepEqual(arabic.errors, [{ row: 2, column: 'city', message }]);
  const header = await importLeads(
    a,
    csv(Buffer.from('full_name,phone,sku,quantity,price,pr\xe9nom\nAmina,0612121279,P1,1,35,A\n', 'latin1')),
  );
  assert.deepEqual(
    header.errors,
    [{ row: 1, column: null, message }],
    'the header row: no column (webhooks-files.md: {row, column, message})',
  );
  assert.deepEqual(header.result, { message: 'The file has 1 error: nothing was imported.' });
  const { rows } = await t.db.query('SELECT count(*)::int AS n FROM leads WHERE account_id = $1', [shop.accountId]);
  assert.deepEqual(rows, [{ n: 0 }]);

  const utf8 = await importLeads(a, csv(Buffer.from(`\ufeff${cp1252.toString('latin1')}`)));
  assert.equal(utf8.status, 'done', JSON.stringify(utf8.errors));
  const names = await t.db.query('SELECT full_name, city, address FROM leads WHERE account_id = $1 ORDER BY full_name', [shop.accountId]);
  assert.deepEqual(names.rows, [
    { full_name: 'Amina Alaoui', city: 'Rabat', address: null },
    { full_name: 'Youssef Benaïssa', city: 'Fès', address: '12 Rue Ibn Sînâ' },
  ]);
});

// The import audit: a file whose header came after blank lines was told its column was missing on row 1.
test("a missing required column, and a file of no rows, name the header's own row when blank lines come before it (CSV and XLSX)", async () => {
  const shop = await tenant(t.db);
  const a = await login(t.app, shop.email);
  const csv = (text: string) => ({ name: 'leads.csv', type: 'text/csv', data: Buffer.from(text) });
  const missing = await importLeads(a, csv('\n,,\n \nfull_name,city,sku,quantity,price\nAmina,Rabat,P1,1,100\n'));
  assert.deepEqual(missing.errors, [{ row: 4, column: 'phone', message: 'The phone field is required.' }]);
  assert.deepEqual(missing.result, { message: 'The file has 1 error: nothing was imported.' });
  const empty = await importLeads(a, csv('\n\nfull_name,phone,city,sku,quantity,price\n'));
  assert.deepEqual(empty.errors, [{ row: 4, column: null, message: 'The file has no rows to import.' }]);

  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('Leads');
  sheet.getRow(3).values = ['full_name', 'city', 'sku', 'quantity', 'price'];
  sheet.getRow(4).values = ['Amina', 'Rabat', 'P1', 1, 100];
  const xlsx = await importLeads(a, xlsxFile(Buffer.from(await book.xlsx.writeBuffer())));
  assert.deepEqual(xlsx.errors, [{ row: 3, column: 'phone', message: 'The phone field is required.' }]);
  const { rows } = await t.db.query('SELECT count(*)::int AS n FROM leads WHERE account_id = $1', [shop.accountId]);
  assert.deepEqual(rows, [{ n: 0 }]);
});

// The files audit: with two phone columns the first was taken without a word.
test('a known column named twice in the header is an error on the header row, nothing imported; an unknown one named twice is ignored', async () => {
  const shop = await tenant(t.db);
  const a = await login(t.app, shop.email);
  const csv = (text: string) => ({ name: 'leads.csv', type: 'text/csv', data: Buffer.from(text) });
  const twice = await importLeads(a, csv('\nfull_name,Phone,city,sku,quantity,price,phone\nAmina,0611111111,Rabat,P1,1,100,0622222222\n'));
  assert.deepEqual(twice.errors, [{ row: 2, column: 'phone', message: 'The phone column appears more than once in the header.' }]);
  assert.deepEqual(twice.result, { message: 'The file has 1 error: nothing was imported.' });
  const notes = await importLeads(a, csv('full_name,phone,city,sku,quantity,price,notes,notes\nAmina,0611111111,Rabat,P1,1,100,a,b\n'));
  assert.equal(notes.status, 'done', JSON.stringify(notes));
  const { rows } = await t.db.query('SELECT phone FROM leads WHERE account_id = $1', [shop.accountId]);
  assert.deepEqual(rows, [{ phone: '0611111111' }]);
});

// The fixwf audit: the error of the 100,001st row had no `column`, though the spec's shape is {row, column, message}.
test('a file of more than 100,000 rows is one error on the first row past them, its column null', { timeout: 300_000 }, async () => {
  const shop = await tenant(t.db);
  const a = await login(t.app, shop.email);
  const lines = ['full_name,phone,sku,quantity,price'];
  for (let i = 0; i <= 100_000; i++) lines.push(`Amina,0612121279,P1,1,35`);
  const job = await importLeads(a, { name: 'leads.csv', type: 'text/csv', data: Buffer.from(lines.join('\n')) });
  assert.deepEqual(job.errors, [{ row: 100_002, column: null, message: 'The file must not have more than 100000 rows.' }]);
});

// The import audit: a row of separators only (,,,,,,,) failed the import, one "field is required"
// error per required column, where an empty line, and an XLSX row of empty cells, are skipped.
test('CSV rows of empty or blank cells are skipped, the rows after them numbered by their lines (import audit)', async () => {
  const shop = await tenant(t.db);
  const a = await login(t.app, shop.email);
  const csv = (text: string) => ({ name: 'leads.csv', type: 'text/csv', data: Buffer.from(text) });
  const header = 'full_name,phone,city,area,address,sku,quantity,price\n';
  const done = await importLeads(a, csv(`${header}Good Name,0611111111,Casablanca,,,P1,1,35\n,,,,,,,\n,,,,,,,\n , ,\t,,,,,\n`));
  assert.equal(done.status, 'done', JSON.stringify(done.errors));
  assert.deepEqual(done.result, { imported: 1, message: '1 lead imported.' });
  const failed = await importLeads(a, csv(`${header},,,,,,,\n"",,,,,,,\nBad Name,0611111112,Casablanca,,,P1,0,35\n`));
  assert.deepEqual(failed.errors, [{ row: 4, column: 'quantity', message: 'The quantity field must be at least 1.' }]);
  const none = await importLeads(a, csv(`${header},,,,,,,\n`));
  assert.deepEqual(
    none.errors.map((e) => e.message),
    ['The file has no rows to import.'],
  );
});

test('an import refused for its file keeps the account an admin chose (forms audit: it came back unchosen)', async () => {
  const shop = await tenant(t.db);
  const admin = await login(t.app, (await person(t.db, 'admin')).email);
  await admin.get('/leads/import');
  const res = await admin.form('/leads/import', { account_id: shop.accountId });
  assert.equal(res.statusCode, 302);
  assert.equal(res.headers.location, '/leads/import');
  const back = (await admin.follow(res)).body;
  assert.match(back, /The file field is required\./);
  assert.match(back, new RegExp(`<option value="${shop.accountId}" selected>`));
});

// A server killed mid-import on PostgreSQL left the job "running" for the 600 s that only PGlite needs.
test("an import's lease: a minute on PostgreSQL, ten on the embedded database", async () => {
  const shop = await tenant(t.db);
  const a = await login(t.app, shop.email);
  const file = {
    name: 'leads.csv',
    type: 'text/csv',
    data: Buffer.from('full_name,phone,sku,quantity,price\nLease One,0621111113,P1,1,100\n'),
  };
  const res = await uploadAs(t.app, a, '/leads/import', file);
  assert.equal(res.statusCode, 202, res.body);
  const id = (res.json().data as { job_id: string }).job_id;
  assert.equal((await jobFinished(t.db, id, 120_000)).status, 'done');
  const { rows } = await t.db.query<{ lease: number }>('SELECT extract(epoch FROM expire_in)::int AS lease FROM pgboss.job WHERE id = $1', [
    id,
  ]);
  assert.deepEqual(rows, [{ lease: usingPostgres ? 60 : 600 }]);
});
