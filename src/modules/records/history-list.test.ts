// The history lists (/lead-histories, /orders-histories) and a record's history page tell each row as
// its timeline does: an edit without a status is "Edited · <status>" with what it changed, not a move
// (docs/decisions.md, "What an edit of a lead records").
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lead, sharedTestApp, tenant, type Tenant, type TestApp } from '../../test-support/harness.js';
import { login } from '../../test-support/session.js';
import { historyListChanges as changeCells, htmlText as text } from '../../test-support/history-text.js';

let t: TestApp;
sharedTestApp((app) => (t = app));

const api = (a: Tenant, method: 'POST' | 'PATCH' | 'GET', url: string, payload?: object) =>
  t.app.inject({ method, url: `/api/web/1.0${url}`, headers: a.auth, payload });

/** A lead LD-00001 created, edited (address, a price), commented on, then moved to no_reply. */
async function editedLead(a: Tenant): Promise<string> {
  assert.equal((await api(a, 'POST', '/leads', { leads: [lead(1, { address: '1 Rue de Fes' })] })).statusCode, 201);
  const edit = { address: '12 Rue Corrected', products: [{ sku: 'P1', quantity: 2, price: 150 }] };
  assert.equal((await api(a, 'PATCH', '/leads/LD-00001', edit)).statusCode, 200);
  assert.equal((await api(a, 'PATCH', '/leads/LD-00001', { comment: 'Call after 6pm' })).statusCode, 200);
  assert.equal((await api(a, 'PATCH', '/leads/LD-00001', { status: 'no_reply' })).statusCode, 200);
  const { rows } = await t.db.query<{ id: string }>('SELECT id FROM leads WHERE account_id = $1', [a.accountId]);
  return rows[0].id;
}

describe('the history lists and pages tell edits as edits', () => {
  test('/lead-histories shows an edit-only row as "Edited · New" with its changes, prices masked under hide money; the API list keeps its shape', async () => {
    const a = await tenant(t.db);
    await editedLead(a);
    const seller = await login(t.app, a.email);
    const page = await seller.get('/lead-histories?reference=LD-00001');
    assert.equal(page.statusCode, 200);
    assert.deepEqual(changeCells(page.body), [
      'New → No reply',
      'Comment · New',
      'Edited · New Address: 1 Rue de Fes → 12 Rue Corrected Products: P1 2 × 199.00 MAD → P1 2 × 150.00 MAD',
      'Created as New',
    ]);
    await t.db.query('UPDATE users SET hide_money = true WHERE id = $1', [a.userId]);
    const hidden = await (await login(t.app, a.email)).get('/lead-histories?reference=LD-00001');
    assert.equal(changeCells(hidden.body)[2], 'Edited · New Address: 1 Rue de Fes → 12 Rue Corrected Products: P1 2 × ••• → P1 2 × •••');
    // The API's items and the page's JSON stay as api-v1.md quotes them: an edit is an old = new row, no `changes`.
    const spec = ['lead_reference', 'old_status', 'new_status', 'changed_by', 'changed_at', 'comment'];
    const fromApi = (await api(a, 'GET', '/lead-histories?reference=LD-00001')).json() as { data: Record<string, unknown>[] };
    const fromPage = (await seller.json('GET', '/lead-histories?reference=LD-00001')).json() as { data: Record<string, unknown>[] };
    for (const list of [fromApi, fromPage]) {
      assert.deepEqual(
        list.data.map((h) => Object.keys(h)),
        list.data.map(() => spec),
      );
      assert.deepEqual(
        list.data.map((h) => [h.old_status, h.new_status, h.comment]),
        [
          ['new', 'no_reply', null],
          ['new', 'new', 'Call after 6pm'],
          ['new', 'new', null],
          [null, 'new', null],
        ],
      );
    }
  });

  test('a record’s history page counts its status changes apart from its edits and comments', async () => {
    const a = await tenant(t.db);
    const id = await editedLead(a);
    const seller = await login(t.app, a.email);
    const summary = () =>
      seller
        .get(`/lead-histories/${id}/show`)
        .then((r) => text(/<p>\s*Status now:([\s\S]*?)<\/p>/.exec(r.body)![1]).replace(/ since .*/, ''));
    assert.equal(await summary(), 'No reply · 1 status change, 1 edit and 1 comment');
    // A repeated call is a move; creation is not counted.
    assert.equal((await api(a, 'PATCH', '/leads/LD-00001', { status: 'no_reply' })).statusCode, 200);
    assert.equal(await summary(), 'No reply · 2 status changes, 1 edit and 1 comment');
    assert.equal((await api(a, 'POST', '/leads', { leads: [lead(2)] })).statusCode, 201);
    const { rows } = await t.db.query<{ id: string }>('SELECT id FROM leads WHERE account_id = $1 AND reference = $2', [
      a.accountId,
      'LD-00002',
    ]);
    const fresh = await seller.get(`/lead-histories/${rows[0].id}/show`);
    assert.match(text(fresh.body), /Status now: New · 0 status changes since /);
  });
});

describe('a comment on a lead waiting for a call is no call', () => {
  test('a comment-only PATCH on a no_reply or call_later lead reads "Comment · No reply" in the lists and timelines; a repeated no_reply with a comment stays a call', async () => {
    const a = await tenant(t.db);
    assert.equal((await api(a, 'POST', '/leads', { leads: [lead(1)] })).statusCode, 201);
    assert.equal((await api(a, 'PATCH', '/leads/LD-00001', { status: 'no_reply' })).statusCode, 200);
    assert.equal((await api(a, 'PATCH', '/leads/LD-00001', { comment: 'Sister answers after 6pm' })).statusCode, 200);
    assert.equal((await api(a, 'PATCH', '/leads/LD-00001', { status: 'no_reply', comment: 'Rang out again' })).statusCode, 200);
    const callback = new Date(Date.now() + 86_400_000).toISOString();
    assert.equal((await api(a, 'PATCH', '/leads/LD-00001', { status: 'call_later', callback_at: callback })).statusCode, 200);
    assert.equal((await api(a, 'PATCH', '/leads/LD-00001', { comment: 'Prefers French' })).statusCode, 200);
    const shown = (await api(a, 'GET', '/leads/LD-00001')).json() as { data: { call_attempts: number } };
    assert.equal(shown.data.call_attempts, 2);
    const seller = await login(t.app, a.email);
    const list = await seller.get('/lead-histories?reference=LD-00001');
    assert.deepEqual(changeCells(list.body), [
      'Comment · Call later',
      'No reply → Call later',
      'No reply → No reply',
      'Comment · No reply',
      'New → No reply',
      'Created as New',
    ]);
    const { rows } = await t.db.query<{ id: string }>('SELECT id FROM leads WHERE account_id = $1', [a.accountId]);
    const page = await seller.get(`/lead-histories/${rows[0].id}/show`);
    assert.match(text(page.body), /Status now: Call later · 3 status changes and 2 comments since /);
    const heads = [...page.body.matchAll(/<div class="timeline-head">([\s\S]*?)<\/div>/g)].map((m) => text(m[1]));
    assert.deepEqual(heads, [
      'Created as New',
      'New → No reply',
      'Comment · No reply',
      'No reply → No reply',
      'No reply → Call later',
      'Comment · Call later',
    ]);
  });
});
