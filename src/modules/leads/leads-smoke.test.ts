import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lead, tenant, withTestApp } from '../../test-support/harness.js';

test('create, confirm and read a lead with its order', () =>
  withTestApp(async (t) => {
    const a = await tenant(t.db);
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/web/1.0/leads',
      headers: a.auth,
      payload: { leads: [lead(1), lead(2)] },
    });
    assert.equal(created.statusCode, 201);
    assert.deepEqual(created.json(), { message: 'Leads created successfully.', data: { references: ['LD-00001', 'LD-00002'] } });
    const patched = await t.app.inject({
      method: 'PATCH',
      url: '/api/web/1.0/leads/LD-00001',
      headers: a.auth,
      payload: { status: 'confirmed' },
    });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal(patched.json().data.order_reference, 'ORD-00001');
    const order = await t.app.inject({ method: 'GET', url: '/api/web/1.0/orders/ORD-00001', headers: a.auth });
    assert.equal(order.json().data.lead_reference, 'LD-00001');
    const hist = await t.app.inject({ method: 'GET', url: '/api/web/1.0/lead-histories?reference=LD-00001', headers: a.auth });
    assert.deepEqual(
      hist
        .json()
        .data.map((h: { old_status: string | null; new_status: string; changed_by: string }) => [h.old_status, h.new_status, h.changed_by]),
      [
        ['new', 'confirmed', 'API token "Test shop"'],
        [null, 'new', 'API token "Test shop"'],
      ],
    );
  }));
