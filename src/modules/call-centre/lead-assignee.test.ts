import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedTestApp, type TestApp } from '../../test-support/harness.js';
import { person } from '../../test-support/people.js';
import { login } from '../../test-support/session.js';
import { agentOf, leads, shop, ok } from './test-fixtures.js';

let t: TestApp;
sharedTestApp((app) => (t = app));

const reference = async (id: string) =>
  (await t.db.query<{ reference: string }>('SELECT reference FROM leads WHERE id = $1', [id])).rows[0].reference;
const refsOf = (body: { data: { reference: string }[] }) => body.data.map((l) => l.reference).sort();
const assignedTo = (html: string) => /<dt>Assigned to<\/dt><dd>(.*?)<\/dd>/.exec(html)?.[1];

// Call-centre audit: a lead assigned to an agent who was then paused waited for nobody, and no page said so.
test('a manager sees whom a lead waits for: on its page, as a filter of the leads list and on the agents board', async () => {
  const s = await shop(t.db);
  const boss = await person(t.db, 'manager');
  const two = await agentOf(t.db, [s.products.A]);
  const demo = await agentOf(t.db, [s.products.A]);
  const outsider = await agentOf(t.db, [s.products.A]);
  await t.db.query('UPDATE users SET manager_id = $2 WHERE id = ANY($1::text[])', [[two.id, demo.id], boss.id]);
  const [waiting, free, elsewhere] = await leads(t.db, s, [{ sku: 'A' }, { sku: 'A' }, { sku: 'A' }]);
  const [refWaiting, refFree, refElsewhere] = [await reference(waiting), await reference(free), await reference(elsewhere)];

  const manager = await login(t.app, boss.email);
  assert.deepEqual(ok(await manager.json('PATCH', '/leads/assign', { ids: [waiting], agent_id: two.id })), {
    message: '1 lead assigned.',
    data: { count: 1 },
  });
  ok(await manager.json('PATCH', `/users/agents/${two.id}/pause`, {}));
  const admin = await login(t.app, (await person(t.db, 'admin')).email);
  ok(await admin.json('PATCH', '/leads/assign', { ids: [elsewhere], agent_id: outsider.id }));

  // (1) The lead's page names the agent, and that they are paused; another team's agent is not named.
  assert.equal(
    assignedTo((await manager.get(`/leads/${waiting}/show`)).body),
    `<span>${two.fullName} <span class="badge badge-amber">paused</span></span>`,
  );
  assert.equal(assignedTo((await manager.get(`/leads/${free}/show`)).body), undefined, 'nobody to name');
  assert.equal(assignedTo((await manager.get(`/leads/${elsewhere}/show`)).body), '<span>An agent outside your team</span>');
  assert.equal(assignedTo((await admin.get(`/leads/${elsewhere}/show`)).body), `<span>${outsider.fullName} </span>`);
  await t.db.query(`UPDATE users SET status = 'inactive' WHERE id = $1`, [two.id]);
  assert.match(assignedTo((await manager.get(`/leads/${waiting}/show`)).body)!, /badge-amber">inactive</);
  await t.db.query(`UPDATE users SET status = 'active' WHERE id = $1`, [two.id]);
  // The lead's JSON keeps the keys api-v1.md fixes.
  const json = ok(await manager.json('GET', `/leads/${waiting}/show`)).data;
  assert.equal(
    Object.keys(json).some((k) => k.includes('assign')),
    false,
  );
  // Who may not assign is not told: the seller, the agents (the assignee too).
  const seller = await person(t.db, 'seller', { accountId: s.accountId });
  for (const who of [seller, two, demo]) {
    const page = await (await login(t.app, who.email)).get(`/leads/${waiting}/show`);
    assert.equal(page.statusCode, 200, who.role);
    assert.equal(assignedTo(page.body), undefined, who.role);
    if (who !== two) assert.doesNotMatch(page.body, new RegExp(two.fullName));
  }

  // (2) The leads list's "Assigned to" filter: an agent of the team, or the leads no one was given.
  const list = (await manager.get('/leads')).body;
  assert.match(list, /<label[^>]*>Assigned to<\/label>/);
  assert.match(list, /<option value="none">Not assigned<\/option>/);
  assert.match(list, new RegExp(`<option value="${two.id}">${two.fullName} \\(paused\\)</option>`));
  assert.match(list, new RegExp(`<option value="${demo.id}">${demo.fullName}</option>`));
  assert.doesNotMatch(list, new RegExp(outsider.id));
  const filtered = (await manager.get(`/leads?assigned_to=${two.id}`)).body;
  assert.match(filtered, new RegExp(`<option value="${two.id}" selected>`));
  assert.match(filtered, /<details class="more-filters" open>/);
  assert.match(filtered, new RegExp(refWaiting));
  assert.doesNotMatch(filtered, new RegExp(`${refFree}<`));
  const byAgent = ok(await manager.json('GET', `/leads?assigned_to=${two.id}`));
  assert.deepEqual([refsOf(byAgent), byAgent.meta.total], [[refWaiting], 1]);
  // An admin's "Not assigned" of one account: the kept counts less the assigned leads'.
  for (const [who, expected] of [
    [manager, [refFree]],
    [admin, [refFree]],
  ] as const) {
    const none = ok(await who.json('GET', `/leads?assigned_to=none&account_id=${s.accountId}`));
    assert.deepEqual([refsOf(none), none.meta.total], [expected, 1]);
  }
  const tabs = (await admin.get(`/leads?assigned_to=none&account_id=${s.accountId}&status=new`)).body;
  assert.match(tabs, />New <span class="count">1<\/span>/);
  assert.match(tabs, />Wrong <span class="count">0<\/span>/);
  // The seller neither gets the filter nor narrows by it.
  const sellerList = await login(t.app, seller.email);
  assert.doesNotMatch((await sellerList.get('/leads')).body, /Assigned to/);
  const all = ok(await sellerList.json('GET', `/leads?assigned_to=${two.id}`));
  assert.deepEqual(refsOf(all), [refWaiting, refFree, refElsewhere].sort());

  // (3) The agents board counts each agent's open assigned leads, the paused agent's too, linked to the list.
  const board = ok(await manager.json('GET', '/call-centre/agents')).data as { id: string; assigned_open: number; paused: boolean }[];
  assert.deepEqual(
    board.map((r) => [r.id, r.paused, r.assigned_open]).sort(),
    [
      [two.id, true, 1],
      [demo.id, false, 0],
    ].sort(),
  );
  assert.match(
    (await manager.get('/call-centre/agents')).body,
    new RegExp(`<a href="/leads\\?assigned_to=${two.id}&amp;status=new,no_reply,call_later">1</a>`),
  );
  // A lead no longer open does not wait: it leaves the count.
  await t.db.query(`UPDATE leads SET status = 'wrong' WHERE id = $1`, [waiting]);
  const after = ok(await manager.json('GET', '/call-centre/agents')).data as { id: string; assigned_open: number }[];
  assert.equal(after.find((r) => r.id === two.id)!.assigned_open, 0);
});
