// A lead's `data` is "array of at most 100 `{key, value}`" (api-v1.md): a pair may leave out one of
// the two (docs/decisions.md), not both; `[{}]` was stored (outside audit of api-v1.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lead, sharedTestApp, tenant, type Tenant, type TestApp } from '../../test-support/harness.js';

const API = '/api/web/1.0';
const INVALID = 'The given data was invalid.';

let t: TestApp;
sharedTestApp((app) => (t = app), { API_RATE_LIMIT_PER_MINUTE: '100000' });

async function api(a: Tenant, method: 'GET' | 'PATCH' | 'POST', path: string, payload?: object) {
  const r = await t.app.inject({ method, url: `${API}${path}`, headers: a.auth, ...(payload ? { payload } : {}) });
  return { status: r.statusCode, body: r.body === '' ? undefined : JSON.parse(r.body) };
}

function assert422(r: { status: number; body: any }, errors: Record<string, string[]>, what: string) {
  assert.equal(r.status, 422, `${what}: ${JSON.stringify(r.body)}`);
  assert.deepEqual(r.body, { message: INVALID, errors }, what);
  assert.deepEqual(Object.keys(r.body.errors), Object.keys(errors), what);
}

/** Laravel's `required_without` on both fields of pair `p` (`data.0`, `leads.0.data.1`). */
const neither = (p: string) => ({
  [`${p}.key`]: [`The ${p}.key field is required when ${p}.value is not present.`],
  [`${p}.value`]: [`The ${p}.value field is required when ${p}.key is not present.`],
});

test('a data pair with neither key nor value is refused on create, PATCH and bulk PATCH; one of the two is enough', async () => {
  const a = await tenant(t.db);
  const created = await api(a, 'POST', '/leads', { leads: [lead(1, { data: [{ key: 'source', value: 'fb' }] })] });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const [ref] = created.body.data.references as string[];
  const empties: [string, unknown][] = [
    ['{}', {}],
    ['both null', { key: null, value: null }],
    ['both blank', { key: '', value: '  ' }],
    ['only an unknown field', { extra: 'x' }],
  ];
  for (const [what, pair] of empties) {
    assert422(
      await api(a, 'POST', '/leads', { leads: [lead(2, { data: [{ key: 'k', value: 'v' }, pair] })] }),
      neither('leads.0.data.1'),
      `create ${what}`,
    );
    assert422(await api(a, 'PATCH', `/leads/${ref}`, { data: [pair] }), neither('data.0'), `PATCH ${what}`);
    assert422(await api(a, 'PATCH', '/leads', { leads: [{ reference: ref, data: [pair] }] }), neither('leads.0.data.0'), `bulk ${what}`);
  }
  assert.deepEqual((await api(a, 'GET', `/leads/${ref}`)).body.data.data, [{ key: 'source', value: 'fb' }]);
  const count = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM leads WHERE account_id = $1', [a.accountId]);
  assert.equal(count.rows[0].n, 1);

  // One of the two is enough (docs/decisions.md); the other, sent empty beside it, is still checked.
  assert422(
    await api(a, 'PATCH', `/leads/${ref}`, { data: [{ key: 'k', value: null }] }),
    { 'data.0.value': ['The data.0.value field must be a string.', 'The data.0.value field must be at least 1 characters.'] },
    'value null beside a key',
  );
  const kept = await api(a, 'PATCH', `/leads/${ref}`, { data: [{ key: 'only-key' }, { value: 'only-value' }] });
  assert.equal(kept.status, 200, JSON.stringify(kept.body));
  assert.equal(kept.body.data.data.length, 2);
});
