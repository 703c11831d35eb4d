import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lead, tenant, sharedTestApp, type TestApp } from '../../test-support/harness.js';
import { login } from '../../test-support/session.js';

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
});
