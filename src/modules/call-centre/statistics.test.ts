import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '../../lib/ids.js';
import { sharedTestApp, type TestApp } from '../../test-support/harness.js';
import { person } from '../../test-support/people.js';
import { login } from '../../test-support/session.js';
import { expectInvalid } from '../../test-support/expect.js';
import { agentOf, leads, shop } from './test-fixtures.js';

let t: TestApp;
sharedTestApp((app) => (t = app), { TIMEZONE: 'Africa/Casablanca' }); // the fixtures' days are Casablanca's

test('GET /statistics/agents matches a hand-computed fixture (days in Africa/Casablanca, UTC+1 in January), JSON and CSV', async () => {
  const s = await shop(t.db);
  const boss = await person(t.db, 'call-center-manager');
  const centre = newId();
  await t.db.query('INSERT INTO call_centers (id, name, manager_id) VALUES ($1, $2, $3)', [centre, `Stats ${centre.slice(-8)}`, boss.id]);
  const [x, y, w] = await Promise.all(['Xavier', 'Yasmine', 'Walid'].map(() => agentOf(t.db, [s.products.A], { callCenterId: centre })));
  await t.db.query(
    `UPDATE users SET full_name = CASE id WHEN $1 THEN 'A Xavier' WHEN $2 THEN 'B Yasmine' ELSE 'C Walid' END WHERE id IN ($1, $2, $3)`,
    [x.id, y.id, w.id],
  );
  const outsider = await agentOf(t.db, [s.products.A]);
  const ids = await leads(
    t.db,
    s,
    [...Array(6)].map(() => ({ sku: 'A' as const })),
  );
  const created = [
    '2026-01-10T09:00Z',
    '2026-01-09T22:00Z',
    '2026-01-10T08:00Z',
    '2026-01-11T10:00Z',
    '2026-01-10T10:00Z',
    '2026-01-10T11:00Z',
  ];
  for (const [i, at] of created.entries()) await t.db.query('UPDATE leads SET created_at = $2 WHERE id = $1', [ids[i], at]);
  const calls: [number, string, string, string][] = [
    [0, x.id, 'no_reply', '2026-01-10T09:30Z'], // first call of L1: 30 min
    [0, x.id, 'confirmed', '2026-01-10T10:00Z'],
    [1, x.id, 'canceled', '2026-01-09T23:30Z'], // 00:30 on the 10th in Casablanca: in range; 90 min
    [2, x.id, 'wrong', '2026-01-11T23:30Z'], // 00:30 on the 12th: out of range
    [3, x.id, 'call_later', '2026-01-11T10:10Z'], // 10 min
    [3, y.id, 'confirmed', '2026-01-11T12:00Z'], // not L4's first call
    [4, y.id, 'wrong', '2026-01-10T10:45Z'], // 45 min
    [4, y.id, 'wrong', '2026-01-10T10:55Z'], // reopened and called again: one more call, still one lead decided
    [5, y.id, 'canceled', '2026-01-10T11:20Z'], // 20 min
    [5, outsider.id, 'confirmed', '2026-01-10T12:00Z'],
  ];
  for (const [lead, agent, outcome, at] of calls) {
    await t.db.query('INSERT INTO lead_calls (account_id, lead_id, agent_id, outcome, created_at) VALUES ($1, $2, $3, $4, $5)', [
      s.accountId,
      ids[lead],
      agent,
      outcome,
      at,
    ]);
  }
  const expected = [
    {
      agent_id: x.id,
      agent: 'A Xavier',
      calls: 4,
      confirmed: 1,
      canceled: 1,
      no_reply: 1,
      call_later: 1,
      wrong: 0,
      confirmation_rate: 0.5,
      median_minutes_to_first_call: 30,
    },
    {
      agent_id: y.id,
      agent: 'B Yasmine',
      calls: 4,
      confirmed: 1,
      canceled: 1,
      no_reply: 0,
      call_later: 0,
      wrong: 2,
      confirmation_rate: 0.3333, // confirmed ÷ leads with a final outcome (3), not ÷ such calls (4)
      median_minutes_to_first_call: 32.5,
    },
    {
      agent_id: w.id,
      agent: 'C Walid',
      calls: 0,
      confirmed: 0,
      canceled: 0,
      no_reply: 0,
      call_later: 0,
      wrong: 0,
      confirmation_rate: 0,
      median_minutes_to_first_call: null,
    },
  ];
  const manager = await login(t.app, boss.email);
  const json = await manager.json('GET', '/statistics/agents?from=2026-01-10&to=2026-01-11');
  assert.equal(json.statusCode, 200, json.body);
  assert.deepEqual(json.json(), { data: expected });

  const csv = await manager.get('/statistics/agents?from=2026-01-10&to=2026-01-11&format=csv');
  assert.match(String(csv.headers['content-type']), /^text\/csv/);
  assert.equal(
    csv.body,
    '\ufeff' + // a BOM, as the lead and order exports have (files/sheets.ts)
      [
        'agent_id,agent,calls,confirmed,canceled,no_reply,call_later,wrong,confirmation_rate,median_minutes_to_first_call',
        `${x.id},A Xavier,4,1,1,1,1,0,0.5,30`,
        `${y.id},B Yasmine,4,1,1,0,0,2,0.3333,32.5`,
        `${w.id},C Walid,0,0,0,0,0,0,0,`,
        '',
      ].join('\n'),
  );
  assert.equal((await manager.get('/statistics/agents?from=2026-01-10&to=2026-01-11', { accept: 'text/csv' })).body, csv.body);

  // An agent sees their own row only; a bad range answers 422; the page has its table and chart.
  const own = await (await login(t.app, y.email)).json('GET', '/statistics/agents?from=2026-01-10&to=2026-01-11');
  assert.deepEqual(own.json(), { data: [expected[1]] });
  const bad = await manager.json('GET', '/statistics/agents?from=2026-13-01&to=2026-01-11');
  assert.deepEqual(bad.json(), { message: 'The given data was invalid.', errors: { from: ['The from field must be a valid date.'] } });
  // The page keeps its form: the error beside its date, the typed dates in the form, today's figures
  // (found by the dashboard audit: a full-page 422 with no form to mend the dates).
  const badPage = await manager.get('/statistics/agents?from=2026-01-12&to=2026-01-11');
  assert.equal(badPage.statusCode, 200);
  assert.match(badPage.body, /id="f-to-error"[^>]*>[^]*?The to field must be a date after or equal to from\./);
  assert.match(badPage.body, /name="from"[^>]*value="2026-01-12"|value="2026-01-12"[^>]*name="from"/);
  assert.match(badPage.body, /id="agents-chart"/);
  assert.doesNotMatch(badPage.body, /flash-error/);
  // A CSV client (curl's Accept: */*) gets the JSON 422 of api-v1.md, not a page (stats audit);
  // a browser asking for the CSV still gets a page.
  for (const accept of ['*/*', 'text/csv']) {
    const curl = await manager.get('/statistics/agents?format=csv&from=bad', { accept });
    assert.equal(curl.statusCode, 422, accept);
    assert.match(String(curl.headers['content-type']), /^application\/json/, accept);
    assert.deepEqual(curl.json(), { message: 'The given data was invalid.', errors: { from: ['The from field must be a valid date.'] } });
  }
  const browserCsv = await manager.get('/statistics/agents?format=csv&from=bad');
  assert.equal(browserCsv.statusCode, 422);
  assert.match(String(browserCsv.headers['content-type']), /^text\/html/);
  assert.match(browserCsv.body, /The from field must be a valid date\./);
  assert.match((await manager.get('/statistics/agents?from=bad', { accept: '*/*' })).body, /id="f-from-error"/, 'the page keeps its form');
  // Only the field that was sent is reported (found by the call-centre audit: `to` was too).
  const alone = await manager.json('GET', '/statistics/agents?from=2026-13-01');
  expectInvalid(alone, { from: ['The from field must be a valid date.'] });
  // Year 0 is no date (PostgreSQL has none: it was a 500, found by the fuzz audit).
  const yearZero = await manager.json('GET', '/statistics/agents?from=0000-01-01&to=0000-01-02');
  expectInvalid(yearZero, { from: ['The from field must be a valid date.'], to: ['The to field must be a valid date.'] });
  const day = (await manager.json('GET', '/statistics/agents?from=2026-01-11&to=2026-01-11')).json();
  assert.deepEqual((await manager.json('GET', '/statistics/agents?to=2026-01-11')).json(), day, 'one date: that day alone');
  assert.deepEqual((await manager.json('GET', '/statistics/agents?from=2026-01-11')).json(), day);
  assert.notDeepEqual(day, { data: expected });
  const page = await manager.get('/statistics/agents?from=2026-01-10&to=2026-01-11');
  assert.equal(page.statusCode, 200);
  assert.match(
    page.body,
    /id="agents-chart" data-days="\[\{&quot;day&quot;:&quot;2026-01-10&quot;,&quot;calls&quot;:6,&quot;confirmed&quot;:1\}/,
  );
  assert.match(page.body, /<script src="\/vendor\/uplot\/uPlot.iife.min.js" defer>/);
  const lib = await manager.get('/vendor/uplot/uPlot.iife.min.js');
  assert.equal(lib.statusCode, 200);
  assert.match(lib.body, /uPlot/);
  const seller = await login(t.app, (await person(t.db, 'seller')).email);
  assert.equal((await seller.json('GET', '/statistics/agents')).statusCode, 403);
});

test("the days are the platform's (Africa/Casablanca, UTC+1 in December 2026) on every database: the embedded one's zone data says UTC+0 there", async () => {
  const s = await shop(t.db);
  const boss = await person(t.db, 'call-center-manager');
  const centre = newId();
  await t.db.query('INSERT INTO call_centers (id, name, manager_id) VALUES ($1, $2, $3)', [centre, `Dec ${centre.slice(-8)}`, boss.id]);
  const agent = await agentOf(t.db, [s.products.A], { callCenterId: centre });
  const ids = await leads(t.db, s, [{ sku: 'A' }, { sku: 'A' }, { sku: 'A' }]);
  const calls: [number, string, string][] = [
    [0, 'no_reply', '2026-12-04T22:59Z'], // 23:59 on the 4th
    [1, 'confirmed', '2026-12-04T23:30Z'], // 00:30 on the 5th (the ops audit saw it filed under the 4th)
    [2, 'canceled', '2026-12-05T22:30Z'], // 23:30 on the 5th
  ];
  for (const [lead, outcome, at] of calls) {
    await t.db.query('INSERT INTO lead_calls (account_id, lead_id, agent_id, outcome, created_at) VALUES ($1, $2, $3, $4, $5)', [
      s.accountId,
      ids[lead],
      agent.id,
      outcome,
      at,
    ]);
  }
  const manager = await login(t.app, boss.email);
  const onThe = async (day: string) => {
    const json = await manager.json('GET', `/statistics/agents?from=${day}&to=${day}`);
    const row = (json.json().data as { agent_id: string; calls: number; confirmed: number }[]).find((r) => r.agent_id === agent.id)!;
    return { calls: row.calls, confirmed: row.confirmed };
  };
  assert.deepEqual(await onThe('2026-12-04'), { calls: 1, confirmed: 0 });
  assert.deepEqual(await onThe('2026-12-05'), { calls: 2, confirmed: 1 });
  const page = await manager.get('/statistics/agents?from=2026-12-04&to=2026-12-06');
  const days = JSON.parse(/data-days="([^"]*)"/.exec(page.body)![1].replace(/&quot;/g, '"'));
  assert.deepEqual(days, [
    { day: '2026-12-04', calls: 1, confirmed: 0 },
    { day: '2026-12-05', calls: 2, confirmed: 1 },
    { day: '2026-12-06', calls: 0, confirmed: 0 },
  ]);
  const chartOf = async (query: string) => {
    const body = (await manager.get(`/statistics/agents?${query}`)).body;
    const points = JSON.parse(/data-days="([^"]*)"/.exec(body)![1].replace(/&quot;/g, '"')) as { day: string; calls: number }[];
    return { points, caption: /<figcaption>([^<]*)<\/figcaption>/.exec(body)![1] };
  };
  // Over a quarter, a point per week (from its Monday).
  const weeks = await chartOf('from=2026-10-01&to=2027-01-31');
  assert.equal(weeks.caption, 'Calls and confirmations per week');
  assert.equal(weeks.points.length, 18);
  assert.deepEqual(weeks.points[0], { day: '2026-09-28', calls: 0, confirmed: 0 });
  assert.deepEqual(
    weeks.points.find((p) => p.day === '2026-11-30'),
    { day: '2026-11-30', calls: 3, confirmed: 1 },
  );
  // Any range an agent may type: by month, over the months that have calls (a point per day of
  // years 1 to 9999 made 310 MB of page and held the server for two minutes: call-centre audit).
  const ages = await chartOf('from=0001-01-01&to=9999-12-31');
  assert.equal(ages.caption, 'Calls and confirmations per month');
  assert.ok(ages.points.length >= 1 && ages.points.length <= 24, `${ages.points.length} months`);
  assert.deepEqual(
    ages.points.find((p) => p.day === '2026-12-01'),
    { day: '2026-12-01', calls: 3, confirmed: 1 },
  );
  const none = await chartOf('from=1990-01-01&to=1999-12-31');
  assert.deepEqual(none, { points: [], caption: 'No call in this range.' });
  // Another team's call in that range: the chart's months were those of every agent's calls (review).
  const stranger = await agentOf(t.db, [s.products.A]);
  await t.db.query(
    "INSERT INTO lead_calls (account_id, lead_id, agent_id, outcome, created_at) VALUES ($1, $2, $3, 'no_reply', '1995-06-15T10:00Z')",
    [s.accountId, ids[0], stranger.id],
  );
  assert.deepEqual(await chartOf('from=1990-01-01&to=1999-12-31'), none, "another team's calls do not shape the chart");
});

test("the CSV neutralises an agent's name a spreadsheet would run as a formula, as the lead and order exports do (stats audit)", async () => {
  const boss = await person(t.db, 'manager');
  const name = '=HYPERLINK("http://x","a")';
  const agent = await person(t.db, 'agent', { managerId: boss.id, fullName: name });
  const csv = await (await login(t.app, boss.email)).get('/statistics/agents?from=2026-01-10&to=2026-01-10&format=csv');
  assert.equal(csv.statusCode, 200, csv.body);
  const lines = csv.body
    .replace(/^\ufeff/, '')
    .trimEnd()
    .split('\n');
  assert.deepEqual(lines.slice(1), [`${agent.id},"'=HYPERLINK(""http://x"",""a"")",0,0,0,0,0,0,0,`]);
});

test("a manager leader's statistics are their team's, the agents their user pages list (domain.md: own team), not every agent", async () => {
  const s = await shop(t.db);
  const leader = await person(t.db, 'manager-leader');
  const manager = await person(t.db, 'manager', { managerId: leader.id });
  const [ours, stray] = await Promise.all([person(t.db, 'agent', { managerId: manager.id }), person(t.db, 'agent')]);
  const ids = await leads(t.db, s, [{ sku: 'A' }, { sku: 'A' }]);
  for (const [i, agentId] of [ours.id, stray.id].entries()) {
    await t.db.query(
      "INSERT INTO lead_calls (account_id, lead_id, agent_id, outcome, created_at) VALUES ($1, $2, $3, 'confirmed', '2026-02-03T10:00Z')",
      [s.accountId, ids[i], agentId],
    );
  }
  const l = await login(t.app, leader.email);
  const users = (await l.json('GET', '/users/agents?per_page=100')).json() as { data: { id: string }[] };
  const listed = users.data.map((u) => u.id);
  assert.ok(listed.includes(ours.id) && !listed.includes(stray.id), 'the user pages list the team');
  const stats = (await l.json('GET', '/statistics/agents?from=2026-02-03&to=2026-02-03')).json() as { data: { agent_id: string }[] };
  assert.deepEqual(
    stats.data.map((r) => r.agent_id),
    [ours.id],
  );
  const page = await l.get('/statistics/agents?from=2026-02-03&to=2026-02-03');
  const days = JSON.parse(/data-days="([^"]*)"/.exec(page.body)![1].replace(/&quot;/g, '"'));
  assert.deepEqual(days, [{ day: '2026-02-03', calls: 1, confirmed: 1 }], "the chart counts the team's calls only");
  // An admin still sees every agent.
  const admin = await login(t.app, (await person(t.db, 'admin')).email);
  const all = (await admin.json('GET', '/statistics/agents?from=2026-02-03&to=2026-02-03')).json() as { data: { agent_id: string }[] };
  assert.ok([ours.id, stray.id].every((id) => all.data.some((r) => r.agent_id === id)));
});
