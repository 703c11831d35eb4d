import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lead, tenant, withTestApp } from '../../test-support/harness.js';
import { login } from '../../test-support/session.js';

const flashError = (html: string) => /<div class="flash flash-error"[^>]*>(.*?)<\/div>/s.exec(html)?.[1].replace(/<[^>]+>/g, '');

test('bulk delete on the leads page: nothing ticked asks for a lead; a refusal names the lead and deletes nothing', () =>
  withTestApp(async (t) => {
    const seller = await tenant(t.db);
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/web/1.0/leads',
      headers: seller.auth,
      payload: { leads: [lead(1), lead(2)] },
    });
    assert.equal(created.statusCode, 201, created.body);
    const confirm = await t.app.inject({
      method: 'PATCH',
      url: '/api/web/1.0/leads/LD-00002',
      headers: seller.auth,
      payload: { status: 'confirmed' },
    });
    assert.equal(confirm.statusCode, 200, confirm.body);
    const ids = (
      await t.db.query<{ id: string; reference: string }>('SELECT id, reference FROM leads WHERE account_id = $1 ORDER BY reference', [
        seller.accountId,
      ])
    ).rows;
    const s = await login(t.app, seller.email);
    await s.get('/leads');

    const none = await s.form('/leads/delete', {}, { method: 'DELETE' });
    assert.equal(none.statusCode, 302);
    assert.equal(flashError((await s.follow(none)).body), 'Select at least one lead to delete.');

    // The refusal comes back to the same list (filters, page) with the same leads ticked, once.
    const list = '/leads?sort=created_at&direction=asc&per_page=10';
    await s.get(list);
    const mixed = await s.form('/leads/delete', { ids: ids.map((r) => r.id) }, { method: 'DELETE' });
    assert.equal(mixed.statusCode, 302);
    assert.equal(mixed.headers.location, list);
    const back = (await s.follow(mixed)).body;
    assert.equal(flashError(back), 'LD-00002: A confirmed lead cannot be deleted. Nothing was deleted.');
    const ticked = (html: string) => [...html.matchAll(/name="ids\[\]" value="([^"]+)" checked/g)].map((m) => m[1]).sort();
    assert.deepEqual(ticked(back), ids.map((r) => r.id).sort());
    assert.deepEqual(ticked((await s.get(list)).body), []);
    const left = await t.db.query('SELECT 1 FROM leads WHERE account_id = $1 AND deleted_at IS NULL', [seller.accountId]);
    assert.equal(left.rows.length, 2);

    // Two clicks at once on the same selection delete it once; a later one says it is gone.
    const first = ids.filter((r) => r.reference === 'LD-00001').map((r) => r.id);
    const clicks = await Promise.all([1, 2].map(() => s.form('/leads/delete', { ids: first }, { method: 'DELETE' })));
    assert.deepEqual(
      clicks.map((c) => c.statusCode),
      [302, 302],
    );
    const again = await s.form('/leads/delete', { ids: first }, { method: 'DELETE' });
    assert.equal(flashError((await s.follow(again)).body), 'A selected lead no longer exists. Nothing was deleted.');
    const still = await t.db.query('SELECT 1 FROM leads WHERE account_id = $1 AND deleted_at IS NULL', [seller.accountId]);
    assert.equal(still.rows.length, 1);

    // The dashboard's JSON mode keeps the API's keys and wording.
    const json = await s.json('DELETE', '/leads/delete', {});
    assert.equal(json.statusCode, 422);
    assert.deepEqual(json.json().errors, { ids: ['The ids field is required.'] });
  }));
