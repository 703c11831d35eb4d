import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { lead, loggedTestApp, order, tenant, testApp, sharedTestApp, type TestApp } from '../../test-support/harness.js';
import type { Role } from '../../core/roles.js';
import { createUser } from '../users/service.js';
import { SCOPES, type Scope } from '../../core/scopes.js';
import { createToken, revokeToken } from './tokens.js';
import { BearerAuth } from './bearer.js';

const API = '/api/web/1.0';
const NOT_FOUND = { message: 'Resource not found.' };
const FORBIDDEN = { message: 'This action is unauthorized.' };
const UNAUTHENTICATED = { message: 'Unauthenticated.' };

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';

function expectJson(res: LightMyRequestResponse, status: number, body: unknown, what = '') {
  assert.equal(res.statusCode, status, `${what} ${res.body}`);
  assert.match(String(res.headers['content-type']), /^application\/json/, what);
  assert.deepEqual(res.json(), body, what);
}

const invalid = (res: LightMyRequestResponse, errors: Record<string, string[]>, what = '') =>
  expectJson(res, 422, { message: 'The given data was invalid.', errors }, what);

/** The 16 endpoints of api-v1.md with the scope each needs and the permission-matrix cell of domain.md. */
interface Endpoint {
  method: Method;
  path: string;
  scope: Scope;
  resource: 'leads' | 'orders';
  action: 'V' | 'C' | 'U' | 'D' | 'H';
  body?: unknown;
}
const endpoints = (leadRef: string, orderRef: string): Endpoint[] => [
  { method: 'POST', path: '/leads', scope: 'CREATE LEADS', resource: 'leads', action: 'C', body: { leads: [lead(900)] } },
  { method: 'GET', path: '/leads', scope: 'VIEW LEADS', resource: 'leads', action: 'V' },
  { method: 'GET', path: `/leads/${leadRef}`, scope: 'VIEW LEADS', resource: 'leads', action: 'V' },
  { method: 'GET', path: '/lead-histories', scope: 'VIEW LEADS', resource: 'leads', action: 'H' },
  {
    method: 'PATCH',
    path: '/leads',
    scope: 'UPDATE LEADS',
    resource: 'leads',
    action: 'U',
    body: { leads: [{ reference: leadRef, city: 'Fes' }] },
  },
  { method: 'PATCH', path: `/leads/${leadRef}`, scope: 'UPDATE LEADS', resource: 'leads', action: 'U', body: { city: 'Fes' } },
  { method: 'DELETE', path: '/leads', scope: 'DELETE LEADS', resource: 'leads', action: 'D', body: { references: ['LD-99999'] } },
  { method: 'DELETE', path: '/leads/LD-99999', scope: 'DELETE LEADS', resource: 'leads', action: 'D' },
  { method: 'POST', path: '/orders', scope: 'CREATE ORDERS', resource: 'orders', action: 'C', body: { orders: [order(900)] } },
  { method: 'GET', path: '/orders', scope: 'VIEW ORDERS', resource: 'orders', action: 'V' },
  { method: 'GET', path: `/orders/${orderRef}`, scope: 'VIEW ORDERS', resource: 'orders', action: 'V' },
  { method: 'GET', path: '/order-histories', scope: 'VIEW ORDERS', resource: 'orders', action: 'H' },
  {
    method: 'PATCH',
    path: '/orders',
    scope: 'UPDATE ORDERS',
    resource: 'orders',
    action: 'U',
    body: { orders: [{ reference: orderRef, status: 'new' }] },
  },
  { method: 'PATCH', path: `/orders/${orderRef}`, scope: 'UPDATE ORDERS', resource: 'orders', action: 'U', body: { status: 'new' } },
  { method: 'DELETE', path: '/orders', scope: 'DELETE ORDERS', resource: 'orders', action: 'D', body: { references: ['ORD-99999'] } },
  { method: 'DELETE', path: '/orders/ORD-99999', scope: 'DELETE ORDERS', resource: 'orders', action: 'D' },
];

/**
 * domain.md's permission matrix, rows leads / lead histories / orders / order histories: what a
 * role may do through a token (H = the histories row's V).
 */
const MATRIX: Record<Role, { leads: string; orders: string }> = {
  admin: { leads: 'VCUDH', orders: 'VCUDH' },
  'manager-leader': { leads: 'VUH', orders: 'VUH' },
  manager: { leads: 'VUH', orders: 'VUH' },
  'call-center-manager': { leads: 'VUH', orders: 'VUH' },
  agent: { leads: 'VUH', orders: 'V' },
  'follow-up-agent': { leads: 'VH', orders: 'VUH' },
  'stock-manager': { leads: '', orders: 'V' },
  'sourcing-agent': { leads: '', orders: '' },
  delivery: { leads: '', orders: 'VUH' },
  seller: { leads: 'VCUDH', orders: 'VCUDH' },
};

let t: TestApp;
sharedTestApp((app) => (t = app), { API_RATE_LIMIT_PER_MINUTE: '100000' });

const send = (method: Method, path: string, headers: Record<string, string>, payload?: unknown) =>
  t.app.inject({ method, url: `${API}${path}`, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
const call = (a: { auth: Record<string, string> }, method: Method, path: string, payload?: unknown) => send(method, path, a.auth, payload);

async function tokenFor(userId: string, accountId: string, scopes: Scope[], over: { expiresAt?: Date | null; name?: string } = {}) {
  const { id, token } = await createToken(t.db, {
    userId,
    accountId,
    name: over.name ?? 'Scoped',
    scopes,
    expiresAt: over.expiresAt ?? null,
  });
  return { id, token, auth: { authorization: `Bearer ${token}` } };
}

let staffCount = 0;
async function staff(role: Role, accountId: string, scopes: Scope[] = [...SCOPES]) {
  const { id: userId } = await createUser(t.db, {
    role,
    email: `staff-${role}-${++staffCount}-${Date.now()}@example.test`,
    password: 'password-123',
    fullName: `Staff ${role}`,
  });
  return { userId, ...(await tokenFor(userId, accountId, scopes, { name: `Staff ${role}` })) };
}

async function created(res: LightMyRequestResponse): Promise<string[]> {
  assert.equal(res.statusCode, 201, res.body);
  return res.json().data.references;
}

describe('tenancy: a token of account A never reaches account B', () => {
  test('B’s leads, orders and histories answer 404 or are invisible to A, and stay untouched', async () => {
    const a = await tenant(t.db);
    const b = await tenant(t.db);
    // A has LD-00001 / ORD-00001 of its own; B has three of each, so LD-00002.. exist only in B.
    await created(await call(a, 'POST', '/leads', { leads: [lead(1)] }));
    await created(await call(a, 'POST', '/orders', { orders: [order(1)] }));
    const bLeads = await created(await call(b, 'POST', '/leads', { leads: [lead(1), lead(2), lead(3)] }));
    const bOrders = await created(await call(b, 'POST', '/orders', { orders: [order(1), order(2), order(3)] }));
    assert.deepEqual(bLeads, ['LD-00001', 'LD-00002', 'LD-00003']);
    assert.deepEqual(bOrders, ['ORD-00001', 'ORD-00002', 'ORD-00003']);
    const bSnapshot = async () => ({
      leads: (await call(b, 'GET', '/leads')).body,
      orders: (await call(b, 'GET', '/orders')).body,
      leadHistories: (await call(b, 'GET', '/lead-histories')).body,
      orderHistories: (await call(b, 'GET', '/order-histories')).body,
    });
    const before = await bSnapshot();

    for (const [kind, ref] of [
      ['leads', 'LD-00002'],
      ['orders', 'ORD-00003'],
    ] as const) {
      expectJson(await call(a, 'GET', `/${kind}/${ref}`), 404, NOT_FOUND, `show ${ref}`);
      expectJson(await call(a, 'PATCH', `/${kind}/${ref}`, { status: 'canceled' }), 404, NOT_FOUND, `patch ${ref}`);
      expectJson(await call(a, 'PATCH', `/${kind}/${ref}`, { full_name: 'Hijacked name' }), 404, NOT_FOUND, `patch ${ref}`);
      expectJson(await call(a, 'DELETE', `/${kind}/${ref}`), 404, NOT_FOUND, `delete ${ref}`);
      invalid(
        await call(a, 'PATCH', `/${kind}`, {
          [kind]: [
            { reference: `${ref.split('-')[0]}-00001`, status: 'canceled' },
            { reference: ref, status: 'canceled' },
          ],
        }),
        { [`${kind}.1.reference`]: [`The selected ${kind}.1.reference is invalid.`] },
        `bulk patch ${ref}`,
      );
      invalid(
        await call(a, 'DELETE', `/${kind}`, { references: [ref, `${ref.split('-')[0]}-00001`] }),
        { 'references.0': ['The selected references.0 is invalid.'] },
        `bulk delete ${ref}`,
      );
      expectJson(await call(a, 'GET', `/${kind}?reference=${ref}`), 200, {
        data: [],
        meta: { current_page: 1, per_page: 50, total: 0, last_page: 1 },
      });
    }
    expectJson(await call(a, 'GET', '/lead-histories?reference=LD-00002'), 200, {
      data: [],
      meta: { current_page: 1, per_page: 50, total: 0, last_page: 1 },
    });
    expectJson(await call(a, 'GET', '/order-histories?reference=ORD-00003'), 200, {
      data: [],
      meta: { current_page: 1, per_page: 50, total: 0, last_page: 1 },
    });

    // A's lists and histories show A's own rows only (A's ORD-00001 and LD-00001 survived the bulk calls above).
    const onlyA = async (path: string, refKey: string, expected: string[]) => {
      const res = await call(a, 'GET', path);
      assert.equal(res.statusCode, 200);
      assert.deepEqual(
        res.json().data.map((x: Record<string, string>) => x[refKey]),
        expected,
        path,
      );
      assert.equal(res.json().meta.total, expected.length, path);
    };
    await onlyA('/leads', 'reference', ['LD-00001']);
    await onlyA('/orders', 'reference', ['ORD-00001']);
    await onlyA('/lead-histories', 'lead_reference', ['LD-00001']);
    await onlyA('/order-histories', 'order_reference', ['ORD-00001']);
    // Filters cannot fish in B either.
    await onlyA(`/leads?phone=${lead(3).phone}`, 'reference', []);
    await onlyA(`/orders?phone=${order(3).phone}`, 'reference', []);
    const aLeadIds = (await call(a, 'GET', '/leads')).json().data.map((l: { id: string }) => l.id);
    for (const l of JSON.parse(before.leads).data) assert.ok(!aLeadIds.includes(l.id));

    // B saw none of it.
    assert.deepEqual(await bSnapshot(), before);
  });

  test('a seller’s token tied to another account is refused', async () => {
    const a = await tenant(t.db);
    const b = await tenant(t.db);
    const cross = await tokenFor(a.userId, b.accountId, [...SCOPES]);
    expectJson(await call(cross, 'GET', '/leads'), 401, UNAUTHENTICATED);
  });

  test('SKUs of another account are unknown', async () => {
    const a = await tenant(t.db);
    const b = await tenant(t.db, { skus: false });
    invalid(await call(b, 'POST', '/leads', { leads: [lead(0)] }), {
      'leads.0.products.0.sku': ['The selected leads.0.products.0.sku is invalid.'],
    });
    invalid(await call(b, 'POST', '/orders', { orders: [order(0)] }), {
      'orders.0.products.0.sku': ['The selected orders.0.products.0.sku is invalid.'],
    });
    assert.equal((await call(a, 'GET', '/leads')).json().meta.total, 0);
  });
});

describe('403: scopes and role policies', () => {
  test('every endpoint needs its own scope, and only that one', async () => {
    const a = await tenant(t.db);
    const [leadRef] = await created(await call(a, 'POST', '/leads', { leads: [lead(1)] }));
    const [orderRef] = await created(await call(a, 'POST', '/orders', { orders: [order(1)] }));
    const eps = endpoints(leadRef, orderRef);
    assert.equal(eps.length, 16);
    const single = new Map<Scope, { auth: Record<string, string> }>();
    const allBut = new Map<Scope, { auth: Record<string, string> }>();
    for (const s of SCOPES) {
      single.set(s, await tokenFor(a.userId, a.accountId, [s]));
      allBut.set(
        s,
        await tokenFor(
          a.userId,
          a.accountId,
          SCOPES.filter((x) => x !== s),
        ),
      );
    }
    const none = await tokenFor(a.userId, a.accountId, []);
    for (const ep of eps) {
      const what = `${ep.method} ${ep.path}`;
      expectJson(await call(none, ep.method, ep.path, ep.body), 403, FORBIDDEN, `${what} without scopes`);
      expectJson(await call(allBut.get(ep.scope)!, ep.method, ep.path, ep.body), 403, FORBIDDEN, `${what} with all scopes but ${ep.scope}`);
      for (const s of SCOPES) {
        const res = await call(single.get(s)!, ep.method, ep.path, ep.body);
        if (s === ep.scope) assert.notEqual(res.statusCode, 403, `${what} with ${s}: ${res.body}`);
        else expectJson(res, 403, FORBIDDEN, `${what} with only ${s}`);
      }
    }
    // Refused writes wrote nothing: one lead and one order created by each CREATE-scoped call only.
    assert.deepEqual(
      (await call(a, 'GET', '/leads')).json().data.map((l: { reference: string; city: string }) => [l.reference, l.city]),
      [
        ['LD-00002', 'Casablanca'],
        ['LD-00001', 'Fes'],
      ],
    );
    assert.equal((await call(a, 'GET', '/orders')).json().meta.total, 2);
  });

  test('a staff token can do no more than its role allows (domain.md matrix), on every endpoint', async () => {
    const a = await tenant(t.db);
    const [leadRef] = await created(await call(a, 'POST', '/leads', { leads: [lead(1)] }));
    const [orderRef] = await created(await call(a, 'POST', '/orders', { orders: [order(1)] }));
    for (const role of Object.keys(MATRIX) as Role[]) {
      if (role === 'seller') continue; // sellers belong to the account: the all-scopes tenant token above
      const s = await staff(role, a.accountId);
      for (const ep of endpoints(leadRef, orderRef)) {
        const res = await call(s, ep.method, ep.path, ep.body);
        const what = `${role} ${ep.method} ${ep.path}`;
        if (MATRIX[role][ep.resource].includes(ep.action)) assert.notEqual(res.statusCode, 403, `${what}: ${res.body}`);
        else expectJson(res, 403, FORBIDDEN, what);
      }
    }
    // The explicit example: a stock manager cannot create leads, whatever the token's scopes.
    const sm = await staff('stock-manager', a.accountId);
    expectJson(await call(sm, 'POST', '/leads', { leads: [lead(2)] }), 403, FORBIDDEN);
    // And a role that allows the action still needs the scope.
    const adminNoScope = await staff('admin', a.accountId, ['VIEW LEADS']);
    expectJson(await call(adminNoScope, 'POST', '/leads', { leads: [lead(2)] }), 403, FORBIDDEN);
    assert.equal((await call(adminNoScope, 'GET', '/leads')).statusCode, 200);
  });

  test('a staff token reaches what its role works on: an agent its queue and the orders it confirmed, a courier its own orders', async () => {
    const a = await tenant(t.db);
    await created(await call(a, 'POST', '/leads', { leads: [lead(1), lead(2, { products: [{ sku: 'P2', quantity: 1, price: 10 }] })] }));
    await created(await call(a, 'POST', '/orders', { orders: [order(1), order(2)] }));
    const products = new Map(
      (await t.db.query<{ id: string; sku: string }>('SELECT id, sku FROM products WHERE account_id = $1', [a.accountId])).rows.map((r) => [
        r.sku,
        r.id,
      ]),
    );

    // An agent confirming P1 only, allowed to set no_reply only.
    const agent = await staff('agent', a.accountId);
    await t.db.query(`UPDATE users SET products_ids_to_confirm = $2::jsonb, agent_status_handlings = '["no_reply"]' WHERE id = $1`, [
      agent.userId,
      JSON.stringify([products.get('P1')]),
    ]);
    const listed = (await call(agent, 'GET', '/leads')).json();
    assert.deepEqual(
      listed.data.map((l: { reference: string }) => l.reference),
      ['LD-00001'],
    );
    assert.equal(listed.meta.total, 1);
    expectJson(await call(agent, 'GET', '/leads/LD-00002'), 404, NOT_FOUND);
    expectJson(await call(agent, 'PATCH', '/leads/LD-00002', { status: 'no_reply' }), 404, NOT_FOUND);
    expectJson(await call(agent, 'PATCH', '/leads', { leads: [{ reference: 'LD-00002', status: 'no_reply' }] }), 422, {
      message: 'The given data was invalid.',
      errors: { 'leads.0.reference': ['The selected leads.0.reference is invalid.'] },
    });
    // As for a lead that does not exist: every error of the request together, the 422 before the 404.
    expectJson(
      await call(agent, 'PATCH', '/leads', {
        leads: [
          { reference: 'LD-00002', status: 'no_reply' },
          { reference: 'LD-00001', full_name: 'x' },
        ],
      }),
      422,
      {
        message: 'The given data was invalid.',
        errors: {
          'leads.0.reference': ['The selected leads.0.reference is invalid.'],
          'leads.1.full_name': ['The leads.1.full_name field must be at least 3 characters.'],
        },
      },
    );
    expectJson(await call(agent, 'PATCH', '/leads/LD-00002', { full_name: 'x' }), 422, {
      message: 'The given data was invalid.',
      errors: { full_name: ['The full name field must be at least 3 characters.'] },
    });
    assert.deepEqual(
      (await call(agent, 'GET', '/lead-histories')).json().data.map((h: { lead_reference: string }) => h.lead_reference),
      ['LD-00001'],
    );
    expectJson(await call(agent, 'PATCH', '/leads/LD-00001', { status: 'wrong' }), 403, FORBIDDEN);
    assert.equal((await call(agent, 'PATCH', '/leads/LD-00001', { status: 'no_reply' })).statusCode, 200);
    assert.equal((await call(agent, 'GET', '/orders')).json().meta.total, 0, 'an agent sees the orders of leads it confirmed: none');
    expectJson(await call(agent, 'GET', '/orders/ORD-00001'), 404, NOT_FOUND);

    // A courier with ORD-00001 in hand.
    const courier = await staff('delivery', a.accountId);
    await t.db.query(`UPDATE orders SET delivery_user_id = $2 WHERE account_id = $1 AND reference = 'ORD-00001'`, [
      a.accountId,
      courier.userId,
    ]);
    const orders = (await call(courier, 'GET', '/orders')).json();
    assert.deepEqual(
      orders.data.map((o: { reference: string }) => o.reference),
      ['ORD-00001'],
    );
    assert.ok(
      (await call(courier, 'GET', '/order-histories'))
        .json()
        .data.every((h: { order_reference: string }) => h.order_reference === 'ORD-00001'),
    );
    expectJson(await call(courier, 'GET', '/orders/ORD-00002'), 404, NOT_FOUND);
    expectJson(await call(courier, 'PATCH', '/orders/ORD-00002', { status: 'canceled' }), 404, NOT_FOUND);
    expectJson(await call(courier, 'PATCH', '/orders', { orders: [{ reference: 'ORD-00002', status: 'canceled' }] }), 422, {
      message: 'The given data was invalid.',
      errors: { 'orders.0.reference': ['The selected orders.0.reference is invalid.'] },
    });
    expectJson(await call(courier, 'PATCH', '/orders/ORD-00002', { status: 5 }), 422, {
      message: 'The given data was invalid.',
      errors: { status: ['The status field must be a string.', 'The selected status is invalid.'] },
    });
    // Couriers move the orders in their hands; they do not edit them. Follow-up agents update orders (domain.md: VU).
    expectJson(await call(courier, 'PATCH', '/orders/ORD-00001', { full_name: 'Changed by a courier' }), 403, FORBIDDEN);
    const followUp = await staff('follow-up-agent', a.accountId);
    assert.equal((await call(followUp, 'PATCH', '/orders', { orders: [{ reference: 'ORD-00002', city: 'Fes' }] })).statusCode, 200);
    assert.equal((await call(followUp, 'GET', '/orders')).json().meta.total, 2, 'a follow-up agent sees every order');
    const unchanged = (await call(a, 'GET', '/orders')).json().data as {
      reference: string;
      status: string;
      full_name: string;
      city: string;
    }[];
    assert.deepEqual(unchanged.map((o) => [o.reference, o.status, o.full_name, o.city]).sort(), [
      ['ORD-00001', 'new', 'Customer 1', 'Rabat'],
      ['ORD-00002', 'new', 'Customer 2', 'Fes'],
    ]);
  });

  // Found by the API audit: every token moved orders as "token", so a manager's cancelled and a courier's renewed.
  test("a staff token moves an order only as its role would: a manager's cannot cancel, a courier's not renew (403)", async () => {
    const a = await tenant(t.db);
    await created(await call(a, 'POST', '/orders', { orders: [order(1), order(2)] }));
    const courier = await staff('delivery', a.accountId);
    await t.db.query(`UPDATE orders SET delivery_user_id = $2, status = 'canceled' WHERE account_id = $1 AND reference = 'ORD-00001'`, [
      a.accountId,
      courier.userId,
    ]);
    const manager = await staff('manager', a.accountId);
    expectJson(await call(manager, 'PATCH', '/orders/ORD-00002', { status: 'canceled' }), 403, FORBIDDEN);
    expectJson(await call(manager, 'PATCH', '/orders', { orders: [{ reference: 'ORD-00002', status: 'canceled' }] }), 403, FORBIDDEN);
    expectJson(await call(manager, 'PATCH', '/orders/ORD-00001', { status: 'new' }), 403, FORBIDDEN);
    expectJson(await call(courier, 'PATCH', '/orders/ORD-00001', { status: 'new' }), 403, FORBIDDEN);
    const followUp = await staff('follow-up-agent', a.accountId);
    expectJson(await call(followUp, 'PATCH', '/orders/ORD-00002', { status: 'canceled' }), 403, FORBIDDEN);
    // A move the lifecycle has not is still the transition's 422, whoever asks.
    assert.equal((await call(manager, 'PATCH', '/orders/ORD-00002', { status: 'new' })).statusCode, 422);
    const statuses = async () =>
      ((await call(a, 'GET', '/orders')).json().data as { reference: string; status: string }[])
        .map((o) => `${o.reference} ${o.status}`)
        .sort();
    assert.deepEqual(await statuses(), ['ORD-00001 canceled', 'ORD-00002 new']);
    // What their roles allow goes through: a follow-up agent renews, an admin's token cancels.
    assert.equal((await call(followUp, 'PATCH', '/orders/ORD-00001', { status: 'new' })).statusCode, 200);
    const admin = await staff('admin', a.accountId);
    assert.equal((await call(admin, 'PATCH', '/orders/ORD-00002', { status: 'canceled' })).statusCode, 200);
    assert.deepEqual(await statuses(), ['ORD-00001 new', 'ORD-00002 canceled']);
  });

  // Found by the roles audit: an agent's token confirmed a lead another agent was on the phone with.
  test("an agent's token leaves alone a lead of another agent's live claim or queue (409), as the dashboard does", async () => {
    const a = await tenant(t.db);
    await created(await call(a, 'POST', '/leads', { leads: [lead(1), lead(2), lead(3)] }));
    const mine = await staff('agent', a.accountId);
    const other = await staff('agent', a.accountId);
    await t.db.query(
      `UPDATE users SET products_ids_to_confirm = (SELECT jsonb_agg(id) FROM products WHERE account_id = $1 AND sku = 'P1') WHERE id = ANY($2)`,
      [a.accountId, [mine.userId, other.userId]],
    );
    const set = (ref: string, sql: string, ...params: unknown[]) =>
      t.db.query(`UPDATE leads SET ${sql} WHERE account_id = $1 AND reference = $2`, [a.accountId, ref, ...params]);
    await set('LD-00001', `claimed_by = $3, claimed_until = now() + interval '10 minutes'`, other.userId);
    await set('LD-00002', 'assigned_to = $3', other.userId);
    const HELD = { message: 'This lead is being handled by another agent.' };
    expectJson(await call(mine, 'PATCH', '/leads/LD-00001', { status: 'confirmed' }), 409, HELD);
    expectJson(await call(mine, 'PATCH', '/leads/LD-00001', { address: '2 Rue Overwritten' }), 409, HELD);
    expectJson(
      await call(mine, 'PATCH', '/leads', {
        leads: [
          { reference: 'LD-00003', status: 'wrong' },
          { reference: 'LD-00002', status: 'wrong' },
        ],
      }),
      409,
      HELD,
    );
    assert.equal((await call(mine, 'PATCH', '/leads', { leads: [null, 1, { reference: 'LD-00003' }] })).statusCode, 422);
    const statuses = async () =>
      ((await call(a, 'GET', '/leads')).json().data as { reference: string; status: string }[])
        .map((l) => `${l.reference} ${l.status}`)
        .sort();
    assert.deepEqual(await statuses(), ['LD-00001 new', 'LD-00002 new', 'LD-00003 new']);
    // Once the claim has lapsed, and for the agent holding it, the change goes through.
    assert.equal((await call(other, 'PATCH', '/leads/LD-00002', { status: 'wrong' })).statusCode, 200);
    await set('LD-00001', `claimed_until = now() - interval '1 second'`);
    assert.equal((await call(mine, 'PATCH', '/leads/LD-00001', { status: 'wrong' })).statusCode, 200);
    assert.deepEqual(await statuses(), ['LD-00001 wrong', 'LD-00002 wrong', 'LD-00003 new']);
  });

  test('a staff token works inside the token’s account and records the token as the actor', async () => {
    const a = await tenant(t.db);
    const admin = await staff('admin', a.accountId);
    const refs = await created(await call(admin, 'POST', '/leads', { leads: [lead(1)] }));
    assert.deepEqual(refs, ['LD-00001']);
    const hist = await call(a, 'GET', '/lead-histories');
    assert.equal(hist.json().data[0].changed_by, 'API token "Staff admin"');
  });
});

describe('401: authentication', () => {
  test('missing, malformed, unknown, wrong, revoked and expired tokens', async () => {
    const a = await tenant(t.db);
    const [, secret] = a.token.split('|');
    const headers: [string, Record<string, string>][] = [
      ['no header', {}],
      ['empty header', { authorization: '' }],
      ['Basic scheme', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }],
      ['Bearer without a token', { authorization: 'Bearer' }],
      ['Bearer and a space', { authorization: 'Bearer ' }],
      ['token without id', { authorization: `Bearer ${secret}` }],
      ['token without secret', { authorization: `Bearer ${a.tokenId}|` }],
      ['secret too short', { authorization: `Bearer ${a.tokenId}|abc` }],
      ['two tokens', { authorization: `Bearer ${a.token} ${a.token}` }],
      ['unknown id', { authorization: `Bearer 987654321|${secret}` }],
      ['wrong secret', { authorization: `Bearer ${a.tokenId}|${'f'.repeat(secret.length)}` }],
      [
        'secret with one character changed',
        { authorization: `Bearer ${a.tokenId}|${secret.slice(0, -1)}${secret.endsWith('0') ? '1' : '0'}` },
      ],
      ['another token’s secret', { authorization: `Bearer ${a.tokenId + 1}|${secret}` }],
    ];
    for (const [what, h] of headers) {
      for (const ep of endpoints('LD-00001', 'ORD-00001')) {
        expectJson(await send(ep.method, ep.path, h, ep.body), 401, UNAUTHENTICATED, `${what}: ${ep.method} ${ep.path}`);
      }
    }
    // The scheme is case-insensitive, as in Laravel.
    assert.equal((await send('GET', '/leads', { authorization: `bearer ${a.token}` })).statusCode, 200);
  });

  test('probing ids that do not exist yet does not lock out the tokens created next', async () => {
    const a = await tenant(t.db);
    // On PostgreSQL other test files create tokens in the same database meanwhile: a token whose id
    // the probe did not reach proves nothing, so probe again ahead of it.
    for (let attempt = 0; ; attempt++) {
      const { rows } = await t.db.query<{ n: number }>('SELECT max(id)::int AS n FROM api_tokens');
      for (let id = rows[0].n + 1; id <= rows[0].n + 20; id++) {
        expectJson(await send('GET', '/leads', { authorization: `Bearer ${id}|${'a'.repeat(48)}` }), 401, UNAUTHENTICATED);
      }
      const fresh = await tokenFor(a.userId, a.accountId, ['VIEW LEADS']);
      if (fresh.id > rows[0].n + 20 && attempt < 5) continue;
      assert.ok(fresh.id <= rows[0].n + 20, 'the new token’s id was probed');
      assert.equal((await call(fresh, 'GET', '/leads')).statusCode, 200);
      break;
    }
  });

  test('a revoked token answers 401 at once, even when cached', async () => {
    const a = await tenant(t.db);
    expectJson(await call(a, 'GET', '/leads'), 200, { data: [], meta: { current_page: 1, per_page: 50, total: 0, last_page: 1 } });
    assert.equal(await revokeToken(t.db, a.tokenId, a.accountId), true);
    await untilStatus(a, 401);
    expectJson(await call(a, 'GET', '/leads'), 401, UNAUTHENTICATED);
    expectJson(await call(a, 'POST', '/leads', { leads: [lead(1)] }), 401, UNAUTHENTICATED);
  });

  test('a token read just before its revoke, whose answer comes after the forget, is not kept', async () => {
    const a = await tenant(t.db);
    let hold: Promise<void> | undefined;
    // The database as the auth sees it: the row is read, then its answer is held back.
    const db = {
      query: (async (text: string, params?: unknown[]) => {
        const r = await t.db.query(text, params);
        await hold;
        return r;
      }) as TestApp['db']['query'],
      listen: t.db.listen.bind(t.db),
    };
    const auth = new BearerAuth(db);
    let release!: () => void;
    hold = new Promise((r) => (release = r));
    const first = auth.authenticate(a.auth.authorization);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(await revokeToken(t.db, a.tokenId, a.accountId), true);
    auth.forgetAll(); // what the revoke's NOTIFY does
    release();
    assert.ok(await first, 'the request under way still used the row it read');
    hold = undefined;
    assert.equal(await auth.authenticate(a.auth.authorization), undefined, 'the next request reads the revoke');
  });

  test('an expired token answers 401; one expiring later works', async () => {
    const a = await tenant(t.db);
    const expired = await tokenFor(a.userId, a.accountId, [...SCOPES], { expiresAt: new Date(Date.now() - 1000) });
    expectJson(await call(expired, 'GET', '/leads'), 401, UNAUTHENTICATED);
    const later = await tokenFor(a.userId, a.accountId, [...SCOPES], { expiresAt: new Date(Date.now() + 3_600_000) });
    assert.equal((await call(later, 'GET', '/leads')).statusCode, 200);
    // Expiry moved into the past while cached.
    await t.db.query(`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [later.id]);
    await untilStatus(later, 401);
  });

  test('an inactive user answers 401 at once, and again 200 once reactivated', async () => {
    const a = await tenant(t.db);
    assert.equal((await call(a, 'GET', '/leads')).statusCode, 200);
    await t.db.query(`UPDATE users SET status = 'inactive' WHERE id = $1`, [a.userId]);
    await untilStatus(a, 401);
    expectJson(await call(a, 'GET', '/orders'), 401, UNAUTHENTICATED);
    await t.db.query(`UPDATE users SET status = 'active' WHERE id = $1`, [a.userId]);
    await untilStatus(a, 200);
  });

  test('an inactive account answers 401 at once (the auth-change NOTIFY empties the cache), and again 200 once reactivated', async () => {
    const a = await tenant(t.db);
    const staffer = await staff('admin', a.accountId);
    assert.equal((await call(a, 'GET', '/leads')).statusCode, 200);
    assert.equal((await call(staffer, 'GET', '/leads')).statusCode, 200);
    await t.db.query(`UPDATE accounts SET status = 'inactive' WHERE id = $1`, [a.accountId]);
    await untilStatus(a, 401);
    expectJson(await call(a, 'GET', '/leads'), 401, UNAUTHENTICATED);
    expectJson(await call(staffer, 'GET', '/leads'), 401, UNAUTHENTICATED, 'a staff token for the account too');
    await t.db.query(`UPDATE accounts SET status = 'active' WHERE id = $1`, [a.accountId]);
    await untilStatus(a, 200);
  });
});

/**
 * The request right after the change must already see it (PGlite delivers the NOTIFY before the
 * UPDATE returns). PostgreSQL delivers it on the listener's own connection, a moment later: allow
 * that moment, far below the 30 s cache lifetime the NOTIFY replaces.
 */
async function untilStatus(a: { auth: Record<string, string> }, status: number) {
  const deadline = Date.now() + (t.db.kind === 'pglite' ? 0 : 1000);
  for (;;) {
    const res = await call(a, 'GET', '/leads');
    if (res.statusCode === status || Date.now() >= deadline) {
      assert.equal(res.statusCode, status, res.body);
      return;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('token storage and logs', () => {
  test('only a SHA-256 of the secret is stored', async () => {
    const a = await tenant(t.db);
    const [id, secret] = a.token.split('|');
    assert.equal(Number(id), a.tokenId);
    const { rows } = await t.db.query('SELECT * FROM api_tokens');
    const text = JSON.stringify(rows);
    assert.ok(rows.length > 0);
    assert.ok(!text.includes(secret), 'the plaintext secret is not stored');
    const mine = await t.db.query<{ secret_hash: string }>('SELECT secret_hash FROM api_tokens WHERE id = $1', [a.tokenId]);
    assert.equal(mine.rows[0].secret_hash, createHash('sha256').update(secret).digest('hex'));
  });

  test('the server logs never contain a token’s secret', async () => {
    const { app, db, log: logged, close } = await loggedTestApp('trace');
    try {
      const a = await tenant(db);
      const [, secret] = a.token.split('|');
      const wrong = `${a.tokenId}|${secret.slice(0, -4)}ffff`;
      const go = (method: Method, url: string, headers: Record<string, string>, payload?: string | object) =>
        app.inject({ method, url, headers: { 'x-request-id': 'log-test', ...headers }, ...(payload === undefined ? {} : { payload }) });
      assert.equal((await go('POST', `${API}/leads`, a.auth, { leads: [lead(1)] })).statusCode, 201);
      assert.equal((await go('GET', `${API}/leads`, a.auth)).statusCode, 200);
      assert.equal((await go('GET', `${API}/leads`, { authorization: `Bearer ${wrong}` })).statusCode, 401);
      assert.equal((await go('GET', `${API}/leads/LD-00009`, a.auth)).statusCode, 404);
      assert.equal((await go('POST', `${API}/leads`, { ...a.auth, 'content-type': 'application/json' }, '{"leads":')).statusCode, 400);
      assert.equal((await go('POST', `${API}/leads`, a.auth, { leads: [{}] })).statusCode, 422);
      assert.equal((await go('PUT', `${API}/leads`, a.auth)).statusCode, 405);
      const log = logged();
      assert.match(log, /request completed/, 'the capture works');
      assert.match(log, /log-test/);
      assert.ok(!log.includes(secret), 'the secret is not logged');
      assert.ok(!log.includes(wrong.split('|')[1]), 'a wrong secret is not logged either');
      assert.ok(!log.includes('"statusCode":500'), 'no server error along the way');
    } finally {
      await close();
    }
  });
});

describe('around the API', () => {
  test('400 invalid JSON, 415 not JSON, 405 wrong method, 404 unknown route', async () => {
    const a = await tenant(t.db);
    const json = { ...a.auth, 'content-type': 'application/json' };
    for (const bad of ['{"leads":', '{leads: []}', "{'a':1}", 'nul', '[1,]']) {
      expectJson(await send('POST', '/leads', json, bad), 400, { message: 'The request body is not valid JSON.' }, bad);
    }
    expectJson(await send('PATCH', '/orders/ORD-00001', json, '{"city":'), 400, { message: 'The request body is not valid JSON.' });
    // Not UTF-8 (a Latin-1 name, a lone continuation byte): refused, never stored with U+FFFD in its place.
    for (const bytes of [[0xe9], [0xff, 0xfe], [0x80]]) {
      const bad = Buffer.concat([
        Buffer.from('{"leads":[{"full_name":"Ren'),
        Buffer.from(bytes),
        Buffer.from('e","phone":"0612345678"}]}'),
      ]);
      expectJson(await send('POST', '/leads', json, bad), 400, { message: 'The request body is not valid JSON.' }, String(bytes));
    }
    expectJson(await send('PATCH', '/leads/LD-00001', json, Buffer.from('{"city":"F\xe8s"}', 'latin1')), 400, {
      message: 'The request body is not valid JSON.',
    });
    // A lone surrogate escape names no character (PHP's json_decode refuses it too): refused, never stored as U+FFFD.
    for (const name of ['Ren\\ud800e', 'Ren\\udc00e', 'Rene\\ud83d', '\\udc00\\ud800']) {
      const bad = `{"leads":[{"full_name":"${name}","phone":"0612345678","products":[{"sku":"P1","quantity":1,"price":10}]}]}`;
      expectJson(await send('POST', '/leads', json, bad), 400, { message: 'The request body is not valid JSON.' }, name);
    }
    expectJson(await send('PATCH', '/leads/LD-00001', json, '{"data":[{"key":"k\\ud800","value":"v"}]}'), 400, {
      message: 'The request body is not valid JSON.',
    });
    expectJson(await send('POST', '/orders', json, '{"orders":[],"\\udfff":1}'), 400, { message: 'The request body is not valid JSON.' });
    // A pair is a character; an escaped backslash before `ud800` is text.
    invalid(await send('POST', '/leads', json, '{"leads":[{"full_name":"\\ud83d\\ude00 Amine","phone":"x"}],"note":"\\\\ud800"}'), {
      'leads.0.phone': ['The leads.0.phone field must be at least 7 characters.'],
      'leads.0.products': ['The leads.0.products field is required.'],
    });
    expectJson(await send('DELETE', '/orders', json, '{"references":['), 400, { message: 'The request body is not valid JSON.' });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml']) {
      expectJson(
        await send('POST', '/leads', { ...a.auth, 'content-type': type }, 'leads=1'),
        415,
        { message: 'The request body must be JSON.' },
        type,
      );
    }
    expectJson(await send('PATCH', '/leads', { ...a.auth, 'content-type': 'text/plain' }, '{"leads":[]}'), 415, {
      message: 'The request body must be JSON.',
    });
    // application/json with a charset is JSON.
    invalid(await send('POST', '/leads', { ...a.auth, 'content-type': 'application/json; charset=utf-8' }, '{}'), {
      leads: ['The leads field is required.'],
    });

    const long = await t.app.inject({ method: 'GET', url: `${API}/leads/${'x'.repeat(5000)}` });
    assert.equal(long.statusCode, 404, 'a path segment longer than the router reads names no resource');
    assert.deepEqual(long.json(), { message: 'Resource not found.' });
    // The router refuses these before any hook: they still carry what every API answer carries (API audit).
    for (const url of [`${API}/leads/${'x'.repeat(5000)}`, `${API}/orders/%E0%A4%A`, `${API}/leads/%ff`]) {
      for (const headers of [a.auth, {}, { 'x-request-id': 'audit-1' }]) {
        const res = await t.app.inject({ method: 'PATCH', url, headers });
        expectJson(res, 404, NOT_FOUND, url);
        assert.match(String(res.headers['x-ratelimit-limit']), /^\d+$/, url);
        assert.match(String(res.headers['x-ratelimit-remaining']), /^\d+$/, url);
        assert.match(
          String(res.headers['x-request-id']),
          headers === a.auth || !('x-request-id' in headers) ? /^[\w-]{8,}$/ : /^audit-1$/,
          url,
        );
        assert.equal(res.headers['x-content-type-options'], 'nosniff', url);
      }
    }
    const m405 = await t.app.inject({ method: 'PUT', url: `${API}/leads` });
    expectJson(m405, 405, { message: 'Method not allowed.' });
    // Laravel's Allow, in its order: HEAD beside GET, as Fastify answers HEAD wherever it answers GET.
    assert.equal(m405.headers.allow, 'GET, HEAD, POST, PATCH, DELETE');
    assert.equal((await t.app.inject({ method: 'HEAD', url: `${API}/leads`, headers: a.auth })).statusCode, 200);
    assert.equal((await t.app.inject({ method: 'POST', url: `${API}/orders/ORD-00001` })).headers.allow, 'GET, HEAD, PATCH, DELETE');
    assert.equal((await t.app.inject({ method: 'GET', url: '/logout' })).headers.allow, 'POST');
    expectJson(await t.app.inject({ method: 'PUT', url: `${API}/leads/LD-00001`, headers: a.auth }), 405, {
      message: 'Method not allowed.',
    });
    expectJson(await t.app.inject({ method: 'POST', url: `${API}/orders/ORD-00001`, headers: a.auth }), 405, {
      message: 'Method not allowed.',
    });
    expectJson(await t.app.inject({ method: 'DELETE', url: `${API}/order-histories`, headers: a.auth }), 405, {
      message: 'Method not allowed.',
    });
    expectJson(await t.app.inject({ method: 'POST', url: '/up' }), 405, { message: 'Method not allowed.' });
    // A JSON content type with an empty or broken body changes nothing: the path still decides.
    const jsonType = { ...a.auth, 'content-type': 'application/json' };
    expectJson(await t.app.inject({ method: 'PUT', url: `${API}/leads`, headers: jsonType }), 405, { message: 'Method not allowed.' });
    expectJson(await t.app.inject({ method: 'PUT', url: `${API}/leads/LD-00001`, headers: jsonType, payload: '{' }), 405, {
      message: 'Method not allowed.',
    });
    expectJson(await t.app.inject({ method: 'DELETE', url: `${API}/nope`, headers: jsonType, payload: '{' }), 404, NOT_FOUND);
    // Every API answer carries the rate-limit headers, a 404 or 405 of a path no route serves too; no token is still a 404 there.
    for (const [method, url, headers, status] of [
      ['GET', `${API}/nope`, a.auth, 404],
      ['PUT', `${API}/leads`, a.auth, 405],
      ['GET', `${API}/nope`, {}, 404],
    ] as const) {
      const res = await t.app.inject({ method, url, headers });
      assert.equal(res.statusCode, status, `${method} ${url}`);
      assert.match(String(res.headers['x-ratelimit-limit']), /^\d+$/, `${method} ${url}`);
      assert.match(String(res.headers['x-ratelimit-remaining']), /^\d+$/, `${method} ${url}`);
    }

    expectJson(await t.app.inject({ method: 'GET', url: `${API}/nope`, headers: a.auth }), 404, NOT_FOUND);
    expectJson(await t.app.inject({ method: 'GET', url: `${API}/leads/LD-00001/extra`, headers: a.auth }), 404, NOT_FOUND);
    expectJson(await t.app.inject({ method: 'GET', url: '/api/web/2.0/leads', headers: a.auth }), 404, NOT_FOUND);
    expectJson(await t.app.inject({ method: 'GET', url: '/nope' }), 404, NOT_FOUND);
  });

  test('OPTIONS on a known path: 200, no body, Allow of its methods joined by "," (Laravel getRouteForMethods); unknown path 404', async () => {
    const a = await tenant(t.db);
    const options = (url: string, headers: Record<string, string> = {}, payload?: string) =>
      t.app.inject({ method: 'OPTIONS', url, headers, ...(payload === undefined ? {} : { payload }) });
    // No middleware of the route runs: no token, a wrong one or a broken JSON body answer alike.
    for (const headers of [{}, a.auth, { authorization: 'Bearer 1|wrong' }, { ...a.auth, 'content-type': 'application/json' }]) {
      const res = await options(`${API}/leads`, headers, 'content-type' in headers ? '{' : undefined);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.body, '');
      assert.equal(res.headers.allow, 'GET,HEAD,POST,PATCH,DELETE');
      // What every API answer carries.
      assert.match(String(res.headers['x-request-id']), /^[\w-]{8,}$/);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.match(String(res.headers['x-ratelimit-limit']), /^\d+$/);
      assert.match(String(res.headers['x-ratelimit-remaining']), /^\d+$/);
    }
    assert.equal((await options(`${API}/orders/ORD-00001`)).headers.allow, 'GET,HEAD,PATCH,DELETE');
    assert.equal((await options(`${API}/lead-histories`, { 'x-request-id': 'options-1' })).headers['x-request-id'], 'options-1');
    // The dashboard and the health check alike.
    for (const [url, allow] of [
      ['/logout', 'POST'],
      ['/login', 'GET,HEAD,POST'],
      ['/up', 'GET,HEAD'],
    ]) {
      const res = await options(url, { accept: 'text/html' });
      assert.deepEqual([res.statusCode, res.body, res.headers.allow], [200, '', allow], url);
      assert.equal(res.headers['x-content-type-options'], 'nosniff', url);
      assert.match(String(res.headers['x-request-id']), /^[\w-]{8,}$/, url);
    }
    expectJson(await options(`${API}/nope`), 404, NOT_FOUND);
    expectJson(await options('/nope'), 404, NOT_FOUND);
    // Other methods keep their 405 and its ", ".
    assert.equal((await t.app.inject({ method: 'PUT', url: `${API}/leads` })).headers.allow, 'GET, HEAD, POST, PATCH, DELETE');
  });

  test('413 over the body limit: the small limit on single endpoints, the bulk limit on bulk ones', async () => {
    const s = await testApp({ BULK_BODY_LIMIT_BYTES: '2048', BODY_LIMIT_BYTES: '1024', API_RATE_LIMIT_PER_MINUTE: '100000' });
    try {
      const a = await tenant(s.db);
      const json = { ...a.auth, 'content-type': 'application/json' };
      const inject = (method: Method, path: string, body: string) =>
        s.app.inject({ method, url: `${API}${path}`, headers: json, payload: body });
      const TOO_LARGE = { message: 'The request body is too large.' };
      const sized = (obj: Record<string, unknown>, bytes: number) => {
        const base = JSON.stringify({ ...obj, pad: '' });
        const out = JSON.stringify({ ...obj, pad: 'x'.repeat(bytes - base.length) });
        assert.equal(Buffer.byteLength(out), bytes);
        return out;
      };
      // Bulk endpoints: 1.5 KiB passes the single limit's 1 KiB, 3 KiB does not pass 2 KiB.
      const leads1500 = sized({ leads: [lead(1)] }, 1500);
      assert.deepEqual(await created(await inject('POST', '/leads', leads1500)), ['LD-00001']);
      expectJson(await inject('POST', '/leads', sized({ leads: [lead(2)] }, 3000)), 413, TOO_LARGE);
      expectJson(await inject('POST', '/orders', sized({ orders: [order(2)] }, 3000)), 413, TOO_LARGE);
      expectJson(await inject('PATCH', '/leads', sized({ leads: [] }, 3000)), 413, TOO_LARGE);
      expectJson(await inject('PATCH', '/orders', sized({ orders: [] }, 3000)), 413, TOO_LARGE);
      expectJson(await inject('DELETE', '/leads', sized({ references: [] }, 3000)), 413, TOO_LARGE);
      expectJson(await inject('DELETE', '/orders', sized({ references: [] }, 3000)), 413, TOO_LARGE);
      // Single endpoints: 1.5 KiB is over.
      expectJson(await inject('PATCH', '/leads/LD-00001', sized({ city: 'Fes' }, 1500)), 413, TOO_LARGE);
      expectJson(await inject('PATCH', '/orders/ORD-00001', sized({ city: 'Fes' }, 1500)), 413, TOO_LARGE);
      assert.equal((await inject('PATCH', '/leads/LD-00001', sized({ city: 'Fes' }, 1000))).statusCode, 200);
      // Still nothing but the first lead.
      assert.equal(JSON.parse((await s.app.inject({ method: 'GET', url: `${API}/leads`, headers: a.auth })).body).meta.total, 1);
    } finally {
      await s.close();
    }
  });

  test('X-Request-Id is echoed when sent, generated otherwise, on every kind of response', async () => {
    const a = await tenant(t.db);
    const requests = [
      { method: 'GET' as const, url: `${API}/leads`, headers: a.auth },
      { method: 'GET' as const, url: `${API}/leads` },
      { method: 'GET' as const, url: `${API}/leads/LD-09999`, headers: a.auth },
      { method: 'GET' as const, url: '/nope' },
      { method: 'GET' as const, url: '/up' },
    ];
    for (const r of requests) {
      const echoed = await t.app.inject({ ...r, headers: { ...r.headers, 'x-request-id': 'client-req-42' } });
      assert.equal(echoed.headers['x-request-id'], 'client-req-42', r.url);
      const made = await t.app.inject(r);
      assert.match(String(made.headers['x-request-id']), /^[0-9a-f-]{36}$/, r.url);
      const again = await t.app.inject(r);
      assert.notEqual(again.headers['x-request-id'], made.headers['x-request-id']);
    }
    // An unusable client id (spaces, too long) is replaced.
    const odd = await t.app.inject({ method: 'GET', url: '/up', headers: { 'x-request-id': 'has spaces in it' } });
    assert.match(String(odd.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  });

  test('X-RateLimit-Limit and X-RateLimit-Remaining on API responses; 429 past the limit', async () => {
    const s = await testApp({ API_RATE_LIMIT_PER_MINUTE: '5' });
    try {
      const a = await tenant(s.db);
      const noScope = await createToken(s.db, { userId: a.userId, accountId: a.accountId, name: 'none', scopes: [], expiresAt: null });
      const go = (headers: Record<string, string>, url = `${API}/leads`, method: Method = 'GET', payload?: object) =>
        s.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
      const responses = [
        await go(a.auth),
        await go(a.auth, `${API}/leads/LD-09999`),
        await go(a.auth, `${API}/leads`, 'POST', { leads: [{}] }),
        await go(a.auth, `${API}/orders`),
      ];
      assert.deepEqual(
        responses.map((r) => [r.statusCode, r.headers['x-ratelimit-limit'], r.headers['x-ratelimit-remaining']]),
        [
          [200, '5', '4'],
          [404, '5', '3'],
          [422, '5', '2'],
          [200, '5', '1'],
        ],
      );
      const last = await go(a.auth);
      assert.equal(last.statusCode, 200);
      assert.equal(last.headers['x-ratelimit-remaining'], '0');
      const limited = await go(a.auth);
      expectJson(limited, 429, { message: 'Too Many Attempts.' });
      assert.equal(limited.headers['x-ratelimit-limit'], '5');
      assert.equal(limited.headers['x-ratelimit-remaining'], '0');
      assert.ok(
        Number(limited.headers['retry-after']) > 0 && Number(limited.headers['retry-after']) <= 60,
        String(limited.headers['retry-after']),
      );
      const reset = Number(limited.headers['x-ratelimit-reset']);
      assert.ok(reset > Date.now() / 1000 && reset <= Date.now() / 1000 + 61, String(reset));
      // A path the router refuses before any hook is counted like the rest (API audit).
      const unreadable = await go(a.auth, `${API}/leads/${'x'.repeat(500)}`);
      expectJson(unreadable, 429, { message: 'Too Many Attempts.' });
      assert.ok(Number(unreadable.headers['retry-after']) > 0 && Number(unreadable.headers['x-ratelimit-reset']) > 0);
      // Per token: another token of the same account has its own budget; 429 comes before 403.
      const other = { authorization: `Bearer ${noScope.token}` };
      const first = await go(other);
      expectJson(first, 403, FORBIDDEN);
      assert.equal(first.headers['x-ratelimit-remaining'], '4');
      for (let i = 0; i < 4; i++) await go(other);
      expectJson(await go(other), 429, { message: 'Too Many Attempts.' });
      // Requests without a valid token are limited per client IP, with the headers too.
      const anon = await go({});
      expectJson(anon, 401, UNAUTHENTICATED);
      assert.equal(anon.headers['x-ratelimit-limit'], '5');
      assert.equal(anon.headers['x-ratelimit-remaining'], '4');
    } finally {
      await s.close();
    }
  });

  test('GET /up, the OpenAPI document and /docs', async () => {
    expectJson(await t.app.inject({ method: 'GET', url: '/up' }), 200, { status: 'ok' });

    const doc = await t.app.inject({ method: 'GET', url: `${API}/openapi.json` });
    assert.equal(doc.statusCode, 200);
    // An API response like any other: open without a token, counted per client IP.
    assert.ok(Number(doc.headers['x-ratelimit-limit']) > 0, JSON.stringify(doc.headers));
    assert.ok(Number(doc.headers['x-ratelimit-remaining']) >= 0);
    assert.equal(
      (await t.app.inject({ method: 'GET', url: `${API}/openapi.json`, headers: { authorization: 'Bearer 1|nope' } })).statusCode,
      200,
      'a bad token does not matter on an open route',
    );
    const spec = doc.json();
    assert.equal(spec.openapi, '3.1.0');
    const methods = Object.fromEntries(
      Object.entries(spec.paths as Record<string, object>).map(([p, ops]) => [p, Object.keys(ops).sort()]),
    );
    assert.deepEqual(methods, {
      [`${API}/leads`]: ['delete', 'get', 'patch', 'post'],
      [`${API}/leads/{reference}`]: ['delete', 'get', 'patch'],
      [`${API}/lead-histories`]: ['get'],
      [`${API}/orders`]: ['delete', 'get', 'patch', 'post'],
      [`${API}/orders/{reference}`]: ['delete', 'get', 'patch'],
      [`${API}/order-histories`]: ['get'],
    });
    // The documented request bodies are the validating schemas.
    const create = spec.paths[`${API}/orders`].post.requestBody.content['application/json'].schema;
    assert.deepEqual(create.properties.orders.items.properties.shipment_way.enum, [1, 2, 3]);
    assert.deepEqual(create.properties.orders.items.required, [
      'full_name',
      'phone',
      'city',
      'address',
      'is_fees_paid_by_customer',
      'total',
      'products',
    ]);
    // The documented filters are the validated ones: a tracking number is an order's, not a lead's.
    const filters = (path: string) => spec.paths[`${API}${path}`].get.parameters.map((p: { name: string }) => p.name).sort();
    assert.deepEqual(filters('/leads'), ['created_from', 'created_to', 'page', 'per_page', 'phone', 'reference', 'sku', 'status']);
    assert.deepEqual(filters('/orders'), [...filters('/leads'), 'tracking_number'].sort());
    // The error bodies of api-v1.md are documented beside each success (found by the API audit).
    const post = spec.paths[`${API}/leads`].post.responses;
    assert.deepEqual(Object.keys(post).sort(), ['201', '400', '401', '403', '404', '413', '415', '422', '429']);
    assert.deepEqual(post['422'].content['application/json'].schema.examples, [
      { message: 'The given data was invalid.', errors: { 'leads.0.phone': ['The leads.0.phone field is required.'] } },
    ]);
    assert.deepEqual(post['401'].content['application/json'].schema.examples, [{ message: 'Unauthenticated.' }]);
    assert.deepEqual(Object.keys(spec.paths[`${API}/leads`].get.responses).sort(), ['200', '401', '403', '404', '422', '429']);
    // An agent's token changing a lead another agent holds: 409 (call-centre.md; undocumented until the API audit).
    for (const path of ['/leads', '/leads/{reference}']) {
      const patch = spec.paths[`${API}${path}`].patch.responses;
      assert.deepEqual(
        patch['409'].content['application/json'].schema.examples,
        [{ message: 'This lead is being handled by another agent.' }],
        path,
      );
    }
    assert.equal(spec.paths[`${API}/orders/{reference}`].patch.responses['409'], undefined);
    // Every write documents its optional Idempotency-Key (api-v1.md "Idempotent retries"; the API audit
    // found it absent: a client generated from the document could not send it); reads do not.
    for (const [path, ops] of Object.entries(spec.paths as Record<string, Record<string, { parameters?: object[] }>>))
      for (const [method, op] of Object.entries(ops)) {
        const key = (op.parameters ?? []).find((p) => (p as { name: string }).name === 'Idempotency-Key');
        if (method === 'get') assert.equal(key, undefined, `${method} ${path}`);
        else
          assert.deepEqual(
            { ...key, description: undefined },
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              schema: { type: 'string', minLength: 1, maxLength: 255 },
              description: undefined,
            },
            `${method} ${path}`,
          );
      }

    let url = '/docs';
    let res = await t.app.inject({ method: 'GET', url });
    for (let hops = 0; res.statusCode >= 300 && res.statusCode < 400 && hops < 5; hops++) {
      url = new URL(String(res.headers.location), `http://localhost${url}`).pathname;
      res = await t.app.inject({ method: 'GET', url });
    }
    assert.equal(res.statusCode, 200, url);
    assert.match(String(res.headers['content-type']), /text\/html/);
    assert.match(res.body, /swagger/i);
  });

  test('checks run in order: 401, 403, 400/413/415, 422, 404', async () => {
    const s = await testApp({ BULK_BODY_LIMIT_BYTES: '2048', BODY_LIMIT_BYTES: '1024', API_RATE_LIMIT_PER_MINUTE: '100000' });
    try {
      const a = await tenant(s.db);
      const viewer = await createToken(s.db, {
        userId: a.userId,
        accountId: a.accountId,
        name: 'viewer',
        scopes: ['VIEW LEADS'],
        expiresAt: null,
      });
      const go = (auth: Record<string, string>, method: Method, path: string, type: string | undefined, body: string | undefined) =>
        s.app.inject({
          method,
          url: `${API}${path}`,
          headers: { ...auth, ...(type ? { 'content-type': type } : {}) },
          ...(body === undefined ? {} : { payload: body }),
        });
      const none = {};
      const weak = { authorization: `Bearer ${viewer.token}` };
      const big = JSON.stringify({ city: 'x'.repeat(2000) });
      const cases: [Record<string, string>, Method, string, string | undefined, string | undefined, number][] = [
        // No token beats everything.
        [none, 'PATCH', '/leads/LD-09999', 'application/json', '{bad', 401],
        [none, 'PATCH', '/leads/LD-09999', 'text/plain', 'hello', 401],
        [none, 'PATCH', '/leads/LD-09999', 'application/json', big, 401],
        [none, 'PATCH', '/leads/LD-09999', 'application/json', '{"status":"nope"}', 401],
        [none, 'GET', '/leads/LD-09999', undefined, undefined, 401],
        // A token without the scope: 403 before the body is even read.
        [weak, 'PATCH', '/leads/LD-09999', 'application/json', '{bad', 403],
        [weak, 'PATCH', '/leads/LD-09999', 'text/plain', 'hello', 403],
        [weak, 'PATCH', '/leads/LD-09999', 'application/json', big, 403],
        [weak, 'PATCH', '/leads/LD-09999', 'application/json', '{"status":"nope"}', 403],
        [weak, 'DELETE', '/leads/LD-09999', undefined, undefined, 403],
        // With the scope: the body, then validation, then existence.
        [a.auth, 'PATCH', '/leads/LD-09999', 'application/json', '{bad', 400],
        [a.auth, 'PATCH', '/leads/LD-09999', 'text/plain', 'hello', 415],
        [a.auth, 'PATCH', '/leads/LD-09999', 'application/json', big, 413],
        [a.auth, 'PATCH', '/leads/LD-09999', 'application/json', '{"status":"nope"}', 422],
        [a.auth, 'PATCH', '/orders/ORD-09999', 'application/json', '{"status":"shipped"}', 422],
        [a.auth, 'PATCH', '/leads/LD-09999', 'application/json', '{"status":"canceled"}', 404],
        [a.auth, 'PATCH', '/orders/ORD-09999', 'application/json', '{"status":"canceled"}', 404],
        [a.auth, 'DELETE', '/orders/ORD-09999', undefined, undefined, 404],
      ];
      const bodies: Record<number, unknown> = {
        400: { message: 'The request body is not valid JSON.' },
        401: UNAUTHENTICATED,
        403: FORBIDDEN,
        404: NOT_FOUND,
        413: { message: 'The request body is too large.' },
        415: { message: 'The request body must be JSON.' },
      };
      for (const [auth, method, path, type, body, status] of cases) {
        const res = await go(auth, method, path, type, body);
        const what = `${Object.keys(auth).length ? (auth === weak ? 'weak' : 'full') : 'none'} ${method} ${path} ${type} ${body?.slice(0, 20)}`;
        if (status === 422) {
          assert.equal(res.statusCode, 422, `${what}: ${res.body}`);
          assert.deepEqual(
            res.json(),
            { message: 'The given data was invalid.', errors: { status: ['The selected status is invalid.'] } },
            what,
          );
        } else expectJson(res, status, bodies[status], what);
      }
    } finally {
      await s.close();
    }
  });
});
