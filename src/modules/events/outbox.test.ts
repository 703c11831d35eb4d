// The outbox (webhooks-files.md, "Events"): every lead and order creation and status change writes
// its events in the transaction of the change, set-based, with the API's JSON of that moment.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { lead, order, tenant, testApp, type Tenant, type TestApp, apiCall } from '../../test-support/harness.js';
import { newId } from '../../lib/ids.js';
import type { Queryable } from '../../db/database.js';
import { recordLeadEvents } from './outbox.js';

let t: TestApp;
before(async () => {
  t = await testApp({ API_RATE_LIMIT_PER_MINUTE: '100000' });
});
const hooks: string[] = [];
after(async () => {
  // Their deliveries go nowhere: other files' workers sharing a PostgreSQL database must not try them.
  await t.db.query('DELETE FROM webhooks WHERE id = ANY($1::text[])', [hooks]);
  await t.close();
});

const call = (a: Tenant, method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, payload?: unknown) =>
  apiCall(t.app, a, method, path, payload);

async function listen(a: Tenant, types: string[], status = 'active') {
  const id = newId();
  await t.db.query(
    `INSERT INTO webhooks (id, account_id, url, secret_sealed, event_types, status) VALUES ($1, $2, 'https://example.com/hook', 'x', $3, $4)`,
    [id, a.accountId, types, status],
  );
  hooks.push(id);
  return id;
}

/** How many statements `work` sends in one transaction (`database`: the one its queries name, if any). */
async function statementsOf(work: (q: Queryable) => Promise<unknown>, database?: Queryable['database']) {
  let statements = 0;
  await t.db.tx(async (q) => {
    await work({
      query: (text, params, opts) => {
        statements++;
        return q.query(text, params, opts);
      },
      exec: (text) => q.exec(text),
      database,
    });
  });
  return statements;
}

interface EventRow {
  id: string;
  type: string;
  resource_key: string;
  data: Record<string, unknown>;
  previous_status: string | null;
}
const events = async (a: Tenant) =>
  (
    await t.db.query<EventRow>(
      'SELECT id, type, resource_key, data, previous_status FROM webhook_events WHERE account_id = $1 ORDER BY seq',
      [a.accountId],
    )
  ).rows;

test('a bulk create of 1,000 leads writes 1,000 lead.created events, each the lead as the API shows it, and their deliveries', async () => {
  const a = await tenant(t.db);
  const hook = await listen(a, ['lead.created']);
  await listen(a, ['order.created']); // not subscribed to lead.created: no delivery
  await listen(a, ['lead.created'], 'disabled'); // disabled: no delivery
  const res = await call(a, 'POST', '/leads', {
    leads: Array.from({ length: 1000 }, (_, i) =>
      lead(i, {
        products: [
          { sku: 'P1', quantity: 1, price: 10 },
          { sku: 'P2', quantity: 2, price: 5 },
        ],
      }),
    ),
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const evs = await events(a);
  assert.equal(evs.length, 1000);
  assert.ok(evs.every((e) => e.type === 'lead.created' && e.previous_status === null));
  assert.deepEqual(
    evs.map((e) => e.data.reference),
    res.body.data.references,
    'in the order of the request',
  );
  const shown = await call(a, 'GET', `/leads/${res.body.data.references[999]}`);
  assert.deepEqual(Object.keys(evs[999].data), Object.keys(shown.body.data), 'the keys in the API order');
  assert.deepEqual(evs[999].data, shown.body.data);
  assert.equal(evs[999].resource_key, `lead:${shown.body.data.id}`);
  const { rows } = await t.db.query<{ webhook_id: string; n: number }>(
    `SELECT d.webhook_id, count(*)::int AS n FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
      WHERE e.account_id = $1 GROUP BY d.webhook_id`,
    [a.accountId],
  );
  assert.deepEqual(rows, [{ webhook_id: hook, n: 1000 }]);
});

test('the events are written in one statement, whatever their number', async () => {
  const a = await tenant(t.db);
  await listen(a, ['lead.created']);
  const res = await call(a, 'POST', '/leads', { leads: [lead(1), lead(2), lead(3)] });
  const leadIds = (await t.db.query<{ id: string }>('SELECT id FROM leads WHERE account_id = $1 ORDER BY id', [a.accountId])).rows.map(
    (r) => r.id,
  );
  assert.equal(res.status, 201);
  const statements = await statementsOf((q) =>
    recordLeadEvents(
      q,
      'lead.created',
      a.accountId,
      leadIds.map((id) => ({ id })),
    ),
  );
  assert.equal(statements, 1, 'not knowing who listens (no database named), the outbox asks in its statement');
  assert.equal((await events(a)).length, 6);
});

test('no webhook listening: nothing is written', async () => {
  const a = await tenant(t.db);
  await listen(a, ['order.created']);
  assert.equal((await call(a, 'POST', '/leads', { leads: [lead(1)] })).status, 201);
  assert.deepEqual(await events(a), []);
});

test('who listens is remembered per process: a change nobody listens to costs no statement; a webhook added anywhere is seen by the next change', async () => {
  const a = await tenant(t.db);
  const [ref] = (await call(a, 'POST', '/leads', { leads: [lead(1)] })).body.data.references;
  const { id } = (await call(a, 'GET', `/leads/${ref}`)).body.data as { id: string };
  // Named with its database, as the transactions of the server's own requests are.
  const statementsOfAnEvent = () => statementsOf((q) => recordLeadEvents(q, 'lead.created', a.accountId, [{ id }]), t.db);
  assert.ok((await statementsOfAnEvent()) <= 1, 'at most the look-up of who listens');
  assert.equal(await statementsOfAnEvent(), 0, 'remembered: nothing sent');
  await listen(a, ['lead.created']); // by hand, as another process would: only its NOTIFY tells this one
  // PGlite delivers the NOTIFY before the INSERT returns; PostgreSQL a moment later, on the listener's connection.
  const deadline = Date.now() + (t.db.kind === 'pglite' ? 0 : 2000);
  while ((await events(a)).length === 0) {
    await statementsOfAnEvent();
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok((await events(a)).length >= 1, 'the webhook added by another process gets the next event');
});

test('status changes carry previous_status and the data of that moment; a confirmed lead makes an order.created event', async () => {
  const a = await tenant(t.db);
  await listen(a, ['lead.created', 'lead.status_changed', 'order.created', 'order.status_changed']);
  const [ref] = (await call(a, 'POST', '/leads', { leads: [lead(7)] })).body.data.references;
  assert.equal((await call(a, 'PATCH', `/leads/${ref}`, { status: 'confirmed' })).status, 200);
  const shownLead = (await call(a, 'GET', `/leads/${ref}`)).body.data;
  const orderRef = shownLead.order_reference as string;
  assert.ok(orderRef);
  const canceled = await call(a, 'PATCH', `/orders/${orderRef}`, { status: 'canceled', comment: 'Customer called to cancel' });
  assert.equal(canceled.status, 200, JSON.stringify(canceled.body));
  const shownOrder = (await call(a, 'GET', `/orders/${orderRef}`)).body.data;
  const created = await call(a, 'POST', '/orders', { orders: [order(1)] });
  assert.equal(created.status, 201, JSON.stringify(created.body));

  const evs = await events(a);
  assert.deepEqual(
    evs.map((e) => [e.type, e.data.reference, e.data.status, e.previous_status]),
    [
      ['lead.created', ref, 'new', null],
      ['order.created', orderRef, 'new', null],
      ['lead.status_changed', ref, 'confirmed', 'new'],
      ['order.status_changed', orderRef, 'canceled', 'new'],
      ['order.created', created.body.data.references[0], 'new', null],
    ],
  );
  assert.deepEqual(evs[2].data, shownLead, 'the confirmed lead, with its order');
  assert.deepEqual(evs[3].data, shownOrder);
  assert.equal(evs[0].data.order_reference, null, 'the lead as it was when created');
});

test('a change that rolls back leaves no event', async () => {
  const a = await tenant(t.db);
  await listen(a, ['lead.created']);
  const res = await call(a, 'POST', '/leads', { leads: [lead(1), lead(2, { products: [{ sku: 'NOPE', quantity: 1, price: 1 }] })] });
  assert.equal(res.status, 422);
  assert.deepEqual(await events(a), []);
});
