import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Queryable } from '../../db/database.js';
import { sharedTestApp, type TestApp } from '../../test-support/harness.js';
import { person } from '../../test-support/people.js';
import { login, type Agent } from '../../test-support/session.js';
import { clockIn } from './agent.js';
import { agentOf, leads, shop, ok } from './test-fixtures.js';

let t: TestApp;
sharedTestApp((app) => (t = app));

const next = (a: Agent) => a.json('POST', '/call-centre/next', {});
// On the platform's clock (TIMEZONE), whatever zone the suite runs with.
const minutesFromNow = (m: number) => clockIn(t.config.timezone, new Date(Date.now() + m * 60_000));

describe('POST /call-centre/next', () => {
  test('order: a due callback before an older new lead, new before no_reply (fewest attempts first); never a future callback or another product', async () => {
    const s = await shop(t.db);
    const [oldNew, dueCallback, future, tried2, tried1, otherProduct] = await leads(t.db, s, [
      { sku: 'A', age: 600 },
      { sku: 'A', age: 10, set: `status = 'call_later', callback_at = now() - interval '5 minutes'` },
      { sku: 'A', age: 900, set: `status = 'call_later', callback_at = now() + interval '1 hour'` },
      { sku: 'A', age: 900, set: `status = 'no_reply', call_attempts = 2` },
      { sku: 'A', age: 5, set: `status = 'no_reply', call_attempts = 1` },
      { sku: 'C', age: 1000 },
    ]);
    const agent = await login(t.app, (await agentOf(t.db, [s.products.A, s.products.B])).email);
    const got: string[] = [];
    for (let i = 0; i < 4; i++) {
      const body = ok(await next(agent));
      got.push(body.data.id);
      assert.match(body.data.claimed_until, /Z$/);
      // The same lead again while the claim holds.
      assert.equal(ok(await next(agent)).data.id, body.data.id);
      ok(await agent.json('POST', `/call-centre/leads/${body.data.id}/release`, {}));
      // Released leads go back: make them not first any more so the next tier shows.
      await t.db.query(`UPDATE leads SET status = 'wrong' WHERE id = $1`, [body.data.id]);
    }
    assert.deepEqual(got, [dueCallback, oldNew, tried1, tried2]);
    assert.deepEqual(ok(await next(agent)), { data: null, message: 'No lead to call right now.' });
    assert.ok(![future, otherProduct].some((id) => got.includes(id)));
  });

  test('JSON is the lead plus claimed_until; the form answers 302 to the call screen', async () => {
    const s = await shop(t.db);
    const [id] = await leads(t.db, s, [{ sku: 'B' }]);
    const agent = await login(t.app, (await agentOf(t.db, [s.products.B])).email);
    const res = await agent.form('/call-centre/next');
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, `/call-centre/leads/${id}`);
    const body = ok(await next(agent));
    const show = ok(await agent.json('GET', `/leads/${id}/show`));
    const { claimed_until, ...lead } = body.data;
    assert.deepEqual(lead, show.data);
    assert.equal(typeof claimed_until, 'string');
  });

  test('a second agent never gets the lead the first holds; an expired claim is free again', async () => {
    const s = await shop(t.db);
    const [first, second] = await leads(t.db, s, [
      { sku: 'A', age: 20 },
      { sku: 'A', age: 10 },
    ]);
    const one = await login(t.app, (await agentOf(t.db, [s.products.A])).email);
    const two = await login(t.app, (await agentOf(t.db, [s.products.A])).email);
    assert.equal(ok(await next(one)).data.id, first);
    assert.equal(ok(await next(two)).data.id, second);
    await t.db.query(`UPDATE leads SET claimed_until = now() - interval '1 second' WHERE id = $1`, [first]);
    const three = await login(t.app, (await agentOf(t.db, [s.products.A])).email);
    assert.equal(ok(await next(three)).data.id, first);
  });

  test('assigned leads come first for their agent and never go to another', async () => {
    const s = await shop(t.db);
    const one = await agentOf(t.db, [s.products.A]);
    const [older, assigned] = await leads(t.db, s, [
      { sku: 'A', age: 100 },
      { sku: 'A', age: 1 },
    ]);
    await t.db.query('UPDATE leads SET assigned_to = $2 WHERE id = $1', [assigned, one.id]);
    const other = await login(t.app, (await agentOf(t.db, [s.products.A])).email);
    assert.equal(ok(await next(other)).data.id, older);
    assert.deepEqual(ok(await next(await login(t.app, (await agentOf(t.db, [s.products.A])).email))).data, null);
    assert.equal(ok(await next(await login(t.app, one.email))).data.id, assigned);
  });

  test('a claim is four statements: the session and the user, then the agent lock and the claim (with the JSON); no session write', async () => {
    const s = await shop(t.db);
    await leads(t.db, s, [{ sku: 'A' }, { sku: 'A' }]);
    const agent = await login(t.app, (await agentOf(t.db, [s.products.A])).email);
    const first = ok(await next(agent)).data.id;
    await agent.json('POST', `/call-centre/leads/${first}/release`, {});
    await t.db.query(`UPDATE leads SET status = 'wrong' WHERE id = $1`, [first]);
    const db = t.db;
    const { query, tx } = db;
    const seen: string[] = [];
    const counted = (q: Queryable): Queryable => ({ ...q, query: (text, ...rest) => (seen.push(text), q.query(text, ...rest)) });
    db.query = counted({ ...db }).query;
    db.tx = (fn) => tx((q) => fn(counted(q)));
    try {
      assert.notEqual(ok(await next(agent)).data.id, first);
    } finally {
      Object.assign(db, { query, tx });
    }
    assert.equal(seen.length, 4, seen.join('\n'));
    assert.match(seen[2], /FOR NO KEY UPDATE/);
    assert.match(seen[3], /RETURNING l\.id, json_build_object/);
  });

  test('outside working hours, or paused: nothing, with the message', async () => {
    const s = await shop(t.db);
    const [lead] = await leads(t.db, s, [{ sku: 'A' }]);
    // A window that ended a minute ago (and does not wrap past midnight).
    const hours = [{ startTime: minutesFromNow(-3), endTime: minutesFromNow(-1) }];
    if (hours[0].startTime < hours[0].endTime) {
      const away = await login(t.app, (await agentOf(t.db, [s.products.A], { hours })).email);
      assert.deepEqual(ok(await next(away)), { data: null, message: 'You are outside your working hours.' });
      const page = await away.get('/call-centre');
      assert.match(page.body, /You are outside your working hours\./);
      // The page says when they are (workflow audit): the agent cannot see their own profile.
      assert.ok(page.body.includes(`Your hours: ${hours[0].startTime}–${hours[0].endTime} (${t.config.timezone}).`), page.body);
    }
    const paused = await agentOf(t.db, [s.products.A]);
    await t.db.query('UPDATE users SET paused_at = now() WHERE id = $1', [paused.id]);
    const pausedAgent = await login(t.app, paused.email);
    assert.deepEqual(ok(await next(pausedAgent)), { data: null, message: 'No lead to call right now.' });
    // The queue's notice beside a flash (a lead let go while paused): the page's one status is still the flash.
    await pausedAgent.get('/call-centre');
    const released = (await pausedAgent.follow(await pausedAgent.form(`/call-centre/leads/${lead}/release`))).body;
    assert.match(released, /<div class="flash flash-success" role="status">LD-\d+ is back in the queue\./);
    assert.match(released, /<p class="notice">/);
    assert.equal(released.match(/role="status"/g)?.length, 1);
    const inHours = [{ startTime: '00:00', endTime: '23:59' }];
    const working = await login(t.app, (await agentOf(t.db, [s.products.A], { hours: inHours })).email);
    if (minutesFromNow(0) < '23:59') assert.notEqual(ok(await next(working)).data, null);
  });

  test('working hours whose end is before their start cross midnight: on shift from the start to the end the next day', async () => {
    const s = await shop(t.db);
    await leads(t.db, s, [{ sku: 'A' }]);
    // On shift from ten minutes ahead, across midnight, to five minutes ahead tomorrow (now is in its second day)...
    // (minutes apart, not one: a slow run that crosses a minute boundary must not reach a shift's edge)
    const night = [{ startTime: minutesFromNow(10), endTime: minutesFromNow(5) }];
    // ... and off shift in the ten minutes from five minutes ago: its start is still ahead, its end passed.
    const offNight = [{ startTime: minutesFromNow(5), endTime: minutesFromNow(-5) }];
    if (night[0].endTime < night[0].startTime && offNight[0].endTime < offNight[0].startTime) {
      const onShift = await login(t.app, (await agentOf(t.db, [s.products.A], { hours: night })).email);
      assert.notEqual(ok(await next(onShift)).data, null);
      const offShift = await login(t.app, (await agentOf(t.db, [s.products.A], { hours: offNight })).email);
      assert.deepEqual(ok(await next(offShift)), { data: null, message: 'You are outside your working hours.' });
      const page = await offShift.get('/call-centre');
      const hours = `${offNight[0].startTime}–${offNight[0].endTime} (next day)`;
      assert.ok(page.body.includes(`Your hours: ${hours} (${t.config.timezone}).`), page.body);
    }
  });

  test('only agents use the queue; the queue page counts what the agent may get', async () => {
    const s = await shop(t.db);
    await leads(t.db, s, [
      { sku: 'A' },
      { sku: 'A' },
      { sku: 'A', set: `status = 'no_reply'` },
      { sku: 'A', set: `status = 'call_later', callback_at = now() - interval '1 minute'` },
      { sku: 'A', set: `status = 'call_later', callback_at = now() + interval '1 day'` },
      { sku: 'C' },
    ]);
    const agent = await login(t.app, (await agentOf(t.db, [s.products.A])).email);
    assert.deepEqual(ok(await agent.json('GET', '/call-centre')), { data: { callbacks: 1, fresh: 2, retries: 1 }, message: null });
    const page = await agent.get('/call-centre');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Next lead/);
    for (const role of ['admin', 'seller', 'call-center-manager'] as const) {
      const other = await login(t.app, (await person(t.db, role)).email);
      assert.equal((await next(other)).statusCode, 403, role);
    }
  });
});
