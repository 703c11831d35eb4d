import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedTestApp, type TestApp } from '../../test-support/harness.js';
import { login } from '../../test-support/session.js';
import { agentOf, leads, shop } from './test-fixtures.js';

let t: TestApp;
sharedTestApp((app) => (t = app));

// Real concurrency on PostgreSQL (CI's second run); on PGlite the requests interleave on one connection.
test('50 concurrent POST /call-centre/next from 10 agents: no lead handed to two agents, none outside their products', async () => {
  const s = await shop(t.db);
  const specs = [...Array(30)].map((_, i) => ({ sku: (['A', 'B', 'C'] as const)[i % 3], age: i }));
  const ids = await leads(t.db, s, specs);
  const skuOf = new Map(ids.map((id, i) => [id, specs[i].sku]));
  // Agents 0–4 confirm A, 5–7 B, 8–9 A and B: 20 leads for 10 agents, C for nobody.
  const products = (i: number) => (i < 5 ? ['A'] : i < 8 ? ['B'] : ['A', 'B']) as ('A' | 'B')[];
  const agents = await Promise.all(
    [...Array(10)].map(async (_, i) => {
      const p = await agentOf(
        t.db,
        products(i).map((sku) => s.products[sku]),
      );
      const session = await login(t.app, p.email);
      await session.get('/call-centre'); // its CSRF token, before the burst
      return { i, session };
    }),
  );
  const calls = agents.flatMap((a) => [...Array(5)].map(() => a));
  const answers = await Promise.all(calls.map(async (a) => ({ a, res: await a.session.json('POST', '/call-centre/next', {}) })));
  const holder = new Map<string, number>();
  const got = new Map<number, Set<string>>();
  for (const { a, res } of answers) {
    assert.equal(res.statusCode, 200, res.body);
    const lead = res.json().data as { id: string } | null;
    assert.ok(lead, 'each agent has leads of their products waiting');
    assert.ok(products(a.i).includes(skuOf.get(lead.id) as 'A'), `agent ${a.i} got a lead of ${skuOf.get(lead.id)}`);
    const before = holder.get(lead.id);
    assert.ok(before === undefined || before === a.i, `lead ${lead.id} handed to agents ${before} and ${a.i}`);
    holder.set(lead.id, a.i);
    got.set(a.i, (got.get(a.i) ?? new Set()).add(lead.id));
  }
  // An agent asking five times holds one lead: the same one each time.
  for (const [i, set] of got) assert.equal(set.size, 1, `agent ${i} got ${set.size} leads`);
  assert.equal(holder.size, 10);
  const claimed = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM leads WHERE account_id = $1 AND claimed_until > now()', [
    s.accountId,
  ]);
  assert.equal(claimed.rows[0].n, 10);
});
