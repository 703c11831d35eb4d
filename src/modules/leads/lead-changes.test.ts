// What an edit of a lead records (docs/decisions.md, "What an edit of a lead records"): the fields and
// lines a request changed, on its history row, shown on the lead's timeline.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lead, sharedTestApp, tenant, type Tenant, type TestApp } from '../../test-support/harness.js';
import { person } from '../../test-support/people.js';
import { login } from '../../test-support/session.js';
import { statements as runStatements } from '../../test-support/statements.js';
import { timelineRows } from '../../test-support/history-text.js';
import { agentOf, leads, ok, shop } from '../call-centre/test-fixtures.js';

let t: TestApp;
sharedTestApp((app) => (t = app));

interface Row {
  old_status: string | null;
  new_status: string;
  comment: string | null;
  changes: Record<string, unknown> | null;
}

const histories = async (leadId: string) =>
  (
    await t.db.query<Row>(
      'SELECT old_status, new_status, comment, changes FROM lead_histories WHERE lead_id = $1 ORDER BY created_at, id',
      [leadId],
    )
  ).rows;

const idOf = async (a: Tenant, reference: string) =>
  (await t.db.query<{ id: string }>('SELECT id FROM leads WHERE account_id = $1 AND reference = $2', [a.accountId, reference])).rows[0].id;

const statements = (fn: () => Promise<unknown>) => runStatements(t, fn);

const api = (a: Tenant, method: 'POST' | 'PATCH' | 'GET', url: string, payload?: object) =>
  t.app.inject({ method, url: `/api/web/1.0${url}`, headers: a.auth, payload });

describe('a lead’s field edits on its history', () => {
  test('an agent confirming with an address and a price correction: both on the confirm row, and on the seller’s lead page', async () => {
    const s = await shop(t.db);
    const [id] = await leads(t.db, s, [{ sku: 'A' }]);
    const agent = await login(t.app, (await agentOf(t.db, [s.products.A])).email);
    assert.equal((ok(await agent.json('POST', '/call-centre/next', {})).data as { id: string }).id, id);
    ok(
      await agent.json('PATCH', `/leads/${id}/status`, {
        status: 'confirmed',
        comment: 'Customer moved',
        full_name: 'Customer Test',
        city: 'Casablanca',
        address: '12 Rue Corrected',
        products: [{ sku: 'A', quantity: 1, price: 90 }],
      }),
    );
    assert.deepEqual((await histories(id)).slice(1), [
      {
        old_status: 'new',
        new_status: 'confirmed',
        comment: 'Customer moved',
        changes: {
          address: ['1 Rue de Fes', '12 Rue Corrected'],
          products: [[{ sku: 'A', quantity: 1, price: 100 }], [{ sku: 'A', quantity: 1, price: 90 }]],
        },
      },
    ]);
    const seller = await person(t.db, 'seller', { accountId: s.accountId });
    const page = await (await login(t.app, seller.email)).get(`/leads/${id}/show`);
    assert.equal(page.statusCode, 200);
    assert.deepEqual(timelineRows(page.body), [
      'Created as New',
      'New → Confirmed Address: 1 Rue de Fes → 12 Rue Corrected Products: A 1 × 100.00 MAD → A 1 × 90.00 MAD Customer moved',
    ]);
    // "Hide money": the prices are masked, the rest of the change is told.
    await t.db.query('UPDATE users SET hide_money = true WHERE id = $1', [seller.id]);
    const hidden = await (await login(t.app, seller.email)).get(`/leads/${id}/show`);
    assert.equal(
      timelineRows(hidden.body)[1],
      'New → Confirmed Address: 1 Rue de Fes → 12 Rue Corrected Products: A 1 × ••• → A 1 × ••• Customer moved',
    );
  });

  test('an API PATCH of fields only writes one old=new row with what changed; the same values write none; the API JSON is unchanged', async () => {
    const a = await tenant(t.db);
    assert.equal((await api(a, 'POST', '/leads', { leads: [lead(1, { address: '1 Rue de Fes', area: null })] })).statusCode, 201);
    const id = await idOf(a, 'LD-00001');
    const before = (await api(a, 'GET', '/leads/LD-00001')).json() as { data: Record<string, unknown> };
    const edit = {
      full_name: 'Customer 1',
      address: '12 Rue <b>Corrected</b>',
      area: 'Maarif',
      products: [{ sku: 'P1', quantity: 3, price: 199 }],
    };
    assert.equal((await api(a, 'PATCH', '/leads/LD-00001', { ...edit, comment: 'on the phone' })).statusCode, 200);
    assert.deepEqual((await histories(id)).slice(1), [
      {
        old_status: 'new',
        new_status: 'new',
        comment: 'on the phone',
        changes: {
          area: [null, 'Maarif'],
          address: ['1 Rue de Fes', '12 Rue <b>Corrected</b>'],
          products: [[{ sku: 'P1', quantity: 2, price: 199 }], [{ sku: 'P1', quantity: 3, price: 199 }]],
        },
      },
    ]);
    // The same values again (and an unchanged comment-less edit): nothing changed, no row.
    assert.equal((await api(a, 'PATCH', '/leads/LD-00001', edit)).statusCode, 200);
    assert.equal((await api(a, 'PATCH', '/leads/LD-00001', { phone: lead(1).phone })).statusCode, 200);
    assert.equal((await histories(id)).length, 2);
    // The API's lead JSON keeps its keys (api-v1.md): no `changes` there.
    const after = (await api(a, 'GET', '/leads/LD-00001')).json() as { data: Record<string, unknown> };
    assert.deepEqual(Object.keys(after.data), Object.keys(before.data));
    assert.ok(!JSON.stringify(after).includes('changes'));
    const list = await api(a, 'GET', '/lead-histories?reference=LD-00001');
    assert.ok(!list.body.includes('changes'), list.body);
    // The page: an edit without a status reads as one; the values are escaped.
    const page = await (await login(t.app, a.email)).get(`/leads/${id}/show`);
    assert.ok(!page.body.includes('<b>Corrected'));
    assert.deepEqual(timelineRows(page.body), [
      'Created as New',
      'Edited · New Area: — → Maarif Address: 1 Rue de Fes → 12 Rue &lt;b>Corrected&lt;/b> Products: P1 2 × 199.00 MAD → P1 3 × 199.00 MAD on the phone',
    ]);
    const history = await (await login(t.app, a.email)).get(`/lead-histories/${id}/show`);
    assert.match(timelineRows(history.body)[1], /^Edited · New Area: — → Maarif Address: 1 Rue de Fes → 12 Rue/);
  });

  test('a bulk PATCH records each lead’s own changes, set-based; an unchanged item writes no row', async () => {
    const a = await tenant(t.db);
    const n = 40;
    const created = await api(a, 'POST', '/leads', {
      leads: Array.from({ length: n }, (_, i) => lead(i, { address: `${i} Rue Old` })),
    });
    assert.equal(created.statusCode, 201);
    const items = Array.from({ length: n }, (_, i) => ({
      reference: `LD-${String(i + 1).padStart(5, '0')}`,
      // Every third lead is sent its own values: no change.
      address: i % 3 === 0 ? `${i} Rue Old` : `${i} Rue New`,
      ...(i % 2 === 1 ? { products: [{ sku: 'P2', quantity: i, price: 50 }] } : {}),
      ...(i % 5 === 0 ? { status: 'no_reply' } : {}),
    }));
    assert.equal((await api(a, 'PATCH', '/leads', { leads: items })).statusCode, 200);
    const { rows } = await t.db.query<Row & { reference: string }>(
      `SELECT l.reference, h.old_status, h.new_status, h.comment, h.changes
         FROM lead_histories h JOIN leads l ON l.id = h.lead_id
        WHERE l.account_id = $1 AND h.old_status IS NOT NULL ORDER BY l.reference`,
      [a.accountId],
    );
    const expected = items.flatMap((item, i) => {
      const changes: Record<string, unknown> = {};
      if (i % 3 !== 0) changes.address = [`${i} Rue Old`, `${i} Rue New`];
      if (i % 2 === 1) changes.products = [[{ sku: 'P1', quantity: 2, price: 199 }], [{ sku: 'P2', quantity: i, price: 50 }]];
      const moved = i % 5 === 0;
      if (!moved && Object.keys(changes).length === 0) return [];
      return [
        {
          reference: item.reference,
          old_status: 'new',
          new_status: moved ? 'no_reply' : 'new',
          comment: null,
          changes: Object.keys(changes).length > 0 ? changes : null,
        },
      ];
    });
    assert.deepEqual(rows, expected);
    // Set-based: a bulk PATCH of 40 leads' fields runs the statements one of 2 leads runs.
    const edit = (from: number, count: number, street: string) =>
      api(a, 'PATCH', '/leads', {
        leads: Array.from({ length: count }, (_, i) => ({
          reference: `LD-${String(from + i).padStart(5, '0')}`,
          address: `${street} ${i}`,
          products: [{ sku: 'P1', quantity: 7, price: 199 }],
        })),
      });
    const two = await statements(async () => assert.equal((await edit(1, 2, 'Two')).statusCode, 200));
    const forty = await statements(async () => assert.equal((await edit(1, n, 'Forty')).statusCode, 200));
    assert.ok(two.length > 0);
    assert.deepEqual(forty, two);
  });

  test('a status-only PATCH writes no changes', async () => {
    const a = await tenant(t.db);
    assert.equal((await api(a, 'POST', '/leads', { leads: [lead(1), lead(2), lead(3)] })).statusCode, 201);
    const moved = await statements(async () =>
      assert.equal((await api(a, 'PATCH', '/leads/LD-00001', { status: 'no_reply', comment: 'no answer' })).statusCode, 200),
    );
    // No statement of the edits' records: the status-only PATCH runs what it ran before them.
    assert.ok(!moved.some((text) => /\bchanges\b|JOIN leads o|AS id, position/.test(text)), moved.join('\n'));
    // A status with the fields' current values: a move, nothing edited.
    assert.equal((await api(a, 'PATCH', '/leads/LD-00002', { status: 'canceled', city: 'Casablanca' })).statusCode, 200);
    const { rows } = await t.db.query<{ new_status: string; changes: unknown }>(
      `SELECT h.new_status, h.changes FROM lead_histories h JOIN leads l ON l.id = h.lead_id
        WHERE l.account_id = $1 AND h.old_status IS NOT NULL ORDER BY l.reference`,
      [a.accountId],
    );
    assert.deepEqual(rows, [
      { new_status: 'no_reply', changes: null },
      { new_status: 'canceled', changes: null },
    ]);
    // A status with a comment, or without: the same statements, none of them the edits'.
    const bare = await statements(async () =>
      assert.equal((await api(a, 'PATCH', '/leads/LD-00003', { status: 'no_reply' })).statusCode, 200),
    );
    assert.deepEqual(bare, moved);
  });
});
