import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorBag } from '../../http/validation.js';
import { testApp, type TestApp } from '../../test-support/harness.js';
import { expectInvalid } from '../../test-support/expect.js';
import { person } from '../../test-support/people.js';
import { login, type Agent } from '../../test-support/session.js';
import { deliveredByCompany } from '../ledger/test-fixtures.js';
import { parseCsv } from './service.js';

let t: TestApp;
let admin: Agent;

before(async () => {
  t = await testApp({ TIMEZONE: 'Africa/Casablanca' }); // the received days below are Casablanca's
  admin = await login(t.app, (await person(t.db, 'admin')).email);
});
after(() => t.close());

const delivered = (totals: number[]) => deliveredByCompany(t.db, totals);

const remittances = async (company: string) =>
  (await t.db.query('SELECT 1 FROM remittances WHERE shipping_company_id = $1', [company])).rows.length;

describe('remittance amounts, found by the finance audit', () => {
  test('a confirmed line beyond 9,999,999, or lines whose sum the column cannot hold, are 422s on their lines (they were 500s)', async () => {
    const { company, made } = await delivered([94, 80]);
    const [a, b] = made.map((o) => o.reference);
    const send = (csv: string) =>
      admin.json('POST', '/remittances', { shipping_company_id: company, received_at: '2026-12-05', csv, confirm: true });
    expectInvalid(await send(`${a},99999999999999999999\n`), {
      'lines.1.amount': [`Line 1 (${a}): the amount must not be greater than 9999999.`],
    });
    expectInvalid(await send(`${a},999999999999.99\n${b},999999999999.99\n`), {
      'lines.1.amount': [`Line 1 (${a}): the amount must not be greater than 9999999.`],
      'lines.2.amount': [`Line 2 (${b}): the amount must not be greater than 9999999.`],
    });
    expectInvalid(await send(`${a},9999999.01\n${b},80`), {
      'lines.1.amount': [`Line 1 (${a}): the amount must not be greater than 9999999.`],
    });
    assert.equal(await remittances(company), 0);
    const ok = await send(`${a},9999999\n${b},80`);
    assert.equal(ok.statusCode, 201, ok.body);
    assert.equal(ok.json().data.amount, 10_000_079);
    // The day the cash came in is the platform's (Africa/Casablanca, UTC+1 in December).
    assert.equal(ok.json().data.received_at, '2026-12-04T23:00:00Z');
  });

  test('a CSV records at most 5000 orders: the first line beyond is refused, so no sum outgrows its column', () => {
    const bag = new ErrorBag();
    const lines = parseCsv(Array.from({ length: 5003 }, (_, i) => `ORD-${i},9999999`).join('\n'), bag);
    assert.equal(lines.length, 5000);
    assert.deepEqual(bag.toJSON(), {
      'lines.5001': ['Line 5001: a remittance records at most 5000 orders; record the rest in another.'],
    });
  });
});

describe('selected orders, found by the finance audit', () => {
  test('an order selected twice is Laravel\'s distinct on each copy, not "remitted meanwhile"; nothing is recorded', async () => {
    const { company, made } = await delivered([100, 50]);
    const [x, y] = made.map((o) => o.id);
    const send = (order_ids: string[]) =>
      admin.json('POST', '/remittances', { shipping_company_id: company, order_ids, received_at: '2026-12-05' });
    expectInvalid(await send([x, y, x]), {
      'order_ids.0': ['The order_ids.0 field has a duplicate value.'],
      'order_ids.2': ['The order_ids.2 field has a duplicate value.'],
    });
    assert.equal(await remittances(company), 0);
    assert.equal((await send([x, y])).statusCode, 201);
  });
});

describe('the remittance form, found by the forms audit', () => {
  test('a refused form comes back with the ticked orders still ticked, the others not, and the comment kept', async () => {
    const { company, made } = await delivered([100, 50, 30]);
    const [x, y, z] = made.map((o) => o.id);
    const page = `/remittances/create?shipping_company_id=${company}`;
    await admin.get(page);
    const res = await admin.form('/remittances', {
      shipping_company_id: company,
      order_ids: [x, z],
      received_at: '05/12/2026',
      comment: 'Cash from Monday',
    });
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, page);
    const back = (await admin.follow(res)).body;
    assert.match(back, /The received at field must be a valid date\./);
    const box = (id: string) => new RegExp(`<input type="checkbox" name="order_ids\\[\\]" value="${id}"( checked)?`).exec(back)?.[1];
    assert.deepEqual([box(x), box(y), box(z)], [' checked', undefined, ' checked']);
    assert.match(back, />Cash from Monday<\/textarea>/);
    assert.equal(await remittances(company), 0);
  });

  test("an unknown or unremitted order is reported with the form's other errors, not after they are fixed", async () => {
    const { company, made } = await delivered([100, 50]);
    const [x] = made.map((o) => o.id);
    const { rows } = await t.db.query<{ name: string }>('SELECT name FROM shipping_companies WHERE id = $1', [company]);
    const send = (body: Record<string, unknown>) => admin.json('POST', '/remittances', { shipping_company_id: company, ...body });
    expectInvalid(await send({ order_ids: [x, 'nope', 'y'.repeat(101)], received_at: 'bad', comment: 'c'.repeat(1001) }), {
      'order_ids.1': ['The selected order_ids.1 is invalid.'],
      'order_ids.2': ['The order_ids.2 field must not be greater than 100 characters.'],
      received_at: ['The received at field must be a valid date.'],
      comment: ['The comment field must not be greater than 1000 characters.'],
    });
    expectInvalid(await send({ csv: `${made[0].reference},100\nORD-NOPE,5\nbad line`, received_at: 'bad' }), {
      received_at: ['The received at field must be a valid date.'],
      'lines.2': [`Line 2: ORD-NOPE is not a delivered order of ${rows[0].name} awaiting remittance.`],
      'lines.3': ["Line 3: write the order's reference and the amount received, as ORD-00001,398.00."],
    });
    expectInvalid(await send({ received_at: 'bad' }), {
      order_ids: ['Select the orders or upload a CSV of reference,amount lines.'],
      received_at: ['The received at field must be a valid date.'],
    });
    // Cash received in the future, up to an instant past year 9999 in UTC (finance audit: both were recorded).
    const later = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    for (const [received_at, message] of [
      [later, 'The received at field must be a date before or equal to now.'],
      ['2099-06-01', 'The received at field must be a date before or equal to now.'],
      ['9999-12-31T20:00:00-10:00', 'The received at field must be a date before or equal to now.'],
    ])
      expectInvalid(await send({ order_ids: [x], received_at }), { received_at: [message] }, received_at);
    assert.equal(await remittances(company), 0);
  });
});

// Found by the outside audit (L2): the courier cash list answered `{"data":[...]}` whole, without `meta`,
// and accepted `page=abc`; it pages as the other lists do, through listQuery, and searches by courier.
describe('the courier cash list, found by the outside audit', () => {
  test("the API's paginated body, per_page and page, the shared 422, page links", async () => {
    const tag = `Paged ${Date.now().toString(36)}`;
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const { company } = await delivered([10 * n]);
      await t.db.query('UPDATE shipping_companies SET name = $2 WHERE id = $1', [company, `${tag} ${n}`]);
      ids.push(company);
    }
    const search = `search=${encodeURIComponent(tag)}`;
    const list = async (query: string) => {
      const r = await admin.json('GET', `/remittances?${search}${query}`);
      assert.equal(r.statusCode, 200, r.body);
      const body = r.json() as { data: { id: string }[]; meta: unknown };
      assert.deepEqual(Object.keys(body), ['data', 'meta']);
      return { ids: body.data.map((c) => c.id), meta: body.meta };
    };
    assert.deepEqual(await list('&per_page=2'), { ids: ids.slice(0, 2), meta: { current_page: 1, per_page: 2, total: 3, last_page: 2 } });
    assert.deepEqual(await list('&per_page=2&page=2'), {
      ids: ids.slice(2),
      meta: { current_page: 2, per_page: 2, total: 3, last_page: 2 },
    });
    assert.deepEqual(await list(''), { ids, meta: { current_page: 1, per_page: 25, total: 3, last_page: 1 } });
    assert.deepEqual((await admin.json('GET', `/remittances?${search}&per_page=1`)).json().data, [
      {
        type: 'shipping_company',
        id: ids[0],
        name: `${tag} 1`,
        pending_orders: 1,
        pending_amount: 10,
        cash_expected: 10,
        cash_received: 0,
        difference: 10,
      },
    ]);
    expectInvalid(await admin.json('GET', '/remittances?page=abc&per_page=0'), {
      page: ['The page field must be an integer.'],
      per_page: ['The per page field must be at least 1.'],
    });

    const page = (await admin.get(`/remittances?${search}&per_page=2`)).body;
    assert.match(page, /1–2 of 3/);
    assert.match(page, new RegExp(`href="/remittances\\?search=${tag.replace(' ', '\\+')}&amp;per_page=2&amp;page=2" rel="next"`));
    assert.match(page, new RegExp(`${tag} 2`));
    assert.doesNotMatch(page, new RegExp(`${tag} 3`));
  });
});
