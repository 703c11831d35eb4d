// Outgoing webhooks (webhooks-files.md): the settings routes, and delivery to a real local receiver:
// signatures, retries on a driven clock, the log, resend, per-resource order, SSRF refusals.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { expectListControls } from '../../test-support/expect.js';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { until } from '../../test-support/until.js';
import { lead, tenant, testApp, TEST_APP_KEY, type Tenant, type TestApp } from '../../test-support/harness.js';
import { person } from '../../test-support/people.js';
import { login, type Agent } from '../../test-support/session.js';
import { newId } from '../../lib/ids.js';
import { seal } from '../../lib/seal.js';
import { ACCOUNT_SLOTS, DISABLE_AFTER, RETRY_SCHEDULE, WEBHOOK_SLOTS, WebhookDispatcher, eventBody } from './delivery.js';
import { SECRET_PURPOSE } from './service.js';

const API = '/api/web/1.0';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const INVALID = 'The given data was invalid.';
const PRIVATE = 'The url must not point to a loopback, private, link-local or metadata address.';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  /** Header names as sent, in order. */
  order: string[];
  body: string;
}

/** A receiver on 127.0.0.1: records every request; `answer(path, n)` decides the status of the n-th request to a path. */
class Receiver {
  readonly got: Received[] = [];
  private server!: Server;
  answer: (path: string, n: number) => number | 'hang' | 'slow-body' = () => 200;
  url = '';
  async start() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        this.got.push({
          path,
          headers: req.headers,
          order: req.rawHeaders.filter((_, i) => i % 2 === 0).map((h) => h.toLowerCase()),
          body: Buffer.concat(chunks).toString('utf8'),
        });
        const status = this.answer(path, this.got.filter((g) => g.path === path).length);
        if (status === 'hang') return;
        if (status === 'slow-body') return void res.writeHead(200, { 'content-type': 'text/plain' }).write('accepted, still writing');
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'thanks' : `no luck (${status})`);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }
  at(path: string) {
    return this.got.filter((g) => g.path === path);
  }
  close() {
    this.server.closeAllConnections();
    return new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let t: TestApp;
let rx: Receiver;
before(async () => {
  t = await testApp({ API_RATE_LIMIT_PER_MINUTE: '100000', WEBHOOKS_ALLOW_PRIVATE: 'true' });
  rx = await new Receiver().start();
});
after(async () => {
  await rx.close();
  await t.close();
});

/** A fake clock for the retry schedule: starts now and only moves when told. */
function fakeClock() {
  let now = Date.now();
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** This file's webhooks: its dispatchers leave the deliveries of other files sharing a PostgreSQL database alone. */
async function ours(): Promise<string[]> {
  return (await t.db.query<{ id: string }>('SELECT id FROM webhooks WHERE url LIKE $1', [`${rx.url}%`])).rows
    .map((r) => r.id)
    .concat(extra);
}
const extra: string[] = [];

async function dispatcher(opts: { clock?: () => number; allowPrivate?: boolean; timeoutMs?: number } = {}) {
  return new WebhookDispatcher(t.db, {
    only: await ours(),
    appKey: TEST_APP_KEY,
    allowPrivate: opts.allowPrivate ?? true,
    clock: opts.clock,
    timeoutMs: opts.timeoutMs,
    pollMs: 50,
  });
}

/** Runs batches until nothing is due (with the clock as it is). */
async function drain(d: WebhookDispatcher) {
  let total = 0;
  for (let n = await d.runOnce(); n > 0; n = await d.runOnce()) total += n;
  return total;
}

async function seller(): Promise<{ tn: Tenant; web: Agent }> {
  const tn = await tenant(t.db);
  return { tn, web: await login(t.app, tn.email) };
}

async function register(web: Agent, body: Record<string, unknown>) {
  const res = await web.json('POST', '/settings/webhooks/store', body);
  assert.equal(res.statusCode, 201, res.body);
  return res.json().data as { id: string };
}

const api = (a: Tenant, method: string, path: string, payload?: unknown) =>
  t.app.inject({ method: method as 'GET', url: `${API}${path}`, headers: a.auth, ...(payload ? { payload: payload as object } : {}) });

const verify = (secret: string, r: Received) => {
  const expected = `sha256=${createHmac('sha256', secret).update(`${r.headers['x-codops-timestamp']}.${r.body}`).digest('hex')}`;
  return r.headers['x-codops-signature'] === expected;
};

const pathOf = () => `/hook/${newId().toLowerCase()}`;

describe('webhook settings', () => {
  test('a seller registers a webhook: 201 with the spec body, the secret sealed and never shown again', async () => {
    const { tn, web } = await seller();
    const url = `${rx.url}${pathOf()}`;
    const res = await web.json('POST', '/settings/webhooks/store', {
      url,
      secret: 's3cret-value',
      eventTypes: ['lead.created', 'order.status_changed'],
      customHeaders: [{ key: 'X-Shop', value: 'north' }],
    });
    assert.equal(res.statusCode, 201, res.body);
    const data = res.json().data;
    assert.deepEqual(Object.keys(data), ['id', 'url', 'eventTypes', 'customHeaders', 'status', 'created_at']);
    assert.deepEqual(
      { ...data, id: 'x', created_at: 'x' },
      {
        id: 'x',
        url,
        eventTypes: ['lead.created', 'order.status_changed'],
        customHeaders: [{ key: 'X-Shop', value: 'north' }],
        status: 'active',
        created_at: 'x',
      },
    );
    assert.match(data.created_at, ISO);
    const { rows } = await t.db.query<{ secret_sealed: string; account_id: string }>(
      'SELECT secret_sealed, account_id FROM webhooks WHERE id = $1',
      [data.id],
    );
    assert.equal(rows[0].account_id, tn.accountId);
    assert.ok(!rows[0].secret_sealed.includes('s3cret-value'));
    for (const path of ['/settings/webhooks', `/settings/webhooks/${data.id}/show`]) {
      const json = await web.json('GET', path);
      assert.equal(json.statusCode, 200);
      assert.ok(!json.body.includes('s3cret'), path);
      const page = await web.get(path);
      assert.equal(page.statusCode, 200);
      assert.ok(!page.body.includes('s3cret'), path);
      assert.ok(page.body.includes(url), path);
    }
    const { rows: audit } = await t.db.query<{ changes: unknown }>(`SELECT changes FROM audit_log WHERE subject_id = $1`, [data.id]);
    assert.ok(!JSON.stringify(audit).includes('s3cret'));
    const listed = (await web.json('GET', '/settings/webhooks')).json().data;
    assert.deepEqual(listed, [data]);
  });

  test('bad input is a 422 per field with the messages', async () => {
    const { web } = await seller();
    const res = await web.json('POST', '/settings/webhooks/store', {
      url: 'ftp://example.com/x',
      secret: 'x'.repeat(1001),
      eventTypes: ['lead.deleted'],
      customHeaders: [
        { key: 'X-Codops-Signature', value: 'forged' },
        { key: 'Bad Header', value: 'x' },
        { key: 'X-Ok', value: 'y'.repeat(101) },
      ],
    });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      message: INVALID,
      errors: {
        secret: ['The secret field must not be greater than 1000 characters.'],
        'eventTypes.0': ['The selected eventTypes.0 is invalid.'],
        'customHeaders.2.value': ['The customHeaders.2.value field must not be greater than 100 characters.'],
        url: ['The url field must be a valid URL.'],
        'customHeaders.0.key': ['The customHeaders.0.key field cannot replace a header codops sets.'],
        'customHeaders.1.key': ['The customHeaders.1.key field must be a valid header name.'],
      },
    });
    const empty = await web.json('POST', '/settings/webhooks/store', { eventTypes: [] });
    assert.equal(empty.statusCode, 422);
    assert.deepEqual(empty.json().errors, {
      url: ['The url field is required.'],
      secret: ['The secret field is required.'],
      eventTypes: ['The event types field is required.'],
    });
    // customHeaders that is not an array (a string, a number, a boolean) is a 422 on the field, on create and on
    // update; as Laravel's `array|max:20` words it, a string's size is its characters, in the list's message.
    const NOT_AN_ARRAY = 'The custom headers field must be an array.';
    for (const [customHeaders, errors] of [
      ['x'.repeat(1000), [NOT_AN_ARRAY, 'The custom headers field must not have more than 20 items.']],
      [12345, [NOT_AN_ARRAY]],
      [true, [NOT_AN_ARRAY]],
    ] as const) {
      const res = await web.json('POST', '/settings/webhooks/store', {
        url: 'https://example.com/h',
        secret: 's',
        eventTypes: ['lead.created'],
        customHeaders,
      });
      assert.equal(res.statusCode, 422, JSON.stringify(customHeaders).slice(0, 20));
      assert.deepEqual(res.json().errors, { customHeaders: errors });
    }
    const made = await web.json('POST', '/settings/webhooks/store', {
      url: 'https://example.com/h',
      secret: 's',
      eventTypes: ['lead.created'],
    });
    assert.equal(made.statusCode, 201);
    const changed = await web.json('PATCH', `/settings/webhooks/${made.json().data.id}/update`, { customHeaders: 'x' });
    assert.equal(changed.statusCode, 422);
    assert.deepEqual(changed.json().errors, { customHeaders: [NOT_AN_ARRAY] });
  });

  test('a form key with a control character answers at its dot path, and an event named twice is refused as `distinct` does (the fixwf audit)', async () => {
    const { web } = await seller();
    const json = { headers: { accept: 'application/json' } };
    const nul = await web.form(
      '/settings/webhooks/store',
      {
        url: 'https://example.com/h',
        secret: 's',
        'eventTypes[]': 'lead.created',
        'customHeaders[0][key]': 'X\u0000A',
        'customHeaders[0][value]': 'v',
      },
      json,
    );
    assert.equal(nul.statusCode, 422, nul.body);
    assert.deepEqual(nul.json().errors, { 'customHeaders.0.key': ['The customHeaders.0.key field must not contain control characters.'] });
    const listed = await web.form(
      '/settings/webhooks/store',
      { url: 'https://example.com/h', secret: 's', eventTypes: ['lead.created', 'order.created\u0001'] },
      json,
    );
    assert.deepEqual(listed.json().errors, { 'eventTypes.1': ['The eventTypes.1 field must not contain control characters.'] });
    const twice = await web.form(
      '/settings/webhooks/store',
      { url: 'https://example.com/h', secret: 's', eventTypes: ['lead.created', 'order.created', 'lead.created'] },
      json,
    );
    assert.equal(twice.statusCode, 422, twice.body);
    assert.deepEqual(twice.json().errors, {
      'eventTypes.0': ['The eventTypes.0 field has a duplicate value.'],
      'eventTypes.2': ['The eventTypes.2 field has a duplicate value.'],
    });
    const hook = await register(web, { url: 'https://example.com/h', secret: 's', eventTypes: ['lead.created'] });
    const changed = await web.json('PATCH', `/settings/webhooks/${hook.id}/update`, { eventTypes: ['order.created', 'order.created'] });
    assert.equal(changed.statusCode, 422);
    assert.deepEqual(changed.json().errors, {
      'eventTypes.0': ['The eventTypes.0 field has a duplicate value.'],
      'eventTypes.1': ['The eventTypes.1 field has a duplicate value.'],
    });
    const kept = (await web.json('GET', `/settings/webhooks/${hook.id}/show`)).json().data;
    assert.deepEqual(kept.eventTypes, ['lead.created']);
  });

  test('a header value Node cannot send (beyond Latin-1, DEL) is a 422 on create and on update; Latin-1 is kept (the whf audit)', async () => {
    const { web } = await seller();
    const base = { url: `${rx.url}/hdr`, secret: 's', eventTypes: ['lead.created'] };
    const res = await web.json('POST', '/settings/webhooks/store', {
      ...base,
      customHeaders: [
        { key: 'X-Ok', value: 'café' },
        { key: 'X-Shop', value: '日本' },
        { key: 'X-Del', value: 'a\u007fb' },
      ],
    });
    assert.equal(res.statusCode, 422, res.body);
    assert.deepEqual(res.json(), {
      message: INVALID,
      errors: {
        'customHeaders.1.value': ['The customHeaders.1.value field format is invalid.'],
        'customHeaders.2.value': ['The customHeaders.2.value field format is invalid.'],
      },
    });
    const made = await register(web, { ...base, customHeaders: [{ key: 'X-Ok', value: 'café' }] });
    const changed = await web.json('PATCH', `/settings/webhooks/${made.id}/update`, { customHeaders: [{ key: 'X-Shop', value: 'متجر' }] });
    assert.equal(changed.statusCode, 422);
    assert.deepEqual(changed.json().errors, { 'customHeaders.0.value': ['The customHeaders.0.value field format is invalid.'] });
  });

  test('without WEBHOOKS_ALLOW_PRIVATE, loopback, private, link-local and metadata URLs are refused (422 on url)', async () => {
    const strict = await testApp({ API_RATE_LIMIT_PER_MINUTE: '100000' });
    try {
      assert.equal(strict.config.webhooksAllowPrivate, false);
      const s = await tenant(strict.db);
      const web = await login(strict.app, s.email);
      for (const url of [
        'http://127.0.0.1:8080/hook',
        'http://localhost/hook',
        'http://10.1.2.3/hook',
        'http://172.16.0.9/hook',
        'https://192.168.1.10/hook',
        'http://169.254.169.254/latest/meta-data',
        'http://[::1]/hook',
        'http://[fd00:ec2::254]/hook',
        'http://[::ffff:127.0.0.1]/hook',
        'http://[::127.0.0.1]/hook',
        'http://0.0.0.0/hook',
        // Names only private networks use, refused by name even where no resolver answers (webhooks-files audit).
        'http://metadata.google.internal/computeMetadata/v1/',
        'https://printer.local/hook',
        'https://api.localhost./hook',
        'https://nas.home.arpa/hook',
      ]) {
        const res = await web.json('POST', '/settings/webhooks/store', { url, secret: 'x', eventTypes: ['lead.created'] });
        assert.equal(res.statusCode, 422, `${url}: ${res.body}`);
        assert.deepEqual(res.json(), { message: INVALID, errors: { url: [PRIVATE] } }, url);
      }
      const ok = await web.json('POST', '/settings/webhooks/store', {
        url: 'https://93.184.215.14/hook',
        secret: 'x',
        eventTypes: ['lead.created'],
      });
      assert.equal(ok.statusCode, 201, ok.body);
      // A change to a private URL is refused the same way.
      const id = ok.json().data.id;
      const moved = await web.json('PATCH', `/settings/webhooks/${id}/update`, { url: 'http://127.0.0.2/x' });
      assert.deepEqual(moved.json(), { message: INVALID, errors: { url: [PRIVATE] } });
    } finally {
      await strict.close();
    }
  });

  test('update (a new secret optional), delete; another account answers 404, an admin reaches any', async () => {
    const { tn, web } = await seller();
    const hook = await register(web, { url: `${rx.url}/a`, secret: 'first', eventTypes: ['lead.created'] });
    const sealedBefore = (await t.db.query<{ s: string }>('SELECT secret_sealed AS s FROM webhooks WHERE id = $1', [hook.id])).rows[0].s;
    const upd = await web.json('PATCH', `/settings/webhooks/${hook.id}/update`, { url: `${rx.url}/b`, eventTypes: ['order.created'] });
    assert.equal(upd.statusCode, 200, upd.body);
    assert.equal(upd.json().data.url, `${rx.url}/b`);
    assert.deepEqual(upd.json().data.eventTypes, ['order.created']);
    const sealedAfter = (await t.db.query<{ s: string }>('SELECT secret_sealed AS s FROM webhooks WHERE id = $1', [hook.id])).rows[0].s;
    assert.equal(sealedAfter, sealedBefore, 'no new secret: the old one stays');
    // The URL and the events may be left out but not emptied: Laravel's sometimes|required.
    const emptied = await web.json('PATCH', `/settings/webhooks/${hook.id}/update`, { url: '', eventTypes: [] });
    assert.equal(emptied.statusCode, 422);
    assert.deepEqual(emptied.json().errors, { url: ['The url field is required.'], eventTypes: ['The event types field is required.'] });
    await web.json('PATCH', `/settings/webhooks/${hook.id}/update`, { secret: 'second' });
    const sealedNew = (await t.db.query<{ s: string }>('SELECT secret_sealed AS s FROM webhooks WHERE id = $1', [hook.id])).rows[0].s;
    assert.notEqual(sealedNew, sealedBefore);

    const other = await seller();
    for (const [method, path] of [
      ['GET', `/settings/webhooks/${hook.id}/show`],
      ['PATCH', `/settings/webhooks/${hook.id}/update`],
      ['DELETE', `/settings/webhooks/${hook.id}/delete`],
      ['POST', `/settings/webhooks/${hook.id}/deliveries/00000000-0000-4000-8000-000000000000/resend`],
    ] as const) {
      const res = await other.web.json(method, path, method === 'PATCH' ? { url: `${rx.url}/c` } : undefined);
      assert.equal(res.statusCode, 404, `${method} ${path}`);
      assert.deepEqual(res.json(), { message: 'Resource not found.' });
    }
    assert.deepEqual((await other.web.json('GET', '/settings/webhooks')).json().data, []);
    const manager = await login(t.app, (await person(t.db, 'manager')).email);
    assert.equal((await manager.json('GET', '/settings/webhooks')).statusCode, 403);

    const admin = await login(t.app, (await person(t.db, 'admin')).email);
    assert.equal((await admin.json('GET', `/settings/webhooks/${hook.id}/show`)).statusCode, 200);
    const byAdmin = await admin.json('POST', '/settings/webhooks/store', {
      account_id: tn.accountId,
      url: `${rx.url}/admin`,
      secret: 'x',
      eventTypes: ['lead.created'],
    });
    assert.equal(byAdmin.statusCode, 201, byAdmin.body);
    assert.equal((await web.json('GET', '/settings/webhooks')).json().data.length, 2, "the admin's webhook is the seller's account's");

    const del = await web.json('DELETE', `/settings/webhooks/${hook.id}/delete`);
    assert.equal(del.statusCode, 200);
    assert.equal((await web.json('GET', `/settings/webhooks/${hook.id}/show`)).statusCode, 404);
  });
});

describe('webhook list', () => {
  test('search by URL (admins: account), status, event and account filters, sortable columns, pages with meta; bad values 422', async () => {
    const { tn, web } = await seller();
    const a = await register(web, { url: `${rx.url}/list-a`, secret: 's', eventTypes: ['lead.created'] });
    const b = await register(web, { url: `${rx.url}/list-b`, secret: 's', eventTypes: ['order.created', 'lead.created'] });
    const c = await register(web, { url: `${rx.url}/list-c`, secret: 's', eventTypes: ['lead.status_changed'] });
    assert.equal((await web.json('PATCH', `/settings/webhooks/${c.id}/update`, { status: 'disabled' })).statusCode, 200);
    const list = async (as: Agent, query: string) => {
      const res = await as.json('GET', `/settings/webhooks?${query}`);
      assert.equal(res.statusCode, 200, `${query}: ${res.body.slice(0, 300)}`);
      return res.json() as { data: { id: string }[]; meta: Record<string, number> };
    };
    const ids = (body: { data: { id: string }[] }) => body.data.map((h) => h.id);

    // Newest first, as before, in the API's paginated body with the items unchanged.
    const all = await list(web, '');
    assert.deepEqual(ids(all), [c.id, b.id, a.id]);
    assert.deepEqual(all.meta, { current_page: 1, per_page: 25, total: 3, last_page: 1 });
    assert.deepEqual(Object.keys(all.data[0]), ['id', 'url', 'eventTypes', 'customHeaders', 'status', 'created_at']);
    assert.deepEqual(ids(await list(web, 'sort=url')), [a.id, b.id, c.id]);
    assert.deepEqual(ids(await list(web, 'sort=url&direction=desc')), [c.id, b.id, a.id]);
    assert.equal(ids(await list(web, 'sort=status&direction=desc'))[0], c.id);
    assert.deepEqual(ids(await list(web, 'status=disabled')), [c.id]);
    assert.deepEqual(ids(await list(web, 'event=order.created')), [b.id]);
    assert.deepEqual(ids(await list(web, 'search=LIST-B')), [b.id]);
    const second = await list(web, 'per_page=2&page=2');
    assert.deepEqual(ids(second), [a.id]);
    assert.deepEqual(second.meta, { current_page: 2, per_page: 2, total: 3, last_page: 2 });
    // A seller's account_id names nothing; an admin's filters, and their search reads the account's name.
    const { web: otherWeb, tn: other } = await seller();
    assert.deepEqual(ids(await list(otherWeb, `account_id=${tn.accountId}`)), []);
    const admin = await login(t.app, (await person(t.db, 'admin')).email);
    assert.deepEqual(ids(await list(admin, `account_id=${tn.accountId}&event=lead.created`)), [b.id, a.id]);
    const { rows } = await t.db.query<{ name: string }>('SELECT name FROM accounts WHERE id = $1', [tn.accountId]);
    assert.deepEqual(ids(await list(admin, `search=${encodeURIComponent(rows[0].name)}&sort=url`)), [a.id, b.id, c.id]);
    assert.equal((await list(admin, `account_id=${other.accountId}`)).meta.total, 0);
    // The list's account carries over to "New webhook", as on the other admin create pages (it came unchosen: webhooks audit).
    const filtered = await admin.get(`/settings/webhooks?account_id=${tn.accountId}`);
    assert.match(filtered.body, new RegExp(`href="/settings/webhooks/create\\?account_id=${tn.accountId}"`));
    const preset = await admin.get(`/settings/webhooks/create?account_id=${tn.accountId}`);
    assert.match(preset.body, new RegExp(`<option value="${tn.accountId}" selected`));

    const bad = await web.json('GET', '/settings/webhooks?per_page=0&status=paused&sort=secret&direction=up&event=lead.deleted');
    assert.equal(bad.statusCode, 422);
    assert.deepEqual(bad.json(), {
      message: INVALID,
      errors: {
        per_page: ['The per page field must be at least 1.'],
        status: ['The selected status is invalid.'],
        sort: ['The selected sort is invalid.'],
        direction: ['The selected direction is invalid.'],
        event: ['The selected event is invalid.'],
      },
    });

    // The page: search box, filters, sortable headers keeping the filters, pages; a bad filter's message.
    const url = `/settings/webhooks?account_id=${tn.accountId}&status=active`;
    const page = await admin.get(url);
    assert.equal(page.statusCode, 200);
    expectListControls(page.body, url, {
      search: 'Search by URL or account',
      filters: ['status', 'event', 'account_id'],
      sorts: ['url', 'status', 'created_at'],
    });
    assert.match(page.body, /Page 1 of 1/);
    const mine = await web.get('/settings/webhooks?event=lead.deleted');
    assert.equal(mine.statusCode, 200);
    assert.match(mine.body, /<label for="f-search">Search by URL<\/label>/);
    assert.doesNotMatch(mine.body, /name="account_id"/);
    assert.match(mine.body, /The selected event is invalid\./);
  });
});

describe('webhook delivery', () => {
  test('a bulk create of 1,000 leads delivers 1,000 signed lead.created events', async () => {
    const { tn, web } = await seller();
    const path = pathOf();
    const hook = await register(web, {
      url: `${rx.url}${path}`,
      secret: 'bulk-secret',
      eventTypes: ['lead.created'],
      customHeaders: [{ key: 'X-Shop', value: 'north' }],
    });
    // A header that would replace codops's own, written past the form's check, is not sent either.
    await t.db.query(`UPDATE webhooks SET custom_headers = custom_headers || '[{"key":"User-Agent","value":"forged"}]' WHERE id = $1`, [
      hook.id,
    ]);
    const res = await api(tn, 'POST', '/leads', { leads: Array.from({ length: 1000 }, (_, i) => lead(i)) });
    assert.equal(res.statusCode, 201, res.body);
    const refs: string[] = res.json().data.references;
    const d = await (await dispatcher()).start();
    const started = performance.now();
    try {
      await until('1,000 deliveries', () => rx.at(path).length >= 1000, 60_000);
    } finally {
      await d.stop();
    }
    const ms = performance.now() - started;
    console.log(`# 1,000 lead.created delivered in ${Math.round(ms)} ms`);
    const got = rx.at(path);
    assert.equal(got.length, 1000);
    const bodies = got.map((g) => JSON.parse(g.body));
    assert.deepEqual(new Set(bodies.map((b) => b.data.reference)), new Set(refs));
    assert.equal(new Set(bodies.map((b) => b.id)).size, 1000);
    for (const g of got) {
      assert.ok(verify('bulk-secret', g), 'signature verifies');
      assert.equal(g.headers['content-type'], 'application/json');
      assert.equal(g.headers['user-agent'], 'codops-webhooks');
      assert.equal(g.headers['x-codops-event'], 'lead.created');
      assert.match(String(g.headers['x-codops-delivery']), /^[0-9a-f-]{36}$/);
      assert.match(String(g.headers['x-codops-timestamp']), /^\d{10}$/);
      assert.ok(Math.abs(Number(g.headers['x-codops-timestamp']) - Date.now() / 1000) < 120);
      assert.equal(g.headers['x-shop'], 'north');
      const at = (h: string) => g.order.indexOf(h);
      assert.ok(
        at('x-shop') > at('x-codops-signature') && at('x-codops-signature') > at('content-type'),
        `codops' headers first: ${g.order}`,
      );
    }
    const first = bodies[0];
    assert.deepEqual(Object.keys(first), ['id', 'type', 'created_at', 'data']);
    assert.equal(first.type, 'lead.created');
    assert.match(first.created_at, ISO);
    const shown = (await api(tn, 'GET', `/leads/${first.data.reference}`)).json().data;
    assert.deepEqual(first.data, shown, 'the lead exactly as the API shows it');
    assert.ok(!verify('another-secret', got[0]));
    const { rows } = await t.db.query<{ state: string; n: number }>(
      `SELECT state, count(*)::int AS n FROM webhook_deliveries WHERE webhook_id = $1 GROUP BY state`,
      [hook.id],
    );
    assert.deepEqual(rows, [{ state: 'delivered', n: 1000 }]);
  });

  test('500 three times then 200: delivered on the 4th attempt after about 30 s, 2 min and 10 min; the log shows every attempt; resend', async () => {
    const { tn, web } = await seller();
    const path = pathOf();
    rx.answer = (p, n) => (p === path && n <= 3 ? 500 : 200);
    const hook = await register(web, { url: `${rx.url}${path}`, secret: 'retry', eventTypes: ['lead.created'] });
    const created = await api(tn, 'POST', '/leads', { leads: [lead(1)] });
    assert.equal(created.statusCode, 201);
    const reference = (created.json() as { data: { references: string[] } }).data.references[0];
    const clock = fakeClock();
    const d = await dispatcher({ clock: clock.now });
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      assert.equal(await drain(d), 1, `attempt ${attempt} sent`);
      assert.equal(await drain(d), 0, 'nothing more before the retry is due');
      const { rows } = await t.db.query<{ next: Date }>(`SELECT next_attempt_at AS next FROM webhook_deliveries WHERE webhook_id = $1`, [
        hook.id,
      ]);
      const wait = new Date(rows[0].next).getTime() - clock.now();
      waits.push(wait);
      const base = RETRY_SCHEDULE[attempt - 1] * 1000;
      assert.ok(wait >= base * 0.9 - 5 && wait <= base * 1.1 + 5, `retry ${attempt} after ${wait} ms (about ${base})`);
      clock.advance(wait - 1000);
      assert.equal(await drain(d), 0, 'not a second early');
      clock.advance(1000);
    }
    assert.equal(await drain(d), 1, 'the 4th attempt');
    assert.equal(rx.at(path).length, 4);
    const ids = new Set(rx.at(path).map((r) => JSON.parse(r.body).id));
    assert.equal(ids.size, 1, 'the same event each time');
    assert.equal(new Set(rx.at(path).map((r) => r.headers['x-codops-delivery'])).size, 1);

    const show = (await web.json('GET', `/settings/webhooks/${hook.id}/show`)).json().data;
    const log = show.deliveries as Record<string, unknown>[];
    assert.deepEqual(
      log.map((l) => [l.event, l.attempt, l.http_status, l.next_retry_at === null]),
      [
        ['lead.created', 4, 200, true],
        ['lead.created', 3, 500, false],
        ['lead.created', 2, 500, false],
        ['lead.created', 1, 500, false],
      ],
      'newest first',
    );
    assert.deepEqual(Object.keys(log[0]), [
      'delivery_id',
      'event_id',
      'event',
      'reference',
      'status',
      'attempt',
      'http_status',
      'duration_ms',
      'response',
      'error',
      'next_retry_at',
      'created_at',
    ]);
    assert.equal(log[1].response, 'no luck (500)');
    assert.equal(log[0].response, 'thanks');
    assert.match(String(log[1].next_retry_at), ISO);
    assert.equal(typeof log[0].duration_ms, 'number');
    assert.deepEqual([log[0].reference, log[0].status], [reference, 'new'], 'which record the event is about');
    const page = await web.get(`/settings/webhooks/${hook.id}/show`);
    assert.match(page.body, /no luck \(500\)/);
    assert.match(page.body, new RegExp(`<td data-label="Record">${reference} · new</td>`), 'the row names its record');

    // Resend: a new attempt now, in the log.
    const resent = await web.json('POST', `/settings/webhooks/${hook.id}/deliveries/${log[0].delivery_id}/resend`);
    assert.equal(resent.statusCode, 200, resent.body);
    assert.deepEqual(
      { ...resent.json().data, duration_ms: 0 },
      {
        delivery_id: log[0].delivery_id,
        attempt: 5,
        http_status: 200,
        duration_ms: 0,
        response: 'thanks',
        error: null,
      },
    );
    assert.equal(rx.at(path).length, 5);
    assert.equal(JSON.parse(rx.at(path)[4].body).id, [...ids][0]);
    assert.ok(verify('retry', rx.at(path)[4]));
    const after = (await web.json('GET', `/settings/webhooks/${hook.id}/show`)).json().data.deliveries;
    assert.equal(after.length, 5);
    assert.equal(after[0].attempt, 5);
    // The form's button: 302 back to the webhook with a message.
    const viaForm = await web.form(`/settings/webhooks/${hook.id}/deliveries/${log[0].delivery_id}/resend`, {});
    assert.equal(viaForm.statusCode, 302);
    assert.equal(viaForm.headers.location, `/settings/webhooks/${hook.id}/show`);
    assert.match((await web.follow(viaForm)).body, /Sent again: HTTP 200\./);
    // A resend is an attempt like any other in the failures in a row: a success resets them, a failure adds one.
    const failures = async () =>
      (await t.db.query<{ n: number; status: string }>('SELECT consecutive_failures AS n, status FROM webhooks WHERE id = $1', [hook.id]))
        .rows[0];
    await t.db.query('UPDATE webhooks SET consecutive_failures = 7 WHERE id = $1', [hook.id]);
    await web.json('POST', `/settings/webhooks/${hook.id}/deliveries/${log[0].delivery_id}/resend`);
    assert.deepEqual(await failures(), { n: 0, status: 'active' });
    rx.answer = () => 500;
    await t.db.query('UPDATE webhooks SET consecutive_failures = $2 WHERE id = $1', [hook.id, DISABLE_AFTER - 1]);
    assert.equal(
      (await web.json('POST', `/settings/webhooks/${hook.id}/deliveries/${log[0].delivery_id}/resend`)).json().data.http_status,
      500,
    );
    assert.deepEqual(await failures(), { n: DISABLE_AFTER, status: 'disabled' });
    await web.json('PATCH', `/settings/webhooks/${hook.id}/update`, { status: 'active' });
    rx.answer = () => 200;
  });

  test('a resend takes no step of the retry schedule (the money audit: the next retry came after 10 min, not 2)', async () => {
    const { tn, web } = await seller();
    const path = pathOf();
    rx.answer = (p) => (p === path ? 500 : 200);
    const hook = await register(web, { url: `${rx.url}${path}`, secret: 'again', eventTypes: ['lead.created'] });
    assert.equal((await api(tn, 'POST', '/leads', { leads: [lead(1)] })).statusCode, 201);
    const clock = fakeClock();
    const d = await dispatcher({ clock: clock.now });
    const nextWait = async () => {
      const { rows } = await t.db.query<{ next: Date; id: string }>(
        `SELECT id, next_attempt_at AS next FROM webhook_deliveries WHERE webhook_id = $1`,
        [hook.id],
      );
      return { id: rows[0].id, wait: new Date(rows[0].next).getTime() - clock.now() };
    };
    assert.equal(await drain(d), 1, 'attempt 1');
    const first = await nextWait();
    const resent = await web.json('POST', `/settings/webhooks/${hook.id}/deliveries/${first.id}/resend`);
    assert.equal(resent.json().data.attempt, 2);
    clock.advance(first.wait);
    assert.equal(await drain(d), 1, 'the scheduled retry, attempt 3 in the log');
    const { wait } = await nextWait();
    const base = RETRY_SCHEDULE[1] * 1000;
    assert.ok(wait >= base * 0.9 - 5 && wait <= base * 1.1 + 5, `the second step of the schedule: ${wait} ms (about ${base})`);
    const log = (await web.json('GET', `/settings/webhooks/${hook.id}/show`)).json().data.deliveries as { attempt: number }[];
    assert.deepEqual(
      log.map((l) => l.attempt),
      [3, 2, 1],
    );
    await t.db.query(`UPDATE webhooks SET status = 'disabled' WHERE id = $1`, [hook.id]); // its retry is not the next tests'
    rx.answer = () => 200;
  });

  test('the log pages as the other lists (Previous/Next, JSON meta), and a row shows a next retry only while it is scheduled (the fixwf audit)', async () => {
    const { tn, web } = await seller();
    const path = pathOf();
    rx.answer = (p) => (p === path ? 500 : 200);
    const hook = await register(web, { url: `${rx.url}${path}`, secret: 'pages', eventTypes: ['lead.created'] });
    assert.equal((await api(tn, 'POST', '/leads', { leads: [lead(1)] })).statusCode, 201);
    const d = await dispatcher({ clock: fakeClock().now });
    assert.equal(await drain(d), 1, 'attempt 1 fails, a retry scheduled');
    const retryCell = async () => {
      const page = (await web.get(`/settings/webhooks/${hook.id}/show`)).body;
      return /<td data-label="Next retry">(.*?)<\/td>/.exec(page)![1];
    };
    assert.match(await retryCell(), /<time datetime="\d{4}-/, 'the scheduled retry is shown');
    // Disabled, the webhook sends nothing: its delivery is held, no retry time is promised.
    await t.db.query(`UPDATE webhooks SET status = 'disabled' WHERE id = $1`, [hook.id]);
    assert.equal(await retryCell(), '—');
    assert.match((await web.get(`/settings/webhooks/${hook.id}/show`)).body, /Held until the webhook is active/);
    await t.db.query(`UPDATE webhooks SET status = 'active' WHERE id = $1`, [hook.id]);
    assert.match(await retryCell(), /<time datetime="\d{4}-/, 'active again: its retry is scheduled');
    const first = (await web.json('GET', `/settings/webhooks/${hook.id}/show`)).json().data.deliveries[0];
    rx.answer = () => 200;
    assert.equal(
      (await web.json('POST', `/settings/webhooks/${hook.id}/deliveries/${first.delivery_id}/resend`)).json().data.http_status,
      200,
    );
    const page = (await web.get(`/settings/webhooks/${hook.id}/show`)).body;
    const cells = [...page.matchAll(/<td data-label="Next retry">(.*?)<\/td>/g)].map((m) => m[1]);
    assert.deepEqual(cells, ['—', '—'], 'delivered by the resend: no retry is pending');
    for (let i = 0; i < 25; i++) await web.json('POST', `/settings/webhooks/${hook.id}/deliveries/${first.delivery_id}/resend`);
    const one = (await web.json('GET', `/settings/webhooks/${hook.id}/show`)).json();
    assert.equal(one.data.deliveries.length, 25);
    assert.deepEqual(one.meta, { current_page: 1, per_page: 25, total: 27, last_page: 2 });
    const two = (await web.json('GET', `/settings/webhooks/${hook.id}/show?page=2`)).json();
    assert.deepEqual(
      two.data.deliveries.map((l: { attempt: number }) => l.attempt),
      [2, 1],
      'the oldest attempts on the last page',
    );
    assert.deepEqual((await web.json('GET', `/settings/webhooks/${hook.id}/show?per_page=5&page=3`)).json().meta, {
      current_page: 3,
      per_page: 5,
      total: 27,
      last_page: 6,
    });
    const html = (await web.get(`/settings/webhooks/${hook.id}/show`)).body;
    assert.match(html, /1–25 of 27/);
    assert.match(html, new RegExp(`<a href="/settings/webhooks/${hook.id}/show\\?page=2" rel="next">Next</a>`));
    assert.match((await web.get(`/settings/webhooks/${hook.id}/show?page=2`)).body, /rel="prev">Previous</);
    assert.equal((await web.json('GET', `/settings/webhooks/${hook.id}/show?page=0`)).statusCode, 422);
    // A long answer: its first lines, the whole of it opened in place (app.css clips it), not 200 characters in full.
    const long = `${'<p>page '.repeat(62)}end`.slice(0, 500);
    await t.db.query('UPDATE webhook_attempts SET response = $2 WHERE webhook_id = $1 AND attempt = 1', [hook.id, long]);
    const clipped = (await web.get(`/settings/webhooks/${hook.id}/show?page=2`)).body;
    const cell = /<td data-label="Response">(.*?)<\/td>/gs;
    const [shortCell, longCell] = [...clipped.matchAll(cell)].map((m) => m[1]);
    assert.equal(shortCell, '<code class="log-response">thanks</code>');
    const escaped = long.replace(/</g, '&lt;');
    assert.equal(longCell, `<details class="log-response"><summary><code class="log-response">${escaped}</code></summary></details>`);
    // "Send again" from the log's second page goes back to it; from anywhere else, to the webhook's page.
    const again = (headers?: Record<string, string>) =>
      web.form(`/settings/webhooks/${hook.id}/deliveries/${first.delivery_id}/resend`, {}, { headers });
    const show = `/settings/webhooks/${hook.id}/show`;
    await web.get(`${show}?page=2`);
    assert.equal((await again()).headers.location, `${show}?page=2`);
    for (const referer of [`https://evil.example${show}?page=2`, '/settings/webhooks?page=2', 'not a url'])
      assert.equal((await again({ referer })).headers.location, show, referer);
  });

  test('after the last retry a delivery is failed', async () => {
    const { tn, web } = await seller();
    const path = pathOf();
    rx.answer = (p) => (p === path ? 503 : 200);
    const hook = await register(web, { url: `${rx.url}${path}`, secret: 'x', eventTypes: ['lead.created'] });
    await api(tn, 'POST', '/leads', { leads: [lead(1)] });
    const clock = fakeClock();
    const d = await dispatcher({ clock: clock.now });
    for (let i = 0; i < RETRY_SCHEDULE.length + 1; i++) {
      assert.equal(await drain(d), 1);
      clock.advance(2 * 86_400_000);
    }
    assert.equal(await drain(d), 0);
    assert.equal(rx.at(path).length, 7, 'the first attempt and six retries');
    const { rows } = await t.db.query<{ state: string; attempts: number }>(
      'SELECT state, attempts FROM webhook_deliveries WHERE webhook_id = $1',
      [hook.id],
    );
    assert.deepEqual(rows, [{ state: 'failed', attempts: 7 }]);
    rx.answer = () => 200;
  });

  test("events of one lead arrive in order, a failure holding back that lead's later events only", async () => {
    const { tn, web } = await seller();
    const path = pathOf();
    let failFirst = true;
    rx.answer = (p) => {
      if (p === path && failFirst) {
        failFirst = false;
        return 500;
      }
      return 200;
    };
    await register(web, { url: `${rx.url}${path}`, secret: 'order', eventTypes: ['lead.created', 'lead.status_changed'] });
    const refs: string[] = (await api(tn, 'POST', '/leads', { leads: Array.from({ length: 40 }, (_, i) => lead(i)) })).json().data
      .references;
    for (const status of ['no_reply', 'call_later', 'canceled']) {
      const res = await api(tn, 'PATCH', '/leads', {
        leads: refs.map((reference) => ({ reference, status, ...(status === 'call_later' ? { callback_at: '2099-01-01 10:00:00' } : {}) })),
      });
      assert.equal(res.statusCode, 200, res.body);
    }
    const clock = fakeClock();
    const d = await dispatcher({ clock: clock.now });
    await drain(d);
    const firstFailed = JSON.parse(rx.at(path)[0].body).data.reference as string;
    const early = rx.at(path).map((r) => JSON.parse(r.body));
    assert.equal(early.filter((b) => b.data.reference === firstFailed).length, 1, 'the failed lead waits');
    assert.equal(early.length, 1 + 39 * 4, 'the other leads all went');
    clock.advance(60_000);
    await drain(d);
    const byLead = new Map<string, string[]>();
    for (const r of rx.at(path)) {
      const b = JSON.parse(r.body);
      byLead.set(b.data.reference, [...(byLead.get(b.data.reference) ?? []), `${b.type}:${b.data.status}:${b.data.previous_status ?? ''}`]);
    }
    const expected = [
      'lead.created:new:',
      'lead.status_changed:no_reply:new',
      'lead.status_changed:call_later:no_reply',
      'lead.status_changed:canceled:call_later',
    ];
    for (const ref of refs) {
      const seen = byLead.get(ref)!;
      const want = ref === firstFailed ? [expected[0], ...expected] : expected;
      assert.deepEqual(seen, want, ref);
    }
    rx.answer = () => 200;
  });

  test('100 failures in a row disable the webhook and tell its owner; nothing more is sent', async () => {
    const { tn, web } = await seller();
    const path = pathOf();
    rx.answer = (p) => (p === path ? 500 : 200);
    const hook = await register(web, { url: `${rx.url}${path}`, secret: 'x', eventTypes: ['lead.created'] });
    await t.db.query('UPDATE webhooks SET consecutive_failures = $2 WHERE id = $1', [hook.id, DISABLE_AFTER - 3]);
    await api(tn, 'POST', '/leads', { leads: [lead(1), lead(2), lead(3), lead(4)] });
    const told: unknown[] = [];
    const d = new WebhookDispatcher(t.db, {
      appKey: TEST_APP_KEY,
      allowPrivate: true,
      concurrency: 2,
      only: [hook.id],
      onDisabled: async (hooks) => void told.push(...hooks),
    });
    await drain(d);
    const { rows } = await t.db.query<{ status: string; consecutive_failures: number }>(
      'SELECT status, consecutive_failures FROM webhooks WHERE id = $1',
      [hook.id],
    );
    assert.equal(rows[0].status, 'disabled');
    assert.ok(rows[0].consecutive_failures >= DISABLE_AFTER);
    assert.deepEqual(told, [{ id: hook.id, account_id: tn.accountId, url: `${rx.url}${path}` }]);
    const { rows: notes } = await t.db.query<{ user_id: string; kind: string; link: string }>(
      'SELECT user_id, kind, link FROM notifications WHERE account_id = $1',
      [tn.accountId],
    );
    assert.deepEqual(
      notes,
      [{ user_id: tn.userId, kind: 'webhook.disabled', link: `/settings/webhooks/${hook.id}/show` }],
      'the owner is notified',
    );
    assert.equal(rx.at(path).length, 4, 'two batches of two, then disabled');
    await api(tn, 'POST', '/leads', { leads: [lead(5)] });
    assert.equal(await drain(d), 0, 'a disabled webhook gets no new event');
    // Switched on again: the count starts over.
    const on = await web.json('PATCH', `/settings/webhooks/${hook.id}/update`, { status: 'active' });
    assert.equal(on.json().data.status, 'active');
    const { rows: again } = await t.db.query<{ consecutive_failures: number }>('SELECT consecutive_failures FROM webhooks WHERE id = $1', [
      hook.id,
    ]);
    assert.equal(again[0].consecutive_failures, 0);
    rx.answer = () => 200;
  });

  test('a header Node refuses, saved before the form checked it, fails only its own delivery: logged, retried, counted (the whf audit)', async () => {
    const bad = await seller();
    const good = await seller();
    const badPath = pathOf();
    const goodPath = pathOf();
    const badHook = await register(bad.web, { url: `${rx.url}${badPath}`, secret: 'x', eventTypes: ['lead.created'] });
    await register(good.web, { url: `${rx.url}${goodPath}`, secret: 'x', eventTypes: ['lead.created'] });
    await t.db.query(`UPDATE webhooks SET custom_headers = '[{"key":"X-Weird","value":"日本"}]' WHERE id = $1`, [badHook.id]);
    await api(bad.tn, 'POST', '/leads', { leads: [lead(1)] });
    await api(good.tn, 'POST', '/leads', { leads: [lead(2)] });
    const d = await dispatcher();
    assert.equal(await d.runOnce(), 2, 'both claimed together; the exception does not fail the round');
    assert.equal(await drain(d), 0, 'the failed one waits for its retry, the other is delivered');
    assert.equal(rx.at(goodPath).length, 1);
    assert.equal(rx.at(badPath).length, 0);
    const log = (await bad.web.json('GET', `/settings/webhooks/${badHook.id}/show`)).json().data.deliveries;
    assert.equal(log.length, 1);
    assert.equal(log[0].http_status, null);
    assert.match(log[0].error, /^Invalid character in header content \["X-Weird"\]/);
    assert.match(String(log[0].next_retry_at), ISO);
    const { rows } = await t.db.query<{ n: number }>('SELECT consecutive_failures AS n FROM webhooks WHERE id = $1', [badHook.id]);
    assert.equal(rows[0].n, 1, 'counted toward disabling');
    // Send again answers the same failure, not a 500.
    const resent = await bad.web.json('POST', `/settings/webhooks/${badHook.id}/deliveries/${log[0].delivery_id}/resend`);
    assert.equal(resent.statusCode, 200, resent.body);
    assert.match(resent.json().data.error, /^Invalid character in header content/);
    await t.db.query(`UPDATE webhooks SET status = 'disabled' WHERE id = $1`, [badHook.id]); // its retry is not the next tests'
  });

  test('at delivery time a private address is refused without the switch (after DNS resolution)', async () => {
    const tn = await tenant(t.db);
    const path = pathOf();
    const port = new URL(rx.url).port;
    const insert = async (url: string) => {
      const id = newId();
      await t.db.query(`INSERT INTO webhooks (id, account_id, url, secret_sealed, event_types) VALUES ($1, $2, $3, $4, '{lead.created}')`, [
        id,
        tn.accountId,
        url,
        seal(TEST_APP_KEY, 'x', SECRET_PURPOSE),
      ]);
      extra.push(id);
      return id;
    };
    const literal = await insert(`http://127.0.0.1:${port}${path}`);
    const named = await insert(`http://localhost:${port}${path}`);
    await api(tn, 'POST', '/leads', { leads: [lead(1)] });
    const d = await dispatcher({ allowPrivate: false });
    assert.equal(await drain(d), 2);
    assert.equal(rx.at(path).length, 0, 'nothing reached the receiver');
    const { rows } = await t.db.query<{ webhook_id: string; error: string; http_status: number | null }>(
      'SELECT webhook_id, error, http_status FROM webhook_attempts WHERE webhook_id = ANY($1::text[])',
      [[literal, named]],
    );
    assert.equal(rows.length, 2);
    for (const r of rows) {
      assert.equal(r.http_status, null);
      assert.match(r.error, /resolves to (127\.0\.0\.1|::1), a private, loopback, link-local or metadata address/);
    }
  });

  test('receivers that hang hold only their own slots: other webhooks, of the account or another, are delivered at once, each attempt recorded as it ends (the whf audit)', async () => {
    let hung = 0;
    const hang = createServer((req) => void req.on('data', () => undefined).on('end', () => hung++));
    await new Promise<void>((resolve) => hang.listen(0, '127.0.0.1', resolve));
    const hangUrl = `http://127.0.0.1:${(hang.address() as AddressInfo).port}`;
    const [a, b, c] = [await seller(), await seller(), await seller()];
    const hangingHook = (web: Agent, i: number) => register(web, { url: `${hangUrl}/${i}`, secret: 'x', eventTypes: ['lead.created'] });
    // B: one receiver that hangs beside a healthy one; C: three that hang (past its account's slots).
    const hanging = [
      await hangingHook(b.web, 0),
      await hangingHook(c.web, 1),
      await hangingHook(c.web, 2),
      await hangingHook(c.web, 3),
    ].map((h) => h.id);
    const aPath = pathOf();
    const bPath = pathOf();
    const aHook = await register(a.web, { url: `${rx.url}${aPath}`, secret: 'x', eventTypes: ['lead.created'] });
    const bHook = await register(b.web, { url: `${rx.url}${bPath}`, secret: 'x', eventTypes: ['lead.created', 'lead.status_changed'] });
    const many = { leads: Array.from({ length: 64 }, (_, i) => lead(i)) };
    assert.equal((await api(c.tn, 'POST', '/leads', many)).statusCode, 201);
    const refs: string[] = (await api(b.tn, 'POST', '/leads', many)).json().data.references;
    await api(b.tn, 'PATCH', '/leads', { leads: [{ reference: refs[0], status: 'no_reply' }] });
    await api(a.tn, 'POST', '/leads', { leads: [lead(1)] });
    const d = await new WebhookDispatcher(t.db, {
      only: [...hanging, aHook.id, bHook.id],
      appKey: TEST_APP_KEY,
      allowPrivate: true,
      pollMs: 50,
    }).start();
    const started = Date.now();
    try {
      await until("another account's webhook", () => rx.at(aPath).length === 1, 5_000);
      await until("the same account's other webhook", () => rx.at(bPath).length === 65, 5_000);
      await until('their attempts recorded', async () => {
        const { rows } = await t.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM webhook_deliveries WHERE webhook_id = ANY($1::text[]) AND state = 'delivered'`,
          [[aHook.id, bHook.id]],
        );
        return rows[0].n === 66;
      });
      assert.ok(Date.now() - started < 5_000, `well before the 10 s timeout: ${Date.now() - started} ms`);
      const first = rx
        .at(bPath)
        .map((r) => JSON.parse(r.body))
        .filter((e) => e.data.reference === refs[0]);
      assert.deepEqual(
        first.map((e) => e.type),
        ['lead.created', 'lead.status_changed'],
        'a lead in order: its next event sent once the first was recorded',
      );
      assert.equal(hung, WEBHOOK_SLOTS + ACCOUNT_SLOTS, "held: B's one webhook its own slots, C's three their account's");
      const { rows } = await t.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM webhook_attempts WHERE webhook_id = ANY($1::text[])',
        [hanging],
      );
      assert.equal(rows[0].n, 0, 'nothing recorded for requests still waiting');
    } finally {
      await t.db.query(`UPDATE webhooks SET status = 'disabled' WHERE id = ANY($1::text[])`, [hanging]);
      hang.closeAllConnections();
      await d.stop();
      await new Promise<void>((resolve) => hang.close(() => resolve()));
    }
    const { rows } = await t.db.query<{ error: string }>('SELECT DISTINCT error FROM webhook_attempts WHERE webhook_id = ANY($1::text[])', [
      hanging,
    ]);
    assert.deepEqual(rows, [{ error: 'socket hang up' }], 'the held requests end as failed attempts when the receiver closes');
  });

  test('no answer within the timeout is a failed attempt', async () => {
    const { tn, web } = await seller();
    const path = pathOf();
    rx.answer = (p) => (p === path ? 'hang' : 200);
    const hook = await register(web, { url: `${rx.url}${path}`, secret: 'x', eventTypes: ['lead.created'] });
    await api(tn, 'POST', '/leads', { leads: [lead(1)] });
    const d = await dispatcher({ timeoutMs: 300 });
    assert.equal(await drain(d), 1);
    const log = (await web.json('GET', `/settings/webhooks/${hook.id}/show`)).json().data.deliveries;
    assert.equal(log[0].http_status, null);
    assert.equal(log[0].error, 'No answer within 0.3 seconds.');
    assert.ok(log[0].duration_ms >= 290);
    // A 2xx status within the time is a success, even when the body is still coming.
    const slow = pathOf();
    rx.answer = (p) => (p === slow ? 'slow-body' : 200);
    await web.json('PATCH', `/settings/webhooks/${hook.id}/update`, { url: `${rx.url}${slow}` });
    const resent = await web.json('POST', `/settings/webhooks/${hook.id}/deliveries/${log[0].delivery_id}/resend`);
    assert.equal(resent.statusCode, 200);
    assert.equal(resent.json().data.http_status, 200);
    assert.equal(resent.json().data.error, null);
    assert.equal(resent.json().data.response, 'accepted, still writing');
    rx.answer = () => 200;
  });
});

test('a status change always names the status before it: null for a payout request born pending; a creation has none', () => {
  const at = { event_id: 'e1', created_at: '2026-12-01T00:00:00Z', data: { reference: 'INV-1', status: 'pending' } };
  assert.deepEqual(JSON.parse(eventBody({ ...at, type: 'invoice.status_changed', previous_status: null })).data, {
    reference: 'INV-1',
    status: 'pending',
    previous_status: null,
  });
  assert.equal(
    JSON.parse(eventBody({ ...at, type: 'invoice.status_changed', previous_status: 'pending' })).data.previous_status,
    'pending',
  );
  assert.ok(!('previous_status' in JSON.parse(eventBody({ ...at, type: 'lead.created', previous_status: null })).data));
});
