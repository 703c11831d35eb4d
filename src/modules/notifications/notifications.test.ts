import { test } from 'node:test';
import assert from 'node:assert/strict';
import { order, tenant, sharedTestApp, type TestApp } from '../../test-support/harness.js';
import { person } from '../../test-support/people.js';
import { login } from '../../test-support/session.js';
import { decrementStock, incrementStock } from '../stocks/service.js';
import { productId, staff, stock, SYSTEM_TEST, warehouse } from '../stocks/test-fixtures.js';
import { ROLES } from '../../core/roles.js';
import { notify } from './service.js';

const API = '/api/web/1.0';

let t: TestApp;
sharedTestApp((app) => (t = app), { API_RATE_LIMIT_PER_MINUTE: '1000000' });

async function notificationsOf(userId: string) {
  const { rows } = await t.db.query<{ kind: string; title: string; message: string; link: string; account_id: string }>(
    'SELECT kind, title, message, link, account_id FROM notifications WHERE user_id = $1 ORDER BY id',
    [userId],
  );
  return rows;
}

const bellOf = (html: string) => /<a href="\/notifications" class="bell" aria-label="([^"]+)"/.exec(html)?.[1];

test('low stock: an order reservation crossing the warning notifies the warehouse stock managers and the seller, once while below', async () => {
  const a = await tenant(t.db);
  const teammate = await person(t.db, 'seller', { accountId: a.accountId });
  const w = await warehouse(t.db);
  const elsewhere = await warehouse(t.db);
  const manager = await staff(t.db, 'stock-manager', [w]);
  const otherManager = await staff(t.db, 'stock-manager', [elsewhere]);
  const other = await tenant(t.db);
  const p1 = await productId(t.db, a.accountId, 'P1');
  const s = await stock(t.db, p1, w, { quantity: 10, warning: 5 });
  const create = async (quantity: number, i: number) => {
    const res = await t.app.inject({
      method: 'POST',
      url: `${API}/orders`,
      headers: a.auth,
      payload: { orders: [order(i, { total: 199 * quantity, products: [{ sku: 'P1', quantity, price: 199 }] })] },
    });
    assert.equal(res.statusCode, 201, res.body);
  };

  await create(2, 1); // available 8
  await create(2, 2); // 6
  assert.deepEqual(await notificationsOf(a.userId), []);
  await create(2, 3); // 4 ≤ 5: crossing
  const expected = {
    kind: 'low_stock',
    title: 'Low stock: Argan Oil 100ml (P1)',
    message:
      (await t.db.query<{ name: string }>('SELECT name FROM warehouses WHERE id = $1', [w])).rows[0].name + ': 4 available, warning at 5.',
    link: `/stocks/${s}/show`,
    account_id: a.accountId,
  };
  for (const who of [a.userId, teammate.id, manager.id]) assert.deepEqual(await notificationsOf(who), [expected], who);
  assert.deepEqual(await notificationsOf(otherManager.id), []);
  assert.deepEqual(await notificationsOf(other.userId), []);

  // Still below: more reservations and a decrement by hand notify nobody.
  await create(2, 4); // 2
  await t.db.tx((q) => decrementStock(q, SYSTEM_TEST, s, 1, 'Broken')); // 1
  assert.equal((await notificationsOf(a.userId)).length, 1);

  // Back above, then down again: a second notification.
  await t.db.tx((q) => incrementStock(q, SYSTEM_TEST, s, 20, 'Delivery')); // 21
  await create(8, 5); // 13
  assert.equal((await notificationsOf(manager.id)).length, 1);
  await create(8, 6); // 5 ≤ 5
  const again = await notificationsOf(manager.id);
  assert.equal(again.length, 2);
  assert.match(again[1].message, /: 5 available, warning at 5\.$/);

  // An order that cannot be served (waiting for stock) reserves nothing and notifies nobody.
  await create(50, 7);
  assert.equal((await notificationsOf(manager.id)).length, 2);

  // A decrement by hand that crosses notifies too: the seller does not see it made (catalog audit).
  await t.db.tx((q) => incrementStock(q, SYSTEM_TEST, s, 10, 'Delivery')); // 15
  await t.db.tx((q) => decrementStock(q, SYSTEM_TEST, s, 9, 'Broken')); // 6: still above
  assert.equal((await notificationsOf(a.userId)).length, 2);
  await t.db.tx((q) => decrementStock(q, SYSTEM_TEST, s, 3, 'Broken')); // 3 ≤ 5
  const byHand = await notificationsOf(a.userId);
  assert.equal(byHand.length, 3);
  assert.match(byHand[2].message, /: 3 available, warning at 5\.$/);
  assert.equal((await notificationsOf(manager.id)).length, 3);
});

test('the bell counts unread notifications on every page; /notifications lists them and marks them read', async () => {
  const a = await tenant(t.db);
  const other = await person(t.db, 'seller');
  await notify(t.db, [
    { userId: a.userId, kind: 'test', title: 'First thing', message: 'One', link: '/orders', accountId: a.accountId },
    { userId: a.userId, kind: 'test', title: 'Second <thing>', message: 'Two' },
    { userId: other.id, kind: 'test', title: 'Not yours' },
  ]);
  const s = await login(t.app, a.email);
  assert.equal(bellOf((await s.get('/orders')).body), 'Notifications, 2 unread');
  assert.match((await s.get('/')).body, /class="bell-count" aria-hidden="true">2</);

  const page = await s.get('/notifications');
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<li class="unread" data-kind="test"><strong>Second &lt;thing><\/strong><div>Two<\/div>/);
  assert.match(page.body, /<a href="\/orders">First thing<\/a>/);
  assert.doesNotMatch(page.body, /Not yours/);
  assert.equal(bellOf(page.body), 'Notifications');
  assert.equal(bellOf((await s.get('/orders')).body), 'Notifications');

  const json = await s.json('GET', '/notifications');
  assert.equal(json.statusCode, 200);
  const body = json.json() as { data: { title: string; read_at: string | null; link: string | null }[]; meta: unknown };
  assert.deepEqual(
    body.data.map((n) => [n.title, n.link, typeof n.read_at]),
    [
      ['Second <thing>', null, 'string'],
      ['First thing', '/orders', 'string'],
    ],
  );
  assert.deepEqual(body.meta, { current_page: 1, per_page: 25, total: 2, last_page: 1 });

  // JSON opens them too: the other user's come back unread once, then read.
  const o = await login(t.app, other.email);
  assert.equal((await o.json('GET', '/notifications')).json().data[0].read_at, null);
  assert.equal(typeof (await o.json('GET', '/notifications')).json().data[0].read_at, 'string');
  assert.equal((await t.app.inject({ method: 'GET', url: '/notifications' })).statusCode, 302);
});

// Admins' announcements (domain.md's notifications row: admin VCD).

const INVALID = 'The given data was invalid.';

async function announcementRows(id: string) {
  const { rows } = await t.db.query<{ user_id: string; kind: string; title: string; message: string; link: string | null }>(
    'SELECT user_id, kind, title, message, link FROM notifications WHERE announcement_id = $1 ORDER BY user_id',
    [id],
  );
  return rows;
}

/** Users who may sign in: whom `all` reaches (optionally of one role). */
async function activeUserIds(role?: string) {
  const { rows } = await t.db.query<{ id: string }>(
    `SELECT u.id FROM users u LEFT JOIN accounts a ON a.id = u.account_id
      WHERE u.deleted_at IS NULL AND u.status = 'active' AND (a.id IS NULL OR a.status = 'active') AND ($1::text IS NULL OR u.role = $1)
      ORDER BY u.id`,
    [role ?? null],
  );
  return rows.map((r) => r.id);
}

/**
 * `reached` went to the users active both `before` and `after` the send, and to no one active at
 * neither time: other test files create and deactivate users meanwhile on a shared PostgreSQL.
 */
function assertReached(reached: string[], before: string[], after: string[]) {
  const either = new Set([...before, ...after]);
  for (const id of before) if (after.includes(id)) assert.ok(reached.includes(id), `${id} was active all along`);
  for (const id of reached) assert.ok(either.has(id), `${id} was never active`);
  assert.equal(new Set(reached).size, reached.length, 'one row each');
}

/** An agent that is inactive, one deleted, and a seller whose account is inactive: never reached by `all` or a role. */
async function unreachable() {
  const inactive = await person(t.db, 'agent');
  await t.db.query(`UPDATE users SET status = 'inactive' WHERE id = $1`, [inactive.id]);
  const deleted = await person(t.db, 'agent');
  await t.db.query(`UPDATE users SET status = 'inactive', deleted_at = now() WHERE id = $1`, [deleted.id]);
  const closed = await person(t.db, 'seller');
  await t.db.query(`UPDATE accounts SET status = 'inactive' WHERE id = $1`, [closed.accountId]);
  return { inactive, deleted, closed };
}

test('an admin sends a notification to every active user: one row each, in their bell and list; inactive, deleted and closed accounts get none', async () => {
  const admin = await person(t.db, 'admin');
  const seller = await person(t.db, 'seller');
  const agent = await person(t.db, 'agent');
  const off = await unreachable();
  const expected = await activeUserIds();
  const s = await login(t.app, admin.email);

  const res = await s.json('POST', '/notifications/store', {
    title: 'Holiday <hours>',
    message: 'Closed on Friday.',
    link: '/orders',
    audience: 'all',
  });
  assert.equal(res.statusCode, 201, res.body);
  const body = res.json() as { message: string; data: { id: string; count: number } };
  const rows = await announcementRows(body.data.id);
  assert.deepEqual(body, { message: `Notification sent to ${rows.length} users.`, data: { id: body.data.id, count: rows.length } });
  assertReached(
    rows.map((r) => r.user_id),
    expected,
    await activeUserIds(),
  );
  for (const who of [admin, seller, agent]) assert.equal(rows.filter((r) => r.user_id === who.id).length, 1, who.role);
  for (const who of Object.values(off)) assert.equal(rows.filter((r) => r.user_id === who.id).length, 0, who.role);
  assert.deepEqual(rows[0], {
    user_id: rows[0].user_id,
    kind: 'announcement',
    title: 'Holiday <hours>',
    message: 'Closed on Friday.',
    link: '/orders',
  });

  const o = await login(t.app, seller.email);
  assert.equal(bellOf((await o.get('/orders')).body), 'Notifications, 1 unread');
  const page = await o.get('/notifications');
  assert.match(
    page.body,
    /<li class="unread" data-kind="announcement"><strong><a href="\/orders">Holiday &lt;hours><\/a><\/strong><div>Closed on Friday\.<\/div>/,
  );
  assert.equal(bellOf((await o.get('/orders')).body), 'Notifications');
});

test('an admin sends to the active users of one role (by its slug), or to listed users, from the form too', async () => {
  const admin = await person(t.db, 'admin');
  const agents = [await person(t.db, 'agent'), await person(t.db, 'agent')];
  const seller = await person(t.db, 'seller');
  const off = await unreachable();
  const s = await login(t.app, admin.email);

  // A role: the form answers with a flash on /notifications.
  const expected = await activeUserIds('agent');
  await s.get('/notifications/create');
  const res = await s.form('/notifications/store', { title: 'Script update', audience: 'role', role: 'agents' });
  assert.equal(res.statusCode, 302, res.body);
  assert.equal(res.headers.location, '/notifications');
  const flash = (await s.follow(res)).body;
  const { rows: sent } = await t.db.query<{ id: string; audience: string; role: string; recipients: number }>(
    `SELECT id, audience, role, recipients FROM announcements WHERE title = 'Script update'`,
  );
  const rows = await announcementRows(sent[0].id);
  assert.match(flash, new RegExp(`<div class="flash flash-success" role="status">Notification sent to ${rows.length} users\\.`));
  assert.deepEqual(sent, [{ id: sent[0].id, audience: 'role', role: 'agent', recipients: rows.length }]);
  assertReached(
    rows.map((r) => r.user_id),
    expected,
    await activeUserIds('agent'),
  );
  for (const a of agents) assert.ok(expected.includes(a.id));
  for (const who of [seller, off.inactive, off.deleted, admin]) assert.ok(!rows.some((r) => r.user_id === who.id), who.role);

  // Listed users: each once, an inactive one too (named on purpose); a deleted one is not a user any more.
  const listed = await s.json('POST', '/notifications/store', {
    title: 'For you two',
    audience: 'users',
    user_ids: [seller.id, off.inactive.id, seller.id],
  });
  assert.equal(listed.statusCode, 201, listed.body);
  const data = (listed.json() as { data: { id: string; count: number } }).data;
  assert.equal(listed.json().message, 'Notification sent to 2 users.');
  assert.deepEqual((await announcementRows(data.id)).map((r) => r.user_id).sort(), [seller.id, off.inactive.id].sort());

  const one = await s.json('POST', '/notifications/store', { title: 'Only you', audience: 'users', user_ids: [seller.id] });
  assert.equal(one.json().message, 'Notification sent to 1 user.');

  // The admin's list of sends: whom each went to and how many.
  const list = await s.json('GET', '/notifications/sent');
  assert.equal(list.statusCode, 200);
  const items = (list.json() as { data: { title: string; audience: string; role: string | null; recipients: number; read: number }[] })
    .data;
  assert.deepEqual(
    items.filter((i) => ['Script update', 'For you two'].includes(i.title)).map((i) => [i.title, i.audience, i.role, i.recipients, i.read]),
    [
      ['For you two', 'users', null, 2, 0],
      ['Script update', 'role', 'agents', rows.length, 0],
    ],
  );
  const html = await s.get('/notifications/sent');
  assert.match(
    html.body,
    /<td data-label="Title">Script update<\/td><td data-label="Sent to">Agents<\/td><td data-label="Recipients">\d+<\/td>/,
  );
  assert.match(
    html.body,
    /<td data-label="Title">For you two<\/td><td data-label="Sent to">Chosen users<\/td><td data-label="Recipients">2<\/td>/,
  );
});

test('a send is validated with Laravel messages, and nothing is written when it fails', async () => {
  const admin = await person(t.db, 'admin');
  const seller = await person(t.db, 'seller');
  const s = await login(t.app, admin.email);
  // This admin's sends only: on PostgreSQL other test files (the dashboard's browser test) send meanwhile.
  const sent = async () =>
    (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM announcements WHERE sent_by = $1', [admin.id])).rows[0].n;
  const before = await sent();
  const expect422 = async (body: unknown, errors: Record<string, string[]>) => {
    const res = await s.json('POST', '/notifications/store', body);
    assert.equal(res.statusCode, 422, res.body);
    assert.deepEqual(res.json(), { message: INVALID, errors }, JSON.stringify(body));
  };

  await expect422({}, { title: ['The title field is required.'], audience: ['The audience field is required.'] });
  await expect422({ title: '  ', audience: 'all' }, { title: ['The title field is required.'] });
  await expect422(
    { title: 'x'.repeat(201), message: 'm'.repeat(2001), link: `/${'l'.repeat(500)}`, audience: 'everyone' },
    {
      title: ['The title field must not be greater than 200 characters.'],
      message: ['The message field must not be greater than 2000 characters.'],
      link: ['The link field must not be greater than 500 characters.'],
      audience: ['The selected audience is invalid.'],
    },
  );
  await expect422(
    { title: 'Hi', link: 'orders', audience: 'role' },
    {
      link: ['The link field must start with one of the following: /.'],
      role: ['The role field is required when audience is role.'],
    },
  );
  await expect422(
    { title: 'Hi', link: 'https://evil.example/', audience: 'role', role: 'admin' },
    {
      link: ['The link field must start with one of the following: /.'],
      role: ['The selected role is invalid.'],
    },
  );
  await expect422(
    { title: 'Hi', link: '//evil.example/', audience: 'users' },
    {
      link: ['The link field format is invalid.'],
      user_ids: ['The user ids field is required when audience is users.'],
    },
  );
  // Browsers drop tabs and line breaks from a URL: `/<tab>/host` leaves the site too (follow-up audit).
  for (const link of ['/\t/evil.example', '/\n/evil.example', '/\r\\evil.example'])
    await expect422({ title: 'Hi', link, audience: 'role', role: 'sellers' }, { link: ['The link field format is invalid.'] });
  await expect422(
    { title: 'Hi', audience: 'users', user_ids: [] },
    { user_ids: ['The user ids field is required when audience is users.'] },
  );
  await expect422(
    { title: 'Hi', audience: 'users', user_ids: [seller.id, 'nobody', seller.id, 'nobody-else', null, 7] },
    {
      'user_ids.1': ['The selected user_ids.1 is invalid.'],
      'user_ids.3': ['The selected user_ids.3 is invalid.'],
      'user_ids.4': ['The user_ids.4 field is required.'],
      'user_ids.5': ['The user_ids.5 field must be a string.'],
    },
  );
  await expect422(
    { title: 'Hi', audience: 'users', user_ids: Array.from({ length: 1001 }, () => seller.id) },
    {
      user_ids: ['The user ids field must not have more than 1000 items.'],
    },
  );
  await expect422({ title: 'Hi', audience: 'users', user_ids: 'everyone' }, { user_ids: ['The user ids field must be an array.'] });
  assert.equal(await sent(), before);
  assert.deepEqual(await notificationsOf(seller.id), []);
});

test('a form post that fails goes back to the form with each message beside its field and the input kept', async () => {
  const admin = await person(t.db, 'admin');
  const s = await login(t.app, admin.email);
  const form = await s.get('/notifications/create');
  assert.equal(form.statusCode, 200);
  assert.match(form.body, /<form method="post" action="\/notifications\/store"/);
  assert.match(form.body, /<button type="submit" class="btn btn-primary">Send notification<\/button>/);
  const res = await s.form('/notifications/store', { title: '', message: 'Kept', link: 'orders', audience: 'users', user_ids: ['ghost'] });
  assert.equal(res.statusCode, 302);
  assert.equal(res.headers.location, '/notifications/create');
  const back = await s.follow(res);
  assert.match(back.body, /id="f-title-error"><li>The title field is required\.<\/li>/);
  assert.match(back.body, /id="f-link-error"><li>The link field must start with one of the following: \/\.<\/li>/);
  assert.match(back.body, /id="f-user_ids-items-error"><li>The selected user_ids\.0 is invalid\.<\/li>/);
  assert.match(back.body, /<input id="f-link" name="link" type="text" value="orders"/);
  assert.match(back.body, />Kept<\/textarea>/);
  assert.match(back.body, /<option value="users" selected>/);

  const role = await s.form('/notifications/store', { title: 'Hi', audience: 'role' });
  assert.equal(role.statusCode, 302);
  assert.match((await s.follow(role)).body, /id="f-role-error"><li>The role field is required when audience is role\.<\/li>/);
});

test('only admins create and delete notifications: every other role gets 403 and sees no button', async () => {
  const admin = await person(t.db, 'admin');
  const target = await person(t.db, 'seller');
  const a = await login(t.app, admin.email);
  const sent = (await a.json('POST', '/notifications/store', { title: 'Stays', audience: 'users', user_ids: [target.id] })).json() as {
    data: { id: string };
  };
  const adminPage = await a.get('/notifications');
  assert.match(adminPage.body, /<a href="\/notifications\/create" class="btn btn-primary">New notification<\/a>/);
  assert.match(adminPage.body, /<a href="\/notifications\/sent" class="btn btn-secondary">Sent notifications<\/a>/);

  const forbidden = { message: 'This action is unauthorized.' };
  for (const role of ROLES.filter((r) => r !== 'admin')) {
    const who = await person(t.db, role);
    const s = await login(t.app, who.email);
    const page = await s.get('/notifications');
    assert.equal(page.statusCode, 200, role);
    assert.doesNotMatch(page.body, /\/notifications\/(create|sent)/, role);
    assert.equal((await s.get('/notifications/create')).statusCode, 403, role);
    assert.equal((await s.get('/notifications/sent')).statusCode, 403, role);
    for (const [method, url, body] of [
      ['POST', '/notifications/store', { title: 'Nope', audience: 'all' }],
      ['GET', '/notifications/sent', undefined],
      ['DELETE', '/notifications/delete', { ids: [sent.data.id] }],
      ['POST', '/notifications/delete', { ids: [sent.data.id] }],
    ] as const) {
      const res = await s.json(method, url, body);
      assert.equal(res.statusCode, 403, `${role} ${method} ${url}`);
      assert.deepEqual(res.json(), forbidden);
    }
    const spoofed = await s.form('/notifications/delete', { ids: [sent.data.id] }, { method: 'DELETE' });
    assert.equal(spoofed.statusCode, 403, role);
  }
  assert.equal((await t.db.query(`SELECT 1 FROM announcements WHERE title = 'Nope'`)).rows.length, 0);
  assert.equal((await announcementRows(sent.data.id)).length, 1);
});

test('deleting a sent notification removes it from every recipient, read or not; one or several at once', async () => {
  const admin = await person(t.db, 'admin');
  const [x, y] = [await person(t.db, 'seller'), await person(t.db, 'agent')];
  await notify(t.db, [{ userId: x.id, kind: 'test', title: 'Own thing' }]);
  const a = await login(t.app, admin.email);
  const send = async (title: string) =>
    (
      (await a.json('POST', '/notifications/store', { title, audience: 'users', user_ids: [x.id, y.id] })).json() as {
        data: { id: string };
      }
    ).data.id;
  const first = await send('First news');
  const second = await send('Second news');
  const third = await send('Third news');

  const sx = await login(t.app, x.email);
  await sx.get('/notifications'); // x reads all three
  const sy = await login(t.app, y.email);
  assert.equal(bellOf((await sy.get('/orders')).body), 'Notifications, 3 unread');

  // One, from its button on the admin's list (a form with _method=DELETE).
  const list = await a.get('/notifications/sent');
  assert.ok(list.body.includes(`<input type="hidden" name="ids[]" value="${first}"/>`));
  assert.match(list.body, /data-confirm="Delete the notification First news for its 2 recipients\?"/);
  const res = await a.form('/notifications/delete', { ids: [first] }, { method: 'DELETE' });
  assert.equal(res.statusCode, 302);
  assert.equal(res.headers.location, '/notifications/sent');
  assert.match((await a.follow(res)).body, /Notification First news deleted\./);
  assert.deepEqual(await announcementRows(first), []);
  assert.equal(bellOf((await sy.get('/orders')).body), 'Notifications, 2 unread');
  assert.deepEqual(
    (await notificationsOf(x.id)).map((n) => n.title),
    ['Own thing', 'Second news', 'Third news'],
  );

  // Several, as JSON; then an unknown one is a 404.
  const bulk = await a.json('DELETE', '/notifications/delete', { ids: [second, third, second] });
  assert.equal(bulk.statusCode, 200, bulk.body);
  assert.deepEqual(bulk.json(), { message: '2 notifications deleted.' });
  assert.deepEqual(
    (await notificationsOf(x.id)).map((n) => n.title),
    ['Own thing'],
  );
  assert.deepEqual(await notificationsOf(y.id), []);
  assert.equal(bellOf((await sy.get('/orders')).body), 'Notifications');
  assert.equal((await t.db.query('SELECT 1 FROM announcements WHERE id = ANY($1::text[])', [[first, second, third]])).rows.length, 0);
  assert.equal((await a.json('DELETE', '/notifications/delete', { ids: [first] })).statusCode, 404);
  const missing = await a.json('DELETE', '/notifications/delete', {});
  assert.equal(missing.statusCode, 422);
  assert.deepEqual(missing.json(), { message: INVALID, errors: { ids: ['The ids field is required.'] } });
});
