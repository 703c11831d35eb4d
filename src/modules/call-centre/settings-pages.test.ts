import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withTestApp } from '../../test-support/harness.js';
import { person } from '../../test-support/people.js';
import { login } from '../../test-support/session.js';
import { expectInvalid } from '../../test-support/expect.js';

test('a refused cancel reason is told beside the reasons field, as sent; JSON keeps the line key; nothing is saved', () =>
  withTestApp(async (t) => {
    const admin = await login(t.app, (await person(t.db, 'admin')).email);
    const before = (await admin.json('GET', '/settings/call-centre')).json().data;
    await admin.get('/settings/call-centre');
    const long = 'x'.repeat(101);
    const sent = `Too expensive\n${long}`;
    const res = await admin.form('/settings/call-centre', { max_attempts: '4', cancel_reasons: sent }, { method: 'PATCH' });
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, '/settings/call-centre');
    const page = (await admin.follow(res)).body;
    assert.match(
      page,
      /<ul class="field-errors" id="f-cancel_reasons-error"><li>The cancel_reasons\.1 field must not be greater than 100 characters\.<\/li><\/ul>/,
    );
    assert.ok(page.includes(`>${sent}</textarea>`), 'the reasons as typed');
    assert.match(page, /name="max_attempts"[^>]*value="4"/);
    assert.deepEqual((await admin.json('GET', '/settings/call-centre')).json().data, before);
    const json = await admin.json('PATCH', '/settings/call-centre', { cancel_reasons: ['ok', long] });
    assert.equal(json.statusCode, 422);
    assert.deepEqual(Object.keys(json.json().errors), ['cancel_reasons.1']);
  }));

test('JSON cancel_reasons: a string must be an array (it replaced the list with its lines), an empty list is required', () =>
  withTestApp(async (t) => {
    const admin = await login(t.app, (await person(t.db, 'admin')).email);
    const before = (await admin.json('GET', '/settings/call-centre')).json().data;
    expectInvalid(await admin.json('PATCH', '/settings/call-centre', { cancel_reasons: 'too_expensive\nother' }), {
      cancel_reasons: ['The cancel reasons field must be an array.'],
    });
    expectInvalid(await admin.json('PATCH', '/settings/call-centre', { cancel_reasons: [] }), {
      cancel_reasons: ['The cancel reasons field is required.'],
    });
    assert.deepEqual((await admin.json('GET', '/settings/call-centre')).json().data, before);
    // The form's textarea is still its lines; blank, it is required.
    await admin.get('/settings/call-centre');
    const blank = await admin.form('/settings/call-centre', { cancel_reasons: ' \n ' }, { method: 'PATCH' });
    assert.match((await admin.follow(blank)).body, /<li>The cancel reasons field is required\.<\/li>/);
    // Other test files share the settings on PostgreSQL: a superset of the reasons, then back.
    const more = [...before.cancel_reasons, 'changed_mind'];
    const lines = await admin.form('/settings/call-centre', { cancel_reasons: more.join('\n') }, { method: 'PATCH' });
    assert.equal(lines.statusCode, 302);
    assert.deepEqual((await admin.json('GET', '/settings/call-centre')).json().data.cancel_reasons, more);
    assert.equal((await admin.json('PATCH', '/settings/call-centre', { cancel_reasons: before.cancel_reasons })).statusCode, 200);
  }));
