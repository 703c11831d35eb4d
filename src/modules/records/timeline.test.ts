import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lead, tenant, withTestApp } from '../../test-support/harness.js';
import { login } from '../../test-support/session.js';

/** The timeline's rows as text, oldest first: each row's head and its comment. */
const timelineRows = (html: string) =>
  [...html.matchAll(/<li class="timeline-item[^"]*">([\s\S]*?)<\/li>/g)].map((m) =>
    m[1]
      .replace(/<div class="timeline-meta">[\s\S]*?<\/div>/, '')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  );

test('a comment sent without a status reads as a comment on the timeline; a repeated call still reads as a move', () =>
  withTestApp(async (t) => {
    const a = await tenant(t.db);
    const api = (method: 'POST' | 'PATCH', url: string, payload: object) =>
      t.app.inject({ method, url: `/api/web/1.0${url}`, headers: a.auth, payload });
    assert.equal((await api('POST', '/leads', { leads: [lead(1)] })).statusCode, 201);
    assert.equal((await api('PATCH', '/leads/LD-00001', { comment: 'Customer asked to call after Friday prayers' })).statusCode, 200);
    assert.equal((await api('PATCH', '/leads/LD-00001', { status: 'no_reply', comment: 'first try' })).statusCode, 200);
    assert.equal((await api('PATCH', '/leads/LD-00001', { status: 'no_reply', comment: 'second try' })).statusCode, 200);
    const { rows } = await t.db.query<{ id: string }>('SELECT id FROM leads WHERE account_id = $1', [a.accountId]);
    const page = await (await login(t.app, a.email)).get(`/leads/${rows[0].id}/show`);
    assert.equal(page.statusCode, 200);
    assert.deepEqual(timelineRows(page.body), [
      'Created as New',
      'Comment · New Customer asked to call after Friday prayers',
      'New → No reply first try',
      'No reply → No reply second try',
    ]);
  }));
