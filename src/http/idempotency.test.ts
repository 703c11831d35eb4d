import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import canonicalJson from 'safe-stable-stringify';
import { lead, order, tenant, sharedTestApp, type TestApp } from '../test-support/harness.js';

let t: TestApp;
sharedTestApp((app) => (t = app));

const count = async (table: string, accountId: string) =>
  (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE account_id = $1`, [accountId])).rows[0].n;

test('a retry with the same key and body replays the first response and writes nothing', async () => {
  const a = await tenant(t.db);
  const send = () =>
    t.app.inject({
      method: 'POST',
      url: '/api/web/1.0/leads',
      headers: { ...a.auth, 'idempotency-key': 'k-1' },
      payload: { leads: [lead(1), lead(2)] },
    });
  const first = await send();
  const second = await send();
  assert.equal(first.statusCode, 201);
  assert.equal(second.statusCode, 201);
  assert.deepEqual(second.json(), { message: 'Leads created successfully.', data: { references: ['LD-00001', 'LD-00002'] } });
  assert.equal(second.body, first.body);
  assert.equal(await count('leads', a.accountId), 2);
  assert.equal(await count('lead_histories', a.accountId), 2);
});

test('the same data serialised again (another key order, other spacing) is the same request', async () => {
  const a = await tenant(t.db);
  const headers = { ...a.auth, 'idempotency-key': 'k-json', 'content-type': 'application/json' };
  const one = lead(1);
  const first = await t.app.inject({ method: 'POST', url: '/api/web/1.0/leads', headers, payload: JSON.stringify({ leads: [one] }) });
  assert.equal(first.statusCode, 201);
  const reordered = Object.fromEntries(Object.entries(one).reverse());
  const again = await t.app.inject({
    method: 'POST',
    url: '/api/web/1.0/leads',
    headers,
    payload: JSON.stringify({ leads: [reordered] }, null, 2),
  });
  assert.equal(again.statusCode, 201, again.body);
  assert.equal(again.headers['idempotent-replayed'], 'true');
  assert.equal(again.body, first.body);
  assert.equal(await count('leads', a.accountId), 1);
});

test('the same key with another body answers 422 and writes nothing', async () => {
  const a = await tenant(t.db);
  const headers = { ...a.auth, 'idempotency-key': 'k-2' };
  await t.app.inject({ method: 'POST', url: '/api/web/1.0/orders', headers, payload: { orders: [order(1)] } });
  const other = await t.app.inject({ method: 'POST', url: '/api/web/1.0/orders', headers, payload: { orders: [order(2)] } });
  assert.equal(other.statusCode, 422);
  assert.deepEqual(other.json(), {
    message: 'The given data was invalid.',
    errors: { 'Idempotency-Key': ['The Idempotency-Key has already been used for a different request.'] },
  });
  assert.equal(await count('orders', a.accountId), 1);
});

test('a key kept more than a day is forgotten: the same key is a new request, with any body', async () => {
  const a = await tenant(t.db);
  const headers = { ...a.auth, 'idempotency-key': 'k-old' };
  const first = await t.app.inject({ method: 'POST', url: '/api/web/1.0/leads', headers, payload: { leads: [lead(1)] } });
  assert.equal(first.statusCode, 201);
  await t.db.query(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'k-old' AND token_id = $1`, [
    a.tokenId,
  ]);
  const later = await t.app.inject({ method: 'POST', url: '/api/web/1.0/leads', headers, payload: { leads: [lead(2), lead(3)] } });
  assert.equal(later.statusCode, 201, later.body);
  assert.equal(later.headers['idempotent-replayed'], undefined);
  assert.deepEqual(later.json().data, { references: ['LD-00002', 'LD-00003'] });
  const replay = await t.app.inject({ method: 'POST', url: '/api/web/1.0/leads', headers, payload: { leads: [lead(2), lead(3)] } });
  assert.equal(replay.headers['idempotent-replayed'], 'true');
  assert.equal(replay.body, later.body);
  assert.equal(await count('leads', a.accountId), 3);
});

test('keys are per token, and a failed write does not use the key up', async () => {
  const a = await tenant(t.db);
  const b = await tenant(t.db);
  const bad = await t.app.inject({
    method: 'POST',
    url: '/api/web/1.0/leads',
    headers: { ...a.auth, 'idempotency-key': 'k-3' },
    payload: { leads: [{}] },
  });
  assert.equal(bad.statusCode, 422);
  const good = await t.app.inject({
    method: 'POST',
    url: '/api/web/1.0/leads',
    headers: { ...a.auth, 'idempotency-key': 'k-3' },
    payload: { leads: [lead(1)] },
  });
  assert.equal(good.statusCode, 201);
  const otherToken = await t.app.inject({
    method: 'POST',
    url: '/api/web/1.0/leads',
    headers: { ...b.auth, 'idempotency-key': 'k-3' },
    payload: { leads: [lead(1)] },
  });
  assert.equal(otherToken.statusCode, 201);
  assert.equal(await count('leads', a.accountId), 1);
  assert.equal(await count('leads', b.accountId), 1);
});

test('a key longer than 255 characters is refused', async () => {
  const a = await tenant(t.db);
  const r = await t.app.inject({
    method: 'POST',
    url: '/api/web/1.0/leads',
    headers: { ...a.auth, 'idempotency-key': 'x'.repeat(256) },
    payload: { leads: [lead(1)] },
  });
  assert.equal(r.statusCode, 422);
  assert.deepEqual(r.json(), {
    message: 'The given data was invalid.',
    errors: { 'Idempotency-Key': ['The Idempotency-Key field must not be greater than 255 characters.'] },
  });
  assert.equal(await count('leads', a.accountId), 0);
});

test('an empty key is refused by its length, not its type', async () => {
  const a = await tenant(t.db);
  const r = await t.app.inject({
    method: 'POST',
    url: '/api/web/1.0/leads',
    headers: { ...a.auth, 'idempotency-key': '' },
    payload: { leads: [lead(1)] },
  });
  assert.equal(r.statusCode, 422);
  assert.deepEqual(r.json(), {
    message: 'The given data was invalid.',
    errors: { 'Idempotency-Key': ['The Idempotency-Key field must be at least 1 characters.'] },
  });
  assert.equal(await count('leads', a.accountId), 0);
});

test('racing requests with one key write once and answer the same', async () => {
  const a = await tenant(t.db);
  const payload = { leads: Array.from({ length: 200 }, (_, i) => lead(i)) };
  const results = await Promise.all(
    Array.from({ length: 6 }, () =>
      t.app.inject({ method: 'POST', url: '/api/web/1.0/leads', headers: { ...a.auth, 'idempotency-key': 'race' }, payload }),
    ),
  );
  assert.deepEqual(
    results.map((r) => r.statusCode),
    [201, 201, 201, 201, 201, 201],
  );
  assert.equal(new Set(results.map((r) => r.body)).size, 1);
  assert.equal(await count('leads', a.accountId), 200);
});

test('PATCH and DELETE replay too', async () => {
  const a = await tenant(t.db);
  await t.app.inject({ method: 'POST', url: '/api/web/1.0/leads', headers: a.auth, payload: { leads: [lead(1)] } });
  const headers = { ...a.auth, 'idempotency-key': 'no-reply-1' };
  for (let i = 0; i < 2; i++) {
    const r = await t.app.inject({ method: 'PATCH', url: '/api/web/1.0/leads/LD-00001', headers, payload: { status: 'no_reply' } });
    assert.equal(r.statusCode, 200);
    assert.equal(r.json().data.call_attempts, 1);
  }
  const del = { ...a.auth, 'idempotency-key': 'del-1' };
  for (let i = 0; i < 2; i++) {
    const r = await t.app.inject({ method: 'DELETE', url: '/api/web/1.0/leads/LD-00001', headers: del });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), { message: 'Lead deleted successfully.' });
  }
});

test('the route decides the path: a trailing slash or an escaped reference is the same request, another reference is not', async () => {
  const a = await tenant(t.db);
  const headers = { ...a.auth, 'idempotency-key': 'k-route' };
  const create = (url: string) => t.app.inject({ method: 'POST', url, headers, payload: { leads: [lead(1), lead(2)] } });
  const first = await create('/api/web/1.0/leads');
  assert.equal(first.statusCode, 201);
  const slashed = await create('/api/web/1.0/leads/');
  assert.equal(slashed.statusCode, 201, slashed.body);
  assert.equal(slashed.headers['idempotent-replayed'], 'true');
  assert.equal(slashed.body, first.body);
  assert.equal(await count('leads', a.accountId), 2);

  const edit = { ...a.auth, 'idempotency-key': 'k-route-patch' };
  const patch = (url: string) => t.app.inject({ method: 'PATCH', url, headers: edit, payload: { status: 'no_reply' } });
  assert.equal((await patch('/api/web/1.0/leads/LD-00001')).statusCode, 200);
  for (const url of ['/api/web/1.0/leads/LD-00001/', '/api/web/1.0/leads/LD%2D00001']) {
    const again = await patch(url);
    assert.equal(again.statusCode, 200, `${url}: ${again.body}`);
    assert.equal(again.headers['idempotent-replayed'], 'true', url);
    assert.equal(again.json().data.call_attempts, 1, url);
  }
  const other = await patch('/api/web/1.0/leads/LD-00002');
  assert.equal(other.statusCode, 422);
  assert.deepEqual(other.json().errors, { 'Idempotency-Key': ['The Idempotency-Key has already been used for a different request.'] });
});

test('a key stored before the route decided the path still replays for the path sent plain', async () => {
  const a = await tenant(t.db);
  const body = { status: 'no_reply' };
  const before = createHash('sha256').update(`PATCH /api/web/1.0/leads/LD-00001?x=1\n`).update(canonicalJson(body)).digest('hex');
  await t.db.query(
    `INSERT INTO idempotency_keys (token_id, key, request_hash, status_code, body) VALUES ($1, 'k-before', $2, 200, '{"stored":1}')`,
    [a.tokenId, before],
  );
  const headers = { ...a.auth, 'idempotency-key': 'k-before' };
  const r = await t.app.inject({ method: 'PATCH', url: '/api/web/1.0/leads/LD-00001?x=1', headers, payload: body });
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.body, '{"stored":1}');
});

test('a body nested thousands of levels deep is hashed like any other (it was a 500 with a key only: API audit)', async () => {
  const a = await tenant(t.db);
  const deep = '['.repeat(5000) + ']'.repeat(5000);
  const payload = `{"leads":[${JSON.stringify(lead(1))}],"meta":${deep}}`;
  const headers = { ...a.auth, 'idempotency-key': 'k-deep', 'content-type': 'application/json' };
  const send = () => t.app.inject({ method: 'POST', url: '/api/web/1.0/leads', headers, payload });
  const first = await send();
  assert.equal(first.statusCode, 201, first.body);
  assert.deepEqual(first.json(), { message: 'Leads created successfully.', data: { references: ['LD-00001'] } });
  const again = await send();
  assert.equal(again.headers['idempotent-replayed'], 'true');
  assert.equal(again.body, first.body);
  const patch = await t.app.inject({
    method: 'PATCH',
    url: '/api/web/1.0/leads/LD-00001',
    headers: { ...headers, 'idempotency-key': 'k-deep-patch' },
    payload: `{"full_name":${deep}}`,
  });
  assert.equal(patch.statusCode, 422, patch.body);
  assert.deepEqual(patch.json(), {
    message: 'The given data was invalid.',
    errors: { full_name: ['The full name field must be a string.', 'The full name field must be at least 3 characters.'] },
  });
  assert.equal(await count('leads', a.accountId), 1);
});
