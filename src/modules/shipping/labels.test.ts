import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SYSTEM } from '../../core/actor.js';
import { tenant, testApp, type TestApp, type Tenant } from '../../test-support/harness.js';
import { login, type Agent } from '../../test-support/session.js';
import { person } from '../../test-support/people.js';
import { createOrder } from '../orders/service.js';
import { bidiLevels, visualRuns } from '../../files/pdf.js';
import { pdfText } from '../../test-support/pdf-text.js';
import { labelsPdf } from './labels.js';

// The barcode is read back from the rendered page, as a scanner would: poppler's pdftoppm and zbar's
// zbarimg (Debian's poppler-utils and zbar-tools; .ci/run installs them).
const tools = ['/usr/bin/pdftoppm', '/usr/bin/zbarimg'].every((p) => existsSync(p));
const skipDecode = tools ? false : 'no pdftoppm/zbarimg (Debian: poppler-utils, zbar-tools)';

let t: TestApp;
let shop: Tenant;
let seller: Agent;
let admin: Agent;
const ids: string[] = [];
const refs: string[] = [];
const TRACKING = 'SIM123456789';

before(async () => {
  t = await testApp();
  shop = await tenant(t.db);
  seller = await login(t.app, shop.email);
  admin = await login(t.app, (await person(t.db, 'admin')).email);
  for (const name of ['Youssef Client', 'محمد العلوي', 'Fatima Zahra El Mansouri '.repeat(4).slice(0, 100)]) {
    const ref = await t.db.tx((q) =>
      createOrder(q, SYSTEM, shop.accountId, {
        full_name: name,
        phone: '0612345678',
        city: 'Agadir',
        // The third: an address of about the 1,000 characters the API takes, in wide letters, a name of 100.
        address: name.length === 100 ? 'WWWWWWWW '.repeat(111) : '9 Avenue du Prince Héritier',
        is_fees_paid_by_customer: false,
        total: 249,
        products: [{ sku: 'P1', quantity: 1, price: 249 }],
      }),
    );
    refs.push(ref);
    ids.push(
      (await t.db.query<{ id: string }>('SELECT id FROM orders WHERE account_id = $1 AND reference = $2', [shop.accountId, ref])).rows[0]
        .id,
    );
  }
  await t.db.query('UPDATE orders SET tracking_number = $1 WHERE id = $2', [TRACKING, ids[0]]);
});
after(() => t.close());

/** What a scanner reads on each page of the PDF ('' where it finds no barcode). */
function scan(pdf: Buffer): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'codops-label-'));
  try {
    writeFileSync(join(dir, 'labels.pdf'), pdf);
    execFileSync('pdftoppm', ['-r', '200', '-png', join(dir, 'labels.pdf'), join(dir, 'page')]);
    return readdirSync(dir)
      .filter((f) => f.endsWith('.png'))
      .sort()
      .map((f) => {
        try {
          return execFileSync('zbarimg', ['-q', '--raw', join(dir, f)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
        } catch (err) {
          if ((err as { status?: number }).status === 4) return ''; // zbarimg: no barcode on the page
          throw err;
        }
      });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('GET /orders/{id}/label: a 100 × 150 mm PDF whose barcode reads the tracking number', async () => {
  const res = await admin.get(`/orders/${ids[0]}/label`);
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'application/pdf');
  assert.equal(res.headers['content-disposition'], `inline; filename="${refs[0]}.pdf"`);
  assert.equal(res.rawPayload.subarray(0, 5).toString(), '%PDF-');
  assert.match(res.rawPayload.toString('latin1'), /\/MediaBox \[0 0 283\.46\d* 425\.19\d*\]/);
  if (!skipDecode) assert.deepEqual(scan(res.rawPayload), [TRACKING]);
});

test(
  'POST /orders/labels: one page per order, the reference before shipping; an unknown order is refused',
  { skip: skipDecode },
  async () => {
    const res = await admin.form('/orders/labels', { ids });
    assert.equal(res.statusCode, 200, res.body.slice(0, 300));
    assert.equal(res.headers['content-type'], 'application/pdf');
    // One page each, the longest order's too (its long fields cut short, its barcode on its page).
    assert.equal(res.rawPayload.toString('latin1').match(/\/Type \/Page\b/g)?.length, 3);
    assert.deepEqual(scan(res.rawPayload), [TRACKING, refs[1], refs[2]]);

    const refused = await admin.json('POST', '/orders/labels', { ids: [ids[1], 'nope'] });
    assert.equal(refused.statusCode, 422);
    assert.deepEqual(refused.json().errors, { 'ids.1': ['The selected ids.1 is invalid.'] });
  },
);

test('labels are the admin’s (domain.md: "label" is among the admin’s extras only): others 403, no link', async () => {
  const forbidden = { message: 'This action is unauthorized.' };
  for (const role of ['manager-leader', 'manager', 'follow-up-agent', 'stock-manager'] as const) {
    const who = await login(t.app, (await person(t.db, role)).email);
    assert.equal((await who.get(`/orders/${ids[0]}/label`)).statusCode, 403, role);
    assert.deepEqual((await who.json('POST', '/orders/labels', { ids })).json(), forbidden, role);
    assert.doesNotMatch((await who.get(`/orders/${ids[0]}/show`)).body, /\/label"/, role);
  }
  assert.equal((await seller.get(`/orders/${ids[0]}/label`)).statusCode, 403);
  assert.deepEqual((await seller.json('POST', '/orders/labels', { ids })).json(), { message: 'This action is unauthorized.' });
  assert.doesNotMatch((await seller.get(`/orders/${ids[0]}/show`)).body, /Shipping label/);
  assert.match((await admin.get(`/orders/${ids[0]}/show`)).body, new RegExp(`href="/orders/${ids[0]}/label"`));
  // The orders list prints the labels of the ticked orders, whatever ships them (the ops audit found no
  // way to without a company of the http adapter); those without the right see no such button.
  const list = (await admin.get('/orders')).body;
  assert.match(list, /<form[^>]*id="order-bulk"/);
  assert.match(list, /formaction="\/orders\/labels" formtarget="_blank"/);
  assert.match(list, new RegExp(`name="ids\\[\\]" value="${ids[0]}"[^>]*form="order-bulk"`));
  for (const who of [seller, await login(t.app, (await person(t.db, 'manager')).email)]) {
    assert.doesNotMatch((await who.get('/orders')).body, /Labels of the selected/);
  }
});

// Found by the fulfilment audit: pdfkit laid an Arabic name's words out left to right and ran them together.
test('Arabic on a label: words in reading order, numbers left to right inside (the Unicode bidi algorithm)', async () => {
  const runs = (t: string) => visualRuns(t, bidiLevels(t));
  assert.deepEqual(runs('محمد العلوي'), [{ text: 'محمد العلوي', rtl: true }]);
  assert.deepEqual(runs('زنقة 12، حي'), [
    { text: '، حي', rtl: true },
    { text: '12', rtl: false },
    { text: 'زنقة ', rtl: true },
  ]);
  assert.deepEqual(runs('12 Rue Atlas'), [{ text: '12 Rue Atlas', rtl: false }]);
  if (!existsSync('/usr/bin/pdftotext')) return;
  // Read back as a PDF reader extracts it: the name in order, a space between its words.
  const res = await admin.get(`/orders/${ids[1]}/label`);
  const dir = mkdtempSync(join(tmpdir(), 'codops-label-'));
  try {
    writeFileSync(join(dir, 'label.pdf'), res.rawPayload);
    const text = execFileSync('pdftotext', [join(dir, 'label.pdf'), '-'], { encoding: 'utf8' }).replace(/[\u202a-\u202e]/g, '');
    assert.match(text, /محمد العلوي/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Found by the fulfilment audit: a tracking number Code 128 cannot carry scanned as other text
// ("X*X*X(X9-Y!Y"Y# C)"). A courier may answer one; a hand-typed one is refused (orders-pages test).
test('a tracking number a barcode cannot carry: no barcode, the number itself in reading order', { skip: skipDecode }, async () => {
  const odd = 'تتبع-١٢٣ é';
  // Its line is drawn as the names are: Arabic right to left, its digits left to right inside.
  const line = `Tracking ${odd}`;
  assert.deepEqual(
    visualRuns(line, bidiLevels(line)).map((r) => r.text),
    ['Tracking ', '١٢٣', 'تتبع-', ' é'],
  );
  await t.db.query('UPDATE orders SET tracking_number = $1 WHERE id = $2', [odd, ids[2]]);
  try {
    const res = await admin.get(`/orders/${ids[2]}/label`);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(scan(res.rawPayload), ['']);
    if (!existsSync('/usr/bin/pdftotext')) return;
    const dir = mkdtempSync(join(tmpdir(), 'codops-label-'));
    try {
      writeFileSync(join(dir, 'label.pdf'), res.rawPayload);
      const text = execFileSync('pdftotext', [join(dir, 'label.pdf'), '-'], { encoding: 'utf8' }).replace(/[\u202a-\u202e]/g, '');
      assert.match(text, /No barcode: the tracking number holds characters a\s+barcode cannot carry\./);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await t.db.query('UPDATE orders SET tracking_number = NULL WHERE id = $1', [ids[2]]);
  }
});

// Fulfilment audit (L3): a label listed 8 lines and "and 2 more" with a third of the page blank.
test('a label lists as many lines as the room above its barcode holds, the rest counted', { skip: skipDecode }, async () => {
  const label = (n: number) => ({
    reference: 'ORD-09999',
    tracking_number: TRACKING,
    full_name: 'Youssef Client',
    phone: '0612345678',
    city: 'Agadir',
    area: null,
    address: '9 Avenue du Prince Héritier',
    cod_amount: 249,
    products: Array.from({ length: n }, (_, i) => ({ sku: `SKU-${i + 1}`, name: `Product ${i + 1}`, quantity: 1 })),
  });
  const listed = (pdf: Buffer) => {
    const text = pdfText(pdf);
    return { lines: text.match(/1 × SKU-\d+/g)?.length ?? 0, more: Number(/and (\d+) more/.exec(text)?.[1] ?? 0) };
  };
  const ten = await labelsPdf([label(10)]);
  assert.deepEqual(listed(ten), { lines: 10, more: 0 }, 'ten lines fit');
  const many = await labelsPdf([label(60)]);
  const { lines, more } = listed(many);
  assert.ok(lines > 10 && lines < 60, `${lines} lines listed`);
  assert.equal(lines + more, 60, 'the rest counted');
  assert.equal(many.toString('latin1').match(/\/Type \/Page\b/g)?.length, 1, 'one page');
  assert.deepEqual(scan(many), [TRACKING], 'the barcode is not covered');
});

// A 1,000-character address (what the API takes) was cut after five lines with half the page left.
test('a long address takes the room there is on its label, smaller if it must, the barcode still read', { skip: skipDecode }, async () => {
  const words = 'Residence Al Amal Immeuble 12 Appartement 4 Rue Ibn Battouta Quartier Maarif pres de la pharmacie centrale'.split(' ');
  const address = Array.from({ length: 200 }, (_, i) => words[i % words.length])
    .join(' ')
    .slice(0, 1000)
    .trim();
  assert.ok(address.length > 990, `${address.length} characters`);
  const label = (products: number) => ({
    reference: 'ORD-09998',
    tracking_number: TRACKING,
    full_name: 'Youssef Client',
    phone: '0612345678',
    city: 'Agadir',
    area: 'Talborjt',
    address,
    cod_amount: 249,
    products: Array.from({ length: products }, (_, i) => ({ sku: `SKU-${i + 1}`, name: `Product ${i + 1}`, quantity: 1 })),
  });
  for (const products of [1, 30]) {
    const pdf = await labelsPdf([label(products)]);
    const text = pdfText(pdf).replace(/\s+/g, ' ');
    assert.ok(text.includes(address), `the whole address, with ${products} products: ${text}`);
    assert.ok(text.includes('To collect: 249.00 MAD'));
    assert.match(text, /1 × SKU-1 — Product 1/);
    assert.equal(pdf.toString('latin1').match(/\/Type \/Page\b/g)?.length, 1, 'one page');
    assert.deepEqual(scan(pdf), [TRACKING], 'the barcode is not covered');
  }
});
