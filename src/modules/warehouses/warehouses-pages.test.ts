import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '../../lib/ids.js';
import { testApp, type TestApp } from '../../test-support/harness.js';
import type { Agent } from '../../test-support/session.js';
import { expectInvalid, expectJson, FORBIDDEN, INVALID, NOT_FOUND, signInEach } from '../../test-support/expect.js';
import type { Person } from '../../test-support/people.js';
import { createAccount } from '../accounts/service.js';
import { createProduct } from '../products/service.js';
import { ROLES, type Role } from '../../core/roles.js';

/** domain.md: warehouses — admin VCUD; managers V; stock manager V (own); seller V. */
const VIEWERS: Role[] = ['admin', 'manager-leader', 'manager', 'call-center-manager', 'stock-manager', 'seller'];
const KEYS = ['address', 'city', 'city_id', 'created_at', 'id', 'name', 'phone', 'status', 'updated_at'];

let t: TestApp;
let shop: string;
let people: Record<Role, Person>;
let as: Record<Role, Agent>;

before(async () => {
  t = await testApp();
  shop = (await createAccount(t.db, { name: 'Shop' })).id;
  ({ people, as } = await signInEach(t, ROLES, shop));
});
after(() => t.close());

const name = (tag = 'Depot') => `${tag} ${newId().slice(-8)}`;

async function warehouse(over: Record<string, unknown> = {}) {
  const res = await as.admin.json('POST', '/warehouses/store', { name: name(), address: '12 Rue Allal', phone: '0522000000', ...over });
  expectJson(res, 201);
  return res.json().data as { id: string; name: string };
}

const manage = (warehouseIds: string[]) =>
  t.db.query('UPDATE users SET warehouses_ids_to_manage = $2::jsonb WHERE id = $1', [
    people['stock-manager'].id,
    JSON.stringify(warehouseIds),
  ]);

describe('warehouses', () => {
  test('the permission matrix; a stock manager sees only their warehouses (others 404)', async () => {
    const mine = await warehouse();
    const other = await warehouse();
    await manage([mine.id]);
    for (const role of ROLES) {
      const may = VIEWERS.includes(role);
      const list = await as[role].json('GET', '/warehouses');
      if (may) expectJson(list, 200, undefined, role);
      else expectJson(list, 403, FORBIDDEN, role);
      assert.equal((await as[role].get('/warehouses')).statusCode, may ? 200 : 403, `${role} page`);
      const show = await as[role].json('GET', `/warehouses/${other.id}/show`);
      if (!may) expectJson(show, 403, FORBIDDEN, role);
      else if (role === 'stock-manager') expectJson(show, 404, NOT_FOUND, role);
      else expectJson(show, 200, undefined, role);
      if (role === 'admin') continue;
      assert.equal((await as[role].get('/warehouses/create')).statusCode, 403, `${role} create page`);
      expectJson(await as[role].json('POST', '/warehouses/store', { name: name() }), 403, FORBIDDEN, role);
      expectJson(await as[role].json('PATCH', `/warehouses/${mine.id}/update`, { name: name() }), 403, FORBIDDEN, role);
      expectJson(await as[role].json('DELETE', '/warehouses/delete', { ids: [mine.id] }), 403, FORBIDDEN, role);
    }
    const listed = (await as['stock-manager'].json('GET', '/warehouses')).json();
    assert.deepEqual(
      listed.data.map((w: { id: string }) => w.id),
      [mine.id],
    );
    expectJson(await as['stock-manager'].json('GET', `/warehouses/${mine.id}/show`), 200);
  });

  test('create, edit and validate; names are unique', async () => {
    const c = (await as.admin.json('POST', '/cities/store', { name: name('Tanger') })).json().data;
    const depot = name('Main depot');
    const res = await as.admin.form('/warehouses/store', {
      name: depot,
      city_id: c.id,
      address: 'Zone franche',
      phone: '0539000000',
      status: 'active',
    });
    assert.equal(res.statusCode, 302);
    const page = await as.admin.follow(res);
    assert.match(page.body, /Warehouse created\./);
    const w = (await as.admin.json('GET', `/warehouses?search=${encodeURIComponent(depot)}`)).json().data[0];
    assert.deepEqual(Object.keys(w).sort(), KEYS);
    assert.deepEqual(
      { ...w, id: undefined, created_at: undefined, updated_at: undefined },
      {
        id: undefined,
        name: depot,
        city_id: c.id,
        city: c.name,
        address: 'Zone franche',
        phone: '0539000000',
        status: 'active',
        created_at: undefined,
        updated_at: undefined,
      },
    );
    expectInvalid(await as.admin.json('POST', '/warehouses/store', { name: depot.toUpperCase() }), {
      name: ['The name has already been taken.'],
    });
    expectInvalid(await as.admin.json('POST', '/warehouses/store', { city_id: 'nope', status: 'closed' }), {
      name: ['The name field is required.'],
      city_id: ['The selected city id is invalid.'],
      status: ['The selected status is invalid.'],
    });
    const edited = await as.admin.json('PATCH', `/warehouses/${w.id}/update`, { status: 'inactive', city_id: null, address: '' });
    expectJson(edited, 200);
    assert.deepEqual(
      [edited.json().data.status, edited.json().data.city_id, edited.json().data.city, edited.json().data.address],
      ['inactive', null, null, null],
    );
    expectInvalid(await as.admin.json('PATCH', `/warehouses/${w.id}/update`, { name: '' }), { name: ['The name field is required.'] });
    assert.equal((await as.admin.json('GET', `/warehouses?status=inactive&search=${encodeURIComponent(depot)}`)).json().meta.total, 1);
  });

  test('a warehouse still holding stocks cannot be deleted: the message, nothing lost', async (ctx) => {
    const { rows } = await t.db.query<{ t: string | null }>(`SELECT to_regclass('stocks')::text AS t`);
    if (!rows[0].t) return ctx.skip('no stocks table yet');
    const used = await warehouse();
    const free = await warehouse();
    await manage([free.id, used.id]);
    const { id: productId } = await createProduct(t.db, { accountId: shop, sku: `W-${newId().slice(-6)}`, name: 'Stocked', price: 10 });
    await t.db.query('INSERT INTO stocks (id, product_id, warehouse_id) VALUES ($1, $2, $3)', [newId(), productId, used.id]);
    await as.admin.get(`/warehouses/${used.id}/show`);
    const res = await as.admin.form('/warehouses/delete', { ids: [used.id] }, { method: 'DELETE' });
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, `/warehouses/${used.id}/show`);
    assert.match((await as.admin.follow(res)).body, /This warehouse is used by 1 stock and cannot be deleted\./);
    expectJson(await as.admin.json('DELETE', '/warehouses/delete', { ids: [free.id, used.id] }), 422, {
      message: INVALID,
      errors: { ids: [`The warehouse ${used.name} is used by 1 stock and cannot be deleted. Nothing was deleted.`] },
    });
    expectJson(await as.admin.json('GET', `/warehouses/${free.id}/show`), 200);
    const managed = (
      await t.db.query<{ w: string[] }>('SELECT warehouses_ids_to_manage AS w FROM users WHERE id = $1', [people['stock-manager'].id])
    ).rows[0].w;
    assert.deepEqual(managed, [free.id, used.id], 'a refused delete changes no assignment');
    // The free one goes, and its stock manager no longer manages it.
    expectJson(await as.admin.json('DELETE', '/warehouses/delete', { ids: [free.id] }), 200, {
      message: `Warehouse ${free.name} deleted.`,
    });
    const after = (
      await t.db.query<{ w: string[] }>('SELECT warehouses_ids_to_manage AS w FROM users WHERE id = $1', [people['stock-manager'].id])
    ).rows[0].w;
    assert.deepEqual(after, [used.id]);
  });
});
