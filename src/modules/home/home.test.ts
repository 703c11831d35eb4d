import { test } from 'node:test';
import assert from 'node:assert/strict';
import { homePeriods } from '../../lib/time-zone.js';
import { lead, order, tenant, sharedTestApp, type TestApp } from '../../test-support/harness.js';
import { person } from '../../test-support/people.js';
import { login } from '../../test-support/session.js';
import { productId, stock, warehouse } from '../stocks/test-fixtures.js';

const API = '/api/web/1.0';

let t: TestApp;
sharedTestApp((app) => (t = app));

test("home: the confirmation rate is confirmed ÷ (confirmed + canceled + wrong), as the statistics and the agents' board count it; duplicates are no decision", async () => {
  const a = await tenant(t.db);
  const created = await t.app.inject({
    method: 'POST',
    url: `${API}/leads`,
    headers: a.auth,
    payload: { leads: [lead(1), lead(2), lead(3), lead(1)] },
  });
  assert.equal(created.statusCode, 201, created.body);
  const [first, second, , repeat] = created.json().data.references as string[];
  const moved = await t.app.inject({
    method: 'PATCH',
    url: `${API}/leads`,
    headers: a.auth,
    payload: {
      leads: [
        { reference: first, status: 'confirmed' },
        { reference: second, status: 'canceled' },
      ],
    },
  });
  assert.equal(moved.statusCode, 200, moved.body);
  const dup = await t.app.inject({ method: 'GET', url: `${API}/leads/${repeat}`, headers: a.auth });
  assert.equal(dup.json().data.status, 'duplicate');

  const home = (await (await login(t.app, a.email)).get('/')).body;
  // 1 confirmed, 1 canceled, 1 duplicate, 1 new: 1 ÷ 2, not 1 ÷ 3.
  for (const kpi of ['Confirmation rate today', 'Confirmation rate, 30 days']) {
    assert.match(home, new RegExp(`${kpi}</div>\\s*<div class="kpi-value">50 %</div>`), kpi);
  }
  assert.match(home, /confirmed ÷ \(confirmed \+ canceled \+ wrong\)/);
  // Each status table is one region of its name (the scroll box), not its card as well (axe's landmark-unique).
  for (const name of ['Leads by status', 'Orders by status'])
    assert.equal(home.match(new RegExp(`aria-label="${name}"`, 'g'))?.length, 1, name);
});

test('home: "Orders shipped today" and the delivery rate count the day of the move, not the day the order was created', async () => {
  const a = await tenant(t.db);
  await stock(t.db, await productId(t.db, a.accountId, 'P1'), await warehouse(t.db), { quantity: 20 });
  const created = await t.app.inject({ method: 'POST', url: `${API}/orders`, headers: a.auth, payload: { orders: [order(1), order(2)] } });
  assert.equal(created.statusCode, 201, created.body);
  const { rows } = await t.db.query<{ id: string }>('SELECT id FROM orders WHERE account_id = $1 ORDER BY reference', [a.accountId]);
  // The first was confirmed three days ago; it leaves today, and is delivered today.
  await t.db.query(`UPDATE orders SET created_at = now() - interval '3 days' WHERE id = $1`, [rows[0].id]);
  await t.db.query(`UPDATE order_histories SET created_at = now() - interval '3 days' WHERE order_id = $1`, [rows[0].id]);
  const admin = await login(t.app, (await person(t.db, 'admin')).email);
  const courier = await person(t.db, 'delivery');
  for (const status of ['shipped', 'delivered']) {
    const moved = await admin.json('PATCH', `/orders/${rows[0].id}/status`, { status, delivery_user_id: courier.id });
    assert.equal(moved.statusCode, 200, moved.body);
  }

  const home = (await (await login(t.app, a.email)).get('/')).body;
  const kpi = (label: string) => new RegExp(`${label}</div>\\s*<div class="kpi-value">([^<]*)</div>`).exec(home)?.[1];
  assert.deepEqual(['Orders shipped today', 'Orders shipped, 30 days', 'Delivery rate today', 'Delivery rate, 30 days'].map(kpi), [
    '1',
    '1',
    '100 %',
    '100 %',
  ]);
});

test("home: the 30 days are the platform's last 30 days, today included, from their first midnight (not 720 hours back from now)", async () => {
  const a = await tenant(t.db);
  const created = await t.app.inject({ method: 'POST', url: `${API}/leads`, headers: a.auth, payload: { leads: [lead(1), lead(2)] } });
  assert.equal(created.statusCode, 201, created.body);
  const { month } = homePeriods(t.config.timezone);
  const [inside, before] = created.json().data.references as string[];
  const at = (minutes: number) => new Date(month.getTime() + minutes * 60_000);
  await t.db.query('UPDATE leads SET created_at = $3 WHERE account_id = $1 AND reference = $2', [a.accountId, inside, at(1)]);
  await t.db.query('UPDATE leads SET created_at = $3 WHERE account_id = $1 AND reference = $2', [a.accountId, before, at(-1)]);
  const home = (await (await login(t.app, a.email)).get('/')).body;
  assert.match(home, /Leads, 30 days<\/div>\s*<div class="kpi-value">1<\/div>/);
});
