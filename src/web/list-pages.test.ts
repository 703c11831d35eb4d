import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lead, tenant, withTestApp } from '../test-support/harness.js';
import { login } from '../test-support/session.js';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

test('dashboard lists: past the last page, an overlong search and a bad filter each answer a message', () =>
  withTestApp(async (t) => {
    const seller = await tenant(t.db);
    const leads = Array.from({ length: 30 }, (_, i) => lead(i));
    const created = await t.app.inject({ method: 'POST', url: '/api/web/1.0/leads', headers: seller.auth, payload: { leads } });
    assert.equal(created.statusCode, 201, created.body);
    const s = await login(t.app, seller.email);

    const past = text((await s.get('/leads?page=999999')).body);
    assert.match(past, /Page 999999 is past the end: 30 in 2 pages\./);
    assert.doesNotMatch(past, /24999951|Page 999999 of/);
    assert.match((await s.get('/leads?page=999999')).body, /href="\/leads\?page=2">Go to the last page</);
    for (const url of ['/orders?page=999999', '/products?page=999999']) {
      const body = text((await s.get(url)).body);
      assert.doesNotMatch(body, /Page 999999 of/, url);
    }

    // Phones hide the headings (rows become cards): the sort links are also a line above the table.
    const sorted = (await s.get('/leads?sort=created_at&direction=asc')).body;
    const bar = /<nav class="sort-bar" aria-label="Sort [^"]+">(.*?)<\/nav>/s.exec(sorted);
    assert.ok(bar, 'a sort bar');
    assert.match(bar[1], /<a href="\/leads\?sort=created_at&amp;direction=desc" aria-current="true">[^<]*▲<\/a>/);
    // A sort without a direction is ascending: its link turns it over rather than asking for ascending again.
    const bare = (await s.get('/leads?sort=created_at')).body;
    assert.match(bare, /<th scope="col"[^>]* aria-sort="ascending"><a href="\/leads\?sort=created_at&amp;direction=desc">[^<]*▲<\/a>/);
    assert.match(bare, /<a href="\/leads\?sort=created_at&amp;direction=desc" aria-current="true">[^<]*▲<\/a>/);

    for (const n of [150, 2000]) {
      const res = await s.get(`/leads?search=${'7'.repeat(n)}`);
      assert.equal(res.statusCode, 200);
      assert.match(
        res.body,
        /<ul class="field-errors" id="f-search-error"><li>The search field must not be greater than 100 characters\.<\/li>/,
      );
      assert.doesNotMatch(res.body, new RegExp(leads[0].full_name as string), `a ${n}-character search lists nothing`);
    }

    // A key given twice keeps its last value, as the API reads it (PHP's parser): the list and its search box agree.
    const twice = (await s.get(`/leads?search=0699999999&search=${leads[7].phone}`)).body;
    assert.match(twice, new RegExp(`name="search" value="${leads[7].phone}"`));
    assert.match(twice, /Customer 7</);
    assert.doesNotMatch(twice, /Customer 8</);

    const bad = await s.get('/leads?created_from=notadate');
    assert.equal(bad.statusCode, 200);
    assert.match(bad.body, /id="f-created_from-error"><li>The created from field must be a valid date\.<\/li>/);
    // JSON clients keep the API's 422.
    const json = await s.json('GET', '/leads?created_from=notadate');
    assert.equal(json.statusCode, 422);
  }));

test('an empty list says so; a filter that leaves nothing says that instead', () =>
  withTestApp(async (t) => {
    const seller = await tenant(t.db);
    const s = await login(t.app, seller.email);
    for (const [url, none, filtered] of [
      ['/invoices', 'No payout yet.', 'No payout matches these filters.'],
      ['/orders', 'No order yet.', 'No order matches these filters.'],
      ['/settings/webhooks', 'No webhook yet.', 'No webhook matches these filters.'],
    ]) {
      const bare = text((await s.get(`${url}?sort=created_at&page=1`)).body);
      assert.match(bare, new RegExp(none.replace('.', '\\.')), url);
      assert.doesNotMatch(bare, /matches these filters/, url);
      const narrowed = text((await s.get(`${url}?search=nothing-like-it`)).body);
      assert.match(narrowed, new RegExp(filtered.replace('.', '\\.')), url);
    }
  }));

test('a group of fields that must be filled shows its * like a required field (dash audit)', async () =>
  withTestApp(async (t) => {
    const seller = await tenant(t.db);
    const s = await login(t.app, seller.email);
    for (const [url, legend] of [
      ['/settings/webhooks/create', 'Events'],
      ['/settings/api-keys/create', 'Scopes'],
      ['/leads/create', 'Products'],
    ]) {
      const body = (await s.get(url)).body;
      assert.match(body, new RegExp(`<legend>${legend} <span class="req" aria-hidden="true">\\*</span></legend>`), url);
    }
  }));

test('a guest asking for a page that does not exist gets the login page; a signed-in user the 404 page', () =>
  withTestApp(async (t) => {
    const html = { accept: 'text/html,application/xhtml+xml' };
    const guest = await t.app.inject({ method: 'GET', url: '/no-such-page', headers: html });
    assert.equal(guest.statusCode, 302);
    assert.equal(guest.headers.location, '/login');
    const seller = await tenant(t.db);
    const s = await login(t.app, seller.email);
    const known = await s.get('/no-such-page');
    assert.equal(known.statusCode, 404);
    assert.match(known.body, /This page does not exist/);
    // In the dashboard's layout, signed in: the user menu, and a logout form whose token is good.
    assert.match(known.body, /class="user-menu"/);
    assert.match(known.body, /class="user-name">Test seller</);
    const out = await s.form('/logout', {});
    assert.equal(out.statusCode, 302, 'the logout token of the 404 page is accepted, not a 419');
    const after = await t.app.inject({
      method: 'GET',
      url: '/no-such-page',
      headers: { ...html, cookie: `codops_session=${s.session ?? 'gone'}` },
    });
    assert.equal(after.statusCode, 302, 'a session that ended is a guest again');
    assert.equal(after.headers.location, '/login');
  }));
