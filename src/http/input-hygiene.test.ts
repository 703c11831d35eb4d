import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Database } from '../db/database.js';
import { lead, order, tenant, withTestApp, usingPostgres } from '../test-support/harness.js';
import { person } from '../test-support/people.js';
import { login } from '../test-support/session.js';

/** Every registered route as [method, path], from Fastify's route tree (params kept as `:name`). */
function routes(tree: string): [string, string][] {
  const out: [string, string][] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^([│├└─\s]*)(\S.*?) \(([^)]+)\)$/.exec(line);
    if (!m) continue;
    const depth = m[1].length / 4;
    stack[depth] = m[2];
    stack.length = depth + 1;
    const path = stack.join('');
    for (const method of m[3].split(', ')) if (method !== 'HEAD') out.push([method, path]);
  }
  return out;
}

/** Each `:param` segment (and `*`) replaced by a NUL byte. */
const withNulParams = (path: string) => path.replace(/:[^/]+/g, '%00');

/** Row counts of every table in the public schema but sessions (a page view may touch its session). */
async function rowCounts(db: Database): Promise<Record<string, number>> {
  const { rows: tables } = await db.query<{ t: string }>(
    `SELECT table_name AS t FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'sessions' ORDER BY 1`,
  );
  const counts: Record<string, number> = {};
  for (const { t } of tables) counts[t] = Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM "${t}"`)).rows[0].n);
  return counts;
}

const CONTROL_QUERY = 'search=%00&phone=%00&reference=%00&sku=%00&tracking_number=%00&status=%01&name=a%1Fb';
const NUL = 'Nul\u0000Byte';

test('control characters anywhere in an API request answer 422 (404 in a path), never 5xx, and write nothing', () =>
  withTestApp(async (t) => {
    const seller = await tenant(t.db);
    await t.app.inject({ method: 'POST', url: '/api/web/1.0/leads', headers: seller.auth, payload: { leads: [lead(1)] } });
    const before = await rowCounts(t.db);
    const api = routes(t.app.printRoutes({ commonPrefix: false })).filter(
      ([, p]) => p.startsWith('/api/web/1.0/') && !p.endsWith('openapi.json'),
    );
    assert.ok(api.length >= 10, `found ${api.length} API routes`);
    const body = {
      full_name: NUL,
      leads: [lead(2, { full_name: NUL })],
      orders: [order(2, { address: NUL })],
      references: ['LD\u0000'],
      ids: ['\u0007'],
      status: 'new\u0001',
    };
    for (const [method, path] of api) {
      const urls = path.includes(':')
        ? [withNulParams(path), `${path.replace(/:[^/]+/g, 'LD-1')}?${CONTROL_QUERY}`]
        : [`${path}?${CONTROL_QUERY}`];
      for (const url of urls) {
        const res = await t.app.inject({
          method: method as 'GET',
          url,
          headers: seller.auth,
          ...(method === 'GET' ? {} : { payload: body }),
        });
        assert.ok([404, 422].includes(res.statusCode), `${method} ${url}: ${res.statusCode} ${res.body}`);
      }
      if (method !== 'GET') {
        const res = await t.app.inject({
          method: method as 'GET',
          url: path.replace(/:[^/]+/g, 'LD-1'),
          headers: seller.auth,
          payload: body,
        });
        assert.ok([404, 422].includes(res.statusCode), `${method} ${path} body: ${res.statusCode} ${res.body}`);
      }
    }
    // The PostgreSQL suite shares one database with files writing at the same time: counted on PGlite.
    if (!usingPostgres) assert.deepEqual(await rowCounts(t.db), before);
  }));

test('the bodies and messages of the spec: a NUL in a body field, a query and a path', () =>
  withTestApp(async (t) => {
    const seller = await tenant(t.db);
    const post = await t.app.inject({
      method: 'POST',
      url: '/api/web/1.0/leads',
      headers: seller.auth,
      payload: { leads: [lead(1, { full_name: NUL })] },
    });
    assert.equal(post.statusCode, 422);
    assert.equal(
      post.body,
      JSON.stringify({
        message: 'The given data was invalid.',
        errors: { 'leads.0.full_name': ['The leads.0.full_name field must not contain control characters.'] },
      }),
    );
    const query = await t.app.inject({ method: 'GET', url: '/api/web/1.0/leads?phone=%00', headers: seller.auth });
    assert.equal(query.statusCode, 422);
    assert.deepEqual(query.json().errors, { phone: ['The phone field must not contain control characters.'] });
    // A key holding one is named with it written out, never echoed raw (found by the API audit).
    const key = await t.app.inject({ method: 'GET', url: '/api/web/1.0/leads?a%00b=1', headers: seller.auth });
    assert.equal(key.statusCode, 422);
    assert.equal(
      key.body,
      '{"message":"The given data was invalid.","errors":{"a\\\\u0000b":["The a\\\\u0000b field must not contain control characters."]}}',
    );
    for (const url of ['/api/web/1.0/leads/%00', '/api/web/1.0/orders/%00']) {
      const res = await t.app.inject({ method: 'GET', url, headers: seller.auth });
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.body, '{"message":"Resource not found."}');
    }
    // Tab, line feed and carriage return are text, not controls.
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/web/1.0/leads',
      headers: seller.auth,
      payload: { leads: [lead(3, { address: 'Line 1\r\nLine 2\tdoor 3' })] },
    });
    assert.equal(ok.statusCode, 201, ok.body);
    // Every way JSON writes a control character (short escapes, upper-case hex) is refused; a backslash
    // followed by a letter is text.
    const json = (address: string) => JSON.stringify({ leads: [lead(4, { address: 'ADDRESS' })] }).replace('ADDRESS', `${address} 12 Rue`);
    for (const escape of ['\\b', '\\f', '\\u001F', '\\u000b']) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/web/1.0/leads',
        headers: { ...seller.auth, 'content-type': 'application/json' },
        payload: json(escape),
      });
      assert.equal(res.statusCode, 422, escape);
      assert.deepEqual(
        res.json().errors,
        { 'leads.0.address': ['The leads.0.address field must not contain control characters.'] },
        escape,
      );
    }
    const backslash = await t.app.inject({
      method: 'POST',
      url: '/api/web/1.0/leads',
      headers: { ...seller.auth, 'content-type': 'application/json' },
      payload: json('C:\\\\bin '),
    });
    assert.equal(backslash.statusCode, 201, backslash.body);
  }));

test('control characters in dashboard searches, paths and forms: a message, never 5xx, nothing written', () =>
  withTestApp(async (t) => {
    const admin = await person(t.db, 'admin');
    const s = await login(t.app, admin.email);
    const before = await rowCounts(t.db);
    const web = routes(t.app.printRoutes({ commonPrefix: false })).filter(
      ([, p]) =>
        !p.startsWith('/api/') &&
        !p.startsWith('/docs') &&
        !p.startsWith('/assets') &&
        !p.includes('*') &&
        p !== '/logout' &&
        p !== '/up' &&
        p !== '/metrics',
    );
    assert.ok(web.length >= 30, `found ${web.length} dashboard routes`);
    const form = { name: NUL, full_name: NUL, email: 'a\u0000@example.test', phone: '06\u000012', search: NUL, sku: 'S\u0001' };
    for (const [method, path] of web) {
      const url = withNulParams(path);
      const res = method === 'GET' ? await s.get(`${url}?search=%00`) : await s.form(url, form);
      assert.ok(res.statusCode < 500, `${method} ${url}: ${res.statusCode}`);
      // A page the admin may not see answers 403 first (policy before validation); every other one 422.
      if (!path.includes(':') && method === 'GET') assert.ok([403, 422].includes(res.statusCode), `${method} ${url}: ${res.statusCode}`);
    }
    for (const url of ['/leads?search=%00', '/orders?search=%00', '/products?search=%00']) {
      const res = await s.get(url);
      assert.equal(res.statusCode, 422, url);
      assert.match(res.body, /The search field must not contain control characters\./);
    }
    assert.equal((await s.get('/orders/%00/show')).statusCode, 404);
    // The PostgreSQL suite shares one database with files writing at the same time: counted on PGlite.
    if (!usingPostgres) assert.deepEqual(await rowCounts(t.db), before);
  }));
