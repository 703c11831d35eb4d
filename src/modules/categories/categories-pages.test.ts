import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '../../lib/ids.js';
import { testApp, type TestApp } from '../../test-support/harness.js';
import type { Agent } from '../../test-support/session.js';
import { expectJson, fieldErrors, FORBIDDEN, INVALID, NOT_FOUND, pageErrors, signInEach } from '../../test-support/expect.js';
import { createAccount } from '../accounts/service.js';
import { ROLES, type Role } from '../../core/roles.js';

/** domain.md: categories, cities, areas — admin VCUD; these roles V; sourcing agents and deliveries nothing. */
const VIEWERS: Role[] = ROLES.filter((r) => r !== 'sourcing-agent' && r !== 'delivery');

let t: TestApp;
let shop: string;
let as: Record<Role, Agent>;

before(async () => {
  t = await testApp();
  shop = (await createAccount(t.db, { name: 'Shop' })).id;
  ({ as } = await signInEach(t, ROLES, shop));
});
after(() => t.close());

const name = (tag = 'Category') => `${tag} ${newId().slice(-8)}`;

async function category(n = name()) {
  const res = await as.admin.json('POST', '/categories/store', { name: n });
  expectJson(res, 201);
  return res.json().data as { id: string; name: string };
}

describe('categories', () => {
  test('the permission matrix: list for viewers, writes for the admin only', async () => {
    const c = await category();
    for (const role of ROLES) {
      const may = VIEWERS.includes(role);
      const list = await as[role].json('GET', '/categories');
      if (may) expectJson(list, 200, undefined, role);
      else expectJson(list, 403, FORBIDDEN, role);
      assert.equal((await as[role].get('/categories')).statusCode, may ? 200 : 403, `${role} page`);
      assert.equal((await as[role].get(`/categories/${c.id}/show`)).statusCode, may ? 200 : 403, `${role} show`);
      if (role === 'admin') continue;
      assert.equal((await as[role].get('/categories/create')).statusCode, 403, `${role} create page`);
      assert.equal((await as[role].get(`/categories/${c.id}/edit`)).statusCode, 403, `${role} edit page`);
      expectJson(await as[role].json('POST', '/categories/store', { name: name() }), 403, FORBIDDEN, `${role} store`);
      expectJson(await as[role].json('PATCH', `/categories/${c.id}/update`, { name: name() }), 403, FORBIDDEN, `${role} update`);
      expectJson(await as[role].json('DELETE', '/categories/delete', { ids: [c.id] }), 403, FORBIDDEN, `${role} delete`);
    }
  });

  test('create, rename, list with search; the name is unique whatever its case', async () => {
    const n = name('Cosmetics');
    const res = await as.admin.form('/categories/store', { name: n });
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, '/categories');
    assert.match((await as.admin.follow(res)).body, /Category created\./);
    const list = (await as.admin.json('GET', `/categories?search=${encodeURIComponent(n)}`)).json();
    assert.equal(list.meta.total, 1);
    const c = list.data[0];
    assert.deepEqual(Object.keys(c).sort(), ['created_at', 'id', 'name', 'updated_at']);
    expectJson(await as.admin.json('POST', '/categories/store', { name: n.toUpperCase() }), 422, {
      message: INVALID,
      errors: { name: ['The name has already been taken.'] },
    });
    expectJson(await as.admin.json('POST', '/categories/store', { name: '' }), 422, {
      message: INVALID,
      errors: { name: ['The name field is required.'] },
    });
    const renamed = await as.admin.json('PUT', `/categories/${c.id}/update`, { name: `${n} & Care` });
    expectJson(renamed, 200);
    assert.equal(renamed.json().data.name, `${n} & Care`);
    const other = await category();
    expectJson(await as.admin.json('PATCH', `/categories/${other.id}/update`, { name: `${n} & Care` }), 422, {
      message: INVALID,
      errors: { name: ['The name has already been taken.'] },
    });
    expectJson(await as.admin.json('GET', '/categories/nope/show'), 404, NOT_FOUND);
  });

  test('a category still used by products cannot be deleted: the message, nothing lost', async () => {
    const used = await category();
    const free = await category();
    for (const sku of ['C1', 'C2', 'C3']) {
      const r = await as.admin.json('POST', '/products/store', {
        account_id: shop,
        name: 'P',
        sku: `${sku}-${newId().slice(-6)}`,
        price: 10,
        category_id: used.id,
      });
      expectJson(r, 201);
    }
    await as.admin.get(`/categories/${used.id}/show`);
    const res = await as.admin.form('/categories/delete', { ids: [used.id] }, { method: 'DELETE' });
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, `/categories/${used.id}/show`);
    assert.match((await as.admin.follow(res)).body, /This category is used by 3 products and cannot be deleted\./);
    expectJson(await as.admin.json('GET', `/categories/${used.id}/show`), 200);
    expectJson(await as.admin.json('DELETE', '/categories/delete', { ids: [used.id] }), 422, {
      message: INVALID,
      errors: { ids: ['This category is used by 3 products and cannot be deleted.'] },
    });
    // A bulk delete with one in use deletes nothing.
    const bulk = await as.admin.json('DELETE', '/categories/delete', { ids: [free.id, used.id] });
    expectJson(bulk, 422, {
      message: INVALID,
      errors: { ids: [`The category ${used.name} is used by 3 products and cannot be deleted. Nothing was deleted.`] },
    });
    expectJson(await as.admin.json('GET', `/categories/${free.id}/show`), 200);
    // On the list page the refusal comes back to the same list (its filters and page) with the same rows ticked, once.
    const list = '/categories?per_page=1000&sort=name';
    const ticked = (html: string) => [...html.matchAll(/name="ids\[\]" value="([^"]+)" checked/g)].map((m) => m[1]).sort();
    await as.admin.get(list);
    const refused = await as.admin.form('/categories/delete', { ids: [free.id, used.id] }, { method: 'DELETE' });
    assert.equal(refused.headers.location, list);
    const back = (await as.admin.follow(refused)).body;
    assert.match(back, /is used by 3 products and cannot be deleted\. Nothing was deleted\./);
    assert.deepEqual(ticked(back), [free.id, used.id].sort());
    assert.deepEqual(ticked((await as.admin.get(list)).body), []);
    // A row's own Delete button posts the same `ids[]`, but the user ticked nothing: refused, no row comes back ticked.
    const row = new RegExp(`<form[^>]*aria-label="Delete ${used.name}"[^>]*>(.*?)</form>`, 's').exec((await as.admin.get(list)).body);
    const posted = [...(row?.[1] ?? '').matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].filter(
      ([, k]) => k !== '_token' && k !== '_method',
    );
    assert.ok(
      posted.some(([, k, v]) => k === 'ids[]' && v === used.id),
      'the row posts its id',
    );
    const own = await as.admin.form('/categories/delete', Object.fromEntries(posted.map(([, k, v]) => [k, v])), { method: 'DELETE' });
    assert.equal(own.headers.location, list);
    const untouched = (await as.admin.follow(own)).body;
    assert.match(untouched, /This category is used by 3 products and cannot be deleted\./);
    assert.deepEqual(ticked(untouched), []);
    // Nothing ticked (a page without JavaScript): told in the flash, as the boxes have no field of their own.
    const none = await as.admin.form('/categories/delete', {}, { method: 'DELETE' });
    assert.equal(none.headers.location, list);
    assert.match(
      (await as.admin.follow(none)).body,
      /<div class="flash flash-error" role="alert">Select at least one category to delete\.<\/div>/,
    );
    // Deleted products do not hold a category.
    const { rows } = await t.db.query<{ id: string }>('SELECT id FROM products WHERE category_id = $1', [used.id]);
    expectJson(await as.admin.json('DELETE', '/products/delete', { ids: rows.map((r) => r.id) }), 200);
    await as.admin.get('/categories');
    const ok = await as.admin.form('/categories/delete', { ids: [free.id, used.id] }, { method: 'DELETE' });
    assert.equal(ok.statusCode, 302);
    assert.equal(ok.headers.location, '/categories');
    assert.match((await as.admin.follow(ok)).body, /2 categories deleted\./);
    expectJson(await as.admin.json('GET', `/categories/${used.id}/show`), 404, NOT_FOUND);
    // One audit row per deleted record, with what it was: the categories, and the products before them.
    const audited = await t.db.query<{ action: string; subject_id: string; account_id: string | null; changes: unknown }>(
      `SELECT action, subject_id, account_id, changes FROM audit_log
        WHERE action IN ('categories.delete', 'products.delete') AND subject_id = ANY($1::text[]) ORDER BY action, subject_id`,
      [[free.id, used.id, ...rows.map((r) => r.id)]],
    );
    assert.deepEqual(
      audited.rows.filter((r) => r.action === 'categories.delete'),
      [free, used]
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .map((c) => ({ action: 'categories.delete', subject_id: c.id, account_id: null, changes: { name: c.name } })),
    );
    assert.deepEqual(
      audited.rows.filter((r) => r.action === 'products.delete').map((r) => [r.account_id, Object.keys(r.changes as object)]),
      rows.map(() => [shop, ['sku', 'name']]),
    );
  });

  test('an error on a field the page does not show (a forged hidden field) is said in the flash', async () => {
    const c = await category();
    const list = '/categories?per_page=1000&sort=name';
    // The row's own Delete form, its hidden `_own` forged with a NUL: refused, nothing deleted, and said.
    const row = new RegExp(`<form[^>]*aria-label="Delete ${c.name}"[^>]*>(.*?)</form>`, 's').exec((await as.admin.get(list)).body);
    const posted = Object.fromEntries(
      [...(row?.[1] ?? '').matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)]
        .filter(([, k]) => k !== '_token' && k !== '_method')
        .map(([, k, v]) => [k, v]),
    );
    assert.deepEqual(posted, { 'ids[]': c.id, _own: '1' });
    const forged = await as.admin.form('/categories/delete', { ...posted, _own: '\u0000' }, { method: 'DELETE' });
    assert.equal(forged.headers.location, list);
    const back = (await as.admin.follow(forged)).body;
    assert.deepEqual(pageErrors(back), ['The  own field must not contain control characters.']);
    assert.equal(back.match(/ own field must not contain control characters/g)?.length, 1);
    assert.equal((back.match(/role="alert"/g) ?? []).length, 1);
    expectJson(await as.admin.json('GET', `/categories/${c.id}/show`), 200);
    // Said once: the list's next visit is quiet.
    assert.deepEqual(pageErrors((await as.admin.get(list)).body), []);
  });

  test("a field's own error is said beside it only, not again in the flash", async () => {
    await as.admin.get('/categories/create');
    const blank = await as.admin.form('/categories/store', { name: '' });
    assert.equal(blank.headers.location, '/categories/create');
    const form = (await as.admin.follow(blank)).body;
    assert.deepEqual(fieldErrors(form, 'f-name'), ['The name field is required.']);
    assert.equal(form.match(/The name field is required\./g)?.length, 1);
    assert.doesNotMatch(form, /flash-error/);
  });
});
