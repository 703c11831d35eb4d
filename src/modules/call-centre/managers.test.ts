import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '../../lib/ids.js';
import { formatTime, inDisplayZone } from '../../web/format.js';
import { sharedTestApp, usingPostgres, type TestApp } from '../../test-support/harness.js';
import { person } from '../../test-support/people.js';
import { login } from '../../test-support/session.js';
import { agentOf, leads, shop, ok } from './test-fixtures.js';

let t: TestApp;
sharedTestApp((app) => (t = app));

const NOT_FOUND = { message: 'Resource not found.' };
const reference = async (id: string) =>
  (await t.db.query<{ reference: string }>('SELECT reference FROM leads WHERE id = $1', [id])).rows[0].reference;
async function centre(managerId: string) {
  const id = newId();
  await t.db.query('INSERT INTO call_centers (id, name, manager_id) VALUES ($1, $2, $3)', [id, `Centre ${id.slice(-8)}`, managerId]);
  return id;
}

test('a call-center-manager sees, pauses and assigns to their centres’ agents only (404 outside)', async () => {
  const s = await shop(t.db);
  const boss = await person(t.db, 'call-center-manager');
  const mine = await agentOf(t.db, [s.products.A], { callCenterId: await centre(boss.id) });
  const theirs = await agentOf(t.db, [s.products.A], { callCenterId: await centre((await person(t.db, 'call-center-manager')).id) });
  const [first, second] = await leads(t.db, s, [{ sku: 'A', age: 10 }, { sku: 'A' }]);
  const agent = await login(t.app, mine.email);
  assert.equal(ok(await agent.json('POST', '/call-centre/next', {})).data.id, first);
  ok(await agent.json('PATCH', `/leads/${first}/status`, { status: 'confirmed' }));
  assert.equal(ok(await agent.json('POST', '/call-centre/next', {})).data.id, second);

  const manager = await login(t.app, boss.email);
  const board = ok(await manager.json('GET', '/call-centre/agents')).data;
  assert.equal(board.length, 1);
  assert.deepEqual(
    { ...board[0], claim: { ...board[0].claim, claimed_until: typeof board[0].claim.claimed_until } },
    {
      id: mine.id,
      full_name: mine.fullName,
      call_center: board[0].call_center,
      paused: false,
      claim: { lead_id: second, reference: board[0].claim.reference, claimed_until: 'string' },
      calls_today: 1,
      confirmed_today: 1,
      confirmation_rate: 1,
      assigned_open: 0,
    },
  );
  assert.match((await manager.get('/call-centre/agents')).body, /Confirmation rate/);

  // Pause and resume: their agent only.
  assert.deepEqual(ok(await manager.json('PATCH', `/users/agents/${theirs.id}/pause`, {}), 404), NOT_FOUND);
  ok(await manager.json('PATCH', `/users/agents/${mine.id}/pause`, {}));
  ok(await agent.json('POST', `/call-centre/leads/${second}/release`, {}));
  assert.deepEqual(ok(await agent.json('POST', '/call-centre/next', {})), { data: null, message: 'No lead to call right now.' });
  ok(await manager.json('PATCH', `/users/agents/${mine.id}/resume`, {}));
  assert.equal(ok(await agent.json('POST', '/call-centre/next', {})).data.id, second);
  ok(await agent.json('POST', `/call-centre/leads/${second}/release`, {}));

  // Assigning: to their agent only; unknown leads 404; an assigned lead goes to that agent first.
  const [third] = await leads(t.db, s, [{ sku: 'A' }]);
  assert.deepEqual(ok(await manager.json('PATCH', '/leads/assign', { ids: [third], agent_id: theirs.id }), 404), NOT_FOUND);
  assert.deepEqual(ok(await manager.json('PATCH', '/leads/assign', { ids: [third, 'nope'], agent_id: mine.id }), 404), NOT_FOUND);
  assert.deepEqual(ok(await manager.json('PATCH', '/leads/assign', { ids: [third], agent_id: mine.id })), {
    message: '1 lead assigned.',
    data: { count: 1 },
  });
  const other = await login(t.app, theirs.email);
  assert.equal(ok(await other.json('POST', '/call-centre/next', {})).data.id, second, 'never the lead assigned to another');
  assert.equal(ok(await agent.json('POST', '/call-centre/next', {})).data.id, third, 'assigned first');
  ok(await manager.json('PATCH', '/leads/assign', { ids: [third], agent_id: '' }));
  const row = await t.db.query<{ assigned_to: string | null }>('SELECT assigned_to FROM leads WHERE id = $1', [third]);
  assert.equal(row.rows[0].assigned_to, null);
  // A lead another supervisor's agent has is out of reach, to assign or to unassign.
  const admin = await login(t.app, (await person(t.db, 'admin')).email);
  ok(await admin.json('PATCH', '/leads/assign', { ids: [third], agent_id: theirs.id }));
  for (const agentId of [mine.id, ''])
    assert.deepEqual(ok(await manager.json('PATCH', '/leads/assign', { ids: [third], agent_id: agentId }), 404), NOT_FOUND);
  ok(await admin.json('PATCH', '/leads/assign', { ids: [third], agent_id: '' }));
  // A lead outside every queue of the team is out of reach; one of the team that this agent's queue
  // would never offer is refused, not stranded there.
  const [ofB] = await leads(t.db, s, [{ sku: 'B' }]);
  assert.deepEqual(ok(await manager.json('PATCH', '/leads/assign', { ids: [ofB], agent_id: mine.id }), 404), NOT_FOUND);
  await agentOf(t.db, [s.products.B], { callCenterId: await centre(boss.id) });
  assert.deepEqual(ok(await manager.json('PATCH', '/leads/assign', { ids: [third, first, ofB], agent_id: mine.id }), 422), {
    message: 'The given data was invalid.',
    errors: {
      'ids.1': [`The lead ${await reference(first)} is confirmed: only new, no_reply and call_later leads wait for a call.`],
      'ids.2': [`The lead ${await reference(ofB)} has no product this agent confirms.`],
    },
  });
  assert.equal(
    (await t.db.query('SELECT 1 FROM leads WHERE id = $1 AND assigned_to IS NOT NULL', [third])).rowCount,
    0,
    'nothing assigned',
  );
  // A lead sent twice is reported at both places.
  assert.deepEqual(
    Object.keys(ok(await manager.json('PATCH', '/leads/assign', { ids: [first, third, first], agent_id: mine.id }), 422).errors),
    ['ids.0', 'ids.2'],
  );
  // An inactive agent never asks for a lead.
  await t.db.query(`UPDATE users SET status = 'inactive' WHERE id = $1`, [mine.id]);
  assert.deepEqual(ok(await manager.json('PATCH', '/leads/assign', { ids: [third], agent_id: mine.id }), 422).errors, {
    agent_id: ['The selected agent id is invalid.'],
  });
  await t.db.query(`UPDATE users SET status = 'active' WHERE id = $1`, [mine.id]);
  // The leads list's bulk form: their agents to pick from, a message above the list either way.
  const list = await manager.get('/leads');
  assert.match(list.body, /<form[^>]*id="lead-bulk"/);
  assert.match(list.body, new RegExp(`<option value="${mine.id}">`));
  assert.doesNotMatch(list.body, new RegExp(`<option value="${theirs.id}">`));
  assert.match(list.body, new RegExp(`value="${third}"[^>]*form="lead-bulk"`));
  assert.doesNotMatch(list.body, /Delete selected/, 'managers do not delete leads');
  const assigned = await manager.form('/leads/assign', { ids: [third], agent_id: mine.id }, { method: 'PATCH' });
  assert.equal(assigned.statusCode, 302, assigned.body);
  assert.match((await manager.follow(assigned)).body, /1 lead assigned\./);
  const refused = await manager.form('/leads/assign', { ids: [first], agent_id: mine.id }, { method: 'PATCH' });
  assert.equal(refused.statusCode, 302, refused.body);
  const back = (await manager.follow(refused)).body;
  assert.match(back, /is confirmed: only new, no_reply and call_later leads wait for a call\. Nothing was assigned\./);
  // The list comes back as it was sent (forms audit): the lead still ticked, the agent still chosen.
  assert.match(back, new RegExp(`value="${first}" checked[^>]*form="lead-bulk"`));
  assert.doesNotMatch(back, new RegExp(`value="${third}" checked`));
  assert.match(back, new RegExp(`<option value="${mine.id}" selected>`));
  assert.doesNotMatch((await manager.get('/leads')).body, / checked[^>]*form="lead-bulk"/, 'once only');
  const none = await manager.form('/leads/assign', { agent_id: mine.id }, { method: 'PATCH' });
  assert.match((await manager.follow(none)).body, /Select at least one lead to assign\./);
  const tooMany = await manager.form(
    '/leads/assign',
    { ids: Array.from({ length: 1001 }, () => third), agent_id: mine.id },
    { method: 'PATCH' },
  );
  assert.match((await manager.follow(tooMany)).body, /The ids field must not have more than 1000 items\. Nothing was assigned\./);
  ok(await manager.json('PATCH', '/leads/assign', { ids: [third], agent_id: '' }));
  assert.match((await admin.get('/leads')).body, /formaction="\/leads\/delete"/, 'an admin assigns and deletes from one form');
  for (const role of ['agent', 'seller'] as const) {
    const who = await login(t.app, (await person(t.db, role)).email);
    assert.doesNotMatch((await who.get('/leads')).body, /Assign selected/, role);
    assert.equal((await who.json('GET', '/call-centre/agents')).statusCode, 403, role);
    assert.equal((await who.json('PATCH', '/leads/assign', { ids: [third], agent_id: mine.id })).statusCode, 403, role);
  }
});

// PostgreSQL only: the embedded database runs one statement at a time, so nothing can commit in between.
test('an assignment checks its leads under lock: one confirmed meanwhile is refused, not assigned', { skip: !usingPostgres }, async () => {
  const s = await shop(t.db);
  const agent = await agentOf(t.db, [s.products.A]);
  const [lead] = await leads(t.db, s, [{ sku: 'A' }]);
  const admin = await login(t.app, (await person(t.db, 'admin')).email);
  // An agent's call outcome holds the lead while the assignment arrives, then confirms it.
  const { answer } = await t.db.tx(async (q) => {
    await q.query('SELECT 1 FROM leads WHERE id = $1 FOR UPDATE', [lead]);
    const xid = (await q.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid')).rows[0].xid;
    const answer = admin.json('PATCH', '/leads/assign', { ids: [lead], agent_id: agent.id });
    for (let waiting = 0; waiting === 0; await new Promise((r) => setTimeout(r, 10)))
      waiting = (
        await t.db.query('SELECT 1 FROM pg_locks WHERE locktype = $1 AND transactionid = $2::xid AND NOT granted', ['transactionid', xid])
      ).rowCount;
    await q.query(`UPDATE leads SET status = 'confirmed' WHERE id = $1`, [lead]);
    return { answer };
  });
  assert.deepEqual(ok(await answer, 422).errors, {
    'ids.0': [`The lead ${await reference(lead)} is confirmed: only new, no_reply and call_later leads wait for a call.`],
  });
  const row = await t.db.query<{ assigned_to: string | null }>('SELECT assigned_to FROM leads WHERE id = $1', [lead]);
  assert.equal(row.rows[0].assigned_to, null, 'a confirmed lead is not given to an agent');
});

test("an agent lands on their call queue; a manager's home has the figures and leads to the agents' board", async () => {
  const s = await shop(t.db);
  const agent = await login(t.app, (await agentOf(t.db, [s.products.A])).email);
  const home = await agent.get('/');
  assert.equal(home.statusCode, 302);
  assert.equal(home.headers.location, '/call-centre');
  assert.match((await agent.get('/call-centre')).body, /<h1>Call queue<\/h1>/);
  for (const role of ['call-center-manager', 'manager', 'manager-leader'] as const) {
    const manager = await login(t.app, (await person(t.db, role)).email);
    const body = (await manager.get('/')).body;
    for (const kpi of [
      'Leads today',
      'Confirmation rate today',
      'Confirmation rate, 30 days',
      'Orders shipped today',
      'Orders shipped, 30 days',
      'Delivery rate today',
      'Delivery rate, 30 days',
    ])
      assert.match(body, new RegExp(kpi), `${role}: ${kpi}`);
    assert.match(body, /href="\/call-centre\/agents"/, role);
  }
});

test('an assignment the agent can no longer serve goes back to everyone: deactivated or no longer confirming the product (call-centre audit: such leads were in no queue)', async () => {
  const s = await shop(t.db);
  const admin = await login(t.app, (await person(t.db, 'admin')).email);
  const [x, y, w] = await Promise.all([1, 2, 3].map(() => agentOf(t.db, [s.products.A])));
  const ids = await leads(t.db, s, [{ sku: 'A' }, { sku: 'A' }, { sku: 'A' }]);
  for (const [i, who] of [x, y, w].entries()) ok(await admin.json('PATCH', '/leads/assign', { ids: [ids[i]], agent_id: who.id }));
  const assignee = async (id: string) =>
    (await t.db.query<{ assigned_to: string | null }>('SELECT assigned_to FROM leads WHERE id = $1', [id])).rows[0].assigned_to;

  ok(await admin.json('PATCH', `/users/agents/${x.id}/update`, { products_ids_to_confirm: [s.products.B] }));
  ok(await admin.json('PATCH', `/users/agents/${y.id}/update`, { status: 'inactive' }));
  ok(
    await admin.json('PATCH', `/users/agents/${w.id}/update`, {
      full_name: 'Still Serving',
      products_ids_to_confirm: [s.products.A, s.products.B],
    }),
  );
  assert.deepEqual(await Promise.all(ids.map(assignee)), [null, null, w.id]);

  // Another agent of the product is offered them, oldest first; W's stays W's.
  const v = await login(t.app, (await agentOf(t.db, [s.products.A])).email);
  const got: string[] = [];
  for (let i = 0; i < 2; i++) {
    const next = ok(await v.json('POST', '/call-centre/next', {})).data as { id: string };
    got.push(next.id);
    ok(await v.json('PATCH', `/leads/${next.id}/status`, { status: 'no_reply' }));
  }
  assert.deepEqual(got, ids.slice(0, 2));
});

test("an assignment goes back to everyone when the product's agents change on its page, or the lead's products change (call-centre audit: such leads were in no queue)", async () => {
  const s = await shop(t.db);
  const admin = await login(t.app, (await person(t.db, 'admin')).email);
  const [x, y] = await Promise.all([1, 2].map(() => agentOf(t.db, [s.products.A])));
  const [byProduct, byLines, kept] = await leads(t.db, s, [{ sku: 'A' }, { sku: 'A' }, { sku: 'A' }]);
  ok(await admin.json('PATCH', '/leads/assign', { ids: [byProduct], agent_id: x.id }));
  ok(await admin.json('PATCH', '/leads/assign', { ids: [byLines, kept], agent_id: y.id }));
  const assignee = async (id: string) =>
    (await t.db.query<{ assigned_to: string | null }>('SELECT assigned_to FROM leads WHERE id = $1', [id])).rows[0].assigned_to;

  // X no longer confirms A: their lead of A goes back; Y still does and keeps theirs.
  ok(await admin.json('PUT', `/products/${s.products.A}/assign`, { agents: [y.id] }));
  assert.deepEqual([await assignee(byProduct), await assignee(byLines)], [null, y.id]);
  // The lead's only product becomes B, which Y does not confirm: it goes back too; the other stays Y's.
  const edited = await admin.json('PATCH', `/leads/${byLines}/update`, { products: [{ sku: 'B', quantity: 1, price: 40 }] });
  assert.equal(edited.statusCode, 200, edited.body);
  assert.deepEqual([await assignee(byLines), await assignee(kept)], [null, y.id]);

  // And an agent of B is offered it.
  const z = await login(t.app, (await agentOf(t.db, [s.products.B])).email);
  assert.equal((ok(await z.json('POST', '/call-centre/next', {})).data as { id: string }).id, byLines);
});

test("a manager leader's board links only the claims they may open (another team's lead was a link to a 404: call-centre audit)", async () => {
  const s = await shop(t.db);
  const leader = await person(t.db, 'manager-leader');
  const manager = await person(t.db, 'manager');
  await t.db.query('UPDATE users SET manager_id = $2 WHERE id = $1', [manager.id, leader.id]);
  const inTeam = await agentOf(t.db, [s.products.A]);
  await t.db.query('UPDATE users SET manager_id = $2 WHERE id = $1', [inTeam.id, manager.id]);
  const outside = await agentOf(t.db, [s.products.C]);
  const [ofA, ofC] = await leads(t.db, s, [{ sku: 'A' }, { sku: 'C' }]);
  for (const who of [inTeam, outside]) ok(await (await login(t.app, who.email)).json('POST', '/call-centre/next', {}));
  const board = (await (await login(t.app, leader.email)).get('/call-centre/agents')).body;
  const [refA, refC] = [await reference(ofA), await reference(ofC)];
  assert.match(board, new RegExp(`<a href="/call-centre/leads/${ofA}"[^>]*>${refA}</a>`));
  assert.doesNotMatch(board, new RegExp(`/call-centre/leads/${ofC}`));
  // Until when is text beside the reference, on the platform's clock, not a tooltip (call-centre audit).
  assert.doesNotMatch(board, /title="Until/);
  for (const [id, ref] of [
    [ofA, `<a href="/call-centre/leads/${ofA}">${refA}</a>`],
    [ofC, `<span>${refC}</span>`],
  ]) {
    const { rows } = await t.db.query<{ until: string }>('SELECT iso_utc(claimed_until) AS until FROM leads WHERE id = $1', [id]);
    const until = rows[0].until;
    const time = inDisplayZone(t.config.timezone, () => formatTime(until)).replace('+', '\\+'); // `14:05 UTC+1`
    assert.match(board, new RegExp(`${ref}<span class="small muted">until <time datetime="${until}">([^<]*, )?${time}</time></span>`));
  }
});
