// Every date the `date` rule passes is one PostgreSQL reads: an offset beyond ±15:59 reached
// `::timestamptz` as written and answered 500 "Server Error." (outside audit of api-v1.md).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isDate, isStoredDate } from '../../http/validation.js';
import { zonedInstant } from '../../lib/time-zone.js';
import { lead, sharedTestApp, tenant, type Tenant, type TestApp } from '../../test-support/harness.js';
import { expectInvalid } from '../../test-support/expect.js';
import { person } from '../../test-support/people.js';
import { login } from '../../test-support/session.js';
import { deliveredByCompany } from '../ledger/test-fixtures.js';
import { tokenExpiry } from '../tokens/tokens.js';

const API = '/api/web/1.0';
const INVALID = 'The given data was invalid.';
/** Offsets Date.parse takes (up to ±23:59) and PostgreSQL does not ("time zone displacement out of range"). */
const BEYOND = ['+16:00', '-18:00', '+23:59', '+1600', '-2359'];

let t: TestApp;
// Asia/Tokyo (UTC+9; +09:18:59 before 1888): the dashboard's 0001-01-01 is in year 0 in UTC.
sharedTestApp((app) => (t = app), { TIMEZONE: 'Asia/Tokyo', API_RATE_LIMIT_PER_MINUTE: '100000' });

async function api(a: Tenant, method: 'GET' | 'PATCH' | 'POST', path: string, payload?: object) {
  const r = await t.app.inject({ method, url: `${API}${path}`, headers: a.auth, ...(payload ? { payload } : {}) });
  return { status: r.statusCode, body: r.body === '' ? undefined : JSON.parse(r.body) };
}

async function assert422(res: Promise<{ status: number; body: unknown }>, errors: Record<string, string[]>, what: string) {
  const r = await res;
  assert.equal(r.status, 422, `${what}: ${JSON.stringify(r.body)}`);
  assert.deepEqual(r.body, { message: INVALID, errors }, what);
}

describe('the date rule refuses what PostgreSQL cannot read', () => {
  test('an offset up to ±15:59 is a date, one beyond is not; hour 24 of 9999-12-31 (year 10000) is not', () => {
    for (const off of BEYOND) {
      assert.equal(isDate(`2027-01-01T10:00:00${off}`), false, off);
      assert.equal(isDate(`2027-01-01 10:00${off}`), false, off);
    }
    for (const off of ['+15:59', '-15:59', '+1559', '+14:00', '-12:00', '+00:00', 'Z'])
      assert.equal(isDate(`2027-01-01T10:00:00${off}`), true, off);
    for (const s of ['9999-12-31T24:00Z', '9999-12-31T24:00:00+01:00', '9999-12-31 24:00', '9999-12-31T24:30'])
      assert.equal(isDate(s), false, s);
    for (const s of ['9999-12-30T24:00Z', '9999-12-31T23:59:59-14:00', '9999-12-31 23:59']) assert.equal(isDate(s), true, s);
  });

  test('every value the rule passes, as the lifecycle and the remittance form hand it on, is read by the database', async () => {
    const failed: string[] = [];
    for (const day of ['0001-01-01', '2026-12-05', '9999-12-31'])
      for (const time of ['', 'T00:00', 'T10:00:00', ' 23:59:59.999', 'T24:00', 'T24:30'])
        for (const zone of ['', 'Z', '+15:59', '-15:59', '+0100', ...BEYOND]) {
          const value = `${day}${time}${zone}`;
          if (!isDate(value)) continue;
          // The API's zone-less time is UTC (leads/lifecycle.ts); the dashboard's is TIMEZONE, and the
          // remittance form checks the instant again (remittances/pages.tsx).
          for (const tz of ['UTC', 'Asia/Tokyo', 'America/Los_Angeles']) {
            const sent = zonedInstant(value, tz);
            if (tz !== 'UTC' && !isDate(sent)) continue;
            try {
              await t.db.query('SELECT $1::timestamptz', [sent]);
            } catch (e) {
              failed.push(`${value} (${tz}): ${(e as Error).message}`);
            }
          }
        }
    assert.deepEqual(failed, []);
  });
});

describe('an offset beyond ±15:59 is a 422 wherever a date is taken (it was a 500, or a filter PostgreSQL never saw)', () => {
  test('a lead callback_at, alone and in a bulk PATCH; ±15:59 is stored', async () => {
    const a = await tenant(t.db);
    const created = await api(a, 'POST', '/leads', { leads: [lead(1)] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const [ref] = created.body.data.references as string[];
    for (const off of BEYOND) {
      const callback_at = `2030-01-01T10:00:00${off}`;
      await assert422(
        api(a, 'PATCH', `/leads/${ref}`, { status: 'call_later', callback_at }),
        { callback_at: ['The callback at field must be a valid date.'] },
        off,
      );
      await assert422(
        api(a, 'PATCH', '/leads', { leads: [{ reference: ref, status: 'call_later', callback_at }] }),
        { 'leads.0.callback_at': ['The leads.0.callback_at field must be a valid date.'] },
        `bulk ${off}`,
      );
    }
    assert.equal((await api(a, 'GET', `/leads/${ref}`)).body.data.status, 'new');
    const moved = await api(a, 'PATCH', `/leads/${ref}`, { status: 'call_later', callback_at: '2030-01-01T10:00:00+15:59' });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.equal(moved.body.data.callback_at, '2029-12-31T18:01:00Z');
    const bulk = await api(a, 'PATCH', '/leads', {
      leads: [{ reference: ref, status: 'call_later', callback_at: '2030-01-01T10:00:00-15:59' }],
    });
    assert.equal(bulk.status, 200, JSON.stringify(bulk.body));
    assert.equal((await api(a, 'GET', `/leads/${ref}`)).body.data.callback_at, '2030-01-02T01:59:00Z');
  });

  test('the list and history filters of the API', async () => {
    const a = await tenant(t.db);
    for (const off of BEYOND) {
      const q = encodeURIComponent(`2026-12-05T10:00${off}`);
      await assert422(api(a, 'GET', `/leads?created_from=${q}`), { created_from: ['The created from field must be a valid date.'] }, off);
      await assert422(api(a, 'GET', `/orders?created_to=${q}`), { created_to: ['The created to field must be a valid date.'] }, off);
      await assert422(api(a, 'GET', `/lead-histories?from=${q}`), { from: ['The from field must be a valid date.'] }, off);
      await assert422(api(a, 'GET', `/order-histories?to=${q}`), { to: ['The to field must be a valid date.'] }, off);
    }
    assert.equal((await api(a, 'GET', `/leads?created_from=${encodeURIComponent('2026-12-05T10:00+15:59')}`)).status, 200);
  });

  test("the dashboard's forms and filters: a remittance, an API key's expiry, the balance history, a lead's call back", async () => {
    const admin = await login(t.app, (await person(t.db, 'admin')).email);
    const s = await tenant(t.db);
    const { company, made } = await deliveredByCompany(t.db, [100]);
    const remit = (received_at: string) =>
      admin.json('POST', '/remittances', { shipping_company_id: company, order_ids: [made[0].id], received_at });
    for (const off of BEYOND) {
      expectInvalid(await remit(`2026-12-05T10:00:00${off}`), { received_at: ['The received at field must be a valid date.'] }, off);
      expectInvalid(
        await admin.json('POST', '/settings/api-keys/store', {
          account_id: s.accountId,
          name: 'k',
          scopes: ['VIEW LEADS'],
          expires_at: `2030-01-01T10:00${off}`,
        }),
        { expires_at: ['The expires at field must be a valid date.'] },
        off,
      );
      expectInvalid(
        await admin.json('GET', `/balance-histories?created_from=${encodeURIComponent(`2026-12-05T10:00${off}`)}`),
        { created_from: ['The created from field must be a valid date.'] },
        off,
      );
    }
    // Tokyo's 0001-01-01 began in year 0 in UTC, which PostgreSQL does not read either.
    expectInvalid(await remit('0001-01-01'), { received_at: ['The received at field must be a valid date.'] });
    const ok = await remit('2026-12-05T10:00:00+15:59');
    assert.equal(ok.statusCode, 201, ok.body);
    assert.equal(ok.json().data.received_at, '2026-12-04T18:01:00Z');

    const created = await api(s, 'POST', '/leads', { leads: [lead(2)] });
    const { rows } = await t.db.query<{ id: string }>('SELECT id FROM leads WHERE account_id = $1 AND reference = $2', [
      s.accountId,
      created.body.data.references[0],
    ]);
    for (const off of BEYOND)
      expectInvalid(
        await admin.json('PATCH', `/leads/${rows[0].id}/status`, { status: 'call_later', callback_at: `2030-01-01T10:00${off}` }),
        { callback_at: ['The callback at field must be a valid date.'] },
        off,
      );
  });
});

// A date past year 9999 in UTC through its offset was stored and answered as `10000-01-01T13:59:59Z`,
// no ISO 8601 a client reads; one before year 1 as a date BC. A filter still reads either as an open bound.
describe('a date a record keeps falls in years 1–9999 in UTC', () => {
  const PAST_9999 = '9999-12-31T23:59:59-14:00';
  const BEFORE_1 = '0001-01-01T00:30:00+01:00';

  test('the rule, and the expiry of a key the dashboard and the CLI read in TIMEZONE', () => {
    for (const s of [PAST_9999, BEFORE_1]) {
      assert.equal(isDate(s), true, s);
      assert.equal(isStoredDate(s), false, s);
    }
    for (const s of [
      '9999-12-31T23:59:59Z',
      '9999-12-31T23:59:59+14:00',
      '9999-12-31 23:59',
      '9999-12-31',
      '0001-01-01T00:00Z',
      '0001-01-01T00:30:00-01:00',
    ])
      assert.equal(isStoredDate(s), true, s);
    assert.equal(tokenExpiry(PAST_9999, 'UTC'), undefined);
    // The whole of 9999-12-31 in Los Angeles ends in year 10000 in UTC; in Tokyo it ends before.
    assert.equal(tokenExpiry('9999-12-31', 'America/Los_Angeles'), undefined);
    assert.equal(tokenExpiry('9999-12-31T20:00', 'America/Los_Angeles'), undefined);
    assert.equal(tokenExpiry('9999-12-31', 'Asia/Tokyo')?.toISOString(), '9999-12-31T14:59:59.999Z');
  });

  test("a lead's callback_at through the API, alone and in bulk; year 9999's last second in UTC is kept", async () => {
    const a = await tenant(t.db);
    const created = await api(a, 'POST', '/leads', { leads: [lead(3)] });
    const [ref] = created.body.data.references as string[];
    await assert422(
      api(a, 'PATCH', `/leads/${ref}`, { status: 'call_later', callback_at: PAST_9999 }),
      { callback_at: ['The callback at field must be a valid date.'] },
      'alone',
    );
    await assert422(
      api(a, 'PATCH', '/leads', { leads: [{ reference: ref, status: 'call_later', callback_at: BEFORE_1 }] }),
      { 'leads.0.callback_at': ['The leads.0.callback_at field must be a valid date.'] },
      'bulk',
    );
    assert.equal((await api(a, 'GET', `/leads/${ref}`)).body.data.status, 'new');
    const kept = await api(a, 'PATCH', `/leads/${ref}`, { status: 'call_later', callback_at: '9999-12-31T23:59:59+14:00' });
    assert.equal(kept.status, 200, JSON.stringify(kept.body));
    assert.equal(kept.body.data.callback_at, '9999-12-31T09:59:59Z');
    await assert422(
      api(a, 'PATCH', `/leads/${ref}`, { callback_at: PAST_9999 }),
      { callback_at: ['The callback at field must be a valid date.'] },
      'reschedule',
    );
    assert.equal((await api(a, 'GET', `/leads/${ref}`)).body.data.callback_at, '9999-12-31T09:59:59Z');
  });

  test("the dashboard's call back, API key expiry and remittance", async () => {
    const admin = await login(t.app, (await person(t.db, 'admin')).email);
    const s = await tenant(t.db);
    const created = await api(s, 'POST', '/leads', { leads: [lead(4)] });
    const { rows } = await t.db.query<{ id: string }>('SELECT id FROM leads WHERE account_id = $1 AND reference = $2', [
      s.accountId,
      created.body.data.references[0],
    ]);
    expectInvalid(await admin.json('PATCH', `/leads/${rows[0].id}/status`, { status: 'call_later', callback_at: PAST_9999 }), {
      callback_at: ['The callback at field must be a valid date.'],
    });
    const key = (expires_at: string) =>
      admin.json('POST', '/settings/api-keys/store', { account_id: s.accountId, name: 'k', scopes: ['VIEW LEADS'], expires_at });
    expectInvalid(await key(PAST_9999), { expires_at: ['The expires at field must be a valid date.'] });
    const { company, made } = await deliveredByCompany(t.db, [100]);
    const remit = await admin.json('POST', '/remittances', {
      shipping_company_id: company,
      order_ids: [made[0].id],
      received_at: BEFORE_1,
    });
    expectInvalid(remit, { received_at: ['The received at field must be a valid date.'] });
    const { rows: kept } = await t.db.query('SELECT 1 FROM remittances WHERE shipping_company_id = $1', [company]);
    assert.equal(kept.length, 0);
    assert.equal((await key('9999-12-31')).statusCode, 201);
  });
});
