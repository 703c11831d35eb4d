import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { newId } from '../../lib/ids.js';
import { lead, tenant, testApp, type TestApp } from '../../test-support/harness.js';
import { person, type Person } from '../../test-support/people.js';
import { agent, login, type Agent } from '../../test-support/session.js';
import { createProduct } from '../products/service.js';
import { expectInvalid, expectJson, FORBIDDEN, INVALID, NOT_FOUND, signInEach } from '../../test-support/expect.js';
import { ROLES, ROLE_SLUGS, type Role } from '../../core/roles.js';

const MANAGERS: Role[] = ['manager-leader', 'manager', 'call-center-manager'];
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

let t: TestApp;
let people: Record<Role, Person>;
let agents: Record<Role, Agent>;

before(async () => {
  t = await testApp();
  ({ people, as: agents } = await signInEach(t, ROLES));
});
after(() => t.close());

const email = (tag = 'new') => `${tag}-${newId().toLowerCase()}@example.test`;
const base = (over: Record<string, unknown> = {}) => ({
  full_name: 'Salma Idrissi',
  email: email(),
  phone: '0611223344',
  password: 'secret-pass',
  password_confirmation: 'secret-pass',
  ...over,
});

/** The lists each role may open (domain.md): the admin all, managers their team's roles and sellers, sellers their team. */
function mayList(viewer: Role, role: Role): boolean {
  if (viewer === 'admin') return true;
  if (viewer === 'seller') return role === 'seller';
  if (viewer === 'manager-leader') return ['manager', 'call-center-manager', 'agent', 'follow-up-agent', 'seller'].includes(role);
  if (viewer === 'manager' || viewer === 'call-center-manager') return ['agent', 'follow-up-agent', 'seller'].includes(role);
  return false;
}
const mayCreate = (viewer: Role, role: Role) => viewer === 'admin' || (viewer === 'seller' && role === 'seller');

describe('users: the permission matrix', () => {
  test('each role opens the lists domain.md allows, and 403 elsewhere (pages and JSON)', async () => {
    for (const viewer of ROLES) {
      for (const role of ROLES) {
        const url = `/users/${ROLE_SLUGS[role]}`;
        const json = await agents[viewer].json('GET', url);
        if (mayList(viewer, role)) expectJson(json, 200, undefined, `${viewer} → ${url}`);
        else expectJson(json, 403, FORBIDDEN, `${viewer} → ${url}`);
        const page = await agents[viewer].get(url);
        assert.equal(page.statusCode, mayList(viewer, role) ? 200 : 403, `${viewer} → ${url} page`);
      }
    }
  });

  test('each role may create only what domain.md allows', async () => {
    for (const viewer of ROLES) {
      for (const role of ROLES) {
        const url = `/users/${ROLE_SLUGS[role]}`;
        const page = await agents[viewer].get(`${url}/create`);
        assert.equal(page.statusCode, mayCreate(viewer, role) ? 200 : 403, `${viewer} → ${url}/create`);
        const body = base(role === 'seller' ? { account_id: people.seller.accountId } : {});
        const res = await agents[viewer].json('POST', `${url}/store`, body);
        if (mayCreate(viewer, role)) expectJson(res, 201, undefined, `${viewer} → ${url}/store`);
        else expectJson(res, 403, FORBIDDEN, `${viewer} → ${url}/store`);
      }
    }
  });

  test('show, edit and update per role; activate/deactivate only where the matrix allows', async () => {
    for (const role of ROLES) {
      const target = await person(t.db, role, { accountId: role === 'seller' ? people.seller.accountId! : undefined });
      const url = `/users/${ROLE_SLUGS[role]}/${target.id}`;
      for (const viewer of ROLES) {
        const show = await agents[viewer].json('GET', `${url}/show`);
        // Managers see only their team: this target reports to nobody, so a staff target is not theirs (404).
        const sees = viewer === 'admin' || (role === 'seller' && (MANAGERS.includes(viewer) || viewer === 'seller'));
        const expected = !mayList(viewer, role) ? 403 : sees ? 200 : 404;
        assert.equal(show.statusCode, expected, `${viewer} → ${url}/show`);
        const canUpdate = viewer === 'admin' || (viewer === 'seller' && role === 'seller');
        const update = await agents[viewer].json('PATCH', `${url}/update`, { company: `By ${viewer}` });
        assert.equal(update.statusCode, canUpdate ? 200 : expected === 200 ? 403 : expected, `${viewer} → ${url}/update`);
        const edit = await agents[viewer].get(`${url}/edit`);
        assert.equal(edit.statusCode, canUpdate ? 200 : expected === 200 ? 403 : expected, `${viewer} → ${url}/edit`);
      }
      const activatable = ['admin', 'manager-leader', 'seller'].includes(role);
      const off = await agents.admin.json('PATCH', `${url}/deactivate`);
      assert.equal(off.statusCode, activatable ? 200 : 403, `admin deactivates a ${role}`);
      if (activatable) {
        assert.equal(off.json().data.status, 'inactive');
        expectJson(await agents.admin.json('PATCH', `${url}/activate`), 200);
      }
      expectJson(
        await agents.seller.json('PATCH', `${url}/deactivate`),
        role === 'seller' ? 403 : 403,
        FORBIDDEN,
        'sellers do not deactivate',
      );
    }
  });

  test('the admin cannot deactivate or log in as themselves', async () => {
    const me = `/users/admins/${people.admin.id}`;
    expectJson(await agents.admin.json('PATCH', `${me}/deactivate`), 403, FORBIDDEN);
    expectJson(await agents.admin.json('POST', `/users/${people.admin.id}/impersonate`), 403, FORBIDDEN);
  });

  test('unknown role slugs and users are 404', async () => {
    expectJson(await agents.admin.json('GET', '/users/wizards'), 404, NOT_FOUND);
    expectJson(await agents.admin.json('GET', '/users/agents/01NOPE/show'), 404, NOT_FOUND);
    expectJson(
      await agents.admin.json('GET', `/users/agents/${people.manager.id}/show`),
      404,
      NOT_FOUND,
      'a manager is not under /users/agents',
    );
  });

  test('the menu: Users for the admin, Team for managers and sellers, nothing for the others', async () => {
    for (const role of ROLES) {
      const home = (await agents[role].home()).body;
      assert.equal(/<a href="\/users"[^>]*>.*?Users<\/a>/.test(home), role === 'admin', `${role} Users`);
      assert.equal(/<a href="\/users\/team"[^>]*>.*?Team<\/a>/.test(home), MANAGERS.includes(role), `${role} team`);
      assert.equal(/<a href="\/users\/sellers"[^>]*>.*?Team<\/a>/.test(home), role === 'seller', `${role} sellers team`);
    }
    assert.equal((await agents.seller.get('/users')).headers.location, '/users/sellers');
    assert.equal((await agents.manager.get('/users')).headers.location, '/users/team');
    assert.equal((await agents.agent.get('/users')).statusCode, 403);
    assert.equal((await agents.admin.get('/users/team')).statusCode, 403);
    const overview = await agents.admin.get('/users');
    for (const role of ROLES) assert.match(overview.body, new RegExp(`href="/users/${ROLE_SLUGS[role]}"`));
  });
});

describe('users: managers see their own team', () => {
  test('a manager lists the agents assigned to them; a leader also their managers and those managers’ agents', async () => {
    const leader = await person(t.db, 'manager-leader');
    const manager = await person(t.db, 'manager', { managerId: leader.id });
    const ccm = await person(t.db, 'call-center-manager', { managerId: leader.id });
    const mine = await person(t.db, 'agent', { managerId: manager.id });
    const ccmAgent = await person(t.db, 'agent', { managerId: ccm.id });
    const stranger = await person(t.db, 'agent');
    const names = (res: LightMyRequestResponse) =>
      res
        .json()
        .data.map((u: { id: string }) => u.id)
        .sort();

    const asManager = await login(t.app, manager.email);
    assert.deepEqual(names(await asManager.json('GET', '/users/agents?per_page=1000')), [mine.id]);
    expectJson(await asManager.json('GET', `/users/agents/${mine.id}/show`), 200);
    expectJson(await asManager.json('GET', `/users/agents/${stranger.id}/show`), 404, NOT_FOUND);
    expectJson(await asManager.json('GET', '/users/managers'), 403, FORBIDDEN);

    const asLeader = await login(t.app, leader.email);
    assert.deepEqual(names(await asLeader.json('GET', '/users/agents?per_page=1000')), [mine.id, ccmAgent.id].sort());
    assert.deepEqual(names(await asLeader.json('GET', '/users/managers?per_page=1000')), [manager.id]);
    assert.deepEqual(names(await asLeader.json('GET', '/users/call-center-managers?per_page=1000')), [ccm.id]);
    const team = await asLeader.get('/users/team');
    assert.equal(team.statusCode, 200);
    assert.match(team.body, /<h1>Your team<\/h1>/);
    const managerPage = await asLeader.get(`/users/managers/${manager.id}/show`);
    assert.match(managerPage.body, new RegExp(`href="/users/agents/${mine.id}/show"`), 'the people reporting to the manager');

    const sellers = await asManager.json('GET', `/users/sellers?search=${encodeURIComponent(people.seller.email)}`);
    assert.deepEqual(names(sellers), [people.seller.id], 'managers view sellers');

    // A call-center-manager's people are also those of the call centres they manage (call-centre.md).
    const centre = newId();
    await t.db.query('INSERT INTO call_centers (id, name, manager_id) VALUES ($1, $2, $3)', [centre, `Centre ${centre.slice(-8)}`, ccm.id]);
    const inCentre = await person(t.db, 'agent');
    const followUp = await person(t.db, 'follow-up-agent');
    await t.db.query('UPDATE users SET call_center_id = $2 WHERE id = ANY($1::text[])', [[inCentre.id, followUp.id], centre]);
    const asCcm = await login(t.app, ccm.email);
    assert.deepEqual(names(await asCcm.json('GET', '/users/agents?per_page=1000')), [ccmAgent.id, inCentre.id].sort());
    assert.deepEqual(names(await asCcm.json('GET', '/users/follow-up-agents?per_page=1000')), [followUp.id]);
    expectJson(await asCcm.json('GET', `/users/agents/${inCentre.id}/show`), 200);
    // The agent's page names their call centre, as the form sets it (ops audit).
    assert.match(
      (await asCcm.get(`/users/agents/${inCentre.id}/show`)).body,
      new RegExp(`Call centre</dt>\\s*<dd>Centre ${centre.slice(-8)}</dd>`),
    );
    expectJson(await asCcm.json('GET', `/users/agents/${stranger.id}/show`), 404, NOT_FOUND);
    const board = (await asCcm.json('GET', '/call-centre/agents')).json().data.map((u: { id: string }) => u.id);
    assert.deepEqual(board.sort(), [ccmAgent.id, inCentre.id].sort(), 'the agents board lists the same agents');
    assert.deepEqual(
      names(await asLeader.json('GET', '/users/agents?per_page=1000')),
      [mine.id, ccmAgent.id, inCentre.id].sort(),
      'a leader sees everything their managers see',
    );
  });
});

describe('users: sellers and their team members', () => {
  test("a seller sees only their account's users, and 404 for another account's", async () => {
    const shop = await tenant(t.db);
    const mate = await person(t.db, 'seller', { accountId: shop.accountId });
    const other = await person(t.db, 'seller');
    const owner = await login(t.app, shop.email);
    const list = await owner.json('GET', '/users/sellers?per_page=1000');
    assert.deepEqual(
      list
        .json()
        .data.map((u: { id: string }) => u.id)
        .sort(),
      [shop.userId, mate.id].sort(),
    );
    assert.equal(list.json().meta.total, 2);

    const theirs = `/users/sellers/${other.id}`;
    expectJson(await owner.json('GET', `${theirs}/show`), 404, NOT_FOUND);
    assert.equal((await owner.get(`${theirs}/show`)).statusCode, 404);
    assert.equal((await owner.get(`${theirs}/edit`)).statusCode, 404);
    expectJson(await owner.json('PATCH', `${theirs}/update`, { full_name: 'Hijacked' }), 404, NOT_FOUND);
    expectJson(await owner.json('DELETE', '/users/sellers/delete', { ids: [other.id] }), 404, NOT_FOUND);
    expectJson(await owner.json('DELETE', '/users/sellers/delete', { ids: [mate.id, other.id] }), 404, NOT_FOUND, 'all or nothing');
    const { rows } = await t.db.query<{ full_name: string; deleted_at: Date | null }>(
      'SELECT full_name, deleted_at FROM users WHERE id = ANY($1::text[]) ORDER BY id',
      [[other.id, mate.id]],
    );
    assert.ok(rows.every((r) => r.deleted_at === null && r.full_name !== 'Hijacked'));
  });

  test("a seller's team member always joins the seller's own account", async () => {
    const shop = await tenant(t.db);
    const owner = await login(t.app, shop.email);
    const res = await owner.json(
      'POST',
      '/users/sellers/store',
      base({ account_id: people.seller.accountId, company: 'Atlas', whatsapp_phone: '0655' }),
    );
    expectJson(res, 201);
    const data = res.json().data;
    assert.deepEqual(Object.keys(data), [
      'id',
      'role',
      'full_name',
      'email',
      'phone',
      'account_id',
      'whatsapp_phone',
      'company',
      'status',
      'created_at',
      'updated_at',
    ]);
    assert.equal(data.account_id, shop.accountId);
    assert.equal(data.role, 'seller');
    assert.equal(data.status, 'active');
    const audit = await t.db.query<{ user_id: string; account_id: string }>(
      `SELECT user_id, account_id FROM audit_log WHERE action = 'users.create' AND subject_id = $1`,
      [data.id],
    );
    assert.deepEqual(audit.rows, [{ user_id: shop.userId, account_id: shop.accountId }]);
    await login(t.app, data.email, 'secret-pass');
  });

  test('a seller removes a team member (not themselves): gone from lists, logged out, tokens 401, email free again', async () => {
    const shop = await tenant(t.db);
    const owner = await login(t.app, shop.email);
    const mateShop = await tenant(t.db); // a token for the team member needs an account; reuse the harness then move them
    await t.db.query('UPDATE users SET account_id = $2 WHERE id = $1', [mateShop.userId, shop.accountId]);
    await t.db.query('UPDATE api_tokens SET account_id = $2 WHERE user_id = $1', [mateShop.userId, shop.accountId]);
    const mate = await login(t.app, mateShop.email);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/web/1.0/leads', headers: mateShop.auth })).statusCode, 200);

    expectJson(await owner.json('DELETE', '/users/sellers/delete', { ids: [shop.userId] }), 422, {
      message: INVALID,
      errors: { 'ids.0': ['You cannot delete your own user.'] },
    });
    const list = await owner.get('/users/sellers');
    assert.match(list.body, new RegExp(`action="/users/sellers/delete"[^>]*>`));
    // A page posting it (forged: no button offers it) is told why, as the list has no field for `ids.0`.
    const self = await owner.form('/users/sellers/delete', { ids: [shop.userId] }, { method: 'DELETE' });
    assert.equal(self.headers.location, '/users/sellers');
    assert.match((await owner.follow(self)).body, /<div class="flash flash-error" role="alert">You cannot delete your own user\.<\/div>/);
    const res = await owner.form('/users/sellers/delete', { ids: [mateShop.userId] }, { method: 'DELETE' });
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, '/users/sellers');
    assert.match((await owner.follow(res)).body, /is removed\./);

    assert.equal((await mate.get('/')).headers.location, '/login', 'logged out');
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/web/1.0/leads', headers: mateShop.auth })).statusCode, 401);
    const ids = (await owner.json('GET', '/users/sellers')).json().data.map((u: { id: string }) => u.id);
    assert.deepEqual(ids, [shop.userId]);
    expectJson(await owner.json('GET', `/users/sellers/${mateShop.userId}/show`), 404, NOT_FOUND);
    const again = await owner.json('POST', '/users/sellers/store', base({ email: mateShop.email }));
    expectJson(again, 201, undefined, 'the email of a removed user can be used again');
    await login(t.app, mateShop.email, 'secret-pass');
    expectJson(
      await agents.admin.json('DELETE', '/users/sellers/delete', { ids: [again.json().data.id] }),
      403,
      FORBIDDEN,
      'admins deactivate, they do not delete',
    );
  });
});

describe('users: create and edit with each role’s fields', () => {
  test('the admin creates every role; the JSON carries the role’s own fields', async () => {
    const product = await createProduct(t.db, {
      accountId: people.seller.accountId!,
      sku: `SKU-${newId().slice(-6)}`,
      name: 'Argan Oil',
      price: 120,
    });
    const warehouse = newId();
    await t.db.query(`INSERT INTO warehouses (id, name, city) VALUES ($1, $2, 'Casablanca')`, [
      warehouse,
      `Casablanca Hub ${warehouse.slice(-8)}`,
    ]);
    const extras: Record<Role, Record<string, unknown>> = {
      admin: {},
      'manager-leader': {},
      manager: { whatsapp_phone: '0655000000', company: 'Call Co', manager_id: people['manager-leader'].id },
      'call-center-manager': { whatsapp_phone: '0655000000', company: 'Call Co' },
      agent: {
        whatsapp_phone: '0655000001',
        company: 'Call Co',
        manager_id: people.manager.id,
        salary: 3500.5,
        products_ids_to_confirm: [product.id],
        agent_working_hours: [
          { startTime: '09:00', endTime: '13:00' },
          { startTime: '14:00', endTime: '18:30' },
        ],
        agent_status_handlings: ['confirmed', 'canceled', 'no_reply'],
      },
      'follow-up-agent': { manager_id: people['call-center-manager'].id },
      'stock-manager': { warehouses_ids_to_manage: [warehouse] },
      'sourcing-agent': { company: 'Sourcing Co' },
      delivery: { whatsapp_phone: '0655000002' },
      seller: { account_id: people.seller.accountId, company: 'Shop' },
    };
    const keys: Record<Role, string[]> = {
      admin: [],
      'manager-leader': [],
      manager: ['whatsapp_phone', 'company', 'manager_id', 'call_center_id'],
      'call-center-manager': ['whatsapp_phone', 'company', 'manager_id', 'call_center_id'],
      agent: [
        'whatsapp_phone',
        'company',
        'manager_id',
        'call_center_id',
        'salary',
        'products_ids_to_confirm',
        'agent_working_hours',
        'agent_status_handlings',
      ],
      'follow-up-agent': ['whatsapp_phone', 'company', 'manager_id', 'call_center_id'],
      'stock-manager': ['whatsapp_phone', 'company', 'warehouses_ids_to_manage'],
      'sourcing-agent': ['whatsapp_phone', 'company'],
      delivery: ['whatsapp_phone', 'company'],
      seller: ['account_id', 'whatsapp_phone', 'company'],
    };
    for (const role of ROLES) {
      const body = base({ full_name: `New ${role}`, ...extras[role] });
      const res = await agents.admin.json('POST', `/users/${ROLE_SLUGS[role]}/store`, body);
      expectJson(res, 201, undefined, role);
      const data = res.json().data;
      assert.deepEqual(
        Object.keys(data),
        ['id', 'role', 'full_name', 'email', 'phone', ...keys[role], 'status', 'created_at', 'updated_at'],
        role,
      );
      assert.equal(data.role, role);
      assert.equal(data.email, body.email);
      assert.match(data.created_at, ISO);
      for (const [k, v] of Object.entries(extras[role])) assert.deepEqual(data[k], v, `${role}.${k}`);
      assert.equal('password' in data || 'password_hash' in data, false);
      expectJson(await agents.admin.json('GET', `/users/${ROLE_SLUGS[role]}/${data.id}/show`), 200, { data }, `${role} show`);
      await login(t.app, body.email as string, 'secret-pass');
    }
  });

  test('a deleted product cannot be given to an agent again, is not offered by the forms, nor shown on the agent’s page', async () => {
    const sku = `GONE-${newId().slice(-6)}`;
    const gone = await createProduct(t.db, { accountId: people.seller.accountId!, sku, name: 'Gone Soap', price: 30 });
    const body = base({ full_name: 'Agent Of Gone', manager_id: people.manager.id, products_ids_to_confirm: [gone.id] });
    const created = await agents.admin.json('POST', '/users/agents/store', body);
    expectJson(created, 201);
    const id = created.json().data.id as string;
    assert.equal((await agents.admin.json('POST', '/products/delete', { ids: [gone.id] })).statusCode, 200);

    expectInvalid(await agents.admin.json('PATCH', `/users/agents/${id}/update`, { products_ids_to_confirm: [gone.id] }), {
      'products_ids_to_confirm.0': ['The selected products_ids_to_confirm.0 is invalid.'],
    });
    expectInvalid(await agents.admin.json('POST', '/users/agents/store', base({ products_ids_to_confirm: [gone.id] })), {
      'products_ids_to_confirm.0': ['The selected products_ids_to_confirm.0 is invalid.'],
    });
    const stored = await t.db.query<{ p: string[] }>('SELECT products_ids_to_confirm AS p FROM users WHERE id = $1', [id]);
    assert.deepEqual(stored.rows[0].p, []);

    for (const path of ['/users/agents/create', `/users/agents/${id}/edit`]) {
      const page = await agents.admin.get(path);
      assert.equal(page.statusCode, 200, path);
      assert.doesNotMatch(page.body, new RegExp(gone.id), path);
      assert.doesNotMatch(page.body, new RegExp(sku), path);
    }
    // Even an id left behind (written before this check, or by hand) is not shown as assigned.
    await t.db.query(`UPDATE users SET products_ids_to_confirm = jsonb_build_array($2::text) WHERE id = $1`, [id, gone.id]);
    const show = await agents.admin.get(`/users/agents/${id}/show`);
    assert.equal(show.statusCode, 200);
    assert.doesNotMatch(show.body, new RegExp(sku));
  });

  test('validation: every message of api-v1.md’s table, database checks included, in one 422', async () => {
    expectInvalid(await agents.admin.json('POST', '/users/agents/store', {}), {
      full_name: ['The full name field is required.'],
      email: ['The email field is required.'],
      phone: ['The phone field is required.'],
      password: ['The password field is required.'],
    });
    expectInvalid(
      await agents.admin.json('POST', '/users/agents/store', {
        full_name: 'x'.repeat(101),
        email: people.seller.email.toUpperCase(),
        phone: 'x'.repeat(101),
        whatsapp_phone: 5,
        manager_id: people.seller.id,
        salary: 'a lot',
        products_ids_to_confirm: ['01NOPE'],
        agent_working_hours: [{ startTime: '9h', endTime: '12:00' }, { startTime: '14:00', endTime: '14:00' }, { startTime: '15:00' }],
        agent_status_handlings: ['confirmed', 'shipped'],
        password: 'short',
        password_confirmation: 'short',
      }),
      {
        full_name: ['The full name field must not be greater than 100 characters.'],
        email: ['The email has already been taken.'],
        phone: ['The phone field must not be greater than 100 characters.'],
        whatsapp_phone: ['The whatsapp phone field must be a string.'],
        manager_id: ['The selected manager id is invalid.'],
        salary: ['The salary field must be a number.'],
        'products_ids_to_confirm.0': ['The selected products_ids_to_confirm.0 is invalid.'],
        'agent_working_hours.0.startTime': ['The agent_working_hours.0.startTime field must match the format H:i.'],
        'agent_working_hours.1.endTime': ['The agent_working_hours.1.endTime field and agent_working_hours.1.startTime must be different.'],
        'agent_working_hours.2.endTime': ['The agent_working_hours.2.endTime field is required.'],
        'agent_status_handlings.1': ['The selected agent_status_handlings.1 is invalid.'],
        password: ['The password field must be at least 8 characters.'],
      },
    );
    expectInvalid(
      await agents.admin.json('POST', '/users/admins/store', base({ email: 'not-an-email', password_confirmation: 'other-pass' })),
      {
        email: ['The email field must be a valid email address.'],
        password: ['The password field confirmation does not match.'],
      },
    );
    expectInvalid(await agents.admin.json('POST', '/users/sellers/store', base()), { account_id: ['The account id field is required.'] });
    expectInvalid(await agents.admin.json('POST', '/users/sellers/store', base({ account_id: '01NOPE' })), {
      account_id: ['The selected account id is invalid.'],
    });
    expectInvalid(await agents.admin.json('POST', '/users/stock-managers/store', base({ warehouses_ids_to_manage: ['01NOPE'] })), {
      'warehouses_ids_to_manage.0': ['The selected warehouses_ids_to_manage.0 is invalid.'],
    });
    expectInvalid(await agents.admin.json('POST', '/users/agents/store', base({ salary: -1, agent_working_hours: 'always' })), {
      salary: ['The salary field must be at least 0.'],
      agent_working_hours: ['The agent working hours field must be an array.'],
    });
    // Money has two decimals (domain.md): more are refused, never rounded.
    expectInvalid(await agents.admin.json('POST', '/users/agents/store', base({ salary: 3500.005 })), {
      salary: ['The salary field must have 0-2 decimal places.'],
    });
  });

  test('a 422 lists its keys in the form’s order (contact, account, work, sign-in, status), as every other form’s schema does', async () => {
    const agentRes = await agents.admin.json('POST', '/users/agents/store', {
      status: 'away',
      password: 'short',
      agent_working_hours: [{ startTime: '9h', endTime: '12:00' }],
      products_ids_to_confirm: ['01NOPE'],
      agent_status_handlings: ['shipped'],
      full_name: '',
    });
    assert.deepEqual(Object.keys(agentRes.json().errors), [
      'full_name',
      'email',
      'phone',
      'agent_status_handlings.0',
      'products_ids_to_confirm.0',
      'agent_working_hours.0.startTime',
      'password',
      'status',
    ]);
    const sellerRes = await agents.admin.json('POST', '/users/sellers/store', base({ company: 'x'.repeat(101), password: 'short' }));
    assert.deepEqual(Object.keys(sellerRes.json().errors), ['company', 'account_id', 'password']);
  });

  test('edit: password optional, emptied required fields refused, a new password ends that user’s sessions', async () => {
    const target = await person(t.db, 'agent');
    const url = `/users/agents/${target.id}`;
    const session = await login(t.app, target.email);
    const res = await agents.admin.json('PUT', `${url}/update`, {
      full_name: 'Renamed Agent',
      phone: '0700000000',
      agent_status_handlings: ['confirmed'],
    });
    expectJson(res, 200);
    assert.equal(res.json().data.full_name, 'Renamed Agent');
    assert.deepEqual(res.json().data.agent_status_handlings, ['confirmed']);
    assert.equal((await session.get('/call-centre')).statusCode, 200, 'no password change: still logged in (an agent’s home is the queue)');

    expectInvalid(await agents.admin.json('PATCH', `${url}/update`, { full_name: '', email: '', phone: null }), {
      full_name: ['The full name field is required.'],
      email: ['The email field is required.'],
      phone: ['The phone field is required.'],
    });
    expectInvalid(await agents.admin.json('PATCH', `${url}/update`, { email: people.admin.email }), {
      email: ['The email has already been taken.'],
    });
    expectInvalid(await agents.admin.json('PATCH', `${url}/update`, { password: 'new-password', password_confirmation: 'typo' }), {
      password: ['The password field confirmation does not match.'],
    });
    expectInvalid(await agents.admin.json('PATCH', `${url}/update`, { password: 'short', password_confirmation: 'different' }), {
      password: ['The password field must be at least 8 characters.', 'The password field confirmation does not match.'],
    });
    expectJson(
      await agents.admin.json('PATCH', `${url}/update`, { email: target.email.toUpperCase() }),
      200,
      undefined,
      'their own email is not taken',
    );

    expectJson(await agents.admin.json('PATCH', `${url}/update`, { password: 'new-password', password_confirmation: 'new-password' }), 200);
    assert.equal((await session.get('/')).headers.location, '/login', 'a new password logs them out');
    await login(t.app, target.email, 'new-password');
    const audit = await t.db.query<{ changes: Record<string, unknown> }>(
      `SELECT changes FROM audit_log WHERE action = 'users.update' AND subject_id = $1 ORDER BY id DESC LIMIT 1`,
      [target.id],
    );
    assert.deepEqual(audit.rows[0].changes, { credentials: 'changed' });
  });

  test('staff outside admins, manager leaders and sellers change status through the edit form; inactive ends sessions and tokens', async () => {
    const target = await person(t.db, 'delivery');
    const session = await login(t.app, target.email);
    const url = `/users/deliveries/${target.id}`;
    const edit = await agents.admin.get(`${url}/edit`);
    assert.match(edit.body, /<label for="f-status">Status<\/label>/);
    const res = await agents.admin.form(
      `${url}/update`,
      { full_name: target.fullName, email: target.email, phone: '0600000000', status: 'inactive', password: '', password_confirmation: '' },
      { method: 'PATCH' },
    );
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, `${url}/show`);
    assert.equal((await session.get('/')).headers.location, '/login');
    const { rows } = await t.db.query<{ status: string }>('SELECT status FROM users WHERE id = $1', [target.id]);
    assert.equal(rows[0].status, 'inactive');
    const sellerEdit = await agents.admin.get(`/users/sellers/${people.seller.id}/edit`);
    assert.doesNotMatch(sellerEdit.body, /f-status/, 'sellers use activate/deactivate');
  });

  test('a status sent to the edit of an admin, manager leader or seller is ignored: activation is its own permission', async () => {
    const shop = await tenant(t.db);
    const mate = await person(t.db, 'seller', { accountId: shop.accountId });
    const owner = await login(t.app, shop.email);
    const mateSession = await login(t.app, mate.email);
    expectJson(await owner.json('PATCH', `/users/sellers/${mate.id}/deactivate`, {}), 403, FORBIDDEN);
    for (const status of ['inactive', 'bogus'])
      assert.equal(
        (await owner.json('PATCH', `/users/sellers/${mate.id}/update`, { full_name: `Mate ${status}`, status })).statusCode,
        200,
      );
    const leader = await person(t.db, 'manager-leader');
    assert.equal((await agents.admin.json('PATCH', `/users/manager-leaders/${leader.id}/update`, { status: 'zzz' })).statusCode, 200);
    const { rows } = await t.db.query<{ id: string; full_name: string; status: string }>(
      'SELECT id, full_name, status FROM users WHERE id = ANY($1::text[])',
      [[mate.id, leader.id]],
    );
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
    assert.deepEqual([byId[mate.id].status, byId[leader.id].status], ['active', 'active']);
    assert.equal(byId[mate.id].full_name, 'Mate bogus', 'the rest of the form is saved');
    assert.equal((await mateSession.get('/')).statusCode, 200, 'still logged in');
  });

  test('deactivating a seller ends their sessions at once and their tokens answer 401', async () => {
    const shop = await tenant(t.db);
    const session = await login(t.app, shop.email);
    const api = () => t.app.inject({ method: 'GET', url: '/api/web/1.0/leads', headers: shop.auth });
    assert.equal((await api()).statusCode, 200);
    await agents.admin.get(`/users/sellers/${shop.userId}/show`);
    const res = await agents.admin.form(`/users/sellers/${shop.userId}/deactivate`, {}, { method: 'PATCH' });
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, `/users/sellers/${shop.userId}/show`);
    assert.match((await agents.admin.follow(res)).body, /is deactivated and logged out everywhere\./);
    assert.equal((await session.get('/')).headers.location, '/login');
    expectJson(await api(), 401, { message: 'Unauthenticated.' });
    expectJson(await agents.admin.json('PATCH', `/users/sellers/${shop.userId}/activate`), 200);
    assert.equal((await api()).statusCode, 200);
  });
});

describe('users: HTML forms', () => {
  test('every field of the agent form has a visible label in plain words', async () => {
    const page = await agents.admin.get('/users/agents/create');
    for (const label of [
      'Full name',
      'Email',
      'Phone',
      'WhatsApp number',
      'Company',
      'Manager',
      'Salary',
      'Password',
      'Confirm password',
      'Status',
    ]) {
      assert.match(
        page.body,
        new RegExp(`<label for="f-[^"]+">${label}(<span class="req" aria-hidden="true"> \\*</span>)?</label>`),
        label,
      );
    }
    for (const legend of ['Lead statuses they may set', 'Working hours']) assert.match(page.body, new RegExp(`<legend>${legend}</legend>`));
    assert.match(page.body, /type="time" name="agent_working_hours\[0\]\[startTime\]"/);
  });

  test('a form post creates the user, with arrays and working-hour rows from form fields', async () => {
    const product = await createProduct(t.db, {
      accountId: people.seller.accountId!,
      sku: `F-${newId().slice(-6)}`,
      name: 'Amlou',
      price: 50,
    });
    await agents.admin.get('/users/agents/create');
    const mail = email('form');
    const res = await agents.admin.form('/users/agents/store', {
      ...base({ email: mail }),
      agent_status_handlings: ['', 'confirmed'],
      products_ids_to_confirm: ['', product.id],
      agent_working_hours: [
        { startTime: '08:00', endTime: '12:00' },
        { startTime: '', endTime: '' },
        { startTime: '22:00', endTime: '06:00' },
      ],
      salary: '4000',
      status: 'active',
    });
    assert.equal(res.statusCode, 302);
    const { rows } = await t.db.query<{
      id: string;
      products_ids_to_confirm: string[];
      agent_working_hours: unknown;
      agent_status_handlings: string[];
      salary: string;
    }>('SELECT id, products_ids_to_confirm, agent_working_hours, agent_status_handlings, salary::text FROM users WHERE email = $1', [mail]);
    assert.equal(res.headers.location, `/users/agents/${rows[0].id}/show`);
    assert.deepEqual(rows[0].products_ids_to_confirm, [product.id]);
    assert.deepEqual(rows[0].agent_status_handlings, ['confirmed']);
    // An end before its start crosses midnight (docs/decisions.md): kept as given, shown as such.
    assert.deepEqual(rows[0].agent_working_hours, [
      { startTime: '08:00', endTime: '12:00' },
      { startTime: '22:00', endTime: '06:00' },
    ]);
    assert.equal(rows[0].salary, '4000.00');
    const show = await agents.admin.follow(res);
    assert.match(show.body, /is added as an agent\./);
    assert.match(show.body, /08:00–12:00/);
    assert.match(show.body, /22:00–06:00 \(next day\)/);
    assert.match(show.body, /Amlou/);

    // Unticking every box (only the hidden empty marker is sent) clears the list.
    const cleared = await agents.admin.form(
      `/users/agents/${rows[0].id}/update`,
      { 'agent_status_handlings[]': '', 'products_ids_to_confirm[]': '' },
      { method: 'PATCH' },
    );
    assert.equal(cleared.statusCode, 302);
    const after = await t.db.query<{ products_ids_to_confirm: string[]; agent_status_handlings: string[] }>(
      'SELECT products_ids_to_confirm, agent_status_handlings FROM users WHERE id = $1',
      [rows[0].id],
    );
    assert.deepEqual(after.rows[0], { products_ids_to_confirm: [], agent_status_handlings: [] });
  });

  test('a failed form goes back with each message beside its field and the input kept, never the password', async () => {
    await agents.admin.get('/users/agents/create');
    const res = await agents.admin.form('/users/agents/store', {
      full_name: 'Kept Name',
      email: people.admin.email,
      phone: '',
      password: 'secret-pass',
      password_confirmation: 'other-pass',
      agent_status_handlings: ['', 'call_later'],
      agent_working_hours: [{ startTime: '18:00', endTime: '18:00' }],
    });
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, '/users/agents/create');
    const page = await agents.admin.follow(res);
    assert.match(page.body, /<input id="f-full_name" name="full_name" type="text" value="Kept Name"/);
    assert.match(page.body, new RegExp(`<input id="f-email" name="email" type="email" value="${people.admin.email}"`));
    assert.match(page.body, /id="f-email-error"><li>The email has already been taken\.<\/li>/);
    assert.match(page.body, /id="f-phone-error"><li>The phone field is required\.<\/li>/);
    assert.match(page.body, /id="f-password-error"><li>The password field confirmation does not match\.<\/li>/);
    assert.match(page.body, /<input id="f-password" name="password" type="password" value required/, 'the password is not refilled');
    assert.doesNotMatch(page.body, /secret-pass|other-pass/);
    assert.match(page.body, /value="call_later" checked/);
    assert.match(page.body, /name="agent_working_hours\[0\]\[startTime\]" value="18:00"/);
    assert.match(
      page.body,
      /id="f-agent_working_hours-0-endTime-error"><li>The agent_working_hours.0.endTime field and agent_working_hours.0.startTime must be different\.<\/li>/,
    );
    const again = await agents.admin.get('/users/agents/create');
    assert.doesNotMatch(again.body, /field-errors/, 'errors show once');
  });

  test('CSRF: a form post without _token answers 419 and creates nobody', async () => {
    const mail = email('csrf');
    const res = await agents.admin.form('/users/agents/store', base({ email: mail }), { token: false });
    assert.equal(res.statusCode, 419);
    assert.match(res.body, /Page Expired/);
    const { rows } = await t.db.query('SELECT 1 FROM users WHERE email = $1', [mail]);
    assert.equal(rows.length, 0);
    const del = await agents.seller.form('/users/sellers/delete', { ids: [people.seller.id] }, { method: 'DELETE', token: false });
    assert.equal(del.statusCode, 419);
  });

  test('the list page: search, status filter, sort links and pagination stay in the URL', async () => {
    const tag = newId().slice(-8).toLowerCase();
    for (const name of ['Amine', 'Badr', 'Chama']) await person(t.db, 'sourcing-agent', { fullName: `${name} ${tag}` });
    const page = await agents.admin.get(`/users/sourcing-agents?search=${tag}&sort=full_name&direction=asc&per_page=2`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, new RegExp(`Amine ${tag}[\\s\\S]*Badr ${tag}`));
    assert.doesNotMatch(page.body, new RegExp(`Chama ${tag}`));
    assert.match(page.body, /1–2 of 3/);
    assert.match(
      page.body,
      new RegExp(`href="/users/sourcing-agents\\?search=${tag}&amp;sort=full_name&amp;direction=asc&amp;per_page=2&amp;page=2" rel="next"`),
    );
    const json = await agents.admin.json('GET', `/users/sourcing-agents?search=${tag}&sort=full_name&direction=desc`);
    assert.deepEqual(
      json.json().data.map((u: { full_name: string }) => u.full_name),
      [`Chama ${tag}`, `Badr ${tag}`, `Amine ${tag}`],
    );
    assert.deepEqual(json.json().meta, { current_page: 1, per_page: 25, total: 3, last_page: 1 });
    expectInvalid(await agents.admin.json('GET', '/users/sourcing-agents?page=0&direction=up'), {
      page: ['The page field must be at least 1.'],
      direction: ['The selected direction is invalid.'],
    });
    assert.equal((await agents.admin.get('/users/sourcing-agents?page=0&direction=up')).statusCode, 200, 'a page ignores a bad value');
  });
});

describe('users: log in as (impersonation)', () => {
  test("a status change made while logged in as someone names both on the dashboard's timelines and lists, the API's changed_by the user alone (ops audit: the admin showed nowhere)", async () => {
    const shop = await tenant(t.db);
    const res = await t.app.inject({ method: 'POST', url: '/api/web/1.0/leads', headers: shop.auth, payload: { leads: [lead(7)] } });
    assert.equal(res.statusCode, 201, res.body);
    const reference = (res.json() as { data: { references: string[] } }).data.references[0];
    const id = (
      await t.db.query<{ id: string }>('SELECT id FROM leads WHERE account_id = $1 AND reference = $2', [shop.accountId, reference])
    ).rows[0].id;
    const admin = await login(t.app, people.admin.email);
    await admin.form(`/users/${shop.userId}/impersonate`);
    expectJson(await admin.json('PATCH', `/leads/${id}/status`, { status: 'wrong', comment: 'while impersonating' }), 200);
    await admin.form('/impersonate/leave');
    const both = 'Test seller (The admin logged in as them)';
    assert.match((await admin.get(`/leads/${id}/show`)).body, new RegExp(`by <strong>${both.replace(/[()]/g, '\\$&')}</strong>`));
    assert.match((await admin.get(`/lead-histories?reference=${reference}`)).body, new RegExp(both.replace(/[()]/g, '\\$&')));
    const api = await t.app.inject({ method: 'GET', url: `/api/web/1.0/lead-histories?reference=${reference}`, headers: shop.auth });
    assert.deepEqual(
      (api.json() as { data: { changed_by: string }[] }).data.map((h) => h.changed_by),
      ['Test seller', `API token "Test shop"`], // newest first
    );
  });

  test('the admin logs in as a seller, acts with both people recorded, and goes back', async () => {
    const shop = await tenant(t.db);
    const admin = await login(t.app, people.admin.email);
    const before = admin.session;
    await admin.get(`/users/sellers/${shop.userId}/show`);
    const start = await admin.form(`/users/${shop.userId}/impersonate`);
    assert.equal(start.statusCode, 302);
    assert.equal(start.headers.location, '/');
    assert.notEqual(admin.session, before, 'a new session id');
    const home = await admin.follow(start);
    assert.match(home.body, /You are now logged in as Test seller\./);
    assert.match(home.body, /You are logged in as <strong>Test seller<\/strong>/);
    assert.match(home.body, /<form method="post" action="\/impersonate\/leave">/);
    assert.match(home.body, /Back to The admin/);
    expectJson(await admin.json('GET', '/users/admins'), 403, FORBIDDEN, 'the session acts as the seller');

    const created = await admin.json('POST', '/users/sellers/store', base());
    expectJson(created, 201);
    const audit = await t.db.query<{ action: string; user_id: string; impersonator_id: string | null }>(
      `SELECT action, user_id, impersonator_id FROM audit_log WHERE subject_id = $1 ORDER BY id`,
      [created.json().data.id],
    );
    assert.deepEqual(audit.rows, [{ action: 'users.create', user_id: shop.userId, impersonator_id: people.admin.id }]);

    const leave = await admin.form('/impersonate/leave');
    assert.equal(leave.statusCode, 302);
    assert.equal(leave.headers.location, `/users/sellers/${shop.userId}/show`);
    const back = await admin.follow(leave);
    assert.match(back.body, /Welcome back, The admin\./);
    assert.doesNotMatch(back.body, /impersonate\/leave/);
    expectJson(await admin.json('GET', '/users/admins'), 200);

    const trail = await t.db.query<{ action: string; user_id: string; impersonator_id: string | null }>(
      `SELECT action, user_id, impersonator_id FROM audit_log WHERE action LIKE 'users.impersonate%' AND subject_id = $1 ORDER BY id`,
      [shop.userId],
    );
    assert.deepEqual(trail.rows, [
      { action: 'users.impersonate', user_id: people.admin.id, impersonator_id: null },
      { action: 'users.impersonate.leave', user_id: shop.userId, impersonator_id: people.admin.id },
    ]);
  });

  test('only an admin logs in as someone, never while already doing so; an inactive user cannot be', async () => {
    for (const role of ROLES.filter((r) => r !== 'admin')) {
      expectJson(await agents[role].json('POST', `/users/${people.agent.id}/impersonate`), 403, FORBIDDEN, role);
    }
    expectJson(await agents.admin.json('POST', '/users/01NOPE/impersonate'), 404, NOT_FOUND);
    expectJson(await agents.admin.json('POST', '/impersonate/leave'), 403, FORBIDDEN, 'not impersonating');

    const sleeper = await person(t.db, 'agent');
    await t.db.query(`UPDATE users SET status = 'inactive' WHERE id = $1`, [sleeper.id]);
    expectInvalid(await agents.admin.json('POST', `/users/${sleeper.id}/impersonate`), {
      id: [`${sleeper.fullName} cannot log in (inactive user or account): activate them first.`],
    });

    const admin = await login(t.app, people.admin.email);
    await admin.form(`/users/${people.manager.id}/impersonate`);
    expectJson(await admin.json('POST', `/users/${people.agent.id}/impersonate`), 403, FORBIDDEN, 'a manager cannot log in as anyone');
    const guest = agent(t.app);
    await guest.get('/login');
    assert.equal((await guest.form('/impersonate/leave')).headers.location, '/login');
  });
});
