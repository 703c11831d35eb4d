import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '../../lib/ids.js';
import { testApp, type TestApp } from '../../test-support/harness.js';
import type { Agent } from '../../test-support/session.js';
import { expectInvalid, expectJson, FORBIDDEN, INVALID, NOT_FOUND, signInEach } from '../../test-support/expect.js';
import { createAccount } from '../accounts/service.js';
import { ROLES, type Role } from '../../core/roles.js';

const VIEWERS: Role[] = ROLES.filter((r) => r !== 'sourcing-agent' && r !== 'delivery');

let t: TestApp;
let as: Record<Role, Agent>;

before(async () => {
  t = await testApp();
  const shop = (await createAccount(t.db, { name: 'Shop' })).id;
  ({ as } = await signInEach(t, ROLES, shop));
});
after(() => t.close());

const name = (tag: string) => `${tag} ${newId().slice(-8)}`;

async function city(n = name('City')) {
  const res = await as.admin.json('POST', '/cities/store', { name: n });
  expectJson(res, 201);
  return res.json().data as { id: string; name: string };
}

async function area(cityId: string, n = name('Area')) {
  const res = await as.admin.json('POST', '/areas/store', { city_id: cityId, name: n });
  expectJson(res, 201);
  return res.json().data as { id: string; name: string; city_id: string };
}

describe('cities and areas', () => {
  test('the permission matrix of cities and areas', async () => {
    const c = await city();
    const a = await area(c.id);
    for (const role of ROLES) {
      const may = VIEWERS.includes(role);
      for (const url of ['/cities', '/areas', `/cities/${c.id}/show`, `/areas/${a.id}/show`]) {
        const res = await as[role].json('GET', url);
        if (may) expectJson(res, 200, undefined, `${role} ${url}`);
        else expectJson(res, 403, FORBIDDEN, `${role} ${url}`);
        assert.equal((await as[role].get(url)).statusCode, may ? 200 : 403, `${role} ${url} page`);
      }
      if (role === 'admin') continue;
      expectJson(await as[role].json('POST', '/cities/store', { name: name('X') }), 403, FORBIDDEN, role);
      expectJson(await as[role].json('POST', '/areas/store', { city_id: c.id, name: name('X') }), 403, FORBIDDEN, role);
      expectJson(await as[role].json('PATCH', `/areas/${a.id}/update`, { city_id: c.id, name: name('X') }), 403, FORBIDDEN, role);
      expectJson(await as[role].json('DELETE', '/cities/delete', { ids: [c.id] }), 403, FORBIDDEN, role);
      expectJson(await as[role].json('DELETE', '/areas/delete', { ids: [a.id] }), 403, FORBIDDEN, role);
    }
  });

  test('a city page lists its areas and adds one; area names are unique per city', async () => {
    const casa = await city(name('Casablanca'));
    const rabat = await city(name('Rabat'));
    await as.admin.get(`/cities/${casa.id}/show`);
    const added = await as.admin.form('/areas/store', { city_id: casa.id, name: 'Maarif' });
    assert.equal(added.statusCode, 302);
    assert.equal(added.headers.location, `/cities/${casa.id}/show`);
    const page = await as.admin.follow(added);
    assert.match(page.body, /Area Maarif added to Casablanca/);
    assert.match(page.body, /<td[^>]*>Maarif<\/td>/);
    expectInvalid(await as.admin.json('POST', '/areas/store', { city_id: casa.id, name: 'maarif' }), {
      name: ['The name has already been taken.'],
    });
    await area(rabat.id, 'Maarif');
    expectInvalid(await as.admin.json('POST', '/areas/store', { city_id: 'nope', name: 'X' }), {
      city_id: ['The selected city id is invalid.'],
    });
    expectInvalid(await as.admin.json('POST', '/areas/store', {}), {
      city_id: ['The city id field is required.'],
      name: ['The name field is required.'],
    });
    const show = (await as.admin.json('GET', `/cities/${casa.id}/show`)).json().data;
    assert.deepEqual(
      show.areas.map((a: { name: string }) => a.name),
      ['Maarif'],
    );
    const list = (await as.admin.json('GET', `/areas?city_id=${rabat.id}`)).json();
    assert.deepEqual(
      list.data.map((a: { name: string }) => a.name),
      ['Maarif'],
    );
    expectInvalid(await as.admin.json('POST', '/cities/store', { name: casa.name.toLowerCase() }), {
      name: ['The name has already been taken.'],
    });
  });

  test('deleting a city deletes its areas; a city with warehouses cannot be deleted', async () => {
    const c = await city();
    const a = await area(c.id);
    const used = await city();
    const wh = await as.admin.json('POST', '/warehouses/store', { name: name('Depot'), city_id: used.id });
    expectJson(wh, 201);
    assert.equal(wh.json().data.city, used.name);
    expectJson(await as.admin.json('DELETE', '/cities/delete', { ids: [used.id] }), 422, {
      message: INVALID,
      errors: { ids: ['This city is used by 1 warehouse and cannot be deleted.'] },
    });
    await as.admin.get('/cities');
    const res = await as.admin.form('/cities/delete', { ids: [c.id] }, { method: 'DELETE' });
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, '/cities');
    assert.match((await as.admin.follow(res)).body, new RegExp(`City ${c.name} deleted\\.`));
    expectJson(await as.admin.json('GET', `/areas/${a.id}/show`), 404, NOT_FOUND);
    // Renaming a city renames it on its warehouses.
    expectJson(await as.admin.json('PATCH', `/cities/${used.id}/update`, { name: `${used.name} Centre` }), 200);
    assert.equal((await as.admin.json('GET', `/warehouses/${wh.json().data.id}/show`)).json().data.city, `${used.name} Centre`);
  });

  test('a city a shipping company lists cannot be deleted (the company would then take every city), alone or among others', async () => {
    const [served, other, free] = [await city(), await city(), await city()];
    const company = async (cityIds: string[]) => {
      const res = await as.admin.json('POST', '/shipping-companies/store', {
        name: name('Carrier'),
        adapter: 'manual',
        cities: cityIds.map((city_id) => ({ city_id, delivery_fee: 30, return_fee: 10 })),
      });
      expectJson(res, 201);
      return res.json().data as { id: string };
    };
    const only = await company([served.id]);
    const both = await company([served.id, other.id]);
    expectJson(await as.admin.json('DELETE', '/cities/delete', { ids: [served.id] }), 422, {
      message: INVALID,
      errors: { ids: ['This city is used by 2 shipping companies and cannot be deleted.'] },
    });
    const wh = await as.admin.json('POST', '/warehouses/store', { name: name('Depot'), city_id: other.id });
    expectJson(wh, 201);
    const [first, second] = served.name.toLowerCase() < other.name.toLowerCase() ? [served, other] : [other, served];
    const used = (c: typeof served) => (c === served ? '2 shipping companies' : '1 warehouse and 1 shipping company');
    expectJson(await as.admin.json('POST', '/cities/delete', { ids: [free.id, served.id, other.id] }), 422, {
      message: INVALID,
      errors: {
        ids: [
          `The city ${first.name} is used by ${used(first)} and cannot be deleted. ` +
            `The city ${second.name} is used by ${used(second)} and cannot be deleted. Nothing was deleted.`,
        ],
      },
    });
    // The page goes back with the refusal; nothing was deleted, the company still lists its city.
    await as.admin.get('/cities');
    const page = await as.admin.form('/cities/delete', { ids: [served.id] }, { method: 'DELETE' });
    assert.equal(page.statusCode, 302);
    assert.match((await as.admin.follow(page)).body, /This city is used by 2 shipping companies and cannot be deleted\./);
    expectJson(await as.admin.json('GET', `/cities/${free.id}/show`), 200);
    const shown = (await as.admin.json('GET', `/shipping-companies/${only.id}/show`)).json().data;
    assert.deepEqual(
      shown.cities.map((c: { city_id: string }) => c.city_id),
      [served.id],
    );
    // Once no company lists it, it goes.
    expectJson(await as.admin.json('DELETE', '/shipping-companies/delete', { ids: [only.id, both.id] }), 200);
    expectJson(await as.admin.json('DELETE', '/cities/delete', { ids: [served.id] }), 200);
  });

  test('the database refuses to delete a city a shipping company lists (a company that took it after the check)', async () => {
    const c = await city();
    const res = await as.admin.json('POST', '/shipping-companies/store', {
      name: name('Carrier'),
      adapter: 'manual',
      cities: [{ city_id: c.id, delivery_fee: 30, return_fee: 10 }],
    });
    expectJson(res, 201);
    await assert.rejects(t.db.query('DELETE FROM cities WHERE id = $1', [c.id]), (err: { code?: string }) => err.code === '23503');
  });

  test('an area deleted from its city page goes back to it', async () => {
    const c = await city();
    const a = await area(c.id);
    await as.admin.get(`/cities/${c.id}/show`);
    const res = await as.admin.form('/areas/delete', { ids: [a.id] }, { method: 'DELETE' });
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, `/cities/${c.id}/show`);
  });
});
